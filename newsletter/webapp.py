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
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jinja2

from newsletter import signup
from newsletter import subscribers as store
from newsletter.config import ServeSettings, Settings
from newsletter.errors import NewsletterError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

MAX_BODY = 16_384
_TOKEN_PATH = re.compile(r"/(confirm|unsubscribe|preferences)/([^/]*)")
_CSS = (
    "body{font:1.0625rem/1.5 system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;"
    "color:#1b1b1b;background:#fff}a{color:#0b4f9c}h1{font-size:1.6rem;line-height:1.25}"
    "header{display:flex;justify-content:space-between;gap:1rem;border-bottom:1px solid #ccc}"
    "footer{margin-top:3rem;border-top:1px solid #ccc;font-size:.9rem;color:#444}"
    ".field{margin:1.5rem 0;border:0;padding:0}label,legend{display:block;font-weight:600}"
    ".choice{display:flex;gap:.5rem;align-items:flex-start;margin:.5rem 0}"
    ".choice label{font-weight:400}.choice input{width:1.5rem;height:1.5rem;flex:none;margin:0}"
    "input[type=email]{font:inherit;width:100%;box-sizing:border-box;padding:.5rem;"
    "border:2px solid #1b1b1b;margin-top:.25rem}.hint{color:#444;margin:.25rem 0}"
    "button{font:inherit;font-weight:600;padding:.6rem 1.2rem;background:#0b6b2f;color:#fff;"
    "border:0;border-bottom:3px solid #053d1a;cursor:pointer}"
    ":focus-visible{outline:3px solid #fd0;outline-offset:0;box-shadow:0 0 0 6px #1b1b1b}"
    ".error-summary{border:4px solid #b10e1e;padding:1rem;margin:1rem 0}"
    ".error-summary:focus{outline:3px solid #fd0}.has-error{border-left:4px solid #b10e1e;"
    "padding-left:.75rem}.field-error{color:#b10e1e;font-weight:600;margin:.25rem 0}"
    ".has-error input[type=email]{border-color:#b10e1e}"
    ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap}"
    ".hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}"
)
_CSS_HASH = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on POSTs,
    # and the origin check below needs the real one. Token URLs still never leave the site.
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ("Cache-Control", "no-store"),
]

# --- texts ---------------------------------------------------------------------------------

