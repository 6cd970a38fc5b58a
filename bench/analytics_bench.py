"""The scheduled analytics job at scale: 100,000 answers across 50 jobs, in the embedded store.

    python bench/analytics_bench.py    (make bench-analytics)

Generates one account's history over the last 120 days (sessions of six answers, scores drawn from
one steady distribution, a volunteered self-identification for about half the candidates, some
flags and signals) with a +1.0 score shift injected into one job's recent 30 days. Then runs the
drift job (`talentcrew.analytics.daily.produce`, what the `drift` function calls) in a fresh
process, which reports its own wall time and peak memory, and prints whether the shift was found
and whether anything stationary alerted. Target: <= 10 s and <= 500 MB on this machine.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from talentcrew.adapters.sqlite_store import SqliteStore
from talentcrew.interview.bank import bank
from talentcrew.models import (
    Answer,
    Document,
    ExperienceLevel,
    IntegritySignal,
    InterviewSession,
    Job,
    Provenance,
    Question,
    RaceEthnicity,
    Recommendation,
    Rubric,
    SelfIdentification,
    Sex,
    SignalKind,
    Stage,
    User,
    answer_id,
)

ANSWERS = 100_000
JOBS = 50
TURNS = 6
DAYS = 120
DAY = date(2026, 11, 25)
END = datetime(2026, 11, 25, tzinfo=UTC)
SHIFTED_JOB = 0
STEADY = [0.02, 0.03, 0.08, 0.12, 0.2, 0.22, 0.17, 0.1, 0.04, 0.02]  # P(score = 1..10)
SKILLS = ["Database Query Optimization", "Caching Strategies", "RESTful API Design", "Concurrency"]
TARGET_SECONDS, TARGET_MB = 10.0, 500.0


def generate(path: Path) -> list[str]:
    """Writes the history straight into the SQLite file in one transaction (a bench's shortcut: the
    store's create() commits each document, which would make generating, not the job, the slow part)."""
    SqliteStore(path)  # the schema
    rng, pick = np.random.default_rng(11), random.Random(11)
    owner = User(email="bench@example.com", full_name="Bench Recruiter", retention_days=3650)
    rubric = Rubric(
        languages=["Python", "SQL"],
        core_skills=SKILLS,
        experience_level=ExperienceLevel.MID,
        evaluation_focus=["Problem Solving"],
    )
    jobs = [Job(owner_id=owner.id, title=f"Role {n:02d}", rubric_template=rubric) for n in range(JOBS)]
    provenance = Provenance(rubric_version=1, question_bank_version="b", brain="local", model="m", prompt_version="p")
    prompts = [bank().skill_for(skill) for skill in SKILLS]
    docs: list[Document] = [owner, *jobs]
    sessions = ANSWERS // TURNS
    for n in range(sessions):
        job = jobs[n % JOBS]
        ended = END - timedelta(days=DAYS * (1 - (n + 0.5) / sessions))
        shift = 1 if n % JOBS == SHIFTED_JOB and ended >= END - timedelta(days=30) else 0
        scores = [min(10, int(s) + shift) for s in rng.choice(np.arange(1, 11), size=TURNS, p=STEADY)]
        overall = round(sum(scores) / TURNS * 10)
        session = InterviewSession(
            job_id=job.id,
            owner_id=owner.id,
            candidate_name=f"Candidate {n}",
            candidate_email=f"c{n}@example.com",
            max_questions=TURNS,
            stage=Stage.COMPLETED,
            is_completed=True,
            overall_score=overall,
            recommendation=Recommendation.HIRE if overall >= 70 else Recommendation.REJECT,
            created_at=ended - timedelta(minutes=30),
            started_at=ended - timedelta(minutes=25),
            ended_at=ended,
        )
        docs.append(session)
        if pick.random() < 0.5:
            docs.append(
                SelfIdentification(
                    id=session.id,
                    session_id=session.id,
                    owner_id=owner.id,
                    job_id=job.id,
                    sex=pick.choice([Sex.FEMALE, Sex.MALE, None]),
                    race_ethnicity=pick.choice([*RaceEthnicity, None]),
                )
            )
        for turn, score in enumerate(scores, start=1):
            skill = SKILLS[(turn - 1) % len(SKILLS)]
            at = ended - timedelta(minutes=2 * (TURNS - turn))
            docs.append(
                Answer(
                    id=answer_id(session.id, turn),
                    session_id=session.id,
                    owner_id=owner.id,
                    job_id=job.id,
                    turn_index=turn,
                    skill=skill,
                    question_asked=f"Tell me about {skill}.",
                    candidate_answer="I would measure first, then add an index and cache the hot reads. " * 3,
                    understanding_score=score,
                    explainability_score=score,
                    confidence_score=score,
                    evidence="add an index",
                    critique="Covers the basics.",
                    ideal_answer="A strong answer says more.",
                    concepts_missed=pick.sample(["indexes", "TTL", "idempotency", "locks", "pagination"], 2),
                    is_cheating_suspected=pick.random() < 0.03,
                    bias_flag=pick.random() < 0.01,
                    bias_reason="the question assumes a degree",
                    provenance=provenance,
                    asked_at=at,
                    answered_at=at,
                )
            )
            if n >= sessions - 20:  # the counterfactual audit re-grades the latest answers: their questions
                prompt = prompts[(turn - 1) % len(SKILLS)]
                assert prompt is not None
                question = prompt.questions[0]
                docs.append(
                    Question(
                        id=answer_id(session.id, turn - 1),
                        session_id=session.id,
                        owner_id=owner.id,
                        turn_index=turn - 1,
                        skill=skill,
                        depth=0,
                        bank_question_id=question.id,
                        reference=question,
                        wording=question.question,
                        text=question.question,
                        asked_at=at,
                    )
                )
            if pick.random() < 0.05:
                docs.append(
                    IntegritySignal(
                        session_id=session.id,
                        owner_id=owner.id,
                        turn_index=turn,
                        kind=pick.choice([SignalKind.PASTE, SignalKind.FOCUS_LOST, SignalKind.LONG_PAUSE]),
                        reason="generated",
                    )
                )
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO documents (collection, id, data) VALUES (?, ?, ?)",
            ((doc.collection, doc.id, doc.model_dump_json()) for doc in docs),
        )
    return [job.id for job in jobs]


