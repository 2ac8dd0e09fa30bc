"""`newsletter feedback ISSUE`: each organisation gets the check result of its submission."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from newsletter.cli.command import Subparsers
from newsletter.cli.remind import add_mail_parser, mail_organisations
from newsletter.texts.cli import N_

if TYPE_CHECKING:
    from rich.console import Console

    from newsletter.core.config import Settings

NAME = "feedback"


def add_parser(subparsers: Subparsers) -> None:
    """`feedback ISSUE`."""
    help_ = N_("jeder Organisation das Prüfergebnis ihres Beitrags schicken")
    add_mail_parser(subparsers, NAME, help_)


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """Send each organisation its check result; 1 when a mail failed."""
    return mail_organisations("feedback", args, settings, lang, out)