_T: dict[str, tuple[str, str]] = {
    "signup_title": ("Newsletter abonnieren", "Subscribe to the newsletter"),
    "signup_intro": (
        "Nach dem Absenden schicken wir Ihnen eine E-Mail mit einem Link; erst wenn Sie ihn "
        "bestätigen, sind Sie angemeldet.",
        "After you send the form we e-mail you a link; you are subscribed only once you "
        "confirm it.",
    ),
    "email_label": ("E-Mail-Adresse", "E-mail address"),
    "email_hint": ("Zum Beispiel name@example.org", "For example name@example.org"),
    "language_legend": ("In welcher Sprache möchten Sie Post?", "Which language for your mail?"),
    "consent_default": (
        "Ja, ich möchte den Newsletter „{list_name}“ von {publisher} per E-Mail erhalten. "
        "Meine Adresse wird nur dafür verwendet. Ich kann mich jederzeit abmelden, mit dem "
        "Link in jeder Ausgabe.",
        "Yes, I want to receive the newsletter '{list_name}' from {publisher} by e-mail. My "
        "address is used for nothing else. I can unsubscribe at any time with the link in "
        "every issue.",
    ),
    "privacy_hint": ("Wie wir mit Ihren Daten umgehen:", "How we handle your data:"),
    "privacy": ("Datenschutzerklärung", "Privacy notice"),
    "honeypot": ("Dieses Feld bitte leer lassen", "Please leave this field empty"),
    "subscribe_button": ("Anmelden", "Subscribe"),
    "error_prefix": ("Fehler", "Error"),
    "error_summary": ("Bitte korrigieren Sie Folgendes", "Please correct the following"),
    "err_email_missing": (
        "Bitte geben Sie Ihre E-Mail-Adresse ein.",
        "Please enter your e-mail address.",
    ),
    "err_email_invalid": (
        "Bitte geben Sie eine gültige E-Mail-Adresse ein ({detail}), zum Beispiel "
        "name@example.org.",
        "Please enter a valid e-mail address ({detail}), for example name@example.org.",
    ),
    "err_consent": (
        "Bitte bestätigen Sie, dass Sie den Newsletter erhalten möchten.",
        "Please confirm that you want to receive the newsletter.",
    ),
    "err_stale": (
        "Das Formular war zu lange geöffnet oder der Text hat sich geändert. Bitte prüfen Sie "
        "die Angaben und senden Sie es noch einmal.",
        "The form was open too long or its text has changed. Please check and send it again.",
    ),
    "err_same": (
        "Das ist schon Ihre Adresse. Bitte geben Sie die neue Adresse ein.",
        "That is your address already. Please enter the new address.",
    ),
    "check_title": ("Bitte prüfen Sie Ihr Postfach", "Please check your inbox"),
    "check_text": (
        "Wir haben eine E-Mail an {address} geschickt. Bitte öffnen Sie den Link darin, um die "
        "Anmeldung zu bestätigen. Der Link gilt {hours} Stunden.",
        "We have sent an e-mail to {address}. Please open the link in it to confirm your "
        "subscription. The link is valid for {hours} hours.",
    ),
    "check_missing": (
        "Keine E-Mail da? Sehen Sie bitte auch im Spam-Ordner nach. Wenn die Adresse einen "
        "Tippfehler hatte:",
        "No e-mail? Please look in your spam folder too. If the address had a typo:",
    ),
    "again": ("noch einmal anmelden", "sign up again"),
    "confirm_title": ("Anmeldung bestätigen", "Confirm your subscription"),
    "confirm_text": (
        "Bitte bestätigen Sie mit einem Klick, dass Sie den Newsletter erhalten möchten.",
        "Please confirm with one click that you want to receive the newsletter.",
    ),
    "confirm_button": ("Ja, Newsletter erhalten", "Yes, send me the newsletter"),
    "confirmed_title": ("Anmeldung bestätigt", "Subscription confirmed"),
    "confirmed_text": (
        "Vielen Dank! Sie erhalten den Newsletter ab der nächsten Ausgabe. Abmelden können Sie "
        "sich jederzeit mit dem Link in jeder Ausgabe.",
        "Thank you! You will receive the newsletter from the next issue on. You can "
        "unsubscribe at any time with the link in every issue.",
    ),
    "address_title": ("Neue Adresse bestätigen", "Confirm your new address"),
    "address_text": (
        "Bitte bestätigen Sie, dass der Newsletter künftig an diese Adresse gehen soll.",
        "Please confirm that the newsletter should go to this address from now on.",
    ),
    "address_button": ("Adresse bestätigen", "Confirm address"),
    "address_done_title": ("Adresse geändert", "Address changed"),
    "address_done_text": (
        "Der Newsletter geht ab jetzt an {address}.",
        "The newsletter now goes to {address}.",
    ),
    "expired_title": ("Link abgelaufen", "Link expired"),
    "expired_text": (
        "Dieser Bestätigungslink ist abgelaufen; er galt {hours} Stunden. Es wurde nichts "
        "geändert. Bitte fordern Sie einen neuen Link an:",
        "This confirmation link has expired; it was valid for {hours} hours. Nothing was "
        "changed. Please ask for a new link:",
    ),
    "used_title": ("Link schon verwendet", "Link already used"),
    "used_text": (
        "Dieser Bestätigungslink wurde schon verwendet und gilt nur einmal. Ihre Bestätigung "
        "ist gespeichert; Sie müssen nichts weiter tun.",
        "This confirmation link has been used already and works only once. Your confirmation "
        "is saved; there is nothing more to do.",
    ),
    "unknown_title": ("Link unbekannt", "Unknown link"),
    "unknown_text": (
        "Diesen Link kennen wir nicht. Bitte kopieren Sie ihn vollständig aus der E-Mail. "
        "Bei Fragen schreiben Sie an {contact}.",
        "We do not know this link. Please copy it completely from the e-mail. If you have "
        "questions, write to {contact}.",
    ),
    "taken_title": ("Adresse schon eingetragen", "Address already registered"),
    "taken_text": (
        "Die Adresse {address} steht schon in unserer Liste; die Änderung wurde nicht "
        "übernommen. Bei Fragen schreiben Sie an {contact}.",
        "The address {address} is on our list already; the change was not made. If you have "
        "questions, write to {contact}.",
    ),
    "unsub_title": ("Vom Newsletter abmelden", "Unsubscribe from the newsletter"),
    "unsub_text": (
        "Sie möchten den Newsletter nicht mehr erhalten? Ein Klick genügt.",
        "You no longer want the newsletter? One click is enough.",
    ),
    "unsub_button": ("Abmelden", "Unsubscribe"),
    "unsub_instead": (
        "Oder lieber Sprache oder Adresse ändern?",
        "Or would you rather change language or address?",
    ),
    "unsubbed_title": ("Sie sind abgemeldet", "You are unsubscribed"),
    "unsubbed_text": (
        "Sie erhalten keinen Newsletter mehr an diese Adresse. War das ein Versehen? Sie "
        "können sich jederzeit wieder anmelden:",
        "You will receive no more newsletters at this address. A mistake? You can sign up "
        "again at any time:",
    ),
    "prefs_title": ("Sprache oder Adresse ändern", "Change language or address"),
    "prefs_for": ("Einstellungen für {address}", "Settings for {address}"),
    "prefs_language_button": ("Sprache speichern", "Save language"),
    "prefs_address_label": ("Neue E-Mail-Adresse", "New e-mail address"),
    "prefs_address_hint": (
        "Wir schicken einen Bestätigungslink an die neue Adresse. Bis Sie ihn öffnen, bleibt "
        "alles wie es ist.",
        "We send a confirmation link to the new address. Until you open it, nothing changes.",
    ),
    "prefs_address_button": ("Neue Adresse bestätigen lassen", "Send confirmation link"),
    "prefs_unsubscribed": (
        "Diese Adresse ist vom Newsletter abgemeldet. Zum erneuten Anmelden:",
        "This address is unsubscribed from the newsletter. To sign up again:",
    ),
    "language_saved_title": ("Sprache gespeichert", "Language saved"),
    "language_saved_text": (
        "Sie erhalten künftig Post auf {language}.",
        "From now on you get mail in {language}.",
    ),
    "address_mail_title": (
        "Bitte prüfen Sie das Postfach der neuen Adresse",
        "Please check the new address's inbox",
    ),
    "address_mail_text": (
        "Wir haben einen Bestätigungslink an {address} geschickt. Erst wenn Sie ihn öffnen, "
        "geht der Newsletter an die neue Adresse. Der Link gilt {hours} Stunden.",
        "We have sent a confirmation link to {address}. Only when you open it does the "
        "newsletter go to the new address. The link is valid for {hours} hours.",
    ),
    "back_prefs": ("Zurück zu den Einstellungen", "Back to the settings"),
    "limit_title": ("Bitte später noch einmal", "Please try again later"),
    "limit_text": (
        "Von diesem Anschluss kamen in kurzer Zeit sehr viele Anmeldungen. Bitte versuchen Sie "
        "es in {minutes} Minuten noch einmal.",
        "Very many sign-ups came from this connection in a short time. Please try again in "
        "{minutes} minutes.",
    ),
    "busy_title": ("Gerade nicht möglich", "Not possible right now"),
    "busy_text": (
        "Die Bestätigungsmail kann gerade nicht verschickt werden. Bitte versuchen Sie es "
        "später noch einmal.",
        "The confirmation e-mail cannot be sent right now. Please try again later.",
    ),
    "forbidden_title": ("Anfrage abgelehnt", "Request refused"),
    "forbidden_text": (
        "Dieses Formular kann nur von unserer eigenen Seite aus abgeschickt werden.",
        "This form can only be sent from our own page.",
    ),
    "notfound_title": ("Seite nicht gefunden", "Page not found"),
    "notfound_text": ("Diese Seite gibt es nicht.", "This page does not exist."),
    "to_signup": ("Zur Anmeldung", "To the sign-up form"),
    "error_title": ("Ein Fehler ist aufgetreten", "An error occurred"),
    "error_text": (
        "Bitte versuchen Sie es später noch einmal. Bei Fragen schreiben Sie an {contact}.",
        "Please try again later. If you have questions, write to {contact}.",
    ),
    "lang_name_de": ("Deutsch", "German"),
    "lang_name_en": ("Englisch", "English"),
}


