"""`newsletter mailbox`: unsubscribe requests and bounces from an IMAP mailbox, hands-free.

For those without a web server. Each mail in the folder is read (without marking it seen) and:

- an **unsubscribe request** (the `mailto:` of List-Unsubscribe: `unsubscribe-TOKEN` in the
  subject, or `name+TOKEN@` / `name+unsubscribe-TOKEN@` in a recipient address) unsubscribes the
  token's owner, idempotently;
- a **bounce** (an RFC 3464 delivery status notification, or the plain-text notices of Exim,
  Postfix, qmail and Sendmail) is counted against the recipient. A *hard* bounce (the address
  does not exist) marks the subscriber `bounced` after `hard_bounce_limit` of them since their
  last confirmation; a *soft* one (mailbox full, greylisting, refused by a spam filter) is only
  counted, and marks them after `soft_bounce_limit` within `soft_bounce_days`. Delay warnings
  change nothing. Each bounce mail counts once, even when a run is repeated (its hash is kept).
  A bounce is acted on only when it quotes the Message-ID of a message the send journal holds
  for that subscriber: the IDs are keyed with the store's secret, so only a real bounce of a
  real newsletter can name one. Anyone can mail the public unsubscribe address a made-up
  bounce; without this, two of them would cut anyone off the list;
- both are moved to `processed_folder` (created when missing). Everything else, and what could
  not be matched (an unknown token, a notice without a recipient, a bounce without a Message-ID
  we sent to that address), stays where it is, unread.

5.x.x codes that say nothing about the address are soft: 5.2.2 (mailbox full), 5.2.3 and 5.3.4
(message too large) and 5.7.x (refused by policy: usually the sender's reputation, not the
recipient's address). Marking someone bounced for those would drop valid readers. Reading
the bounces is bounces.py's part; this module acts on them.
"""

from __future__ import annotations

import base64
import contextlib
import email
import hashlib
import imaplib
import logging
import re
import sqlite3
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import Literal

from newsletter.core.config import MailboxSettings, Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.net import is_loopback, tls_context
from newsletter.mailbox.bounces import Failure, Kind, original_message_ids, parse_bounce
from newsletter.send import journal
from newsletter.store import subscribers as store

log = logging.getLogger(__name__)


def mailbox_settings(settings: Settings) -> MailboxSettings:
    """The [mailbox] section."""
    return settings.mailbox


# --- unsubscribe requests ------------------------------------------------------------------

_TOKEN = r"([A-Za-z0-9_-]{20,100})"
_SUBJECT_TOKEN = re.compile(r"unsubscribe-" + _TOKEN)
_ADDRESS_TOKEN = re.compile(r"\+(?:unsubscribe-)?" + _TOKEN + r"@")


def unsubscribe_token(msg: Message) -> str | None:
    """The token of a `mailto:` unsubscribe request: in the subject or a recipient address."""
    found = _SUBJECT_TOKEN.search(str(msg.get("Subject", "")))
    if found:
        return found.group(1)
    headers = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
    for _, address in getaddresses([str(v) for h in headers for v in msg.get_all(h, [])]):
        found = _ADDRESS_TOKEN.search(address)
        if found:
            return found.group(1)
    return None


# --- acting on them ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BounceResult:
    """What one reported failure did to a subscriber."""

    address: str
    kind: Kind
    status: str
    count: int  # bounces of this kind that count now
    limit: int  # the count at which the address is marked (0: never)
    marked: bool  # the subscriber is now `bounced`
    repeated: bool = False  # this mail had been counted before


@dataclass(frozen=True, slots=True)
class LeftAlone:
    """A mail that stays in the folder because nothing could be done with it."""

    sender: str
    subject: str
    reason: Literal["unknown_token", "bounce_unparsed", "bounce_unverified"]


Outcome = Literal[
    "unsubscribe", "bounce", "unknown_token", "bounce_unparsed", "bounce_unverified", "other"
]


@dataclass(frozen=True, slots=True)
class Handled:
    """What one mail was and what acting on it did."""

    outcome: Outcome
    unsubscribed: tuple[str, ...] = ()
    already_unsubscribed: tuple[str, ...] = ()
    bounces: tuple[BounceResult, ...] = ()
    unknown_recipients: tuple[str, ...] = ()
    problem: LeftAlone | None = None  # why it stays in the folder

    @property
    def to_move(self) -> bool:
        """Acted on: the mail goes to the processed folder."""
        return self.outcome in ("unsubscribe", "bounce")


