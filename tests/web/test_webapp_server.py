"""The sign-up service on the open internet: odd requests, slow clients, timing (issue 10, 9-11).

Against real servers only: the service in a waitress thread (`start` from test_webapp.py), or
`newsletter serve` itself in a subprocess; aiosmtpd relays on 127.0.0.1. Every loop is bounded
and every socket goes to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import select
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from newsletter.store import subscribers as store
from tests.support import Sink, smtp_server
from tests.web.test_webapp import Service, configure, row, start

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def service(tmp_path: Path, sink: tuple[Sink, int]) -> Iterator[Service]:
    yield from start(configure(tmp_path, sink[1]), sink[0], ip_limit=1000)


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Errors the service logged (a handler that crashed logs one with its traceback)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith(("newsletter", "waitress")) and (r.levelno >= logging.ERROR)
    ]


# --- 9: every request gets a page -----------------------------------------------------------


def test_odd_queries_get_the_page_not_a_500(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    with service.db() as db:
        s = store.add(db, "quer@example.org", consent_version="2026-11", via="test")
    token = s.unsubscribe_token
    odd = [
        ("/?path=x", 200),  # a 500 on main: Request.url(path, **query) took it as its argument
        ("/?path=x&lang=en", 200),
        ("/?lang=en&lang=de&form=&path=", 200),
        ("/?form=%ZZ&x=%00&%FF=%FE", 200),
        ("/?form=../../etc&lang=" + "e" * 5000, 200),
        ("/subscribe?path=/etc/passwd", 200),
        (f"/unsubscribe/{token}?path=x", 200),
        (f"/preferences/{token}?path=x&lang=en", 200),
        ("/confirm/?path=x", 404),
        ("/confirm/" + "x" * 43 + "?path=x", 404),
        ("/%FF%FE", 404),
        ("/newsletter/../../etc/passwd", 404),
        ("/unsubscribe/a/b", 404),
    ]
    with caplog.at_level(logging.INFO):
        for path, expected in odd:
            status, headers, page = service.request("GET", path)
            assert status == expected, (path, status, page[:300])
            assert headers["content-type"] == "text/html; charset=utf-8"
            assert "Traceback" not in page and "<h1>" in page
        for method, path in (("PUT", "/"), ("DELETE", f"/unsubscribe/{token}"), ("PATCH", "/x")):
            status, headers, page = service.request(method, path, b"")
            assert status in (404, 405), (method, path, status)
            if status == 405:
                assert "GET" in headers["allow"] and "PUT" not in headers["allow"]
        status, _, page = service.request(
            "GET", "/", headers={"Accept-Language": "*;q=x, ;;, de-DE;q=2, ü"}
        )
        assert status == 200 and 'lang="de"' in page
    assert no_tracebacks(caplog) == []


def many_fields(n: int, **real: str) -> bytes:
    fields = [(f"feld{i}", "wert") for i in range(n)] + list(real.items())
    return urlencode(fields).encode()


def multipart(fields: list[tuple[str, str]], boundary: str = "grenze") -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


def test_posts_with_many_fields_are_answered_and_still_work(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """More than 20 fields answered 500 on main (parse_qs(max_num_fields=20) raised)."""
    with service.db() as db:
        a = store.add(db, "klick21@example.org", consent_version="2026-11", via="test")
        b = store.add(db, "multi30@example.org", consent_version="2026-11", via="test")
    with caplog.at_level(logging.INFO):
        # a one-click unsubscribe from a mail client that adds fields of its own
        body = many_fields(21, **{"List-Unsubscribe": "One-Click"})
        status, _, page = service.request("POST", f"/unsubscribe/{a.unsubscribe_token}", body, FORM)
        assert status == 200 and "Sie sind abgemeldet" in page
        fields = [(f"x{i}", "y") for i in range(30)] + [("List-Unsubscribe", "One-Click")]
        headers = {"Content-Type": "multipart/form-data; boundary=grenze"}
        status, _, _ = service.request(
            "POST", f"/unsubscribe/{b.unsubscribe_token}", multipart(fields), headers
        )
        assert status == 200
        with service.db() as db:
            for address in ("klick21@example.org", "multi30@example.org"):
                left = row(db, address)
                assert left.status == "unsubscribed" and left.unsubscribed_via == "one-click"
        # a sign-up with 25 extra fields is an ordinary sign-up
        csrf = service.form_token()
        real = {"csrf": csrf, "email": "viele@example.org", "consent": "yes", "language": "de"}
        status, _, page = service.request("POST", "/subscribe", many_fields(25, **real), FORM)
        assert status == 200 and "Bitte prüfen Sie Ihr Postfach" in page
        assert service.sink.wait_for("viele@example.org")
        # and what no form sends gets a clear 4xx page
        too_many = multipart([(f"x{i}", "y") for i in range(500)])
        status, _, page = service.request("POST", "/subscribe", too_many, headers)
        assert status == 413 and "Formular zu groß" in page
        status, _, page = service.request("POST", "/subscribe", b"a=" + b"x" * 20_000, FORM)
        assert status == 413 and "Formular zu groß" in page
        for body, ctype in (
            (b"--grenze\r\nkaputt", "multipart/form-data; boundary=grenze"),
            (b"email=\xff\xfe&consent=yes", "application/x-www-form-urlencoded"),
            (b"\x00\x01\x02", "application/octet-stream"),
            (b"x", "multipart/form-data"),  # no boundary
        ):
            status, _, page = service.request("POST", "/subscribe", body, {"Content-Type": ctype})
            assert status == 400 and "<h1>" in page, (body, status)
    assert no_tracebacks(caplog) == []


def test_a_chunked_one_click_post_works(service: Service) -> None:
    """waitress reads a chunked body whole before the app sees it."""
    with service.db() as db:
        s = store.add(db, "chunk@example.org", consent_version="2026-11", via="test")
    port = int(service.base.rsplit(":", 1)[1].split("/")[0])
    body = b"List-Unsubscribe=One-Click"
    request = (
        (
            f"POST /newsletter/unsubscribe/{s.unsubscribe_token} HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        ).encode()
        + f"{len(body):x}\r\n".encode()
        + body
        + b"\r\n0\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        answer = sock.recv(200)
    assert answer.startswith(b"HTTP/1.1 200")
    with service.db() as db:
        left = row(db, "chunk@example.org")
    assert left.status == "unsubscribed" and left.unsubscribed_via == "one-click"


# --- 10: slow clients cost a connection, not a thread, and are dropped -----------------------


def threads_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^Threads:\s+(\d+)", status, re.MULTILINE)
    assert found
    return int(found.group(1))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`newsletter serve --port 0` with short timeouts, as a process of its own."""
    (tmp_path / "newsletter.toml").write_text(
        "[serve]\nthreads = 4\nidle_timeout_seconds = 2\nread_timeout_seconds = 4\n"
        'base_url = "http://127.0.0.1/newsletter/"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = 0
        deadline = time.monotonic() + 20
        while not port and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, "newsletter serve ended before it listened"
            if found := re.search(r"http://127\.0\.0\.1:(\d+)/", line):
                port = int(found.group(1))
        assert port
        yield proc, port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()


def get(port: int, path: str = "/newsletter/") -> tuple[bytes, float]:
    start_at = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data, time.monotonic() - start_at


def closed_by_server(sock: socket.socket) -> bool:
    """The server closed (or reset) this connection; False while it is still open."""
    ready, _, _ = select.select([sock], [], [], 0)
    if not ready:
        return False
    try:
        return sock.recv(4096) == b"" or True  # an answer, then the close
    except OSError:
        return True


def test_stalled_and_trickling_clients_hold_no_thread_and_are_dropped(
    served: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = served
    get(port)  # the service is up
    baseline = threads_of(proc.pid)
    head = (
        "POST /newsletter/subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
    )
    stalled: list[socket.socket] = []
    trickler = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        for _ in range(150):  # headers and part of the body, then nothing
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(head.encode() + b"email=stockend%40example.org&consent=")
            stalled.append(sock)
        trickler.sendall(head.encode())
        started = time.monotonic()
        time.sleep(0.5)
        # the stalled connections hold no worker thread, and others are answered at once
        assert threads_of(proc.pid) <= baseline + 1
        page, took = get(port)
        assert page.startswith(b"HTTP/1.1 200") and took < 1.0, took
        # one byte every half second keeps the idle timer quiet; the read deadline still ends it
        dropped_at: dict[str, float] = {}
        while time.monotonic() - started < 12 and len(dropped_at) < 2:
            if "trickler" not in dropped_at:
                try:
                    trickler.sendall(b"x")
                    if closed_by_server(trickler):
                        dropped_at["trickler"] = time.monotonic() - started
                except OSError:
                    dropped_at["trickler"] = time.monotonic() - started
            if "stalled" not in dropped_at and all(closed_by_server(s) for s in stalled):
                dropped_at["stalled"] = time.monotonic() - started
            time.sleep(0.5)
        assert 1.5 < dropped_at.get("stalled", 99) < 5.0, dropped_at  # idle timeout: 2 s
        assert 3.5 < dropped_at.get("trickler", 99) < 7.0, dropped_at  # read deadline: 4 s
        page, took = get(port)
        assert page.startswith(b"HTTP/1.1 200") and took < 1.0
    finally:
        for sock in [*stalled, trickler]:
            sock.close()
    proc.send_signal(signal.SIGTERM)  # stops cleanly
    assert proc.wait(10) == 0


# --- 11: the answer does not tell who is subscribed -----------------------------------------


class SlowRelay(Sink):
    """A relay that takes 300 ms for every message, as a busy one does."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.3)
        return await super().handle_DATA(server, session, envelope)


def test_sign_up_takes_the_same_time_whether_subscribed_or_not(tmp_path: Path) -> None:
    relay = SlowRelay()
    with smtp_server(relay) as port:
        for svc in start(configure(tmp_path, port), relay, ip_limit=1000):
            with svc.db() as db:
                store.add(db, "schon.dabei@example.org", consent_version="2026-11", via="test")
            csrf = svc.form_token()
            timings: dict[str, list[float]] = {"active": [], "new": []}
            for i in range(21):  # medians of 21: steady on a busy 2-core machine
                for kind, address in (
                    ("active", "schon.dabei@example.org"),
                    ("new", f"neu.{i}@example.org"),
                ):
                    began = time.perf_counter()
                    status, _, page = svc.sign_up(address, csrf=csrf)
                    timings[kind].append(time.perf_counter() - began)
                    assert status == 200 and "Bitte prüfen Sie Ihr Postfach" in page
            active, new = (statistics.median(timings[k]) for k in ("active", "new"))
            print(f"median active {active * 1000:.1f} ms, new {new * 1000:.1f} ms")
            assert active < 0.15 and new < 0.15, timings  # the relay's 300 ms are not in them
            assert abs(active - new) < 0.015, timings  # nor the few ms a new row costs
            for i in range(21):  # and every confirmation still arrives
                [mail] = relay.wait_for(f"neu.{i}@example.org", timeout=15)
                assert "/confirm/" in mail.get_content()
            assert relay.to("schon.dabei@example.org") == []


def test_a_new_route_gets_its_own_form_limits_and_the_same_pages(service: Service) -> None:
    """How a page joins (as the upload page does): a rule, a handler, its own form limits."""
    from newsletter.web.http import Request, Response, html_response

    def upload(req: Request, token: str) -> Response:
        if req.method != "POST":
            return html_response(HTTPStatus.OK, f"<h1>Einreichen {token}</h1>".encode())
        photo = req.wz.files["foto"]
        size = len(photo.read())
        return html_response(HTTPStatus.OK, f"<h1>{photo.filename}: {size}</h1>".encode())

    service.app.add_route(
        "/beispiel/<token>", "beispiel", upload, max_form_bytes=300_000, max_form_fields=20
    )
    status, headers, page = service.request("GET", "/beispiel/abc?path=x")
    assert status == 200 and "Einreichen abc" in page
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    boundary = "grenze"

    def form(size: int) -> bytes:
        return (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="foto"; '
                'filename="Foto Straßenfest.JPG"\r\nContent-Type: image/jpeg\r\n\r\n'
            ).encode()
            + b"\xff" * size
            + f"\r\n--{boundary}--\r\n".encode()
        )

    multi = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    status, _, page = service.request("POST", "/beispiel/abc", form(200_000), multi)
    assert status == 200 and "Foto Straßenfest.JPG: 200000" in page
    status, _, page = service.request("POST", "/beispiel/abc", form(400_000), multi)
    assert status == 413 and "Formular zu groß" in page
    # the sign-up form keeps its own small limit
    status, _, _ = service.request("POST", "/subscribe", form(20_000), multi)
    assert status == 413


def test_the_hourly_cap_answers_every_address_alike(tmp_path: Path, sink: tuple[Sink, int]) -> None:
    """When `mails_per_hour` is reached, a subscribed address gets the same "try later" page
    as a new one (on main it got "check your inbox", which told that it was subscribed)."""
    for svc in start(configure(tmp_path, sink[1]), sink[0], mails_per_hour=1, ip_limit=1000):
        with svc.db() as db:
            store.add(db, "abonniert@example.org", consent_version="2026-11", via="test")
        assert svc.sign_up("erste@example.org")[0] == 200  # the one mail of this hour
        for address in ("abonniert@example.org", "zweite@example.org"):
            status, _, page = svc.sign_up(address)
            assert status == 503 and "Gerade nicht möglich" in page, address
        assert sink[0].wait_for("erste@example.org")
        with svc.db() as db:
            assert store.get(db, "zweite@example.org") is None
