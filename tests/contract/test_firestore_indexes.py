"""What the Firestore adapter does beyond the Store contract: composite indexes held to a declared list
(as production Firestore holds queries, which the emulator does not), and TTL fields stored as
timestamps. Runs on the emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.cloud import firestore

from talentcrew.adapters.firestore_store import TTL_FIELD, FirestoreStore, IndexKey, MissingIndex, load_indexes
from talentcrew.auth import RevokedToken
from talentcrew.models import Job
from tests.conftest import FIRESTORE_INDEXES
from tests.contract.test_store import _job


@pytest.fixture
def project(request: pytest.FixtureRequest) -> str:
    request.getfixturevalue("firestore_host")
    return str(request.getfixturevalue("project"))


def test_the_declared_file_reads_as_equalities_then_one_ordered_field(tmp_path: Path) -> None:
    path = tmp_path / "firestore.indexes.json"
    fields = [("owner_id", "ASCENDING"), ("is_completed", "ASCENDING"), ("created_at", "DESCENDING")]
    index = {"collectionGroup": "sessions", "fields": [{"fieldPath": f, "order": o} for f, o in fields]}
    path.write_text(json.dumps({"indexes": [index], "fieldOverrides": []}))
    assert load_indexes(path) == {IndexKey("sessions", frozenset({"owner_id", "is_completed"}), "created_at", True)}


def test_a_query_needing_an_undeclared_index_is_refused(project: str) -> None:
    declared = frozenset({IndexKey("jobs", frozenset({"owner_id"}), "created_at", True)})
    store = FirestoreStore(project, indexes=declared)
    store.create(_job("owner-1"))
    assert len(store.query(Job, where={"owner_id": "owner-1"}, order_by="created_at", descending=True).items) == 1
    assert len(store.query(Job, order_by="created_at").items) == 1  # one field: Firestore's own index
    assert store.count(Job, where={"owner_id": "owner-1", "title": "Python Developer"}) == 1  # equalities merge
    with pytest.raises(MissingIndex, match=r"jobs \(owner_id ==, created_at ASCENDING\)"):
        store.query(Job, where={"owner_id": "owner-1"}, order_by="created_at")
    with pytest.raises(MissingIndex, match=r"jobs \(owner_id ==, id ASCENDING\)"):
        store.count_by(Job, "title", where={"owner_id": "owner-1"})


def test_the_deployments_file_holds_only_composite_indexes_and_ttl_on_expiry() -> None:
    """Firestore rejects a "composite" index of one field; TTL works on the field the adapter stores as a
    timestamp. (The api, report and analytics tests run the adapter held to this file.)"""
    keys = load_indexes(FIRESTORE_INDEXES)
    assert IndexKey("sessions", frozenset({"owner_id"}), "created_at", True) in keys
    assert all(key.equalities and key.order_by not in key.equalities for key in keys)
    overrides = json.loads(FIRESTORE_INDEXES.read_text())["fieldOverrides"]
    assert {(o["collectionGroup"], o["fieldPath"]) for o in overrides if o.get("ttl")} == {
        ("attempts", TTL_FIELD),
        ("password_resets", TTL_FIELD),
        ("pending_signups", TTL_FIELD),
        ("revoked_tokens", TTL_FIELD),
    }


def test_expiry_is_a_timestamp_for_the_ttl_policy(project: str) -> None:
    store = FirestoreStore(project)
    expires = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    store.create(RevokedToken(id="jti-1", expires_at=expires))
    raw = firestore.Client(project=project).collection("revoked_tokens").document("jti-1").get().to_dict() or {}
    assert isinstance(raw["expires_at"], datetime) and raw["expires_at"] == expires
    assert store.get(RevokedToken, "jti-1") == RevokedToken(id="jti-1", expires_at=expires)
