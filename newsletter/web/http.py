"""HTTP for the sign-up service: the request its handlers see (a thin layer over Werkzeug's,
which parses query strings, forms and headers), the HTML response, the client's address behind
trusted proxies, signed form tokens, and the cross-site check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import sqlite3
import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request as WerkzeugRequest
from werkzeug.wrappers import Response

from newsletter.web import ratelimit, signup

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from newsletter.core.config import ServeSettings

__all__ = ["HTML", "Request", "Response", "html_response"]

HTML = "text/html; charset=utf-8"
LANGUAGES = ("de", "en")


def html_response(status: HTTPStatus, body: bytes) -> Response:
    """A page: status and HTML."""
    return Response(body, status=int(status), content_type=HTML)


class Request:
    """What the handlers see of a request: method, path below the prefix, language, client.

    `form` is Werkzeug's parsed body (urlencoded or multipart, as RFC 8058 allows), within the
    limits the route set (`App.dispatch`); reading it past them raises RequestEntityTooLarge.
    """

    def __init__(self, wz: WerkzeugRequest, base_path: str, trusted: list[Any]) -> None:
        self.wz = wz
        self.environ: WSGIEnvironment = wz.environ
        self.method = wz.method.upper()
        path = wz.path or "/"  # PATH_INFO, decoded by Werkzeug
        prefix = wz.script_root
        # `base_path` (the path of `serve.base_url`) may arrive with the path or be stripped
        if base_path and (path == base_path or path.startswith(base_path + "/")):
            prefix += base_path
            path = path[len(base_path) :] or "/"
        elif not prefix:  # the proxy stripped the prefix without saying so: links need it
            prefix = base_path
        self.path = path
        self.prefix = prefix
        self.query: dict[str, str] = wz.args.to_dict()  # the first value of each name
        lang = self.query.get("lang", "")
        if lang not in LANGUAGES:
            lang = wz.accept_languages.best_match(LANGUAGES, default="de") or "de"
        self.lang = lang
        self.client = ratelimit.ip_key(client_ip(self.environ, trusted))

    @property
    def form(self) -> MultiDict[str, str]:
        """The form fields of a POST (empty for other bodies)."""
        return self.wz.form

    def url(self, path: str, /, **query: str) -> str:
        """A link to another page of the service (query values empty: left out)."""
        q = urlencode({k: v for k, v in query.items() if v})
        return self.prefix + path + (f"?{q}" if q else "")


def trusted_networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks of `serve.trusted_proxies` ("127.0.0.1, ::1"): whose X-Forwarded-* count."""
    nets = []
    for part in spec.split(","):
        if part.strip():
            nets.append(ipaddress.ip_network(part.strip(), strict=False))
    return nets


def client_ip(environ: WSGIEnvironment, trusted: list[Any]) -> str:
    """The client's address: X-Forwarded-For is followed only through trusted proxies."""
    forwarded = str(environ.get("HTTP_X_FORWARDED_FOR", ""))
    chain: list[str] = [a.strip() for a in forwarded.split(",") if a.strip()]
    chain.append(str(environ.get("REMOTE_ADDR", "")))
    for candidate in reversed(chain):
        try:
            ip = ipaddress.ip_address(candidate)
        except ValueError:
            return candidate  # garbage from a trusted proxy's client: still one key
        if not any(ip in net for net in trusted):
            return candidate
    return chain[0]


def token_payload(token: str) -> Any:
    """The JSON a form token carries before its signature; ValueError or TypeError if none."""
    data = token.partition(".")[0]
    return json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def via_proxy(env: WSGIEnvironment, trusted: list[Any]) -> bool:
    """The request came through a trusted proxy (its X-Forwarded-* headers count)."""
    try:
        remote = ipaddress.ip_address(str(env.get("REMOTE_ADDR", "")))
    except ValueError:
        return False
    return any(remote in net for net in trusted) and "HTTP_X_FORWARDED_FOR" in env


def cross_site(env: WSGIEnvironment, trusted: list[Any], own_origin: str) -> bool:
    """A form POST that did not come from our own pages."""
    if env.get("HTTP_SEC_FETCH_SITE") == "cross-site":
        return True
    origin = env.get("HTTP_ORIGIN")
    if origin is None:
        return False  # an old browser or a script: the form token still has to be valid
    scheme, host = str(env.get("wsgi.url_scheme", "http")), str(env.get("HTTP_HOST", ""))
    if via_proxy(env, trusted):
        scheme = str(env.get("HTTP_X_FORWARDED_PROTO", scheme)).split(",")[0].strip()
        host = str(env.get("HTTP_X_FORWARDED_HOST", host)).split(",")[0].strip()
    return origin not in (own_origin, f"{scheme}://{host}")


class FormTokens:
    """Signed, expiring form tokens against forged POSTs; the store's secret is read once."""

    def __init__(self, serve: ServeSettings) -> None:
        self.serve = serve
        self._secret: bytes | None = None

    def secret(self, conn: sqlite3.Connection) -> bytes:
        """The form-signing key, read once."""
        if self._secret is None:
            self._secret = signup.form_secret(conn)
        return self._secret

    def sign(self, conn: sqlite3.Connection, *fields: str) -> str:
        """A form token: the fields and the time, signed with the store's secret."""
        payload = json.dumps([int(time.time()), *fields], separators=(",", ":")).encode()
        data = base64.urlsafe_b64encode(payload).rstrip(b"=")
        mac = hmac.new(self.secret(conn), data, hashlib.sha256).digest()[:18]
        return f"{data.decode()}.{base64.urlsafe_b64encode(mac).decode()}"

    def verify(self, conn: sqlite3.Connection, token: str, *fields: str) -> bool:
        """True when the token is ours, unexpired, and signed for these fields."""
        data, _, mac = token.partition(".")
        try:
            expected = hmac.new(self.secret(conn), data.encode(), hashlib.sha256).digest()[:18]
            if not hmac.compare_digest(base64.urlsafe_b64decode(mac.encode()), expected):
                return False
            payload = token_payload(token)
        except (ValueError, TypeError):
            return False
        issued, *signed = payload
        age = time.time() - float(issued)
        return -60 < age < self.serve.form_ttl_hours * 3600 and list(signed) == list(fields)
