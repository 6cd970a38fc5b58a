"""The human in the loop: a recruiter rules on every flag and records the final decision.

Both change what an ended interview's scorecard shows, so once it has ended each is committed
together with `scorecard.outdated`, and the report function renders the card again: the download
always serves a card that shows the latest decision and rulings.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from talentcrew import audit
from talentcrew.errors import NotFound
from talentcrew.events import SCORECARD_OUTDATED, announcement
from talentcrew.models import (
    Answer,
    FlagKind,
    IntegritySignal,
    InterviewSession,
    Recommendation,
    Review,
    ReviewOutcome,
    review_id,
    sortable_id,
    utcnow,
)
from talentcrew.ports import Put, Store, Update, Write
from talentcrew.sessions import owned_session
from talentcrew.workspaces import Caller

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class ReviewDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_id: str
    kind: FlagKind
    outcome: ReviewOutcome
    note: Note = ""


class DecisionDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Recommendation
    note: Note = ""


def _is_flagged(store: Store, session: InterviewSession, kind: FlagKind, subject_id: str) -> bool:
    answer = store.get(Answer, subject_id)
    if answer is not None and answer.session_id == session.id:
        return answer.bias_flag if kind is FlagKind.BIAS else answer.is_cheating_suspected
    signal = store.get(IntegritySignal, subject_id)
    return kind is FlagKind.INTEGRITY and signal is not None and signal.session_id == session.id


def review_flag(store: Store, caller: Caller, session_id: str, draft: ReviewDraft) -> Review:
    session = owned_session(store, caller, session_id)
    if not _is_flagged(store, session, draft.kind, draft.subject_id):
        raise NotFound(f"no {draft.kind.value} flag with this id in the session")
    review = Review(
        id=review_id(draft.kind, draft.subject_id),
        session_id=session.id,
        owner_id=caller.workspace_id,
        reviewer_id=caller.id,
        **draft.model_dump(),
    )
    _commit(store, session, Put(review))
    audit.record(
        store,
        caller.actor,
        "flag.reviewed",
        session_id=session.id,
        subject_id=draft.subject_id,
        kind=draft.kind.value,
        outcome=draft.outcome.value,
    )
    return review


def decide(store: Store, caller: Caller, session_id: str, draft: DecisionDraft) -> InterviewSession:
    session = owned_session(store, caller, session_id)
    changes = {"final_decision": draft.decision, "decision_note": draft.note, "decided_by": caller.id}
    _commit(store, session, Update(InterviewSession, session.id, {**changes, "decided_at": utcnow()}))
    decided = store.get(InterviewSession, session.id)
    if decided is None:  # erased in the meantime
        raise NotFound("no such session")
    audit.record(
        store,
        caller.actor,
        "session.decided",
        session_id=session.id,
        decision=draft.decision.value,
        recommendation=session.recommendation.value if session.recommendation else None,
    )
    return decided


def _commit(store: Store, session: InterviewSession, change: Write) -> None:
    """The change, and - once the interview has ended - the announcement that its scorecard is out of date."""
    writes: list[Write] = [change]
    if session.is_completed:
        key = f"scorecard-outdated-{session.id}-{sortable_id()}"  # every change is news: a key of its own
        writes.append(announcement(SCORECARD_OUTDATED, {"session_id": session.id}, key))
    store.commit(*writes)
