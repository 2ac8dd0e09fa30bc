"""`newsletter send ISSUE`: --test ADDRESS, --dry-run, or everyone (after confirmation)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.cli.command import (
    EXIT_FINDINGS,
    EXIT_OK,
    Subparsers,
    add_command,
    add_issue,
    confirm,
)
from newsletter.core import lazy
from newsletter.core.errors import NewsletterError
from newsletter.texts.cli import N_, ntr, tr
from newsletter.texts.messages import render

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console

    from newsletter.core.config import Settings
    from newsletter.send.deliver import SendReport
else:
    Console = lazy.function("rich.console", "Console")

NAME = "send"


def add_parser(subparsers: Subparsers) -> None:
    """`send ISSUE`."""
    p = add_command(subparsers, NAME, help=N_("die gebaute Ausgabe versenden (oder testen)"))
    add_issue(p)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--test", metavar=N_("ADRESSE"), help=N_("nur eine Testmail an diese Adresse")
    )
    mode.add_argument(
        "--dry-run",
        action="store_true",
        help=N_("jede Nachricht als .eml nach .cache/private/AUSGABE/send/ schreiben (privat)"),
    )
    p.add_argument("--yes", action="store_true", help=N_("ohne Rückfrage an alle senden"))
    p.add_argument(
        "--resend-unknown",
        action="store_true",
        help=N_("Nachrichten mit ungewissem Verbleib (nach einem Abbruch) erneut senden"),
    )
    p.add_argument(
        "--add-new-subscribers",
        action="store_true",
        help=N_("auch an Abonnentinnen und Abonnenten senden, die nach Versandbeginn dazukamen"),
    )
    p.add_argument(
        "--allow-outdated",
        action="store_true",
        help=N_(
            "senden, obwohl sich Einreichungen, Vorlagen oder Einstellungen seit dem Bau "
            "geändert haben"
        ),
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--original-build",
        action="store_const",
        const="original",
        dest="build_choice",
        help=N_("einen unterbrochenen Versand mit dem Bau beenden, mit dem er begann"),
    )
    which.add_argument(
        "--new-build",
        action="store_const",
        const="new",
        dest="build_choice",
        help=N_("einen unterbrochenen Versand bewusst mit dem neuen Bau fortsetzen"),
    )


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """Send; 1 when a message failed or its fate is unknown."""
    from newsletter.cli.progress import StageProgress
    from newsletter.intake.reader import resolve_issue
    from newsletter.send import deliver
    from newsletter.send.guard import example_settings
    from newsletter.store.subscribers import list_subscribers, open_store

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    folder = resolve_issue(args.issue, settings)
    slug = folder.name
    outbox = settings.path(settings.outbox_dir) / slug
    if not args.allow_outdated and args.build_choice != "original":
        refuse_outdated(outbox, folder, settings)
    if args.test or args.dry_run:
        keys = example_settings(settings)
        if keys:
            out.print(render("SETTINGS_EXAMPLE", lang, {"keys": ", ".join(keys)}), markup=False)
    else:
        deliver.refuse_example_settings(settings)  # before asking: the answer would not matter
    if args.test:
        reply = deliver.send_test(outbox, args.test, settings)
        text = tr("Testmail gesendet an {address} ({reply})", lang, address=args.test, reply=reply)
        out.print(text, markup=False)
        return EXIT_OK
    if args.dry_run:
        with StageProgress(err, lang) as progress:
            progress.stage("dry_run")
            written = deliver.dry_run(outbox, settings)
        private = written[0].parent if written else deliver.dry_run_folder(settings, slug)
        text = ntr(
            "{n} Nachricht geschrieben nach {path} (privat, nie veröffentlichen)",
            "{n} Nachrichten geschrieben nach {path} (privat, nie veröffentlichen)",
            len(written),
            lang,
            path=private,
        )
        out.print(text, markup=False)
        return EXIT_OK
    with open_store(settings.path(settings.subscribers.database)) as db:
        count = len(list_subscribers(db, ["active"]))
    question = tr(
        "Ausgabe {issue} an {count} Abonnentinnen und Abonnenten senden? [j/N] ",
        lang,
        issue=slug,
        count=count,
    )
    if not args.yes and not confirm(question):
        raise NewsletterError("SEND_NOT_CONFIRMED")
    with StageProgress(err, lang) as progress:
        progress.stage("send")
        report = deliver.send_issue(
            outbox,
            settings,
            resend_unknown=args.resend_unknown,
            add_new_subscribers=args.add_new_subscribers,
            build_choice=args.build_choice,
            progress=progress.count,
        )
    return print_summary(report, lang, out)


def print_summary(report: SendReport, lang: str, out: Console) -> int:
    """What was sent, what failed, what waits, what is unknown; the exit code."""
    summary = report.summary
    assert summary is not None
    c = summary.counts
    seconds = f"{report.seconds:.1f}"
    text = tr(
        "Jetzt {now} versandt; insgesamt {sent} versandt, {failed} fehlgeschlagen, "
        "{pending} wartend, {unknown} ungewiss, {skipped} ausgelassen (inzwischen abgemeldet) "
        "({seconds} s).",
        lang,
        now=report.sent,
        sent=c["sent"],
        failed=c["failed"],
        pending=c["pending"],
        unknown=c["unknown"],
        skipped=c["skipped"],
        seconds=seconds if lang == "en" else seconds.replace(".", ","),
    )
    out.print(text, markup=False)
    for address, code, detail in summary.failed:
        out.print(f"  ✗ {address}: {code or ''} {detail}", markup=False)
    for address, code, detail in summary.pending:
        out.print(tr("  … wartet: ", lang) + f"{address}: {code or ''} {detail}", markup=False)
    if summary.unknown:
        text = tr(
            "Verbleib ungewiss (Abbruch während des Versands; vor einem erneuten Senden mit "
            "--resend-unknown bitte prüfen):",
            lang,
        )
        out.print(text, markup=False)
        for address in summary.unknown:
            out.print(f"  ? {address}", markup=False)
    return EXIT_OK if not summary.failed and not summary.unknown else EXIT_FINDINGS


def refuse_outdated(outbox: Path, folder: Path, settings: Settings) -> None:
    """BUILD_OUTDATED when the sources changed since outbox/ISSUE/ was built."""
    from newsletter.intake.withdrawals import read_withdrawals
    from newsletter.send.guard import outdated

    try:
        manifest = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NewsletterError("NOT_BUILT", outbox, {"path": str(outbox)}) from None
    changes = outdated(manifest, folder, settings)
    # a photo release withdrawn after the build: the build still shows the photo
    built = {tuple(p) for p in manifest.get("withdrawn") or []}
    for w in read_withdrawals(settings.path(settings.subscribers.database), folder.name):
        if (w.slug, w.photo) not in built:
            changes.append(f"{w.slug}/{w.photo} (Freigabe zurückgezogen / release withdrawn)")
    if changes:
        shown = ", ".join(changes[:8]) + (f" (+{len(changes) - 8})" if len(changes) > 8 else "")
        raise NewsletterError("BUILD_OUTDATED", outbox, {"changes": shown})
