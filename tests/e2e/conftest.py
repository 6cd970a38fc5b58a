"""The web tests' usual setting: the local platform with its embedded defaults, and Chromium with no microphone
(`browser`) or with one that speaks an answer (`speaking_browser`, for voice interviews).

A test module that needs another platform (verified emails) defines its own `platform`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.browser import answer_wav, launch
from tests.e2e.local_platform import LocalPlatform, local_platform


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with local_platform(tmp_path_factory.mktemp("platform")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch(playwright, Path(__file__))  # no microphone needed: any file will do
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def speaking_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Chromium whose fake microphone speaks a technical answer, in a loop."""
    microphone = answer_wav(tmp_path_factory.mktemp("microphone") / "answer.wav")
    with sync_playwright() as playwright:
        browser = launch(playwright, microphone)
        yield browser
        browser.close()
