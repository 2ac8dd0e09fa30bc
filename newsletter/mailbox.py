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
  change nothing. Each bounce mail counts once, even when a run is repeated (its hash is kept);
- both are moved to `processed_folder` (created when missing). Everything else, and what could
  not be matched (an unknown token, a notice without a recipient), stays where it is.

5.x.x codes that say nothing about the address are soft: 5.2.2 (mailbox full), 5.2.3 and 5.3.4
(message too large) and 5.7.x (refused by policy: usually the sender's reputation, not the
recipient's address). Marking someone bounced for those would drop valid readers.
"""

from __future__ import annotations

import base64
import contextlib
import email
import hashlib
import imaplib
import ipaddress
import logging
import re
import sqlite3
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import Literal

from newsletter import subscribers as store
from newsletter.config import MailboxSettings, Settings
from newsletter.errors import NewsletterError

log = logging.getLogger(__name__)

Kind = Literal["hard", "soft", "delay"]


def mailbox_settings(settings: Settings) -> MailboxSettings:
    """The [mailbox] section."""
    return settings.mailbox


# --- reading mails -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    """One recipient a bounce reports: address, RFC 3463 status, kind, the server's words."""

    recipient: str
    status: str
    kind: Kind
    diagnostic: str = ""
    final: str = ""  # the DSN's Final-Recipient where it differs (an alias's target)


_SOFT_PERMANENT = frozenset({"5.2.2", "5.2.3", "5.3.4"})
_STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)")
_SMTP_CODE = re.compile(r"(?:^|said:|error:|\s)\s*([45][0-5]\d)[\s-]")
_TOKEN = r"([A-Za-z0-9_-]{20,100})"
_SUBJECT_TOKEN = re.compile(r"unsubscribe-" + _TOKEN)
_ADDRESS_TOKEN = re.compile(r"\+(?:unsubscribe-)?" + _TOKEN + r"@")
_ADDRESS = r"[^\s<>\"'(),;:]+@[A-Za-z0-9\u00a0-\uffff.-]+\.[A-Za-z\u00a0-\uffff]{2,}"
_RECIPIENT_LINE = re.compile(r"^\s*<?(" + _ADDRESS + r")>?(?:\s*\(expanded from[^)]*\))?:?(.*)$")
_COPY_MARKERS = re.compile(
    r"^(?:-+ ?This is a copy of the message|--- Below this line is a copy|"
    r"-+ ?Original message|-+ ?Returned mail follows|-+ ?Original Message)",
    re.IGNORECASE | re.MULTILINE,
)
_FLAT_RECIPIENT = re.compile(r"^Final-Recipient:\s*\w+;\s*<?(" + _ADDRESS + ")>?", re.M | re.I)
_FLAT_STATUS = re.compile(r"^Status:\s*([245]\.\d{1,3}\.\d{1,3})", re.M | re.I)
_BOUNCE_SENDER = re.compile(r"mailer-daemon|postmaster|mail delivery", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (?:status notification|failure|has failed)|mail delivery failed|"
    r"returned mail|failure notice|delivery failure|unzustellbar|nicht zustellbar|"
    r"warning: message .* delayed|delayed mail",
    re.IGNORECASE,
)
_DELAY_TEXT = re.compile(
    r"has not yet been delivered|transient non-fatal|will (?:keep|continue) trying|"
    r"delivery attempts will continue|delayed",
    re.IGNORECASE,
)
_PERMANENT_TEXT = re.compile(
    r"permanent (?:fatal )?error|given up|giving up|not going to try again|could not be "
    r"delivered|following address(?:\(es\)|es)? failed|unknown user|user unknown",
    re.IGNORECASE,
)


def classify(status: str, action: str = "failed") -> Kind | None:
    """The kind of a reported status; None for a DSN that reports success."""
    action = action.strip().lower()
    if action in ("delivered", "relayed", "expanded"):
        return None
    if action == "delayed":
        return "delay"
    if status.startswith("5."):
        return "soft" if status in _SOFT_PERMANENT or status.startswith("5.7.") else "hard"
    if status.startswith("4."):
        return "soft"
    return "hard" if action == "failed" else None


def _field_address(value: str | None) -> str:
    """`rfc822; a@example.org` → a@example.org."""
    if not value:
        return ""
    return str(value).rpartition(";")[2].strip().strip("<>").strip()


