"""What the preview page shows: the email's variants and the page's content, from a Snapshot.

The variants imitate what mail programs do to the same HTML: Apple Mail in dark mode applies the
`prefers-color-scheme: dark` rules; Outlook and many webmails block images until asked, so only
the alt texts and the reserved sizes show; GMX and WEB.DE drop every `<style>` block. The HTML is
our own template's output, so plain regular expressions are enough to make them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from newsletter.core.models import Finding, Issue, status_of
from newsletter.output.content import anchor
from newsletter.preview.engine import Snapshot
from newsletter.send.mail_weight import weights
from newsletter.texts.cli import status_summary, status_word
from newsletter.texts.numbers import human_bytes

GMAIL_CLIP_BYTES = 102_000  # Gmail shows "[Nachricht gekürzt]" above about 102 KB of HTML
BROWSER_IMAGES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".svg"})
LATE_WORDS = {"warning": "angenommen", "error": "weggelassen"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "ok": 2}

_STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.S | re.I)
_DARK_MEDIA = re.compile(r"@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)\s*\{", re.I)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
# GMX, WEB.DE and T-Online drop `dir` and `lang` and every colour CSS1 does not know
_DIR_LANG = re.compile(r"""\s(?:dir|lang)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_NON_CSS1_COLOUR = re.compile(
    r"(?:background-color|background|color)\s*:\s*(?:rgba|hsla?|color-mix|var)\([^;\"']*\)\s*;?|"
    r"(?:background-color|background|color)\s*:\s*#[0-9a-f]{8}\s*;?",
    re.I,
)
_IMG_SRC = re.compile(r"""\s(?:src|srcset)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)


@dataclass(frozen=True)
class Variant:
    """How the email is shown: the page's three switches."""

    dark: bool = False
    no_images: bool = False
    no_style: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, Sequence[str]]) -> Variant:
        """The switches from a query string (`?dunkel=1&ohne-bilder=1&ohne-stil=1`)."""

        def on(key: str) -> bool:
            return query.get(key, [""])[-1] in ("1", "ja", "an")

        return cls(on("dunkel"), on("ohne-bilder"), on("ohne-stil"))

    def query(self) -> str:
        """The query string of these switches ('' or '?…')."""
        keys = [
            ("dunkel", self.dark),
            ("ohne-bilder", self.no_images),
            ("ohne-stil", self.no_style),
        ]
        q = urlencode([(k, "1") for k, v in keys if v])
        return "?" + q if q else ""

    def apply(self, html: str) -> str:
        """The email's HTML as a mail program with these habits would show it."""
        if self.dark:
            html = force_dark(html)
        if self.no_style:
            html = strip_style(html)
        if self.no_images:
            html = _IMG_TAG.sub(lambda m: _IMG_SRC.sub("", m.group(0)), html)
        return html


def strip_style(html: str) -> str:
    """What GMX, WEB.DE and T-Online leave: no <style>, no dir/lang, only CSS1 colours.

    The <html> element stays as it is: a webmail shows the message inside its own page, whose
    language is the reader's.
    """
    html = _STYLE_BLOCK.sub("", html)
    body = re.search(r"<body\b", html, re.I)
    start = body.start() if body else 0
    html = html[:start] + _DIR_LANG.sub("", html[start:])
    return _NON_CSS1_COLOUR.sub("", html)


def force_dark(html: str) -> str:
    """Unwrap every `@media (prefers-color-scheme: dark) {…}` so its rules always apply."""
    out: list[str] = []
    pos = 0
    for m in _DARK_MEDIA.finditer(html):
        if m.start() < pos:
            continue
        depth, i = 1, m.end()
        while i < len(html) and depth:
            depth += {"{": 1, "}": -1}.get(html[i], 0)
            i += 1
        out += [html[pos : m.start()], html[m.end() : i - 1]]
        pos = i
    out.append(html[pos:])
    return "".join(out)


# --------------------------------------------------------------------------- the page content
@dataclass(frozen=True)
class Problem:
    severity: str  # "Fehler" or "Warnung"
    css: str  # "error" or "warning"
    file: str
    message: str
    code: str


@dataclass(frozen=True)
class Row:
    """One submission in the check report."""

    slug: str
    name: str
    status: str  # ok, warning, error
    status_word: str
    anchor: str | None  # None: not in the email (left out)
    left_out: bool
    late: str | None  # "weggelassen" / "angenommen"
    received: str
    problems: tuple[Problem, ...]
    receipt: str = ""  # when it came, and from where that time is known


def _problems(findings: Sequence[Finding], lang: str) -> tuple[Problem, ...]:
    ordered = sorted(findings, key=lambda f: (f.severity != "error", f.file or ""))
    return tuple(
        Problem(
            "Fehler" if f.severity == "error" else "Warnung",
            f.severity,
            f.file or "",
            f.message(lang),
            f.code,
        )
        for f in ordered
    )


