"""`newsletter mailbox` against a real IMAP server: Debian's dovecot, started per test on 127.0.0.1.

The server is a throwaway instance (own config in tmp_path, a passwd-file with one user,
maildir, no TLS on loopback, no system service), run in the foreground and stopped after the
test. As root (CI) the mail processes run as the `dovecot` user and logins as `dovenull`, as
the package sets them up; as anyone else everything runs as that user.
"""

from __future__ import annotations

import email
import grp
import hashlib
import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from argparse import Namespace
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from newsletter.cli.mailbox import print_report
from newsletter.cli.mailbox import run as run_cli
from newsletter.core.config import MailboxSettings, Settings, load_settings
from newsletter.core.errors import NewsletterError
from newsletter.mailbox.bounces import original_message_ids, parse_bounce
from newsletter.mailbox.process import (
    LeftAlone,
    MailboxReport,
    _move,
    connect,
    ensure_folder,
    handle_message,
    imap_utf7,
    process_mailbox,
)
from newsletter.output.render import UNSUBSCRIBE_PLACEHOLDER
from newsletter.send.deliver import send_issue
from newsletter.store import subscribers as store
from tests.support import Sink, free_port, real_identity, smtp_server, write_built_email

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "geheim-123"
USERS = [f"postfach{n:02d}" for n in range(1, 41)]  # one fresh mailbox per test


