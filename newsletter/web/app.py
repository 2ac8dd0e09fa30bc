"""The service on the web: one WSGI application that routes every page, with the same headers,
error pages and limits for each.

`create_app(settings)` builds it on Werkzeug, which routes and parses requests; `newsletter
serve` hosts it on waitress (server.py, with [serve]'s limits) behind the city's web server,
and any WSGI server can host it instead. Routes live below `serve.base_url`'s path (a prefix
the proxy passes on or strips both work): the sign-up pages (signup_routes.py: /, /subscribe,
/confirm, /unsubscribe, /preferences) and the organisations' upload page (upload_routes.py:
/einreichen/TOKEN, with its own CSP, script and body limit). More pages join with
`App.add_route` (a Werkzeug rule, the methods, the handler and the form limits of the route).

No cookies, no scripts (the upload page's own inline one aside, allowed by its hash), nothing
fetched from elsewhere. Forms carry a signed, expiring token and cross-site POSTs are refused
(Sec-Fetch-Site / Origin); the token-bearing URLs are their own credential (256 random bits,
compared in constant time, unrelated to the address). Pages never show a subscriber's address
in full. Editors may override any page with a file of the same name in `templates/serve/`
(Jinja2, autoescaped). Every request gets a page: a bad one a 4xx, never a traceback.
Confirmation mails go out from a background thread (signup_queue.py), so every sign-up is
answered alike, whoever is subscribed.

This module routes; the pages are pages.py (their texts texts.py), the HTTP details http.py,
the server server.py.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request as WerkzeugRequest

from newsletter.core.config import ServeSettings, Settings
from newsletter.web import signup, signup_mail, signup_queue
from newsletter.web.http import (
    FormTokens,
    Request,
    Response,
    cross_site,
    trusted_networks,
)
from newsletter.web.pages import SECURITY_HEADERS, Pages
from newsletter.web.server import make_wsgi_server
from newsletter.web.signup_routes import SignupRoutes
from newsletter.web.texts import text
from newsletter.web.upload_routes import UploadRoutes

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["App", "Route", "create_app", "make_wsgi_server"]

log = logging.getLogger(__name__)

_SECRET_IN_PATH = re.compile(r"/(confirm|unsubscribe|preferences|einreichen)/[^/?\s]+")

Handler = Callable[..., Response]


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
        self.pages = Pages(settings, self.serve)
        self.tokens = FormTokens(self.serve)
        self.mails = signup_queue.ConfirmationQueue(
            settings, self.serve, self.db_path, send, maxsize=max(10, self.serve.mails_per_hour)
        )
        self.url_map = Map(strict_slashes=False, merge_slashes=False)
        self.routes: dict[str, Route] = {}
        self.signup = SignupRoutes(self)  # /, /subscribe, /confirm, /unsubscribe, /preferences
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


def create_app(settings: Settings | None = None, serve: ServeSettings | None = None) -> App:
    """The WSGI application; without settings, newsletter.toml and NEWSLETTER_* are read.

    For a WSGI server: `gunicorn 'newsletter.web.app:create_app()'`, or
    `waitress-serve --call newsletter.web.app:create_app` (started in the project folder).
    """
    if settings is None:
        from newsletter.core.config import load_settings

        settings = load_settings()
    return App(settings, serve)
