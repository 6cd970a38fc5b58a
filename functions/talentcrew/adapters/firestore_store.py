"""Store on Firestore (native mode), for Google Cloud.

Top-level collections only, keyset pagination with `where` on the ordered field, and idempotency
by `create()` on a deterministic id: the operations the Firestore emulator and production agree
on (see ARCHITECTURE.md). Documents hold the model's JSON form, the same as the SQLite store.

Firestore aggregates (`count()`, `sum()`, `avg()`) have no group-by, so `count_by` and `group_count`
fold keyset pages of a projection: memory holds a page and the counts, never the documents.

Production Firestore refuses a query that filters on equality and orders by another field unless a
composite index exists; the emulator checks none. Given the declared indexes (terraform's
`firestore.indexes.json`, which Terraform creates them from), this adapter refuses such queries the same
way, so the tests that run it on the emulator find an index the deployment lacks.

`expires_at` is stored as a Firestore timestamp (every other time as the model's text), since TTL
policies delete documents by a timestamp field.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.api_core.exceptions import AlreadyExists
from google.api_core.exceptions import NotFound as FirestoreNotFound
from google.cloud import firestore

from talentcrew.errors import NotFound
from talentcrew.models import Document
from talentcrew.ports import Between, Create, D, Page, Put, Scalar, Write, field_name

FOLD_PAGE = 500  # documents per page when counting client-side
TTL_FIELD = "expires_at"


class MissingIndex(RuntimeError):
    """The query needs a composite index that is not declared (Firestore answers FAILED_PRECONDITION)."""


@dataclass(frozen=True)
class IndexKey:
    """What Firestore matches a query to: its equality fields in any order, then the ordered field."""

    collection: str
    equalities: frozenset[str]
    order_by: str
    descending: bool

    def __str__(self) -> str:
        direction = "DESCENDING" if self.descending else "ASCENDING"
        fields = [*(f"{name} ==" for name in sorted(self.equalities)), f"{self.order_by} {direction}"]
        return f"{self.collection} ({', '.join(fields)})"


def load_indexes(path: Path) -> frozenset[IndexKey]:
    """The composite indexes of a firestore.indexes.json (the Firebase CLI's format): each index's fields
    are its equality fields, then the one field it orders by."""
    declared = json.loads(path.read_text())
    keys = set()
    for index in declared.get("indexes", []):
        *equalities, last = index["fields"]
        keys.add(
            IndexKey(
                collection=index["collectionGroup"],
                equalities=frozenset(field["fieldPath"] for field in equalities),
                order_by=last["fieldPath"],
                descending=last.get("order") == "DESCENDING",
            )
        )
    return frozenset(keys)


class FirestoreStore:
    name = "firestore"

    def __init__(
        self, project: str, database: str = "(default)", *, indexes: frozenset[IndexKey] | None = None
    ) -> None:
        """`indexes`: refuse queries that need a composite index not among these (None: Firestore decides)."""
        self._db = firestore.Client(project=project, database=database)
        self._indexes = indexes

    @staticmethod
    def _data(doc: Document) -> dict[str, Any]:
        data = doc.model_dump(mode="json")
        if TTL_FIELD in data:
            data[TTL_FIELD] = getattr(doc, TTL_FIELD)
        return data

    def create(self, doc: Document) -> bool:
        try:
            self._db.collection(doc.collection).document(doc.id).create(self._data(doc))
        except AlreadyExists:
            return False
        return True

    def get(self, kind: type[D], doc_id: str) -> D | None:
        snapshot = self._db.collection(kind.collection).document(doc_id).get()
        return kind.model_validate(snapshot.to_dict()) if snapshot.exists else None

    def put(self, doc: Document) -> None:
        self._db.collection(doc.collection).document(doc.id).set(self._data(doc))

    def _merged(self, kind: type[D], doc_id: str, changes: Mapping[str, Any]) -> tuple[Any, D, dict[str, Any]]:
        """The document's reference, the document with `changes` (validated), and the fields to write."""
        ref = self._db.collection(kind.collection).document(doc_id)
        snapshot = ref.get()
        if not snapshot.exists:
            raise NotFound(f"{kind.collection}/{doc_id}")
        merged = kind.model_validate({**(snapshot.to_dict() or {}), **changes})
        stored = self._data(merged)
        return ref, merged, {name: stored[name] for name in changes}

    def update(self, kind: type[D], doc_id: str, changes: Mapping[str, Any]) -> D:
        ref, merged, fields = self._merged(kind, doc_id, changes)
        if not fields:
            return merged
        try:
            ref.update(fields)
        except FirestoreNotFound as error:
            raise NotFound(f"{kind.collection}/{doc_id}") from error
        return merged

    def delete(self, kind: type[Document], doc_id: str) -> None:
        self._db.collection(kind.collection).document(doc_id).delete()

    def commit(self, *writes: Write) -> bool:
        """One WriteBatch, which Firestore applies whole or not at all. Updates are validated on a read
        before the batch, as `update` does.

        Creates go first in the batch: the emulator applies a batch's writes in order up to the first
        that fails, so a commit whose one create meets an existing id then writes nothing there either.
        """
        batch = self._db.batch()
        for write in sorted(writes, key=lambda write: not isinstance(write, Create)):  # creates first
            if isinstance(write, Create):
                batch.create(self._db.collection(write.doc.collection).document(write.doc.id), self._data(write.doc))
                continue
            if isinstance(write, Put):
                batch.set(self._db.collection(write.doc.collection).document(write.doc.id), self._data(write.doc))
                continue
            ref, _, fields = self._merged(write.kind, write.doc_id, write.changes)
            if fields:
                batch.update(ref, fields)
        if not len(batch):
            return True
        try:
            batch.commit()
        except AlreadyExists:
            return False
        except FirestoreNotFound as error:
            raise NotFound(str(error)) from error
        return True

    def _filtered(self, kind: type[Document], where: Mapping[str, Scalar] | None) -> Any:
        query: Any = self._db.collection(kind.collection)
        for name, value in (where or {}).items():
            query = query.where(filter=firestore.FieldFilter(field_name(name), "==", value))
        return query

    def _ordered(
        self,
        kind: type[Document],
        where: Mapping[str, Scalar] | None,
        *,
        order_by: str,
        descending: bool = False,
        after: Scalar | None = None,
    ) -> Any:
        """The filtered query in keyset order, resuming after the cursor `after` (if any)."""
        equalities = frozenset(where or {}) - {order_by}
        if self._indexes is not None and equalities:
            needed = IndexKey(kind.collection, equalities, order_by, descending)
            if needed not in self._indexes:
                raise MissingIndex(f"the query needs a composite index that is not declared: {needed}")
        query = self._filtered(kind, where)
        if after is not None:
            query = query.where(filter=firestore.FieldFilter(field_name(order_by), "<" if descending else ">", after))
        direction = firestore.Query.DESCENDING if descending else firestore.Query.ASCENDING
        return query.order_by(field_name(order_by), direction=direction)

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
        query = self._ordered(kind, where, order_by=order_by, descending=descending, after=after).limit(limit)
        items = [kind.model_validate(snapshot.to_dict()) for snapshot in query.stream()]
        return Page.of(items, order_by, limit)

    def count(self, kind: type[Document], *, where: Mapping[str, Scalar] | None = None) -> int:
        result = self._filtered(kind, where).count().get()
        return int(result[0][0].value)

    def count_by(
        self, kind: type[Document], field: str, *, where: Mapping[str, Scalar] | None = None
    ) -> dict[Scalar, int]:
        counts: Counter[Scalar] = Counter()
        after: str | None = None
        while True:
            query = self._ordered(kind, where, order_by="id", after=after).select([field_name(field)])
            snapshots = list(query.limit(FOLD_PAGE).stream())
            for snapshot in snapshots:
                value = (snapshot.to_dict() or {}).get(field)
                counts.update({item for item in (value if isinstance(value, list) else [value]) if item is not None})
            if len(snapshots) < FOLD_PAGE:
                return dict(counts)
            after = snapshots[-1].id

    def group_count(
        self,
        kind: type[Document],
        fields: Sequence[str],
        *,
        where: Mapping[str, Scalar] | None = None,
        between: Between | None = None,
    ) -> dict[tuple[Scalar | None, ...], int]:
        # Paged by the range field when there is one: Firestore ranges and keyset cursors must share it.
        order = between.field if between is not None else "id"
        counts: Counter[tuple[Scalar | None, ...]] = Counter()
        after: Scalar | None = None
        while True:
            query = self._ordered(kind, where, order_by=order, after=after)
            if between is not None:
                query = query.where(filter=firestore.FieldFilter(field_name(order), ">=", between.low))
                query = query.where(filter=firestore.FieldFilter(field_name(order), "<", between.high))
            projection = sorted({field_name(name) for name in (*fields, order) if name != "id"})
            rows = [
                (snapshot.id, snapshot.to_dict() or {})
                for snapshot in query.select(projection).limit(FOLD_PAGE).stream()
            ]
            counts.update(tuple(data.get(name) for name in fields) for _, data in rows)
            if len(rows) < FOLD_PAGE:
                return dict(counts)
            last_id, last = rows[-1]
            after = last_id if order == "id" else last[order]
