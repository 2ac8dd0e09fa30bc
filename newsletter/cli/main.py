"""The `newsletter` command: the list of commands, the parser, and the only place that catches
errors and prints them (each command is a module, see command.py)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from newsletter import __version__
from newsletter.cli.command import EXIT_FINDINGS, EXIT_USAGE, Command
from newsletter.cli.i18n import Parser, argparse_language, early_language, early_option
from newsletter.core import lazy
from newsletter.core.errors import ConfigError, NewsletterError
from newsletter.texts.cli import N_, ntr, tr
from newsletter.texts.messages import render

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console

    from newsletter.core.config import load_settings
else:
    Console = lazy.function("rich.console", "Console")
    load_settings = lazy.function("newsletter.core.config", "load_settings")

log = logging.getLogger(__name__)

# Every command, in the order `newsletter --help` lists them: newsletter/cli/NAME.py.
COMMANDS = (
    "issue",
    "new",
    "check",
    "status",
    "remind",
    "feedback",
    "build",
    "preview",
    "send",
    "publish",
    "withdraw",
    "subscribers",
    "organisations",
    "serve",
    "mailbox",
)
# NewsletterErrors that report findings of the check (exit 1), not a usage problem (exit 2).
FINDING_CODES = frozenset({"BUILD_REFUSED", "BUILD_FATAL"})


def command(name: str) -> Command:
    """The module of command `name`."""
    return cast(Command, importlib.import_module(f"newsletter.cli.{name}"))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: one subcommand per thing the editor does; with `only`, just that
    one (what `newsletter check …` parses needs no other command's module)."""
    p = Parser(
        prog="newsletter",
        description=N_("Newsletter aus den Selbstdarstellungen der Netzwerk-Organisationen."),
    )
    p.add_argument("--version", action="version", version=f"newsletter {__version__}")
    p.add_argument(
        "--config",
        type=Path,
        metavar=N_("DATEI"),
        help=N_("newsletter.toml (Standard: im aktuellen Ordner)"),
    )
    p.add_argument("--lang", choices=("de", "en"), help=N_("Sprache der Meldungen: de oder en"))
    p.add_argument("-v", "--verbose", action="store_true", help=N_("mehr Protokoll"))
    sub = p.add_subparsers(dest="command", required=True, metavar=N_("BEFEHL"))
    for name in COMMANDS if only is None else (only,):
        command(name).add_parser(sub)
    return p


def named_command(argv: Sequence[str] | None) -> str | None:
    """The command argv names, when nothing before it could be anything else: only the
    options --config FILE, --lang LANG and -v/--verbose, written in full. None otherwise (no
    command, --help, --version, an abbreviated or unknown option or command): then the parser
    knows every command, so that help and errors read as always."""
    args = list(sys.argv[1:] if argv is None else argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("--config", "--lang"):
            i += 2
        elif arg.startswith(("--config=", "--lang=")) or arg in ("-v", "--verbose"):
            i += 1
        else:
            return arg if arg in COMMANDS else None
    return None


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
        args = build_parser(only=named_command(argv)).parse_args(argv)
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
        return int(command(args.command).run(args, settings, lang, out))
    except (NewsletterError, OSError, KeyboardInterrupt) as exc:
        return failure(exc, lang, err)


def failure(exc: NewsletterError | OSError | KeyboardInterrupt, lang: str, err: Console) -> int:
    """Say what went wrong and what to do; the exit code."""
    if isinstance(exc, ConfigError):
        head = ntr(
            "Die Einstellungen in {path} enthalten {n} Fehler:",
            "Die Einstellungen in {path} enthalten {n} Fehler:",
            len(exc.problems),
            lang,
            path=exc.path,
        )
        err.print(head)
        for (key, msg), msg_en in zip(exc.problems, exc.english, strict=True):
            where = key or tr("(Datei)", lang)
            err.print(f"  {where}: {msg_en if lang == 'en' else msg}", markup=False)
        return EXIT_USAGE
    if isinstance(exc, NewsletterError):
        err.print(render(exc.code, lang, exc.params), markup=False)
        # a build refused because of the check's findings fails like `check` does
        return EXIT_FINDINGS if exc.code in FINDING_CODES else EXIT_USAGE
    if isinstance(exc, BrokenPipeError):  # `newsletter … | head`: the reader left; say no more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports it
    if isinstance(exc, OSError):  # a folder that cannot be written, a disk that is full, ...
        text = tr(
            "{path} lässt sich nicht lesen oder schreiben ({detail}). Bitte Zugriffsrechte und "
            "freien Speicherplatz prüfen.",
            lang,
            path=exc.filename or "",
            detail=exc.strerror or exc,
        )
        err.print(text)
        return EXIT_USAGE
    text = tr(
        "Abgebrochen. Nichts ist halb geschrieben: Fertiges bleibt, der Rest fehlt. Den Befehl "
        "einfach noch einmal aufrufen; er macht dort weiter.",
        lang,
    )
    err.print(text, markup=False)
    return 130


if __name__ == "__main__":
    sys.exit(main())
