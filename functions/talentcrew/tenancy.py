"""Tenant isolation: every recruiter resource is fetched through `owned`, never by id alone."""

from __future__ import annotations

from talentcrew.errors import NotFound
from talentcrew.models import User
from talentcrew.ports import D, Store


def owned(store: Store, kind: type[D], caller: User, doc_id: str) -> D:
    """The caller's document, or NotFound: another tenant's resource looks exactly like none."""
    doc = store.get(kind, doc_id)
    if doc is None or getattr(doc, "owner_id", None) != caller.id:
        raise NotFound(f"no such {kind.collection.rstrip('s')}")
    return doc
