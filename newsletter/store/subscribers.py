"""The subscriber store: one SQLite file (WAL) with consent proof, unsubscribe tokens, send journal.

Statuses: `pending` (signed up, not confirmed) → `active` (confirmed: when, how, under which
consent text) → `unsubscribed` or `bounced`. Unsubscribed and bounced rows stay as suppression
records: no import re-activates them, only `add(..., reactivate=True)` after fresh consent.
`remove` erases a person (GDPR Art. 17): the row and their send-journal rows, overwritten on disk.

Addresses are checked at the door (no CR/LF, control or format characters, display names or
encoded words; then email-validator) and kept three ways: as given; normalised by email-validator
(domain lower-case and in Unicode, local part NFC, role names like Info@ lower-cased: what mail
is sent to); and in ASCII (IDN domain as punycode; NULL when the local part is non-ASCII and the
relay must speak SMTPUTF8). Uniqueness is case-insensitive on `address_key`, the lower-cased
normalised form.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import secrets
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, cast, get_args

from newsletter.core.errors import NewsletterError
from newsletter.texts.i18n import N_
from newsletter.texts.messages import explain_email_error, words

log = logging.getLogger(__name__)

Status = Literal["pending", "active", "unsubscribed", "bounced"]
STATUSES: tuple[Status, ...] = get_args(Status)
SUPPRESSED: frozenset[str] = frozenset({"unsubscribed", "bounced"})
DEFAULT_LANGUAGE = "de"
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 200  # via, consent version, note
TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits

# Characters refused in addresses and names: controls (CR, LF, NUL, ESC, NEL, ...), format
# characters (bidi overrides, zero-width), line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_NAME_JOINERS = frozenset({"\u200c", "\u200d"})  # ZWNJ/ZWJ belong to Persian and Indic names
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,100}")


# --- addresses and fields -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    """A checked address: as given, normalised, ASCII form (or None: SMTPUTF8) and unique key."""

    given: str
    normalized: str
    ascii: str | None
    key: str


def visible(text: str) -> str:
    """The text with control and format characters shown as escapes (safe to print)."""
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in _REFUSED_CATEGORIES else c for c in text
    )


def parse_address(raw: str) -> Address:
    """Check an address; NewsletterError with a SUBSCRIBER_ADDRESS_* code when it is refused."""
    given = raw.strip(" \t\u00a0")
    if not given:
        raise NewsletterError("SUBSCRIBER_ADDRESS_MISSING")
    if any(unicodedata.category(c) in _REFUSED_CATEGORIES for c in given):
        raise NewsletterError("SUBSCRIBER_ADDRESS_CONTROL", None, {"address": visible(given)})
    if "=?" in given:  # an RFC 2047 encoded word: some clients would decode it in a header
        raise NewsletterError(
            "SUBSCRIBER_ADDRESS_INVALID",
            None,
            {"address": given, **words("detail", N_("enthält „=?“"))},
        )
    # imported here: `newsletter --help` reads STATUSES and needs no validator (~25 ms)
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(given, check_deliverability=False)
    except EmailNotValidError as exc:
        de, en = explain_email_error(str(exc))
        raise NewsletterError(
            "SUBSCRIBER_ADDRESS_INVALID", None, {"address": given, "detail": de, "detail_en": en}
        ) from None
    return Address(given, valid.normalized, valid.ascii_email, valid.normalized.lower())


def clean_text(
    raw: str, *, limit: int = MAX_TEXT_CHARS, column: str = "", name: bool = False
) -> str:
    """A one-line text, stripped; SUBSCRIBER_{NAME,FIELD}_{INVALID,TOO_LONG} when it is not."""
    what = "NAME" if name else "FIELD"
    text = raw.strip(" \t\u00a0")
    params: dict[str, object] = {"value": visible(text), "column": column}
    for c in text:
        if unicodedata.category(c) in _REFUSED_CATEGORIES and not (name and c in _NAME_JOINERS):
            raise NewsletterError(f"SUBSCRIBER_{what}_INVALID", None, params)
    if len(text) > limit:
        params |= {"value": text[:30] + "…", "count": len(text), "limit": limit}
        raise NewsletterError(f"SUBSCRIBER_{what}_TOO_LONG", None, params)
    return text


def clean_name(raw: str) -> str:
    """A subscriber's name: one line, no control characters, at most MAX_NAME_CHARS."""
    return clean_text(raw, limit=MAX_NAME_CHARS, name=True)


