"""The subscriber's side on the web: sign-up, confirmation, one-click unsubscribe, preferences.

A WSGI application (`create_app(settings)`) on Werkzeug, which routes and parses requests;
`newsletter serve` hosts it on waitress (webapp_server.py, with [serve]'s limits) behind the
city's web server, and any WSGI server can host it instead. Routes, below `serve.base_url`'s
path (a prefix the proxy passes on or strips both work):

    GET  /                   the sign-up form (?lang=en, ?form=NAME for a named form)
    POST /subscribe          pending subscriber + confirmation mail (honeypot, rate limits)
    GET  /confirm/TOKEN      a page with one button; changes nothing (link scanners fetch GETs)
    POST /confirm/TOKEN      activates the subscriber with the proof (or moves the address)
    GET  /unsubscribe/TOKEN  a page with one button; changes nothing
    POST /unsubscribe/TOKEN  unsubscribes: RFC 8058 one-click, 200, no redirect, idempotent
    GET  /preferences/TOKEN  change language, or address (confirmed by the new address)
    POST /preferences/TOKEN
    GET  /einreichen/TOKEN   an organisation's upload page (upload_routes.py, its own CSP,
    POST /einreichen/TOKEN   script and body limit)

More pages join with `App.add_route` (a Werkzeug rule, the methods, the handler and the form
limits of the route); every route gets the same headers, error pages and limits.

No cookies, no scripts (the upload page's own inline one aside, allowed by its hash), nothing
fetched from elsewhere. Forms carry a signed, expiring token and cross-site POSTs are refused
(Sec-Fetch-Site / Origin); the token-bearing URLs are their own credential (256 random bits,
compared in constant time, unrelated to the address). Pages never show a subscriber's address
in full. Editors may override any page with a file of the same name in `templates/serve/`
(Jinja2, autoescaped). Every request gets a page: a bad one a 4xx, never
a traceback. Confirmation mails go out from a background thread (signup_queue.py), so every
sign-up is answered alike, whoever is subscribed.

This module routes and handles; the pages are webapp_pages.py (their texts webapp_texts.py), the
HTTP details webapp_http.py, the server webapp_server.py.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request as WerkzeugRequest

from newsletter.core.config import ServeSettings, Settings
from newsletter.core.errors import NewsletterError
from newsletter.store import subscribers as store
from newsletter.web import ratelimit, signup, signup_mail, signup_queue
from newsletter.web.http import (
    FormTokens,
    Request,
    Response,
    cross_site,
    html_response,
    token_payload,
    trusted_networks,
)
from newsletter.web.pages import SECURITY_HEADERS, Pages, mask
from newsletter.web.server import make_wsgi_server
from newsletter.web.texts import email_error, text
from newsletter.web.upload_routes import UploadRoutes

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["App", "Route", "create_app", "make_wsgi_server"]

log = logging.getLogger(__name__)

_SECRET_IN_PATH = re.compile(r"/(confirm|unsubscribe|preferences|einreichen)/[^/?\s]+")

Handler = Callable[..., Response]


def _link_lang(req: Request, fallback: str) -> str:
    """The language of a token's page: ?lang=, else `fallback` (the subscriber's); de or en."""
    lang = req.query.get("lang") or fallback
    return "en" if lang == "en" else "de"


@dataclass(frozen=True, slots=True)
class Route:
    """A page of the service: its handler (called with the request and the rule's values) and
    the limits of the form it takes (None: [serve] max_form_bytes / max_form_fields)."""

    handler: Handler
    max_form_bytes: int | None = None
    max_form_fields: int | None = None
    too_large: Callable[[Request], Response] | None = None  # the route's own 413 page
    file_stream: Callable[..., IO[bytes]] | None = None  # where uploaded files are spooled
    max_field_bytes: int | None = None  # one text field (None: the form's limit)


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
        self.mails = signup_queue.ConfirmationQueue(
            settings, self.serve, self.db_path, send, maxsize=max(10, self.serve.mails_per_hour)
        )
        self._pruned = 0.0
        self._prune_lock = threading.Lock()
        self.url_map = Map(strict_slashes=False, merge_slashes=False)
        self.routes: dict[str, Route] = {}
        self.add_route("/", "signup_form", self.signup_form, methods=("GET",))
        self.add_route("/subscribe", "subscribe", self.subscribe, methods=("GET", "POST"))
        self.add_route("/confirm/<token>", "confirm", self.confirm)
        self.add_route("/unsubscribe/<token>", "unsubscribe", self.unsubscribe)
        self.add_route("/preferences/<token>", "preferences", self.preferences)
        self.upload = UploadRoutes(self)  # /einreichen/TOKEN: the organisations' upload page

    def add_route(
        self,
        rule: str,
        endpoint: str,
        handler: Handler,
        *,
        methods: Iterable[str] = ("GET", "POST"),
        max_form_bytes: int | None = None,
        max_form_fields: int | None = None,
        too_large: Callable[[Request], Response] | None = None,
        file_stream: Callable[..., IO[bytes]] | None = None,
        max_field_bytes: int | None = None,
    ) -> None:
        """A page below the base path: a Werkzeug rule ("/einreichen/<token>"), its handler
        `handler(req, **values)`, the methods (HEAD comes with GET), the form's limits and the
        page for a form over them (default: the service's 413 page); `file_stream` is
        Werkzeug's stream factory for uploaded files (default: a spooled temporary file);
        `max_field_bytes` limits one text field of a form whose files may be large."""
        self.url_map.add(Rule(rule, endpoint=endpoint, methods=list(methods)))
        self.routes[endpoint] = Route(
            handler, max_form_bytes, max_form_fields, too_large, file_stream, max_field_bytes
        )

    def close(self) -> None:
        """Send the confirmation mails still queued, then stop their thread."""
        self.mails.close()

    # WSGI entry point
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request."""
        wz = WerkzeugRequest(environ)
        try:
            response = self.dispatch(wz)
        except Exception:
            log.exception("sign-up service: request failed")
            lang = "en" if wz.args.get("lang") == "en" else "de"
            response = self.pages.page(
                lang,
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "error_title",
                [text("error_text", lang, contact=self.settings.publisher.email)],
            )
        for key, value in SECURITY_HEADERS:  # a route may set its own (say, a wider CSP)
            response.headers.setdefault(key, value)
        if self.serve.base_url.startswith("https:"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        where = _SECRET_IN_PATH.sub(r"/\1/…", wz.path)
        log.info('"%s %s" %d', wz.method, where, response.status_code)
        return response(environ, start_response)

    def dispatch(self, wz: WerkzeugRequest) -> Response:
        """Route a request to its handler, within the route's form limits."""
        req = Request(wz, self.base_path, self.trusted)
        adapter = self.url_map.bind("service", url_scheme="http")
        try:
            endpoint, values = adapter.match(req.path, method=req.method)
        except MethodNotAllowed as exc:
            return self.pages.not_allowed(req.lang, exc.valid_methods or ())
        except (NotFound, RequestRedirect):
            return self.pages.not_found(req.lang)
        route = self.routes[str(endpoint)]
        if req.method == "POST":
            wz.max_content_length = route.max_form_bytes or self.serve.max_form_bytes
            wz.max_form_memory_size = route.max_field_bytes or wz.max_content_length
            wz.max_form_parts = route.max_form_fields or self.serve.max_form_fields
            if route.file_stream is not None:
                wz._get_file_stream = route.file_stream  # type: ignore[method-assign]
            try:
                wz.form  # parsed here, within the limits, before any handler runs  # noqa: B018
            except RequestEntityTooLarge:
                return route.too_large(req) if route.too_large else self.pages.too_large(req.lang)
            except HTTPException:
                return self.pages.bad_request(req.lang)
        return route.handler(req, **values)

    # --- helpers ---------------------------------------------------------------------------

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
        return html_response(HTTPStatus.BAD_REQUEST if errors else HTTPStatus.OK, body)

    def _token_form_id(self, conn: sqlite3.Connection, req: Request, token: str) -> str | None:
        """The form id signed into a sign-up token, if the token is valid for this page."""
        _, consent = self._form_fields(req)
        try:
            form_id = str(token_payload(token)[2])
        except (ValueError, TypeError, IndexError):
            return None
        return form_id if self.tokens.verify(conn, token, "signup", form_id, consent) else None

    def subscribe(self, req: Request) -> Response:
        """POST /subscribe: check, then pending + mail; the same page whatever the address.

        New, pending, already subscribed or over the address's limit: each takes the same path
        to the same page, and the mail is only queued (signup_queue.py), so neither the page
        nor the time it takes tells anyone whether an address is subscribed.
        """
        if req.method != "POST":
            return self.signup_form(req)
        form = req.form
        if self.cross_site(req):
            return self.pages.forbidden(req.lang)
        wait = self.per_ip.hit(req.client)  # every POST counts, the bots' included
        if wait:
            response = self.pages.limited(req.lang, wait)
            response.headers["Retry-After"] = str(int(wait) + 1)
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
        began = time.monotonic()
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
        self.mail(outcome, "subscribe", str(values["language"]))
        # A new address costs two writes more than a subscribed one (a few ms): wait out the
        # rest of [serve] signup_answer_ms, so the time tells nothing either.
        rest = self.serve.signup_answer_ms / 1000 - (time.monotonic() - began)
        if rest > 0:
            time.sleep(rest)
        if outcome.status == "busy":  # the hourly cap: for every address alike
            return self.pages.busy(req.lang)
        return self.pages.check_mail(req, email)

    def mail(self, outcome: signup.Outcome, purpose: signup.Purpose, language: str) -> None:
        """Queue the confirmation an outcome asks for (the request never waits for SMTP)."""
        if outcome.status == "mail":
            self.mails.submit(signup_queue.Job(outcome, purpose, language))

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
                    return html_response(HTTPStatus.OK, body)
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
        return html_response(HTTPStatus.OK, body)

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
        return html_response(HTTPStatus.BAD_REQUEST if errors else HTTPStatus.OK, body)

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
        if outcome.status == "busy":
            return self.pages.busy(lang)
        self.mail(outcome, "change_address", lang)
        done = [text("address_mail_text", lang, address=email, hours=self.pages.link_hours)]
        back = (req.url(req.path), text("back_prefs", lang))
        return self.pages.page(lang, HTTPStatus.OK, "address_mail_title", done, back)


def create_app(settings: Settings | None = None, serve: ServeSettings | None = None) -> App:
    """The WSGI application; without settings, newsletter.toml and NEWSLETTER_* are read.

    For a WSGI server: `gunicorn 'newsletter.web.app:create_app()'`, or
    `waitress-serve --call newsletter.web.app:create_app` (started in the project folder).
    """
    if settings is None:
        from newsletter.core.config import load_settings

        settings = load_settings()
    return App(settings, serve)
