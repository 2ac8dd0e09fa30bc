"""Sending, against real SMTP servers on 127.0.0.1 (aiosmtpd, started by the tests).

Nothing here mocks the SMTP client: faults are produced by the servers (refusals, dropped
connections, wrong certificates) or by killing the sending process.
"""

from __future__ import annotations

import asyncio
import base64
import email
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import dkim
import pytest
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from newsletter.core.config import Settings, load_settings
from newsletter.core.errors import NewsletterError
from newsletter.output.render import UNSUBSCRIBE_PLACEHOLDER
from newsletter.send import journal
from newsletter.send.compose import MessageFactory, Recipient
from newsletter.send.deliver import RateLimit, dry_run, send_issue, send_test
from newsletter.store.subscribers import add, open_store, unsubscribe
from newsletter.texts.messages import render
from tests.support import Sink as RecordingSink
from tests.support import free_port, real_identity, smtp_server, write_built_email

ROOT = Path(__file__).resolve().parents[2]


class Sink(RecordingSink):
    """The recording sink (conftest.Sink) that can also misbehave on cue."""

    def __init__(self) -> None:
        super().__init__()
        self.rcpt_replies: dict[str, list[str]] = {}  # address -> replies, one per attempt
        self.data_replies: dict[str, list[str]] = {}
        self.drop_in_data: set[str] = set()  # close the connection instead of answering DATA

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        queue = self.rcpt_replies.get(address)
        if queue:
            return queue.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        rcpt = envelope.rcpt_tos[0]
        queue = self.data_replies.get(rcpt)
        if queue:
            return queue.pop(0)
        if rcpt in self.drop_in_data:
            self.drop_in_data.discard(rcpt)
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()  # the message arrived; the reply never does
            return "250 unreachable"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    """conftest's `sink`, with the sink that misbehaves on cue."""
    handler = Sink()
    with smtp_server(handler) as port:
        yield handler, port


def make_outbox(folder: Path) -> Path:
    """A minimal built issue: manifest, email.html with one picture, email.txt."""
    out = folder / "outbox" / "2026-12"
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "images" / "logo.png").write_bytes(
        base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
        )
    )
    return write_built_email(
        out,
        "<!DOCTYPE html><html><head><title>Newsletter – Ausgabe 38</title></head><body>"
        '<img src="images/logo.png" alt="Logo" width="1" height="1">'
        f'<p>Hallo</p><a href="{UNSUBSCRIBE_PLACEHOLDER}">Abbestellen</a></body></html>',
        f"Hallo\n\nAbbestellen: {UNSUBSCRIBE_PLACEHOLDER}\n",
    )


def configure(tmp: Path, port: int, **smtp: Any) -> Settings:
    settings = real_identity(load_settings(root=tmp))
    return settings.model_copy(
        update={
            "smtp": settings.smtp.model_copy(
                update={
                    "port": port,
                    "retry_seconds": 0.05,
                    "retry_window": 5.0,
                    "timeout": 5.0,
                    **smtp,
                }
            ),
        }
    )


def subscribe(settings: Settings, addresses: list[str]) -> None:
    with open_store(settings.path(settings.subscribers.database)) as db:
        for a in addresses:
            add(db, a, consent_version="test", via="test")


def test_every_subscriber_gets_exactly_one_personal_message(
    sink: tuple[Sink, int], tmp_path: Path
) -> None:
    handler, port = sink
    settings = configure(tmp_path, port, connections=3)
    people = [f"leser{i}@example.org" for i in range(25)]
    subscribe(settings, people)
    outbox = make_outbox(tmp_path)
    report = send_issue(outbox, settings)
    assert report.sent == 25
    assert handler.count() == Counter(people)
    # each message carries its own one-click unsubscribe link, in header and body
    with open_store(settings.path(settings.subscribers.database)) as db:
        tokens = {
            r[0]: r[1]
            for r in db.execute("SELECT address_normalized, unsubscribe_token FROM subscribers")
        }
    for rcpts, raw in handler.messages:
        msg = email.message_from_bytes(raw, policy=policy.default)
        token = tokens[rcpts[0]]
        assert token in str(msg["List-Unsubscribe"])
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert token in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert UNSUBSCRIBE_PLACEHOLDER not in raw.decode("ascii", "replace")
    # a second run sends nothing more
    again = send_issue(outbox, settings)
    assert again.sent == 0 and handler.count() == Counter(people)


