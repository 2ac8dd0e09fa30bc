"""`newsletter status ISSUE [--json]`: one row per organisation, days to the deadline, a summary."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from newsletter.cli.command import Subparsers, add_command, add_issue
from newsletter.core import lazy
from newsletter.texts.cli import N_, Nn_, Plural, ptr, say, status_summary, status_word

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

NAME = "status"

STATE_STYLE = {
    "missing": "red",
    "late": "magenta",
    "error": "red",
    "warning": "yellow",
    "ok": "green",
}
_MARK = {"missing": "·", "late": "⏰", "error": "✗", "warning": "!", "ok": "✓"}

_T: dict[str, str | Plural] = {
    "head": N_("Ausgabe {issue} – Einsendeschluss {deadline}"),
    "left": Nn_(
        "noch {n} Tag",
        "noch {n} Tage",
    ),
    "today": N_("heute"),
    "past": Nn_(
        "seit {n} Tag vorbei",
        "seit {n} Tagen vorbei",
    ),
    "no_deadline": N_("kein Einsendeschluss in issue.toml"),
    "unregistered": N_("nicht im Verzeichnis"),
    "inactive": N_("inaktiv"),
    "no_address": N_("keine Adresse"),
    "hint_learn": Nn_(
        "{n} Einreichung ist nicht im Verzeichnis: „newsletter organisations "
        "learn {issue}“ schlägt sie zum Eintragen vor.",
        "{n} Einreichungen sind nicht im Verzeichnis: „newsletter "
        "organisations learn {issue}“ schlägt sie zum Eintragen vor.",
    ),
    "withdrawn": N_(
        "Zurückgezogene Fotofreigaben (erscheinen nach „newsletter publish“ nirgends mehr):"
    ),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    """A text of this command in the chosen language."""
    return say(_T[key], lang, **kw)


def add_parser(subparsers: Subparsers) -> None:
    """`status ISSUE`."""
    p = add_command(
        subparsers,
        NAME,
        help=N_("wer fehlt, wer hat Fehler: eine Zeile je Organisation"),
        description=N_("Stand der Einreichungen je Organisation aus dem Verzeichnis."),
    )
    add_issue(p)
    p.add_argument("--json", action="store_true", help=N_("maschinenlesbar ausgeben"))


def deadline_line(st: IssueStatus, lang: str) -> str:
    """`Ausgabe 2026-12 – Einsendeschluss 27.11.2026 23:59 (noch 3 Tage)`."""
    en = lang == "en"
    if st.deadline is None:
        return _t("head", lang, issue=st.issue, deadline=_t("no_deadline", lang))
    when = st.deadline.strftime("%Y-%m-%d %H:%M" if en else "%d.%m.%Y %H:%M")
    days = st.days_left or 0
    if days > 0:
        left = _t("left", lang, n=days)
    elif days == 0:
        left = _t("today", lang)
    else:
        left = _t("past", lang, n=-days)
    return _t("head", lang, issue=st.issue, deadline=f"{when} ({left})")


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
    table.add_column(ptr("Spalte", "Organisation", lang), no_wrap=True)
    table.add_column(ptr("Spalte", "Stand", lang), no_wrap=True)
    table.add_column(ptr("Spalte", "Eingang", lang), no_wrap=True)
    for header in (ptr("Spalte", "Fehler", lang), ptr("Spalte", "Warn.", lang)):
        table.add_column(header, justify="right", no_wrap=True, min_width=len(header))
    table.add_column(ptr("Spalte", "Name, Hinweis", lang), overflow="fold", min_width=12)
    for r in st.rows:
        notes = [r.name] if r.name else []
        if not r.registered:
            notes.append(_t("unregistered", lang))
        elif r.organisation is not None:
            if not r.organisation.active:
                notes.append(_t("inactive", lang))
            if not r.organisation.emails:
                notes.append(_t("no_address", lang))
        style = STATE_STYLE[r.state]
        fmt = "%Y-%m-%d %H:%M" if en else "%d.%m.%Y %H:%M"
        received = r.received.strftime(fmt) if r.received else ""
        table.add_row(
            f"[{style}]{_MARK[r.state]}[/]",
            escape(r.slug),
            f"[{style}]{status_word(r.state, lang)}[/]",
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
        out.print(_t("withdrawn", lang), markup=False)
        for w in withdrawn:
            out.print(f"  {w.slug}/{w.photo} – {w.withdrawn_at[:10]} – {w.reason}", markup=False)
    out.print()
    out.print(status_summary(st.counts(), len(st.rows), lang), markup=False)
    unregistered = sum(not r.registered for r in st.rows)
    if unregistered:
        out.print(_t("hint_learn", lang, n=unregistered, issue=st.issue), markup=False)
    return 0