def report_rows(
    issue: Issue,
    slugs: Sequence[str],
    findings: Sequence[Finding],
    left_out: Sequence[str],
    lang: str,
    receipts: Mapping[str, str] | None = None,
) -> list[Row]:
    """Every submission with its status and problems; those with errors first."""
    names = {s.slug: s.organisation or s.slug for s in issue.submissions}
    rows = []
    for slug in slugs:
        own = [f for f in findings if f.submission == slug]
        late = next((f for f in own if f.code in ("LATE", "LATE_ACCEPTED")), None)
        status = status_of(own)
        rows.append(
            Row(
                slug=slug,
                name=names.get(slug, slug),
                status=status,
                status_word=status_word(status, lang),
                anchor=None if slug in left_out else anchor("org", slug),
                left_out=slug in left_out,
                late=None
                if late is None
                else ("angenommen" if late.severity == "warning" else "weggelassen"),
                received=str(late.params.get("received", "")) if late else "",
                problems=_problems(own, lang),
                receipt=(receipts or {}).get(slug, ""),
            )
        )
    # what needs doing first: errors, then warnings, then the rest, each alphabetical
    return sorted(rows, key=lambda r: (SEVERITY_ORDER[r.status], r.name.casefold()))


@dataclass(frozen=True)
class Bar:
    """One line of the size panel."""

    label: str
    size: str
    limit: str
    percent: float
    css: str  # ok, warning, error
    note: str


def _bar(label: str, size: int, limit: int, limit_text: str, note: str = "") -> Bar:
    ratio = size / limit if limit else 0.0
    css = "error" if ratio > 1 else "warning" if ratio > 0.9 else "ok"
    return Bar(label, human_bytes(size), limit_text, min(100.0, 100 * ratio), css, note)


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


def _px(w: Any, h: Any) -> str:
    return f"{int(w):,} × {int(h):,} px".replace(",", ".") if w and h else "–"


def _num(x: Any, digits: int = 1) -> str:
    return "–" if x is None else f"{float(x):.{digits}f}".replace(".", ",")


