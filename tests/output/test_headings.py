"""Contributors' headings are renumbered below their organisation's: no level is skipped."""

from __future__ import annotations

import re

from newsletter.intake import markup


def _levels(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<h([1-6])>", html)]


def test_headings_start_below_the_organisation_and_never_skip() -> None:
    md = "### Wer wir sind\n\nText.\n\n##### Angebote\n\nText.\n\n### Kontakt\n\nText.\n"
    assert _levels(markup.to_html(md, 4)) == [4, 5, 4]


def test_a_text_starting_with_a_deep_heading_starts_at_the_top_level() -> None:
    md = "#### Angebote\n\nText.\n\n# Über uns\n\nText.\n\n## Team\n"
    levels = _levels(markup.to_html(md, 3))
    assert levels[0] == 3
    assert all(b - a <= 1 for a, b in zip([2, *levels], levels, strict=False)), levels
