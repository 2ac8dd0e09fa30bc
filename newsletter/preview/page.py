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
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2

from newsletter.core.config import Settings
from newsletter.core.models import Finding, Issue, status_of
from newsletter.output.content import anchor
from newsletter.output.render import environment
from newsletter.preview.engine import Snapshot
from newsletter.preview.sizes import image_rows, number, size_bars
from newsletter.send.mail_weight import weights
from newsletter.texts.cli import N_, ntr, ptr, status_summary, status_word, tr, translations

# The labels send.mail_weight.weights() gives its two lines (German, send/'s words): the
# preview shows them in the editor's language through this domain.
WEIGHT_LABELS = (
    N_("Eine Nachricht, Bilder in der Mail (inline)"),
    N_("Eine Nachricht, Bilder von der Website (hosted)"),
)
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
    severity: str  # "Fehler" or "Warnung" (in the page's language)
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
    late: str | None  # "accepted" (by the editor, in issue.toml) / "left-out"
    received: str
    problems: tuple[Problem, ...]
    receipt: str = ""  # when it came, and from where that time is known


def _problems(findings: Sequence[Finding], lang: str) -> tuple[Problem, ...]:
    ordered = sorted(findings, key=lambda f: (f.severity != "error", f.file or ""))
    return tuple(
        Problem(
            ptr("Befund", "Fehler", lang)
            if f.severity == "error"
            else ptr("Befund", "Warnung", lang),
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
                else ("accepted" if late.severity == "warning" else "left-out"),
                received=str(late.params.get("received", "")) if late else "",
                problems=_problems(own, lang),
                receipt=(receipts or {}).get(slug, ""),
            )
        )
    # what needs doing first: errors, then warnings, then the rest, each alphabetical
    return sorted(rows, key=lambda r: (SEVERITY_ORDER[r.status], r.name.casefold()))


def pdf_state(snap: Snapshot, lang: str = "de") -> tuple[str, str]:
    """The PDF panel's status: (css class, sentence)."""
    pdf, good = snap.pdf, snap.good
    current = pdf is not None and good is not None and pdf.generation >= good.generation
    if snap.pdf_error and not snap.pdf_building:
        return "error", tr(
            "Das PDF konnte nicht erstellt werden: {detail}", lang, detail=snap.pdf_error
        )
    if pdf is None and good is None:
        return "building", tr("Das PDF entsteht nach der ersten fertigen Vorschau.", lang)
    if pdf is None:
        return "building", tr("Das PDF wird erstellt … (das dauert einige Sekunden)", lang)
    made = f"{pdf.finished:%H:%M:%S}"
    if current and not snap.pdf_building:
        seconds = number(pdf.seconds, lang)
        return "ok", tr(
            "Aktuell (erstellt um {time} in {seconds} s).", lang, time=made, seconds=seconds
        )
    return "outdated", tr(
        "Veraltet: gezeigt wird das PDF von {time}. Das neue PDF wird im Hintergrund erstellt …",
        lang,
        time=made,
    )


def status_line(snap: Snapshot, lang: str = "de") -> tuple[str, str]:
    """The header's status: (css class, sentence)."""
    if snap.building:
        return "building", snap.progress or tr("Wird gebaut …", lang)
    if snap.failure is not None:
        return "error", tr("Letzte Änderung fehlerhaft – gezeigt wird der letzte gute Stand", lang)
    if snap.good is None:
        return "building", tr("Wird gebaut …", lang)
    g = snap.good
    built = tr(
        "gebaut um {time} in {seconds} s",
        lang,
        time=f"{g.finished:%H:%M:%S}",
        seconds=number(g.result.seconds, lang),
    )
    if g.result.left_out:  # never "Aktuell" in green while a submission is missing
        names = {s.slug: s.organisation or s.slug for s in g.report.intake.issue.submissions}
        missing = ", ".join(names.get(slug, slug) for slug in g.result.left_out)
        return "error", ntr(
            "{n} Einreichung fehlt wegen Fehlern: {names} · {built}",
            "{n} Einreichungen fehlen wegen Fehlern: {names} · {built}",
            len(g.result.left_out),
            lang,
            names=missing,
            built=built,
        )
    photos = g.result.photos_left_out
    if photos:
        return "warning", ntr(
            "Aktuell · {n} Foto ohne Freigabe weggelassen · {built}",
            "Aktuell · {n} Fotos ohne Freigabe weggelassen · {built}",
            len(photos),
            lang,
            built=built,
        )
    return "ok", tr("Aktuell · {built}", lang, built=built)


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
        "lang": lang,
        "status": status_line(snap, lang),
        "pdf_status": pdf_state(snap, lang),
        "heading": tr("Newsletter", lang),
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
        heading=tr("{title} – Ausgabe {number}", lang, title=issue.title, number=issue.number)
        if issue.number
        else issue.title,
        rows=rows,
        general=_problems([f for f in findings if f.submission is None], lang),
        left_out=[r for r in rows if r.left_out],
        photos_left_out=[
            (names.get(f.submission or "", f.submission), f.message(lang))
            for f in result.photos_left_out
        ],
        late=[r for r in rows if r.late],
        bars=size_bars(manifest, len(text.encode()), lang),
        weights=[
            (tr(label, lang), size, used)
            for label, size, used in weights(result.outbox, good.settings)
        ],
        images=image_rows(manifest, issue, lang=lang),
        budget=manifest["images"]["budget"],
        text=text,
        summary=ntr(
            "{n} Einreichung: {ok} in Ordnung, {warning} mit Warnungen, {error} mit Fehlern.",
            "{n} Einreichungen: {ok} in Ordnung, {warning} mit Warnungen, {error} mit Fehlern.",
            len(rows),
            lang,
            **counts,
        )
        + (
            " "
            + tr(
                "Nicht in der Ausgabe: {names}.",
                lang,
                names=", ".join(r.name for r in rows if r.left_out),
            )
            if result.left_out
            else ""
        ),
    )
    return ctx


def page_environment(settings: Settings, lang: str) -> jinja2.Environment:
    """The templates' environment with Jinja's i18n extension speaking `lang` (domain `cli`).

    `{% trans %}` blocks are trimmed (whitespace and line breaks inside count as one space),
    as babel.cfg extracts them, so that the template's msgids are the catalogue's.
    """
    env = environment(settings)
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env
