"""Workspace isolation: every recruiter resource is fetched through `owned`, never by id alone."""

from __future__ import annotations

from talentcrew.errors import NotFound
from talentcrew.ports import D, Store
from talentcrew.workspaces import Caller


def owned(store: Store, kind: type[D], caller: Caller, doc_id: str) -> D:
    """The document in the caller's workspace, or NotFound: another workspace's resource looks exactly like none."""
    doc = store.get(kind, doc_id)
    if doc is None or getattr(doc, "owner_id", None) != caller.workspace_id:
        raise NotFound(f"no such {kind.collection.rstrip('s')}")
    return doc