def text(key: str, lang: str, **kw: Any) -> str:
    """A page text in German or English."""
    de, en = _T[key]
    return (en if lang == "en" else de).format(**kw)


# --- templates -----------------------------------------------------------------------------

_BASE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{% if errors %}{{ t('error_prefix') }}: {% endif %}{{ title }} – {{ list_name }}</title>
<style>{{ css|safe }}</style>
</head>
<body>
<header><p>{{ list_name }}</p>{% if switch %}
<p><a href="{{ switch[0] }}" lang="{{ switch[1] }}" hreflang="{{ switch[1] }}">\
{{ switch[2] }}</a></p>
{% endif %}</header>
<main>
{% if errors %}<div class="error-summary" role="alert" aria-labelledby="error-summary-title" \
tabindex="-1" autofocus>
<h2 id="error-summary-title">{{ t('error_summary') }}</h2>
<ul>{% for name, message in errors.items() %}<li><a href="#{{ name }}">{{ message }}</a></li>\
{% endfor %}</ul>
</div>{% endif %}
<h1>{{ title }}</h1>
{% block main %}{% for p in paragraphs %}<p>{{ p }}</p>{% endfor %}
{% if link %}<p><a href="{{ link[0] }}">{{ link[1] }}</a></p>{% endif %}{% endblock %}
</main>
<footer><p>{{ publisher.name }} · {{ publisher.address }}</p>
<p><a href="{{ privacy_url }}">{{ t('privacy') }}</a></p></footer>
</body>
</html>
"""

_FIELD_ERROR = """{% macro error(name) %}{% if errors.get(name) %}<p class="field-error" \
id="{{ name }}-error"><span class="visually-hidden">{{ t('error_prefix') }}:</span> \
{{ errors.get(name) }}</p>{% endif %}{% endmacro %}
{% macro described(name, hint) %} aria-describedby="{{ hint }}{% if errors.get(name) %} \
{{ name }}-error{% endif %}"{% if errors.get(name) %} aria-invalid="true"{% endif %}{% endmacro %}
{% macro languages(chosen) %}<fieldset class="field"><legend>{{ t('language_legend') }}</legend>
{% for code, name in (('de', 'Deutsch'), ('en', 'English')) %}<div class="choice">
<input type="radio" id="language-{{ code }}" name="language" value="{{ code }}"\
{% if chosen == code %} checked{% endif %}>
<label for="language-{{ code }}" lang="{{ code }}">{{ name }}</label></div>
{% endfor %}</fieldset>{% endmacro %}
"""

_SIGNUP = """{% extends "base.html" %}{% import "fields.html" as f with context %}
{% block main %}<p>{{ t('signup_intro') }}</p>
<form method="post" action="{{ action }}" novalidate>
<input type="hidden" name="csrf" value="{{ csrf }}">
<div class="field{% if errors.get('email') %} has-error{% endif %}">
<label for="email">{{ t('email_label') }}</label>
<p class="hint" id="email-hint">{{ t('email_hint') }}</p>
{{ f.error('email') }}
<input type="email" id="email" name="email" value="{{ values.email }}" autocomplete="email" \
spellcheck="false" autocapitalize="none" required{{ f.described('email', 'email-hint') }}>
</div>
{{ f.languages(values.language) }}
<div class="field{% if errors.get('consent') %} has-error{% endif %}">
{{ f.error('consent') }}
<div class="choice"><input type="checkbox" id="consent" name="consent" value="yes"\
{% if values.consent %} checked{% endif %} required{{ f.described('consent', 'consent-hint') }}>
<label for="consent">{{ consent_text }}</label></div>
<p class="hint" id="consent-hint">{{ t('privacy_hint') }} <a href="{{ privacy_url }}">\
{{ t('privacy') }}</a></p>
</div>
<div class="hp" aria-hidden="true"><label for="website">{{ t('honeypot') }}</label>
<input type="text" id="website" name="website" value="" tabindex="-1" autocomplete="off"></div>
<button type="submit">{{ t('subscribe_button') }}</button>
</form>{% endblock %}
"""

_BUTTON = """{% extends "base.html" %}
{% block main %}{% for p in paragraphs %}<p>{{ p }}</p>{% endfor %}
<form method="post" action="{{ action }}">
{% for name, value in hidden %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}<button type="submit">{{ button }}</button>
</form>
{% if link %}<p><a href="{{ link[0] }}">{{ link[1] }}</a></p>{% endif %}{% endblock %}
"""

_PREFERENCES = """{% extends "base.html" %}{% import "fields.html" as f with context %}
{% block main %}<p>{{ t('prefs_for', address=masked) }}</p>
<form method="post" action="{{ action }}" novalidate>
<input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="action" value="language">
{{ f.languages(values.language) }}
<button type="submit">{{ t('prefs_language_button') }}</button>
</form>
<form method="post" action="{{ action }}" novalidate>
<input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="action" value="address">
<div class="field{% if errors.get('email') %} has-error{% endif %}">
<label for="email">{{ t('prefs_address_label') }}</label>
<p class="hint" id="email-hint">{{ t('prefs_address_hint') }}</p>
{{ f.error('email') }}
<input type="email" id="email" name="email" value="{{ values.email }}" autocomplete="email" \
spellcheck="false" autocapitalize="none" required{{ f.described('email', 'email-hint') }}>
</div>
<button type="submit">{{ t('prefs_address_button') }}</button>
</form>{% endblock %}
"""

TEMPLATES = {
    "base.html": _BASE,
    "fields.html": _FIELD_ERROR,
    "signup.html": _SIGNUP,
    "button.html": _BUTTON,
    "preferences.html": _PREFERENCES,
}


# --- requests and responses ----------------------------------------------------------------


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


def _trusted(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
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


def _read_form(environ: WSGIEnvironment) -> dict[str, str] | None:
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


def _mask(address: str) -> str:
    """l•••@example.org: enough to recognise one's own address, not to learn someone's."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}•••@{domain}"


