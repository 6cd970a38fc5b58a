"""Spoken answers recorded for review: kept by the turn service, played through a signed link, erased.

A job may record spoken answers (`Job.record_answers`, off by default). A session takes the job's
setting when the candidate is invited, because that is what its consent notice tells them
(`sessions.consent_notice`); a later change of the job applies to later invitations only. The relay
records each spoken answer of such a session and sends it once the turn is taken (`keep`): it lands
in Blobs as `recordings/<session>/<turn>.ogg` (Ogg/Opus, `audio/ogg`), named on the answer. The
recruiter's timeline plays it through a signed, expiring link (`link`: viewers may, and each link is
audited). Erasing the interview, by a recruiter or by retention, deletes it (`sessions.erase`).
"""

from __future__ import annotations

from datetime import timedelta

from talentcrew import audit
from talentcrew.errors import Conflict, NotFound
from talentcrew.interview.calls import RecordingRequest
from talentcrew.interview.turn import standing
from talentcrew.models import Answer, InterviewSession, answer_id, recording_name
from talentcrew.ports import Blobs, Store
from talentcrew.tenancy import owned
from talentcrew.workspaces import Caller

CONTENT_TYPE = "audio/ogg"


def keep(store: Store, blobs: Blobs, request: RecordingRequest) -> None:
    """Stores the recording of a recorded answer of a session that records; a retried call stores nothing twice.

    The object is written before the answer names it, so an answer never points at a missing recording. If
    the interview is erased meanwhile, naming it fails (NotFound) and the object goes too: a recording never
    outlives its answer (`sessions.erase` deletes it after the answer, for one that lands in between).
    """
    session = standing(store, request.session_id)
    if not session.record_answers:
        raise Conflict("this interview does not record answers")
    answer = store.get(Answer, answer_id(session.id, request.turn_index))
    if answer is None:
        raise Conflict(f"answer {request.turn_index} is not recorded")
    if answer.recording_object is not None:
        return
    name = recording_name(session.id, request.turn_index)
    blobs.put(name, request.audio, CONTENT_TYPE)
    try:
        store.update(Answer, answer.id, {"recording_object": name, "recording_seconds": round(request.seconds, 2)})
    except NotFound:
        blobs.delete(name)
        raise


def link(store: Store, blobs: Blobs, caller: Caller, session_id: str, turn_index: int, ttl: timedelta) -> str:
    """A signed link to the answer's recording, valid for `ttl`; NotFound when it has none."""
    session = owned(store, InterviewSession, caller, session_id)
    answer = store.get(Answer, answer_id(session.id, turn_index))
    if answer is None or answer.recording_object is None:
        raise NotFound("this answer has no recording")
    audit.record(store, caller.actor, "session.recording_played", session_id=session.id, turn_index=turn_index)
    return blobs.signed_url(answer.recording_object, ttl, f"answer-{turn_index}.ogg")
