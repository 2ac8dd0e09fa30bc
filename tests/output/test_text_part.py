"""The plain-text part: wrapped at 76 columns except where an address must stay whole, one
credit format, right-to-left lines marked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from newsletter.core.config import Settings, load_settings
from newsletter.output.render import RLM, render_text
from tests.output.test_render import make_view

LONG_CAPTION = (
    "Sommerfest 2026 im Stadtpark: Kinder und Eltern aus zwölf Ländern beim gemeinsamen "
    "Picknick an der großen Wiese"
)  # 106 characters, as long as the longest caption in the 30-submission issue


def _text(tmp_path: Path) -> tuple[str, Settings]:
    settings = load_settings(root=tmp_path)
    view = make_view(3, settings, tmp_path)
    first = view.submissions[0]
    photo = dataclasses.replace(
        first.photos[0], caption=LONG_CAPTION, credit="Dmitri Popov (LGPL-3.0, KDE)"
    )
    first = dataclasses.replace(
        first,
        photos=(photo, *first.photos[1:]),
        location="Bürgerhaus am Nordmarkt, Großer Saal im zweiten Obergeschoss, Eingang Hofseite",
    )
    view = dataclasses.replace(view, submissions=(first, *view.submissions[1:]))
    return render_text(view, settings), settings


def test_every_line_fits_76_columns_but_addresses(tmp_path: Path) -> None:
    text, _ = _text(tmp_path)
    long = [
        line
        for line in text.splitlines()
        if len(line) > 76 and "://" not in line and "%%" not in line
    ]
    assert long == []
    assert "Picknick an der" in text  # the caption is there, only wrapped


def test_a_photo_credit_reads_like_the_email_caption_without_nested_brackets(
    tmp_path: Path,
) -> None:
    text, _ = _text(tmp_path)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Bild: Sommerfest 2026"))
    block = " ".join(line.strip() for line in lines[start : start + 3])
    assert f"Bild: {LONG_CAPTION} · Foto: Dmitri Popov (LGPL-3.0, KDE)" in block
    assert "(Dmitri Popov (" not in text and "))" not in text


def test_right_to_left_text_lines_are_marked(tmp_path: Path) -> None:
    text, _ = _text(tmp_path)
    arabic = [line for line in text.splitlines() if "مرحبا" in line or "جمعيتنا" in line]
    assert arabic and all(line.startswith(RLM) for line in arabic)