# --- the application -----------------------------------------------------------------------


class App:
    """The WSGI application: one instance per process, one SQLite connection per request."""

    def __init__(
        self,
        settings: Settings,
        serve: ServeSettings | None = None,
        *,
        send: Callable[[Settings, Any], None] = signup.send_message,
    ) -> None:
        self.settings = settings
        self.serve = serve or signup.serve_settings(settings)
        self.send = send
        self.db_path = settings.path(settings.subscribers.database)
        self.base_path = urlsplit(self.serve.base_url).path.rstrip("/")
        base = urlsplit(self.serve.base_url)
        self.base_origin = f"{base.scheme}://{base.netloc}"
        self.trusted = _trusted(self.serve.trusted_proxies)
        self.per_ip = signup.SlidingWindow(self.serve.ip_limit, self.serve.ip_window_minutes * 60.0)
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(
                [
                    jinja2.FileSystemLoader(settings.root / "templates" / "serve"),
                    jinja2.DictLoader(TEMPLATES),
                ]
            ),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self._secret: bytes | None = None
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
            response = self.page(
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
        req = self.request(environ)
        if req.path in ("/", ""):
            return self.get_only(req) or self.signup_form(req)
        if req.path == "/subscribe":
            if req.method != "POST":
                return self.signup_form(req) if req.method in ("GET", "HEAD") else self.nope(req)
            return self.subscribe(req)
        match = _TOKEN_PATH.fullmatch(req.path)
        if match is None:
            return self.page(req.lang, HTTPStatus.NOT_FOUND, "notfound_title", ["notfound_text"])
        kind, token = match.groups()
        if req.method not in ("GET", "HEAD", "POST"):
            return self.nope(req)
        if req.method == "POST":
            form = _read_form(environ)
            if form is None:
                return self.page(req.lang, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "error_title", [])
            req.form = form
        handler = {
            "confirm": self.confirm,
            "unsubscribe": self.unsubscribe,
            "preferences": self.preferences,
        }[kind]
        return handler(req, token)

    def request(self, environ: WSGIEnvironment) -> Request:
        """Split prefix and path; the language from ?lang= or the browser's preference."""
        path = str(environ.get("PATH_INFO") or "/")
        prefix = str(environ.get("SCRIPT_NAME") or "")
        if self.base_path and (path == self.base_path or path.startswith(self.base_path + "/")):
            prefix += self.base_path
            path = path[len(self.base_path) :] or "/"
        elif not prefix:  # the proxy stripped the prefix without saying so: links need it
            prefix = self.base_path
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
            client=signup.ip_key(client_ip(environ, self.trusted)),
            lang=lang,
        )

    # --- helpers ---------------------------------------------------------------------------

    def secret(self, conn: sqlite3.Connection) -> bytes:
        """The form-signing key, read once."""
        if self._secret is None:
            self._secret = signup.form_secret(conn)
        return self._secret

    def render(self, template: str, lang: str, **context: Any) -> bytes:
        """A page from a template, with the texts of `lang`."""
        publisher = self.settings.publisher

        def t(key: str, **kw: Any) -> str:
            return text(key, lang, **kw)

        values: dict[str, Any] = {
            "lang": lang,
            "t": t,
            "css": _CSS,
            "list_name": self.settings.sender.from_name,
            "publisher": publisher,
            "privacy_url": self.serve.privacy_url,
            "errors": {},
            "switch": None,
            "paragraphs": [],
            "link": None,
            **context,
        }
        return self.env.get_template(template).render(values).encode()

    def page(
        self,
        lang: str,
        status: HTTPStatus,
        title: str,
        paragraphs: list[str],
        link: tuple[str, str] | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> Response:
        """A page of text: a title key, paragraphs (keys or finished text), perhaps a link."""
        shown = [text(p, lang) if p in _T else p for p in paragraphs]
        body = self.render("base.html", lang, title=text(title, lang), paragraphs=shown, link=link)
        return Response(status, body, headers or [])

    def nope(self, req: Request) -> Response:
        """405 with the methods allowed."""
        response = self.page(req.lang, HTTPStatus.METHOD_NOT_ALLOWED, "error_title", [])
        response.headers.append(("Allow", "GET, HEAD, POST"))
        return response

    def get_only(self, req: Request) -> Response | None:
        """405 for anything but GET and HEAD."""
        return None if req.method in ("GET", "HEAD") else self.nope(req)

    def switch(self, req: Request) -> tuple[str, str, str]:
        """The link to the same page in the other language."""
        other = "en" if req.lang == "de" else "de"
        label = "English" if other == "en" else "Deutsch"
        query = {k: v for k, v in req.query.items() if k != "lang"}
        return req.url(req.path if req.method == "GET" else "/", **query, lang=other), other, label

    def via_proxy(self, env: WSGIEnvironment) -> bool:
        """The request came through a trusted proxy (its X-Forwarded-* headers count)."""
        try:
            remote = ipaddress.ip_address(str(env.get("REMOTE_ADDR", "")))
        except ValueError:
            return False
        return any(remote in net for net in self.trusted) and "HTTP_X_FORWARDED_FOR" in env

    def cross_site(self, req: Request) -> bool:
        """A form POST that did not come from our own pages."""
        env = req.environ
        if env.get("HTTP_SEC_FETCH_SITE") == "cross-site":
            return True
        origin = env.get("HTTP_ORIGIN")
        if origin is None:
            return False  # an old browser or a script: the form token still has to be valid
        scheme, host = str(env.get("wsgi.url_scheme", "http")), str(env.get("HTTP_HOST", ""))
        if self.via_proxy(env):
            scheme = str(env.get("HTTP_X_FORWARDED_PROTO", scheme)).split(",")[0].strip()
            host = str(env.get("HTTP_X_FORWARDED_HOST", host)).split(",")[0].strip()
        return origin not in (self.base_origin, f"{scheme}://{host}")

    # --- form tokens -----------------------------------------------------------------------

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
            payload = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
        except (ValueError, TypeError):
            return False
        issued, *signed = payload
        age = time.time() - float(issued)
        return -60 < age < self.serve.form_ttl_hours * 3600 and list(signed) == list(fields)

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
            csrf = self.sign(conn, "signup", fid, consent)
        action = req.url("/subscribe", lang=req.lang, form=fid if fid != "web" else "")
        body = self.render(
            "signup.html",
            req.lang,
            title=text("signup_title", req.lang),
            values=values or {"email": "", "language": req.lang, "consent": False},
            errors=errors or {},
            csrf=csrf,
            action=action,
            consent_text=self.consent_text(req.lang),
            switch=self.switch(req),
        )
        status = HTTPStatus.BAD_REQUEST if errors else HTTPStatus.OK
        return Response(status, body)

    def _token_form_id(self, conn: sqlite3.Connection, req: Request, token: str) -> str | None:
        """The form id signed into a sign-up token, if the token is valid for this page."""
        _, consent = self._form_fields(req)
        data = token.partition(".")[0]
        try:
            payload = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
            form_id = str(payload[2])
        except (ValueError, TypeError, IndexError):
            return None
        return form_id if self.verify(conn, token, "signup", form_id, consent) else None

    def subscribe(self, req: Request) -> Response:
        """POST /subscribe: check, then pending + mail; the same page whatever the address."""
        form = _read_form(req.environ)  # read first: a refusal must not leave it unread
        if form is None:
            return self.page(req.lang, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "error_title", [])
        if self.cross_site(req):
            return self.page(req.lang, HTTPStatus.FORBIDDEN, "forbidden_title", ["forbidden_text"])
        wait = self.per_ip.hit(req.client)  # every POST counts, the bots' included
        if wait:
            minutes = max(1, round(wait / 60))
            return self.page(
                req.lang,
                HTTPStatus.TOO_MANY_REQUESTS,
                "limit_title",
                [text("limit_text", req.lang, minutes=minutes)],
                headers=[("Retry-After", str(int(wait) + 1))],
            )
        email = form.get("email", "").strip()
        language = form.get("language", req.lang)
        values = {
            "email": email,
            "language": language if language in ("de", "en") else req.lang,
            "consent": form.get("consent") == "yes",
        }
        if form.get("website"):  # the honeypot: a bot; it is told what a person is told
            log.info("sign-up: honeypot filled; nothing stored")
            return self.check_mail_page(req, email)
        with store.open_store(self.db_path) as conn:
            form_id = self._token_form_id(conn, req, form.get("csrf", ""))
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = text("err_email_missing", req.lang)
        else:
            try:
                store.parse_address(email)
            except NewsletterError as exc:
                detail = exc.params.get("detail_en" if req.lang == "en" else "detail", "")
                errors["email"] = text("err_email_invalid", req.lang, detail=detail or "?")
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
            return self.page(req.lang, HTTPStatus.SERVICE_UNAVAILABLE, "busy_title", ["busy_text"])
        return self.check_mail_page(req, email)

    def mail(
        self, conn: sqlite3.Connection, outcome: signup.Outcome, purpose: str, language: str
    ) -> bool:
        """Send the confirmation an outcome asks for; True when that failed."""
        if outcome.status != "mail":
            return False
        message = signup.confirmation_message(
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

    def check_mail_page(self, req: Request, email: str) -> Response:
        """ "Please check your inbox": for new, pending, active, limited and bots alike."""
        hours = f"{self.serve.token_ttl_hours:g}"
        paragraphs = [
            text("check_text", req.lang, address=email, hours=hours),
            text("check_missing", req.lang),
        ]
        link = (req.url("/", lang=req.lang), text("again", req.lang))
        return self.page(req.lang, HTTPStatus.OK, "check_title", paragraphs, link)

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

    def token_problem(self, req: Request, exc: NewsletterError, lang: str) -> Response:
        """The clear page for an unknown, expired or used link, or a taken address."""
        contact = self.settings.publisher.email
        again = (req.url("/", lang=lang), text("to_signup", lang))
        hours = f"{self.serve.token_ttl_hours:g}"
        if exc.code == "SIGNUP_TOKEN_EXPIRED":
            return self.page(
                lang,
                HTTPStatus.GONE,
                "expired_title",
                [text("expired_text", lang, hours=hours)],
                again,
            )
        if exc.code == "SIGNUP_TOKEN_USED":
            return self.page(lang, HTTPStatus.GONE, "used_title", ["used_text"])
        if exc.code == "SIGNUP_ADDRESS_TAKEN":
            address = str(exc.params.get("address", ""))
            paragraphs = [text("taken_text", lang, address=address, contact=contact)]
            return self.page(lang, HTTPStatus.CONFLICT, "taken_title", paragraphs)
        paragraphs = [text("unknown_text", lang, contact=contact)]
        return self.page(lang, HTTPStatus.NOT_FOUND, "unknown_title", paragraphs)

    def confirm(self, req: Request, token: str) -> Response:
        """GET: the page with one button; POST: use the token."""
        with store.open_store(self.db_path) as conn:
            found = signup.lookup(conn, token)
            lang = req.query.get("lang") or (found.language if found else req.lang)
            lang = "en" if lang == "en" else "de"
            try:
                if req.method != "POST":
                    c = signup.check(found, datetime.now(UTC))
                    change = c.purpose == "change_address"
                    body = self.render(
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
                return self.token_problem(req, exc, lang)
        prefs = (req.url(f"/preferences/{s.unsubscribe_token}"), text("prefs_title", lang))
        if c.purpose == "change_address":
            done = text("address_done_text", lang, address=s.address_normalized)
            return self.page(lang, HTTPStatus.OK, "address_done_title", [done], prefs)
        return self.page(lang, HTTPStatus.OK, "confirmed_title", ["confirmed_text"], prefs)

    # --- unsubscribe -----------------------------------------------------------------------

    def unsubscribe(self, req: Request, token: str) -> Response:
        """GET shows one button and changes nothing; POST (one-click or the button) unsubscribes."""
        with store.open_store(self.db_path) as conn:
            s = store.by_token(conn, token)
            lang = req.query.get("lang") or (s.language if s else req.lang)
            lang = "en" if lang == "en" else "de"
            if s is None:
                paragraphs = [text("unknown_text", lang, contact=self.settings.publisher.email)]
                return self.page(lang, HTTPStatus.NOT_FOUND, "unknown_title", paragraphs)
            again = (req.url("/", lang=lang), text("to_signup", lang))
            if req.method == "POST":
                one_click = req.form.get("List-Unsubscribe") == "One-Click"
                via = "web" if req.form.get("source") == "page" or not one_click else "one-click"
                s, changed = store.unsubscribe(conn, token=token, via=via)
                if changed:
                    signup.cancel_open(conn, s.id)
                    log.info("unsubscribed subscriber %d via %s", s.id, via)
                return self.page(lang, HTTPStatus.OK, "unsubbed_title", ["unsubbed_text"], again)
        if s.status == "unsubscribed":
            return self.page(lang, HTTPStatus.OK, "unsubbed_title", ["unsubbed_text"], again)
        body = self.render(
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
            lang = req.query.get("lang") or (s.language if s else req.lang)
            lang = "en" if lang == "en" else "de"
            if s is None:
                paragraphs = [text("unknown_text", lang, contact=self.settings.publisher.email)]
                return self.page(lang, HTTPStatus.NOT_FOUND, "unknown_title", paragraphs)
            if s.status == "unsubscribed":
                again = (req.url("/", lang=lang), text("to_signup", lang))
                return self.page(lang, HTTPStatus.OK, "prefs_title", ["prefs_unsubscribed"], again)
            scope = signup.hash_token(token)[:16]
            errors: dict[str, str] = {}
            values = {"language": s.language, "email": ""}
            if req.method == "POST":
                if self.cross_site(req):
                    return self.page(
                        lang, HTTPStatus.FORBIDDEN, "forbidden_title", ["forbidden_text"]
                    )
                if not self.verify(conn, req.form.get("csrf", ""), "preferences", scope):
                    errors["email"] = text("err_stale", lang)
                elif req.form.get("action") == "language":
                    code = signup.set_language(conn, s, req.form.get("language", "de"))
                    name = text(f"lang_name_{'en' if code == 'en' else 'de'}", code)
                    back = (req.url(req.path), text("back_prefs", code))
                    saved = [text("language_saved_text", code, language=name)]
                    return self.page(code, HTTPStatus.OK, "language_saved_title", saved, back)
                else:
                    values["email"] = req.form.get("email", "").strip()
                    response = self.change_address(req, conn, s, values["email"], lang, errors)
                    if response is not None:
                        return response
            csrf = self.sign(conn, "preferences", scope)
        body = self.render(
            "preferences.html",
            lang,
            title=text("prefs_title", lang),
            masked=_mask(s.address_normalized),
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
            minutes = max(1, round(wait / 60))
            paragraphs = [text("limit_text", lang, minutes=minutes)]
            return self.page(lang, HTTPStatus.TOO_MANY_REQUESTS, "limit_title", paragraphs)
        try:
            outcome = signup.request_address_change(conn, s, email, serve=self.serve)
        except NewsletterError as exc:
            if exc.code == "SIGNUP_ADDRESS_SAME":
                errors["email"] = text("err_same", lang)
            else:
                detail = exc.params.get("detail_en" if lang == "en" else "detail", "")
                errors["email"] = text("err_email_invalid", lang, detail=detail or "?")
            return None
        if self.mail(conn, outcome, "change_address", lang) or outcome.status == "busy":
            return self.page(lang, HTTPStatus.SERVICE_UNAVAILABLE, "busy_title", ["busy_text"])
        hours = f"{self.serve.token_ttl_hours:g}"
        done = [text("address_mail_text", lang, address=email, hours=hours)]
        back = (req.url(req.path), text("back_prefs", lang))
        return self.page(lang, HTTPStatus.OK, "address_mail_title", done, back)


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
