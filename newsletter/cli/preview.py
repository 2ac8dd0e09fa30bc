"""`newsletter preview ISSUE [--port N] [--open] [--host 127.0.0.1]`: the preview in the browser."""

from __future__ import annotations

import argparse
import signal
import threading
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsletter.cli.command import Subparsers, add_command, add_issue
from newsletter.core import lazy
from newsletter.core.errors import NewsletterError
from newsletter.core.net import is_loopback
from newsletter.texts.cli import N_, tr

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from newsletter.core.config import Settings, load_settings
else:
    load_settings = lazy.function("newsletter.core.config", "load_settings")

NAME = "preview"


def add_parser(subparsers: Subparsers) -> None:
    """`preview ISSUE`."""
    p = add_command(
        subparsers,
        NAME,
        help=N_("Vorschau im Browser: E-Mail, PDF und Prüfbericht, aktualisiert sich selbst"),
        description=N_(
            "Baut die Ausgabe für die Vorschau (outbox/ bleibt unverändert) und zeigt "
            "sie auf einer Seite unter http://127.0.0.1. Jede gespeicherte Änderung an der "
            "Ausgabe, an templates/ oder an newsletter.toml erscheint nach kurzer Zeit von selbst. "
            "Beenden mit Strg+C."
        ),
    )
    add_issue(p)
    p.add_argument(
        "--port",
        type=int,
        default=None,
        help=N_(
            "Port (Standard: [preview] port in newsletter.toml, 8765; ist er belegt, wird ein "
            "freier gewählt)"
        ),
    )
    p.add_argument("--open", action="store_true", help=N_("die Seite im Browser öffnen"))
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help=N_("nur 127.0.0.1 (Standard): die Vorschau ist nur auf diesem Rechner erreichbar"),
    )


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Any) -> int:
    """Serve the preview until Ctrl+C; PREVIEW_HOST_REFUSED, PREVIEW_PORT_* when it cannot."""
    from newsletter.intake.reader import resolve_issue
    from newsletter.preview.server import Preview

    if not is_loopback(args.host):
        raise NewsletterError("PREVIEW_HOST_REFUSED", None, {"host": args.host})
    if args.port is None:
        args.port = settings.preview.port
    if not 0 <= args.port <= 65535:
        raise NewsletterError("PREVIEW_PORT_INVALID", None, {"port": args.port})
    resolve_issue(args.issue, settings)  # a wrong name: the caller prints the message
    config: Path | None = getattr(args, "config", None)

    def reload() -> Settings:
        return load_settings(root=settings.root, config_file=config)

    preview = Preview(
        args.issue, settings, port=args.port, reload_settings=reload, config_file=config, lang=lang
    )
    preview.start()
    if preview.port != args.port and args.port != 0:
        text = tr(
            "Port {port} ist belegt; die Vorschau nutzt Port {used}.",
            lang,
            port=args.port,
            used=preview.port,
        )
        out.print(text, markup=False)
    out.print(tr("Vorschau: {url}", lang, url=preview.url), markup=False)
    text = tr("Sie aktualisiert sich bei jeder gespeicherten Änderung. Beenden mit Strg+C.", lang)
    out.print(text, markup=False)
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
    out.print(tr("Vorschau beendet.", lang), markup=False)
    return 0
