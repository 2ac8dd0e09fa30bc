"""The sign-up pages of the service: the form, double opt-in, one-click unsubscribe, preferences.

    GET  /                   the sign-up form (?lang=en, ?form=NAME for a named form)
    POST /subscribe          pending subscriber + confirmation mail (honeypot, rate limits)
    GET  /confirm/TOKEN      a page with one button; changes nothing (link scanners fetch GETs)
    POST /confirm/TOKEN      activates the subscriber with the proof (or moves the address)
    GET  /unsubscribe/TOKEN  a page with one button; changes nothing
    POST /unsubscribe/TOKEN  unsubscribes: RFC 8058 one-click, 200, no redirect, idempotent
    GET  /preferences/TOKEN  change language, or address (confirmed by the new address)
    POST /preferences/TOKEN

`SignupRoutes(app)` adds these routes to the App (app.py), as UploadRoutes adds the upload
page's; what they do to the store is signup.py, the mail signup_mail.py (sent from
signup_queue.py's thread).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from newsletter.core.errors import NewsletterError
from newsletter.store import subscribers as store
from newsletter.web import ratelimit, signup, signup_queue
from newsletter.web.http import (
    Request,
    Response,
    html_response,
    token_payload,
)
from newsletter.web.pages import mask
from newsletter.web.texts import email_error, text

if TYPE_CHECKING:
    from newsletter.web.app import App

log = logging.getLogger("newsletter.web.app")  # the service's one log, as before the split


def _link_lang(req: Request, fallback: str) -> str:
    """The language of a token's page: ?lang=, else `fallback` (the subscriber's); de or en."""
    lang = req.query.get("lang") or fallback
    return "en" if lang == "en" else "de"


class SignupRoutes:
    """The sign-up routes of one App: they share its pages, form tokens, limits and mail queue."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.settings, self.serve, self.db_path = app.settings, app.serve, app.db_path
        self.pages, self.tokens, self.mails = app.pages, app.tokens, app.mails
        self.per_ip = ratelimit.SlidingWindow(
            self.serve.ip_limit, self.serve.ip_window_minutes * 60.0
        )
        self._pruned = 0.0
        self._prune_lock = threading.Lock()
        app.add_route("/", "signup_form", self.signup_form, methods=("GET",))
        app.add_route("/subscribe", "subscribe", self.subscribe, methods=("GET", "POST"))
        app.add_route("/confirm/<token>", "confirm", self.confirm)
        app.add_route("/unsubscribe/<token>", "unsubscribe", self.unsubscribe)
        app.add_route("/preferences/<token>", "preferences", self.preferences)

    def cross_site(self, req: Request) -> bool:
        """A form POST that did not come from our own pages."""
        return self.app.cross_site(req)

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
