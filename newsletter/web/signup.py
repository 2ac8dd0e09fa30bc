"""Double opt-in: single-use, expiring confirmation tokens, the proof they leave, rate limits.

A sign-up stores a **pending** subscriber and a confirmation row; the mail carries the token,
the database only its SHA-256 (a stolen database file confirms nobody). Following the link
(`confirm`) activates the subscriber through `subscribers.confirm`, which records when, and the
row records from which form and under which consent text (the exact wording is kept once per
version and language in `consent_texts`): the proof GDPR Art. 7(1) asks for.

What is deliberately *not* stored: the visitor's IP address and browser. German practice often
logs the IP as "proof", but it proves nothing the confirmed mailbox does not prove better, it is
personal data of its own (Art. 5(1)(c), data minimisation) and it would need its own deletion
rule. The per-IP rate limit therefore lives in memory only (`ratelimit.SlidingWindow`), for at
most its window; a restart forgets it. The per-address limit and the overall cap count
confirmation rows in SQLite instead: they must hold across processes and restarts, because they
are what keeps the form from being used to mail-bomb somebody else's address.

Unconfirmed sign-ups are erased after `pending_days` (`prune`); used confirmation rows stay as
proof while the subscriber exists and go with them (ON DELETE CASCADE) when a person is erased.

The confirmation mail itself is signup_mail.py.

The tables are created in store/schema.py (`_v3_confirmations`), as every table is.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from newsletter.core.errors import NewsletterError
from newsletter.store import subscribers as store
from newsletter.store.database import form_secret as form_secret  # where callers found it

if TYPE_CHECKING:
    from newsletter.core.config import ServeSettings, Settings

log = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{40,60}")
FORM_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
Purpose = Literal["subscribe", "change_address"]


def serve_settings(settings: Settings) -> ServeSettings:
    """The [serve] section."""
    return settings.serve


# --- tokens --------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """What the database keeps of a confirmation token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _stamp(when: datetime) -> str:
    return store.timestamp(when)


@dataclass(frozen=True, slots=True)
class Confirmation:
    """One row of `confirmations` (without the token hash)."""

    id: int
    purpose: Purpose
    subscriber_id: int
    address: str
    form_id: str
    consent_version: str | None
    consent_sha256: str | None
    language: str
    created_at: str
    expires_at: str
    used_at: str | None


_CONF_COLUMNS = (
    "id, purpose, subscriber_id, address, form_id, consent_version, consent_sha256, language, "
    "created_at, expires_at, used_at"
)


def lookup(conn: sqlite3.Connection, token: str) -> Confirmation | None:
    """The confirmation this token belongs to, or None (the comparison takes constant time)."""
    if not TOKEN_RE.fullmatch(token):
        return None
    digest = hash_token(token)
    row = conn.execute(
        f"SELECT {_CONF_COLUMNS}, token_hash FROM confirmations WHERE token_hash = ?", (digest,)
    ).fetchone()
    if row is None or not hmac.compare_digest(row["token_hash"], digest):
        return None
    return Confirmation(*tuple(row)[:-1])


def check(confirmation: Confirmation | None, now: datetime) -> Confirmation:
    """The confirmation if it can still be used; NewsletterError SIGNUP_TOKEN_* otherwise."""
    if confirmation is None:
        raise NewsletterError("SIGNUP_TOKEN_UNKNOWN")
    if confirmation.used_at is not None:
        raise NewsletterError("SIGNUP_TOKEN_USED", None, {"purpose": confirmation.purpose})
    if confirmation.expires_at <= _stamp(now):
        raise NewsletterError("SIGNUP_TOKEN_EXPIRED", None, {"purpose": confirmation.purpose})
    return confirmation


# --- requests ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a request decided: mail a token, nothing to do, or a limit was reached."""

    status: Literal["mail", "active", "address_limited", "busy"]
    address: str = ""
    token: str = ""
    expires_at: datetime | None = None
    confirmation_id: int | None = None


def _consent_hash(conn: sqlite3.Connection, version: str, language: str, text: str, at: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    conn.execute(
        "INSERT OR IGNORE INTO consent_texts (sha256, version, language, text, first_used_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (digest, version, language, text, at),
    )
    return digest


def _over_limits(
    conn: sqlite3.Connection, key: str, serve: ServeSettings, now: datetime
) -> Literal["address_limited", "busy"] | None:
    hour_ago = _stamp(now - timedelta(hours=1))
    total = conn.execute(
        "SELECT COUNT(*) FROM confirmations WHERE created_at > ?", (hour_ago,)
    ).fetchone()[0]
    if total >= serve.mails_per_hour:
        return "busy"
    since = _stamp(now - timedelta(hours=serve.address_window_hours))
    mine = conn.execute(
        "SELECT COUNT(*) FROM confirmations WHERE address_key = ? AND created_at > ?",
        (key, since),
    ).fetchone()[0]
    return "address_limited" if mine >= serve.address_limit else None


def _issue(
    conn: sqlite3.Connection,
    *,
    purpose: Purpose,
    subscriber_id: int,
    address: store.Address,
    form_id: str,
    consent: tuple[str, str, str] | None,  # version, text, the text's language
    language: str,
    serve: ServeSettings,
    now: datetime,
) -> Outcome:
    """Insert a confirmation row unless a limit says no (one transaction)."""
    token = secrets.token_urlsafe(store.TOKEN_BYTES)
    expires = now + timedelta(hours=serve.token_ttl_hours)
    at = _stamp(now)
    with store.transaction(conn):
        limited = _over_limits(conn, address.key, serve, now)
        if limited:
            return Outcome(limited, address.normalized)
        version, digest = None, None
        if consent is not None:
            version = consent[0]
            digest = _consent_hash(conn, version, consent[2], consent[1], at)
        cur = conn.execute(
            "INSERT INTO confirmations (token_hash, purpose, subscriber_id, address, address_key,"
            " form_id, consent_version, consent_sha256, language, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                hash_token(token),
                purpose,
                subscriber_id,
                address.normalized,
                address.key,
                form_id,
                version,
                digest,
                language,
                at,
                _stamp(expires),
            ),
        )
    return Outcome("mail", address.normalized, token, expires, cur.lastrowid)


