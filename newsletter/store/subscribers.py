"""The subscribers: consent proof, unsubscribe tokens, statuses, suppression, erasure.

Statuses: `pending` (signed up, not confirmed) → `active` (confirmed: when, how, under which
consent text) → `unsubscribed` or `bounced`. Unsubscribed and bounced rows stay as suppression
records: no import re-activates them, only `add(..., reactivate=True)` after fresh consent.
`remove` erases a person (GDPR Art. 17): the row and their send-journal rows, overwritten on disk.
Uniqueness is case-insensitive on `address_key` (see addresses.py).

This module is also the store's front door: callers hold it as `store` and find the file's
functions (`store.open_store`, `store.transaction`; database.py), the schema's version
(schema.py) and the address checks (addresses.py) here, re-exported under their own names."""

from __future__ import annotations

import hmac
import logging
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Literal, cast, get_args

from newsletter.core.errors import NewsletterError
from newsletter.store.addresses import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from newsletter.store.addresses import MAX_NAME_CHARS as MAX_NAME_CHARS
from newsletter.store.addresses import MAX_TEXT_CHARS as MAX_TEXT_CHARS
from newsletter.store.addresses import TOKEN_BYTES as TOKEN_BYTES
from newsletter.store.addresses import Address as Address
from newsletter.store.addresses import clean_name as clean_name
from newsletter.store.addresses import clean_text as clean_text
from newsletter.store.addresses import new_token as new_token
from newsletter.store.addresses import parse_address as parse_address
from newsletter.store.addresses import parse_language as parse_language
from newsletter.store.addresses import visible as visible
from newsletter.store.database import connect as connect
from newsletter.store.database import migrate as migrate
from newsletter.store.database import open_store as open_store
from newsletter.store.database import schema_version as schema_version
from newsletter.store.database import timestamp as timestamp
from newsletter.store.database import transaction as transaction
from newsletter.store.schema import MIGRATIONS as MIGRATIONS
from newsletter.store.schema import SCHEMA_VERSION as SCHEMA_VERSION

log = logging.getLogger(__name__)

Status = Literal["pending", "active", "unsubscribed", "bounced"]
STATUSES: tuple[Status, ...] = get_args(Status)
SUPPRESSED: frozenset[str] = frozenset({"unsubscribed", "bounced"})
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,100}")


# --- subscribers ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One row of `subscribers`."""

    id: int
    address: str
    address_normalized: str
    address_ascii: str | None
    address_key: str
    name: str
    language: str
    status: Status
    subscribed_at: str
    subscribed_via: str
    confirmed_at: str | None
    confirmed_via: str | None
    consent_version: str | None
    consent_note: str
    unsubscribe_token: str
    unsubscribed_at: str | None
    unsubscribed_via: str | None
    bounce_count: int
    last_bounce_at: str | None
    updated_at: str


_COLUMNS = tuple(f.name for f in fields(Subscriber))
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM subscribers"


def _subscriber(row: sqlite3.Row | None) -> Subscriber | None:
    return None if row is None else Subscriber(*row)


def by_key(conn: sqlite3.Connection, key: str) -> Subscriber | None:
    return _subscriber(conn.execute(f"{_SELECT} WHERE address_key = ?", (key,)).fetchone())


def get(conn: sqlite3.Connection, address: str) -> Subscriber | None:
    """The subscriber with this address (any case), or None."""
    return by_key(conn, parse_address(address).key)


def by_token(conn: sqlite3.Connection, token: str) -> Subscriber | None:
    """The subscriber whose unsubscribe token this is, or None."""
    if not _TOKEN_RE.fullmatch(token):
        return None
    found = _subscriber(conn.execute(f"{_SELECT} WHERE unsubscribe_token = ?", (token,)).fetchone())
    # The index lookup finds the candidate; the final comparison takes constant time.
    if found is None or not hmac.compare_digest(found.unsubscribe_token, token):
        return None
    return found


def _require(conn: sqlite3.Connection, address: str) -> Subscriber:
    found = get(conn, address)
    if found is None:
        raise NewsletterError("SUBSCRIBER_NOT_FOUND", None, {"address": address.strip()})
    return found


def _suppressed_error(s: Subscriber) -> NewsletterError:
    if s.status == "unsubscribed":
        date = (s.unsubscribed_at or "")[:10]
        return NewsletterError(
            "SUBSCRIBER_UNSUBSCRIBED", None, {"address": s.address, "date": date}
        )
    return NewsletterError("SUBSCRIBER_BOUNCED", None, {"address": s.address})


def update_row(conn: sqlite3.Connection, sid: int, values: dict[str, object]) -> None:
    sets = ", ".join(f"{column} = ?" for column in values)
    conn.execute(f"UPDATE subscribers SET {sets} WHERE id = ?", (*values.values(), sid))


def insert_row(conn: sqlite3.Connection, values: dict[str, object]) -> None:
    names = ", ".join(values)
    marks = ", ".join("?" * len(values))
    conn.execute(f"INSERT INTO subscribers ({names}) VALUES ({marks})", tuple(values.values()))


def address_columns(addr: Address) -> dict[str, object]:
    return {
        "address": addr.given,
        "address_normalized": addr.normalized,
        "address_ascii": addr.ascii,
        "address_key": addr.key,
    }


