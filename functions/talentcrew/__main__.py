"""Command line, against the same data as `make dev`: a text interview in the terminal, and the
scheduled ticks (analytics, retention, reminders) that Cloud Scheduler sends on Google Cloud.

    python -m talentcrew demo-job                 # a demo recruiter and job; prints the job id
    python -m talentcrew mail [--limit N]         # the local mailbox: sign-up, reset and invitation links
    python -m talentcrew interview --job JOB_ID   # answer each question, end with an empty line
    python -m talentcrew analytics-tick [--day D] # the day's analytics reports (the drift function)
    python -m talentcrew retention-tick [--day D] # the day's erasure of expired interviews (retention)
    python -m talentcrew reminders-tick           # remind candidates whose link expires within 48 h
    python -m talentcrew grader-check [--brain gemini] [--limit N]  # how the configured brain grades

The demo recruiter gets a random password, shown once (on stderr) when the account is created.
The interview runs the real turn logic (the configured brain and store) in this process; the tick
is announced through the outbox, whose dispatcher (the worker of `make dev`) delivers it to `drift`.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from talentcrew import invite_emails, sessions
from talentcrew.accounts import SignUp, open_account
from talentcrew.adapters.local_mail import LocalMail
from talentcrew.config import Settings, build_brain, build_mail, interviewer, platform
from talentcrew.events import ANALYTICS_TICK, RETENTION_TICK, announcement
from talentcrew.interview import evaluation
from talentcrew.interview.calls import TurnReply, TurnRequest
from talentcrew.jobs import NewJob, create_job
from talentcrew.models import Answer, ExperienceLevel, InterviewSession, Job, Rubric, User, user_id_for, utcnow
from talentcrew.workspaces import an_owner, member_of

DEMO_EMAIL = "demo.recruiter@example.com"


def demo_recruiter(err: TextIO) -> User:
    """The demo recruiter; a new one gets a random password, printed once to `err` (stdout is for the job id)."""
    built = platform()
    user = built.store.get(User, user_id_for(DEMO_EMAIL))
    if user is not None:
        return user
    password = secrets.token_urlsafe(15)
    created = open_account(
        built.store, built.passwords, SignUp(email=DEMO_EMAIL, password=password, full_name="Demo Recruiter")
    )
    if created is None:  # another process created it meanwhile
        return demo_recruiter(err)
    print(f"demo recruiter created: log in as {DEMO_EMAIL} with password {password} (shown only now)", file=err)
    return created


def demo_job(out: TextIO, err: TextIO) -> str:
    store = platform().store
    user = demo_recruiter(err)
    rubric = Rubric(
        languages=["Python", "SQL"],
        core_skills=["Database Query Optimization", "Caching Strategies", "RESTful API Design"],
        experience_level=ExperienceLevel.MID,
        evaluation_focus=["Problem Solving", "Technical Depth"],
    )
    draft = NewJob(title="Backend Engineer (demo)", stack=["Python"], rubric_template=rubric)
    job = create_job(store, member_of(store, user), draft, check=lambda job: None)  # its skills are the bank's
    print(job.id, file=out)
    return job.id


def _read_answer(source: TextIO, out: TextIO) -> str | None:
    """Lines until an empty one; None at end of input."""
    lines: list[str] = []
    while True:
        out.write("> " if not lines else "  ")
        out.flush()
        line = source.readline()
        if not line:
            return "\n".join(lines) if lines else None
        if not line.strip():
            if lines:
                return "\n".join(lines)
            continue
        lines.append(line.rstrip("\n"))


def interview(job_id: str, name: str, email: str, source: TextIO, out: TextIO) -> int:
    built = platform()
    store, settings = built.store, built.settings
    job = store.get(Job, job_id)
    owner = an_owner(store, job.owner_id) if job else None
    if job is None or owner is None:
        print(f"no job {job_id!r} (create one with `python -m talentcrew demo-job`)", file=sys.stderr)
        return 2
    created = sessions.create_session(
        store,
        owner,
        sessions.SessionDraft(job=job.id, candidate_name=name, candidate_email=email),
        sessions.Links(settings.base_url, timedelta(days=settings.invite_days), built.mail),
    )
    session_id = created.session.id
    print(f"Interview for {job.title} (session {session_id}). End each answer with an empty line.\n", file=out)
    reply: TurnReply = interviewer().take(TurnRequest(session_id=session_id, turn_index=0))
    while not reply.finished:
        if reply.notice:
            print(f"({reply.notice})", file=out)
        print(f"\n[{reply.skill}] {reply.question}", file=out)
        answer = _read_answer(source, out)
        if answer is None:
            print("\nInput ended; the interview stops here.", file=out)
            session = store.get(InterviewSession, session_id)
            if session is not None:
                sessions.end_session(store, session, sessions.candidate(session))
            break
        reply = interviewer().take(
            TurnRequest(session_id=session_id, turn_index=reply.turn_index + 1, answer_text=answer)
        )
    if reply.closing:
        print(f"\n{reply.closing}", file=out)
    _summary(session_id, out)
    return 0


def _summary(session_id: str, out: TextIO) -> None:
    store = platform().store
    session = store.get(InterviewSession, session_id)
    if session is None:
        return
    print("\nThank you. Scores (for the recruiter):", file=out)
    for answer in sessions.all_of(store, Answer, session_id, "turn_index"):
        missed = ", ".join(answer.concepts_missed) or "none"
        print(f"  {answer.turn_index}. {answer.skill}: {answer.confidence_score}/10 (missed: {missed})", file=out)
    print(f"Overall: {session.overall_score} -> {session.recommendation}", file=out)


def mailbox(limit: int, out: TextIO) -> int:
    """Lists the local mailbox, newest first: when, to whom, what, and the links to follow."""
    mail = build_mail(Settings())
    if not isinstance(mail, LocalMail):
        print("mail goes out through SMTP here (TALENTCREW_MAIL=smtp): there is no local mailbox", file=sys.stderr)
        return 2
    letters = mail.letters(limit)
    if not letters:
        print(f"no messages in {mail.folder}", file=out)
    for letter in letters:
        print(f"{letter.sent_at.isoformat(sep=' ', timespec='seconds')}  to {letter.to}  {letter.subject}", file=out)
        for link in letter.links:
            print(f"    {link}", file=out)
    return 0


def analytics_tick(day: date, out: TextIO) -> None:
    """Announces the day's tick through the outbox; its key makes a second tick for the same day a no-op."""
    platform().store.commit(announcement(ANALYTICS_TICK, {"day": day.isoformat()}, f"analytics-tick-{day.isoformat()}"))
    print(f"analytics tick for {day} announced; the drift function writes the reports", file=out)


