"""`newsletter preview`: the editor's page on 127.0.0.1, with live reload (standard library only).

Routes (German words, like the page's first language; a URL is not translated):

    /                 the page (templates/preview.html.j2)
    /teil/pdf         the PDF panel alone (replaced in place when a new PDF is ready)
    /ereignisse       Server-Sent Events: the state changed (page reloads, PDF panel refreshes)
    /zustand          the state as JSON (for scripts and the benchmark)
    /vorschau.js      the page's script (templates/preview.js)
    /ausgabe/…        the preview's build; email.html takes ?dunkel=1&ohne-bilder=1&ohne-stil=1
    /pdf/newsletter.pdf   the PDF (?herunterladen=1: as a download)
    /quelle/…         the originals of the pictures the build used (side-by-side comparison)
    POST /testmail    one test mail through newsletter.send.deliver.send_test

Only files inside the preview's build and the issue folder are served: every path is resolved
(symlinks included) and must stay inside its folder, or the answer is 404. The server binds
127.0.0.1 only, answers only requests addressed to it by that name (no DNS rebinding), and the
one request that does something (the test mail) needs the page's token, so another website open
in the same browser cannot trigger it. No other site may frame the page (every answer carries
`frame-ancestors 'self'` and X-Frame-Options SAMEORIGIN; the page's own frames are same-origin),
and a request whose body is not read in `REQUEST_SECONDS` or whose Content-Length is not a
plain number is dropped or answered 400: no thread waits for a client forever.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import json
import logging
import mimetypes
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import jinja2

from newsletter.core.config import CONFIG_FILE, Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.resources import editor_templates, find_template
from newsletter.intake.reader import resolve_issue
from newsletter.preview.engine import Rebuilder, Snapshot
from newsletter.preview.page import Variant, page_context, page_environment, status_line
from newsletter.preview.watch import watch
from newsletter.texts.cli import N_, tr
from newsletter.texts.messages import render

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
NOT_SET_UP = N_("Versand ist noch nicht eingerichtet.")
NOT_FOUND = N_("Nicht gefunden.")
ONLY_HERE = N_("Nur über http://127.0.0.1 erreichbar.")
CONTENT_CSP = "script-src 'none'; object-src 'none'"  # submitted files never run code here
FRAMING_CSP = "frame-ancestors 'self'"  # on every answer, beside its own policy
REQUEST_SECONDS = 30  # a client that sends nothing for this long is dropped
MAX_FORM = 10_000  # bytes of the test mail's form
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-src 'self'; object-src 'self'; base-uri 'none'"
)


class Preview:
    """One issue's preview: rebuilder, watcher and HTTP server, started and stopped together."""

    def __init__(
        self,
        issue_arg: str,
        settings: Settings,
        *,
        port: int = DEFAULT_PORT,
        reload_settings: Callable[[], Settings] | None = None,
        config_file: Path | None = None,
        lang: str = "de",
        poll: float = 0.1,
        settle: float = 0.3,
    ) -> None:
        self.issue_arg = issue_arg
        self.lang = lang
        self.token = secrets.token_urlsafe(24)
        preview_root = settings.path(settings.cache_dir).resolve() / "preview"
        self.rebuilder = Rebuilder(
            issue_arg, settings, preview_root, reload_settings=reload_settings, lang=lang
        )
        self.config_file = config_file or settings.root / CONFIG_FILE
        self.poll, self.settle = poll, settle
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.httpd = _bind(port)
        self.httpd.preview = self
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://{HOST}:{self.port}/"

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> Preview:
        """Serve, watch, and start the first build."""
        self.rebuilder.request()
        for name, target in (
            ("preview-http", self.httpd.serve_forever),
            ("preview-build", lambda: self.rebuilder.run_builds(self._stop)),
            ("preview-pdf", lambda: self.rebuilder.run_pdfs(self._stop)),
            ("preview-watch", self._watch),
        ):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def close(self) -> None:
        """Stop everything (the PDF process included) and free the port."""
        self._stop.set()
        self.rebuilder.wake_all()
        if self._threads:  # shutdown() would wait forever for a server never started
            self.httpd.shutdown()
        self.httpd.server_close()
        for t in self._threads:
            t.join(10)

    def __enter__(self) -> Preview:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_until_built(self, timeout: float) -> Snapshot:
        """Wait until the first build finished (or failed); the snapshot then."""
        end = time.monotonic() + timeout
        snap = self.rebuilder.snapshot()
        while (snap.page == 0 or snap.building) and time.monotonic() < end:
            snap = self.rebuilder.wait_for_change(snap.seq, min(0.5, end - time.monotonic()))
        return snap

    def _watch(self) -> None:
        watch(self.watched, self.rebuilder.request, self._stop, poll=self.poll, settle=self.settle)

    def watched(self) -> list[Path]:
        """The issue folder, the templates and the config file."""
        settings = self.rebuilder.settings
        return [self.issue_folder(), editor_templates(settings), self.config_file]

    def issue_folder(self) -> Path:
        """The issue folder (where it would be, if it does not exist)."""
        settings = self.rebuilder.settings
        try:
            return resolve_issue(self.issue_arg, settings)
        except NewsletterError:
            return settings.path(settings.submissions_dir) / self.issue_arg

    # -- what the handler asks for ------------------------------------------------------------
    def render_page(self, variant: Variant, part: str = "") -> str:
        """The page (or one part of it) for the current state."""
        snap = self.rebuilder.snapshot()
        env = page_environment(self.rebuilder.settings, self.lang)
        ctx = page_context(snap, variant, self.token, self.lang)
        return env.get_template("preview.html.j2").render(**ctx, part=part)

    def state_json(self) -> dict[str, Any]:
        """The state for scripts: versions, whether it builds, the error."""
        s = self.rebuilder.snapshot()
        return {
            "seq": s.seq,
            "page": s.page,
            "pdf": s.pdf_seq,
            "building": s.building,
            "progress": s.progress,
            "generation": s.good.generation if s.good else 0,
            "pdf_generation": s.pdf.generation if s.pdf else 0,
            "pdf_building": s.pdf_building,
            "error": s.failure.message if s.failure else None,
            "status": status_line(s, self.lang),
        }

    def roots(self) -> dict[str, Path | None]:
        """The folders files may be served from."""
        s = self.rebuilder.snapshot()
        return {
            "ausgabe": s.good.result.outbox if s.good else None,
            "pdf": s.pdf.path.parent if s.pdf else None,
            "quelle": self.issue_folder(),
        }

    def sources(self) -> frozenset[str]:
        """Originals the page may show: the pictures the build used (never a photo without
        a release, nor any other file of the issue folder)."""
        from newsletter.preview.sizes import source_path

        s = self.rebuilder.snapshot()
        if s.good is None:
            return frozenset()
        issue = s.good.report.intake.issue
        renditions = s.good.result.manifest.images.renditions
        paths = {source_path(issue, r.submission, r.source) for r in renditions}
        return frozenset(p for p in paths if p)

    def send_test(self, address: str, *, confirmed: bool) -> tuple[int, str]:
        """Validate the address, then send one test mail; (HTTP status, message in `lang`)."""
        from email_validator import EmailNotValidError, validate_email

        lang = self.lang
        try:
            address = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            return 400, tr(
                "Die Adresse „{address}“ ist ungültig (Beispiel: name@example.org).",
                lang,
                address=address,
            )
        if not confirmed:
            return 400, tr("Bitte den Versand der Testmail bestätigen.", lang)
        try:
            deliver = importlib.import_module("newsletter.send.deliver")
        except ModuleNotFoundError as exc:
            if exc.name != "newsletter.send.deliver":
                raise
            return 501, tr(NOT_SET_UP, lang)
        send: Callable[[Path, str, Settings], str] | None = getattr(deliver, "send_test", None)
        if send is None:
            return 501, tr(NOT_SET_UP, lang)
        snap = self.rebuilder.snapshot()
        if snap.good is None:
            return 409, tr(
                "Es gibt noch keinen fertigen Stand der Ausgabe, der gesendet werden kann.", lang
            )
        outbox = snap.good.result.outbox
        if snap.pdf is not None and snap.pdf.generation == snap.good.generation:
            outbox = snap.pdf.path.parent  # the same build, complete with its PDF
        try:
            reply = send(outbox, address, snap.good.settings)
        except NewsletterError as exc:
            return 502, render(exc.code, lang, exc.params)
        except Exception as exc:
            log.exception("test mail failed")
            return 502, tr("Die Testmail konnte nicht gesendet werden: {detail}", lang, detail=exc)
        return 200, tr(
            "Die Testmail an {address} ist verschickt. Antwort des Mailservers: {reply}",
            lang,
            address=address,
            reply=reply,
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # open live-reload streams must not keep the program alive
    preview: Preview

    def handle_error(self, request: Any, client_address: Any) -> None:
        """No traceback in the editor's terminal: a browser that left in the middle of an
        answer (a reload, a closed tab) is normal; anything else is logged in one line (the
        traceback with -v)."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            return
        log.warning("preview: a request from %s failed: %r", client_address[0], exc)
        log.debug("preview: the request's traceback", exc_info=True)


def _bind(port: int) -> _Server:
    """A server on 127.0.0.1:port, or on a free port if that one is taken."""
    try:
        return _Server((HOST, port), _Handler)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE or port == 0:
            params = {"port": port, "detail": exc.strerror or exc}
            raise NewsletterError("PREVIEW_PORT_UNAVAILABLE", None, params) from None
        log.info("port %d is taken; using a free one", port)
    try:
        return _Server((HOST, 0), _Handler)
    except OSError as exc:
        params = {"port": 0, "detail": exc.strerror or exc}
        raise NewsletterError("PREVIEW_PORT_UNAVAILABLE", None, params) from None


def safe_file(root: Path | None, rel: str) -> Path | None:
    """`root/rel` if it is a file inside `root` after resolving `..` and symlinks, else None."""
    if root is None or "\0" in rel:
        return None
    base = root.resolve()
    try:
        target = (base / rel).resolve()  # an absolute `rel` replaces `base`: refused below
    except (OSError, RuntimeError, ValueError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "newsletter-preview"
    timeout = REQUEST_SECONDS  # the socket's: a stalled request cannot hold its thread

    @property
    def app(self) -> Preview:
        return self.server.preview

    @property
    def lang(self) -> str:
        """The language of the server's own answers: the page's."""
        return self.app.lang

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def end_headers(self) -> None:
        """Every answer, the server's own errors included: no other site may frame it."""
        self.send_header("X-Frame-Options", "SAMEORIGIN")
        self.send_header("Content-Security-Policy", FRAMING_CSP)
        super().end_headers()

    def _body_length(self) -> int | None:
        """Content-Length as a number of bytes; None (after answering 400/413) when unusable."""
        values = self.headers.get_all("Content-Length") or ["0"]
        if len(set(values)) != 1 or not re.fullmatch(r"[0-9]{1,12}", values[0].strip()):
            self.close_connection = True
            self._text(400, tr("Ungültige Anfrage: Content-Length ist keine Länge.", self.lang))
            return None
        length = int(values[0])
        if length > MAX_FORM:
            self.close_connection = True
            self._text(413, tr("Die Anfrage ist zu groß.", self.lang))
            return None
        return length

    def _host_ok(self) -> bool:
        host = self.headers.get("Host", "")
        return host in (f"{HOST}:{self.app.port}", f"localhost:{self.app.port}")

    def do_GET(self) -> None:
        if not self._host_ok():
            self._text(403, tr(ONLY_HERE, self.lang))
            return
        raw, _, qs = self.path.partition("?")
        path, query = unquote(raw), parse_qs(qs)
        try:
            self._route(path, query)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except jinja2.TemplateError as exc:
            log.exception("preview page template")
            text = tr(
                "Die Vorlage der Vorschau-Seite ist fehlerhaft: {detail}", self.lang, detail=exc
            )
            self._text(500, text)
        except Exception as exc:
            log.exception("preview request %s", path)
            self._text(500, tr("Interner Fehler der Vorschau: {detail}", self.lang, detail=exc))

    def _route(self, path: str, query: dict[str, list[str]]) -> None:
        app = self.app
        if path == "/":
            page = app.render_page(Variant.from_query(query)).encode()
            self._send(200, page, "text/html", csp=PAGE_CSP)
        elif path == "/teil/pdf":
            self._send(200, app.render_page(Variant(), part="pdf").encode(), "text/html")
        elif path == "/ereignisse":
            self._events()
        elif path == "/zustand":
            self._send(200, json.dumps(app.state_json()).encode(), "application/json")
        elif path == "/vorschau.js":
            self._script()
        elif path.startswith("/ausgabe/"):
            self._outbox(path.removeprefix("/ausgabe/"), query)
        elif path == "/pdf/newsletter.pdf":
            self._file(
                safe_file(app.roots()["pdf"], "newsletter.pdf"), download="herunterladen" in query
            )
        elif path.startswith("/quelle/"):
            rel = path.removeprefix("/quelle/")
            allowed = rel in app.sources()
            self._file(safe_file(app.roots()["quelle"], rel) if allowed else None)
        else:
            self._text(404, tr(NOT_FOUND, self.lang))

    def _outbox(self, rel: str, query: dict[str, list[str]]) -> None:
        roots = self.app.roots()
        target = safe_file(roots["ausgabe"], rel)
        if target is None and rel == "newsletter.pdf":  # the email build has none: the last PDF
            target = safe_file(roots["pdf"], rel)
        if target is not None and rel == "email.html":
            html = Variant.from_query(query).apply(target.read_text(encoding="utf-8"))
            self._send(200, html.encode(), "text/html", csp=CONTENT_CSP)
            return
        self._file(target)

    def _file(self, target: Path | None, *, download: bool = False) -> None:
        if target is None:
            self._text(404, tr(NOT_FOUND, self.lang))
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        extra = {"Content-Disposition": f'attachment; filename="{target.name}"'} if download else {}
        # no policy on PDFs: Chromium's PDF viewer does not run under one
        csp = None if kind == "application/pdf" else CONTENT_CSP
        self._send(200, target.read_bytes(), kind, csp=csp, headers=extra)

    def _script(self) -> None:
        settings = self.app.rebuilder.settings
        script = find_template(settings, "preview.js")
        if script.is_file():
            self._send(200, script.read_bytes(), "text/javascript")
            return
        self._text(404, tr(NOT_FOUND, self.lang))

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        rebuilder, stop = self.app.rebuilder, self.app._stop
        seen = -1
        while not stop.is_set():
            snap = rebuilder.wait_for_change(seen, 15.0)
            if snap.seq == seen:
                self.wfile.write(b": still here\n\n")  # keeps proxies and the browser patient
            else:
                seen = snap.seq
                data = json.dumps(self.app.state_json(), ensure_ascii=False)
                self.wfile.write(f"data: {data}\n\n".encode())
            self.wfile.flush()

    def do_POST(self) -> None:
        if not self._host_ok():
            self._text(403, tr(ONLY_HERE, self.lang))
            return
        if self.path != "/testmail":
            self._text(404, tr(NOT_FOUND, self.lang))
            return
        length = self._body_length()
        if length is None:
            return
        try:
            body = self.rfile.read(length)
        except OSError:  # the timeout: the client stalled mid-body
            self.close_connection = True
            return
        form = parse_qs(body.decode("utf-8", "replace"))
        token = self.headers.get("X-Vorschau-Token") or form.get("token", [""])[0]
        if not secrets.compare_digest(token, self.app.token):
            text = tr("Die Seite ist veraltet. Bitte neu laden und noch einmal senden.", self.lang)
            self._json(403, text)
            return
        status, message = self.app.send_test(
            form.get("adresse", [""])[0].strip(),
            confirmed=form.get("bestaetigt", [""])[0] == "ja",
        )
        self._json(status, message)

    def _json(self, status: int, message: str) -> None:
        body = json.dumps({"ok": status == 200, "message": message}, ensure_ascii=False)
        self._send(status, body.encode(), "application/json")

    def _text(self, status: int, text: str) -> None:
        self._send(status, (text + "\n").encode(), "text/plain")

    def _send(
        self,
        status: int,
        body: bytes,
        kind: str,
        *,
        csp: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if kind.startswith("text/") or kind in ("application/json", "image/svg+xml"):
            kind += "; charset=utf-8"
        self.send_response(HTTPStatus(status))
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if csp:
            self.send_header("Content-Security-Policy", csp)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def running(issue_arg: str, settings: Settings, **kwargs: Any) -> Iterator[Preview]:
    """A started preview, closed on exit (for tests and the benchmark)."""
    preview = Preview(issue_arg, settings, **kwargs).start()
    try:
        yield preview
    finally:
        preview.close()
