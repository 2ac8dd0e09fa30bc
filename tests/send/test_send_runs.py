"""Send runs against real SMTP servers (aiosmtpd) and a real SQLite store: international
addresses, a rebuild in the middle of a run, people who leave during a run, people who join
after it started.
"""

from __future__ import annotations

import email
import time
from collections import Counter
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session

from newsletter.core.errors import NewsletterError
from newsletter.output.render import UNSUBSCRIBE_PLACEHOLDER
from newsletter.send import journal
from newsletter.send.deliver import send_issue, send_test
from newsletter.send.state import state_root
from newsletter.store.subscribers import open_store, unsubscribe
from tests.send.test_deliver import SenderRefusingSink, Sink, configure, make_outbox, subscribe
from tests.support import smtp_server, write_built_email

JOERG = "jörg.bär@example.de"  # a non-ASCII local part: only with SMTPUTF8
FEST = "info@straßenfest-süd.de"  # an IDN domain: punycode anywhere
FEST_ASCII = "info@xn--straenfest-sd-edb75b.de"  # IDNA 2008 keeps the ß


class OptionSink(Sink):
    """Also keeps the MAIL FROM options of every accepted message."""

    def __init__(self) -> None:
        super().__init__()
        self.options: dict[str, list[str]] = {}

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        self.options[envelope.rcpt_tos[0]] = list(envelope.mail_options)
        return await super().handle_DATA(server, session, envelope)


def journal_rows(settings: object, issue: str = "2026-12") -> dict[str, tuple[str, str]]:
    with open_store(settings.path(settings.subscribers.database)) as db:  # type: ignore[attr-defined]
        return {
            r[0]: (r[1], r[2] or "")
            for r in db.execute(
                "SELECT address, state, last_reply_text FROM send_journal WHERE issue = ?",
                (issue,),
            )
        }


def test_idn_domain_goes_as_punycode_and_a_utf8_local_part_fails_alone_without_smtputf8(
    tmp_path: Path,
) -> None:
    handler = OptionSink()
    with smtp_server(handler, enable_SMTPUTF8=False) as port:  # a relay without SMTPUTF8
        settings = configure(tmp_path, port, connections=2)
        subscribe(settings, [JOERG, FEST, "a@example.org", "b@example.org"])
        report = send_issue(make_outbox(tmp_path), settings)  # no traceback, no exception
        # the next run leaves everyone alone: failed is final, nobody is unknown or sent twice
        again = send_issue(make_outbox(tmp_path), settings)
    assert again.sent == 0
    assert report.summary is not None
    assert handler.count() == Counter([FEST_ASCII, "a@example.org", "b@example.org"])
    rows = journal_rows(settings)
    state, reason = rows[JOERG]
    assert state == "failed" and "SMTPUTF8" in reason  # the true reason, for the editor
    assert report.summary.unknown == [] and report.summary.counts["sent"] == 3
    [msg] = handler.to(FEST_ASCII)
    assert str(msg["To"]) == FEST_ASCII  # an A-label domain in the header, not raw UTF-8
    raw = next(raw for rcpts, raw in handler.messages if rcpts == [FEST_ASCII])
    assert raw.isascii()  # the whole message is ASCII: no SMTPUTF8 needed or claimed
    assert handler.options[FEST_ASCII] == []


def test_a_utf8_local_part_goes_with_smtputf8_when_the_relay_offers_it(tmp_path: Path) -> None:
    handler = OptionSink()
    with smtp_server(handler, enable_SMTPUTF8=True) as port:
        settings = configure(tmp_path, port, connections=1)
        subscribe(settings, [JOERG, FEST, "a@example.org"])
        report = send_issue(make_outbox(tmp_path), settings)
        # the test mail takes the same way on a fresh connection
        send_test(make_outbox(tmp_path), JOERG, settings)
    assert report.sent == 3
    assert handler.count() == Counter([JOERG, JOERG, FEST_ASCII, "a@example.org"])
    assert "SMTPUTF8" in handler.options[JOERG]
    first = handler.to(JOERG)[0]
    assert str(first["To"]) == JOERG  # RFC 6532: the header in UTF-8
    assert handler.options[FEST_ASCII] == []  # only the message that needs it uses it
    rows = journal_rows(settings)
    assert len(rows) == 3 and all(state == "sent" for state, _ in rows.values())