def parse_dsn(msg: Message) -> tuple[list[Failure], int] | None:
    """The failures an RFC 3464 report lists and how many recipients it reports on at all.

    None when the mail is no such report.
    """
    if msg.get_content_type() != "multipart/report":
        return None
    reports = [p for p in msg.get_payload() if isinstance(p, Message)]
    status_parts = [p for p in reports if p.get_content_type() == "message/delivery-status"]
    if not status_parts:
        return None
    failures = []
    blocks = status_parts[0].get_payload()
    recipients = (
        [b for b in blocks[1:] if isinstance(b, Message)] if isinstance(blocks, list) else []
    )
    for block in recipients:
        final = _field_address(block.get("Final-Recipient"))
        recipient = _field_address(block.get("Original-Recipient")) or final
        status_match = _STATUS.search(str(block.get("Status", "")))
        diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
        if status_match is None:
            status_match = _STATUS.search(diagnostic)
        status = status_match.group(1) if status_match else "5.0.0"
        kind = classify(status, str(block.get("Action", "failed")))
        if kind is None or not recipient:
            continue
        also = final if final.lower() != recipient.lower() else ""
        failures.append(Failure(recipient, status, kind, diagnostic[:300], also))
    return failures, len(recipients)


def _notice_text(msg: Message) -> str:
    """The bounce's own text: plain parts outside any returned message, cut at its copy."""
    texts: list[str] = []

    def visit(part: Message) -> None:
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "text/rfc822-headers", "message/delivery-status"):
            return
        if part.is_multipart():
            for sub in part.get_payload():
                if isinstance(sub, Message):
                    visit(sub)
        elif ctype == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))

    visit(msg)
    body = "\n".join(texts)
    marker = _COPY_MARKERS.search(body)
    return body[: marker.start()] if marker else body


def looks_like_bounce(msg: Message) -> bool:
    """From a mailer daemon, with a null sender, or with a bounce's subject."""
    sender = str(msg.get("From", ""))
    return_path = str(msg.get("Return-Path", "")).strip()
    return bool(
        _BOUNCE_SENDER.search(sender)
        or return_path == "<>"
        or _BOUNCE_SUBJECT.search(str(msg.get("Subject", "")))
    )


def parse_text_bounce(msg: Message) -> list[Failure]:
    """Recipients and statuses from an Exim, Postfix, qmail or Sendmail plain-text notice."""
    body = _notice_text(msg)
    own = {a.lower() for _, a in getaddresses([str(msg.get(h, "")) for h in ("From", "To")])}
    delay = bool(_DELAY_TEXT.search(body)) and not _PERMANENT_TEXT.search(body)
    # A recipient line (`  a@b`, `<a@b>:`, `<a@b>: host said: 550 ...`) opens a block; the
    # lines after it are its diagnostic, up to a blank line once something was said.
    blocks: list[tuple[str, list[str]]] = []
    open_block = False
    for line in body.splitlines():
        found = _RECIPIENT_LINE.match(line)
        if found and found.group(1).lower() not in own:
            blocks.append((found.group(1), [found.group(2).strip()]))
            open_block = True
        elif open_block and line.strip():
            blocks[-1][1].append(line.strip())
        elif open_block and any(blocks[-1][1]):
            open_block = False
    if not blocks:  # a report flattened into text: Final-Recipient / Status lines
        for address in _FLAT_RECIPIENT.findall(body):
            blocks.append((address, [" ".join(_FLAT_STATUS.findall(body))]))
    failures = []
    seen: set[str] = set()
    for address, lines in blocks:
        detail = " ".join(" ".join(lines).split())[:300]
        status_match = _STATUS.search(detail)
        if status_match:
            status = status_match.group(1)
        elif code := _SMTP_CODE.search(" " + detail):
            status = f"{code.group(1)[0]}.0.0"
        else:
            status = "4.0.0" if delay else "5.0.0"
        kind = "delay" if delay else classify(status)
        if kind is None or address.lower() in seen:
            continue
        seen.add(address.lower())
        failures.append(Failure(address, status, kind, detail))
    return failures


