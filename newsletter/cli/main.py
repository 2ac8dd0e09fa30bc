"""The `newsletter` command: thin; the only place that catches errors and prints them."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from newsletter import __version__
from newsletter.cli.i18n import Parser, argparse_language, early_language, early_option, pick
from newsletter.core import lazy
from newsletter.core.errors import ConfigError, NewsletterError
from newsletter.texts.messages import render

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console
    from rich.table import Table

    from newsletter.core.config import Settings, load_settings
    from newsletter.core.models import Finding, status_of
else:
    Console = lazy.function("rich.console", "Console")
    Table = lazy.function("rich.table", "Table")
    load_settings = lazy.function("newsletter.core.config", "load_settings")
    status_of = lazy.function("newsletter.core.models", "status_of")

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
# NewsletterErrors that report findings of the check (exit 1), not a usage problem (exit 2).
FINDING_CODES = frozenset({"BUILD_REFUSED", "BUILD_FATAL"})

_STATUS_WORDS: dict[str, tuple[str, str]] = {
    "ok": ("in Ordnung", "ok"),
    "warning": ("Warnungen", "warnings"),
    "error": ("Fehler", "errors"),
}
_T: dict[str, tuple[str, str]] = {
    "issue": ("Ausgabe", "Issue"),
    "summary": (
        "{n} {n:Einreichung|Einreichungen}: {ok} in Ordnung, {warning} mit Warnungen, "
        "{error} mit Fehlern – {errors} Fehler, {warnings} {warnings:Warnung|Warnungen} "
        "insgesamt.",
        "{n} {n:submission|submissions}: {ok} ok, {warning} with warnings, {error} with errors "
        "– {errors} {errors:error|errors}, {warnings} {warnings:warning|warnings} in all.",
    ),
    "general": ("Ausgabe (issue.toml, Redaktion)", "Issue (issue.toml, editorial)"),
    "created": (
        "Angelegt: {path}\nBitte die Datei ausfüllen und die Fotos daneben legen.",
        "Created: {path}\nFill in the file and put the photos beside it.",
    ),
    "exists": (
        "{path} gibt es schon; nichts überschrieben.",
        "{path} exists already; nothing overwritten.",
    ),
    "dry_run": (
        "{n} {n:Nachricht|Nachrichten} geschrieben nach {path} (privat, nie veröffentlichen)",
        "{n} {n:message|messages} written to {path} (private, never publish)",
    ),
    "config": (
        "Die Einstellungen in {path} enthalten {n} Fehler:",
        "The settings in {path} have {n} {n:problem|problems}:",
    ),
    "os_error": (
        "{path} lässt sich nicht lesen oder schreiben ({detail}). Bitte Zugriffsrechte und "
        "freien Speicherplatz prüfen.",
        "{path} cannot be read or written ({detail}). Check permissions and free disk space.",
    ),
    "interrupted": (
        "Abgebrochen. Nichts ist halb geschrieben: Fertiges bleibt, der Rest fehlt. Den Befehl "
        "einfach noch einmal aufrufen; er macht dort weiter.",
        "Interrupted. Nothing is half-written: what was finished stays, the rest is missing. "
        "Run the command again; it carries on from there.",
    ),
    "bad_slug": (
        "„{org}“ ist kein guter Ordnername: bitte nur Kleinbuchstaben, Ziffern und "
        "Bindestriche, z. B. lernimpuls-witten.",
        "'{org}' is not a good folder name: use lower-case letters, digits and hyphens, "
        "e.g. lernimpuls-witten.",
    ),
    "propose_slug": (
        "„{org}“ ist kein guter Ordnername (nur Kleinbuchstaben, Ziffern und Bindestriche). "
        "Vorschlag: newsletter new {issue} {slug}",
        "'{org}' is not a good folder name (lower-case letters, digits and hyphens only). "
        "Suggestion: newsletter new {issue} {slug}",
    ),
}


def t(key: str, lang: str, **kw: Any) -> str:
    """A CLI text in the chosen language."""
    return pick(_T, key, lang, **kw)


ISSUE_HELP = "Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner"


def _sub_clis() -> tuple[Any, ...]:
    """Commands with a module of their own: each has COMMAND, add_parser(sub) and run(...)."""
    from newsletter.cli import issue as issue_cli
    from newsletter.cli import mailbox as mailbox_cli
    from newsletter.cli import organisations as organisations_cli
    from newsletter.cli import preview as preview_cli
    from newsletter.cli import publish as publish_cli
    from newsletter.cli import remind as remind_cli
    from newsletter.cli import serve as serve_cli
    from newsletter.cli import status as status_cli
    from newsletter.cli import subscribers as subscribers_cli

    return (
        subscribers_cli,
        serve_cli,
        mailbox_cli,
        preview_cli,
        organisations_cli,
        issue_cli,
        status_cli,
        remind_cli.REMIND,
        remind_cli.FEEDBACK,
        publish_cli,
        publish_cli.WITHDRAW,
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: one subcommand per thing the editor does."""
    p = Parser(
        prog="newsletter",
        description="Newsletter aus den Selbstdarstellungen der Netzwerk-Organisationen.",
    )
    p.add_argument("--version", action="version", version=f"newsletter {__version__}")
    p.add_argument(
        "--config",
        type=Path,
        metavar="DATEI",
        help="newsletter.toml (Standard: im aktuellen Ordner)",
    )
    p.add_argument("--lang", choices=("de", "en"), help="Sprache der Meldungen: de oder en")
    p.add_argument("-v", "--verbose", action="store_true", help="mehr Protokoll")
    sub = p.add_subparsers(dest="command", required=True, metavar="BEFEHL")

    c = sub.add_parser("check", help="alle Einreichungen einer Ausgabe prüfen")
    c.add_argument(
        "issue",
        metavar="AUSGABE",
        help="Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner",
    )
    c.add_argument("--json", action="store_true", help="maschinenlesbar ausgeben")
    c.add_argument("--strict", action="store_true", help="auch bei Warnungen mit 1 enden")
    c.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)

    b = sub.add_parser("build", help="E-Mail, Textfassung, Web-Version und PDF bauen")
    b.add_argument(
        "issue",
        metavar="AUSGABE",
        help="Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner",
    )
    b.add_argument(
        "--force", action="store_true", help="fehlerhafte Einreichungen weglassen statt abzubrechen"
    )
    b.add_argument(
        "--print-shop",
        action="store_true",
        help="zusätzlich die Druckerei-Fassung: PDF/X-4, 3 mm Beschnitt, Schnittmarken, FOGRA39",
    )
    b.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)

    sd = sub.add_parser("send", help="die gebaute Ausgabe versenden (oder testen)")
    sd.add_argument(
        "issue",
        metavar="AUSGABE",
        help="Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner",
    )
    mode = sd.add_mutually_exclusive_group()
    mode.add_argument("--test", metavar="ADRESSE", help="nur eine Testmail an diese Adresse")
    mode.add_argument(
        "--dry-run",
        action="store_true",
        help="jede Nachricht als .eml nach .cache/private/AUSGABE/send/ schreiben (privat)",
    )
    sd.add_argument("--yes", action="store_true", help="ohne Rückfrage an alle senden")
    sd.add_argument(
        "--resend-unknown",
        action="store_true",
        help="Nachrichten mit ungewissem Verbleib (nach einem Abbruch) erneut senden",
    )
    sd.add_argument(
        "--add-new-subscribers",
        action="store_true",
        help="auch an Abonnentinnen und Abonnenten senden, die nach Versandbeginn dazukamen",
    )
    sd.add_argument(
        "--allow-outdated",
        action="store_true",
        help="senden, obwohl sich Einreichungen, Vorlagen oder Einstellungen seit dem Bau "
        "geändert haben",
    )
    which = sd.add_mutually_exclusive_group()
    which.add_argument(
        "--original-build",
        action="store_const",
        const="original",
        dest="build_choice",
        help="einen unterbrochenen Versand mit dem Bau beenden, mit dem er begann",
    )
    which.add_argument(
        "--new-build",
        action="store_const",
        const="new",
        dest="build_choice",
        help="einen unterbrochenen Versand bewusst mit dem neuen Bau fortsetzen",
    )
    sd.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)

    for module in _sub_clis():
        module.add_parser(sub)

    n = sub.add_parser("new", help="Ordner mit ausgefüllter Vorlage für eine Organisation")
    n.add_argument(
        "issue",
        metavar="AUSGABE",
        help="Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner",
    )
    n.add_argument(
        "org", metavar="ORGANISATION", help="Ordnername der Organisation, z. B. lernimpuls-witten"
    )
    n.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)
    return p