def request_subscription(
    conn: sqlite3.Connection,
    address: str,
    *,
    language: str,
    form_id: str,
    consent_version: str,
    consent_text: str,
    consent_language: str | None = None,
    serve: ServeSettings,
    now: datetime | None = None,
) -> Outcome:
    """A sign-up: a pending subscriber (if new) and a confirmation to mail, within the limits.

    NewsletterError SUBSCRIBER_ADDRESS_* for an address that is refused. When the hourly cap is
    reached every address gets "busy". An active subscriber gets nothing (the caller shows the
    same page, so the form reveals nobody's subscription);
    an unsubscribed or bounced row is left as it is until the new confirmation arrives.
    """
    now = now or datetime.now(UTC)
    addr = store.parse_address(address)
    lang = store.parse_language(language) or store.DEFAULT_LANGUAGE
    form = form_id if FORM_ID_RE.fullmatch(form_id) else "web"
    # The hourly cap first, for every address alike: "busy" must not tell who is subscribed.
    if _over_limits(conn, addr.key, serve, now) == "busy":
        return Outcome("busy", addr.normalized)
    existing = store.get(conn, addr.normalized)
    if existing is None:
        try:
            existing = store.add(
                conn,
                addr.given,
                consent_version=consent_version,
                language=lang,
                via=f"form:{form}",
                pending=True,
                now=now,
            )
        except NewsletterError as exc:  # another request added it a moment ago
            if exc.code != "SUBSCRIBER_EXISTS":
                raise
            existing = store.get(conn, addr.normalized)
            assert existing is not None
    if existing.status == "active":
        return Outcome("active", existing.address_normalized)
    return _issue(
        conn,
        purpose="subscribe",
        subscriber_id=existing.id,
        address=store.parse_address(existing.address_normalized),
        form_id=form,
        consent=(consent_version, consent_text, consent_language or lang),
        language=lang,
        serve=serve,
        now=now,
    )


def request_address_change(
    conn: sqlite3.Connection,
    subscriber: store.Subscriber,
    new_address: str,
    *,
    serve: ServeSettings,
    now: datetime | None = None,
) -> Outcome:
    """A confirmation for the new address; whether it is taken shows only to its owner."""
    now = now or datetime.now(UTC)
    addr = store.parse_address(new_address)
    if addr.key == subscriber.address_key:
        raise NewsletterError("SIGNUP_ADDRESS_SAME", None, {"address": addr.normalized})
    return _issue(
        conn,
        purpose="change_address",
        subscriber_id=subscriber.id,
        address=addr,
        form_id="preferences",
        consent=None,
        language=subscriber.language,
        serve=serve,
        now=now,
    )


def withdraw(conn: sqlite3.Connection, confirmation_id: int) -> None:
    """Forget a confirmation whose mail could not be sent (it must not count as sent)."""
    with store.transaction(conn):
        conn.execute(
            "DELETE FROM confirmations WHERE id = ? AND used_at IS NULL", (confirmation_id,)
        )


# --- confirming ----------------------------------------------------------------------------


def _subscriber(conn: sqlite3.Connection, subscriber_id: int) -> store.Subscriber | None:
    row = conn.execute(
        "SELECT address_normalized FROM subscribers WHERE id = ?", (subscriber_id,)
    ).fetchone()
    return None if row is None else store.get(conn, row[0])


def set_language(conn: sqlite3.Connection, subscriber: store.Subscriber, language: str) -> str:
    """Change a subscriber's language; returns the code stored."""
    code = store.parse_language(language) or store.DEFAULT_LANGUAGE
    if code != subscriber.language:
        with store.transaction(conn):
            conn.execute(
                "UPDATE subscribers SET language = ?, updated_at = ? WHERE id = ?",
                (code, store.timestamp(), subscriber.id),
            )
    return code