@dataclass(frozen=True, slots=True)
class MailboxReport:
    """What a run did (or would do, with dry_run)."""

    examined: int = 0
    unsubscribed: tuple[str, ...] = ()
    already_unsubscribed: tuple[str, ...] = ()
    bounces: tuple[BounceResult, ...] = ()
    unknown_recipients: tuple[str, ...] = ()
    problems: tuple[LeftAlone, ...] = ()
    others: int = 0
    moved: int = 0
    folder: str = ""
    processed_folder: str = ""
    dry_run: bool = False

    @classmethod
    def of(
        cls,
        handled: Sequence[Handled],
        *,
        moved: int,
        folder: str,
        processed_folder: str,
        dry_run: bool,
    ) -> MailboxReport:
        """The report of a run that handled these mails (in order) and moved `moved`."""
        return cls(
            examined=len(handled),
            unsubscribed=tuple(a for h in handled for a in h.unsubscribed),
            already_unsubscribed=tuple(a for h in handled for a in h.already_unsubscribed),
            bounces=tuple(b for h in handled for b in h.bounces),
            unknown_recipients=tuple(a for h in handled for a in h.unknown_recipients),
            problems=tuple(h.problem for h in handled if h.problem is not None),
            others=sum(h.outcome == "other" for h in handled),
            moved=moved,
            folder=folder,
            processed_folder=processed_folder,
            dry_run=dry_run,
        )


