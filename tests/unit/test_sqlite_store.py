"""The SQLite store shared by several processes, as the local platform's processes share it."""

from __future__ import annotations

import multiprocessing
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from talentcrew.adapters.sqlite_store import SqliteStore
from talentcrew.events import OutboxEvent
from talentcrew.models import utcnow

KEYS = [f"event-{n:03d}" for n in range(60)]


def _publish_all(path: str) -> int:
    """Creates every key (as a retried publisher would); returns how many this process won."""
    store = SqliteStore(Path(path))
    now = utcnow()
    return sum(store.create(OutboxEvent(id=key, type="t", data={}, created_at=now, due_at=now)) for key in KEYS)


def test_concurrent_processes_create_each_id_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    SqliteStore(path)  # schema first, as the platform does on start
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        won = list(pool.map(_publish_all, [str(path)] * 4))
    assert sum(won) == len(KEYS)
    stored = SqliteStore(path).query(OutboxEvent, order_by="id", limit=100).items
    assert [event.id for event in stored] == KEYS


def test_the_file_uses_write_ahead_logging(tmp_path: Path) -> None:
    import sqlite3

    SqliteStore(tmp_path / "wal.db")
    with sqlite3.connect(tmp_path / "wal.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_file_and_its_folder_are_the_owners_alone(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    store = SqliteStore(folder / "talentcrew.db")
    store.create(OutboxEvent(id="e", type="t", data={}, created_at=utcnow(), due_at=utcnow()))  # WAL files now exist
    assert _mode(folder) == 0o700
    for name in ("talentcrew.db", "talentcrew.db-wal", "talentcrew.db-shm"):
        assert _mode(folder / name) == 0o600, name


def test_files_left_open_by_an_earlier_run_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / "talentcrew.db"
    running = SqliteStore(path)  # open, so its WAL files stay
    running.create(OutboxEvent(id="e", type="t", data={}, created_at=utcnow(), due_at=utcnow()))
    files = [path, tmp_path / "talentcrew.db-wal", tmp_path / "talentcrew.db-shm"]
    for file in files:
        file.chmod(0o644)
    SqliteStore(path)
    assert [_mode(file) for file in files] == [0o600] * 3