@dataclass
class Imap:
    """The running server and a way into one test's mailbox."""

    port: int
    log: Path
    user: str = ""

    def login(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(self.user, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.login()
        typ, data = client.append(folder, None, None, raw)
        assert typ == "OK", data
        client.logout()

    def subjects(self, folder: str) -> list[str]:
        client = self.login()
        typ, _ = client.select(f'"{imap_utf7(folder)}"', readonly=True)
        assert typ == "OK", folder
        _, data = client.uid("SEARCH", "ALL")
        subjects = []
        for uid in data[0].split():
            _, parts = client.uid("FETCH", uid.decode(), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            header = next(p[1] for p in parts if isinstance(p, tuple))
            msg = email.message_from_bytes(header, policy=default_policy)
            subjects.append(str(msg["Subject"]))
        client.logout()
        return sorted(subjects)

    def seen(self, folder: str = "INBOX") -> list[bytes]:
        client = self.login()
        client.select(folder, readonly=True)
        _, data = client.uid("SEARCH", "SEEN")
        client.logout()
        return list(data[0].split())


@pytest.fixture(scope="module")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imap]:
    # a required real server: missing means the setup is broken, which must fail, not skip
    assert Path(DOVECOT).exists(), "dovecot-imapd is not installed: run `make test`"
    conf = tmp_path_factory.mktemp("dovecot")
    # Unix sockets need short paths: the run and mail folders live in a short /tmp folder.
    short = Path(tempfile.mkdtemp(prefix="nl-imap-"))
    short.chmod(0o755)
    mail = short / "mail"
    mail.mkdir()
    if os.geteuid() == 0:  # root: the package's unprivileged users do the work
        owner = pwd.getpwnam("dovecot")
        os.chown(mail, owner.pw_uid, owner.pw_gid)
        users = (
            "default_internal_user = root\ndefault_internal_group = root\n"
            "default_login_user = dovenull\n"
        )
        userdb = f"uid={owner.pw_uid} gid={owner.pw_gid} home={mail}/%n"
        chroot = ""
    else:  # an ordinary user: everything runs as them, no chroot
        me = pwd.getpwuid(os.getuid())
        users = (
            f"default_internal_user = {me.pw_name}\ndefault_login_user = {me.pw_name}\n"
            f"default_internal_group = {grp.getgrgid(os.getgid()).gr_name}\n"
        )
        userdb = f"home={mail}/%n"
        chroot = "  chroot =\n"
    port = free_port()
    (conf / "passwd").write_text("".join(f"{u}:{{PLAIN}}{PASSWORD}\n" for u in USERS))
    (conf / "dovecot.conf").write_text(
        f"""protocols = imap
listen = 127.0.0.1
base_dir = {short}/run
state_dir = {conf}/state
log_path = {conf}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{mail}/%n
first_valid_uid = 1
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {conf}/passwd
}}
userdb {{
  driver = static
  args = {userdb}
}}
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
{chroot}  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""
    )
    log = conf / "dovecot.log"
    with (conf / "stderr.log").open("wb") as err:
        proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf / "dovecot.conf")], stderr=err)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                imaplib.IMAP4("127.0.0.1", port, timeout=2).logout()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        (conf / "stderr.log").read_text()
                        + (log.read_text() if log.exists() else "")
                    ) from None
                time.sleep(0.05)
        yield Imap(port, log)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(short, ignore_errors=True)


@pytest.fixture
def imap(dovecot: Imap) -> Imap:
    """A mailbox of its own for each test."""
    return Imap(dovecot.port, dovecot.log, USERS.pop(0))


# --- sample mails --------------------------------------------------------------------------


def dsn(
    recipient: str,
    status: str,
    action: str = "failed",
    subject: str = "",
    *,
    message_id: str = "",
    final: str = "",
) -> bytes:
    """A Postfix-style RFC 3464 report, with the returned message's headers.

    `message_id`: the returned message's (none when empty); `final`: the Final-Recipient where
    an alias led elsewhere.
    """
    quoted_id = f"Message-ID: {message_id}\n" if message_id else ""
    return f"""Return-Path: <>
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: newsletter@example.org
Subject: {subject or "Undelivered Mail Returned to Sender"}
Date: Fri, 20 Nov 2026 10:00:00 +0100
Message-ID: <dsn.{status}.{recipient}@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{recipient}>: host mx.example.net[192.0.2.9] said: 550 {status} Rejected

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Fri, 20 Nov 2026 09:59:58 +0100

Final-Recipient: rfc822; {final or recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.example.net
Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected

--BOUNDARY
Content-Type: text/rfc822-headers

From: Integrationsnetzwerk <newsletter@example.org>
To: {recipient}
Subject: Newsletter
{quoted_id}List-Unsubscribe: <mailto:abmelden@example.org?subject=unsubscribe-{"Q" * 43}>

--BOUNDARY--
""".encode()


def exim(recipient: str, token: str, message_id: str = "") -> bytes:
    """Exim's plain-text bounce, quoting the whole returned message (with its token!)."""
    quoted_id = f"Message-ID: {message_id}\n" if message_id else ""
    return f"""Return-Path: <>
From: Mail Delivery System <Mailer-Daemon@mx2.example.net>
To: newsletter@example.org
Subject: Mail delivery failed: returning message to sender
Message-ID: <E1exim@mx2.example.net>
Auto-Submitted: auto-replied

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  {recipient}
    host mx2.example.net [192.0.2.25]
    SMTP error from remote mail server after RCPT TO:<{recipient}>:
    550 5.1.1 <{recipient}>: Recipient address rejected: User unknown

------ This is a copy of the message, including all the headers. ------

Return-path: <newsletter@example.org>
From: newsletter@example.org
To: {recipient}
{quoted_id}List-Unsubscribe: <mailto:abmelden@example.org?subject=unsubscribe-{token}>
Subject: Newsletter

Hallo
""".encode()


def request(token: str, *, subject: str | None = None, to: str = "abmelden@example.org") -> bytes:
    """What a mail client sends for the List-Unsubscribe mailto: link."""
    return (
        f"From: Leserin <leserin@example.net>\nTo: {to}\n"
        f"Subject: {subject if subject is not None else 'unsubscribe-' + token}\n"
        f"Message-ID: <{token[:8]}@example.net>\n\nBitte abmelden.\n"
    ).encode()


def personal(subject: str) -> bytes:
    return (
        f"From: Ayşe <ayse@example.net>\nTo: newsletter@example.org\nSubject: {subject}\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Hallo, wann ist der nächste Einsendeschluss?\n\n  info@verein.example.org\n"
    ).encode()


# --- settings and store --------------------------------------------------------------------


def configure(tmp: Path, smtp_port: int = 1025) -> Settings:
    settings = real_identity(load_settings(root=tmp))
    settings = settings.model_copy(
        update={
            "smtp": settings.smtp.model_copy(
                update={"port": smtp_port, "timeout": 5.0, "retry_seconds": 0.05}
            )
        }
    )
    store.connect(settings.path(settings.subscribers.database)).close()  # creates every table
    return settings


def box(imap: Imap, **overrides: Any) -> MailboxSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": imap.port,
        "security": "none",
        "username": imap.user,
        "password": PASSWORD,
        "timeout": 10.0,
    }
    return MailboxSettings(**(values | overrides))


def add_people(settings: Settings, *addresses: str) -> dict[str, store.Subscriber]:
    with store.open_store(settings.path(settings.subscribers.database)) as db:
        return {a: store.add(db, a, consent_version="2026-11", via="test") for a in addresses}


def status(settings: Settings, address: str) -> store.Subscriber:
    with store.open_store(settings.path(settings.subscribers.database)) as db:
        found = store.get(db, address)
    assert found is not None
    return found


def make_outbox(folder: Path, issue: str = "2026-12") -> Path:
    return write_built_email(
        folder / "outbox" / issue,
        "<!DOCTYPE html><html><head><title>Newsletter</title></head><body>"
        f'<a href="{UNSUBSCRIBE_PLACEHOLDER}">Abbestellen</a></body></html>',
        f"Abbestellen: {UNSUBSCRIBE_PLACEHOLDER}\n",
        issue,
    )


def send_earlier(settings: Settings, folder: Path, issue: str = "2026-11") -> dict[str, str]:
    """Really send an earlier issue to everyone active: the Message-ID each one got.

    A bounce counts only when it quotes one of them (as the journal has it).
    """
    handler = Sink()
    with smtp_server(handler) as port:
        smtp = settings.smtp.model_copy(update={"port": port})
        report = send_issue(make_outbox(folder, issue), settings.model_copy(update={"smtp": smtp}))
    ids = {rcpt: str(handler.to(rcpt)[0]["Message-ID"]) for rcpt in handler.rcpts}
    assert report.sent == len(ids) > 0
    with store.open_store(settings.path(settings.subscribers.database)) as db:
        journaled = db.execute(
            "SELECT address, message_id FROM send_journal WHERE issue = ?", (issue,)
        ).fetchall()
    assert dict(journaled) == ids
    return ids


def public_message_id(issue: str, address: str) -> str:
    """A Message-ID made up from public facts only: the scheme before the IDs were keyed."""
    digest = hashlib.sha256(f"{issue}|{address}".encode()).hexdigest()[:24]
    return f"<{issue}.{digest}@beispielstadt-netz.de>"


# --- the whole run -------------------------------------------------------------------------


def test_bounces_and_requests_are_processed_moved_and_send_skips_them(
    imap: Imap, tmp_path: Path
) -> None:
    handler = Sink()
    with smtp_server(handler) as smtp_port:
        settings = configure(tmp_path, smtp_port)
        people = add_people(
            settings, "weg@example.net", "geht@example.net", "voll@example.net", "da@example.net"
        )
        ids = send_earlier(settings, tmp_path)
        leaving = people["geht@example.net"].unsubscribe_token
        weg = ids["weg@example.net"]
        imap.append(dsn("weg@example.net", "5.1.1", message_id=weg))
        imap.append(exim("weg@example.net", people["da@example.net"].unsubscribe_token, weg))
        imap.append(request(leaving))
        imap.append(dsn("voll@example.net", "5.2.2", message_id=ids["voll@example.net"]))  # soft
        imap.append(personal("Frage zum Einsendeschluss"))
        imap.append(request("Z" * 43, subject="unsubscribe-" + "Z" * 43 + " (bitte)"))
        report = process_mailbox(settings, box(imap))
        assert report.examined == 6 and report.moved == 4
        assert report.unsubscribed == ("geht@example.net",)
        hard = [b for b in report.bounces if b.address == "weg@example.net"]
        assert [(b.kind, b.status, b.count, b.marked) for b in hard] == [
            ("hard", "5.1.1", 1, False),
            ("hard", "5.1.1", 2, True),  # the second hard bounce: marked (limit 2)
        ]
        [soft] = [b for b in report.bounces if b.address == "voll@example.net"]
        assert (soft.kind, soft.count, soft.marked) == ("soft", 1, False)
        assert [p.reason for p in report.problems] == ["unknown_token"] and report.others == 1
        # the database
        assert status(settings, "weg@example.net").status == "bounced"
        assert status(settings, "weg@example.net").bounce_count == 2
        assert status(settings, "geht@example.net").status == "unsubscribed"
        assert status(settings, "geht@example.net").unsubscribed_via == "mailto"
        assert status(settings, "voll@example.net").status == "active"  # counted only
        assert status(settings, "voll@example.net").bounce_count == 1
        assert status(settings, "da@example.net").status == "active"  # quoted token ignored
        # the mailbox: handled mails moved into a folder created for them, the rest untouched
        assert imap.subjects("INBOX") == sorted(
            ["Frage zum Einsendeschluss", "unsubscribe-" + "Z" * 43 + " (bitte)"]
        )
        assert len(imap.subjects("Newsletter-Erledigt")) == 4
        assert imap.seen("INBOX") == []  # what was left alone still reads as unread
        # a second run finds nothing new to do
        again = process_mailbox(settings, box(imap))
        assert again.moved == 0 and again.examined == 2 and not again.bounces
        # and sending skips the two who left
        report_send = send_issue(make_outbox(tmp_path), settings)
        assert report_send.sent == 2
        assert Counter(handler.rcpts) == Counter(["voll@example.net", "da@example.net"])


def test_soft_bounces_are_counted_and_act_only_at_their_limit(imap: Imap, tmp_path: Path) -> None:
    settings = configure(tmp_path)
    add_people(settings, "greylist@example.net")
    [sent] = send_earlier(settings, tmp_path).values()
    mailbox = box(imap, soft_bounce_limit=3)
    for n in range(1, 4):
        subject = f"Undelivered Mail {n}"
        imap.append(dsn("greylist@example.net", "4.2.0", subject=subject, message_id=sent))
        [result] = process_mailbox(settings, mailbox).bounces
        assert (result.kind, result.count, result.marked) == ("soft", n, n == 3)
        assert status(settings, "greylist@example.net").status == (
            "bounced" if n == 3 else "active"
        )


def test_the_same_bounce_twice_counts_once(tmp_path: Path) -> None:
    settings = configure(tmp_path)
    add_people(settings, "doppelt@example.net")
    [sent] = send_earlier(settings, tmp_path).values()
    raw = dsn("doppelt@example.net", "5.1.1", message_id=sent)
    mailbox = MailboxSettings.model_validate({"hard_bounce_limit": 2})
    with store.open_store(settings.path(settings.subscribers.database)) as db:
        for _ in range(3):  # e.g. a run that died before it could move the mail
            handled = handle_message(db, raw, mailbox)
            assert handled.outcome == "bounce"
    assert handled.bounces[0].repeated and handled.bounces[0].count == 1
    assert status(settings, "doppelt@example.net").status == "active"


def test_token_in_the_recipient_address_unsubscribes(imap: Imap, tmp_path: Path) -> None:
    settings = configure(tmp_path)
    s = add_people(settings, "plus@example.net")["plus@example.net"]
    imap.append(
        request(s.unsubscribe_token, subject="", to=f"abmelden+{s.unsubscribe_token}@x.org")
    )
    report = process_mailbox(settings, box(imap))
    assert report.unsubscribed == ("plus@example.net",) and report.moved == 1


def test_a_folder_name_with_umlauts_is_created(imap: Imap, tmp_path: Path) -> None:
    settings = configure(tmp_path)
    s = add_people(settings, "umlaut@example.net")["umlaut@example.net"]
    imap.append(request(s.unsubscribe_token))
    folder = "Erledigt – geprüft"
    report = process_mailbox(settings, box(imap, processed_folder=folder))
    assert report.moved == 1 and len(imap.subjects(folder)) == 1
    client = imap.login()
    _, listing = client.list()
    client.logout()
    assert any(b"Erledigt &IBM- gepr&APw-ft" in item for item in listing if isinstance(item, bytes))


def test_moving_without_the_move_extension_deletes_only_that_mail(
    imap: Imap, tmp_path: Path
) -> None:
    """Servers without MOVE: COPY, flag that one mail deleted, UID EXPUNGE it alone."""
    settings = configure(tmp_path)
    imap.append(personal("Bleibt"))
    imap.append(personal("Geht"))
    imap.append(personal("Schon gelöscht"))
    client = connect(box(imap), settings)
    client.select("INBOX")
    client.uid("STORE", "3", "+FLAGS.SILENT", r"(\Deleted)")  # someone else's pending delete
    client.capabilities = tuple(c for c in client.capabilities if c != "MOVE")
    ensure_folder(client, "Ablage")
    _move(client, b"2", "Ablage")
    client.logout()
    assert imap.subjects("Ablage") == ["Geht"]
    assert imap.subjects("INBOX") == ["Bleibt", "Schon gelöscht"]  # still there, still flagged


def test_a_dry_run_changes_and_moves_nothing(imap: Imap, tmp_path: Path) -> None:
    settings = configure(tmp_path)
    people = add_people(settings, "probe@example.net", "hart@example.net")
    ids = send_earlier(settings, tmp_path)
    imap.append(request(people["probe@example.net"].unsubscribe_token))
    imap.append(dsn("hart@example.net", "5.1.1", message_id=ids["hart@example.net"]))
    report = process_mailbox(settings, box(imap, hard_bounce_limit=1), dry_run=True)
    assert report.unsubscribed == ("probe@example.net",) and report.bounces[0].marked
    assert report.moved == 0 and len(imap.subjects("INBOX")) == 2
    assert status(settings, "probe@example.net").status == "active"
    assert status(settings, "hart@example.net").status == "active"


def test_a_bounce_counts_only_with_the_message_id_of_a_message_sent_to_that_address(
    imap: Imap, tmp_path: Path
) -> None:
    """Forged bounces to the public mailbox must not cut a reader off: only real ones count."""
    settings = configure(tmp_path)
    add_people(settings, "opfer@example.net", "andere@example.net")
    ids = send_earlier(settings, tmp_path)
    real = ids["opfer@example.net"]
    made_up = public_message_id("2026-11", "opfer@example.net")
    assert made_up != real
    imap.append(dsn("opfer@example.net", "5.1.1", subject="Ohne Message-ID"))
    imap.append(dsn("opfer@example.net", "5.1.1", subject="Erfunden", message_id=made_up))
    imap.append(
        dsn(
            "opfer@example.net",
            "5.1.1",
            subject="Die einer anderen",  # real, but sent to someone else
            message_id=ids["andere@example.net"],
        )
    )
    imap.append(exim("opfer@example.net", "T" * 43))  # a quoted copy without the ID
    settings = settings.model_copy(update={"mailbox": box(imap, hard_bounce_limit=1)})
    out = Console(record=True, width=300)
    assert run_cli(Namespace(dry_run=False, json=False), settings, "de", out) == 1
    text = out.export_text()
    assert text.count("Liegen gelassen – Unzustellbarkeitsmeldung ohne Bezug zu einer") == 4
    assert "nicht verarbeitet, bitte selbst prüfen." in text
    # nothing was acted on: not counted, not marked, nothing moved, all still unread
    s = status(settings, "opfer@example.net")
    assert (s.status, s.bounce_count) == ("active", 0)
    assert len(imap.subjects("INBOX")) == 4 and imap.subjects("Newsletter-Erledigt") == []
    assert imap.seen("INBOX") == []
    # the real one counts as before (limit 1: marked at once) and is moved
    imap.append(dsn("opfer@example.net", "5.1.1", subject="Echt", message_id=real))
    report = process_mailbox(settings, settings.mailbox)
    [bounce] = report.bounces
    assert (bounce.address, bounce.kind, bounce.count, bounce.marked) == (
        "opfer@example.net",
        "hard",
        1,
        True,
    )
    assert [p.reason for p in report.problems] == ["bounce_unverified"] * 4
    assert report.moved == 1 and imap.subjects("Newsletter-Erledigt") == ["Echt"]
    assert status(settings, "opfer@example.net").status == "bounced"
    assert status(settings, "andere@example.net").status == "active"


def test_an_alias_bounce_is_checked_against_the_address_on_the_list(tmp_path: Path) -> None:
    """Original-Recipient not on the list, Final-Recipient is: the ID must be that reader's."""
    settings = configure(tmp_path)
    add_people(settings, "ziel@example.net", "dritte@example.net")
    ids = send_earlier(settings, tmp_path)
    mailbox = MailboxSettings.model_validate({"hard_bounce_limit": 1})
    real = dsn("alt@example.net", "5.1.1", message_id=ids["ziel@example.net"], final="ziel@x.de")
    real = real.replace(b"ziel@x.de", b"ziel@example.net")
    other = real.replace(ids["ziel@example.net"].encode(), ids["dritte@example.net"].encode())
    with store.open_store(settings.path(settings.subscribers.database)) as db:
        handled = handle_message(db, other, mailbox)
        assert handled.outcome == "bounce_unverified"
        assert not handled.bounces and not handled.unknown_recipients
        handled = handle_message(db, real, mailbox)
        assert handled.outcome == "bounce"
    assert [(b.address, b.marked) for b in handled.bounces] == [("ziel@example.net", True)]


def test_the_command_reports_in_german_and_asks_for_attention(imap: Imap, tmp_path: Path) -> None:
    settings = configure(tmp_path)
    people = add_people(settings, "cli@example.net")
    imap.append(request(people["cli@example.net"].unsubscribe_token))
    imap.append(request("U" * 43))
    settings = settings.model_copy(update={"mailbox": box(imap)})  # as config.py will have it
    out = Console(record=True, width=200)
    code = run_cli(Namespace(dry_run=False, json=False), settings, "de", out)
    text = out.export_text()
    assert code == 1  # the unknown code needs the editor
    assert "Abgemeldet (per E-Mail): cli@example.net" in text
    assert "Liegen gelassen – Abmeldung mit unbekanntem Code" in text
    assert "1 bearbeitete E-Mail nach „Newsletter-Erledigt“ verschoben." in text


def test_wrong_password_and_plaintext_to_a_remote_host_are_refused(
    imap: Imap, tmp_path: Path
) -> None:
    settings = configure(tmp_path)
    with pytest.raises(NewsletterError) as caught:
        process_mailbox(settings, box(imap, password="falsch"))
    assert caught.value.code == "MAILBOX_AUTH_FAILED"
    with pytest.raises(NewsletterError) as caught:
        process_mailbox(settings, box(imap, host="imap.example.org"))
    assert caught.value.code == "MAILBOX_PLAINTEXT_REFUSED"
    with pytest.raises(NewsletterError) as caught:
        process_mailbox(settings, box(imap, folder="Gibt-es-nicht"))
    assert caught.value.code == "MAILBOX_FOLDER_MISSING"


# --- bounce formats ------------------------------------------------------------------------

QMAIL = b"""From: MAILER-DAEMON@mail.example.net
To: newsletter@example.org
Subject: failure notice

Hi. This is the qmail-send program at mail.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<niemand@example.net>:
192.0.2.7 does not like recipient.
Remote host said: 550 5.1.1 <niemand@example.net>... User unknown
Giving up on 192.0.2.7.

--- Below this line is a copy of the message.

Return-Path: <newsletter@example.org>
To: niemand@example.net
"""

POSTFIX_TEXT = b"""From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: newsletter@example.org
Subject: Undelivered Mail Returned to Sender

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<voll@example.net>: host mx.example.net[192.0.2.9] said: 552 5.2.2
    <voll@example.net>: Recipient address rejected: Mailbox full (in reply to
    RCPT TO command)
"""

SENDMAIL = b"""From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>
To: newsletter@example.org
Subject: Returned mail: see transcript for details

The original message was received at Fri, 20 Nov 2026 10:00:00 +0100
from localhost [127.0.0.1]

   ----- The following addresses had permanent fatal errors -----
<unbekannt@example.net>
    (reason: 550 5.1.1 <unbekannt@example.net>... User unknown)

   ----- Transcript of session follows -----
... while talking to mx.example.net.:
>>> DATA
<<< 550 5.1.1 <unbekannt@example.net>... User unknown
550 5.1.1 <unbekannt@example.net>... User unknown
"""

EXIM_DELAY = b"""From: Mail Delivery System <Mailer-Daemon@mx.example.net>
To: newsletter@example.org
Subject: Warning: message 1abcDE-000123-Xy delayed 24 hours

This message was created automatically by mail delivery software.
A message that you sent has not yet been delivered to one or more of its
recipients after more than 24 hours on the queue on mx.example.net.

The address to which the message has not yet been delivered is:

  langsam@example.net
    host mx.example.net [192.0.2.25]
    Connection timed out

No action is required on your part. Delivery attempts will continue for
some time, and this warning may be repeated at intervals if the message
remains undelivered.
"""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dsn("a@example.net", "5.1.1"), [("a@example.net", "5.1.1", "hard")]),
        (dsn("a@example.net", "5.7.1"), [("a@example.net", "5.7.1", "soft")]),  # policy
        (dsn("a@example.net", "4.4.7", "delayed"), [("a@example.net", "4.4.7", "delay")]),
        (exim("weg@example.net", "T" * 43), [("weg@example.net", "5.1.1", "hard")]),
        (EXIM_DELAY, [("langsam@example.net", "4.0.0", "delay")]),
        (QMAIL, [("niemand@example.net", "5.1.1", "hard")]),
        (POSTFIX_TEXT, [("voll@example.net", "5.2.2", "soft")]),
        (SENDMAIL, [("unbekannt@example.net", "5.1.1", "hard")]),
    ],
    ids=["dsn", "dsn-policy", "dsn-delayed", "exim", "exim-delay", "qmail", "postfix", "sendmail"],
)
def test_bounce_formats(raw: bytes, expected: list[tuple[str, str, str]]) -> None:
    msg = email.message_from_bytes(raw, policy=default_policy)
    failures = parse_bounce(msg)
    assert failures is not None
    assert [(f.recipient, f.status, f.kind) for f in failures] == expected


