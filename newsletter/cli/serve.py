"""`newsletter serve [--host H] [--port N]`: the sign-up service (webapp.py) on waitress.

waitress (webapp_server.py) with [serve]'s limits, behind the city's web server (which
terminates TLS and forwards to 127.0.0.1); any WSGI server can host
`newsletter.web.app:create_app()` instead. Ctrl+C or SIGTERM stop it cleanly: requests being
answered finish and queued confirmation mails are sent first.
"""

from __future__ import annotations

import argparse
import errno
import signal
import sqlite3
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newsletter.cli.command import Subparsers, add_command
from newsletter.core import lazy
from newsletter.core.errors import NewsletterError
from newsletter.core.net import is_loopback
from newsletter.texts.cli import N_, say

if TYPE_CHECKING:  # imported when used: `newsletter --help` loads none of it
    from rich.console import Console

    from newsletter.core.config import ServeSettings, Settings
    from newsletter.store import subscribers as store
    from newsletter.web import signup
else:
    signup = lazy.module("newsletter.web.signup")
    store = lazy.module("newsletter.store.subscribers")

EXIT_OK = 0

_T: dict[str, str] = {
    "running": N_(
        "Anmeldedienst läuft auf http://{host}:{port}/ – öffentlich erreichbar "
        "als {base_url}. Beenden mit Strg+C."
    ),
    "pages": N_(
        "Anmeldung: {base}/   Abmelden: {base}/unsubscribe/TOKEN   "
        "Einstellungen: {base}/preferences/TOKEN"
    ),
    "public_host": N_(
        "Achtung: {host} ist von außen erreichbar. Der Dienst spricht kein TLS "
        "und ist für den Betrieb hinter dem Webserver der Stadt gedacht (TLS "
        "dort); bitte nur so betreiben."
    ),
    "url_mismatch": N_(
        "Achtung: sender.unsubscribe_url ({url}) zeigt nicht auf diesen Dienst "
        "({expected}). Abmeldelinks in Newslettern kämen dann nicht hier an."
    ),
    "stopped": N_("Anmeldedienst beendet."),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    """A text of this command in the chosen language."""
    return say(_T[key], lang, **kw)


NAME = "serve"


def add_parser(subparsers: Subparsers) -> None:
    """Add `serve` to the `newsletter` command."""
    p = add_command(
        subparsers,
        NAME,
        help=N_("Anmelde-, Bestätigungs- und Abmeldeseiten bereitstellen (Webdienst)"),
        description=N_(
            "Startet den Webdienst für Abonnentinnen und Abonnenten: Anmeldung mit "
            "Bestätigungsmail (Double-Opt-in), Abmelden mit einem Klick, Sprache oder Adresse "
            "ändern. Er lauscht auf 127.0.0.1; der Webserver der Stadt leitet die öffentliche "
            "Adresse ([serve] base_url) hierher weiter. Beenden mit Strg+C."
        ),
    )
    p.add_argument("--host", help=N_("Adresse, auf der gelauscht wird (Standard: [serve] host)"))
    p.add_argument("--port", type=int, help=N_("Port (Standard: [serve] port; 0 = ein freier)"))


def url_problem(settings: Settings, serve: ServeSettings) -> str | None:
    """The unsubscribe URL newsletters carry, if it does not lead to this service."""
    expected = serve.base_url.rstrip("/") + "/unsubscribe/{token}"
    actual = settings.sender.unsubscribe_url
    return None if actual == expected else expected


def run(args: argparse.Namespace, settings: Settings, lang: str, out: Console) -> int:
    """Serve until Ctrl+C; NewsletterError when the store or the port cannot be used."""
    from newsletter.web.app import App
    from newsletter.web.server import make_wsgi_server

    serve = signup.serve_settings(settings)
    host = args.host or serve.host
    port = serve.port if args.port is None else args.port
    if not 0 <= port <= 65535 or not urlsplit(serve.base_url).scheme.startswith("http"):
        raise NewsletterError("SERVE_SETTINGS_INVALID", None, {"port": port, "url": serve.base_url})
    db = settings.path(settings.subscribers.database)
    try:
        with store.open_store(db) as conn:
            signup.form_secret(conn)  # the store has the sign-up tables
    except sqlite3.Error as exc:
        raise NewsletterError("SUBSCRIBERS_DB_ERROR", db, {"path": db, "detail": exc}) from None
    if not is_loopback(host):
        out.print(_t("public_host", lang, host=host), markup=False)
    if (expected := url_problem(settings, serve)) is not None:
        url = settings.sender.unsubscribe_url
        out.print(_t("url_mismatch", lang, url=url, expected=expected), markup=False)
    app = App(settings, serve)
    try:
        server = make_wsgi_server(app, host, port, serve)
    except OSError as exc:
        code = "SERVE_PORT_IN_USE" if exc.errno == errno.EADDRINUSE else "SERVE_LISTEN_FAILED"
        raise NewsletterError(code, None, {"host": host, "port": port, "detail": exc}) from None
    bound = server.server_address[1]
    out.print(_t("running", lang, host=host, port=bound, base_url=serve.base_url), markup=False)
    out.print(_t("pages", lang, base=serve.base_url.rstrip("/")), markup=False)
    previous = None
    if threading.current_thread() is threading.main_thread():  # `kill`: stop cleanly too
        previous = signal.signal(signal.SIGTERM, lambda *_: server.request_stop(wake=False))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    out.print(_t("stopped", lang), markup=False)
    return EXIT_OK
