"""HTTP function `turn`, the one writer of interview state: the calls of interview/calls.py (`POST /` a turn,
`/resume`, `/draft`, `/recording`). Called by the relay, never by browsers: on Google Cloud only the relay's account
may invoke it (`TALENTCREW_TURN_AUTH=iam`); elsewhere the relay sends a shared secret."""

from __future__ import annotations

import flask
import functions_framework
from http_problems import from_domain_error, from_validation_error, problem
from pydantic import ValidationError

from talentcrew import logs, recordings
from talentcrew.auth import check_service_call
from talentcrew.config import interviewer, platform
from talentcrew.errors import DomainError
from talentcrew.interview.calls import DraftRequest, RecordingRequest, ResumeRequest, TurnRequest
from talentcrew.interview.turn import Interviewer


def _take(body: bytes, interview: Interviewer) -> flask.Response:
    return flask.jsonify(interview.take(TurnRequest.model_validate_json(body)).model_dump(mode="json"))


def _resume(body: bytes, interview: Interviewer) -> flask.Response:
    return flask.jsonify(interview.resume(ResumeRequest.model_validate_json(body)).model_dump(mode="json"))


def _draft(body: bytes, interview: Interviewer) -> flask.Response:
    interview.keep_draft(DraftRequest.model_validate_json(body))
    return flask.Response(status=204)


def _recording(body: bytes, interview: Interviewer) -> flask.Response:
    recordings.keep(interview.store, platform().blobs, RecordingRequest.model_validate_json(body))
    return flask.Response(status=204)


CALLS = {"/": _take, "/resume": _resume, "/draft": _draft, "/recording": _recording}


@functions_framework.http
def turn(request: flask.Request) -> flask.Response:
    settings = platform().settings
    logs.set_trace(
        settings.gcp_project, request.headers.get("X-Cloud-Trace-Context"), request.headers.get("traceparent")
    )
    call = CALLS.get(request.path)
    if call is None:
        return problem(404, "Not Found", f"POST to one of {', '.join(CALLS)}.")
    if request.method != "POST":
        return problem(405, "Method Not Allowed", "POST the call as JSON.")
    try:
        if settings.turn_auth == "shared-secret":
            check_service_call(request.headers.get("Authorization"), settings.turn_bearer())
        return call(request.get_data(), interviewer())
    except DomainError as error:
        return from_domain_error(error)
    except ValidationError as error:
        return from_validation_error(error)
