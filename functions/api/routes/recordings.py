"""Recordings of spoken answers (talentcrew.recordings): a signed link the timeline plays."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from flask_openapi3 import APIBlueprint
from http_problems import ERRORS
from pydantic import BaseModel, Field

from api.http import BEARER, IdPath, caller
from api.routes.sessions import TAG
from talentcrew import recordings
from talentcrew.config import Platform
from talentcrew.models import utcnow


class AnswerPath(IdPath):
    turn_index: Annotated[int, Field(ge=0, le=999)]


class RecordingLink(BaseModel):
    """A signed, expiring link to the recording (audio/ogg), for an `<audio>` element."""

    url: str
    expires_at: datetime


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("recordings", __name__, abp_tags=[TAG])
    store = platform.store
    ttl = timedelta(minutes=platform.settings.scorecard_link_minutes)

    @bp.get(
        "/api/sessions/<id>/answers/<int:turn_index>/recording/",
        responses={200: RecordingLink, **ERRORS},
        security=BEARER,
    )
    def recording(path: AnswerPath) -> dict[str, Any]:
        """A link to the spoken answer's recording, valid as long as a scorecard's (audited); 404 when the answer
        has none (its job did not record, it was typed, or its recording never arrived)."""
        url = recordings.link(store, platform.blobs, caller(platform), path.id, path.turn_index, ttl)
        return RecordingLink(url=url, expires_at=utcnow() + ttl).model_dump(mode="json")

    return bp
