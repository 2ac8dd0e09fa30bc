"""`newsletter check ISSUE [--json] [--strict]`: every problem of every submission."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from newsletter.cli.command import EXIT_FINDINGS, EXIT_OK, Subparsers, add_command, add_issue
from newsletter.core import lazy
from newsletter.texts.cli import N_, ntr, ptr, status_word, tr

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console
    from rich.table import Table

    from newsletter.core.config import Settings
    from newsletter.core.models import Finding, status_of
else:
    Table = lazy.function("rich.table", "Table")
    status_of = lazy.function("newsletter.core.models", "status_of")

NAME = "check"
STYLE = {"ok": "green", "warning": "yellow", "error": "red"}
_MARK = {"ok": "✓", "warning": "!", "error": "✗"}


def add_parser(subparsers: Subparsers) -> None:
    """`check ISSUE`."""
    p = add_command(subparsers, NAME, help=N_("alle Einreichungen einer Ausgabe prüfen"))
    add_issue(p)
    p.add_argument("--json", action="store_true", help=N_("maschinenlesbar ausgeben"))
    p.add_argument("--strict", action="store_true", help=N_("auch bei Warnungen mit 1 enden"))


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """Check the issue; 1 when there are errors (or, with --strict, any finding)."""
    from newsletter.check.stage import run_check

    report = run_check(args.issue, settings)
    if args.json:
        print(json.dumps(report.as_json(lang), ensure_ascii=False, indent=2))
    else:
        received = report.receipts_shown(ZoneInfo(settings.timezone), lang)
        print_report(report.findings, report.slugs, lang, out, received=received)
    fail = report.has_errors or (args.strict and bool(report.findings))
    return EXIT_FINDINGS if fail else EXIT_OK


def general(lang: str) -> str:
    """What the findings that belong to no submission are listed under."""
    return tr("Ausgabe (issue.toml, Redaktion)", lang)


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

    groups: dict[str | None, list[Finding]] = {None: []} | {s: [] for s in slugs}
    for f in findings:
        groups.setdefault(f.submission, []).append(f)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("")
    table.add_column(ptr("Spalte", "Einreichung", lang), no_wrap=True)
    table.add_column(ptr("Spalte", "Status", lang), no_wrap=True)
    table.add_column(ptr("Spalte", "Fehler", lang), justify="right", no_wrap=True)
    table.add_column(ptr("Spalte", "Warnungen", lang), justify="right", no_wrap=True)
    if received is not None:  # wraps below its source in a narrow terminal
        table.add_column(ptr("Spalte", "Eingang", lang), min_width=16)
    for key, fs in groups.items():
        if key is None and not fs:
            continue
        status = status_of(fs)
        table.add_row(
            f"[{STYLE[status]}]{_MARK[status]}[/]",
            escape(key) if key else general(lang),
            f"[{STYLE[status]}]{status_word(status, lang)}[/]",
            str(sum(f.severity == "error" for f in fs)),
            str(sum(f.severity == "warning" for f in fs)),
            *([escape(received.get(key or "", ""))] if received is not None else []),
        )
    out.print(table)
    severity = {"error": ptr("Befund", "Fehler", lang), "warning": ptr("Befund", "Warnung", lang)}
    for key, fs in groups.items():
        if not fs:
            continue
        out.print(f"\n[bold]{escape(key) if key else general(lang)}[/]")
        for f in sorted(fs, key=lambda f: (f.severity != "error", f.file or "")):
            where = f" {escape(f.file)}" if f.file else ""
            out.print(f"  [{STYLE[f.severity]}]{severity[f.severity]}[/]{where} [dim]({f.code})[/]")
            out.print(f"    {escape(f.message(lang))}")
    out.print()
    out.print(summary(findings, groups, len(slugs), lang))


def summary(
    findings: list[Finding], groups: Mapping[str | None, list[Finding]], n: int, lang: str
) -> str:
    """`3 Einreichungen: 1 in Ordnung, 1 mit Warnungen, 1 mit Fehlern – 2 Fehler, 1 Warnung
    insgesamt.`"""
    counts = {
        s: sum(1 for k, fs in groups.items() if k is not None and status_of(fs) == s)
        for s in ("ok", "warning", "error")
    }
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    return tr(
        "{submissions}: {ok} in Ordnung, {warning} mit Warnungen, {error} mit Fehlern – "
        "{errors}, {warnings} insgesamt.",
        lang,
        submissions=ntr("{n} Einreichung", "{n} Einreichungen", n, lang),
        errors=ntr("{n} Fehler", "{n} Fehler", errors, lang),
        warnings=ntr("{n} Warnung", "{n} Warnungen", warnings, lang),
        **counts,
    )
