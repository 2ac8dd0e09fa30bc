"""`newsletter remind ISSUE` and `newsletter feedback ISSUE`: mail the organisations."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newsletter.cli.i18n import pick
from newsletter.core import lazy
from newsletter.core.errors import NewsletterError
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

_T: dict[str, tuple[str, str]] = {
    "sent": ("gesendet", "sent"),
    "failed": ("abgelehnt", "refused"),
    "pending": ("nicht gesendet, nächster Lauf versucht es wieder", "not sent, next run retries"),
    "unknown": (
        "Verbleib ungewiss (Abbruch während des Versands); wird nicht erneut gesendet",
        "fate unknown (interrupted while sending); not sent again",
    ),
    "already": ("heute schon erinnert", "reminded today already"),
    "unchanged": (
        "Ergebnis unverändert seit der letzten Rückmeldung",
        "result unchanged since the last feedback",
    ),
    "unregistered": (
        "nicht im Verzeichnis („newsletter organisations learn“)",
        "not in the register ('newsletter organisations learn')",
    ),
    "written": ("geschrieben", "written"),
    "ask_remind": (
        "{n} {n:Erinnerung|Erinnerungen} senden? [j/N] ",
        "Send {n} {n:reminder|reminders}? [y/N] ",
    ),
    "ask_feedback": (
        "{n} {n:Rückmeldung|Rückmeldungen} senden? [j/N] ",
        "Send {n} feedback {n:message|messages}? [y/N] ",
    ),
    "nobody": ("Niemand zu benachrichtigen.", "Nobody to write to."),
    "dry_run": (
        "Probelauf: {n} {n:Nachricht|Nachrichten} nach {folder} geschrieben (privat, nicht "
        "veröffentlichen), "
        "nichts gesendet.",
        "Dry run: {n} {n:message|messages} written to {folder} (private, never publish), nothing "
        "sent.",
    ),
    "summary": (
        "{sent} gesendet, {failed} abgelehnt, {pending} offen, {unknown} ungewiss, {skipped} "
        "übersprungen.",
        "{sent} sent, {failed} refused, {pending} open, {unknown} unknown, {skipped} skipped.",
    ),
}


def t(key: str, lang: str, **kw: Any) -> str:
    """A text of these commands in the chosen language."""
    return pick(_T, key, lang, **kw)


@dataclass(frozen=True)
class _Command:
    """`remind` or `feedback`: the sub-command protocol of cli.py."""

    COMMAND: Kind
    help: str

    def add_parser(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        p = sub.add_parser(self.COMMAND, help=self.help, description=self.help)
        p.add_argument("issue", help="Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner")
        p.add_argument(
            "--dry-run",
            action="store_true",
            help="jede Nachricht als .eml in einen privaten Ordner unter .cache/ schreiben",
        )
        p.add_argument("--yes", action="store_true", help="ohne Rückfrage senden")
        p.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)

    def run(self, args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
        path = settings.path(settings.subscribers.database)
        try:
            return self._run(args, settings, lang, out)
        except sqlite3.Error as exc:
            params = {"path": path, "detail": exc}
            raise NewsletterError("SUBSCRIBERS_DB_ERROR", path, params) from None

    def _run(self, args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
        kind = self.COMMAND
        if not args.dry_run:
            preview = remind.run(kind, args.issue, settings, count_only=True)
            n = preview.count("pending")
            if n and not args.yes and not _confirm(t(f"ask_{kind}", lang, n=n)):
                raise NewsletterError("SEND_NOT_CONFIRMED")
        report = remind.run(kind, args.issue, settings, dry_run=args.dry_run)
        for slug in report.recovered_unknown:
            out.print(f"  ? {slug}: {t('unknown', lang)}", markup=False)
        for o in report.outcomes:
            if o.result == "no_address":
                text = render("ORG_NO_ADDRESS", lang, {"slug": o.slug})
            else:
                text = t(o.result, lang) + (f" ({o.detail})" if o.detail else "")
            where = f" → {o.path}" if o.path else ""
            language = f" [{o.lang}]" if o.lang else ""
            mark = {"sent": "✓", "written": "✓", "failed": "✗", "no_address": "!"}.get(
                o.result, "·"
            )
            out.print(f"  {mark} {escape(o.slug)}{escape(language)}: {escape(text)}{escape(where)}")
        if args.dry_run:
            out.print(
                t("dry_run", lang, n=report.count("written"), folder=report.folder), markup=False
            )
            return 0
        if not report.outcomes:
            out.print(t("nobody", lang), markup=False)
        skipped = sum(
            report.count(r) for r in ("already", "unchanged", "no_address", "unregistered")
        )
        out.print(
            t(
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


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("j", "ja", "y", "yes")


REMIND = _Command("remind", "Organisationen ohne (fehlerfreien) Beitrag erinnern, in ihrer Sprache")
FEEDBACK = _Command("feedback", "jeder Organisation das Prüfergebnis ihres Beitrags schicken")