def test_message_structure_headers_and_inline_images(tmp_path: Path) -> None:
    settings = load_settings(root=tmp_path)
    factory = MessageFactory(make_outbox(tmp_path), settings)
    raw = factory.message(Recipient("leser@example.org", "a" * 43, "Ayşe Örnek"))
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.walk()]
    assert parts == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert 'src="cid:' in html and "images/logo.png" not in html  # nothing fetched remotely
    for header in ("From", "Reply-To", "To", "Subject", "Date", "Message-ID", "List-Id"):
        assert msg[header], header
    assert str(msg["To"]) == "Ayşe Örnek <leser@example.org>"
    assert str(msg["Message-ID"]).endswith("@example.org>")


def test_dkim_signature_verifies_and_covers_the_required_headers(tmp_path: Path) -> None:
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    settings = load_settings(root=tmp_path)
    settings = settings.model_copy(
        update={"sender": settings.sender.model_copy(update={"dkim_key_file": key})}
    )
    raw = MessageFactory(make_outbox(tmp_path), settings).message(
        Recipient("leser@example.org", "b" * 43)
    )
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: record)
    signature = email.message_from_bytes(raw, policy=policy.compat32)["DKIM-Signature"]
    signed = {h.strip().lower() for h in signature.split("h=")[1].split(";")[0].split(":")}
    for h in (
        "from",
        "subject",
        "date",
        "message-id",
        "to",
        "list-unsubscribe",
        "list-unsubscribe-post",
    ):
        assert h in signed, h
    # a changed byte breaks it: the bytes sent are the bytes signed
    tampered = raw.replace(b"ErkJggg==", b"ErkJgga==", 1)  # one byte of the image part
    assert tampered != raw
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: record)


@pytest.mark.parametrize(
    "bad", ["a@example.org\r\nBcc: x@evil.example", "a\n@example.org", "a@example.org\x00"]
)
def test_no_header_injection_from_an_address_or_name(tmp_path: Path, bad: str) -> None:
    factory = MessageFactory(make_outbox(tmp_path), load_settings(root=tmp_path))
    with pytest.raises(NewsletterError) as caught:
        factory.message(Recipient(bad, "c" * 43))
    assert caught.value.code in ("HEADER_INJECTION", "ADDRESS_INVALID")
    with pytest.raises(NewsletterError):
        factory.message(Recipient("ok@example.org", "c" * 43, "Name\r\nBcc: x@evil.example"))


def test_server_down_at_start_sends_nothing_and_says_so(tmp_path: Path) -> None:
    settings = configure(tmp_path, free_port())
    subscribe(settings, ["a@example.org"])
    with pytest.raises(NewsletterError) as caught:
        send_issue(make_outbox(tmp_path), settings)
    assert caught.value.code == "SMTP_UNREACHABLE"
    with open_store(settings.path(settings.subscribers.database)) as db:
        assert journal.summary(db, "2026-12").counts["sending"] == 0


def test_temporary_refusals_are_retried_and_550_is_recorded(
    sink: tuple[Sink, int], tmp_path: Path
) -> None:
    handler, port = sink
    settings = configure(tmp_path, port)
    people = ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]
    subscribe(settings, people)
    handler.rcpt_replies["a@example.org"] = ["451 4.7.1 Try again later"]
    handler.rcpt_replies["b@example.org"] = ["452 4.2.2 Mailbox full", "421 4.3.2 Busy"]
    handler.data_replies["c@example.org"] = ["451 4.3.0 Temporary failure"]
    handler.rcpt_replies["d@example.org"] = ["550 5.1.1 No such user"]
    report = send_issue(make_outbox(tmp_path), settings)
    assert handler.count() == Counter(["a@example.org", "b@example.org", "c@example.org"])
    assert report.summary is not None
    assert report.summary.counts["sent"] == 3
    assert report.summary.failed == [("d@example.org", 550, "5.1.1 No such user")]


def test_a_connection_lost_during_data_is_listed_as_unknown_not_resent(
    sink: tuple[Sink, int], tmp_path: Path
) -> None:
    handler, port = sink
    settings = configure(tmp_path, port)
    subscribe(settings, ["a@example.org", "b@example.org"])
    handler.drop_in_data.add("a@example.org")
    report = send_issue(make_outbox(tmp_path), settings)
    assert report.summary is not None
    assert report.summary.unknown == ["a@example.org"]
    assert handler.count() == Counter(["b@example.org"])
    again = send_issue(make_outbox(tmp_path), settings)  # not resent blindly
    assert again.sent == 0 and handler.count()["a@example.org"] == 0
    released = send_issue(make_outbox(tmp_path), settings, resend_unknown=True)  # editor decides
    assert released.sent == 1 and handler.count()["a@example.org"] == 1


