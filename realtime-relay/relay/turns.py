"""The relay's side of the turn service: where an interview stands, the words heard so far, each answer.

The turn service alone writes interview state; the relay asks it (`talentcrew.interview.calls`).
Its calls are idempotent, so one that timed out or met a 5xx is simply made again. A 410
means the recruiter erased the interview or revoked its invite (`Withdrawn`); any other refusal is
a `TurnFailed`, whose message names the status only: what the service answered is logged here, on
the server, and never travels towards the candidate.

The calls carry the shared secret, or on Google Cloud (`TALENTCREW_TURN_AUTH=iam`) a Google ID token
for the turn function's URL, minted from the relay's own service account by the metadata server:
Cloud Run checks it, and only the relay's account may invoke the function.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

import requests

from talentcrew.interview.calls import DraftRequest, RecordingRequest, Resumed, ResumeRequest, TurnReply, TurnRequest
from talentcrew.keys import TurnCallSettings

log = logging.getLogger(__name__)

UNASKABLE = 422
"""The turn function's answer to an interview none of whose skills its brain can ask (`errors.Unaskable`)."""
GONE = 410
"""The turn function's answer about an interview erased or whose invite was revoked (`errors.Withdrawn`)."""


class TurnFailed(RuntimeError):
    """The turn service refused the call (4xx) or stayed unreachable after the retries."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        """The refusal's HTTP status; None when the service never answered."""

    @property
    def final(self) -> bool:
        """The interview can never be taken as it is set up (422 `unaskable`): reconnecting will not help."""
        return self.status == UNASKABLE


class Withdrawn(RuntimeError):
    """The interview no longer stands (erased, or its invite revoked): nothing more is recorded."""


class TurnService(Protocol):
    """What the relay asks of the turn service (a fake in the tests)."""

    async def take(self, request: TurnRequest) -> TurnReply:
        """Records the answer of `request.turn_index` (none for turn 0) and returns what to ask next."""
        ...

    async def resume(self, session_id: str) -> Resumed:
        """Where the interview stands; asks the opening question when nothing was asked yet."""
        ...

    async def draft(self, request: DraftRequest) -> None:
        """Keeps the words of the answer heard so far, replacing the draft before."""
        ...

    async def record(self, request: RecordingRequest) -> None:
        """Keeps the recording of an answer already taken, in an interview that records them."""
        ...


class GoogleIdToken:
    """`Authorization` values holding an ID token for `audience`, renewed before it expires (the runtime's
    credentials: the metadata server on Cloud Run, a service-account key file elsewhere)."""

    def __init__(self, audience: str) -> None:
        import google.auth.transport.requests  # only on Google Cloud: the local relay never loads google-auth

        self._audience = audience
        self._request = google.auth.transport.requests.Request()
        self._credentials: Any = None
        self._lock = threading.Lock()  # calls run in worker threads; one refresh at a time

    def __call__(self) -> str:
        from google.oauth2 import id_token

        with self._lock:
            if self._credentials is None:
                self._credentials = id_token.fetch_id_token_credentials(self._audience, request=self._request)
            if not self._credentials.valid:
                self._credentials.refresh(self._request)
            return f"Bearer {self._credentials.token}"


def authorization(settings: TurnCallSettings) -> Callable[[], str]:
    """What the relay sends the turn function, as `settings.turn_auth` says."""
    if settings.turn_auth == "iam":
        return GoogleIdToken(settings.turn_base_url)
    header = f"Bearer {settings.turn_bearer()}"
    return lambda: header


class TurnClient:
    """The turn service over HTTP: `POST {base_url}/`, `/resume`, `/draft` and `/recording`."""

    def __init__(
        self,
        base_url: str,
        authorization: Callable[[], str],
        attempts: int = 3,
        timeout_seconds: float = 30.0,
        backoff_seconds: float = 0.2,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._authorization = authorization
        self._attempts = attempts
        self._timeout = timeout_seconds
        self._backoff = backoff_seconds

    async def take(self, request: TurnRequest) -> TurnReply:
        response = await self._call("", request.model_dump(mode="json"), request.session_id)
        return TurnReply.model_validate_json(response.content)

    async def resume(self, session_id: str) -> Resumed:
        body = ResumeRequest(session_id=session_id).model_dump(mode="json")
        return Resumed.model_validate_json((await self._call("resume", body, session_id)).content)

    async def draft(self, request: DraftRequest) -> None:
        await self._call("draft", request.model_dump(mode="json"), request.session_id)

    async def record(self, request: RecordingRequest) -> None:
        await self._call("recording", request.model_dump(mode="json"), request.session_id)

    def _post(self, path: str, body: dict[str, Any]) -> requests.Response:
        headers = {"Authorization": self._authorization()}
        return requests.post(f"{self._base_url}/{path}", json=body, headers=headers, timeout=self._timeout)

    async def _call(self, path: str, body: dict[str, Any], session_id: str) -> requests.Response:
        """The call's 2xx answer, after retries on 5xx and network errors; a refusal raises at once."""
        call = path or "turn"
        for attempt in range(1, self._attempts + 1):
            try:
                response = await asyncio.to_thread(self._post, path, body)
            except requests.RequestException as error:
                log.warning("%s call failed (attempt %d): %s", call, attempt, error, extra={"session_id": session_id})
            else:
                if response.ok:
                    return response
                if response.status_code < 500:
                    status, text = response.status_code, response.text[:500]
                    log.warning("%s call refused: %d %s", call, status, text, extra={"session_id": session_id})
                    if status == GONE:
                        raise Withdrawn("the interview no longer stands")
                    raise TurnFailed(f"the turn function answered {status}", status)
                log.warning("%s call answered %d (attempt %d)", call, response.status_code, attempt)
            if attempt < self._attempts:
                await asyncio.sleep(self._backoff * 2**attempt)
        raise TurnFailed("the turn function did not answer")