def test_resuming_with_another_build_refuses_and_names_the_two_ways_on(tmp_path: Path) -> None:
    refusing = SenderRefusingSink()  # takes one message, then refuses: the run stops
    with smtp_server(refusing) as port:
        settings = configure(tmp_path, port, connections=1)
        subscribe(settings, ["a@example.org", "b@example.org", "c@example.org"])
        with pytest.raises(NewsletterError):
            send_issue(make_outbox(tmp_path), settings)
    assert sum(refusing.count().values()) == 1
    kept = state_root(settings.path(settings.subscribers.database)) / "2026-12"
    assert kept.is_dir() and kept.stat().st_mode & 0o777 == 0o700  # private, not in outbox/
    outbox = tmp_path / "outbox" / "2026-12"
    write_built_email(  # the editor rebuilds in between: another build in outbox/
        outbox,
        "<html><head><title>Newsletter – Ausgabe 38</title></head><body><p>Zweite Fassung</p>"
        f'<a href="{UNSUBSCRIBE_PLACEHOLDER}">Abbestellen</a></body></html>',
        f"Zweite Fassung\n{UNSUBSCRIBE_PLACEHOLDER}\n",
    )
    good = Sink()
    with smtp_server(good) as port:
        settings = configure(tmp_path, port)
        with pytest.raises(NewsletterError) as caught:
            send_issue(outbox, settings)
        assert caught.value.code == "SEND_BUILD_CHANGED"
        from newsletter.texts.messages import render

        text = render(caught.value.code, "de", caught.value.params)
        assert "--original-build" in text and "--new-build" in text
        assert good.messages == []
        report = send_issue(outbox, settings, build_choice="original")
    assert report.sent == 2
    for rcpts, raw in good.messages:  # the rest got what the first reader got
        body = email.message_from_bytes(raw, policy=policy.default).get_body(("plain",))
        assert body is not None and "Hallo" in body.get_content(), rcpts
    with open_store(settings.path(settings.subscribers.database)) as db:
        builds = {r[0] for r in db.execute("SELECT build_id FROM send_journal")}
        run = journal.get_run(db, "2026-12")
    assert len(builds) == 1 and run is not None and builds == {run.build_id}
    assert not list(kept.iterdir())  # the kept build is removed once the send is complete
    write_built_email(  # a fix for the web version, after everyone got the issue
        outbox,
        f'<html><body>Dritte <a href="{UNSUBSCRIBE_PLACEHOLDER}">x</a></body></html>',
        f"Dritte {UNSUBSCRIBE_PLACEHOLDER}\n",
    )
    with smtp_server(good) as port:  # a complete run has nothing to send, whatever the build
        assert send_issue(outbox, configure(tmp_path, port)).sent == 0


def test_a_new_build_is_sent_to_the_rest_only_on_purpose(tmp_path: Path) -> None:
    refusing = SenderRefusingSink()
    with smtp_server(refusing) as port:
        settings = configure(tmp_path, port, connections=1)
        subscribe(settings, ["a@example.org", "b@example.org"])
        with pytest.raises(NewsletterError):
            send_issue(make_outbox(tmp_path), settings)
    outbox = write_built_email(
        tmp_path / "outbox" / "2026-12",
        f'<html><body><p>Korrigiert</p><a href="{UNSUBSCRIBE_PLACEHOLDER}">x</a></body></html>',
        f"Korrigiert\n{UNSUBSCRIBE_PLACEHOLDER}\n",
    )
    good = Sink()
    with smtp_server(good) as port:
        report = send_issue(outbox, configure(tmp_path, port), build_choice="new")
    assert report.sent == 1
    [(_, raw)] = good.messages
    body = email.message_from_bytes(raw, policy=policy.default).get_body(("plain",))
    assert body is not None and "Korrigiert" in body.get_content()


class LeavingSink(Sink):
    """Answers b's RCPT with 451 and, meanwhile, b unsubscribes (a click in another mail)."""

    def __init__(self, settings_path: Path) -> None:
        super().__init__()
        self.db_path = settings_path

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address == "b@example.org":
            with open_store(self.db_path) as db:
                unsubscribe(db, address=address)
            return "451 4.7.1 Try again later"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_someone_who_leaves_during_a_run_is_skipped_and_the_run_ends(tmp_path: Path) -> None:
    settings = configure(tmp_path, 0)
    db_path = settings.path(settings.subscribers.database)
    handler = LeavingSink(db_path)
    with smtp_server(handler) as port:
        settings = configure(tmp_path, port, retry_seconds=2.0, retry_window=30.0)
        subscribe(settings, ["a@example.org", "b@example.org"])
        started = time.monotonic()
        report = send_issue(make_outbox(tmp_path), settings)
        seconds = time.monotonic() - started
    assert seconds < 10, f"the run waited {seconds:.0f} s for someone who had left"
    assert handler.count() == Counter(["a@example.org"])
    assert journal_rows(settings)["b@example.org"][0] == "skipped"
    assert report.summary is not None and report.summary.counts["pending"] == 0


def test_recipients_are_fixed_when_the_first_send_starts(tmp_path: Path) -> None:
    refusing = SenderRefusingSink()
    with smtp_server(refusing) as port:
        settings = configure(tmp_path, port, connections=1)
        subscribe(settings, ["a@example.org", "b@example.org"])
        with pytest.raises(NewsletterError):
            send_issue(make_outbox(tmp_path), settings)
    subscribe(settings, ["neu@example.org"])  # signed up after the send began
    good = Sink()
    with smtp_server(good) as port:
        settings = configure(tmp_path, port)
        report = send_issue(make_outbox(tmp_path), settings)  # a re-run to finish
        assert report.sent == 1 and "neu@example.org" not in good.count()
        added = send_issue(make_outbox(tmp_path), settings, add_new_subscribers=True)
    assert added.sent == 1 and good.count()["neu@example.org"] == 1
