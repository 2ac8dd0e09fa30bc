"""Fixtures of every test: settings in a tmp root, a tmp issue folder, a real SMTP sink on
127.0.0.1, Debian's Chromium. Helpers without fixture state are in `tests.support`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from newsletter.core.config import Settings, load_settings
from tests.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EXAMPLE_ISSUE,
    IssueDir,
    Sink,
    smtp_server,
)


@pytest.fixture(autouse=True)
def _no_newsletter_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's NEWSLETTER_* variables must not change what the tests see."""
    for key in list(os.environ):
        if key.startswith("NEWSLETTER_"):
            monkeypatch.delenv(key)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings rooted in an empty tmp folder (no newsletter.toml, no .env)."""
    root = tmp_path / "root"
    root.mkdir()
    return load_settings(root=root)


@pytest.fixture
def issue(tmp_path: Path) -> IssueDir:
    """An empty issue folder with a valid issue.toml (deadline 27.11.2026 23:59 Berlin)."""
    return IssueDir(tmp_path / "issue-2026-12")


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A copy of the example issue submissions/2026-12 (never touch the original)."""
    dest = tmp_path / "2026-12"
    shutil.copytree(EXAMPLE_ISSUE, dest, symlinks=True)
    return dest


@pytest.fixture
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty tmp folder (no newsletter.toml) as the working directory."""
    root = tmp_path / "cwd"
    root.mkdir()
    monkeypatch.chdir(root)
    yield root


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    """A running SMTP server that keeps what it is sent: the handler and the port."""
    handler = Sink()
    with smtp_server(handler) as port:
        yield handler, port


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright (no browser is downloaded), one per test module."""
    assert CHROMIUM.exists(), "Chromium is missing: run `make test` (scripts/setup installs it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