def add(
    conn: sqlite3.Connection,
    address: str,
    *,
    consent_version: str,
    name: str = "",
    language: str = DEFAULT_LANGUAGE,
    via: str = "cli",
    note: str = "",
    pending: bool = False,
    reactivate: bool = False,
    now: datetime | None = None,
) -> Subscriber:
    """Add a subscriber: active with consent proof (`via`, `consent_version`, `note`), or pending.

    An unsubscribed or bounced address is refused unless `reactivate` says the person has
    consented again; the row then gets the new proof and keeps its unsubscribe token.
    """
    addr = parse_address(address)
    at = timestamp(now)
    values: dict[str, object] = {
        **address_columns(addr),
        "name": clean_name(name),
        "language": parse_language(language) or DEFAULT_LANGUAGE,
        "status": "pending" if pending else "active",
        "subscribed_at": at,
        "subscribed_via": via,
        "confirmed_at": None if pending else at,
        "confirmed_via": None if pending else via,
        "consent_version": None if pending else consent_version,
        "consent_note": clean_text(note, column="note"),
        "unsubscribed_at": None,
        "unsubscribed_via": None,
        "bounce_count": 0,
        "last_bounce_at": None,
        "updated_at": at,
    }
    with transaction(conn):
        old = by_key(conn, addr.key)
        if old is None:
            insert_row(conn, {**values, "unsubscribe_token": new_token()})
        elif old.status not in SUPPRESSED:
            raise NewsletterError("SUBSCRIBER_EXISTS", None, {"address": old.address})
        elif not reactivate:
            raise _suppressed_error(old)
        else:
            log.info("re-subscribing %s after %s", addr.normalized, old.status)
            update_row(conn, old.id, values)
    return cast(Subscriber, by_key(conn, addr.key))


def confirm(
    conn: sqlite3.Connection,
    address: str,
    *,
    via: str,
    consent_version: str,
    now: datetime | None = None,
) -> Subscriber:
    """Pending → active with the proof of confirmation; idempotent for an active subscriber."""
    with transaction(conn):
        s = _require(conn, address)
        if s.status in SUPPRESSED:
            raise _suppressed_error(s)
        if s.status == "pending":
            at = timestamp(now)
            update_row(
                conn,
                s.id,
                {
                    "status": "active",
                    "confirmed_at": at,
                    "confirmed_via": via,
                    "consent_version": consent_version,
                    "updated_at": at,
                },
            )
    return cast(Subscriber, by_key(conn, s.address_key))


def unsubscribe(
    conn: sqlite3.Connection,
    *,
    address: str | None = None,
    token: str | None = None,
    via: str = "cli",
    now: datetime | None = None,
) -> tuple[Subscriber, bool]:
    """Unsubscribe by address or token; returns the row and whether it changed (idempotent)."""
    if (address is None) == (token is None):
        raise ValueError("give exactly one of address and token")
    with transaction(conn):
        if token is not None:
            found = by_token(conn, token)
            if found is None:
                raise NewsletterError("SUBSCRIBER_TOKEN_UNKNOWN")
            s = found
        else:
            s = _require(conn, cast(str, address))
        if s.status == "unsubscribed":
            return s, False
        at = timestamp(now)
        values = {"status": "unsubscribed", "unsubscribed_at": at, "unsubscribed_via": via}
        update_row(conn, s.id, {**values, "updated_at": at})
    return cast(Subscriber, by_key(conn, s.address_key)), True


def remove(conn: sqlite3.Connection, address: str) -> tuple[Subscriber, int]:
    """Erase a person: their row and send-journal rows; returns the row and the journal count."""
    with transaction(conn):
        s = _require(conn, address)
        journal = conn.execute("DELETE FROM send_journal WHERE address_key = ?", (s.address_key,))
        conn.execute("DELETE FROM subscribers WHERE id = ?", (s.id,))
    # Deleted pages are zeroed (secure_delete); the old copies in the WAL go with the checkpoint.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return s, journal.rowcount


def list_subscribers(
    conn: sqlite3.Connection,
    statuses: Iterable[str] | None = None,
    language: str | None = None,
) -> list[Subscriber]:
    """Subscribers ordered by address, optionally only some statuses or one language."""
    where: list[str] = []
    params: list[str] = []
    wanted = list(statuses or ())
    if wanted:
        where.append(f"status IN ({', '.join('?' * len(wanted))})")
        params += wanted
    if language:
        where.append("language = ?")
        params.append(language)
    sql = _SELECT + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY address_key"
    return [Subscriber(*row) for row in conn.execute(sql, params)]


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts: in all, per status, and per language and status."""

    total: int
    by_status: dict[str, int]
    by_language: dict[str, dict[str, int]]

    def as_json(self) -> dict[str, object]:
        """The counts as plain JSON types."""
        return {"total": self.total, "by_status": self.by_status, "by_language": self.by_language}


def stats(conn: sqlite3.Connection) -> Stats:
    """How many subscribers there are per status and per language."""
    by_status: dict[str, int] = dict.fromkeys(STATUSES, 0)
    by_language: dict[str, dict[str, int]] = {}
    sql = "SELECT language, status, COUNT(*) FROM subscribers GROUP BY language, status"
    for language, status, count in conn.execute(sql):
        by_status[status] += count
        by_language.setdefault(language, dict.fromkeys(STATUSES, 0))[status] = count
    return Stats(sum(by_status.values()), by_status, dict(sorted(by_language.items())))
