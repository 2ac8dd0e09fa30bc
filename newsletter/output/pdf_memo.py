"""WeasyPrint's text measurements, remembered while one PDF is laid out (issue 17, goal 2).

WeasyPrint finds the min- and max-content width of a box (the shrink-to-fit of the facts'
inline blocks, the photo row's flex items, the running header's margin boxes) by splitting
each of its texts into lines with `split_first_line`, one call per line; for the facts' e-mail
addresses and URLs (`overflow-wrap: anywhere`, no space to break at) that is one Pango layout
of the rest of the address per character. It asks again, with the same text, style and width,
whenever the same box is measured again: the facts when their header is laid out and again
as its page is made, the cover when it is remade for the page numbers of its contents list,
a photo row's items more than once. On the 30-submission corpus issue about 40 % of those calls
repeat one made before.

Such a call depends only on its arguments, and within one layout (one WeasyPrint
LayoutContext: the same fonts, the same computed styles) those stay the same; so the answer is
remembered for the rest of the layout. Only the measuring path (`weasyprint.layout.preferred`)
is served from the memo: it uses the line's length, resume index and size, never the Pango
layout (returned as None). The lines that are drawn are laid out as before. The PDF's bytes are
the same with and without the memo (tests/output/test_pdf_memo.py).

The memo is patched into WeasyPrint only for the version it was checked against
(`WEASYPRINT_MAJOR`), and used only inside `remembered()` in the thread that opened it: any
other WeasyPrint version, any other caller, renders as WeasyPrint does by itself.

Imports WeasyPrint: imported by pdf.py only when it renders.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import weasyprint  # type: ignore[import-untyped]
import weasyprint.layout.preferred as preferred  # type: ignore[import-untyped]
from weasyprint.text import line_break  # type: ignore[import-untyped]

# The WeasyPrint release whose preferred.py was read: it unpacks split_first_line's result as
# `_, _, resume_index, width, _, _` and uses nothing else (layout/preferred.py,
# inline_line_widths). Another major version renders without the memo until checked.
WEASYPRINT_MAJOR = "70"

_ORIGINAL = line_break.split_first_line
_local = threading.local()


@dataclass
class Memo:
    """The measurements of one render: what was asked, and how often the answer was known."""

    lines: dict[tuple[Any, ...], tuple[Any, ...]] = field(default_factory=dict)
    # the styles and contexts keyed by id(): kept alive so that no id is reused in the render
    alive: dict[int, Any] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0


def _measured(
    text: str,
    style: Any,
    context: Any,
    max_width: float | None,
    justification_spacing: float,
    is_line_start: bool = True,
    minimum: bool = False,
) -> tuple[Any, ...]:
    memo: Memo | None = getattr(_local, "memo", None)
    if memo is None:
        return tuple(
            _ORIGINAL(
                text, style, context, max_width, justification_spacing, is_line_start, minimum
            )
        )
    key = (id(context), id(style), text, max_width, justification_spacing, is_line_start, minimum)
    known = memo.lines.get(key)
    if known is not None:
        memo.hits += 1
        return (None, *known)
    result = _ORIGINAL(
        text, style, context, max_width, justification_spacing, is_line_start, minimum
    )
    memo.lines[key] = tuple(result[1:])  # length, resume index, width, height, baseline
    memo.alive[id(style)] = style
    memo.alive[id(context)] = context
    memo.misses += 1
    return tuple(result)


def installed() -> bool:
    """Patch the memo into WeasyPrint's measuring path, if this is the version it fits."""
    if preferred.split_first_line is _measured:
        return True
    if weasyprint.__version__.split(".")[0] != WEASYPRINT_MAJOR:
        return False
    if preferred.split_first_line is not _ORIGINAL:  # someone else's patch: leave it alone
        return False
    preferred.split_first_line = _measured
    return True


@contextmanager
def remembered() -> Iterator[Memo | None]:
    """Within the block, this thread's WeasyPrint measurements are remembered; yields the memo
    (None where WeasyPrint's version does not fit and it renders without)."""
    if not installed():
        yield None
        return
    memo = Memo()
    outer = getattr(_local, "memo", None)
    _local.memo = memo
    try:
        yield memo
    finally:
        _local.memo = outer
