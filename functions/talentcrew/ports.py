"""The ports: what the domain needs from the outside world, as Protocols.

Each port has an embedded adapter (runs offline on one machine) and a Google Cloud adapter; the
contract tests in tests/contract run the same suite against both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, Protocol, TypeVar

from talentcrew.models import Document

D = TypeVar("D", bound=Document)

# Values a query may compare: what a document's JSON form holds at the top level.
Scalar = str | int | float | bool


_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def field_name(name: str) -> str:
    """Queries name top-level fields only; adapters check names since some put them in query text."""
    if not _FIELD_NAME.match(name):
        raise ValueError(f"not a queryable field name: {name!r}")
    return name


@dataclass(frozen=True)
class Page(Generic[D]):
    """One page of a keyset-paginated query; pass `next_after` back as `after` for the next."""

    items: list[D]
    next_after: Scalar | None

    @classmethod
    def of(cls, items: list[D], order_by: str, limit: int) -> Page[D]:
        """The keyset cursor is the last item's ordered value, when the page came back full."""
        if len(items) < limit:
            return cls(items, None)
        last: Scalar = items[-1].model_dump(mode="json")[order_by]
        return cls(items, last)


class Store(Protocol):
    """Documents in top-level collections, addressed by id.

    Queries filter by equality and page by keyset on one ordered field, which must be unique
    within the filtered set (an id, a turn index, a microsecond timestamp): that is what both
    Firestore and SQLite can serve without offsets or collection-group queries.
    """

    name: str

    def create(self, doc: Document) -> bool:
        """Write `doc` if no document has its id; False means it already existed (idempotency)."""
        ...

    def get(self, kind: type[D], doc_id: str) -> D | None: ...

    def put(self, doc: Document) -> None:
        """Write `doc` whole, replacing any previous version."""
        ...

    def update(self, kind: type[D], doc_id: str, changes: Mapping[str, Any]) -> D:
        """Change some top-level fields; the result is validated before it is written.

        Raises `talentcrew.errors.NotFound` if the document does not exist.
        """
        ...

    def delete(self, kind: type[Document], doc_id: str) -> None:
        """Removes the document if it exists (erasure is idempotent)."""
        ...

    def commit(self, *writes: Write) -> bool:
        """Writes all of `writes` or none of them: a state change and the event announcing it, say.

        False, with nothing written, when a `Create` meets an existing id: as with `create`, that
        change was already made (a deterministic id is the idempotency key). An `Update` is checked
        as `update` checks it: `NotFound`, or the model's validation error, and nothing is written.
        """
        ...

    def query(
        self,
        kind: type[D],
        *,
        where: Mapping[str, Scalar] | None = None,
        order_by: str = "id",
        descending: bool = False,
        after: Scalar | None = None,
        limit: int = 50,
    ) -> Page[D]: ...

    def count(self, kind: type[Document], *, where: Mapping[str, Scalar] | None = None) -> int: ...

    def count_by(
        self, kind: type[Document], field: str, *, where: Mapping[str, Scalar] | None = None
    ) -> dict[Scalar, int]:
        """How many documents hold each value of `field`, without loading the documents.

        A list field counts the document once under each distinct element; a document without
        the field, or with null there, counts nowhere. The field holds scalars or lists of them.
        """
        ...

    def group_count(
        self,
        kind: type[Document],
        fields: Sequence[str],
        *,
        where: Mapping[str, Scalar] | None = None,
        between: Between | None = None,
    ) -> dict[tuple[Scalar | None, ...], int]:
        """How many documents hold each combination of values of the scalar `fields` (None where a
        document lacks one), under equality filters and, optionally, a half-open range on one field.

        It is how the scheduled drift job reads 100,000 scores per job, skill and window without
        loading one answer.
        """
        ...


@dataclass(frozen=True)
class Create:
    """A `Store.commit` write: `doc`, if no document has its id."""

    doc: Document


@dataclass(frozen=True)
class Update:
    """A `Store.commit` write: some top-level fields of an existing document."""

    kind: type[Document]
    doc_id: str
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class Put:
    """A `Store.commit` write: `doc` whole, replacing any previous version."""

    doc: Document


Write = Create | Update | Put


@dataclass(frozen=True)
class Between:
    """`low <= field < high`: one range on one field, which both stores can serve with an index."""

    field: str
    low: Scalar
    high: Scalar


def every(store: Store, kind: type[D], *, where: Mapping[str, Scalar], order_by: str = "id") -> Iterator[D]:
    """Every matching document, keyset page by keyset page: memory holds one page, not the set."""
    after = None
    while True:
        page = store.query(kind, where=where, order_by=order_by, after=after, limit=200)
        yield from page.items
        if page.next_after is None:
            return
        after = page.next_after


class Blobs(Protocol):
    """Binary objects (scorecard PDFs) and expiring links to download them."""

    name: str

    def put(self, object_name: str, data: bytes, content_type: str) -> None: ...

    def get(self, object_name: str) -> bytes:
        """Raises `talentcrew.errors.NotFound` if there is no such object."""
        ...

    def delete(self, object_name: str) -> None:
        """Removes the object if it exists (erasure is idempotent)."""
        ...

    def signed_url(self, object_name: str, expires_in: timedelta, download_name: str) -> str:
        """A link anyone holding it may use to download the object until it expires."""
        ...


class Events(Protocol):
    """The transport the outbox's dispatcher sends events through (`talentcrew.events.Dispatcher`).

    The domain never publishes: it writes an event into the outbox in the same commit as the change
    it announces (`talentcrew.events.announcement`), and the dispatcher sends it from there.
    """

    name: str

    def publish(self, event_type: str, data: Mapping[str, Any], key: str) -> None:
        """Hands the event on; returns once it is safe to count as sent, raises if it is not.

        `key` is the event's id: handlers see it, so a repeated send is recognisable. Raises
        `Undeliverable` when no retry can help (nothing handles the type).
        """
        ...


class Undeliverable(Exception):
    """An event no transport attempt can deliver: the dispatcher dead-letters it at once."""


@dataclass(frozen=True)
class Email:
    """One message to one person: plain text always, HTML optionally (the same content)."""

    to: str
    subject: str
    text: str
    html: str = ""


class Mail(Protocol):
    """Sends email (sign-up verification, password reset); the embedded adapter keeps it in a local mailbox."""

    name: str

    def send(self, message: Email) -> None:
        """Hands the message to the mail system; raises if it could not."""
        ...
