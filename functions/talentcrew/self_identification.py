"""A candidate's voluntary self-identification, for the bias audit's impact ratios and nothing else.

The candidate may give it, change it or withdraw it with their invite link, before or after the
interview; every field is optional and leaving one out is declining. The record is stored apart
from the session and never returned by any endpoint: only the audit's group counts are reported.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from talentcrew import sessions
from talentcrew.models import RaceEthnicity, SelfIdentification, Sex
from talentcrew.ports import Store


class SelfIdentificationDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sex: Sex | None = None
    race_ethnicity: RaceEthnicity | None = None


def volunteer(store: Store, invite_token: str, session_id: str, draft: SelfIdentificationDraft) -> None:
    """Keeps what the candidate chose to say; saying nothing withdraws an earlier answer."""
    session = sessions.candidate_session(store, invite_token, session_id)
    if draft.sex is None and draft.race_ethnicity is None:
        store.delete(SelfIdentification, session.id)
        return
    store.put(
        SelfIdentification(
            id=session.id,
            session_id=session.id,
            owner_id=session.owner_id,
            job_id=session.job_id,
            sex=draft.sex,
            race_ethnicity=draft.race_ethnicity,
        )
    )
