"""`newsletter new ISSUE ORG`: a submission folder with the annotated template."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from newsletter.cli.command import EXIT_OK, Subparsers, add_command, add_issue
from newsletter.texts.cli import N_, tr

if TYPE_CHECKING:
    from rich.console import Console

    from newsletter.core.config import Settings

NAME = "new"


def add_parser(subparsers: Subparsers) -> None:
    """`new ISSUE ORG`."""
    p = add_command(
        subparsers, NAME, help=N_("Ordner mit ausgefüllter Vorlage für eine Organisation")
    )
    add_issue(p)
    p.add_argument(
        "org",
        metavar=N_("ORGANISATION"),
        help=N_("Ordnername der Organisation, z. B. lernimpuls-witten"),
    )


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """Create ISSUE/ORG/submission.md; a bad name or an existing folder is a NewsletterError."""
    from newsletter.intake.scaffold import new_submission

    path = new_submission(args.issue, args.org, settings)
    out.print(
        tr(
            "Angelegt: {path}\nBitte die Datei ausfüllen und die Fotos daneben legen.",
            lang,
            path=path,
        ),
        markup=False,
    )
    return EXIT_OK
