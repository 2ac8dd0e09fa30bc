"""`newsletter remind ISSUE`: remind the organisations; what `feedback` shares with it."""

from __future__ import annotations

import argparse
import sqlite3
from typing import TYPE_CHECKING, Any

from newsletter.cli.command import Subparsers, add_command, add_issue, confirm
from newsletter.core import lazy
from newsletter.core.errors import NewsletterError
from newsletter.texts.cli import N_, Nn_, Plural, say
from newsletter.texts.messages import render

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console
    from rich.markup import escape

    from newsletter.core.config import Settings
    from newsletter.network import remind
    from newsletter.network.mail import Kind
else:
    escape = lazy.function("rich.markup", "escape")
    remind = lazy.module("newsletter.network.remind")

_T: dict[str, str | Plural] = {
    "sent": N_("gesendet"),
    "failed": N_("abgelehnt"),
    "pending": N_("nicht gesendet, nächster Lauf versucht es wieder"),
    "unknown": N_("Verbleib ungewiss (Abbruch während des Versands); wird nicht erneut gesendet"),
    "already": N_("heute schon erinnert"),
    "unchanged": N_("Ergebnis unverändert seit der letzten Rückmeldung"),
    "unregistered": N_("nicht im Verzeichnis („newsletter organisations learn“)"),
    "written": N_("geschrieben"),
    "ask_remind": Nn_(
        "{n} Erinnerung senden? [j/N] ",
        "{n} Erinnerungen senden? [j/N] ",
    ),
    "ask_feedback": Nn_(
        "{n} Rückmeldung senden? [j/N] ",
        "{n} Rückmeldungen senden? [j/N] ",
    ),
    "nobody": N_("Niemand zu benachrichtigen."),
    "dry_run": Nn_(
        "Probelauf: {n} Nachricht nach {folder} geschrieben (privat, nicht "
        "veröffentlichen), nichts gesendet.",
        "Probelauf: {n} Nachrichten nach {folder} geschrieben (privat, nicht "
        "veröffentlichen), nichts gesendet.",
    ),
    "summary": N_(
        "{sent} gesendet, {failed} abgelehnt, {pending} offen, {unknown} "
        "ungewiss, {skipped} übersprungen."
    ),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    """A text of these commands in the chosen language."""
    return say(_T[key], lang, **kw)


NAME = "remind"


def add_parser(subparsers: Subparsers) -> None:
    """`remind ISSUE`."""
    help_ = N_("Organisationen ohne (fehlerfreien) Beitrag erinnern, in ihrer Sprache")
    add_mail_parser(subparsers, NAME, help_)


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """Remind the organisations without an (error-free) submission; 1 when a mail failed."""
    return mail_organisations("remind", args, settings, lang, out)


def add_mail_parser(subparsers: Subparsers, name: str, help_: str) -> None:
    """The parser of `remind` and `feedback`."""
    p = add_command(subparsers, name, help=help_, description=help_)
    add_issue(p)
    p.add_argument(
        "--dry-run",
        action="store_true",
        help=N_("jede Nachricht als .eml in einen privaten Ordner unter .cache/ schreiben"),
    )
    p.add_argument("--yes", action="store_true", help=N_("ohne Rückfrage senden"))


def mail_organisations(
    kind: Kind, args: argparse.Namespace, settings: Settings, lang: str, out: Console
) -> int:
    """Write to the organisations (`remind` or `feedback`); 1 when a mail failed."""
    path = settings.path(settings.subscribers.database)
    try:
        return _run(kind, args, settings, lang, out)
    except sqlite3.Error as exc:
        params = {"path": path, "detail": exc}
        raise NewsletterError("SUBSCRIBERS_DB_ERROR", path, params) from None


def _run(kind: Kind, args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    if not args.dry_run:
        preview = remind.run(kind, args.issue, settings, count_only=True)
        n = preview.count("pending")
        if n and not args.yes and not confirm(_t(f"ask_{kind}", lang, n=n)):
            raise NewsletterError("SEND_NOT_CONFIRMED")
    report = remind.run(kind, args.issue, settings, dry_run=args.dry_run)
    for slug in report.recovered_unknown:
        out.print(f"  ? {slug}: {_t('unknown', lang)}", markup=False)
    for o in report.outcomes:
        if o.result == "no_address":
            text = render("ORG_NO_ADDRESS", lang, {"slug": o.slug})
        else:
            text = _t(o.result, lang) + (f" ({o.detail})" if o.detail else "")
        where = f" → {o.path}" if o.path else ""
        language = f" [{o.lang}]" if o.lang else ""
        mark = {"sent": "✓", "written": "✓", "failed": "✗", "no_address": "!"}.get(o.result, "·")
        out.print(f"  {mark} {escape(o.slug)}{escape(language)}: {escape(text)}{escape(where)}")
    if args.dry_run:
        text = _t("dry_run", lang, n=report.count("written"), folder=report.folder)
        out.print(text, markup=False)
        return 0
    if not report.outcomes:
        out.print(_t("nobody", lang), markup=False)
    skipped = sum(report.count(r) for r in ("already", "unchanged", "no_address", "unregistered"))
    out.print(
        _t(
            "summary",
            lang,
            sent=report.count("sent"),
            failed=report.count("failed"),
            pending=report.count("pending"),
            unknown=report.count("unknown"),
            skipped=skipped,
        ),
        markup=False,
    )
    bad = report.count("failed") + report.count("pending") + report.count("no_address")
    return 1 if bad else 0