_LANGUAGE_NAMES = {
    "deutsch": "de", "german": "de", "englisch": "en", "english": "en", "türkisch": "tr",
    "turkish": "tr", "arabisch": "ar", "arabic": "ar", "ukrainisch": "uk", "ukrainian": "uk",
    "russisch": "ru", "russian": "ru", "französisch": "fr", "french": "fr", "persisch": "fa",
    "persian": "fa", "farsi": "fa", "polnisch": "pl", "polish": "pl",
}  # fmt: skip


def parse_language(raw: str) -> str | None:
    """`de`, `DE`, `de-DE`, `Deutsch` → `de`; None when empty; NewsletterError when unknown."""
    value = raw.strip().lower()
    if not value:
        return None
    code = re.split(r"[-_]", _LANGUAGE_NAMES.get(value, value), maxsplit=1)[0]
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise NewsletterError("SUBSCRIBER_LANGUAGE_INVALID", None, {"value": visible(raw)})
    return code


def new_token() -> str:
    """An opaque unsubscribe token: random, URL-safe, unrelated to the address.

    Never one that starts with "-": the editor pastes tokens after `--token`, where argparse
    would take it for an option (1 in 64 tokens did).
    """
    while (token := secrets.token_urlsafe(TOKEN_BYTES)).startswith("-"):
        pass
    return token


def timestamp(when: datetime | None = None) -> str:
    """ISO 8601 in UTC to the second, e.g. 2026-11-20T09:00:00Z (sorts as text)."""
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the database --------------------------------------------------------------------------


def _v1_subscribers(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE subscribers (
            id INTEGER PRIMARY KEY,
            address TEXT NOT NULL,              -- as given
            address_normalized TEXT NOT NULL,   -- email-validator's form: what mail is sent to
            address_ascii TEXT,                 -- NULL: the local part needs SMTPUTF8
            address_key TEXT NOT NULL,          -- lower(address_normalized): unique
            name TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT 'de',
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
            subscribed_at TEXT NOT NULL,
            subscribed_via TEXT NOT NULL,       -- import, cli, form, ...
            confirmed_at TEXT,
            confirmed_via TEXT,
            consent_version TEXT,
            consent_note TEXT NOT NULL DEFAULT '',
            unsubscribe_token TEXT NOT NULL,
            unsubscribed_at TEXT,
            unsubscribed_via TEXT,
            bounce_count INTEGER NOT NULL DEFAULT 0 CHECK (bounce_count >= 0),
            last_bounce_at TEXT,
            updated_at TEXT NOT NULL,
            -- nobody is mailed without proof of consent
            CHECK (status <> 'active'
                   OR (confirmed_at IS NOT NULL AND consent_version IS NOT NULL)),
            CHECK (status <> 'unsubscribed' OR unsubscribed_at IS NOT NULL)
        ) STRICT"""
    )
    conn.execute("CREATE UNIQUE INDEX subscribers_address_key ON subscribers (address_key)")
    conn.execute("CREATE UNIQUE INDEX subscribers_token ON subscribers (unsubscribe_token)")
    conn.execute("CREATE INDEX subscribers_status ON subscribers (status, language)")


def _v2_send_journal(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE send_journal (
            id INTEGER PRIMARY KEY,
            issue TEXT NOT NULL,
            address_key TEXT NOT NULL,          -- as in subscribers: one row per person
            address TEXT NOT NULL,              -- the address the message went to
            subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            last_reply_code INTEGER,
            last_reply_text TEXT,
            message_id TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_attempt_at TEXT,
            next_attempt_at TEXT,
            sent_at TEXT,
            UNIQUE (issue, address_key)
        ) STRICT"""
    )
    conn.execute("CREATE INDEX send_journal_state ON send_journal (issue, state)")
    conn.execute("CREATE INDEX send_journal_subscriber ON send_journal (subscriber_id)")


