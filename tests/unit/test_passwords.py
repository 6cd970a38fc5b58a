"""Password hashing is bounded: each argon2 hash takes 64 MiB, so a burst of sign-ups must queue, not pile up."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from talentcrew import auth
from talentcrew.auth import Passwords
from talentcrew.errors import RateLimited


class CountingHasher:
    """Stands in for argon2's hasher to count how many hashes run at once (the real one is measured below)."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def _work(self) -> None:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self._lock:
            self.running -= 1

    def hash(self, password: str) -> str:
        self._work()
        return f"hashed:{password}"

    def verify(self, password_hash: str, password: str) -> bool:
        self._work()
        return password_hash == f"hashed:{password}"


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    hasher = CountingHasher()
    monkeypatch.setattr(auth, "_hasher", hasher)
    return hasher


def test_eight_concurrent_hashes_run_two_at_a_time(counting: CountingHasher) -> None:
    passwords = Passwords(concurrency=2)
    with ThreadPoolExecutor(8) as pool:
        hashes = list(pool.map(passwords.hash, [f"password-{n}" for n in range(8)]))
        checks = list(pool.map(lambda h: passwords.verify(h, "password-0"), hashes))
    assert counting.most == 2
    assert checks == [True] + [False] * 7


def test_a_caller_that_waits_too_long_is_told_to_retry(counting: CountingHasher) -> None:
    passwords = Passwords(concurrency=1, wait=timedelta(milliseconds=10))
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(passwords.hash, "first password")
        time.sleep(0.01)
        with pytest.raises(RateLimited) as refused:
            passwords.hash("second password")
        assert first.result() == "hashed:first password"
    assert refused.value.retry_after > 0


def test_the_real_hasher_checks_passwords_and_unknown_accounts_fail() -> None:
    passwords = Passwords(concurrency=1)
    stored = passwords.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "wrong horse battery")
    assert not passwords.verify(None, "correct horse battery")
    assert not passwords.verify("not a hash", "correct horse battery")