def parse_bounce(msg: Message) -> list[Failure] | None:
    """The failures a bounce reports (maybe none found); None when the mail is no bounce."""
    dsn = parse_dsn(msg)
    if dsn is not None:
        failures, reported = dsn
        if failures or reported:  # a report of success or relaying is no bounce
            return failures or None
    if dsn is not None or looks_like_bounce(msg):
        return parse_text_bounce(msg)
    return None


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
    reason: Literal["unknown_token", "bounce_unparsed"]


@dataclass
class MailboxReport:
    """What a run did (or would do, with dry_run)."""

    examined: int = 0
    unsubscribed: list[str] = field(default_factory=list)
    already_unsubscribed: list[str] = field(default_factory=list)
    bounces: list[BounceResult] = field(default_factory=list)
    unknown_recipients: list[str] = field(default_factory=list)
    problems: list[LeftAlone] = field(default_factory=list)
    others: int = 0
    moved: int = 0
    folder: str = ""
    processed_folder: str = ""
    dry_run: bool = False


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


Outcome = Literal["unsubscribe", "bounce", "unknown_token", "bounce_unparsed", "other"]


def handle_message(
    conn: sqlite3.Connection,
    raw: bytes,
    mailbox: MailboxSettings,
    report: MailboxReport,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Act on one mail and note it in `report`; "unsubscribe" and "bounce" are to be moved."""
    msg = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(msg, EmailMessage)
    failures = parse_bounce(msg)  # first: a bounce may quote our List-Unsubscribe header
    sender, subject = str(msg.get("From", "")), str(msg.get("Subject", ""))
    if failures is not None:
        if not failures:
            report.problems.append(LeftAlone(sender, subject, "bounce_unparsed"))
            return "bounce_unparsed"
        mail_hash = hashlib.sha256(raw).hexdigest()
        for failure in failures:
            result = record_bounce(conn, failure, mail_hash, mailbox, now=now, dry_run=dry_run)
            if result is None and failure.final:  # the list has the alias's target instead
                failure = Failure(failure.final, failure.status, failure.kind, failure.diagnostic)
                result = record_bounce(conn, failure, mail_hash, mailbox, now=now, dry_run=dry_run)
            if result is None:
                report.unknown_recipients.append(failure.recipient)
            else:
                report.bounces.append(result)
        return "bounce"
    token = unsubscribe_token(msg)
    if token is None:
        report.others += 1
        return "other"
    s = store.by_token(conn, token)
    if s is None:
        report.problems.append(LeftAlone(sender, subject, "unknown_token"))
        return "unknown_token"
    if s.status == "unsubscribed":
        report.already_unsubscribed.append(s.address)
    elif dry_run:
        report.unsubscribed.append(s.address)
    else:
        store.unsubscribe(conn, token=token, via="mailto", now=now)
        report.unsubscribed.append(s.address)
    return "unsubscribe"


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


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect(mailbox: MailboxSettings, settings: Settings) -> imaplib.IMAP4:
    """Connect and log in: TLS (verified), STARTTLS, or plain only to this machine."""
    if not mailbox.username:
        raise NewsletterError("MAILBOX_NOT_CONFIGURED")
    params: dict[str, object] = {"host": mailbox.host, "port": mailbox.port}
    if mailbox.security == "none" and not _is_loopback(mailbox.host):
        raise NewsletterError("MAILBOX_PLAINTEXT_REFUSED", None, params)
    context = ssl.create_default_context()
    if mailbox.ca_file:
        context.load_verify_locations(cafile=str(settings.path(mailbox.ca_file)))
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
    report = MailboxReport(
        folder=mailbox.folder, processed_folder=mailbox.processed_folder, dry_run=dry_run
    )
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
                report.examined += 1
                outcome = handle_message(conn, raw, mailbox, report, now=now, dry_run=dry_run)
                if outcome in ("unsubscribe", "bounce") and not dry_run:
                    _move(imap, uid, mailbox.processed_folder)
                    report.moved += 1
        # No CLOSE: it would expunge mails someone else flagged deleted. LOGOUT keeps them.
    except (imaplib.IMAP4.error, OSError) as exc:
        raise NewsletterError(
            "MAILBOX_ERROR", None, {"host": mailbox.host, "detail": exc}
        ) from None
    finally:
        _logout(imap)
    return report