def test_authentication_failure_is_clear_and_sends_nothing(tmp_path: Path) -> None:
    handler = Sink()

    def authenticate(
        server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == b"richtig"
        return AuthResult(success=ok)

    with smtp_server(handler, authenticator=authenticate, auth_require_tls=False) as port:
        from pydantic import SecretStr

        settings = configure(tmp_path, port, username="redaktion", password=SecretStr("falsch"))
        subscribe(settings, ["a@example.org"])
        with pytest.raises(NewsletterError) as caught:
            send_issue(make_outbox(tmp_path), settings)
        assert caught.value.code == "SMTP_AUTH_FAILED"
        assert "falsch" not in str(caught.value.params)  # never print secrets
        assert handler.messages == []
        good = configure(tmp_path, port, username="redaktion", password=SecretStr("richtig"))
        assert send_issue(make_outbox(tmp_path), good).sent == 1


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_tls_certificate_that_does_not_verify_is_refused(tmp_path: Path) -> None:
    import ssl

    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    handler = Sink()
    with smtp_server(handler, tls_context=context, require_starttls=True) as port:
        settings = configure(tmp_path, port, security="starttls")
        subscribe(settings, ["a@example.org"])
        with pytest.raises(NewsletterError) as caught:
            send_issue(make_outbox(tmp_path), settings)
        assert caught.value.code == "SMTP_TLS_FAILED"
        assert handler.messages == []
        trusted = configure(tmp_path, port, security="starttls", ca_file=cert)
        assert send_issue(make_outbox(tmp_path), trusted).sent == 1  # verified TLS works


def test_starttls_asked_for_never_falls_back_to_plaintext(
    sink: tuple[Sink, int], tmp_path: Path
) -> None:
    handler, port = sink  # this server offers no STARTTLS
    settings = configure(tmp_path, port, security="starttls")
    subscribe(settings, ["a@example.org"])
    with pytest.raises(NewsletterError) as caught:
        send_issue(make_outbox(tmp_path), settings)
    assert caught.value.code == "SMTP_TLS_FAILED"
    assert handler.messages == []


def test_plaintext_to_a_remote_relay_is_refused(tmp_path: Path) -> None:
    settings = configure(tmp_path, 25, host="192.0.2.1")  # TEST-NET: never contacted
    subscribe(settings, ["a@example.org"])
    with pytest.raises(NewsletterError) as caught:
        send_issue(make_outbox(tmp_path), settings)
    assert caught.value.code == "SMTP_PLAINTEXT_REFUSED"


def test_unsubscribed_in_between_are_not_sent_and_empty_list_is_fine(
    sink: tuple[Sink, int], tmp_path: Path
) -> None:
    handler, port = sink
    settings = configure(tmp_path, port)
    outbox = make_outbox(tmp_path)
    empty = send_issue(outbox, settings)
    assert empty.sent == 0 and empty.summary is not None and sum(empty.summary.counts.values()) == 0
    subscribe(settings, ["a@example.org", "b@example.org"])
    with open_store(settings.path(settings.subscribers.database)) as db:
        unsubscribe(db, address="b@example.org")
    assert send_issue(outbox, settings).sent == 1
    assert handler.count() == Counter(["a@example.org"])


def test_an_issue_that_has_not_been_built_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NewsletterError) as caught:
        send_issue(tmp_path / "outbox" / "nothing", real_identity(load_settings(root=tmp_path)))
    assert caught.value.code == "NOT_BUILT"


def test_dry_run_writes_one_eml_per_subscriber_and_sends_nothing(
    sink: tuple[Sink, int], tmp_path: Path
) -> None:
    handler, port = sink
    settings = configure(tmp_path, port)
    subscribe(settings, ["a@example.org", "b@example.org", "c@example.org"])
    outbox = make_outbox(tmp_path)
    written = dry_run(outbox, settings)
    assert len(written) == 3 and handler.messages == []
    for path in written:
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert msg["To"] and msg["List-Unsubscribe"]


def test_send_test_delivers_one_copy(sink: tuple[Sink, int], tmp_path: Path) -> None:
    handler, port = sink
    settings = configure(tmp_path, port)
    send_test(make_outbox(tmp_path), "redaktion@example.org", settings)
    assert handler.count() == Counter(["redaktion@example.org"])


def test_rate_limit_lets_a_burst_through_and_then_waits() -> None:
    # The same sliding windows as a relay's "n per minute", on a one-second clock.
    limit = RateLimit(per_minute=2, per_hour=0, minute=1.0)

    async def three() -> list[float]:
        started = time.monotonic()
        stamps = []
        for _ in range(3):
            await limit.acquire()
            stamps.append(time.monotonic() - started)
        return stamps

    stamps = asyncio.run(three())
    assert stamps[1] < 0.2  # two fit the window at once
    assert 0.9 <= stamps[2] < 2.0  # the third waits until the first leaves it


