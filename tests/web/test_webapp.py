"""The sign-up service against real servers: waitress on 127.0.0.1, an aiosmtpd sink, Chromium.

Nothing is mocked: the app runs in a waitress server thread (webapp_server.py, the server
`newsletter serve` runs), the confirmation mail goes through
`newsletter.send.deliver.open_connection` to an aiosmtpd sink, and the form is driven in Debian's
Chromium through Playwright, as in test_render.py.
"""

from __future__ import annotations

import email
import hashlib
import http.client
import ipaddress
import logging
import re
import socket
import sqlite3
import threading
import time
from argparse import Namespace
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Browser
from rich.console import Console

from newsletter.cli import serve as serve_cli
from newsletter.core.config import ServeSettings, Settings, load_settings
from newsletter.core.errors import NewsletterError
from newsletter.output.render import UNSUBSCRIBE_PLACEHOLDER
from newsletter.send.compose import MessageFactory, Recipient
from newsletter.store import subscribers as store
from newsletter.web import signup
from newsletter.web.app import App
from newsletter.web.http import client_ip
from newsletter.web.ratelimit import SlidingWindow, ip_key
from newsletter.web.server import make_wsgi_server
from tests.support import Sink, free_port, smtp_server, write_built_email

URL_RE = re.compile(r"https?://\S+")


# --- real servers --------------------------------------------------------------------------


def open_db(settings: Settings) -> sqlite3.Connection:
    """The store (its migrations create the sign-up tables)."""
    return store.connect(settings.path(settings.subscribers.database))


