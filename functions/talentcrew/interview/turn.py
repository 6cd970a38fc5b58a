"""One interview turn: grade the answer, record it, decide and word the next question.

Turn 0 carries no answer and returns the opening question. Turn n (n >= 1) carries the answer to
the question returned by turn n - 1. Every write is create-if-absent on a deterministic id (the
question and the answer of turn n are `{session}-{n:03d}`), so a retried turn records nothing
twice and returns the question it returned the first time.

The same service tells a connecting relay where the interview stands (`resume`) and keeps the
words of the current answer heard so far (`keep_draft`): it is the one writer of interview state.
Every call first checks the interview still stands; once the recruiter erased it or revoked its
invite, nothing more is recorded (`Withdrawn`).
"""

from __future__ import annotations

import logging

from talentcrew import sessions
from talentcrew.auth import Invite
from talentcrew.errors import Conflict, NotFound, Unaskable, Withdrawn
from talentcrew.interview import integrity, keyterms, policy
from talentcrew.interview.bank import QuestionBank
from talentcrew.interview.brain import Brain, Exchange, TurnContext, TurnResult
from talentcrew.interview.calls import DraftRequest, Resumed, ResumeRequest, TurnReply, TurnRequest
from talentcrew.interview.policy import Asked, Decision, Move, Next, Tone
from talentcrew.models import (
    TRANSCRIPT_CHECK_BELOW,
    Answer,
    AnswerDraft,
    HeardSoFar,
    IntegritySignal,
    InterviewSession,
    Job,
    Provenance,
    Question,
    Rubric,
    Stage,
    answer_id,
    utcnow,
)
from talentcrew.ports import Store

log = logging.getLogger(__name__)
HISTORY = 3  # earlier exchanges the brain sees


def standing(store: Store, session_id: str) -> InterviewSession:
    """The session, if the interview still stands. Relay tickets are issued for existing sessions
    only, so a session that is not there was erased."""
    session = store.get(InterviewSession, session_id)
    invites = sessions.all_of(store, Invite, session_id, "id")
    if session is None or all(invite.revoked for invite in invites):
        raise Withdrawn("the interview was erased or its invite revoked")
    return session


def _asked(question: Question) -> Asked:
    return Asked(question.skill, question.depth, question.bank_question_id, question.rephrased)