def record_bounce(
    conn: sqlite3.Connection,
    failure: Failure,
    mail_hash: str,
    mailbox: MailboxSettings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> BounceResult | None:
    """Count one failure against its subscriber and mark them bounced at the limit.

    None when the address is not (or no longer) on the list.
    """
    try:
        s = store.get(conn, failure.recipient)
    except NewsletterError:
        return None
    if s is None:
        return None
    limit = mailbox.hard_bounce_limit if failure.kind == "hard" else mailbox.soft_bounce_limit
    if failure.kind == "delay":
        return BounceResult(s.address, "delay", failure.status, 0, 0, False)
    now = now or datetime.now(UTC)
    at = store.timestamp(now)
    since = s.confirmed_at or s.subscribed_at  # bounces before a fresh consent do not count
    if failure.kind == "soft":
        since = max(since, store.timestamp(now - timedelta(days=mailbox.soft_bounce_days)))
    count_sql = (
        "SELECT COUNT(*) FROM bounces WHERE subscriber_id = ? AND address_key = ? AND kind = ?"
        " AND recorded_at >= ?"
    )
    args = (s.id, s.address_key, failure.kind, since)
    with store.transaction(conn):
        repeated = bool(
            conn.execute(
                "SELECT 1 FROM bounces WHERE mail_sha256 = ? AND subscriber_id = ?",
                (mail_hash, s.id),
            ).fetchone()
        )
        count = int(conn.execute(count_sql, args).fetchone()[0]) + (not repeated)
        marked = s.status in ("active", "pending") and limit > 0 and count >= limit
        if dry_run or repeated:  # nothing to write
            return BounceResult(
                s.address, failure.kind, failure.status, count, limit, marked, repeated
            )
        conn.execute(
            "INSERT INTO bounces (subscriber_id, address_key, kind, status, diagnostic,"
            " mail_sha256, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (s.id, s.address_key, failure.kind, failure.status, failure.diagnostic, mail_hash, at),
        )
        conn.execute(
            "UPDATE subscribers SET bounce_count = bounce_count + 1, last_bounce_at = ?,"
            " updated_at = ? WHERE id = ?",
            (at, at, s.id),
        )
        if marked:
            conn.execute("UPDATE subscribers SET status = 'bounced' WHERE id = ?", (s.id,))
    if marked:
        log.info("%s marked bounced after %d %s bounces", s.address, count, failure.kind)
    return BounceResult(s.address, failure.kind, failure.status, count, limit, marked)


def _on_the_list(conn: sqlite3.Connection, address: str) -> store.Subscriber | None:
    try:
        return store.get(conn, address)
    except NewsletterError:  # not even an address
        return None


def _verified(
    conn: sqlite3.Connection, failure: Failure, message_ids: set[str]
) -> tuple[Failure, bool] | None:
    """The failure to record (the alias's target where the list has that) and whether the bounce
    quotes a message sent to that subscriber; None when neither address is on the list.

    Of the reported address and the DSN's Final-Recipient, the first on the list to which the
    quoted message was sent wins; the first on the list at all when it was sent to neither.
    """
    candidates = [failure]
    if failure.final:  # the list may have the alias's target instead
        candidates.append(Failure(failure.final, failure.status, failure.kind, failure.diagnostic))
    listed = [(c, s) for c in candidates if (s := _on_the_list(conn, c.recipient)) is not None]
    for candidate, s in listed:
        if journal.sent_message(conn, s.address_key, message_ids):
            return candidate, True
    return (listed[0][0], False) if listed else None


def handle_message(
    conn: sqlite3.Connection,
    raw: bytes,
    mailbox: MailboxSettings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> Handled:
    """Act on one mail; what it was and what was done ("unsubscribe" and "bounce" are moved).

    A bounce that names someone on the list without quoting a message sent to them is
    "bounce_unverified": left alone. (Should one mail report several recipients and only some
    check out, those are counted, and the mail still stays; its hash keeps it from counting
    twice on the next run.)
    """
    msg = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(msg, EmailMessage)
    failures = parse_bounce(msg)  # first: a bounce may quote our List-Unsubscribe header
    sender, subject = str(msg.get("From", "")), str(msg.get("Subject", ""))
    if failures is not None:
        if not failures:
            return Handled("bounce_unparsed", problem=LeftAlone(sender, subject, "bounce_unparsed"))
        mail_hash = hashlib.sha256(raw).hexdigest()
        message_ids = original_message_ids(msg)
        unverified = False
        unknown: list[str] = []
        bounces: list[BounceResult] = []
        for failure in failures:
            checked = _verified(conn, failure, message_ids)
            if checked is None:
                unknown.append(failure.final or failure.recipient)
                continue
            failure, sent = checked
            if not sent and failure.kind != "delay":  # a delay changes nothing anyway
                # Forged, or about a message we never sent them: counting it would let anyone
                # cut a reader off with made-up bounces. It stays for the editor.
                log.info("bounce for %s quotes no message sent to them", failure.recipient)
                unverified = True
                continue
            result = record_bounce(conn, failure, mail_hash, mailbox, now=now, dry_run=dry_run)
            if result is None:  # gone from the list in between
                unknown.append(failure.recipient)
            else:
                bounces.append(result)
        problem = LeftAlone(sender, subject, "bounce_unverified") if unverified else None
        return Handled(
            "bounce_unverified" if unverified else "bounce",
            bounces=tuple(bounces),
            unknown_recipients=tuple(unknown),
            problem=problem,
        )
    token = unsubscribe_token(msg)
    if token is None:
        return Handled("other")
    s = store.by_token(conn, token)
    if s is None:
        return Handled("unknown_token", problem=LeftAlone(sender, subject, "unknown_token"))
    if s.status == "unsubscribed":
        return Handled("unsubscribe", already_unsubscribed=(s.address,))
    if not dry_run:
        store.unsubscribe(conn, token=token, via="mailto", now=now)
    return Handled("unsubscribe", unsubscribed=(s.address,))


# --- IMAP ----------------------------------------------------------------------------------


def imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): Erledigt/Geprüft → ...&AP8-..."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _quoted(name: str) -> str:
    return '"' + imap_utf7(name).replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(mailbox: MailboxSettings, settings: Settings) -> imaplib.IMAP4:
    """Connect and log in: TLS (verified), STARTTLS, or plain only to this machine."""
    if not mailbox.username:
        raise NewsletterError("MAILBOX_NOT_CONFIGURED")
    params: dict[str, object] = {"host": mailbox.host, "port": mailbox.port}
    if mailbox.security == "none" and not is_loopback(mailbox.host):
        raise NewsletterError("MAILBOX_PLAINTEXT_REFUSED", None, params)
    context = tls_context(settings.path(mailbox.ca_file) if mailbox.ca_file else None)
    try:
        imap: imaplib.IMAP4
        if mailbox.security == "tls":
            imap = imaplib.IMAP4_SSL(
                mailbox.host, mailbox.port, ssl_context=context, timeout=mailbox.timeout
            )
        else:
            imap = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=mailbox.timeout)
            if mailbox.security == "starttls":
                imap.starttls(ssl_context=context)
    except ssl.SSLError as exc:
        raise NewsletterError("MAILBOX_TLS_FAILED", None, {**params, "detail": exc}) from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise NewsletterError("MAILBOX_UNREACHABLE", None, {**params, "detail": exc}) from None
    try:
        imap.login(mailbox.username, mailbox.password.get_secret_value())
    except imaplib.IMAP4.error as exc:
        _logout(imap)
        raise NewsletterError(
            "MAILBOX_AUTH_FAILED", None, {**params, "user": mailbox.username, "detail": exc}
        ) from None
    # imaplib keeps the capabilities from before the login; servers name MOVE only after it.
    typ, data = imap.capability()
    if typ == "OK" and data and isinstance(data[-1], bytes):
        imap.capabilities = tuple(data[-1].decode().upper().split())
    return imap


