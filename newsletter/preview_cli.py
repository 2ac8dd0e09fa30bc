"""`newsletter preview ISSUE [--port N] [--open] [--host 127.0.0.1]`: the command around preview.py.

cli.py adds it with `add_parser(sub)` and calls `run(args, settings, lang, out)`; it also runs
alone: `python -m newsletter.preview_cli ISSUE`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import webbrowser
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from newsletter.config import Settings, load_settings

LOOPBACK = ("127.0.0.1", "localhost")


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
    from newsletter.intake import resolve_issue
    from newsletter.preview import Preview

    if args.host not in LOOPBACK:
        out.print(
            f"Die Vorschau läuft nur auf diesem Rechner (127.0.0.1), nicht auf {args.host}: "
            "Sie zeigt Kontaktdaten und unveröffentlichte Fotos.",
            markup=False,
        )
        return 2
    if args.port is None:
        args.port = settings.preview.port
    if not 0 <= args.port <= 65535:
        out.print(f"Der Port {args.port} ist ungültig (0 bis 65535).", markup=False)
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
        out.print(f"Die Vorschau kann Port {args.port} nicht öffnen: {exc.strerror}", markup=False)
        return 2
    preview.start()
    if preview.port != args.port and args.port != 0:
        out.print(f"Port {args.port} ist belegt; die Vorschau nutzt Port {preview.port}.")
    out.print(f"Vorschau: {preview.url}", markup=False)
    out.print("Sie aktualisiert sich bei jeder gespeicherten Änderung. Beenden mit Strg+C.")
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
    out.print("Vorschau beendet.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m newsletter.preview_cli ISSUE …` without cli.py."""
    import logging

    from rich.console import Console

    from newsletter.errors import ConfigError, NewsletterError
    from newsletter.messages import render

    single = _Single()
    add_parser(single)
    parser = single.parser
    parser.add_argument(
        "--config", type=Path, help="newsletter.toml (Standard: im aktuellen Ordner)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out = Console(highlight=False, soft_wrap=True)
    try:
        settings = load_settings(config_file=args.config)
    except ConfigError as exc:
        out.print(f"Die Einstellungen in {exc.path} enthalten {len(exc.problems)} Fehler:")
        for key, msg in exc.problems:
            out.print(f"  {key or '(Datei)'}: {msg}", markup=False)
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
        self.parser = argparse.ArgumentParser(prog="python -m newsletter.preview_cli", **kwargs)
        return self.parser


if __name__ == "__main__":
    sys.exit(main())
