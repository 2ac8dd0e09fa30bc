"""`newsletter mailbox [--dry-run] [--json]`: handle unsubscribe requests and bounces."""

from __future__ import annotations

import argparse
import json
import sqlite3
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from newsletter.cli.i18n import pick
from newsletter.core import lazy
from newsletter.core.errors import NewsletterError

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console

    from newsletter.core.config import Settings
    from newsletter.mailbox.process import MailboxReport, mailbox_settings, process_mailbox
else:
    Console = lazy.function("rich.console", "Console")
    mailbox_settings = lazy.function("newsletter.mailbox.process", "mailbox_settings")
    process_mailbox = lazy.function("newsletter.mailbox.process", "process_mailbox")

EXIT_OK, EXIT_ATTENTION = 0, 1

_T: dict[str, tuple[str, str]] = {
    "examined": (
        "Postfach {folder}: {n} {n:E-Mail|E-Mails} gelesen.",
        "Mailbox {folder}: {n} {n:e-mail|e-mails} read.",
    ),
    "unsubscribed": ("Abgemeldet (per E-Mail): {address}", "Unsubscribed (by e-mail): {address}"),
    "already": ("War schon abgemeldet: {address}", "Was already unsubscribed: {address}"),
    "hard": (
        "Unzustellbar (dauerhaft, {status}): {address} – {count} von {limit}",
        "Undeliverable (permanent, {status}): {address} – {count} of {limit}",
    ),
    "soft": (
        "Unzustellbar (vorübergehend, {status}): {address} – {count} von {limit}",
        "Undeliverable (temporary, {status}): {address} – {count} of {limit}",
    ),
    "soft_never": (
        "Unzustellbar (vorübergehend, {status}): {address} – gezählt ({count})",
        "Undeliverable (temporary, {status}): {address} – counted ({count})",
    ),
    "delay": (
        "Verzögert ({status}): {address} – der Server versucht es weiter; nichts geändert",
        "Delayed ({status}): {address} – the server keeps trying; nothing changed",
    ),
    "marked": (
        "   → als unzustellbar markiert: erhält keinen Newsletter mehr",
        "   → marked as bounced: receives no more newsletters",
    ),
    "repeated": (
        "   (diese Meldung war schon gezählt)",
        "   (this report had been counted already)",
    ),
    "unknown_recipient": (
        "Unzustellbarkeitsmeldung für {address}: nicht in der Liste, nichts zu tun",
        "Bounce for {address}: not on the list, nothing to do",
    ),
    "unknown_token": (
        "Liegen gelassen – Abmeldung mit unbekanntem Code von {sender} („{subject}“). Bitte von "
        "Hand abmelden: newsletter subscribers unsubscribe ADRESSE",
        "Left alone – unsubscribe request with an unknown code from {sender} ('{subject}'). "
        "Unsubscribe by hand: newsletter subscribers unsubscribe ADDRESS",
    ),
    "bounce_unparsed": (
        "Liegen gelassen – Unzustellbarkeitsmeldung ohne erkennbaren Empfänger von {sender} "
        "(„{subject}“). Bitte selbst ansehen.",
        "Left alone – bounce without a recognisable recipient from {sender} ('{subject}'). "
        "Please look at it yourself.",
    ),
    "bounce_unverified": (
        "Liegen gelassen – Unzustellbarkeitsmeldung ohne Bezug zu einer versandten Ausgabe "
        "(fehlende oder unbekannte Message-ID, vielleicht gefälscht) von {sender} "
        "(„{subject}“): nicht verarbeitet, bitte selbst prüfen.",
        "Left alone – bounce not tied to a sent issue (missing or unknown Message-ID, perhaps "
        "forged) from {sender} ('{subject}'): not processed, please check it yourself.",
    ),
    "others": (
        "{n} {n:andere E-Mail liegt|andere E-Mails liegen} unverändert im Postfach.",
        "{n} other {n:e-mail was|e-mails were} left alone.",
    ),
    "moved": (
        "{n} {n:bearbeitete E-Mail|bearbeitete E-Mails} nach „{folder}“ verschoben.",
        "{n} handled {n:e-mail|e-mails} moved to '{folder}'.",
    ),
    "dry_run": (
        "Probelauf: nichts geändert, nichts verschoben.",
        "Dry run: nothing changed, nothing moved.",
    ),
}


def t(key: str, lang: str, **kw: Any) -> str:
    """A text of this command in the chosen language."""
    return pick(_T, key, lang, **kw)


COMMAND = "mailbox"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `mailbox` to the `newsletter` command."""
    p = sub.add_parser(
        COMMAND,
        help="Abmeldungen und Unzustellbarkeitsmeldungen aus dem Postfach verarbeiten",
        description="Liest das Postfach ([mailbox] in newsletter.toml) über IMAP: meldet ab, "
        "wer per E-Mail um Abmeldung bittet, zählt Unzustellbarkeitsmeldungen und markiert "
        "Adressen, die dauerhaft nicht erreichbar sind. Bearbeitete E-Mails werden in einen "
        "eigenen Ordner verschoben, alle anderen bleiben unberührt.",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="nur berichten, was geschähe; nichts ändern"
    )
    p.add_argument("--json", action="store_true", help="maschinenlesbar ausgeben")
    p.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)


def print_report(report: MailboxReport, lang: str, out: Console) -> None:
    """The report as the editor reads it."""

    def say(key: str, **kw: Any) -> None:
        out.print(t(key, lang, **kw), markup=False)

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
