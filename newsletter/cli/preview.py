"""`newsletter preview ISSUE [--port N] [--open] [--host 127.0.0.1]`: the command around preview.py.

cli.py adds it with `add_parser(sub)` and calls `run(args, settings, lang, out)`; it also runs
alone: `python -m newsletter.cli.preview ISSUE`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import webbrowser
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsletter.core import lazy
from newsletter.core.net import is_loopback

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from newsletter.core.config import Settings, load_settings
else:
    load_settings = lazy.function("newsletter.core.config", "load_settings")


_T: dict[str, tuple[str, str]] = {
    "host": (
        "Die Vorschau läuft nur auf diesem Rechner (127.0.0.1), nicht auf {host}: Sie zeigt "
        "Kontaktdaten und unveröffentlichte Fotos.",
        "The preview runs on this machine only (127.0.0.1), not on {host}: it shows contact "
        "details and unpublished photos.",
    ),
    "port": (
        "Der Port {port} ist ungültig (0 bis 65535).",
        "Port {port} is invalid (0 to 65535).",
    ),
    "cannot_open": (
        "Die Vorschau kann Port {port} nicht öffnen: {detail}",
        "The preview cannot open port {port}: {detail}",
    ),
    "port_taken": (
        "Port {port} ist belegt; die Vorschau nutzt Port {used}.",
        "Port {port} is in use; the preview uses port {used}.",
    ),
    "url": ("Vorschau: {url}", "Preview: {url}"),
    "running": (
        "Sie aktualisiert sich bei jeder gespeicherten Änderung. Beenden mit Strg+C.",
        "It updates itself with every saved change. Stop with Ctrl+C.",
    ),
    "stopped": ("Vorschau beendet.", "Preview stopped."),
    "config": (
        "Die Einstellungen in {path} enthalten {n} Fehler:",
        "The settings in {path} have {n} {n:problem|problems}:",
    ),
}


def t(key: str, lang: str, **kw: Any) -> str:
    """A text of this command in the chosen language."""
    from newsletter.cli.i18n import fmt

    de, en = _T[key]
    return fmt(en if lang == "en" else de, **kw)


COMMAND = "preview"
ISSUE_HELP = "Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner"


def add_parser(sub: Any) -> None:
    """Add `preview` to the subcommands (German help)."""

    p = sub.add_parser(
        COMMAND,
        help="Vorschau im Browser: E-Mail, PDF und Prüfbericht, aktualisiert sich selbst",
        description="Baut die Ausgabe für die Vorschau (outbox/ bleibt unverändert) und zeigt "
        "sie auf einer Seite unter http://127.0.0.1. Jede gespeicherte Änderung an der Ausgabe, "
        "an templates/ oder an newsletter.toml erscheint nach kurzer Zeit von selbst. "
        "Beenden mit Strg+C.",
    )
    p.add_argument(
        "issue",
        metavar="AUSGABE",
        help="Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner",
    )
    p.add_argument(
        "--port",
        type=int,
        default=None,
        help="Port (Standard: [preview] port in newsletter.toml, 8765; ist er belegt, wird ein "
        "freier gewählt)",
    )
    p.add_argument("--open", action="store_true", help="die Seite im Browser öffnen")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="nur 127.0.0.1 (Standard): die Vorschau ist nur auf diesem Rechner erreichbar",
    )
    p.add_argument("--lang", choices=("de", "en"), dest="sub_lang", help=argparse.SUPPRESS)


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Any) -> int:
    """Serve the preview until Ctrl+C; 0 when stopped, 2 for a refused host or port."""
    from newsletter.intake.reader import resolve_issue
    from newsletter.preview.server import Preview

    if not is_loopback(args.host):
        out.print(t("host", lang, host=args.host), markup=False)
        return 2
    if args.port is None:
        args.port = settings.preview.port
    if not 0 <= args.port <= 65535:
        out.print(t("port", lang, port=args.port), markup=False)
        return 2
    resolve_issue(args.issue, settings)  # a wrong name: the caller prints the message
    config: Path | None = getattr(args, "config", None)

    def reload() -> Settings:
        return load_settings(root=settings.root, config_file=config)

    try:
        preview = Preview(
            args.issue,
            settings,
            port=args.port,
            reload_settings=reload,
            config_file=config,
            lang=lang,
        )
    except OSError as exc:
        out.print(t("cannot_open", lang, port=args.port, detail=exc.strerror), markup=False)
        return 2
    preview.start()
    if preview.port != args.port and args.port != 0:
        out.print(t("port_taken", lang, port=args.port, used=preview.port), markup=False)
    out.print(t("url", lang, url=preview.url), markup=False)
    out.print(t("running", lang), markup=False)
    if args.open:
        webbrowser.open(preview.url)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())  # `kill`: close cleanly too
    try:
        while not stop.wait(0.5):  # until Ctrl+C
            pass
    except KeyboardInterrupt:
        pass
    finally:
        preview.close()
        signal.signal(signal.SIGTERM, previous)
    out.print(t("stopped", lang), markup=False)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m newsletter.cli.preview ISSUE …` without cli.py."""
    import logging

    from rich.console import Console

    from newsletter.cli.i18n import argparse_language, early_language
    from newsletter.core.errors import ConfigError, NewsletterError
    from newsletter.texts.messages import render

    with argparse_language(early_language(argv) or "de"):
        single = _Single()
        add_parser(single)
        parser = single.parser
        parser.add_argument(
            "--config",
            type=Path,
            metavar="DATEI",
            help="newsletter.toml (Standard: im aktuellen Ordner)",
        )
        args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out = Console(highlight=False, soft_wrap=True)
    try:
        settings = load_settings(config_file=args.config)
    except ConfigError as exc:
        lang = args.sub_lang or "de"
        out.print(t("config", lang, path=exc.path, n=len(exc.problems)), markup=False)
        for (key, msg), msg_en in zip(exc.problems, exc.english, strict=True):
            where = key or ("(file)" if lang == "en" else "(Datei)")
            out.print(f"  {where}: {msg_en if lang == 'en' else msg}", markup=False)
        return 2
    lang = args.sub_lang or settings.lang
    try:
        return run(args, settings, lang, out)
    except NewsletterError as exc:
        out.print(render(exc.code, lang, exc.params), markup=False)
        return 2


class _Single:
    """Stands in for argparse's subparsers: `add_parser` makes the one parser."""

    parser: argparse.ArgumentParser

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs.pop("help", None)
        from newsletter.cli.i18n import Parser

        self.parser = Parser(prog="python -m newsletter.cli.preview", **kwargs)
        return self.parser


if __name__ == "__main__":
    sys.exit(main())
