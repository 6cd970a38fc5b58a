"""Fuzzes the `api` function against its own OpenAPI document (schemathesis, in-process over WSGI).

Every operation of GET /api/openapi.json gets a bounded, deterministic batch of generated requests
(schema examples, schemathesis' coverage cases, then Hypothesis fuzzing). Each response must not be
a 5xx and must conform to the document: a documented status code, a documented content type and a
body matching the documented schema.

The authenticated routes are exercised for real: a recruiter signs up and logs in once, and the
bearer token goes to every operation that declares the `bearer` scheme. A job with a session, and a
job without one, exist before the first request; generated `{id}` path parameters are sometimes
swapped for their ids (and an X-Invite-Token for the real one), so the fuzzer reaches past the 404s.
Destructive calls are healed after the fact: whatever they deleted or revoked is created again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import schemathesis
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from tests.api.helpers import invite_token
from tests.conftest import _fresh_api_client, use_keys

MAX_EXAMPLES = 20
"""Fuzzing examples per operation (the coverage phase adds its own fixed set); keeps the run well under a minute."""

EMAIL = "fuzz.recruiter@example.com"
PASSWORD = "fuzzing-password-1"
LOGIN = "/api/auth/login/"
LOGOUT = "/api/auth/logout/"
CONNECT = "/api/sessions/{id}/connect/"
CANDIDATE_VIEW = "/api/interview/"
END = "/api/sessions/{id}/end/"
INVITE = "/api/sessions/{id}/invite/"
RUBRIC: dict[str, Any] = {
    "languages": ["Python"],
    "core_skills": ["REST APIs"],
    "experience_level": "Senior",
    "evaluation_focus": ["Depth"],
}
Case = schemathesis.Case[Any]
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")


@dataclass
class World:
    """The real resources behind the ids the fuzzer is steered towards, kept alive between cases."""

    client: FlaskClient
    token: str
    user_id: str
    job_id: str = ""
    spare_job_id: str = ""  # a job without sessions, so DELETE /api/jobs/{id}/ can succeed
    session_id: str = ""
    invite_token: str = ""
    headers: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.restock()

    def _exists(self, path: str) -> bool:
        return self.client.get(path, headers=self.headers).status_code == 200

    def _created(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=self.headers)
        assert response.status_code == 201, response.get_data(as_text=True)
        created: dict[str, Any] = response.get_json()
        return created

    def _job(self, title: str) -> str:
        job: dict[str, Any] = self._created("/api/jobs/", {"title": title, "rubric_template": RUBRIC})
        return str(job["id"])

    def take_invite(self, created: dict[str, Any]) -> None:
        """Remembers the token of a CreatedSession's invite link (…/interview#t=<token>)."""
        self.invite_token = invite_token(str(created["invite_url"]))

    def restock(self) -> None:
        """Creates again whatever a generated request deleted, and a fresh invite if it was revoked."""
        if not (self.job_id and self._exists(f"/api/jobs/{self.job_id}/")):
            self.job_id = self._job("Backend Engineer")
            self.session_id = ""
        if not (self.spare_job_id and self._exists(f"/api/jobs/{self.spare_job_id}/")):
            self.spare_job_id = self._job("Spare Job")
        if not (self.session_id and self._exists(f"/api/sessions/{self.session_id}/")):
            body = {"job": self.job_id, "candidate_name": "Casey Candidate", "candidate_email": "casey@example.com"}
            created = self._created("/api/sessions/", body)
            self.session_id = str(created["session"]["id"])
            self.take_invite(created)

    def reissue_invite(self) -> None:
        response = self.client.post(f"/api/sessions/{self.session_id}/invite/", headers=self.headers)
        if response.status_code == 201:  # an ended session gets 409: its old token stays (and fails)
            self.take_invite(response.get_json())

    def spare_token(self) -> str:
        """A bearer token of the same recruiter for a logout to revoke, leaving the shared one valid.

        Minted by the platform's token service rather than logged in for, so that the fuzzer's failed
        logins (throttled per address) cannot lock it out.
        """
        import talentcrew.config

        token, _ = talentcrew.config.platform().tokens.issue_access(self.user_id)
        return token

    def before(self, case: Case) -> None:
        """A logout revokes a spare token of the recruiter instead of the one every other case uses."""
        if case.path == LOGOUT and case.headers and case.headers.get("Authorization") == self.headers["Authorization"]:
            case.headers["Authorization"] = f"Bearer {self.spare_token()}"

    def after(self, case: Case, response: schemathesis.Response) -> None:
        """Keeps the real resources usable after a generated request changed them."""
        method = case.method.upper()
        if method not in {"POST", "PUT", "PATCH", "DELETE"} or not 200 <= response.status_code < 300:
            return
        if case.path == INVITE and method == "POST":
            self.take_invite(response.json())
        if case.path == END:
            self.session_id = ""  # an ended session refuses new invites: the next cases get a new candidate
        self.restock()
        if case.path == INVITE and method == "DELETE":
            self.reissue_invite()

    def ids_for(self, path: str) -> list[str]:
        if path.startswith("/api/jobs/"):
            return [self.job_id, self.spare_job_id]
        if path.startswith("/api/sessions/"):
            return [self.session_id]
        return []


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The real `api` function over a fresh data directory, with a signed-up, logged-in recruiter."""
    monkeypatch.setenv("TALENTCREW_DATA_DIR", str(tmp_path))
    use_keys(monkeypatch)
    monkeypatch.setenv("TALENTCREW_LOG_FORMAT", "text")
    clients = _fresh_api_client()
    client = next(clients)
    try:
        account = {"email": EMAIL, "password": PASSWORD, "full_name": "Fuzz Recruiter"}
        signed_up = client.post("/api/users/", json=account)
        assert signed_up.status_code == 202, signed_up.get_data(as_text=True)
        logged_in = client.post(LOGIN, json={"email": EMAIL, "password": PASSWORD})
        assert logged_in.status_code == 200, logged_in.get_data(as_text=True)
        access: dict[str, Any] = logged_in.get_json()
        yield World(client=client, token=str(access["access_token"]), user_id=str(access["user"]["id"]))
    finally:
        next(clients, None)  # clears the cached platform and app


@pytest.fixture
def api_schema(world: World) -> schemathesis.BaseSchema:
    """The API's OpenAPI document, loaded from the app itself, with the fuzzing configuration."""
    config = schemathesis.Config.from_dict(
        {
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "auth": {"openapi": {"bearer": {"bearer": world.token}}},
        }
    )
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", world.client.application, config=config)

    @loaded.hook("flatmap_path_parameters")
    def real_ids(context: schemathesis.HookContext, path_parameters: dict[str, Any] | None) -> st.SearchStrategy[Any]:
        """Keeps the generated ids, or swaps in a real job or session."""
        operation = context.operation
        if operation is None or not path_parameters:
            return st.just(path_parameters)
        return _or_real(path_parameters, "id", world.ids_for(operation.path), max_length=64)

    @loaded.hook("flatmap_body")
    def real_bodies(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
        """Keeps the generated body, or logs in for real, or names the real job of a new session."""
        operation = context.operation
        if operation is None or operation.method.upper() != "POST" or not isinstance(body, dict):
            return st.just(body)
        if operation.path == LOGIN:
            return st.sampled_from([body, {"email": EMAIL, "password": PASSWORD}])
        if operation.path == "/api/sessions/" and isinstance(body.get("job"), str):
            return st.sampled_from([body, {**body, "job": world.job_id}])
        return st.just(body)

    @loaded.hook("flatmap_headers")
    def real_invite(context: schemathesis.HookContext, headers: dict[str, Any] | None) -> st.SearchStrategy[Any]:
        """Keeps the generated X-Invite-Token of a connect or candidate view, or swaps in the session's real one."""
        operation = context.operation
        if operation is None or operation.path not in (CONNECT, CANDIDATE_VIEW) or not headers:
            return st.just(headers)
        return _or_real(headers, "X-Invite-Token", [world.invite_token], max_length=128, min_length=16)

    return loaded


def _or_real(
    values: dict[str, Any], name: str, reals: list[str], *, max_length: int, min_length: int = 1
) -> st.SearchStrategy[dict[str, Any]]:
    """The generated values, or the same with `name` set to one of the real ones.

    A generated value outside the documented length stays as it is, so a negative case stays negative.
    """
    generated = values.get(name)
    if not isinstance(generated, str) or not min_length <= len(generated) <= max_length:
        return st.just(values)
    return st.sampled_from([values, *({**values, name: real} for real in reals)])


def _unroutable(case: Case) -> bool:
    """A path with a line break never reaches the function: functions-framework's own router answers
    it with its HTML 404 (and Google's front end refuses it), so it says nothing about this API. Some phases
    hand over the value already percent-encoded (`%0A`)."""
    values = [unquote(v) for v in (case.path_parameters or {}).values() if isinstance(v, str)]
    return any("\n" in v or "\r" in v for v in values)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _hypothesis_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hypothesis' caches (constants, Unicode tables) go to a temporary folder, not .hypothesis/ in the repo."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32.5 renames the test per operation through `Node._nodeid`, which pytest 9.2 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_every_operation_answers_as_documented(case: Case, world: World) -> None:
    if _unroutable(case):
        return
    world.before(case)
    response = case.call()
    world.after(case, response)
    case.validate_response(response)
