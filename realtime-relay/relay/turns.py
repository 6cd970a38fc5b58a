"""The relay's side of the turn function: one HTTP call per turn, retried while it is safe.

Turns are idempotent by turn index, so a call that timed out or met a 5xx is simply made again;
the turn function records the answer once and returns the same next question.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import requests

from talentcrew.interview.turn import TurnReply, TurnRequest

log = logging.getLogger(__name__)


class TurnFailed(RuntimeError):
    """The turn function refused the turn (4xx) or stayed unreachable after the retries."""


class TurnClient:
    def __init__(self, url: str, bearer: str, attempts: int = 3, timeout_seconds: float = 30.0) -> None:
        self._url = url
        self._headers = {"Authorization": f"Bearer {bearer}"}
        self._attempts = attempts
        self._timeout = timeout_seconds

    def _post(self, body: dict[str, Any]) -> requests.Response:
        return requests.post(self._url, json=body, headers=self._headers, timeout=self._timeout)

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
                        raise TurnFailed(f"{response.status_code}: {response.text[:500]}")
                    return TurnReply.model_validate_json(response.content)
                log.warning("turn call answered %d (attempt %d)", response.status_code, attempt)
            await asyncio.sleep(0.2 * 2**attempt)
        raise TurnFailed("the turn function did not answer")
