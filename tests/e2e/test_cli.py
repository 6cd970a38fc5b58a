"""`python -m talentcrew`: a person can run a whole text interview in the terminal, and read the local mailbox."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from talentcrew.adapters.sqlite_store import SqliteStore
from talentcrew.auth import Credential, Passwords
from talentcrew.models import user_id_for

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], data_dir: Path, stdin: str = "", **settings: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions"), "TALENTCREW_DATA_DIR": str(data_dir), **settings}
    return subprocess.run(
        [sys.executable, "-m", "talentcrew", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=180,
        check=False,
    )


def test_demo_job_then_a_terminal_interview_to_the_end(tmp_path: Path) -> None:
    created = _run(["demo-job"], tmp_path)
    assert created.returncode == 0, created.stderr
    job_id = created.stdout.strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", job_id)  # stdout is the job id alone: scripts read it

    answers = "".join(f"My answer number {n} uses an index and a cache with a TTL.\n\n" for n in range(6))
    interview = _run(["interview", "--job", job_id, "--name", "Terminal Tester"], tmp_path, stdin=answers)
    assert interview.returncode == 0, interview.stderr
    out = interview.stdout
    assert out.count("\n[") == 6  # six questions asked, each with its skill in brackets
    assert "Overall:" in out and ("HIRE" in out or "REJECT" in out)
    assert "Thank you" in out.split("\n[")[-1]  # the closing line, after the last question
    assert "Database Query Optimization" in out and "Caching Strategies" in out


def test_the_demo_recruiter_gets_a_random_password_shown_once(tmp_path: Path) -> None:
    first = _run(["demo-job"], tmp_path / "one")
    assert first.returncode == 0, first.stderr
    [(email, password)] = re.findall(r"log in as (\S+) with password (\S+)", first.stderr)
    store = SqliteStore(tmp_path / "one" / "talentcrew.db")
    credential = store.get(Credential, user_id_for(email))
    assert credential is not None and Passwords(1).verify(credential.password_hash, password)
    assert not Passwords(1).verify(credential.password_hash, "demo-password-not-for-use")  # the old fixed one
    again = _run(["demo-job"], tmp_path / "one")
    assert again.returncode == 0 and "password" not in again.stderr  # shown once, when the account is created
    elsewhere = _run(["demo-job"], tmp_path / "two")
    assert password not in elsewhere.stderr and "with password" in elsewhere.stderr  # another install, another one


def test_mail_lists_the_local_mailbox_and_says_when_mail_goes_by_smtp(tmp_path: Path) -> None:
    empty = _run(["mail"], tmp_path)
    assert empty.returncode == 0 and "no messages in" in empty.stdout
    smtp = _run(["mail"], tmp_path, TALENTCREW_MAIL="smtp", TALENTCREW_SMTP_HOST="127.0.0.1")
    assert smtp.returncode == 2 and "no local mailbox" in smtp.stderr


def test_unknown_job_is_a_clear_error(tmp_path: Path) -> None:
    result = _run(["interview", "--job", "nope"], tmp_path)
    assert result.returncode == 2
    assert "no job 'nope'" in result.stderr


def test_grader_check_prints_the_figures_of_the_configured_brain(tmp_path: Path) -> None:
    missing = tmp_path / "absent.csv"  # the other fields' data sets are optional: a deploying team may not have them
    result = _run(["grader-check", "--limit", "18", "--mohler", str(missing), "--beetle", str(missing)], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "grader check: brain local (all-MiniLM-L6-v2, prompt local-" in out
    assert "interview set: 18 answers to 3 prompts" in out
    assert "mean score by kind: strong" in out and "false credit" in out and "handed to a person" in out
    assert "targets: strong >= 8" in out
    assert "Mohler" not in out and "Beetle" not in out
    assert "interview set: graded 18/18" in result.stderr  # progress on long work


def test_grader_check_refuses_an_unknown_brain(tmp_path: Path) -> None:
    result = _run(["grader-check", "--brain", "gpt"], tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'gpt'" in result.stderr
