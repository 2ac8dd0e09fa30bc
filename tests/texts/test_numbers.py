"""The one byte-size formatter: what German and English readers expect."""

from __future__ import annotations

import pytest

from newsletter.texts.numbers import human_bytes


@pytest.mark.parametrize(
    ("n", "de", "en"),
    [
        (0, "0 Byte", "0 bytes"),
        (1, "1 Byte", "1 byte"),
        (200, "200 Byte", "200 bytes"),
        (999, "999 Byte", "999 bytes"),
        (1000, "1 KB", "1 KB"),
        (1500, "1,5 KB", "1.5 KB"),
        (2048, "2 KB", "2 KB"),  # never "2,0 KB"
        (80_400, "80,4 KB", "80.4 KB"),
        (102_000, "102 KB", "102 KB"),
        (102_400, "102,4 KB", "102.4 KB"),  # just over a 102 KB limit: reads differently
        (999_949, "999,9 KB", "999.9 KB"),
        (999_950, "1 MB", "1 MB"),  # rounds up into the next unit, never "1000 KB"
        (1_234_567, "1,2 MB", "1.2 MB"),
        (4_000_000, "4 MB", "4 MB"),
        (12_345_678, "12,3 MB", "12.3 MB"),
        (3_700_000_000, "3,7 GB", "3.7 GB"),
        (5_432_100_000_000, "5.432,1 GB", "5,432.1 GB"),
    ],
)
def test_sizes(n: int, de: str, en: str) -> None:
    assert human_bytes(n) == de
    assert human_bytes(n, "de") == de
    assert human_bytes(n, "en") == en