@dataclass
class Service:
    """The running service: its settings, its base URL, the sink."""

    settings: Settings
    serve: ServeSettings
    base: str  # http://127.0.0.1:PORT/newsletter
    sink: Sink
    app: App

    def db(self) -> sqlite3.Connection:
        return open_db(self.settings)

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        parts = urlsplit(url if url.startswith("http") else self.base + url)
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        text = response.read().decode()
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def form_token(self, query: str = "") -> str:
        _, _, page = self.request("GET", "/" + query)
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found, page
        return found.group(1)

    def sign_up(
        self,
        address: str,
        *,
        csrf: str | None = None,
        ip: str | None = None,
        honeypot: str = "",
        language: str = "de",
        extra: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        fields = {
            "csrf": self.form_token() if csrf is None else csrf,
            "email": address,
            "language": language,
            "consent": "yes",
            "website": honeypot,
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if ip:
            headers["X-Forwarded-For"] = ip
        headers.update(extra or {})
        return self.request("POST", "/subscribe", urlencode(fields).encode(), headers)


def configure(tmp: Path, smtp_port: int) -> Settings:
    settings = load_settings(root=tmp)
    return settings.model_copy(
        update={"smtp": settings.smtp.model_copy(update={"port": smtp_port, "timeout": 5.0})}
    )


def start(settings: Settings, sink: Sink, **serve: Any) -> Iterator[Service]:
    open_db(settings).close()
    server = make_wsgi_server(lambda e, s: [], "127.0.0.1", 0)
    port = server.server_address[1]
    base = f"http://127.0.0.1:{port}/newsletter"
    config = ServeSettings.model_validate({"base_url": base + "/", **serve})
    app = App(settings, config)
    server.set_app(app)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield Service(settings, config, base, sink, app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        app.close()


@pytest.fixture
def service(tmp_path: Path, sink: tuple[Sink, int]) -> Iterator[Service]:
    yield from start(configure(tmp_path, sink[1]), sink[0])


def confirmation_link(msg: EmailMessage) -> str:
    body = msg.get_content()
    links = URL_RE.findall(body)
    assert len(links) == 1, body  # the confirmation and nothing else
    return str(links[0])


def row(conn: sqlite3.Connection, address: str) -> store.Subscriber:
    found = store.get(conn, address)
    assert found is not None
    return found


# --- the double opt-in ---------------------------------------------------------------------


def test_sign_up_mails_a_link_that_activates_with_proof(service: Service) -> None:
    status, _, page = service.sign_up("Ayse.Beispiel@Example.org", language="en")
    assert status == 200 and "Bitte prüfen Sie Ihr Postfach" in page
    with service.db() as db:
        s = row(db, "ayse.beispiel@example.org")
        assert s.status == "pending" and s.subscribed_via == "form:web"
        assert s.confirmed_at is None
    [mail] = service.sink.wait_for("Ayse.Beispiel@example.org")
    # plain, short, English as chosen, nothing but the confirmation
    assert mail.get_content_type() == "text/plain" and not mail.is_multipart()
    assert mail["Subject"] == "Please confirm your subscription"
    assert mail["Auto-Submitted"] == "auto-generated" and mail["List-Unsubscribe"] is None
    body = mail.get_content()
    assert len(body) < 900 and "<" not in body and "Ausgabe" not in body
    link = confirmation_link(mail)
    assert link.startswith(service.base + "/confirm/")
    token = link.rsplit("/", 1)[1]
    assert "ayse" not in token.lower() and len(token) >= 43
    with service.db() as db:  # only the hash is stored
        assert db.execute("SELECT COUNT(*) FROM confirmations WHERE token_hash = ?", (token,))
        stored = db.execute("SELECT token_hash FROM confirmations").fetchall()
        assert [r[0] for r in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    # a link scanner's GET changes nothing
    status, _, page = service.request("GET", link)
    assert status == 200 and "Please confirm" in page and "<button" in page
    with service.db() as db:
        assert row(db, "ayse.beispiel@example.org").status == "pending"
    status, headers, page = service.request("POST", link, b"", {"Origin": service_origin(service)})
    assert status == 200 and "Subscription confirmed" in page and "location" not in headers
    with service.db() as db:
        s = row(db, "ayse.beispiel@example.org")
        assert s.status == "active" and s.language == "en"
        assert s.confirmed_at is not None and s.confirmed_via == "double-opt-in:web"
        assert s.consent_version == service.settings.subscribers.consent_version
        proof = db.execute(
            "SELECT c.form_id, c.consent_version, c.used_at, c.created_at, t.text, t.language"
            " FROM confirmations c JOIN consent_texts t ON t.sha256 = c.consent_sha256"
        ).fetchone()
    assert proof["form_id"] == "web" and proof["used_at"] == s.confirmed_at
    assert proof["consent_version"] == s.consent_version
    assert proof["created_at"] <= proof["used_at"]
    # the consent text stored is the one the form showed (the German page)
    assert proof["language"] == "de" and proof["text"] in page_text(service, "/")


def service_origin(service: Service) -> str:
    parts = urlsplit(service.base)
    return f"{parts.scheme}://{parts.netloc}"


def page_text(service: Service, path: str) -> str:
    import html

    return html.unescape(service.request("GET", path)[2])


def test_a_named_form_is_recorded_as_the_source(service: Service) -> None:
    fields = {"csrf": service.form_token("?form=sommerfest-2026"), "email": "kiosk@example.org"}
    fields |= {"language": "de", "consent": "yes", "website": ""}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = service.request(
        "POST", "/subscribe?form=sommerfest-2026", urlencode(fields).encode(), headers
    )
    assert status == 200
    [mail] = service.sink.wait_for("kiosk@example.org")
    service.request("POST", confirmation_link(mail))
    with service.db() as db:
        s = row(db, "kiosk@example.org")
        assert s.subscribed_via == "form:sommerfest-2026"
        assert s.confirmed_via == "double-opt-in:sommerfest-2026"


def test_expired_reused_and_unknown_links_get_a_clear_page(service: Service) -> None:
    service.sign_up("leser@example.org")
    [mail] = service.sink.wait_for("leser@example.org")
    link = confirmation_link(mail)
    assert service.request("POST", link)[0] == 200
    status, _, page = service.request("POST", link)
    assert status == 410 and "schon verwendet" in page
    status, _, page = service.request("GET", link)
    assert status == 410 and "schon verwendet" in page
    # a link from 49 hours ago (valid 48)
    with service.db() as db:
        old = signup.request_subscription(
            db,
            "spaet@example.org",
            language="de",
            form_id="web",
            consent_version="2026-11",
            consent_text="Ja",
            serve=service.serve,
            now=datetime.now(UTC) - timedelta(hours=49),
        )
    expired = f"{service.base}/confirm/{old.token}"
    for method in ("GET", "POST"):
        status, _, page = service.request(method, expired)
        assert status == 410 and "abgelaufen" in page and "48 Stunden" in page
        assert 'href="/newsletter/?lang=de"' in page  # the way to a new link
    with service.db() as db:
        assert row(db, "spaet@example.org").status == "pending"
    wrong = link[:-1] + ("A" if link[-1] != "A" else "B")  # one character off
    status, _, page = service.request("POST", wrong)
    assert status == 404 and "Link unbekannt" in page


def test_an_active_subscriber_signing_up_again_gets_the_same_page_and_no_mail(
    service: Service,
) -> None:
    with service.db() as db:
        store.add(db, "dabei@example.org", consent_version="2026-11", via="test")
    status, _, page = service.sign_up("dabei@example.org")
    assert status == 200 and "Bitte prüfen Sie Ihr Postfach" in page  # reveals nothing
    time.sleep(0.2)
    assert service.sink.to("dabei@example.org") == []


def test_someone_who_left_can_come_back_only_through_a_new_confirmation(
    service: Service,
) -> None:
    with service.db() as db:
        s = store.add(db, "zurueck@example.org", consent_version="2025-01", via="import")
        store.unsubscribe(db, address="zurueck@example.org")
    service.sign_up("zurueck@example.org")
    with service.db() as db:  # the suppression record holds until the link is followed
        assert row(db, "zurueck@example.org").status == "unsubscribed"
    [mail] = service.sink.wait_for("zurueck@example.org")
    service.request("POST", confirmation_link(mail))
    with service.db() as db:
        back = row(db, "zurueck@example.org")
    assert back.status == "active" and back.consent_version == "2026-11"
    assert back.unsubscribe_token == s.unsubscribe_token


class Refusing(Sink):
    """A relay that refuses every recipient, naming the address in its answer (as Postfix does)."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self.refused.append(address)
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


def test_a_relay_failure_is_logged_without_the_address_and_does_not_count(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The visitor's page never depends on the relay (issue 10, item 11): a refusal or an
    unreachable relay is logged with its code and without the address, the confirmation is
    withdrawn so it does not count against the address's limit, and the page is the same."""
    relay = Refusing()
    with smtp_server(relay) as port, caplog.at_level(logging.INFO):
        for svc in start(configure(tmp_path / "refused", port), relay, address_limit=1):
            for _ in range(2):  # limit 1: the second try is allowed only if the first was
                status, _, page = svc.sign_up("Geduld.Probe@example.org")
                assert status == 200 and "Bitte prüfen Sie Ihr Postfach" in page
                assert "später" not in page
                svc.app.mails.join()
                with svc.db() as db:
                    assert db.execute("SELECT COUNT(*) FROM confirmations").fetchone()[0] == 0
            assert [a.lower() for a in relay.refused] == ["geduld.probe@example.org"] * 2
    unreachable = configure(tmp_path / "unreachable", free_port())  # nothing listens there
    with caplog.at_level(logging.INFO):
        for svc in start(unreachable, Sink(), address_limit=1):
            status, _, page = svc.sign_up("geduld.probe@example.org")
            assert status == 200 and "Bitte prüfen Sie Ihr Postfach" in page
            svc.app.mails.join()
            with svc.db() as db:
                assert db.execute("SELECT COUNT(*) FROM confirmations").fetchone()[0] == 0
    ours = [r for r in caplog.records if r.name.startswith("newsletter")]  # not the test relay's
    failures = [r.getMessage() for r in ours if r.levelno >= logging.ERROR]
    assert len(failures) == 3, failures
    assert sum("SMTP_REFUSED 550" in f for f in failures) == 2
    assert sum("SMTP_UNREACHABLE" in f for f in failures) == 1
    everything = "\n".join(r.getMessage() for r in ours).lower()
    assert "geduld" not in everything and "probe" not in everything


# --- unsubscribing -------------------------------------------------------------------------


def make_outbox(folder: Path) -> Path:
    """A minimal built issue, as in test_deliver.py."""
    return write_built_email(
        folder / "outbox" / "2026-12",
        "<!DOCTYPE html><html><head><title>Newsletter – Ausgabe 38</title></head><body>"
        f'<p>Hallo</p><a href="{UNSUBSCRIBE_PLACEHOLDER}">Abbestellen</a></body></html>',
        f"Hallo\n\nAbbestellen: {UNSUBSCRIBE_PLACEHOLDER}\n",
    )


def header_url(service: Service, tmp: Path, address: str, token: str) -> str:
    """The https URL of a sent newsletter's List-Unsubscribe, moved onto the test server."""
    raw = MessageFactory(make_outbox(tmp), service.settings).message(Recipient(address, token))
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    urls: list[str] = re.findall(r"<(https?://[^>]+)>", str(msg["List-Unsubscribe"]))
    assert urls, msg["List-Unsubscribe"]
    parts = urlsplit(urls[0])
    return service_origin(service) + parts.path


def test_one_click_post_unsubscribes_and_a_get_does_not(service: Service, tmp_path: Path) -> None:
    with service.db() as db:
        s = store.add(db, "klick@example.org", consent_version="2026-11", via="test")
    url = header_url(service, tmp_path, s.address, s.unsubscribe_token)
    assert url.endswith(f"/newsletter/unsubscribe/{s.unsubscribe_token}")
    for method in ("GET", "HEAD", "GET"):  # link scanners, previews
        status, _, page = service.request(method, url)
        assert status == 200
    assert page.count("<button") == 1 and "klick@example.org" not in page
    with service.db() as db:
        assert row(db, "klick@example.org").status == "active"
    body = b"List-Unsubscribe=One-Click"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, response_headers, page = service.request("POST", url, body, headers)
    assert status == 200 and "location" not in response_headers
    assert "Sie sind abgemeldet" in page
    with service.db() as db:
        first = row(db, "klick@example.org")
    assert first.status == "unsubscribed" and first.unsubscribed_via == "one-click"
    # idempotent: the same answer, nothing changes
    status, _, _ = service.request("POST", url, body, headers)
    with service.db() as db:
        again = row(db, "klick@example.org")
    assert status == 200 and again.unsubscribed_at == first.unsubscribed_at


def test_one_click_as_multipart_form_data(service: Service, tmp_path: Path) -> None:
    """RFC 8058 says the POST SHOULD be multipart/form-data."""
    with service.db() as db:
        s = store.add(db, "multi@example.org", consent_version="2026-11", via="test")
    url = header_url(service, tmp_path, s.address, s.unsubscribe_token)
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        b"One-Click\r\n--XyZ--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    status, _, _ = service.request("POST", url, body, headers)
    with service.db() as db:
        left = row(db, "multi@example.org")
    assert status == 200 and left.status == "unsubscribed" and left.unsubscribed_via == "one-click"


def test_unknown_unsubscribe_token_changes_nothing(service: Service) -> None:
    status, _, page = service.request("POST", "/unsubscribe/" + "x" * 43, b"")
    assert status == 404 and "Link unbekannt" in page


# --- preferences ---------------------------------------------------------------------------


def test_language_changes_at_once_and_an_address_only_when_the_new_one_confirms(
    service: Service,
) -> None:
    with service.db() as db:
        s = store.add(db, "alt@example.org", consent_version="2026-11", via="test")
    url = f"/preferences/{s.unsubscribe_token}"
    status, _, page = service.request("GET", url)
    assert status == 200 and "a•••@example.org" in page and "alt@example.org" not in page
    csrf = re.findall(r'name="csrf" value="([^"]+)"', page)[0]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    fields = urlencode({"csrf": csrf, "action": "language", "language": "en"}).encode()
    status, _, page = service.request("POST", url, fields, form)
    assert status == 200 and "Language saved" in page
    with service.db() as db:
        assert row(db, "alt@example.org").language == "en"
    # a forged or stale form token is refused
    fields = urlencode({"csrf": "forged", "action": "language", "language": "de"}).encode()
    status, _, _ = service.request("POST", url, fields, form)
    with service.db() as db:
        assert status == 400 and row(db, "alt@example.org").language == "en"
    fields = urlencode({"csrf": csrf, "action": "address", "email": "neu@example.org"}).encode()
    status, _, page = service.request("POST", url, fields, form)
    assert status == 200 and "neu@example.org" in page
    with service.db() as db:  # nothing changes until the new address confirms
        assert store.get(db, "neu@example.org") is None
        assert row(db, "alt@example.org").status == "active"
    [mail] = service.sink.wait_for("neu@example.org")
    assert mail["Subject"] == "Please confirm your new e-mail address"
    status, _, page = service.request("POST", confirmation_link(mail))
    assert status == 200 and "neu@example.org" in page
    with service.db() as db:
        moved = row(db, "neu@example.org")
        assert store.get(db, "alt@example.org") is None
    assert moved.id == s.id and moved.status == "active"
    assert moved.unsubscribe_token == s.unsubscribe_token and moved.confirmed_at == s.confirmed_at


# --- abuse ---------------------------------------------------------------------------------


def test_rate_limits_and_the_honeypot_stop_a_scripted_flood(tmp_path: Path) -> None:
    handler = Sink()
    with smtp_server(handler) as port:
        settings = configure(tmp_path, port)
        limits = {"ip_limit": 5, "address_limit": 3, "mails_per_hour": 1000}
        # 600 sign-ups: without the answer's floor (its own test is in test_webapp_server.py)
        for svc in start(settings, handler, **limits, signup_answer_ms=0):
            csrf = svc.form_token()
            # one machine, 200 different addresses: the per-IP limit
            statuses = [
                svc.sign_up(f"flut{i}@example.org", csrf=csrf, ip="198.51.100.7")[0]
                for i in range(200)
            ]
            assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
            # 200 machines, one victim: the per-address limit
            for i in range(200):
                svc.sign_up("opfer@example.org", csrf=csrf, ip=f"203.0.113.{i % 250}")
            # 200 bots filling in the honeypot: told "check your inbox", nothing happens
            bot = [
                svc.sign_up(f"bot{i}@example.org", csrf=csrf, ip=f"192.0.2.{i}", honeypot="x")
                for i in range(200)
            ]
            assert {b[0] for b in bot} == {200}
            assert all("Bitte prüfen Sie Ihr Postfach" in b[2] for b in bot)
            # a script posting without ever loading the form
            for i in range(20):
                status, _, _ = svc.sign_up(f"direkt{i}@example.org", csrf="", ip=f"10.9.0.{i}")
                assert status == 400
            _, headers, _ = svc.sign_up("x@example.org", csrf=csrf, ip="198.51.100.7")
            assert int(headers["retry-after"]) > 0
            time.sleep(0.3)
            with svc.db() as db:
                rows = db.execute("SELECT address_key FROM subscribers").fetchall()
        sent = [r for rcpts, _ in handler.messages for r in rcpts]
        assert len([a for a in sent if a.startswith("flut")]) == 5
        assert sent.count("opfer@example.org") == 3
        assert not [a for a in sent if a.startswith(("bot", "direkt"))]
        assert len(rows) == 5 + 1  # the five flood addresses and the victim, pending


def test_security_headers_no_cookies_and_cross_site_posts_refused(service: Service) -> None:
    status, headers, page = service.request("GET", "/")
    assert status == 200
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin" and headers["cache-control"] == "no-store"
    assert "set-cookie" not in headers and "<script" not in page
    for extra in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        status, _, page = service.sign_up("csrf@example.org", extra=extra)
        assert status == 403 and "eigenen Seite" in page
    status, _, _ = service.sign_up("ok@example.org", extra={"Origin": service_origin(service)})
    assert status == 200
    time.sleep(0.2)
    assert service.sink.to("csrf@example.org") == []


def test_the_client_address_comes_from_trusted_proxies_only() -> None:
    trusted = [ipaddress.ip_network("127.0.0.1/32")]
    via_proxy = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.9"}
    assert client_ip(via_proxy, trusted) == "198.51.100.9"  # the proxy's view, not the claim
    direct = {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    assert client_ip(direct, trusted) == "203.0.113.5"  # nobody else may say who they are
    assert ip_key("2001:db8:1:2:3:4:5:6") == ip_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert ip_key("::ffff:192.0.2.1") == "192.0.2.1"


def test_sliding_window_forgets_after_its_window() -> None:
    now = [0.0]
    window = SlidingWindow(2, 60.0, max_keys=3, clock=lambda: now[0])
    assert window.hit("a") == 0 and window.hit("a") == 0
    assert window.hit("a") == pytest.approx(60.0)
    now[0] = 61.0
    assert window.hit("a") == 0
    for key in "bcdef":  # memory stays bounded
        window.hit(key)
    assert len(window.hits) <= 3


def test_erasing_a_person_takes_their_links_with_them(service: Service) -> None:
    service.sign_up("vergessen@example.org")
    service.sink.wait_for("vergessen@example.org")
    with service.db() as db:
        store.remove(db, "vergessen@example.org")
        assert db.execute("SELECT COUNT(*) FROM confirmations").fetchone()[0] == 0


# --- in a real browser ---------------------------------------------------------------------


def test_the_form_works_in_chromium_with_labels_and_announced_errors(
    service: Service, browser: Browser
) -> None:
    page = browser.new_page(locale="de-DE")  # Accept-Language picks the page's language
    page.goto(service.base + "/")
    assert page.locator("html").get_attribute("lang") == "de"
    email_box = page.get_by_label("E-Mail-Adresse")
    assert email_box.get_attribute("id") == "email" and email_box.get_attribute("type") == "email"
    consent = page.get_by_role("checkbox", name=re.compile("Ja, ich möchte den Newsletter"))
    assert consent.count() == 1
    assert page.get_by_role("radio", name="English").count() == 1
    # the honeypot is neither seen, nor reached with Tab, nor read out
    assert page.locator("#website").get_attribute("tabindex") == "-1"
    assert "leer lassen" not in page.locator("body").aria_snapshot()
    box = page.locator("#website").bounding_box()
    assert box is not None and box["x"] < 0
    # sent empty: the errors are announced and focus moves to their summary
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("Fehler:")
    summary = page.get_by_role("alert")
    assert summary.count() == 1 and "E-Mail-Adresse ein" in summary.inner_text()
    assert page.evaluate("document.activeElement.className") == "error-summary"
    assert email_box.get_attribute("aria-invalid") == "true"
    described = (email_box.get_attribute("aria-describedby") or "").split()
    assert "email-error" in described
    assert "E-Mail-Adresse ein" in page.locator("#email-error").inner_text()
    assert consent.get_attribute("aria-invalid") == "true"
    page.get_by_role("link", name=re.compile("E-Mail-Adresse ein")).click()
    assert page.evaluate("document.activeElement.id") == "email"
    # a typo is explained in words
    email_box.fill("ayse.example.org")
    page.get_by_text("Ja, ich möchte den Newsletter").click()  # the label ticks the box
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_selector("#email-error")
    assert "@" in page.locator("#email-error").inner_text()
    assert page.get_by_label("E-Mail-Adresse").input_value() == "ayse.example.org"
    assert page.get_by_role("checkbox", name=re.compile("Ja, ich möchte")).is_checked()
    page.get_by_label("E-Mail-Adresse").fill("ayse@example.org")
    page.get_by_role("button", name="Anmelden").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Bitte prüfen Sie Ihr Postfach"
    # following the mail's link in the browser, then the one button
    [mail] = service.sink.wait_for("ayse@example.org")
    page.goto(confirmation_link(mail))
    page.get_by_role("button", name="Ja, Newsletter erhalten").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Anmeldung bestätigt"
    with service.db() as db:
        assert row(db, "ayse@example.org").status == "active"
    # and the English page
    page.goto(service.base + "/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("E-mail address").count() == 1
    page.close()


def test_tokens_never_reach_the_access_log(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    with service.db() as db:
        s = store.add(db, "log@example.org", consent_version="2026-11", via="test")
    with caplog.at_level(logging.INFO, logger="newsletter.web.app"):
        service.request("GET", f"/unsubscribe/{s.unsubscribe_token}")
        service.request("GET", f"/preferences/{s.unsubscribe_token}")
    lines = [r.getMessage() for r in caplog.records if "unsubscribe" in r.getMessage()]
    assert lines and all(s.unsubscribe_token not in line for line in caplog.messages)
    assert "/unsubscribe/…" in lines[0]


def test_serve_refuses_a_busy_port_with_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings(root=tmp_path)
    open_db(settings).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = Namespace(host="127.0.0.1", port=port)
        with pytest.raises(NewsletterError) as caught:
            serve_cli.run(args, settings, "de", Console(record=True))
    assert caught.value.code == "SERVE_PORT_IN_USE" and caught.value.params["port"] == port


def test_serve_warns_when_newsletters_link_elsewhere(tmp_path: Path) -> None:
    settings = load_settings(root=tmp_path)
    moved = ServeSettings.model_validate({"base_url": "https://nl.example.org/"})
    assert serve_cli.url_problem(settings, moved) == "https://nl.example.org/unsubscribe/{token}"
    assert serve_cli.url_problem(settings, ServeSettings.model_validate({})) is None


def test_links_keep_the_public_prefix_when_the_proxy_strips_it(service: Service) -> None:
    host = urlsplit(service.base).netloc
    status, _, page = service.request("GET", f"http://{host}/?lang=de")  # as /newsletter/
    assert status == 200 and 'action="/newsletter/subscribe?lang=de"' in page
