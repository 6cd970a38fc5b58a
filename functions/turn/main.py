"""HTTP function `turn`: one interview turn (grade the answer, choose and word the next question).

Called by the relay, never by browsers: on Google Cloud only the relay's service account holds the
invoker role (`TALENTCREW_TURN_AUTH=iam`); elsewhere the relay sends a shared secret.
"""

from __future__ import annotations

import flask
import functions_framework
from http_problems import from_domain_error, from_validation_error, problem
from pydantic import ValidationError

from talentcrew import logs
from talentcrew.auth import check_service_call
from talentcrew.config import interviewer, platform
from talentcrew.errors import DomainError
from talentcrew.interview.calls import TurnRequest


@functions_framework.http
def turn(request: flask.Request) -> flask.Response:
    settings = platform().settings
    logs.set_trace(
        settings.gcp_project, request.headers.get("X-Cloud-Trace-Context"), request.headers.get("traceparent")
    )
    if request.method != "POST":
        return problem(405, "Method Not Allowed", "POST a turn as JSON.")
    try:
        if settings.turn_auth == "shared-secret":
            check_service_call(request.headers.get("Authorization"), settings.turn_bearer())
        reply = interviewer().take(TurnRequest.model_validate_json(request.get_data()))
    except DomainError as error:
        return from_domain_error(error)
    except ValidationError as error:
        return from_validation_error(error)
    return flask.jsonify(reply.model_dump(mode="json"))
