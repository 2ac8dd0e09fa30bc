"""What every command module has, and the small helpers they share.

A command is a module in newsletter/cli/ listed in `main.COMMANDS`, with

    NAME = "check"                                   # the word after `newsletter`
    def add_parser(subparsers: Subparsers) -> None: ...
    def run(args, settings, lang, out) -> int: ...   # the exit code

`run` raises a NewsletterError for anything the user can fix; it never prints an error itself
(main.py does). Help texts are German, marked with N_(); their English is in cli.po.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Protocol

from newsletter.texts.cli import N_

if TYPE_CHECKING:
    from rich.console import Console

    from newsletter.core.config import Settings

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subparsers = argparse._SubParsersAction

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
ISSUE_HELP = N_("Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner")


class Command(Protocol):
    """The interface of a command module (checked by mypy where main.py loads one)."""

    NAME: str

    def add_parser(self, subparsers: Subparsers) -> None: ...

    def run(self, args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int: ...


def add_command(
    subparsers: Subparsers, name: str, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    """The command's parser, with the hidden `--lang` that may also follow the command."""
    p = subparsers.add_parser(name, help=help, description=description)
    p.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)
    return p


def add_issue(p: argparse.ArgumentParser) -> None:
    """The ISSUE argument most commands take."""
    p.add_argument("issue", metavar=N_("AUSGABE"), help=ISSUE_HELP)


def confirm(question: str) -> bool:
    """Ask at a terminal; yes only for j/ja/y/yes (never without a terminal)."""
    if not sys.stdin.isatty():
        return False
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("j", "ja", "y", "yes")