def test_rate_limit_is_applied_when_sending(sink: tuple[Sink, int], tmp_path: Path) -> None:
    handler, port = sink
    settings = configure(tmp_path, port, per_minute=2)
    subscribe(settings, ["a@example.org", "b@example.org", "c@example.org"])
    errors: list[BaseException] = []

    def run() -> None:
        try:
            send_issue(make_outbox(tmp_path), settings)
        except BaseException as exc:  # reported below, not swallowed
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    time.sleep(3.0)
    assert not errors
    assert thread.is_alive(), "the third message did not wait for the relay's limit"
    assert sum(handler.count().values()) == 2


KILL_SCRIPT = """
import sys
from pathlib import Path
from newsletter.core.config import load_settings
from newsletter.send.deliver import send_issue
sys.path.insert(0, "tests")
from tests.support import real_identity
root, port = Path(sys.argv[1]), int(sys.argv[2])
s = real_identity(load_settings(root=root))
s = s.model_copy(update={"smtp": s.smtp.model_copy(update={"port": port, "connections": 2})})
send_issue(root / "outbox" / "2026-12", s)
"""


def test_kill_9_halfway_through_1000_then_resume(sink: tuple[Sink, int], tmp_path: Path) -> None:
    handler, port = sink
    settings = configure(tmp_path, port)
    people = [f"leser{i:04d}@example.org" for i in range(1000)]
    subscribe(settings, people)
    make_outbox(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path), str(port)], cwd=ROOT)
    deadline = time.monotonic() + 120
    while sum(handler.count().values()) < 400 and time.monotonic() < deadline:
        assert proc.poll() is None, "the sender finished before it could be killed"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    halfway = sum(handler.count().values())
    assert 400 <= halfway < 1000

    report = send_issue(tmp_path / "outbox" / "2026-12", settings)  # resume
    counts = handler.count()
    assert report.summary is not None
    unknown = set(report.summary.unknown)
    assert set(report.recovered_unknown) == unknown
    for person in people:
        if person in unknown:
            assert counts[person] <= 1  # listed for the editor, never resent blindly
        else:
            assert counts[person] == 1, person  # exactly once
    assert len(unknown) <= 2  # at most one message in flight per connection
    assert report.summary.counts["sent"] + len(unknown) == 1000
    print(f"killed after {halfway} received; {len(unknown)} unknown; resumed {report.sent}")


