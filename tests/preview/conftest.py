"""Fixtures the preview's tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import Sink, smtp_server


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Sink, int]]:
    """A real SMTP sink on 127.0.0.1 for the preview's test mail."""
    sink = Sink()
    with smtp_server(sink) as port:
        yield sink, port