def _v3_confirmations(conn: sqlite3.Connection) -> None:
    from newsletter.web.signup import _v3_confirmations as v3  # signup imports this module

    v3(conn)


def _v4_organisations(conn: sqlite3.Connection) -> None:
    from newsletter.store.organisations import migration  # organisations imports this module

    migration(conn)


def _send_runs_and_skipped_rows(conn: sqlite3.Connection) -> None:
    """One row per issue's send run (its build, fixed recipients); journal rows may be skipped.

    SQLite cannot change a CHECK constraint, so send_journal is rebuilt with the new state
    `skipped` (the person left during the run) and the build each row was sent with.
    """
    from newsletter.send.journal import migrate_send_runs  # journal imports this module

    migrate_send_runs(conn)


def _receipts(conn: sqlite3.Connection) -> None:
    """When each submission was first seen complete (see receipts.py): recorded once."""
    conn.execute(
        """CREATE TABLE IF NOT EXISTS receipts (
            issue TEXT NOT NULL,                -- the issue folder's name, e.g. 2026-12
            slug TEXT NOT NULL,                 -- the submission folder's name
            received_at TEXT NOT NULL,          -- UTC; newest file's mtime when first seen
            recorded_at TEXT NOT NULL,          -- UTC; when the pipeline first saw it
            PRIMARY KEY (issue, slug)
        ) STRICT"""
    )


def _photo_withdrawals(conn: sqlite3.Connection) -> None:
    """Withdrawn photo releases (`newsletter withdraw`), honoured by `publish`."""
    from newsletter.intake.withdrawals import migration  # withdraw imports this module

    migration(conn)


def _upload_links(conn: sqlite3.Connection) -> None:
    """The hashes of the organisations' upload links (see upload_links.py)."""
    from newsletter.store.upload_links import migration  # upload_links imports this module

    migration(conn)


# Append only: a file at version n gets MIGRATIONS[n:] applied, each in the same transaction.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v1_subscribers,
    _v2_send_journal,
    _v3_confirmations,
    _v4_organisations,
    _send_runs_and_skipped_rows,
    _receipts,
    _photo_withdrawals,
    _upload_links,
)
SCHEMA_VERSION = len(MIGRATIONS)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (the connection is autocommit)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    """The file's schema version (PRAGMA user_version; 0 for a new file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Bring the file up to `target` (default: the newest) in one transaction; refuse newer."""
    newest = len(MIGRATIONS)
    target = newest if target is None else target
    with transaction(conn):
        found = schema_version(conn)
        if found > newest:
            raise NewsletterError(
                "SUBSCRIBERS_DB_NEWER", None, {"found": found, "supported": newest}
            )
        for number in range(found, target):
            log.info("subscriber store: migrating to schema version %d", number + 1)
            MIGRATIONS[number](conn)
            conn.execute(f"PRAGMA user_version = {number + 1:d}")
    return max(found, target)


def connect(path: Path) -> sqlite3.Connection:
    """Open (or create, readable by the owner only) the store and migrate it to SCHEMA_VERSION."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise NewsletterError("SUBSCRIBERS_DB_ERROR", path, {"path": path, "detail": exc}) from None
    conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")  # erased people do not linger in free pages
        if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
            log.warning("subscriber store %s: WAL mode not available", path)
        conn.execute("PRAGMA synchronous = FULL")  # the send journal must survive power loss
        migrate(conn)
    except NewsletterError as exc:
        conn.close()
        raise NewsletterError(exc.code, path, {"path": path, **exc.params}) from None
    except sqlite3.DatabaseError as exc:
        conn.close()
        code = "SUBSCRIBERS_DB_INVALID" if "not a database" in str(exc) else "SUBSCRIBERS_DB_ERROR"
        raise NewsletterError(code, path, {"path": path, "detail": exc}) from None
    return conn


@contextmanager
def open_store(path: Path) -> Iterator[sqlite3.Connection]:
    """`connect`, and close when done."""
    conn = connect(path)
    try:
        yield conn
    finally:
        conn.close()


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
