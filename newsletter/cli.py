"""The `newsletter` command: thin; the only place that catches errors and prints them."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from newsletter import __version__
from newsletter.config import Settings, load_settings
from newsletter.errors import ConfigError, NewsletterError
from newsletter.messages import render
from newsletter.models import Finding, status_of

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

_T = {
    "status": {
        "ok": ("in Ordnung", "ok"),
        "warning": ("Warnungen", "warnings"),
        "error": ("Fehler", "errors"),
    },
    "issue": ("Ausgabe", "Issue"),
    "summary": (
        "{n} Einreichungen: {ok} in Ordnung, {warning} mit Warnungen, {error} mit Fehlern "
        "– {errors} Fehler, {warnings} Warnungen insgesamt.",
        "{n} submissions: {ok} ok, {warning} with warnings, {error} with errors "
        "– {errors} errors, {warnings} warnings in all.",
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
    "config": (
        "Die Einstellungen in {path} enthalten {n} Fehler:",
        "The settings in {path} have {n} problems:",
    ),
    "bad_slug": (
        "„{org}“ ist kein guter Ordnername: bitte nur Kleinbuchstaben, Ziffern und "
        "Bindestriche, z. B. lernimpuls-witten.",
        "'{org}' is not a good folder name: use lower-case letters, digits and hyphens, "
        "e.g. lernimpuls-witten.",
    ),
}


def t(key: str, lang: str, **kw: Any) -> str:
    """A CLI text in the chosen language."""
    de, en = _T[key]
    return (en if lang == "en" else de).format(**kw)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: one subcommand per thing the editor does."""
    p = argparse.ArgumentParser(
        prog="newsletter",
        description="Newsletter aus den Selbstdarstellungen der Netzwerk-Organisationen.",
    )
    p.add_argument("--version", action="version", version=f"newsletter {__version__}")
    p.add_argument("--config", type=Path, help="newsletter.toml (Standard: im aktuellen Ordner)")
    p.add_argument("--lang", choices=("de", "en"), help="Sprache der Meldungen / language")
    p.add_argument("-v", "--verbose", action="store_true", help="mehr Protokoll")
    sub = p.add_subparsers(dest="command", required=True, metavar="BEFEHL")

    c = sub.add_parser("check", help="alle Einreichungen einer Ausgabe prüfen")
    c.add_argument("issue", help="Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner")
    c.add_argument("--json", action="store_true", help="maschinenlesbar ausgeben")
    c.add_argument("--strict", action="store_true", help="auch bei Warnungen mit 1 enden")
    c.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)

    n = sub.add_parser("new", help="Ordner mit ausgefüllter Vorlage für eine Organisation")
    n.add_argument("issue", help="Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner")
    n.add_argument("org", help="Ordnername der Organisation, z. B. lernimpuls-witten")
    n.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    lang: str = getattr(args, "sub_lang", None) or args.lang or "de"
    try:
        settings = load_settings(config_file=args.config)
        lang = getattr(args, "sub_lang", None) or args.lang or settings.lang
        if args.command == "check":
            return cmd_check(args, settings, lang, out)
        if args.command == "new":
            return cmd_new(args, settings, lang, out)
    except ConfigError as exc:
        err.print(t("config", lang, path=exc.path, n=len(exc.problems)))
        for key, msg in exc.problems:
            err.print(f"  {key or '(Datei)'}: {msg}", markup=False)
        return EXIT_USAGE
    except NewsletterError as exc:
        err.print(render(exc.code, lang, exc.params), markup=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    raise AssertionError(args.command)


def cmd_check(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """`newsletter check ISSUE`: every problem of every submission."""
    from newsletter.check import run_check

    report = run_check(args.issue, settings)
    if args.json:
        print(json.dumps(report.as_json(lang), ensure_ascii=False, indent=2))
    else:
        print_report(report.findings, report.slugs, lang, out)
    fail = report.has_errors or (args.strict and bool(report.findings))
    return EXIT_FINDINGS if fail else EXIT_OK


_STYLE = {"ok": "green", "warning": "yellow", "error": "red"}
_MARK = {"ok": "✓", "warning": "!", "error": "✗"}


def print_report(findings: list[Finding], slugs: list[str], lang: str, out: Console) -> None:
    """A status table (one row per submission), the problems per submission, a summary."""
    from rich.markup import escape

    en = lang == "en"
    groups: dict[str | None, list[Finding]] = {None: []} | {s: [] for s in slugs}
    for f in findings:
        groups.setdefault(f.submission, []).append(f)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("")
    table.add_column("Submission" if en else "Einreichung", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Errors" if en else "Fehler", justify="right")
    table.add_column("Warnings" if en else "Warnungen", justify="right")
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
    de, en = _T["status"][status]  # type: ignore[index]
    return f"[{_STYLE[status]}]{en if lang == 'en' else de}[/]"


def cmd_new(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """`newsletter new ISSUE ORG`: a submission folder with the annotated template."""
    from newsletter.scaffold import SlugError, SubmissionExists, new_submission

    try:
        path = new_submission(args.issue, args.org, settings)
    except SubmissionExists as exc:
        out.print(t("exists", lang, path=exc.path), markup=False)
        return EXIT_USAGE
    except SlugError:
        out.print(t("bad_slug", lang, org=args.org), markup=False)
        return EXIT_USAGE
    out.print(t("created", lang, path=path), markup=False)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