def _language_before_parsing(argv: Sequence[str] | None) -> str:
    """--lang, NEWSLETTER_LANG or newsletter.toml's lang: argparse's texts need it early."""
    lang = early_language(argv)
    if lang is None:
        config = early_option(argv, "--config")
        lang = _configured_language(Path(config) if config else None)
    return lang


def _configured_language(config_file: Path | None) -> str:
    """`lang` from .env or newsletter.toml, read without loading the settings (pydantic and
    its settings sources take longer than all of `newsletter --help`); "de" when unsure: a
    broken file is reported after parsing."""
    import tomllib

    root = Path.cwd()
    try:
        for line in (root / ".env").read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip().upper() == "NEWSLETTER_LANG":
                value = value.strip().strip("'\"").lower()
                if value in ("de", "en"):
                    return value
    except (OSError, UnicodeError):
        pass
    try:
        text = (config_file or root / "newsletter.toml").read_text(encoding="utf-8")
        lang = tomllib.loads(text).get("lang")
    except (OSError, UnicodeError, tomllib.TOMLDecodeError):
        return "de"
    return lang if lang in ("de", "en") else "de"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    early = _language_before_parsing(argv)
    with argparse_language(early):
        args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    lang: str = getattr(args, "sub_lang", None) or args.lang or early
    try:
        settings = load_settings(config_file=args.config)
        lang = getattr(args, "sub_lang", None) or args.lang or settings.lang
        if args.command == "check":
            return cmd_check(args, settings, lang, out)
        if args.command == "new":
            return cmd_new(args, settings, lang, out)
        if args.command == "build":
            return cmd_build(args, settings, lang, out)
        if args.command == "send":
            return cmd_send(args, settings, lang, out)
        for module in _sub_clis():
            if args.command == module.COMMAND:
                return int(module.run(args, settings, lang, out))
    except ConfigError as exc:
        err.print(t("config", lang, path=exc.path, n=len(exc.problems)))
        for (key, msg), msg_en in zip(exc.problems, exc.english, strict=True):
            shown = msg_en if lang == "en" else msg
            err.print(
                f"  {key or ('(file)' if lang == 'en' else '(Datei)')}: {shown}", markup=False
            )
        return EXIT_USAGE
    except NewsletterError as exc:
        err.print(render(exc.code, lang, exc.params), markup=False)
        # a build refused because of the check's findings fails like `check` does
        return EXIT_FINDINGS if exc.code in FINDING_CODES else EXIT_USAGE
    except BrokenPipeError:  # `newsletter … | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports it
    except OSError as exc:  # a folder that cannot be written, a disk that is full, ...
        err.print(t("os_error", lang, path=exc.filename or "", detail=exc.strerror or exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print(t("interrupted", lang), markup=False)
        return 130
    raise AssertionError(args.command)


def cmd_check(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """`newsletter check ISSUE`: every problem of every submission."""
    from newsletter.check.stage import run_check

    report = run_check(args.issue, settings)
    if args.json:
        print(json.dumps(report.as_json(lang), ensure_ascii=False, indent=2))
    else:
        received = report.receipts_shown(ZoneInfo(settings.timezone), lang)
        print_report(report.findings, report.slugs, lang, out, received=received)
    fail = report.has_errors or (args.strict and bool(report.findings))
    return EXIT_FINDINGS if fail else EXIT_OK


_STYLE = {"ok": "green", "warning": "yellow", "error": "red"}
_MARK = {"ok": "✓", "warning": "!", "error": "✗"}


def print_report(
    findings: list[Finding],
    slugs: list[str],
    lang: str,
    out: Console,
    *,
    received: Mapping[str, str] | None = None,
) -> None:
    """A status table (one row per submission, with its time of receipt), the problems per
    submission, a summary."""
    from rich.markup import escape

    en = lang == "en"
    groups: dict[str | None, list[Finding]] = {None: []} | {s: [] for s in slugs}
    for f in findings:
        groups.setdefault(f.submission, []).append(f)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("")
    table.add_column("Submission" if en else "Einreichung", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Errors" if en else "Fehler", justify="right", no_wrap=True)
    table.add_column("Warnings" if en else "Warnungen", justify="right", no_wrap=True)
    if received is not None:  # wraps below its source in a narrow terminal
        table.add_column("Received" if en else "Eingang", min_width=16)
    for key, fs in groups.items():
        if key is None and not fs:
            continue
        status = status_of(fs)
        table.add_row(
            f"[{_STYLE[status]}]{_MARK[status]}[/]",
            escape(key) if key else t("general", lang),
            t_status(status, lang),
            str(sum(f.severity == "error" for f in fs)) or "",
            str(sum(f.severity == "warning" for f in fs)),
            *([escape(received.get(key or "", ""))] if received is not None else []),
        )
    out.print(table)
    for key, fs in groups.items():
        if not fs:
            continue
        out.print(f"\n[bold]{escape(key) if key else t('general', lang)}[/]")
        for f in sorted(fs, key=lambda f: (f.severity != "error", f.file or "")):
            mark = (
                ("error" if en else "Fehler")
                if f.severity == "error"
                else ("warning" if en else "Warnung")
            )
            where = f" {escape(f.file)}" if f.file else ""
            out.print(f"  [{_STYLE[f.severity]}]{mark}[/]{where} [dim]({f.code})[/]")
            out.print(f"    {escape(f.message(lang))}")
    counts = {
        s: sum(1 for k, fs in groups.items() if k is not None and status_of(fs) == s)
        for s in ("ok", "warning", "error")
    }
    out.print()
    out.print(
        t(
            "summary",
            lang,
            n=len(slugs),
            **counts,
            errors=sum(f.severity == "error" for f in findings),
            warnings=sum(f.severity == "warning" for f in findings),
        )
    )


def t_status(status: str, lang: str) -> str:
    """The coloured status word."""
    de, en = _STATUS_WORDS[status]
    return f"[{_STYLE[status]}]{en if lang == 'en' else de}[/]"


def cmd_build(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """`newsletter build ISSUE`: everything a reader receives, into outbox/ISSUE/."""
    from newsletter.cli.progress import StageProgress
    from newsletter.output.build import build_issue

    en = lang == "en"
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    with StageProgress(err, lang) as progress:
        result = build_issue(
            args.issue,
            settings,
            force=args.force,
            print_shop=args.print_shop,
            **progress.callbacks(),
        )
    if result.left_out:
        out.print(
            ("Left out (errors): " if en else "Weggelassen (Fehler): ")
            + ", ".join(result.left_out),
            markup=False,
        )
    for f in result.photos_left_out:  # named, so nobody wonders where the photo went
        out.print(f"  {f.submission}: {f.message(lang)}", markup=False)
    for f in result.image_findings:
        where = "/".join(p for p in (f.submission, f.file) if p) or t("general", lang)
        out.print(f"  {where}: {f.message(lang)}", markup=False)
    email = result.manifest.email

    def decimal(value: float, places: int = 1) -> str:
        text = f"{value:.{places}f}"
        return text if en else text.replace(".", ",")

    kb = email.html_bytes_sent / 1000
    out.print(
        ("Built" if en else "Gebaut") + f": {result.outbox}  ({decimal(result.seconds)} s)",
        markup=False,
    )
    names = ["email.html", "email.txt", "web/index.html", "newsletter.pdf", "manifest.json"]
    if args.print_shop:
        from newsletter.output.pdf import PRINT_SHOP_PDF

        names.insert(4, PRINT_SHOP_PDF)
    for name in names:
        out.print(f"  {result.outbox / name}", markup=False)
    others = [lang_ for lang_ in result.manifest.frames if lang_ != "de"]
    if others:  # the email with its own words in the subscribers' languages (compose picks)
        out.print(
            ("  Email frame also in: " if en else "  E-Mail-Rahmen auch auf: ")
            + ", ".join(others)
            + (" (email.LANG.html/.txt)" if en else " (email.SPRACHE.html/.txt)"),
            markup=False,
        )
    out.print(
        f"  HTML: {decimal(kb)} KB "
        + ("as sent" if en else "wie versandt")
        + f" / {decimal(email.limit_bytes / 1000, 0)} KB"
        + ((" (texts shortened)" if en else " (Texte gekürzt)") if email.shortened else ""),
        markup=False,
    )
    # the build's own errors (e.g. the picture budget) are findings too: exit 1, like check
    return EXIT_FINDINGS if any(f.severity == "error" for f in result.image_findings) else EXIT_OK


def cmd_send(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """`newsletter send ISSUE`: --test ADDR, --dry-run, or everyone (after confirmation)."""
    from newsletter.cli.progress import StageProgress
    from newsletter.intake.reader import resolve_issue
    from newsletter.send import deliver
    from newsletter.send.guard import example_settings
    from newsletter.store.subscribers import list_subscribers, open_store

    en = lang == "en"
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    folder = resolve_issue(args.issue, settings)
    slug = folder.name
    outbox = settings.path(settings.outbox_dir) / slug
    if not args.allow_outdated and args.build_choice != "original":
        _refuse_outdated(outbox, folder, settings)
    if args.test or args.dry_run:
        keys = example_settings(settings)
        if keys:
            out.print(render("SETTINGS_EXAMPLE", lang, {"keys": ", ".join(keys)}), markup=False)
    else:
        deliver.refuse_example_settings(settings)  # before asking: the answer would not matter
    if args.test:
        reply = deliver.send_test(outbox, args.test, settings)
        out.print(
            ("Test mail sent to " if en else "Testmail gesendet an ") + args.test + f" ({reply})",
            markup=False,
        )
        return EXIT_OK
    if args.dry_run:
        with StageProgress(err, lang) as progress:
            progress.stage("dry_run")
            written = deliver.dry_run(outbox, settings)
        private = written[0].parent if written else deliver.dry_run_folder(settings, slug)
        out.print(t("dry_run", lang, n=len(written), path=private), markup=False)
        return EXIT_OK
    with open_store(settings.path(settings.subscribers.database)) as db:
        count = len(list_subscribers(db, ["active"]))
    if not args.yes:
        question = (
            f"Send issue {slug} to {count} subscribers? [y/N] "
            if en
            else f"Ausgabe {slug} an {count} Abonnentinnen und Abonnenten senden? [j/N] "
        )
        try:
            answer = input(question) if sys.stdin.isatty() else ""
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("j", "ja", "y", "yes"):
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
    summary = report.summary
    assert summary is not None
    c = summary.counts
    seconds_de = f"{report.seconds:.1f}".replace(".", ",")
    out.print(
        (
            f"Sent {report.sent} now; in all: {c['sent']} sent, {c['failed']} failed, "
            f"{c['pending']} waiting, {c['unknown']} unknown, {c['skipped']} skipped "
            f"(unsubscribed meanwhile) ({report.seconds:.1f} s)."
            if en
            else f"Jetzt {report.sent} versandt; insgesamt {c['sent']} versandt, "
            f"{c['failed']} fehlgeschlagen, {c['pending']} wartend, {c['unknown']} ungewiss, "
            f"{c['skipped']} ausgelassen (inzwischen abgemeldet) ({seconds_de} s)."
        ),
        markup=False,
    )
    for address, code, text in summary.failed:
        out.print(f"  ✗ {address}: {code or ''} {text}", markup=False)
    for address, code, text in summary.pending:
        out.print(
            ("  … waiting: " if en else "  … wartet: ") + f"{address}: {code or ''} {text}",
            markup=False,
        )
    if summary.unknown:
        out.print(
            "Unknown fate (interrupted; check before resending with --resend-unknown):"
            if en
            else "Verbleib ungewiss (Abbruch während des Versands; vor einem "
            "erneuten Senden mit --resend-unknown bitte prüfen):",
            markup=False,
        )
        for address in summary.unknown:
            out.print(f"  ? {address}", markup=False)
    return EXIT_OK if not summary.failed and not summary.unknown else EXIT_FINDINGS


def _refuse_outdated(outbox: Path, folder: Path, settings: Settings) -> None:
    """BUILD_OUTDATED when the sources changed since outbox/ISSUE/ was built."""
    from newsletter.send.guard import outdated

    try:
        manifest = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NewsletterError("NOT_BUILT", outbox, {"path": str(outbox)}) from None
    changes = outdated(manifest, folder, settings)
    # a photo release withdrawn after the build: the build still shows the photo
    from newsletter.intake.withdrawals import read_withdrawals

    built = {tuple(p) for p in manifest.get("withdrawn") or []}
    for w in read_withdrawals(settings.path(settings.subscribers.database), folder.name):
        if (w.slug, w.photo) not in built:
            changes.append(f"{w.slug}/{w.photo} (Freigabe zurückgezogen / release withdrawn)")
    if changes:
        shown = ", ".join(changes[:8]) + (f" (+{len(changes) - 8})" if len(changes) > 8 else "")
        raise NewsletterError("BUILD_OUTDATED", outbox, {"changes": shown})


def cmd_new(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """`newsletter new ISSUE ORG`: a submission folder with the annotated template."""
    from newsletter.intake.scaffold import SlugError, SubmissionExists, new_submission, propose_slug

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        path = new_submission(args.issue, args.org, settings)
    except SubmissionExists as exc:
        err.print(t("exists", lang, path=exc.path), markup=False)
        return EXIT_USAGE
    except SlugError:
        slug = propose_slug(args.org)
        if slug is None:
            err.print(t("bad_slug", lang, org=args.org), markup=False)
        else:
            issue = shlex.quote(args.issue)
            err.print(t("propose_slug", lang, org=args.org, issue=issue, slug=slug), markup=False)
        return EXIT_USAGE
    out.print(t("created", lang, path=path), markup=False)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
