"""The preview page's size panel: the email against its limits, and every picture's renditions.

Numbers as the page's language writes them: "4.272 × 2.848 px, 1,1 MB" in German, "4,272 ×
2,848 px, 1.1 MB" in English (texts.numbers for the bytes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from newsletter.core.models import Issue
from newsletter.texts.cli import tr
from newsletter.texts.numbers import human_bytes

GMAIL_CLIP_BYTES = 102_000  # Gmail clips the message above about 102 KB of HTML
BROWSER_IMAGES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".svg"})


@dataclass(frozen=True)
class Bar:
    """One line of the size panel."""

    label: str
    size: str
    limit: str
    percent: float
    css: str  # ok, warning, error
    note: str


def _bar(label: str, size: int, limit: int, limit_text: str, note: str, lang: str) -> Bar:
    ratio = size / limit if limit else 0.0
    css = "error" if ratio > 1 else "warning" if ratio > 0.9 else "ok"
    return Bar(label, human_bytes(size, lang), limit_text, min(100.0, 100 * ratio), css, note)


@dataclass(frozen=True)
class ImageRow:
    """One picture: the original, its email and print renditions, and where to see them."""

    submission: str
    source: str
    role: str
    original: str  # "4.272 × 2.848 px, 1,1 MB"
    email: str
    email_bytes: str
    quality: str
    score: str
    print: str
    original_href: str
    original_note: str
    email_href: str


def _px(w: Any, h: Any, lang: str = "de") -> str:
    if not (w and h):
        return "–"
    text = f"{int(w):,} × {int(h):,} px"
    return text if lang == "en" else text.replace(",", ".")


def number(x: Any, lang: str = "de", digits: int = 1) -> str:
    if x is None:
        return "–"
    text = f"{float(x):.{digits}f}"
    return text if lang == "en" else text.replace(".", ",")


def image_rows(
    manifest: Mapping[str, Any],
    issue: Issue,
    outbox: str = "/ausgabe/",
    sources: str = "/quelle/",
    lang: str = "de",
) -> list[ImageRow]:
    """The image table: every picture once, email and print rendition side by side."""
    by_sha = {f["sha256"]: f["path"] for f in manifest.get("files", [])}
    pairs: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = {}
    for r in manifest.get("images", {}).get("renditions", []):
        pairs.setdefault((r["submission"], r["source"]), {})[r["kind"]] = r
    rows = []
    for (slug, source), kinds in pairs.items():
        email, prn = kinds.get("email"), kinds.get("print")
        any_r = email or prn
        assert any_r is not None
        email_href = outbox + quote(by_sha.get(email["sha256"], "")) if email else ""
        print_href = outbox + quote(by_sha.get(prn["sha256"], "")) if prn else ""
        original = source_path(issue, slug, source)
        if original is not None and Path(source).suffix.lower() in BROWSER_IMAGES:
            original_href, note = sources + quote(original), ""
        else:  # HEIC or TIFF: browsers cannot show it; the print rendition is the closest
            original_href = print_href
            note = tr(
                "Der Browser kann das Original nicht zeigen; zu sehen ist die Druckfassung.", lang
            )
        rows.append(
            ImageRow(
                submission=slug,
                source=source,
                role=tr("Logo", lang) if any_r["role"] == "logo" else tr("Foto", lang),
                original=f"{_px(any_r['source_width'], any_r['source_height'], lang)}, "
                + human_bytes(int(any_r["source_bytes"]), lang),
                email=_px(email["width"], email["height"], lang) if email else "–",
                email_bytes=human_bytes(int(email["bytes"]), lang) if email else "–",
                quality=str(email["quality"]) if email and email["quality"] else "–",
                score=number(email["score"], lang) if email else "–",
                print=(
                    _px(prn["width"], prn["height"], lang)
                    + ", "
                    + human_bytes(int(prn["bytes"]), lang)
                )
                if prn
                else "–",
                original_href=original_href,
                original_note=note,
                email_href=email_href,
            )
        )
    return rows


def source_path(issue: Issue, slug: str, source: str) -> str | None:
    """The source picture's path relative to the issue folder, as intake resolved it."""
    try:
        sub = issue.submission(slug)
    except KeyError:
        return None
    refs = [sub.logo] + [p.file for p in sub.photos]
    for ref in refs:
        if ref is not None and ref.name == source and ref.path is not None:
            try:
                return ref.path.relative_to(issue.folder).as_posix()
            except ValueError:
                return None
    return None


def size_bars(manifest: Mapping[str, Any], text_bytes: int, lang: str = "de") -> list[Bar]:
    """HTML against Gmail's clipping and the configured limit; the whole message; the pictures."""
    email = manifest.get("email", {})
    # the size as sent (transfer-encoded): what Gmail clips by
    html = int(email.get("html_bytes_sent", email.get("html_bytes", 0)))
    limit = int(email.get("limit_bytes", 0))
    images = [r for r in manifest.get("images", {}).get("renditions", []) if r["kind"] == "email"]
    image_bytes = sum(int(r["bytes"]) for r in images)
    budget = int(manifest.get("images", {}).get("budget", {}).get("budget_bytes", 0) or 0)
    limit_note = tr("Eingestellte Grenze: {size}.", lang, size=human_bytes(limit, lang))
    if email.get("shortened"):
        limit_note += " " + tr("Die Texte sind gekürzt, damit sie darunter bleibt.", lang)
    whole = html + text_bytes + image_bytes
    return [
        _bar(
            tr("HTML der E-Mail", lang),
            html,
            GMAIL_CLIP_BYTES,
            tr("Gmail kürzt ab etwa {size}", lang, size=human_bytes(GMAIL_CLIP_BYTES, lang)),
            limit_note,
            lang,
        ),
        _bar(
            tr("Bilder der E-Mail ({count})", lang, count=len(images)),
            image_bytes,
            budget,
            tr("Budget {size}", lang, size=human_bytes(budget, lang)),
            "images.email_budget_bytes in newsletter.toml",
            lang,
        ),
        _bar(
            tr("Ganze Nachricht (HTML, Text und Bilder)", lang),
            whole,
            budget + limit,
            tr("Budget {size}", lang, size=human_bytes(budget + limit, lang)),
            tr("Bilder-Budget plus HTML-Grenze; beim Versand kommt die Kodierung hinzu.", lang),
            lang,
        ),
    ]