def retention_tick(day: date, out: TextIO) -> None:
    """Announces the day's retention tick through the outbox, once per day as the analytics tick."""
    platform().store.commit(announcement(RETENTION_TICK, {"day": day.isoformat()}, f"retention-tick-{day.isoformat()}"))
    print(f"retention tick for {day} announced; the retention function erases what is due", file=out)


def reminders_tick(out: TextIO) -> None:
    invite_emails.announce_tick(platform().store)
    print("reminders tick announced; the reminders function emails candidates whose link expires within 48 h", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m talentcrew", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo-job", help="create a demo recruiter and job; print the job id")
    mail = commands.add_parser("mail", help="list the local mailbox (its links to follow), newest first")
    mail.add_argument("--limit", type=int, default=20, help="at most this many messages")
    run = commands.add_parser("interview", help="run a text interview in this terminal")
    run.add_argument("--job", required=True, help="the job's id")
    run.add_argument("--name", default="Terminal Candidate", help="the candidate's name")
    run.add_argument("--email", default="candidate@example.com", help="the candidate's email")
    tick = commands.add_parser("analytics-tick", help="publish the analytics tick (drift, bias)")
    tick.add_argument("--day", type=date.fromisoformat, default=utcnow().date(), help="the report's day (UTC)")
    erase = commands.add_parser("retention-tick", help="publish the retention tick (erase expired interviews)")
    erase.add_argument("--day", type=date.fromisoformat, default=utcnow().date(), help="the erasure's day (UTC)")
    commands.add_parser("reminders-tick", help="publish the reminders tick (email invites about to expire)")
    grader = commands.add_parser("grader-check", help="grade the evaluation sets with a brain; print the figures")
    grader.add_argument("--brain", choices=["local", "gemini"], help="the brain to check (default: as configured)")
    grader.add_argument("--limit", type=int, help="at most this many answers from each set (one model call each)")
    grader.add_argument("--interview", type=Path, default=evaluation.INTERVIEW_SET, help="the interview set folder")
    grader.add_argument("--mohler", type=Path, default=evaluation.MOHLER_CSV, help="Mohler's CSV, when present")
    grader.add_argument("--beetle", type=Path, default=evaluation.BEETLE_CSV, help="Beetle's CSV, when present")
    args = parser.parse_args(argv)
    if args.command == "grader-check":
        settings = platform().settings
        chosen = settings.model_copy(update={"brain": args.brain}) if args.brain else settings
        evaluation.check(
            build_brain(chosen), sys.stdout, sys.stderr, args.interview, args.mohler, args.beetle, args.limit
        )
        return 0
    if args.command == "demo-job":
        demo_job(sys.stdout, sys.stderr)
        return 0
    if args.command == "mail":
        return mailbox(args.limit, sys.stdout)
    ticks = {
        "analytics-tick": lambda: analytics_tick(args.day, sys.stdout),
        "retention-tick": lambda: retention_tick(args.day, sys.stdout),
        "reminders-tick": lambda: reminders_tick(sys.stdout),
    }
    if args.command in ticks:
        ticks[args.command]()
        return 0
    return interview(args.job, args.name, args.email, sys.stdin, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
