"""`newsletter build ISSUE [--force] [--print-shop]`: everything a reader receives."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, NamedTuple

from newsletter.cli.check import general
from newsletter.cli.command import EXIT_FINDINGS, EXIT_OK, Subparsers, add_command, add_issue
from newsletter.core import lazy
from newsletter.texts.cli import N_, tr

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console

    from newsletter.core.config import Settings
    from newsletter.output.manifest import Manifest
else:
    Console = lazy.function("rich.console", "Console")

NAME = "build"


def add_parser(subparsers: Subparsers) -> None:
    """`build ISSUE`."""
    p = add_command(subparsers, NAME, help=N_("E-Mail, Textfassung, Web-Version und PDF bauen"))
    add_issue(p)
    p.add_argument(
        "--force",
        action="store_true",
        help=N_("fehlerhafte Einreichungen weglassen statt abzubrechen"),
    )
    p.add_argument(
        "--print-shop",
        action="store_true",
        help=N_(
            "zusätzlich die Druckerei-Fassung: PDF/X-4, 3 mm Beschnitt, Schnittmarken, FOGRA39"
        ),
    )


class Built(NamedTuple):
    """What the summary shows of the build's manifest."""

    html_bytes: int  # as sent (after inlining)
    limit_bytes: int
    shortened: bool
    frames: list[str]  # the languages of the email's frame besides German


def built(manifest: Manifest) -> Built:
    """The figures of the summary, read from the build's manifest (in one place)."""
    email = manifest.email
    return Built(
        html_bytes=email.html_bytes_sent,
        limit_bytes=email.limit_bytes,
        shortened=email.shortened,
        frames=[lang for lang in manifest.frames if lang != "de"],
    )


def decimal(value: float, lang: str, places: int = 1) -> str:
    """1.5 as "1,5" in German, "1.5" in English."""
    text = f"{value:.{places}f}"
    return text if lang == "en" else text.replace(".", ",")


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """Build into outbox/ISSUE/; 1 when the build found errors of its own (the picture budget)."""
    from newsletter.cli.progress import StageProgress
    from newsletter.output.build import build_issue

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
            tr("Weggelassen (Fehler): {names}", lang, names=", ".join(result.left_out)),
            markup=False,
        )
    for f in result.photos_left_out:  # named, so nobody wonders where the photo went
        out.print(f"  {f.submission}: {f.message(lang)}", markup=False)
    for f in result.image_findings:
        where = "/".join(p for p in (f.submission, f.file) if p) or general(lang)
        out.print(f"  {where}: {f.message(lang)}", markup=False)
    figures = built(result.manifest)
    seconds = decimal(result.seconds, lang)
    built_line = tr("Gebaut: {path}  ({seconds} s)", lang, path=result.outbox, seconds=seconds)
    out.print(built_line, markup=False)
    names = ["email.html", "email.txt", "web/index.html", "newsletter.pdf", "manifest.json"]
    if args.print_shop:
        from newsletter.output.pdf import PRINT_SHOP_PDF

        names.insert(4, PRINT_SHOP_PDF)
    for name in names:
        out.print(f"  {result.outbox / name}", markup=False)
    if figures.frames:  # the email with its own words in the subscribers' languages
        text = tr(
            "  E-Mail-Rahmen auch auf: {languages} (email.SPRACHE.html/.txt)",
            lang,
            languages=", ".join(figures.frames),
        )
        out.print(text, markup=False)
    size = tr(
        "  HTML: {kb} KB wie versandt / {limit} KB",
        lang,
        kb=decimal(figures.html_bytes / 1000, lang),
        limit=decimal(figures.limit_bytes / 1000, lang, 0),
    )
    out.print(size + (tr(" (Texte gekürzt)", lang) if figures.shortened else ""), markup=False)
    # the build's own errors (e.g. the picture budget) are findings too: exit 1, like check
    return EXIT_FINDINGS if any(f.severity == "error" for f in result.image_findings) else EXIT_OK