class SenderRefusingSink(Sink):
    """A relay that refuses our sender after the first message (e.g. a revoked permission)."""

    def __init__(self) -> None:
        super().__init__()
        self.mails = 0

    async def handle_MAIL(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        self.mails += 1
        if self.mails > 1:
            return "550 5.7.1 Sender not permitted"
        envelope.mail_from = address
        return "250 OK"


def test_a_refused_sender_stops_the_run_and_fails_nobody(tmp_path: Path) -> None:
    handler = SenderRefusingSink()
    with smtp_server(handler) as port:
        settings = configure(tmp_path, port, connections=1)
        subscribe(settings, ["a@example.org", "b@example.org", "c@example.org"])
        with pytest.raises(NewsletterError) as caught:
            send_issue(make_outbox(tmp_path), settings)
        assert caught.value.code == "SMTP_SENDER_REFUSED"
        with open_store(settings.path(settings.subscribers.database)) as db:
            counts = journal.summary(db, "2026-12").counts
        assert counts["sent"] == 1 and counts["failed"] == 0 and counts["pending"] == 2
    good = Sink()
    with smtp_server(good) as port:  # the editor fixed it: the rest go out, once
        report = send_issue(make_outbox(tmp_path), configure(tmp_path, port))
        assert report.sent == 2
        assert sorted(good.count()) == ["b@example.org", "c@example.org"]


def test_dry_run_files_are_private_and_replace_an_earlier_run(
    sink: tuple[Sink, int], tmp_path: Path
) -> None:
    _, port = sink
    settings = configure(tmp_path, port)
    subscribe(settings, ["a@example.org"])
    outbox = make_outbox(tmp_path)
    private = settings.path(settings.cache_dir) / "private" / "2026-12" / "send"
    private.mkdir(parents=True)
    (private / "999999.eml").write_text("from an earlier run")
    (outbox / "messages").mkdir()  # where an older version wrote them: published with outbox/
    (outbox / "messages" / "000001.eml").write_text("addresses")
    written = dry_run(outbox, settings)
    assert [p.name for p in private.iterdir()] == [written[0].name]
    assert not (outbox / "messages").exists()
    assert not [p for p in outbox.rglob("*.eml")]
    for folder in (private, private.parent, private.parent.parent):
        assert folder.stat().st_mode & 0o777 == 0o700
    assert written[0].stat().st_mode & 0o777 == 0o600


def test_journal_records_each_message_id_and_ids_need_the_stores_secret(
    sink: tuple[Sink, int], tmp_path: Path
) -> None:
    handler, port = sink
    settings = configure(tmp_path, port)
    subscribe(settings, ["a@example.org", "b@example.org"])
    send_issue(make_outbox(tmp_path), settings)
    received = {
        rcpts[0]: str(email.message_from_bytes(raw, policy=policy.default)["Message-ID"])
        for rcpts, raw in handler.messages
    }
    with open_store(settings.path(settings.subscribers.database)) as db:
        journaled = dict(db.execute("SELECT address, message_id FROM send_journal"))
    assert journaled == received
    # another store (another secret) gives other IDs for the same issue and address: a bounce
    # that quotes one cannot have been made up from public facts
    other = configure(tmp_path / "other", port)
    subscribe(other, ["a@example.org"])
    send_issue(make_outbox(tmp_path / "other"), other)
    with open_store(other.path(other.subscribers.database)) as db:
        [(other_id,)] = db.execute("SELECT message_id FROM send_journal")
    assert other_id != journaled["a@example.org"]


def test_pdf_is_attached_only_when_asked_and_small_enough(tmp_path: Path) -> None:
    outbox = make_outbox(tmp_path)
    (outbox / "newsletter.pdf").write_bytes(b"%PDF-1.7\n" + b"0" * 5000)
    base = load_settings(root=tmp_path)

    def parts(**sender: Any) -> list[str]:
        settings = base.model_copy(update={"sender": base.sender.model_copy(update=sender)})
        raw = MessageFactory(outbox, settings).message(Recipient("a@example.org", "d" * 43))
        return [p.get_content_type() for p in email.message_from_bytes(raw).walk()]

    assert "application/pdf" not in parts()  # linked by default
    attached = parts(attach_pdf=True, attach_pdf_max_bytes=10_000)
    assert attached[0] == "multipart/mixed" and "application/pdf" in attached
    assert "application/pdf" not in parts(attach_pdf=True, attach_pdf_max_bytes=1_000)


def test_hosted_images_mode_links_images_instead_of_embedding_them(tmp_path: Path) -> None:
    settings = load_settings(root=tmp_path)
    settings = settings.model_copy(
        update={
            "sender": settings.sender.model_copy(update={"images": "hosted"}),
            "publisher": settings.publisher.model_copy(
                update={"base_url": "https://example.org/newsletter/"}
            ),
        }
    )
    raw = MessageFactory(make_outbox(tmp_path), settings).message(
        Recipient("a@example.org", "e" * 43)
    )
    msg = email.message_from_bytes(raw, policy=policy.default)
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert 'src="https://example.org/newsletter/2026-12/images/logo.png"' in html
    assert "cid:" not in html
    assert "image/png" not in [p.get_content_type() for p in msg.walk()]
    # "auto" (the default) sends them inside until publish has put them on the site
    auto = settings.model_copy(
        update={"sender": settings.sender.model_copy(update={"images": "auto"})}
    )
    raw = MessageFactory(make_outbox(tmp_path), auto).message(Recipient("a@example.org", "e" * 43))
    assert "image/png" in [p.get_content_type() for p in email.message_from_bytes(raw).walk()]


def test_an_empty_build_is_not_sent(sink: tuple[Sink, int], tmp_path: Path) -> None:
    handler, port = sink
    settings = configure(tmp_path, port)
    subscribe(settings, ["a@example.org"])
    outbox = make_outbox(tmp_path)
    # what `build --force` wrote before it refused an issue of nothing but errors
    manifest = {"issue": "2026-12", "submissions": [], "left_out": ["a", "b"], "editorials": []}
    (outbox / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for attempt in (
        lambda: send_issue(outbox, settings),
        lambda: dry_run(outbox, settings),
        lambda: send_test(outbox, "x@example.org", settings),
    ):
        with pytest.raises(NewsletterError) as caught:
            attempt()
        assert caught.value.code == "SEND_EMPTY"
    assert handler.messages == []
    assert "Nicht versandt" in render("SEND_EMPTY", "de", caught.value.params)
