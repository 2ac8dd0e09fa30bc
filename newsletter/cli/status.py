"""`newsletter status ISSUE [--json]`: one row per organisation, days to the deadline, a summary."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from newsletter.cli.i18n import pick
from newsletter.core import lazy

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from newsletter.core.config import Settings
    from newsletter.intake.withdrawals import read_withdrawals
    from newsletter.network.status import IssueStatus, issue_status
else:
    escape = lazy.function("rich.markup", "escape")
    Table = lazy.function("rich.table", "Table")
    issue_status = lazy.function("newsletter.network.status", "issue_status")
    read_withdrawals = lazy.function("newsletter.intake.withdrawals", "read_withdrawals")

COMMAND = "status"

STATE_WORDS: dict[str, tuple[str, str]] = {
    "missing": ("fehlt", "missing"),
    "late": ("verspätet", "late"),
    "error": ("Fehler", "errors"),
    "warning": ("Warnungen", "warnings"),
    "ok": ("in Ordnung", "ok"),
}
STATE_STYLE = {
    "missing": "red",
    "late": "magenta",
    "error": "red",
    "warning": "yellow",
    "ok": "green",
}
_MARK = {"missing": "·", "late": "⏰", "error": "✗", "warning": "!", "ok": "✓"}

_T: dict[str, tuple[str, str]] = {
    "head": ("Ausgabe {issue} – Einsendeschluss {deadline}", "Issue {issue} – deadline {deadline}"),
    "left": ("noch {n} {n:Tag|Tage}", "{n} {n:day|days} left"),
    "today": ("heute", "today"),
    "past": ("seit {n} {n:Tag|Tagen} vorbei", "passed {n} {n:day|days} ago"),
    "no_deadline": ("kein Einsendeschluss in issue.toml", "no deadline in issue.toml"),
    "summary": (
        "{n} {n:Organisation|Organisationen}: {missing} {missing:fehlt|fehlen}, {late} verspätet, "
        "{error} mit Fehlern, "
        "{warning} mit Warnungen, {ok} in Ordnung.",
        "{n} {n:organisation|organisations}: {missing} missing, {late} late, {error} with errors, "
        "{warning} with warnings, {ok} ok.",
    ),
    "unregistered": ("nicht im Verzeichnis", "not in the register"),
    "inactive": ("inaktiv", "inactive"),
    "no_address": ("keine Adresse", "no address"),
    "hint_learn": (
        "{n} {n:Einreichung ist|Einreichungen sind} nicht im Verzeichnis: „newsletter "
        "organisations learn {issue}“ "
        "schlägt sie zum Eintragen vor.",
        "{n} {n:submission is|submissions are} not in the register: 'newsletter organisations "
        "learn {issue}' "
        "proposes them.",
    ),
    "organisation": ("Organisation", "Organisation"),
    "state": ("Stand", "State"),
    "received": ("Eingang", "Received"),
    "errors": ("Fehler", "Errors"),
    "warnings": ("Warn.", "Warn."),
    "note": ("Name, Hinweis", "Name, note"),
    "withdrawn": (
        "Zurückgezogene Fotofreigaben (erscheinen nach „newsletter publish“ nirgends mehr):",
        "Withdrawn photo releases (gone everywhere after 'newsletter publish'):",
    ),
}


def t(key: str, lang: str, **kw: Any) -> str:
    """A text of this command in the chosen language."""
    return pick(_T, key, lang, **kw)


def state_word(state: str, lang: str) -> str:
    """fehlt, verspätet, … in the chosen language."""
    de, en = STATE_WORDS[state]
    return en if lang == "en" else de


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `status` to the `newsletter` command."""
    p = sub.add_parser(
        COMMAND,
        help="wer fehlt, wer hat Fehler: eine Zeile je Organisation",
        description="Stand der Einreichungen je Organisation aus dem Verzeichnis.",
    )
    p.add_argument("issue", help="Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner")
    p.add_argument("--json", action="store_true", help="maschinenlesbar ausgeben")
    p.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)


def deadline_line(st: IssueStatus, lang: str) -> str:
    """`Ausgabe 2026-12 – Einsendeschluss 27.11.2026 23:59 (noch 3 Tage)`."""
    en = lang == "en"
    if st.deadline is None:
        return t("head", lang, issue=st.issue, deadline=t("no_deadline", lang))
    when = st.deadline.strftime("%Y-%m-%d %H:%M" if en else "%d.%m.%Y %H:%M")
    days = st.days_left or 0
    if days > 0:
        left = t("left", lang, n=days)
    elif days == 0:
        left = t("today", lang)
    else:
        left = t("past", lang, n=-days)
    return t("head", lang, issue=st.issue, deadline=f"{when} ({left})")


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """`status ISSUE`."""
    st = issue_status(args.issue, settings)
    if args.json:
        print(json.dumps(st.as_json(), ensure_ascii=False, indent=2))
        return 0
    en = lang == "en"
    out.print(f"[bold]{escape(deadline_line(st, lang))}[/]")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("")
    table.add_column(t("organisation", lang), no_wrap=True)
    table.add_column(t("state", lang), no_wrap=True)
    table.add_column(t("received", lang), no_wrap=True)
    for key in ("errors", "warnings"):
        header = t(key, lang)
        table.add_column(header, justify="right", no_wrap=True, min_width=len(header))
    table.add_column(t("note", lang), overflow="fold", min_width=12)
    for r in st.rows:
        notes = [r.name] if r.name else []
        if not r.registered:
            notes.append(t("unregistered", lang))
        elif r.organisation is not None:
            if not r.organisation.active:
                notes.append(t("inactive", lang))
            if not r.organisation.emails:
                notes.append(t("no_address", lang))
        style = STATE_STYLE[r.state]
        fmt = "%Y-%m-%d %H:%M" if en else "%d.%m.%Y %H:%M"
        received = r.received.strftime(fmt) if r.received else ""
        table.add_row(
            f"[{style}]{_MARK[r.state]}[/]",
            escape(r.slug),
            f"[{style}]{state_word(r.state, lang)}[/]",
            received,
            str(r.errors) if r.state != "missing" else "",
            str(r.warnings) if r.state != "missing" else "",
            escape(" · ".join(notes)),
        )
    out.print(table)
    general = [f for f in st.report.findings if f.submission is None]
    for f in general:
        out.print(f"  {escape(f.message(lang))} [dim]({f.code})[/]")
    withdrawn = read_withdrawals(settings.path(settings.subscribers.database), st.issue)
    if withdrawn:
        out.print(t("withdrawn", lang), markup=False)
        for w in withdrawn:
            out.print(f"  {w.slug}/{w.photo} – {w.withdrawn_at[:10]} – {w.reason}", markup=False)
    out.print()
    out.print(t("summary", lang, n=len(st.rows), **st.counts()), markup=False)
    unregistered = sum(not r.registered for r in st.rows)
    if unregistered:
        out.print(t("hint_learn", lang, n=unregistered, issue=st.issue), markup=False)
    return 0
