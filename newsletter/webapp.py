"""The subscriber's side on the web: sign-up, confirmation, one-click unsubscribe, preferences.

A plain WSGI application (`create_app(settings)`), so any WSGI server can host it behind the
city's web server; `newsletter serve` runs it with the standard library's wsgiref on 127.0.0.1.
Routes, below `serve.base_url`'s path (a prefix the proxy passes on or strips both work):

    GET  /                   the sign-up form (?lang=en, ?form=NAME for a named form)
    POST /subscribe          pending subscriber + confirmation mail (honeypot, rate limits)
    GET  /confirm/TOKEN      a page with one button; changes nothing (link scanners fetch GETs)
    POST /confirm/TOKEN      activates the subscriber with the proof (or moves the address)
    GET  /unsubscribe/TOKEN  a page with one button; changes nothing
    POST /unsubscribe/TOKEN  unsubscribes: RFC 8058 one-click, 200, no redirect, idempotent
    GET  /preferences/TOKEN  change language, or address (confirmed by the new address)
    POST /preferences/TOKEN

No cookies, no scripts, nothing fetched from elsewhere. Forms carry a signed, expiring token and
cross-site POSTs are refused (Sec-Fetch-Site / Origin); the token-bearing URLs are their own
credential (256 random bits, compared in constant time, unrelated to the address). Pages never
show a subscriber's address in full. Editors may override any page with a file of the same name
in `templates/serve/` (Jinja2, autoescaped).

This module routes and handles; the pages are webapp_pages.py (their texts webapp_texts.py), the
HTTP details webapp_http.py.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from newsletter import ratelimit, signup, signup_mail
from newsletter import subscribers as store
from newsletter.config import ServeSettings, Settings
from newsletter.errors import NewsletterError
from newsletter.webapp_http import (
    FormTokens,
    Request,
    Response,
    cross_site,
    parse_request,
    read_form,
    token_payload,
    trusted_networks,
)
from newsletter.webapp_pages import SECURITY_HEADERS, Pages, mask
from newsletter.webapp_texts import email_error, text

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

_TOKEN_PATH = re.compile(r"/(confirm|unsubscribe|preferences)/([^/]*)")


def _link_lang(req: Request, fallback: str) -> str:
    """The language of a token's page: ?lang=, else `fallback` (the subscriber's); de or en."""
    lang = req.query.get("lang") or fallback
    return "en" if lang == "en" else "de"


class App:
    """The WSGI application: one instance per process, one SQLite connection per request."""

    def __init__(
        self,
        settings: Settings,
        serve: ServeSettings | None = None,
        *,
        send: Callable[[Settings, Any], None] = signup_mail.send_message,
    ) -> None:
        self.settings = settings
        self.serve = serve or signup.serve_settings(settings)
        self.send = send
        self.db_path = settings.path(settings.subscribers.database)
        self.base_path = urlsplit(self.serve.base_url).path.rstrip("/")
        base = urlsplit(self.serve.base_url)
        self.base_origin = f"{base.scheme}://{base.netloc}"
        self.trusted = trusted_networks(self.serve.trusted_proxies)
        self.per_ip = ratelimit.SlidingWindow(
            self.serve.ip_limit, self.serve.ip_window_minutes * 60.0
        )
        self.pages = Pages(settings, self.serve)
        self.tokens = FormTokens(self.serve)
        self._pruned = 0.0
        self._prune_lock = threading.Lock()

    # WSGI entry point
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request."""
        try:
            response = self.dispatch(environ)
        except Exception:
            log.exception("sign-up service: request failed")
            lang = "en" if "lang=en" in str(environ.get("QUERY_STRING", "")) else "de"
            response = self.pages.page(
                lang,
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "error_title",
                [text("error_text", lang, contact=self.settings.publisher.email)],
            )
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(response.body))),
            *SECURITY_HEADERS,
            *response.headers,
        ]
        if self.serve.base_url.startswith("https:"):
            headers.append(("Strict-Transport-Security", "max-age=31536000"))
        start_response(f"{response.status.value} {response.status.phrase}", headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [response.body]

    def dispatch(self, environ: WSGIEnvironment) -> Response:
        """Route a request to its handler."""
        req = parse_request(environ, self.base_path, self.trusted)
        if req.path in ("/", ""):
            return self.get_only(req) or self.signup_form(req)
        if req.path == "/subscribe":
            if req.method != "POST":
                if req.method in ("GET", "HEAD"):
                    return self.signup_form(req)
                return self.pages.not_allowed(req.lang)
            return self.subscribe(req)
        match = _TOKEN_PATH.fullmatch(req.path)
        if match is None:
            return self.pages.page(
                req.lang, HTTPStatus.NOT_FOUND, "notfound_title", ["notfound_text"]
            )
        kind, token = match.groups()
        if req.method not in ("GET", "HEAD", "POST"):
            return self.pages.not_allowed(req.lang)
        if req.method == "POST":
            form = read_form(environ)
            if form is None:
                return self.pages.too_large(req.lang)
            req.form = form
        handler = {
            "confirm": self.confirm,
            "unsubscribe": self.unsubscribe,
            "preferences": self.preferences,
        }[kind]
        return handler(req, token)

    # --- helpers ---------------------------------------------------------------------------

    def get_only(self, req: Request) -> Response | None:
        """405 for anything but GET and HEAD."""
        return None if req.method in ("GET", "HEAD") else self.pages.not_allowed(req.lang)

    def cross_site(self, req: Request) -> bool:
        """A form POST that did not come from our own pages."""
        return cross_site(req.environ, self.trusted, self.base_origin)

    # --- sign-up ---------------------------------------------------------------------------

    def consent_text(self, lang: str) -> str:
        """The consent text shown (and stored with its version)."""
        own = self.serve.consent_text_en if lang == "en" else self.serve.consent_text_de
        return own or text(
            "consent_default",
            lang,
            list_name=self.settings.sender.from_name,
            publisher=self.settings.publisher.name,
        )

    def _form_fields(self, req: Request) -> tuple[str, str]:
        form_id = req.query.get("form", "web")
        form_id = form_id if signup.FORM_ID_RE.fullmatch(form_id) else "web"
        digest = hashlib.sha256(self.consent_text(req.lang).encode()).hexdigest()[:16]
        return form_id, f"{req.lang}:{self.settings.subscribers.consent_version}:{digest}"

    def signup_form(
        self,
        req: Request,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        form_id: str | None = None,
    ) -> Response:
        """The sign-up page (with the problems of a sent form, if any)."""
        fid, consent = self._form_fields(req)
        fid = form_id or fid
        with store.open_store(self.db_path) as conn:
            csrf = self.tokens.sign(conn, "signup", fid, consent)
        action = req.url("/subscribe", lang=req.lang, form=fid if fid != "web" else "")
        body = self.pages.render(
            "signup.html",
            req.lang,
            title=text("signup_title", req.lang),
            values=values or {"email": "", "language": req.lang, "consent": False},
            errors=errors or {},
            csrf=csrf,
            action=action,
            consent_text=self.consent_text(req.lang),
            switch=self.pages.switch(req),
        )
        status = HTTPStatus.BAD_REQUEST if errors else HTTPStatus.OK
        return Response(status, body)

    def _token_form_id(self, conn: sqlite3.Connection, req: Request, token: str) -> str | None:
        """The form id signed into a sign-up token, if the token is valid for this page."""
        _, consent = self._form_fields(req)
        try:
            form_id = str(token_payload(token)[2])
        except (ValueError, TypeError, IndexError):
            return None
        return form_id if self.tokens.verify(conn, token, "signup", form_id, consent) else None

    def subscribe(self, req: Request) -> Response:
        """POST /subscribe: check, then pending + mail; the same page whatever the address."""
        form = read_form(req.environ)  # read first: a refusal must not leave it unread
        if form is None:
            return self.pages.too_large(req.lang)
        if self.cross_site(req):
            return self.pages.forbidden(req.lang)
        wait = self.per_ip.hit(req.client)  # every POST counts, the bots' included
        if wait:
            response = self.pages.limited(req.lang, wait)
            response.headers.append(("Retry-After", str(int(wait) + 1)))
            return response
        email = form.get("email", "").strip()
        language = form.get("language", req.lang)
        values = {
            "email": email,
            "language": language if language in ("de", "en") else req.lang,
            "consent": form.get("consent") == "yes",
        }
        if form.get("website"):  # the honeypot: a bot; it is told what a person is told
            log.info("sign-up: honeypot filled; nothing stored")
            return self.pages.check_mail(req, email)
        with store.open_store(self.db_path) as conn:
            form_id = self._token_form_id(conn, req, form.get("csrf", ""))
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = text("err_email_missing", req.lang)
        else:
            try:
                store.parse_address(email)
            except NewsletterError as exc:
                errors["email"] = email_error(exc, req.lang)
        if not values["consent"]:
            errors["consent"] = text("err_consent", req.lang)
        if form_id is None:
            errors = {"email": text("err_stale", req.lang), **errors}
        if errors:
            return self.signup_form(req, values=values, errors=errors, form_id=form_id)
        assert form_id is not None
        self.maybe_prune()
        with store.open_store(self.db_path) as conn:
            outcome = signup.request_subscription(
                conn,
                email,
                language=str(values["language"]),
                form_id=form_id,
                consent_version=self.settings.subscribers.consent_version,
                consent_text=self.consent_text(req.lang),
                consent_language=req.lang,
                serve=self.serve,
            )
            failed = self.mail(conn, outcome, "subscribe", str(values["language"]))
        if failed or outcome.status == "busy":
            return self.pages.busy(req.lang)
        return self.pages.check_mail(req, email)

    def mail(
        self, conn: sqlite3.Connection, outcome: signup.Outcome, purpose: str, language: str
    ) -> bool:
        """Send the confirmation an outcome asks for; True when that failed."""
        if outcome.status != "mail":
            return False
        message = signup_mail.confirmation_message(
            self.settings,
            self.serve,
            outcome,
            purpose="subscribe" if purpose == "subscribe" else "change_address",
            language=language,
        )
        try:
            self.send(self.settings, message)
        except NewsletterError as exc:
            log.error("confirmation mail not sent: %s %s", exc.code, exc.params)
            assert outcome.confirmation_id is not None
            signup.withdraw(conn, outcome.confirmation_id)
            return True
        return False

    def maybe_prune(self) -> None:
        """Erase stale links and unconfirmed sign-ups, at most every ten minutes."""
        with self._prune_lock:
            if time.monotonic() - self._pruned < 600:
                return
            self._pruned = time.monotonic()
        with store.open_store(self.db_path) as conn:
            links, people = signup.prune(conn, self.serve)
        if links or people:
            log.info("pruned %d stale links and %d unconfirmed sign-ups", links, people)

    # --- confirmation ----------------------------------------------------------------------

    def confirm(self, req: Request, token: str) -> Response:
        """GET: the page with one button; POST: use the token."""
        with store.open_store(self.db_path) as conn:
            found = signup.lookup(conn, token)
            lang = _link_lang(req, found.language if found else req.lang)
            try:
                if req.method != "POST":
                    c = signup.check(found, datetime.now(UTC))
                    change = c.purpose == "change_address"
                    body = self.pages.render(
                        "button.html",
                        lang,
                        title=text("address_title" if change else "confirm_title", lang),
                        paragraphs=[text("address_text" if change else "confirm_text", lang)],
                        action=req.url(req.path),
                        hidden=[],
                        button=text("address_button" if change else "confirm_button", lang),
                    )
                    return Response(HTTPStatus.OK, body)
                c, s = signup.confirm(conn, token)
            except NewsletterError as exc:
                if not exc.code.startswith("SIGNUP_"):
                    raise
                return self.pages.token_problem(req, exc, lang)
        prefs = (req.url(f"/preferences/{s.unsubscribe_token}"), text("prefs_title", lang))
        if c.purpose == "change_address":
            done = text("address_done_text", lang, address=s.address_normalized)
            return self.pages.page(lang, HTTPStatus.OK, "address_done_title", [done], prefs)
        return self.pages.page(lang, HTTPStatus.OK, "confirmed_title", ["confirmed_text"], prefs)

    # --- unsubscribe -----------------------------------------------------------------------

    def unsubscribe(self, req: Request, token: str) -> Response:
        """GET shows one button and changes nothing; POST (one-click or the button) unsubscribes."""
        with store.open_store(self.db_path) as conn:
            s = store.by_token(conn, token)
            lang = _link_lang(req, s.language if s else req.lang)
            if s is None:
                return self.pages.unknown_link(lang)
            again = self.pages.to_signup(req, lang)
            if req.method == "POST":
                one_click = req.form.get("List-Unsubscribe") == "One-Click"
                via = "web" if req.form.get("source") == "page" or not one_click else "one-click"
                s, changed = store.unsubscribe(conn, token=token, via=via)
                if changed:
                    signup.cancel_open(conn, s.id)
                    log.info("unsubscribed subscriber %d via %s", s.id, via)
                return self.pages.page(
                    lang, HTTPStatus.OK, "unsubbed_title", ["unsubbed_text"], again
                )
        if s.status == "unsubscribed":
            return self.pages.page(lang, HTTPStatus.OK, "unsubbed_title", ["unsubbed_text"], again)
        body = self.pages.render(
            "button.html",
            lang,
            title=text("unsub_title", lang),
            paragraphs=[text("unsub_text", lang)],
            action=req.url(req.path),
            hidden=[("List-Unsubscribe", "One-Click"), ("source", "page")],
            button=text("unsub_button", lang),
            link=(req.url(f"/preferences/{token}"), text("unsub_instead", lang)),
        )
        return Response(HTTPStatus.OK, body)

    # --- preferences -----------------------------------------------------------------------

    def preferences(self, req: Request, token: str) -> Response:
        """Change language at once, or ask the new address to confirm an address change."""
        with store.open_store(self.db_path) as conn:
            s = store.by_token(conn, token)
            lang = _link_lang(req, s.language if s else req.lang)
            if s is None:
                return self.pages.unknown_link(lang)
            if s.status == "unsubscribed":
                again = self.pages.to_signup(req, lang)
                return self.pages.page(
                    lang, HTTPStatus.OK, "prefs_title", ["prefs_unsubscribed"], again
                )
            scope = signup.hash_token(token)[:16]
            errors: dict[str, str] = {}
            values = {"language": s.language, "email": ""}
            if req.method == "POST":
                if self.cross_site(req):
                    return self.pages.forbidden(lang)
                if not self.tokens.verify(conn, req.form.get("csrf", ""), "preferences", scope):
                    errors["email"] = text("err_stale", lang)
                elif req.form.get("action") == "language":
                    code = signup.set_language(conn, s, req.form.get("language", "de"))
                    name = text(f"lang_name_{'en' if code == 'en' else 'de'}", code)
                    back = (req.url(req.path), text("back_prefs", code))
                    saved = [text("language_saved_text", code, language=name)]
                    return self.pages.page(code, HTTPStatus.OK, "language_saved_title", saved, back)
                else:
                    values["email"] = req.form.get("email", "").strip()
                    response = self.change_address(req, conn, s, values["email"], lang, errors)
                    if response is not None:
                        return response
            csrf = self.tokens.sign(conn, "preferences", scope)
        body = self.pages.render(
            "preferences.html",
            lang,
            title=text("prefs_title", lang),
            masked=mask(s.address_normalized),
            values=values,
            errors=errors,
            csrf=csrf,
            action=req.url(req.path),
        )
        return Response(HTTPStatus.BAD_REQUEST if errors else HTTPStatus.OK, body)

    def change_address(
        self,
        req: Request,
        conn: sqlite3.Connection,
        s: store.Subscriber,
        email: str,
        lang: str,
        errors: dict[str, str],
    ) -> Response | None:
        """Mail a confirmation to the new address; None with `errors` filled when it is refused."""
        if not email:
            errors["email"] = text("err_email_missing", lang)
            return None
        wait = self.per_ip.hit(req.client)
        if wait:
            return self.pages.limited(lang, wait)
        try:
            outcome = signup.request_address_change(conn, s, email, serve=self.serve)
        except NewsletterError as exc:
            if exc.code == "SIGNUP_ADDRESS_SAME":
                errors["email"] = text("err_same", lang)
            else:
                errors["email"] = email_error(exc, lang)
            return None
        if self.mail(conn, outcome, "change_address", lang) or outcome.status == "busy":
            return self.pages.busy(lang)
        done = [text("address_mail_text", lang, address=email, hours=self.pages.link_hours)]
        back = (req.url(req.path), text("back_prefs", lang))
        return self.pages.page(lang, HTTPStatus.OK, "address_mail_title", done, back)


def create_app(settings: Settings | None = None, serve: ServeSettings | None = None) -> App:
    """The WSGI application; without settings, newsletter.toml and NEWSLETTER_* are read.

    For a WSGI server: `gunicorn 'newsletter.webapp:create_app()'`, or
    `waitress-serve --call newsletter.webapp:create_app` (started in the project folder).
    """
    if settings is None:
        from newsletter.config import load_settings

        settings = load_settings()
    return App(settings, serve)


# --- serving with the standard library -----------------------------------------------------

_SECRET_IN_PATH = re.compile(r"/(confirm|unsubscribe|preferences)/[A-Za-z0-9_-]+")


class _Handler(WSGIRequestHandler):
    """wsgiref's handler, logging through `logging` with the tokens in paths blotted out."""

    def log_message(self, format: str, *args: Any) -> None:
        line = format % args
        log.info("%s %s", self.address_string(), _SECRET_IN_PATH.sub(r"/\1/…", line))


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """wsgiref's server, one thread per request (a slow mail relay blocks only its visitor)."""

    daemon_threads = True
    allow_reuse_address = True


def make_wsgi_server(app: WSGIApplication, host: str, port: int) -> ThreadingWSGIServer:
    """A threaded wsgiref server for `app` (port 0: a free one); call serve_forever()."""
    server = make_server(host, port, app, ThreadingWSGIServer, _Handler)
    assert isinstance(server, ThreadingWSGIServer)
    return server
