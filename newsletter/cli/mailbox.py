"""`newsletter mailbox [--dry-run] [--json]`: handle unsubscribe requests and bounces."""

from __future__ import annotations

import argparse
import json
import sqlite3
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from newsletter.cli.command import Subparsers, add_command
from newsletter.core import lazy
from newsletter.core.errors import NewsletterError
from newsletter.texts.cli import N_, Nn_, Plural, say

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console

    from newsletter.core.config import Settings
    from newsletter.mailbox.process import MailboxReport, mailbox_settings, process_mailbox
else:
    Console = lazy.function("rich.console", "Console")
    mailbox_settings = lazy.function("newsletter.mailbox.process", "mailbox_settings")
    process_mailbox = lazy.function("newsletter.mailbox.process", "process_mailbox")

EXIT_OK, EXIT_ATTENTION = 0, 1

_T: dict[str, str | Plural] = {
    "examined": Nn_(
        "Postfach {folder}: {n} E-Mail gelesen.",
        "Postfach {folder}: {n} E-Mails gelesen.",
    ),
    "unsubscribed": N_("Abgemeldet (per E-Mail): {address}"),
    "already": N_("War schon abgemeldet: {address}"),
    "hard": N_("Unzustellbar (dauerhaft, {status}): {address} – {count} von {limit}"),
    "soft": N_("Unzustellbar (vorübergehend, {status}): {address} – {count} von {limit}"),
    "soft_never": N_("Unzustellbar (vorübergehend, {status}): {address} – gezählt ({count})"),
    "delay": N_("Verzögert ({status}): {address} – der Server versucht es weiter; nichts geändert"),
    "marked": N_("   → als unzustellbar markiert: erhält keinen Newsletter mehr"),
    "repeated": N_("   (diese Meldung war schon gezählt)"),
    "unknown_recipient": N_(
        "Unzustellbarkeitsmeldung für {address}: nicht in der Liste, nichts zu tun"
    ),
    "unknown_token": N_(
        "Liegen gelassen – Abmeldung mit unbekanntem Code von {sender} "
        "(„{subject}“). Bitte von Hand abmelden: newsletter subscribers "
        "unsubscribe ADRESSE"
    ),
    "bounce_unparsed": N_(
        "Liegen gelassen – Unzustellbarkeitsmeldung ohne erkennbaren Empfänger "
        "von {sender} („{subject}“). Bitte selbst ansehen."
    ),
    "bounce_unverified": N_(
        "Liegen gelassen – Unzustellbarkeitsmeldung ohne Bezug zu einer "
        "versandten Ausgabe (fehlende oder unbekannte Message-ID, vielleicht "
        "gefälscht) von {sender} („{subject}“): nicht verarbeitet, bitte "
        "selbst prüfen."
    ),
    "others": Nn_(
        "{n} andere E-Mail liegt unverändert im Postfach.",
        "{n} andere E-Mails liegen unverändert im Postfach.",
    ),
    "moved": Nn_(
        "{n} bearbeitete E-Mail nach „{folder}“ verschoben.",
        "{n} bearbeitete E-Mails nach „{folder}“ verschoben.",
    ),
    "dry_run": N_("Probelauf: nichts geändert, nichts verschoben."),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    """A text of this command in the chosen language."""
    return say(_T[key], lang, **kw)


NAME = "mailbox"


def add_parser(subparsers: Subparsers) -> None:
    """Add `mailbox` to the `newsletter` command."""
    p = add_command(
        subparsers,
        NAME,
        help=N_("Abmeldungen und Unzustellbarkeitsmeldungen aus dem Postfach verarbeiten"),
        description=N_(
            "Liest das Postfach ([mailbox] in newsletter.toml) über IMAP: meldet ab, "
            "wer per E-Mail um Abmeldung bittet, zählt Unzustellbarkeitsmeldungen und markiert "
            "Adressen, die dauerhaft nicht erreichbar sind. Bearbeitete E-Mails werden in einen "
            "eigenen Ordner verschoben, alle anderen bleiben unberührt."
        ),
    )
    p.add_argument(
        "--dry-run", action="store_true", help=N_("nur berichten, was geschähe; nichts ändern")
    )
    p.add_argument("--json", action="store_true", help=N_("maschinenlesbar ausgeben"))


def print_report(report: MailboxReport, lang: str, out: Console) -> None:
    """The report as the editor reads it."""

    def say(key: str, **kw: Any) -> None:
        out.print(_t(key, lang, **kw), markup=False)

    say("examined", folder=report.folder, n=report.examined)
    for address in report.unsubscribed:
        say("unsubscribed", address=address)
    for address in report.already_unsubscribed:
        say("already", address=address)
    for b in report.bounces:
        key = b.kind if b.limit or b.kind != "soft" else "soft_never"
        say(key, address=b.address, status=b.status, count=b.count, limit=b.limit)
        if b.marked:
            say("marked")
        if b.repeated:
            say("repeated")
    for address in report.unknown_recipients:
        say("unknown_recipient", address=address)
    for p in report.problems:
        say(p.reason, sender=p.sender, subject=p.subject)
    if report.others:
        say("others", n=report.others)
    if report.dry_run:
        say("dry_run")
    else:
        say("moved", n=report.moved, folder=report.processed_folder)


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """Process the mailbox once; 1 when mails need the editor's attention, else 0."""
    path = settings.path(settings.subscribers.database)
    from newsletter.cli.progress import StageProgress

    try:
        with StageProgress(Console(stderr=True, highlight=False), lang) as progress:
            progress.stage("mailbox")
            report = process_mailbox(settings, mailbox_settings(settings), dry_run=args.dry_run)
    except sqlite3.Error as exc:
        raise NewsletterError("SUBSCRIBERS_DB_ERROR", path, {"path": path, "detail": exc}) from None
    if args.json:
        out.out(json.dumps(asdict(report), ensure_ascii=False, indent=2))
    else:
        print_report(report, lang, out)
    return EXIT_ATTENTION if report.problems else EXIT_OK