def _change_address(
    conn: sqlite3.Connection, s: store.Subscriber, new: str, now: datetime
) -> store.Subscriber:
    addr = store.parse_address(new)
    at = _stamp(now)
    with store.transaction(conn):
        taken = conn.execute(
            "SELECT 1 FROM subscribers WHERE address_key = ? AND id <> ?", (addr.key, s.id)
        ).fetchone()
        if taken:
            raise NewsletterError("SIGNUP_ADDRESS_TAKEN", None, {"address": addr.normalized})
        # A confirmed new address ends a bounce; someone who left stays unsubscribed.
        conn.execute(
            "UPDATE subscribers SET address = ?, address_normalized = ?, address_ascii = ?,"
            " address_key = ?, bounce_count = 0, last_bounce_at = NULL, updated_at = ?,"
            " status = CASE WHEN status = 'bounced' AND confirmed_at IS NOT NULL"
            " AND consent_version IS NOT NULL THEN 'active' ELSE status END WHERE id = ?",
            (addr.given, addr.normalized, addr.ascii, addr.key, at, s.id),
        )
        # Issues already sent count as sent to the person, whatever their address now.
        conn.execute(
            "UPDATE OR IGNORE send_journal SET address_key = ? WHERE subscriber_id = ?",
            (addr.key, s.id),
        )
    found = store.get(conn, addr.normalized)
    assert found is not None
    return found


def _activate(
    conn: sqlite3.Connection, s: store.Subscriber, c: Confirmation, now: datetime
) -> store.Subscriber:
    version = c.consent_version or ""
    if s.status in store.SUPPRESSED:  # came back: fresh consent, confirmed below
        s = store.add(
            conn,
            s.address_normalized,
            consent_version=version,
            language=c.language,
            via=f"form:{c.form_id}",
            pending=True,
            reactivate=True,
            now=now,
        )
    if s.status == "pending":
        s = store.confirm(
            conn,
            s.address_normalized,
            via=f"double-opt-in:{c.form_id}",
            consent_version=version,
            now=now,
        )
    if s.language != c.language:
        set_language(conn, s, c.language)
    return s


def confirm(
    conn: sqlite3.Connection, token: str, *, now: datetime | None = None
) -> tuple[Confirmation, store.Subscriber]:
    """Use a token: activate the subscriber or move them to the new address.

    NewsletterError SIGNUP_TOKEN_UNKNOWN / _USED / _EXPIRED, or SIGNUP_ADDRESS_TAKEN. The effect
    comes first and is idempotent; then the token is marked used, so two clicks at once do no
    harm and a crash in between leaves a token that can simply be followed again.
    """
    now = now or datetime.now(UTC)
    c = check(lookup(conn, token), now)
    s = _subscriber(conn, c.subscriber_id)
    if s is None:  # erased meanwhile (the cascade normally removes the row too)
        raise NewsletterError("SIGNUP_TOKEN_UNKNOWN")
    if c.purpose == "subscribe":
        s = _activate(conn, s, c, now)
    else:
        s = _change_address(conn, s, c.address, now)
    at = _stamp(now)
    with store.transaction(conn):
        conn.execute(
            "UPDATE confirmations SET used_at = ? WHERE id = ? AND used_at IS NULL", (at, c.id)
        )
        # Other links of the same kind still in mailboxes are void now.
        conn.execute(
            "UPDATE confirmations SET used_at = ? WHERE subscriber_id = ? AND purpose = ?"
            " AND used_at IS NULL AND expires_at > ?",
            (at, s.id, c.purpose, at),
        )
    used = lookup(conn, token)
    return (used or c), s


def cancel_open(conn: sqlite3.Connection, subscriber_id: int) -> int:
    """Void open sign-up links of someone who just unsubscribed: an old link must not undo it."""
    at = store.timestamp()
    with store.transaction(conn):
        cur = conn.execute(
            "UPDATE confirmations SET expires_at = ? WHERE subscriber_id = ? AND used_at IS NULL"
            " AND purpose = 'subscribe' AND expires_at > ?",
            (at, subscriber_id, at),
        )
    return cur.rowcount


def prune(
    conn: sqlite3.Connection, serve: ServeSettings, *, now: datetime | None = None
) -> tuple[int, int]:
    """Erase stale unused links and unconfirmed form sign-ups; returns (links, people)."""
    now = now or datetime.now(UTC)
    keep = max(timedelta(hours=serve.address_window_hours), timedelta(hours=1))
    with store.transaction(conn):
        links = conn.execute(
            "DELETE FROM confirmations WHERE used_at IS NULL AND expires_at < ? AND created_at < ?",
            (_stamp(now), _stamp(now - keep)),
        ).rowcount
    cutoff = _stamp(now - timedelta(days=serve.pending_days))
    stale = conn.execute(
        "SELECT address_normalized FROM subscribers s WHERE status = 'pending'"
        " AND subscribed_via LIKE 'form:%' AND subscribed_at < ? AND NOT EXISTS"
        " (SELECT 1 FROM confirmations c WHERE c.subscriber_id = s.id AND c.expires_at > ?)",
        (cutoff, _stamp(now)),
    ).fetchall()
    for (address,) in stale:
        store.remove(conn, address)
    return links, len(stale)
