"""`newsletter issue new ISSUE`: start a new issue (issue.toml, editorial/)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from newsletter.cli.command import Subparsers
from newsletter.core import lazy
from newsletter.core.errors import NewsletterError
from newsletter.texts.cli import N_, say
from newsletter.texts.messages import render

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console

    from newsletter.core.config import Settings
    from newsletter.intake import issue_scaffold as scaffold
else:
    scaffold = lazy.module("newsletter.intake.issue_scaffold")

NAME = "issue"
_V = TypeVar("_V")

_T: dict[str, str] = {
    "ask_date": N_("Erscheinungsdatum [{default}]: "),
    "ask_deadline": N_("Einsendeschluss [{default}]: "),
    "created": N_(
        "Angelegt: {path}\n  Ausgabe {number}, erscheint am {date}, "
        "Einsendeschluss {deadline}.\n  Artikel der Redaktion kommen nach "
        "{editorial}; Einreichungen als Unterordner („newsletter new {issue} "
        "KÜRZEL“)."
    ),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    """A text of this command in the chosen language."""
    return say(_T[key], lang, **kw)


def add_parser(subparsers: Subparsers) -> None:
    """Add `issue new` to the `newsletter` command."""
    p = subparsers.add_parser(
        NAME, help=N_("eine neue Ausgabe anlegen"), description=N_("Ausgaben.")
    )
    actions = p.add_subparsers(dest="issue_command", required=True, metavar=N_("AKTION"))
    n = actions.add_parser(
        "new",
        help=N_("Ordner mit issue.toml (kommentiert) und leerem editorial/ anlegen"),
        description=N_(
            "Legt submissions/AUSGABE/issue.toml mit der nächsten Nummer und "
            "Terminvorschlägen an; überschreibt nie."
        ),
    )
    n.add_argument("issue", help=N_("Ordnername unter submissions/, z. B. 2027-01"))
    n.add_argument("--date", help=N_("Erscheinungsdatum, z. B. 2027-01-15"))
    n.add_argument("--deadline", help=N_("Einsendeschluss, z. B. 2027-01-01 oder 2027-01-01T18:00"))
    n.add_argument("--number", type=int, help=N_("Nummer der Ausgabe (Standard: die nächste)"))
    n.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)


def _ask(question: str, default: _V, parse: Callable[[str], _V], lang: str) -> _V:
    """At a terminal: ask, Enter keeps the default, a bad answer is explained in the editor's
    language and asked again (3 times)."""
    if not sys.stdin.isatty():
        return default
    for _ in range(3):
        try:
            answer = input(question).strip()
        except EOFError:
            return default
        if not answer:
            return default
        try:
            return parse(answer)
        except NewsletterError as exc:
            print(render(exc.code, lang, exc.params), file=sys.stderr)
    return default


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """`issue new ISSUE`."""
    date = scaffold.parse_date(args.date) if args.date else None
    deadline = scaffold.parse_deadline(args.deadline) if args.deadline else None
    plan = scaffold.plan(args.issue, settings, date=date, deadline=deadline, number=args.number)
    if args.date is None:
        date = _ask(_t("ask_date", lang, default=plan.date), plan.date, scaffold.parse_date, lang)
        if date != plan.date:
            plan = scaffold.plan(
                args.issue, settings, date=date, deadline=deadline, number=args.number
            )
    if args.deadline is None:
        shown = plan.deadline.isoformat(timespec="minutes")
        chosen = _ask(
            _t("ask_deadline", lang, default=shown), plan.deadline, scaffold.parse_deadline, lang
        )
        if chosen != plan.deadline:
            plan = scaffold.plan(
                args.issue, settings, date=plan.date, deadline=chosen, number=plan.number
            )
    path = scaffold.write_issue(plan, settings)
    en = lang == "en"
    out.print(
        _t(
            "created",
            lang,
            path=path,
            number=plan.number,
            date=plan.date.isoformat() if en else f"{plan.date:%d.%m.%Y}",
            deadline=(
                plan.deadline.isoformat(sep=" ", timespec="minutes")
                if en
                else f"{plan.deadline:%d.%m.%Y %H:%M}"
            ),
            editorial=plan.folder / "editorial",
            issue=plan.folder.name,
        ),
        markup=False,
    )
    return 0
