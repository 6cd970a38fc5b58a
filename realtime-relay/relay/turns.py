"""The relay's side of the turn function: one HTTP call per turn, retried while it is safe.

Turns are idempotent by turn index, so a call that timed out or met a 5xx is simply made again;
the turn function records the answer once and returns the same next question.

The call carries the shared secret, or on Google Cloud (`TALENTCREW_TURN_AUTH=iam`) a Google ID token
for the turn function's URL, minted from the relay's own service account by the metadata server:
Cloud Run checks it, and only the relay's account may invoke the function.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

import google.auth.transport.requests
import requests
from google.oauth2 import id_token

from talentcrew.config import Settings
from talentcrew.interview.calls import TurnReply, TurnRequest

log = logging.getLogger(__name__)

UNASKABLE = 422
"""The turn function's answer to an interview none of whose skills its brain can ask (`errors.Unaskable`)."""


class TurnFailed(RuntimeError):
    """The turn function refused the turn (4xx) or stayed unreachable after the retries.

    Its message names the status only: what the function answered is logged here, on the server, and never
    travels towards the candidate.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        """The refusal's HTTP status; None when the function never answered."""

    @property
    def final(self) -> bool:
        """The interview can never be taken as it is set up (422 `unaskable`): reconnecting will not help."""
        return self.status == UNASKABLE


class GoogleIdToken:
    """`Authorization` values holding an ID token for `audience`, renewed before it expires (the runtime's
    credentials: the metadata server on Cloud Run, a service-account key file elsewhere)."""

    def __init__(self, audience: str) -> None:
        self._audience = audience
        self._request = google.auth.transport.requests.Request()
        self._credentials: Any = None
        self._lock = threading.Lock()  # turns run in worker threads; one refresh at a time

    def __call__(self) -> str:
        with self._lock:
            if self._credentials is None:
                self._credentials = id_token.fetch_id_token_credentials(self._audience, request=self._request)
            if not self._credentials.valid:
                self._credentials.refresh(self._request)
            return f"Bearer {self._credentials.token}"


def authorization(settings: Settings) -> Callable[[], str]:
    """What the relay sends the turn function, as `settings.turn_auth` says."""
    if settings.turn_auth == "iam":
        return GoogleIdToken(settings.turn_base_url)
    header = f"Bearer {settings.turn_bearer()}"
    return lambda: header


class TurnClient:
    def __init__(
        self, url: str, authorization: Callable[[], str], attempts: int = 3, timeout_seconds: float = 30.0
    ) -> None:
        self._url = url
        self._authorization = authorization
        self._attempts = attempts
        self._timeout = timeout_seconds

    def _post(self, body: dict[str, Any]) -> requests.Response:
        headers = {"Authorization": self._authorization()}
        return requests.post(self._url, json=body, headers=headers, timeout=self._timeout)

    async def take(self, request: TurnRequest) -> TurnReply:
        body = request.model_dump(mode="json")
        for attempt in range(1, self._attempts + 1):
            try:
                response = await asyncio.to_thread(self._post, body)
            except requests.RequestException as error:
                log.warning("turn call failed (attempt %d): %s", attempt, error)
            else:
                if response.status_code < 500:
                    if response.status_code != 200:
                        log.warning(
                            "turn %d refused: %d %s",
                            request.turn_index,
                            response.status_code,
                            response.text[:500],
                            extra={"session_id": request.session_id},
                        )
                        raise TurnFailed(f"the turn function answered {response.status_code}", response.status_code)
                    return TurnReply.model_validate_json(response.content)
                log.warning("turn call answered %d (attempt %d)", response.status_code, attempt)
            await asyncio.sleep(0.2 * 2**attempt)
        raise TurnFailed("the turn function did not answer")