class Interviewer:
    """Runs turns for one process: the store, the brain and the bank it was given."""

    def __init__(self, store: Store, brain: Brain, bank: QuestionBank) -> None:
        self.store = store
        self.brain = brain
        self.bank = bank

    def _id(self, session_id: str, turn_index: int) -> str:
        return answer_id(session_id, turn_index)

    def _questions(self, session_id: str) -> list[Question]:
        return list(sessions.all_of(self.store, Question, session_id, "turn_index"))

    def _phrase(self, tone: Tone, skill: str, question: str, turn: int) -> str:
        """The bank's phrase for the move; which variant follows from the turn, so retries match."""
        templates: list[str] = getattr(self.bank.phrases, tone.value)
        return templates[turn % len(templates)].format(skill=skill, question=question)

    def _reply(self, job: Job, question: Question | None, turn_index: int) -> TurnReply:
        if question is None:
            closing = self._phrase(Tone.CLOSING, "", "", turn_index)
            return TurnReply(turn_index=turn_index, question=None, skill=None, finished=True, closing=closing)
        return TurnReply(
            turn_index=turn_index,
            question=question.text,
            skill=question.skill,
            finished=False,
            notice=question.notice,
            keyterms=keyterms.for_answer(job, question.reference),
        )

    def _job(self, session: InterviewSession) -> Job:
        job = self.store.get(Job, session.job_id)
        if job is None:
            raise NotFound("the session's job no longer exists")
        return job

    def take(self, request: TurnRequest) -> TurnReply:
        session = standing(self.store, request.session_id)
        job = self._job(session)
        if request.turn_index == 0:
            return self._reply(job, self._open(session, job), 0)
        taken = self._taken(session, job, request.turn_index)
        if taken is not None:
            return taken
        if session.is_completed:
            raise Conflict("the interview has ended")
        return self._answer(session, job, request)

    def _taken(self, session: InterviewSession, job: Job, turn: int) -> TurnReply | None:
        """The reply of a turn whose answer is already recorded; None if it is not."""
        if self.store.get(Answer, self._id(session.id, turn)) is None:
            return None
        existing = self.store.get(Question, self._id(session.id, turn))
        if existing is None:  # the last turn: make sure the ending happened
            sessions.end_session(self.store, session, sessions.candidate(session))
        return self._reply(job, existing, turn)

    def resume(self, request: ResumeRequest) -> Resumed:
        """Where the interview stands for a connecting candidate; a new interview's opening question is asked here."""
        session = standing(self.store, request.session_id)
        if session.is_completed:
            return Resumed(turn_index=0, question=None, finished=True)
        job = self._job(session)
        questions = self._questions(session.id)
        if not questions:
            return self._resumed(session, self._reply(job, self._open(session, job), 0))
        latest = questions[-1]
        taken = self._taken(session, job, latest.turn_index + 1)
        return self._resumed(session, taken or self._reply(job, latest, latest.turn_index))

    def _resumed(self, session: InterviewSession, reply: TurnReply) -> Resumed:
        """The question a turn's reply asked, with the words of its answer kept so far."""
        if reply.finished:
            return Resumed(turn_index=0, question=None, finished=True)
        turn = reply.turn_index + 1
        draft = self.store.get(AnswerDraft, self._id(session.id, turn))
        kept = draft if draft is not None and draft.text else None
        return Resumed(
            turn_index=turn,
            question=reply.question,
            skill=reply.skill,
            notice=reply.notice,
            finished=False,
            said=kept.text if kept else "",
            pause_seconds=kept.pause_seconds if kept else None,
            thinking=draft is not None and draft.thinking,  # asked for before a word was said, too
            heard=kept.heard if kept else HeardSoFar(),
            keyterms=reply.keyterms,
            record=session.record_answers,
        )

    def keep_draft(self, request: DraftRequest) -> None:
        """Keeps the words of the current answer heard so far, so a dropped connection resumes with them."""
        session = standing(self.store, request.session_id)
        draft_id = self._id(session.id, request.turn_index)
        if self.store.get(Answer, draft_id) is not None:
            return  # the answer is recorded: a late or retried draft of it changes nothing
        if session.is_completed:
            raise Conflict("the interview has ended")
        asked = self.store.get(Question, self._id(session.id, request.turn_index - 1)) is not None
        if not asked or self.store.get(Question, draft_id) is not None:
            raise Conflict(f"turn {request.turn_index} is not the answer being given")
        draft = AnswerDraft(
            id=draft_id,
            session_id=session.id,
            turn_index=request.turn_index,
            text=request.text,
            pause_seconds=request.pause_seconds,
            thinking=request.thinking,
            heard=request.heard,
        )
        self.store.put(draft)

    def _open(self, session: InterviewSession, job: Job) -> Question:
        existing = self.store.get(Question, self._id(session.id, 0))
        if existing is not None:
            return existing
        if session.is_completed:
            raise Conflict("the interview has ended")
        rubric = job.rubric_template
        skills, uncovered = policy.plan(job, self.bank, self.brain.writes_questions)
        first = policy.next_opening(skills, [], rubric, session.id)
        if first is None:  # the job was saved under another brain or bank: retrying cannot help
            raise Unaskable(f"none of the job's skills can be asked by this interviewer: {', '.join(uncovered)}")
        notice = " ".join(self._phrase_uncovered(skill) for skill in uncovered)
        question = self._question(session, 0, first, Tone.OPENING, self.brain.opening(rubric, first.target), notice)
        self.store.update(InterviewSession, session.id, {"stage": Stage.TECHNICAL, "started_at": utcnow()})
        return question

    def _phrase_uncovered(self, skill: str) -> str:
        return self.bank.phrases.uncovered_skill[0].format(skill=skill, question="")

    def _question(
        self, session: InterviewSession, turn: int, nxt: Next, tone: Tone, wording: str, notice: str = ""
    ) -> Question:
        """Stores the question of `turn` once; a concurrent or retried turn gets the first one back."""
        question = Question(
            id=self._id(session.id, turn),
            session_id=session.id,
            owner_id=session.owner_id,
            turn_index=turn,
            skill=nxt.skill,
            depth=nxt.depth,
            bank_question_id=nxt.bank_question_id,
            reference=nxt.reference,
            wording=wording,
            text=self._phrase(tone, nxt.skill, wording, turn),
            rephrased=tone is Tone.REPHRASE,
            notice=notice,
        )
        if not self.store.create(question):
            stored = self.store.get(Question, question.id)
            assert stored is not None
            return stored
        return question

    def _answer(self, session: InterviewSession, job: Job, request: TurnRequest) -> TurnReply:
        turn = request.turn_index
        asked_questions = [q for q in self._questions(session.id) if q.turn_index < turn]
        if len(asked_questions) != turn:
            raise Conflict(f"turn {turn} is out of order: {len(asked_questions)} questions were asked")
        current = asked_questions[-1]
        rubric = job.rubric_template
        skills, _ = policy.plan(job, self.bank, self.brain.writes_questions)
        asked = [_asked(q) for q in asked_questions]
        turns_left = session.max_questions - turn
        drill, pivot, coverage_allows_drill = policy.options(skills, asked, rubric, turns_left, session.id)
        earlier = list(sessions.all_of(self.store, Answer, session.id, "turn_index"))
        result = self.brain.grade(
            TurnContext(
                rubric=rubric,
                skill=current.skill,
                question=current.wording,
                reference=current.reference,
                answer=request.answer_text,
                pause_seconds=request.pause_seconds,
                history=[Exchange(question=a.question_asked, answer=a.candidate_answer) for a in earlier[-HISTORY:]],
                drill=drill.target if drill else None,
                pivot=pivot.target if pivot else None,
            )
        )
        decision = policy.decide(
            result, _asked(current), drill, pivot, turns_left=turns_left, coverage_allows_drill=coverage_allows_drill
        )
        next_question = self._next(session, rubric, turn, current, decision, result)
        self._record(session, job, current, request, result, earlier)
        if next_question is None:
            sessions.end_session(self.store, session, sessions.candidate(session))
        return self._reply(job, next_question, turn)

    def _next(
        self,
        session: InterviewSession,
        rubric: Rubric,
        turn: int,
        current: Question,
        decision: Decision,
        result: TurnResult,
    ) -> Question | None:
        nxt = decision.next
        if decision.move is Move.FINISH or nxt is None:
            return None
        if decision.move is Move.REPHRASE:
            wording = result.rephrased_question or current.wording
            nxt = Next(current.skill, current.depth, current.bank_question_id, current.reference)
            return self._question(session, turn, nxt, Tone.REPHRASE, wording)
        wording = result.drill_question if decision.move is Move.DRILL else result.pivot_question
        if not wording:  # the brain left it blank: the bank's wording, or ask for one
            wording = nxt.reference.question if nxt.reference else self.brain.opening(rubric, nxt.target)
        return self._question(session, turn, nxt, decision.tone, wording)

    def _record(
        self,
        session: InterviewSession,
        job: Job,
        current: Question,
        request: TurnRequest,
        result: TurnResult,
        earlier: list[Answer],
    ) -> None:
        """The answer with its grade and provenance, then its integrity signals (deterministic ids)."""
        ideal = current.reference.ideal_answer if current.reference else None
        findings = integrity.assess(
            request.answer_text,
            request.pause_seconds,
            ideal,
            [
                integrity.Earlier(
                    text=a.candidate_answer,
                    pause_seconds=a.pause_seconds,
                    ideal_overlap=integrity.overlap_with_ideal(a.candidate_answer, a.ideal_answer)
                    if a.ideal_answer
                    else None,
                )
                for a in earlier
            ],
            request.telemetry,
            asked_for_time=request.thinking,
        )
        flagged, reasons = integrity.suspected(findings)
        if result.cheating_suspected and result.cheating_reason:
            flagged, reasons = True, [*reasons, result.cheating_reason]
        heard = request.transcript_confidence
        answer = Answer(
            id=self._id(session.id, request.turn_index),
            session_id=session.id,
            owner_id=session.owner_id,
            job_id=session.job_id,
            turn_index=request.turn_index,
            skill=current.skill,
            drill_depth=current.depth,
            question_asked=current.text,
            candidate_answer=request.answer_text,
            **result.grade().model_dump(),
            confidence_score=result.confidence_score,
            is_cheating_suspected=flagged,
            cheating_reasons=reasons,
            pause_seconds=request.pause_seconds,
            asked_for_time=request.thinking,
            transcript_confidence=heard,
            heard_words=request.words,
            transcript_check=heard is not None and heard < TRANSCRIPT_CHECK_BELOW,
            provenance=Provenance(
                rubric_version=job.rubric_version,
                question_bank_version=self.bank.version,
                brain=self.brain.name,
                model=self.brain.model,
                prompt_version=self.brain.prompt_version,
            ),
            asked_at=current.asked_at,
        )
        if not self.store.create(answer):
            return
        for finding in findings:
            self.store.create(
                IntegritySignal(
                    id=f"{answer.id}-{finding.kind.value}",
                    session_id=session.id,
                    owner_id=session.owner_id,
                    turn_index=request.turn_index,
                    kind=finding.kind,
                    strength=finding.strength,
                    reason=finding.reason,
                    detail=dict(finding.detail),
                )
            )
        self.store.delete(AnswerDraft, answer.id)  # the relay's draft of it is now the answer