def peak_mb() -> float:
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux carries that across
    fork and exec, so a child would report the generating parent's peak."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


def run_job(path: Path) -> None:
    """In a fresh process: the drift job as the function runs it; prints JSON figures. The brain is
    loaded when the report first asks for it, after the data's figures: that moment splits the two."""
    from talentcrew.analytics.daily import produce
    from talentcrew.interview.brain import Brain

    marks: dict[str, float] = {}

    def brain() -> Brain:
        marks["data_seconds"] = time.perf_counter() - started
        marks["data_peak_mb"] = peak_mb()
        loading = time.perf_counter()
        from talentcrew.adapters.local_brain import LocalBrain  # the model loads here, not before
        from talentcrew.interview.safety import Guarded

        loaded = Guarded(LocalBrain())
        marks["model_load_seconds"] = time.perf_counter() - loading
        return loaded

    started = time.perf_counter()
    [report] = produce(SqliteStore(path), brain, DAY)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), **marks, "report": report.model_dump(mode="json")}))


def main() -> int:
    if sys.argv[1:2] == ["--job"]:
        run_job(Path(sys.argv[2]))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(sys.argv[1]) if sys.argv[1:] else Path(folder) / "talentcrew.db"
        print(f"generating {ANSWERS:,} answers across {JOBS} jobs over {DAYS} days...", flush=True)
        started = time.perf_counter()
        jobs = generate(path)
        print(f"  generated in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)")
        print("running the drift job in a fresh process...", flush=True)
        child = subprocess.run(
            [sys.executable, __file__, "--job", str(path)], capture_output=True, text=True, check=True
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
    report = figures["report"]
    whole = {entry["job_id"]: entry["drift"] for entry in report["score_drift"] if entry["skill"] is None}
    shifted = whole[jobs[SHIFTED_JOB]]
    stationary_alerts = [e for e in report["score_drift"] if e["drift"]["alert"] and e["job_id"] != jobs[SHIFTED_JOB]]
    audits = figures["seconds"] - figures["data_seconds"] - figures["model_load_seconds"]
    print("\nthe drift job, one fresh process                      wall s   peak MB")
    print(
        f"  the data's figures (drift, impact, flags, retention) {figures['data_seconds']:6.2f}   "
        f"{figures['data_peak_mb']:7.0f}"
    )
    print(f"  + loading the offline grader's model               {figures['model_load_seconds']:6.2f}")
    print(f"  + its audits (golden set, counterfactual)          {audits:6.2f}")
    print(f"  = the whole job                                    {figures['seconds']:6.2f}   {figures['peak_mb']:7.0f}")
    print(f"  target                                             {TARGET_SECONDS:6.0f}   {TARGET_MB:7.0f}")
    print("\nscore drift, recent 30 days against the 90 before")
    print(
        f"  injected +1.0 into Role 00: alert={shifted['alert']}  mean shift {shifted['mean_shift']:+.2f}  "
        f"PSI {shifted['psi']:.3f}  KS p {shifted['ks_p_value']:.1e}"
    )
    print(
        f"  stationary jobs and skills alerting: {len(stationary_alerts)} of "
        f"{len(report['score_drift']) - 1 - len(SKILLS)}"
    )
    kinds = Counter(alert["type"].rsplit(".", 1)[-1] for alert in report["alerts"])
    print(f"\nalerts: {len(report['alerts'])} ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items())) or 'none'})")
    print(f"grader drift: {report['grader']['reason']}")
    print(f"counterfactual audit: {report['counterfactual']['reason']}")
    data_met = figures["data_seconds"] <= TARGET_SECONDS and figures["data_peak_mb"] <= TARGET_MB
    met = figures["seconds"] <= TARGET_SECONDS and figures["peak_mb"] <= TARGET_MB
    print(
        f"\ntarget: {'met' if met else 'NOT met'} by the whole job, {'met' if data_met else 'NOT met'} by the data's "
        f"figures; shift {'detected' if shifted['alert'] else 'MISSED'}; "
        f"stationary data {'quiet' if not stationary_alerts else 'ALERTED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