def image_rows(
    manifest: Mapping[str, Any], issue: Issue, outbox: str = "/ausgabe/", sources: str = "/quelle/"
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
            original_href, note = print_href, "Der Browser kann das Original nicht zeigen; "
            note += "zu sehen ist die Druckfassung."
        rows.append(
            ImageRow(
                submission=slug,
                source=source,
                role="Logo" if any_r["role"] == "logo" else "Foto",
                original=f"{_px(any_r['source_width'], any_r['source_height'])}, "
                + human_bytes(int(any_r["source_bytes"])),
                email=_px(email["width"], email["height"]) if email else "–",
                email_bytes=human_bytes(int(email["bytes"])) if email else "–",
                quality=str(email["quality"]) if email and email["quality"] else "–",
                score=_num(email["score"]) if email else "–",
                print=(_px(prn["width"], prn["height"]) + ", " + human_bytes(int(prn["bytes"])))
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


def size_bars(manifest: Mapping[str, Any], text_bytes: int) -> list[Bar]:
    """HTML against Gmail's clipping and the configured limit; the whole message; the pictures."""
    email = manifest.get("email", {})
    # the size as sent (transfer-encoded): what Gmail clips by
    html = int(email.get("html_bytes_sent", email.get("html_bytes", 0)))
    limit = int(email.get("limit_bytes", 0))
    images = [r for r in manifest.get("images", {}).get("renditions", []) if r["kind"] == "email"]
    image_bytes = sum(int(r["bytes"]) for r in images)
    budget = int(manifest.get("images", {}).get("budget", {}).get("budget_bytes", 0) or 0)
    shortened = (
        " Die Texte sind gekürzt, damit sie darunter bleibt." if email.get("shortened") else ""
    )
    whole = html + text_bytes + image_bytes
    return [
        _bar(
            "HTML der E-Mail",
            html,
            GMAIL_CLIP_BYTES,
            f"Gmail kürzt ab etwa {human_bytes(GMAIL_CLIP_BYTES)}",
            f"Eingestellte Grenze: {human_bytes(limit)}.{shortened}",
        ),
        _bar(
            f"Bilder der E-Mail ({len(images)})",
            image_bytes,
            budget,
            f"Budget {human_bytes(budget)}",
            "images.email_budget_bytes in newsletter.toml",
        ),
        _bar(
            "Ganze Nachricht (HTML, Text und Bilder)",
            whole,
            budget + limit,
            f"Budget {human_bytes(budget + limit)}",
            "Bilder-Budget plus HTML-Grenze; beim Versand kommt die Kodierung hinzu.",
        ),
    ]


def pdf_state(snap: Snapshot) -> tuple[str, str]:
    """The PDF panel's status: (css class, sentence)."""
    pdf, good = snap.pdf, snap.good
    current = pdf is not None and good is not None and pdf.generation >= good.generation
    if snap.pdf_error and not snap.pdf_building:
        return "error", f"Das PDF konnte nicht erstellt werden: {snap.pdf_error}"
    if pdf is None and good is None:
        return "building", "Das PDF entsteht nach der ersten fertigen Vorschau."
    if pdf is None:
        return "building", "Das PDF wird erstellt … (das dauert einige Sekunden)"
    made = f"{pdf.finished:%H:%M:%S}"
    if current and not snap.pdf_building:
        return "ok", f"Aktuell (erstellt um {made} in {_num(pdf.seconds)} s)."
    return "outdated", (
        f"Veraltet: gezeigt wird das PDF von {made}. Das neue PDF wird im Hintergrund erstellt …"
    )


def status_line(snap: Snapshot) -> tuple[str, str]:
    """The header's status: (css class, sentence)."""
    if snap.building:
        return "building", snap.progress or "Wird gebaut …"
    if snap.failure is not None:
        return "error", "Letzte Änderung fehlerhaft – gezeigt wird der letzte gute Stand"
    if snap.good is None:
        return "building", "Wird gebaut …"
    g = snap.good
    built = f"gebaut um {g.finished:%H:%M:%S} in {_num(g.result.seconds)} s"
    if g.result.left_out:  # never "Aktuell" in green while a submission is missing
        names = {s.slug: s.organisation or s.slug for s in g.report.intake.issue.submissions}
        missing = ", ".join(names.get(slug, slug) for slug in g.result.left_out)
        n = len(g.result.left_out)
        what = "1 Einreichung fehlt" if n == 1 else f"{n} Einreichungen fehlen"
        return "error", f"{what} wegen Fehlern: {missing} · {built}"
    photos = g.result.photos_left_out
    if photos:
        n = len(photos)
        what = (
            "1 Foto ohne Freigabe weggelassen" if n == 1 else f"{n} Fotos ohne Freigabe weggelassen"
        )
        return "warning", f"Aktuell · {what} · {built}"
    return "ok", f"Aktuell · {built}"


def network_rows(good: Any, lang: str = "de") -> tuple[list[dict[str, Any]], str]:
    """`newsletter status` for the page: one row per organisation, and the summary line.

    Empty when there is no register: the section then stays away. Read-only, about a
    millisecond (status.read_register).
    """
    from zoneinfo import ZoneInfo

    from newsletter.network.status import build_status, read_register

    register = read_register(good.settings)
    if not register:
        return [], ""
    st = build_status(good.report, register, ZoneInfo(good.settings.timezone))
    rows = [
        {
            "slug": r.slug,
            "name": r.name or r.slug,
            "state": r.state,
            "css": "error" if r.state in ("missing", "late") else r.state,
            "word": status_word(r.state, lang),
            "received": f"{r.received:%d.%m.%Y %H:%M}" if r.received else "",
            "errors": r.errors,
            "warnings": r.warnings,
            "registered": r.registered,
        }
        for r in st.rows
    ]
    return rows, status_summary(st.counts(), len(st.rows), lang)


def page_context(snap: Snapshot, variant: Variant, token: str, lang: str) -> dict[str, Any]:
    """Everything preview.html.j2 needs."""
    good = snap.good
    ctx: dict[str, Any] = {
        "snap": snap,
        "good": good,
        "failure": snap.failure,
        "variant": variant,
        "vq": variant.query(),
        "token": token,
        "status": status_line(snap),
        "pdf_status": pdf_state(snap),
        "heading": "Newsletter",
        "rows": [],
        "general": (),
        "left_out": [],
        "photos_left_out": [],
        "late": [],
        "bars": [],
        "weights": [],
        "images": [],
        "text": "",
        "budget": {},
        "summary": "",
        "network": [],
        "network_summary": "",
        "now": dt.datetime.now(),
    }
    if good is None:
        return ctx
    issue = good.report.intake.issue
    result = good.result
    manifest = result.manifest.as_json()  # the page reads it as manifest.json holds it
    findings = result.findings
    receipts = good.report.receipts_shown(ZoneInfo(good.settings.timezone), lang)
    rows = report_rows(issue, good.report.slugs, findings, result.left_out, lang, receipts)
    text_path = result.outbox / "email.txt"
    try:
        text = text_path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    counts = {s: sum(r.status == s for r in rows) for s in ("ok", "warning", "error")}
    names = {s.slug: s.organisation or s.slug for s in issue.submissions}
    ctx["network"], ctx["network_summary"] = network_rows(good, lang)
    ctx.update(
        heading=f"{issue.title} – Ausgabe {issue.number}" if issue.number else issue.title,
        rows=rows,
        general=_problems([f for f in findings if f.submission is None], lang),
        left_out=[r for r in rows if r.left_out],
        photos_left_out=[
            (names.get(f.submission or "", f.submission), f.message(lang))
            for f in result.photos_left_out
        ],
        late=[r for r in rows if r.late],
        bars=size_bars(manifest, len(text.encode())),
        weights=weights(result.outbox, good.settings),
        images=image_rows(manifest, issue),
        budget=manifest["images"]["budget"],
        text=text,
        summary=f"{len(rows)} Einreichungen: {counts['ok']} in Ordnung, {counts['warning']} mit "
        f"Warnungen, {counts['error']} mit Fehlern."
        + (
            " Nicht in der Ausgabe: " + ", ".join(r.name for r in rows if r.left_out) + "."
            if result.left_out
            else ""
        ),
    )
    return ctx