def test_the_returned_message_id_is_found_but_never_the_bounce_s_own() -> None:
    sent = "<2026-12.0123456789abcdef0123456789abcdef@example.org>"

    def ids(raw: bytes) -> set[str]:
        return original_message_ids(email.message_from_bytes(raw, policy=default_policy))

    assert ids(dsn("a@example.net", "5.1.1", message_id=sent)) == {sent}
    assert ids(dsn("a@example.net", "5.1.1")) == set()  # not <dsn.5.1.1.a@...>, its own
    assert ids(exim("a@example.net", "T" * 43, sent)) == {sent}
    assert ids(exim("a@example.net", "T" * 43)) == set()  # not <E1exim@...>, its own
    # the whole returned message as message/rfc822; a folded, lower-case header line
    attached = dsn("a@example.net", "5.1.1", message_id=sent).replace(
        b"Content-Type: text/rfc822-headers", b"Content-Type: message/rfc822"
    )
    assert ids(attached) == {sent}
    assert ids(attached.replace(b"Message-ID: <", b"message-id:\n  <")) == {sent}
    assert ids(QMAIL + f"Message-Id: {sent}\n".encode()) == {sent}
    assert ids(QMAIL) == ids(SENDMAIL) == ids(personal("Frage")) == set()


def test_reports_of_success_and_personal_mails_are_no_bounces() -> None:
    relayed = email.message_from_bytes(dsn("a@example.net", "2.0.0", "relayed"))
    assert parse_bounce(relayed) is None
    assert parse_bounce(email.message_from_bytes(personal("Frage"), policy=default_policy)) is None


def test_the_report_reads_well_in_english() -> None:
    report = MailboxReport(
        examined=2,
        unsubscribed=("a@example.net",),
        moved=1,
        folder="INBOX",
        processed_folder="Done",
        problems=(LeftAlone("MAILER-DAEMON@x.net", "Undelivered", "bounce_unverified"),),
    )
    out = Console(record=True, width=200)
    print_report(report, "en", out)
    text = out.export_text()
    assert "Unsubscribed (by e-mail): a@example.net" in text
    assert "1 handled e-mail moved to 'Done'." in text
    assert (
        "Left alone – bounce not tied to a sent issue (missing or unknown Message-ID, perhaps "
        "forged) from MAILER-DAEMON@x.net ('Undelivered'): not processed" in text
    )


def test_imap_folder_names_in_modified_utf7() -> None:
    assert imap_utf7("INBOX") == "INBOX"
    assert imap_utf7("Erledigt & geprüft") == "Erledigt &- gepr&APw-ft"
    assert imap_utf7("日本語") == "&ZeVnLIqe-"  # RFC 3501's own example
