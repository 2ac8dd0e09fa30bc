"""How the sign-up service's pages look: the style and the headers that allow only it, the
Jinja2 templates (an editor's file of the same name in `templates/serve/` wins), and the pages
the handlers answer with. What the pages say is webapp_texts.py.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

import jinja2

from newsletter.core.config import ServeSettings, Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.resources import editor_templates
from newsletter.web.http import Request, Response, html_response
from newsletter.web.texts import TEXTS, text

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
    # and the origin check (webapp_http.cross_site) needs the real one. Token URLs still never
    # leave the site.
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ("Cache-Control", "no-store"),
]


def mask(address: str) -> str:
    """l•••@example.org: enough to recognise one's own address, not to learn someone's."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}•••@{domain}"


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


# --- pages ---------------------------------------------------------------------------------


class Pages:
    """Renders the service's pages in German or English, and the pages several handlers share."""

    def __init__(self, settings: Settings, serve: ServeSettings) -> None:
        self.settings = settings
        self.serve = serve
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(
                [
                    jinja2.FileSystemLoader(editor_templates(settings) / "serve"),
                    jinja2.DictLoader(TEMPLATES),
                ]
            ),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )

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
    ) -> Response:
        """A page of text: a title key, paragraphs (keys or finished text), perhaps a link."""
        shown = [text(p, lang) if p in TEXTS else p for p in paragraphs]
        body = self.render("base.html", lang, title=text(title, lang), paragraphs=shown, link=link)
        return html_response(status, body)

    def switch(self, req: Request) -> tuple[str, str, str]:
        """The link to the same page in the other language."""
        other = "en" if req.lang == "de" else "de"
        label = "English" if other == "en" else "Deutsch"
        query = {k: v for k, v in req.query.items() if k != "lang"}
        return req.url(req.path if req.method == "GET" else "/", **query, lang=other), other, label

    @property
    def link_hours(self) -> str:
        """How many hours a confirmation link is valid, as the pages say it."""
        return f"{self.serve.token_ttl_hours:g}"

    def to_signup(self, req: Request, lang: str) -> tuple[str, str]:
        """The link back to the sign-up form."""
        return req.url("/", lang=lang), text("to_signup", lang)

    def not_allowed(self, lang: str, allowed: Iterable[str] = ("GET", "HEAD", "POST")) -> Response:
        """405 with the methods allowed."""
        response = self.page(lang, HTTPStatus.METHOD_NOT_ALLOWED, "error_title", [])
        response.headers["Allow"] = ", ".join(allowed)
        return response

    def too_large(self, lang: str) -> Response:
        """413: a form over the route's limits ([serve] max_form_bytes, max_form_fields)."""
        return self.page(
            lang, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large_title", ["too_large_text"]
        )

    def bad_request(self, lang: str) -> Response:
        """400: a request the service cannot read."""
        return self.page(lang, HTTPStatus.BAD_REQUEST, "bad_request_title", ["bad_request_text"])

    def not_found(self, lang: str) -> Response:
        """404: no such page."""
        return self.page(lang, HTTPStatus.NOT_FOUND, "notfound_title", ["notfound_text"])

    def forbidden(self, lang: str) -> Response:
        """403: a form sent from another site."""
        return self.page(lang, HTTPStatus.FORBIDDEN, "forbidden_title", ["forbidden_text"])

    def limited(self, lang: str, wait: float) -> Response:
        """429: too many sign-ups from this connection; `wait` seconds until the next one."""
        minutes = max(1, round(wait / 60))
        paragraphs = [text("limit_text", lang, minutes=minutes)]
        return self.page(lang, HTTPStatus.TOO_MANY_REQUESTS, "limit_title", paragraphs)

    def busy(self, lang: str) -> Response:
        """503: the confirmation mail cannot be sent now."""
        return self.page(lang, HTTPStatus.SERVICE_UNAVAILABLE, "busy_title", ["busy_text"])

    def unknown_link(self, lang: str) -> Response:
        """404: a token nobody has."""
        paragraphs = [text("unknown_text", lang, contact=self.settings.publisher.email)]
        return self.page(lang, HTTPStatus.NOT_FOUND, "unknown_title", paragraphs)

    def check_mail(self, req: Request, email: str) -> Response:
        """ "Please check your inbox": for new, pending, active, limited and bots alike."""
        paragraphs = [
            text("check_text", req.lang, address=email, hours=self.link_hours),
            text("check_missing", req.lang),
        ]
        link = (req.url("/", lang=req.lang), text("again", req.lang))
        return self.page(req.lang, HTTPStatus.OK, "check_title", paragraphs, link)

    def token_problem(self, req: Request, exc: NewsletterError, lang: str) -> Response:
        """The clear page for an unknown, expired or used link, or a taken address."""
        if exc.code == "SIGNUP_TOKEN_EXPIRED":
            return self.page(
                lang,
                HTTPStatus.GONE,
                "expired_title",
                [text("expired_text", lang, hours=self.link_hours)],
                self.to_signup(req, lang),
            )
        if exc.code == "SIGNUP_TOKEN_USED":
            return self.page(lang, HTTPStatus.GONE, "used_title", ["used_text"])
        if exc.code == "SIGNUP_ADDRESS_TAKEN":
            address = str(exc.params.get("address", ""))
            contact = self.settings.publisher.email
            paragraphs = [text("taken_text", lang, address=address, contact=contact)]
            return self.page(lang, HTTPStatus.CONFLICT, "taken_title", paragraphs)
        return self.unknown_link(lang)
