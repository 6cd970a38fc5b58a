"""Store on one SQLite file: the embedded default.

WAL mode and a busy timeout let the api, the turn function and the outbox worker share the file
from separate processes. Documents are JSON in one table keyed by (collection, id); queries use
`json_extract`, so an equality or ordering compares the same JSON values Firestore would, and
`count_by` groups in SQL (`json_each` walks a list field's elements, or yields a scalar once).

The file holds candidates' answers, so it is the owner's alone: made 0600 (in a folder made 0700)
before SQLite opens it - SQLite gives its `-wal` and `-shm` files the database file's mode - and
tightened, with those files, if an earlier run left them more open.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from talentcrew.adapters.private_files import owner_only
from talentcrew.errors import NotFound
from talentcrew.models import Document
from talentcrew.ports import Between, D, Page, Put, Scalar, Update, Write, field_name

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL CHECK (json_valid(data)),
    PRIMARY KEY (collection, id)
) WITHOUT ROWID;
"""

_JSON_BOOLEANS: dict[str, Scalar] = {"true": True, "false": False}  # SQLite reads them as 1 and 0


def _field(name: str) -> str:
    """The JSON path of a top-level field (checked: it goes into the SQL text)."""
    return f"$.{field_name(name)}"


class _Taken(Exception):
    """A commit's create met an existing id: raised to roll the transaction back."""


def _insert(db: sqlite3.Connection, doc: Document) -> bool:
    cursor = db.execute(
        "INSERT OR IGNORE INTO documents (collection, id, data) VALUES (?, ?, ?)",
        (doc.collection, doc.id, doc.model_dump_json()),
    )
    return cursor.rowcount == 1


def _replace(db: sqlite3.Connection, doc: Document) -> None:
    db.execute(
        "INSERT OR REPLACE INTO documents (collection, id, data) VALUES (?, ?, ?)",
        (doc.collection, doc.id, doc.model_dump_json()),
    )


def _update(db: sqlite3.Connection, kind: type[D], doc_id: str, changes: Mapping[str, Any]) -> D:
    row = db.execute("SELECT data FROM documents WHERE collection = ? AND id = ?", (kind.collection, doc_id)).fetchone()
    if row is None:
        raise NotFound(f"{kind.collection}/{doc_id}")
    merged = kind.model_validate({**json.loads(row[0]), **changes})
    db.execute(
        "UPDATE documents SET data = ? WHERE collection = ? AND id = ?",
        (merged.model_dump_json(), kind.collection, doc_id),
    )
    return merged


class SqliteStore:
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
            owner_only(file)
        self.path = path
        self._local = threading.local()
        with self._transaction() as db:
            db.execute(_SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def create(self, doc: Document) -> bool:
        with self._transaction() as db:
            return _insert(db, doc)

    def get(self, kind: type[D], doc_id: str) -> D | None:
        row = (
            self._connection()
            .execute("SELECT data FROM documents WHERE collection = ? AND id = ?", (kind.collection, doc_id))
            .fetchone()
        )
        return kind.model_validate_json(row[0]) if row else None

    def put(self, doc: Document) -> None:
        with self._transaction() as db:
            _replace(db, doc)

    def update(self, kind: type[D], doc_id: str, changes: Mapping[str, Any]) -> D:
        with self._transaction() as db:
            return _update(db, kind, doc_id, changes)

    def delete(self, kind: type[Document], doc_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM documents WHERE collection = ? AND id = ?", (kind.collection, doc_id))

    def commit(self, *writes: Write) -> bool:
        """One transaction: a create that meets an existing id rolls every write back."""
        try:
            with self._transaction() as db:
                for write in writes:
                    if isinstance(write, Update):
                        _update(db, write.kind, write.doc_id, write.changes)
                    elif isinstance(write, Put):
                        _replace(db, write.doc)
                    elif not _insert(db, write.doc):
                        raise _Taken
        except _Taken:
            return False
        return True

    def _where(self, kind: type[Document], where: Mapping[str, Scalar] | None) -> tuple[list[str], list[Any]]:
        sql = ["WHERE collection = ?"]
        params: list[Any] = [kind.collection]
        for name, value in (where or {}).items():
            sql.append(f"AND json_extract(data, '{_field(name)}') = ?")
            params.append(value)
        return sql, params

    def query(
        self,
        kind: type[D],
        *,
        where: Mapping[str, Scalar] | None = None,
        order_by: str = "id",
        descending: bool = False,
        after: Scalar | None = None,
        limit: int = 50,
    ) -> Page[D]:
        sql, params = self._where(kind, where)
        key = f"json_extract(data, '{_field(order_by)}')"
        if after is not None:
            sql.append(f"AND {key} {'<' if descending else '>'} ?")
            params.append(after)
        sql.append(f"ORDER BY {key} {'DESC' if descending else 'ASC'} LIMIT ?")
        params.append(limit)
        rows = self._connection().execute(" ".join(["SELECT data FROM documents", *sql]), params).fetchall()
        items = [kind.model_validate_json(row[0]) for row in rows]
        return Page.of(items, order_by, limit)

    def count(self, kind: type[Document], *, where: Mapping[str, Scalar] | None = None) -> int:
        sql, params = self._where(kind, where)
        row = self._connection().execute(" ".join(["SELECT COUNT(*) FROM documents", *sql]), params).fetchone()
        return int(row[0])

    def count_by(
        self, kind: type[Document], field: str, *, where: Mapping[str, Scalar] | None = None
    ) -> dict[Scalar, int]:
        sql, params = self._where(kind, where)
        rows = self._connection().execute(
            " ".join(
                [
                    "SELECT element.type, element.value, COUNT(DISTINCT documents.id)",
                    "FROM documents, json_each(documents.data, ?) AS element",
                    *sql,
                    "AND element.type != 'null' GROUP BY element.type, element.value",
                ]
            ),
            [_field(field), *params],
        )
        return {_JSON_BOOLEANS.get(json_type, value): int(n) for json_type, value, n in rows}

    def group_count(
        self,
        kind: type[Document],
        fields: Sequence[str],
        *,
        where: Mapping[str, Scalar] | None = None,
        between: Between | None = None,
    ) -> dict[tuple[Scalar | None, ...], int]:
        sql, params = self._where(kind, where)
        if between is not None:
            key = f"json_extract(data, '{_field(between.field)}')"
            sql.append(f"AND {key} >= ? AND {key} < ?")
            params += [between.low, between.high]
        # Each field as its JSON type and value, so that true and false come back as booleans.
        columns = ", ".join(
            f"json_type(data, '{_field(name)}'), json_extract(data, '{_field(name)}')" for name in fields
        )
        groups = ", ".join(str(position) for position in range(1, 2 * len(fields) + 1))
        rows = self._connection().execute(
            " ".join([f"SELECT {columns}, COUNT(*) FROM documents", *sql, f"GROUP BY {groups}"]), params
        )
        return {
            tuple(_JSON_BOOLEANS.get(row[i], row[i + 1]) for i in range(0, 2 * len(fields), 2)): int(row[-1])
            for row in rows
        }
