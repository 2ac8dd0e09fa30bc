"""HTTP for the sign-up service: the request and response its handlers see, the client's address
behind trusted proxies, form bodies, signed form tokens, and the cross-site check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import re
import sqlite3
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from newsletter import ratelimit, signup

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from newsletter.config import ServeSettings

MAX_BODY = 16_384


@dataclass
class Request:
    """The parts of a WSGI request the handlers use."""

    method: str
    path: str  # below the service's prefix
    prefix: str  # SCRIPT_NAME plus the base path: links are built on it
    query: dict[str, str]
    environ: WSGIEnvironment
    client: str  # the rate-limit key of the client
    lang: str
    form: dict[str, str] = field(default_factory=dict)

    def url(self, path: str, **query: str) -> str:
        """A link to another page of the service."""
        q = "&".join(f"{k}={v}" for k, v in query.items() if v)
        return self.prefix + path + (f"?{q}" if q else "")


@dataclass
class Response:
    """Status, HTML and extra headers."""

    status: HTTPStatus
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


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


def read_form(environ: WSGIEnvironment) -> dict[str, str] | None:
    """The POST body as fields (urlencoded or multipart, as RFC 8058 allows); None: too big."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return None
    body: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
    ctype = str(environ.get("CONTENT_TYPE", ""))
    if ctype.startswith("multipart/form-data"):
        msg = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode("latin-1") + body
        )
        fields: dict[str, str] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                fields[name] = payload.decode("utf-8", "replace")
        return fields
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
    return {k: v[0] for k, v in parsed.items()}


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


def parse_request(environ: WSGIEnvironment, base_path: str, trusted: list[Any]) -> Request:
    """Split prefix and path; the language from ?lang= or the browser's preference.

    `base_path` (the path of `serve.base_url`) may arrive with the path or be stripped by a proxy.
    """
    path = str(environ.get("PATH_INFO") or "/")
    prefix = str(environ.get("SCRIPT_NAME") or "")
    if base_path and (path == base_path or path.startswith(base_path + "/")):
        prefix += base_path
        path = path[len(base_path) :] or "/"
    elif not prefix:  # the proxy stripped the prefix without saying so: links need it
        prefix = base_path
    query = {k: v[0] for k, v in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
    lang = query.get("lang", "")
    if lang not in ("de", "en"):
        accept = str(environ.get("HTTP_ACCEPT_LANGUAGE", "")).lower()
        found = re.findall(r"\b(de|en)\b", accept)
        lang = found[0] if found else "de"
    return Request(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        path=path,
        prefix=prefix,
        query=query,
        environ=environ,
        client=ratelimit.ip_key(client_ip(environ, trusted)),
        lang=lang,
    )


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