def _logout(imap: imaplib.IMAP4) -> None:
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        imap.logout()


def ensure_folder(imap: imaplib.IMAP4, name: str) -> bool:
    """Create the folder if it is missing (and subscribe to it); True when it was created."""
    typ, data = imap.list('""', _quoted(name))
    if typ == "OK" and any(item for item in data if item):
        return False
    typ, data = imap.create(_quoted(name))
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        raise NewsletterError("MAILBOX_FOLDER_FAILED", None, {"folder": name, "detail": detail})
    imap.subscribe(_quoted(name))
    return True


def _fetch(imap: imaplib.IMAP4, uid: bytes) -> bytes | None:
    typ, data = imap.uid("FETCH", uid.decode(), "(BODY.PEEK[])")  # PEEK: stays unread
    if typ != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _move(imap: imaplib.IMAP4, uid: bytes, folder: str) -> None:
    if "MOVE" in imap.capabilities:
        typ, data = imap.uid("MOVE", uid.decode(), _quoted(folder))
    else:  # COPY, then delete only this one mail (UID EXPUNGE needs UIDPLUS)
        typ, data = imap.uid("COPY", uid.decode(), _quoted(folder))
        if typ == "OK":
            imap.uid("STORE", uid.decode(), "+FLAGS.SILENT", r"(\Deleted)")
            if "UIDPLUS" in imap.capabilities:
                imap.uid("EXPUNGE", uid.decode())
    if typ != "OK":
        raise imaplib.IMAP4.error(f"UID MOVE {uid.decode()}: {data!r}")


def process_mailbox(
    settings: Settings,
    mailbox: MailboxSettings | None = None,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> MailboxReport:
    """Read the folder, act on requests and bounces, move what was handled; the report."""
    mailbox = mailbox or mailbox_settings(settings)
    handled: list[Handled] = []
    moved = 0
    imap = connect(mailbox, settings)
    try:
        typ, data = imap.select(_quoted(mailbox.folder), readonly=dry_run)
        if typ != "OK":
            raise NewsletterError("MAILBOX_FOLDER_MISSING", None, {"folder": mailbox.folder})
        if not dry_run:
            ensure_folder(imap, mailbox.processed_folder)
        typ, data = imap.uid("SEARCH", "NOT DELETED")
        uids = data[0].split() if typ == "OK" and data and data[0] else []
        with store.open_store(settings.path(settings.subscribers.database)) as conn:
            for uid in uids[: mailbox.max_messages]:
                raw = _fetch(imap, uid)
                if raw is None:
                    continue
                done = handle_message(conn, raw, mailbox, now=now, dry_run=dry_run)
                handled.append(done)
                if done.to_move and not dry_run:
                    _move(imap, uid, mailbox.processed_folder)
                    moved += 1
        # No CLOSE: it would expunge mails someone else flagged deleted. LOGOUT keeps them.
    except (imaplib.IMAP4.error, OSError) as exc:
        raise NewsletterError(
            "MAILBOX_ERROR", None, {"host": mailbox.host, "detail": exc}
        ) from None
    finally:
        _logout(imap)
    return MailboxReport.of(
        handled,
        moved=moved,
        folder=mailbox.folder,
        processed_folder=mailbox.processed_folder,
        dry_run=dry_run,
    )
