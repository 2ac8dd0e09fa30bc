"""Bounces: which recipients a returned mail reports, with which RFC 3463 status and kind.

Read are RFC 3464 delivery status notifications and the plain-text notices of Exim, Postfix,
qmail and Sendmail. A *hard* failure says the address does not exist; a *soft* one (mailbox
full, greylisting, refused by a spam filter) may pass; a *delay* is only a warning. 5.x.x codes
that say nothing about the address are soft: 5.2.2 (mailbox full), 5.2.3 and 5.3.4 (message too
large) and 5.7.x (refused by policy: usually the sender's reputation, not the recipient's
address). Acting on what is found is mailbox.py's part.

`original_message_ids` finds the Message-ID of the *returned* message (in a `message/rfc822` or
`text/rfc822-headers` part, or in the copy a plain-text notice quotes): mailbox.py acts on a
bounce only when that ID is one the send journal holds for the address, since anyone can send
a bounce naming a subscriber, but only a real one can quote the ID of the message we sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses
from typing import Literal

Kind = Literal["hard", "soft", "delay"]


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
_ADDRESS = r"[^\s<>\"'(),;:]+@[A-Za-z0-9\u00a0-\uffff.-]+\.[A-Za-z\u00a0-\uffff]{2,}"
_RECIPIENT_LINE = re.compile(r"^\s*<?(" + _ADDRESS + r")>?(?:\s*\(expanded from[^)]*\))?:?(.*)$")
_COPY_MARKERS = re.compile(
    r"^(?:-+ ?This is a copy of the message|--- Below this line is a copy|"
    r"-+ ?Original message|-+ ?Returned mail follows|-+ ?Original Message)",
    re.IGNORECASE | re.MULTILINE,
)
_FLAT_RECIPIENT = re.compile(r"^Final-Recipient:\s*\w+;\s*<?(" + _ADDRESS + ")>?", re.M | re.I)
_FLAT_STATUS = re.compile(r"^Status:\s*([245]\.\d{1,3}\.\d{1,3})", re.M | re.I)
# `Message-ID: <…>` on a line of its own (maybe quoted with `>`, maybe folded onto the next)
_MESSAGE_ID_LINE = re.compile(
    r"^[ \t>]*Message-ID:[ \t]*(?:\r?\n[ \t]+)?(\S[^\r\n]*)", re.MULTILINE | re.IGNORECASE
)
_ANGLE_ID = re.compile(r"<[^<>\s]+>")
_RETURNED_MESSAGE = frozenset(
    {"message/rfc822", "message/global", "message/rfc822-headers", "message/global-headers"}
)
_RETURNED_HEADERS = frozenset({"text/rfc822-headers"})
_MAX_MESSAGE_IDS = 20  # a real bounce quotes one; this many keeps the journal look-up small
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


def _normal_id(value: str) -> str:
    """`  <a@b> (comment)` → `<a@b>`; a bare `a@b` gets its angle brackets; "" for nothing."""
    found = _ANGLE_ID.search(value)
    if found:
        return found.group(0)
    bare = value.strip()
    return f"<{bare}>" if bare and not any(c.isspace() or c in "<>" for c in bare) else ""


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    try:
        return payload.decode(part.get_content_charset() or "utf-8", "replace")
    except LookupError:  # an unknown charset: Message-IDs are ASCII anyway
        return payload.decode("ascii", "replace")


def original_message_ids(msg: Message) -> set[str]:
    """The Message-IDs of the returned message a bounce quotes, angle brackets kept.

    From the headers of a `message/rfc822` part, the `Message-ID:` lines of a
    `text/rfc822-headers` part, and `Message-ID:` lines in the text of a plain-text notice
    (which quotes the returned message there). Never the bounce's own Message-ID; nothing
    inside the returned message's body. At most a few (a real bounce quotes one).
    """
    found: list[str] = []

    def add(value: str) -> None:
        normal = _normal_id(value)
        if normal and len(found) < _MAX_MESSAGE_IDS and normal not in found:
            found.append(normal)

    def visit(part: Message) -> None:
        ctype = part.get_content_type()
        if ctype in _RETURNED_MESSAGE:
            payload = part.get_payload()
            for returned in payload if isinstance(payload, list) else []:
                if isinstance(returned, Message):
                    for value in returned.get_all("Message-ID", []):
                        add(str(value))
        elif ctype == "message/delivery-status":
            return
        elif part.is_multipart():
            for sub in part.get_payload():
                if isinstance(sub, Message):
                    visit(sub)
        elif ctype in _RETURNED_HEADERS or ctype == "text/plain":
            for line in _MESSAGE_ID_LINE.finditer(_text(part)):
                add(line.group(1))

    visit(msg)  # the bounce's own headers are never read: only its parts and bodies
    return set(found)


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
