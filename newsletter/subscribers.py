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

import codecs
import csv
import hmac
import io
import logging
import os
import re
import secrets
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import Literal, TextIO, TypeVar, cast, get_args
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from newsletter.errors import NewsletterError

log = logging.getLogger(__name__)

_T = TypeVar("_T")

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
            {"address": given, "detail": "enthält „=?“", "detail_en": "contains '=?'"},
        )
    try:
        valid = validate_email(given, check_deliverability=False)
    except EmailNotValidError as exc:
        de, en = _explain(str(exc))
        raise NewsletterError(
            "SUBSCRIBER_ADDRESS_INVALID", None, {"address": given, "detail": de, "detail_en": en}
        ) from None
    return Address(given, valid.normalized, valid.ascii_email, valid.normalized.lower())


_EXPLAIN = (
    ("must have an @-sign", "das @-Zeichen fehlt"),
    ("something before the @-sign", "vor dem @ fehlt der Name"),
    ("something after the @-sign", "nach dem @ fehlt die Domain"),
    ("should have a period", "nach dem @ fehlt ein Punkt mit Endung, z. B. .de"),
    ("display name", "nur die Adresse selbst angeben, ohne Namen und <>"),
    ("too long", "zu lang"),
    ("period", "ein Punkt steht an falscher Stelle"),
    ("special-use or reserved", "die Domain ist reserviert und nicht erreichbar"),
    ("invalid characters", "unzulässige Zeichen"),
    ("unsafe characters", "unzulässige Zeichen"),
    ("Quoting", "Anführungszeichen sind nicht erlaubt"),
)


def _explain(message: str) -> tuple[str, str]:
    """A German reason for an email-validator message (English kept for --lang en)."""
    for needle, german in _EXPLAIN:
        if needle in message:
            return german, message
    return message, message


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
    """An opaque unsubscribe token: random, URL-safe, unrelated to the address."""
    return secrets.token_urlsafe(TOKEN_BYTES)


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
    from newsletter.signup import _v3_confirmations as v3  # signup imports this module

    v3(conn)


# Append only: a file at version n gets MIGRATIONS[n:] applied, each in the same transaction.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v1_subscribers,
    _v2_send_journal,
    _v3_confirmations,
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


def _by_key(conn: sqlite3.Connection, key: str) -> Subscriber | None:
    return _subscriber(conn.execute(f"{_SELECT} WHERE address_key = ?", (key,)).fetchone())


def get(conn: sqlite3.Connection, address: str) -> Subscriber | None:
    """The subscriber with this address (any case), or None."""
    return _by_key(conn, parse_address(address).key)


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


def _update(conn: sqlite3.Connection, sid: int, values: dict[str, object]) -> None:
    sets = ", ".join(f"{column} = ?" for column in values)
    conn.execute(f"UPDATE subscribers SET {sets} WHERE id = ?", (*values.values(), sid))


def _insert(conn: sqlite3.Connection, values: dict[str, object]) -> None:
    names = ", ".join(values)
    marks = ", ".join("?" * len(values))
    conn.execute(f"INSERT INTO subscribers ({names}) VALUES ({marks})", tuple(values.values()))


def _address_columns(addr: Address) -> dict[str, object]:
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
        **_address_columns(addr),
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
        old = _by_key(conn, addr.key)
        if old is None:
            _insert(conn, {**values, "unsubscribe_token": new_token()})
        elif old.status not in SUPPRESSED:
            raise NewsletterError("SUBSCRIBER_EXISTS", None, {"address": old.address})
        elif not reactivate:
            raise _suppressed_error(old)
        else:
            log.info("re-subscribing %s after %s", addr.normalized, old.status)
            _update(conn, old.id, values)
    return cast(Subscriber, _by_key(conn, addr.key))


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
            _update(
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
    return cast(Subscriber, _by_key(conn, s.address_key))


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
        _update(conn, s.id, {**values, "updated_at": at})
    return cast(Subscriber, _by_key(conn, s.address_key)), True


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


# --- CSV import and export -----------------------------------------------------------------
#
# An import asserts consent: the editor states that the list was collected with consent to
# receive this newsletter. Rows become active with subscribed_via = confirmed_via = "import",
# confirmed_at = the time of the import, the consent version the editor names and a note
# (default: the file's name), unless the file carries its own proof columns (an export of this
# store does), which are kept. `pending=True` imports as pending instead, for double opt-in.

MAX_CSV_BYTES = 20_000_000
DELIMITERS = (";", ",", "\t")

# Column name in an export (German, as the editor reads it) → field. Imports accept these and
# the aliases below, compared without case, spaces, hyphens and umlauts.
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("E-Mail", "address"),
    ("Name", "name"),
    ("Sprache", "language"),
    ("Status", "status"),
    ("Angemeldet am", "subscribed_at"),
    ("Angemeldet über", "subscribed_via"),
    ("Bestätigt am", "confirmed_at"),
    ("Bestätigt über", "confirmed_via"),
    ("Einwilligungstext", "consent_version"),
    ("Vermerk", "consent_note"),
    ("Abgemeldet am", "unsubscribed_at"),
    ("Abgemeldet über", "unsubscribed_via"),
)
_ALIASES: dict[str, tuple[str, ...]] = {
    "address": (
        "email", "emailadresse", "emailaddress", "mail", "mailadresse", "mailaddress",
        "emailanschrift",
    ),
    "address2": ("adresse", "address"),  # weaker: "Adresse" may be a postal address
    "name": ("name", "fullname", "vollstaendigername", "anzeigename", "displayname"),
    "first_name": ("vorname", "firstname", "givenname"),
    "last_name": ("nachname", "lastname", "surname", "familyname", "familienname"),
    "language": ("sprache", "language", "lang", "sprachcode", "languagecode"),
    "status": ("status",),
    "subscribed_via": ("quelle", "source", "herkunft"),
    "confirmed_at": ("einwilligungam", "einwilligungsdatum"),
    "consent_version": ("einwilligungsversion",),
    "consent_note": ("einwilligungsvermerk", "consentnote"),
}  # fmt: skip
_STATUS_WORDS: dict[str, Status] = {
    "active": "active", "aktiv": "active", "angemeldet": "active", "pending": "pending",
    "ausstehend": "pending", "unbestaetigt": "pending", "unsubscribed": "unsubscribed",
    "abgemeldet": "unsubscribed", "bounced": "bounced", "unzustellbar": "bounced",
}  # fmt: skip
_STATUS_RANK = {"pending": 0, "active": 1, "bounced": 2, "unsubscribed": 3}
_TIME_FIELDS = ("subscribed_at", "confirmed_at", "unsubscribed_at")
_TEXT_FIELDS = (
    "subscribed_via",
    "confirmed_via",
    "consent_version",
    "consent_note",
    "unsubscribed_via",
)
_FORMULA_START = ("=", "+", "-", "@")  # spreadsheets run such cells as formulas


def _norm_header(text: str) -> str:
    text = text.strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[^a-z0-9]", "", text)


def _header_table() -> dict[str, str]:
    table = {_norm_header(field): field for _, field in EXPORT_COLUMNS}
    table |= {_norm_header(header): field for header, field in EXPORT_COLUMNS}
    for field, names in _ALIASES.items():
        table |= dict.fromkeys(names, field)
    return table


_HEADERS = _header_table()


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that was not imported: its line, the address as shown, a message code, params."""

    line: int
    address: str
    code: str
    params: dict[str, object]


@dataclass(frozen=True, slots=True)
class Skipped:
    """A row not imported because the person unsubscribed or bounced earlier."""

    line: int
    address: str
    status: str
    since: str | None


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A row merged into an earlier row of the same file with the same address."""

    line: int
    first_line: int
    address: str


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One checked row of an import file (None: the file does not say)."""

    line: int
    address: Address
    name: str
    language: str | None
    status: Status
    subscribed_at: str | None = None
    subscribed_via: str | None = None
    confirmed_at: str | None = None
    confirmed_via: str | None = None
    consent_version: str | None = None
    consent_note: str | None = None
    unsubscribed_at: str | None = None
    unsubscribed_via: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedCsv:
    """An import file read and checked: rows to apply, rejected rows, merged duplicates."""

    path: Path
    encoding: str
    delimiter: str
    columns: dict[str, str]  # field → the file's header
    ignored_columns: tuple[str, ...]
    rows: tuple[ImportRow, ...]
    rejected: tuple[Rejected, ...]
    duplicates: tuple[Duplicate, ...]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did (or would do, with dry_run)."""

    path: Path
    encoding: str
    delimiter: str
    ignored_columns: tuple[str, ...]
    added: int
    updated: int
    unchanged: int
    skipped_unsubscribed: tuple[Skipped, ...]
    rejected: tuple[Rejected, ...]
    duplicates: tuple[Duplicate, ...]
    dry_run: bool


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else Windows-1252."""
    candidates: tuple[str, ...] = ("utf-8", "cp1252")
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise NewsletterError("SUBSCRIBERS_CSV_ENCODING", path, {"path": path})


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _sniff(first_line: str) -> tuple[str, list[str], bool]:
    """The delimiter, the first row's cells, and whether that row is a header."""
    scores = [
        (sum(_norm_header(c) in _HEADERS for c in _split(first_line, d)), -i, d)
        for i, d in enumerate(DELIMITERS)
    ]
    score, _, delimiter = max(scores)
    if score == 0:  # no header: a bare list of addresses, perhaps with names after them
        delimiter = max(DELIMITERS, key=lambda d: (first_line.count(d), -DELIMITERS.index(d)))
    return delimiter, _split(first_line, delimiter), score > 0


def _columns(header: list[str]) -> tuple[dict[str, int], dict[str, str], tuple[str, ...]]:
    """Field → column index, field → header text, and the headers that are not used."""
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    for i, cell in enumerate(header):
        field = _HEADERS.get(_norm_header(cell))
        if field is None or field in index:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        index[field], names[field] = i, cell.strip()
    if "address" not in index and "address2" in index:
        index["address"], names["address"] = index["address2"], names["address2"]
    elif "address2" in index:
        ignored.append(names["address2"])
    index.pop("address2", None)
    names.pop("address2", None)
    return index, names, tuple(ignored)


def _unformula(cell: str) -> str:
    """Undo the apostrophe an export puts before cells a spreadsheet would run as formulas."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in _FORMULA_START else cell


def _parse_time(value: str, tz: tzinfo) -> str:
    """ISO 8601 or German dates as Excel rewrites them (20.11.2026 10:00); naive means `tz`."""
    value = value.strip()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
            try:
                when = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        else:
            raise NewsletterError("SUBSCRIBER_DATE_INVALID", None, {"value": visible(value)})
    return timestamp(when if when.tzinfo else when.replace(tzinfo=tz))


def _parse_row(
    cells: dict[str, str], names: dict[str, str], line: int, tz: tzinfo, pending: bool
) -> ImportRow | list[Rejected]:
    """One row checked; every problem of the row is reported, not just the first."""
    shown = visible(cells.get("address", "").strip())
    problems: list[Rejected] = []

    def check(field: str, parse: Callable[[str], _T]) -> _T | None:
        try:
            return parse(cells.get(field, ""))
        except NewsletterError as exc:
            params = {"column": names.get(field, field), **exc.params}
            problems.append(Rejected(line, shown, exc.code, params))
            return None

    address = check("address", parse_address)
    full = cells.get("name") or f"{cells.get('first_name', '')} {cells.get('last_name', '')}"
    name = check("name", lambda _: clean_name(full))
    language = check("language", parse_language)
    status = check("status", _parse_status)
    optional: dict[str, str | None] = {}
    for field in _TIME_FIELDS + _TEXT_FIELDS:
        if cells.get(field, "").strip():
            parse: Callable[[str], str] = (
                partial(_parse_time, tz=tz)
                if field in _TIME_FIELDS
                else partial(clean_text, column=names.get(field, field))
            )
            optional[field] = check(field, parse)
    if problems or address is None or name is None or status is None:
        return problems
    if pending and status == "active":
        status = "pending"
    if status == "pending":
        optional.update(confirmed_at=None, confirmed_via=None, consent_version=None)
    return ImportRow(line, address, name, language, status, **optional)


def _parse_status(value: str) -> Status:
    if not value.strip():
        return "active"
    status = _STATUS_WORDS.get(_norm_header(value))
    if status is None:
        raise NewsletterError("SUBSCRIBER_STATUS_INVALID", None, {"value": visible(value)})
    return status


def _merge(first: ImportRow, later: ImportRow) -> ImportRow:
    """Two rows of one person: gaps filled from the later row; leaving beats staying."""
    status = max(first.status, later.status, key=_STATUS_RANK.__getitem__)
    filled = {
        f.name: getattr(later, f.name)
        for f in fields(ImportRow)
        if f.name not in ("line", "address", "status") and not getattr(first, f.name)
    }
    return replace(first, status=status, **filled)


def read_csv(path: Path, *, tz: tzinfo | None = None, pending: bool = False) -> ParsedCsv:
    """Read and check an import file; NewsletterError only when the file as a whole is unusable."""
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise NewsletterError(
                "FILE_TOO_LARGE", path, {"size_bytes": size, "limit_bytes": MAX_CSV_BYTES}
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise NewsletterError("SUBSCRIBERS_CSV_NOT_FOUND", path, {"path": path}) from None
    except OSError as exc:
        raise NewsletterError("FILE_UNREADABLE", path, {"detail": exc.strerror or exc}) from None
    text, encoding = _decode(data, path)
    zone = tz or ZoneInfo("Europe/Berlin")
    offset = 0
    forced = re.match(r"sep=(.)\r?(\n|$)", text)  # Excel's delimiter hint line
    if forced:
        text, offset = text[forced.end() :], 1
    if not text.strip():
        raise NewsletterError("SUBSCRIBERS_CSV_EMPTY", path, {"path": path})
    first_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter, first, is_header = _sniff(first_line)
    if forced:
        delimiter, first = forced.group(1), _split(first_line, forced.group(1))
        is_header = any(_norm_header(c) in _HEADERS for c in first)
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: tuple[str, ...] = ()
    if is_header:
        index, names, ignored = _columns(first)
    elif "@" in (first[0] if first else ""):
        index = {"address": 0, "name": 1, "language": 2}
    if "address" not in index:
        columns = ", ".join(c.strip() for c in first if c.strip())
        raise NewsletterError(
            "SUBSCRIBERS_CSV_NO_ADDRESS", path, {"path": path, "columns": columns}
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    if is_header:
        next(reader)
    rows: dict[str, ImportRow] = {}
    rejected: list[Rejected] = []
    duplicates: list[Duplicate] = []
    previous = reader.line_num
    try:
        for raw in reader:
            line, previous = previous + 1 + offset, reader.line_num
            cells = {f: _unformula(raw[i]) for f, i in index.items() if i < len(raw)}
            if not any(c.strip() for c in raw):
                continue
            parsed = _parse_row(cells, names, line, zone, pending)
            if isinstance(parsed, list):
                rejected += parsed
            elif (earlier := rows.get(parsed.address.key)) is not None:
                duplicates.append(Duplicate(line, earlier.line, parsed.address.given))
                rows[parsed.address.key] = _merge(earlier, parsed)
            else:
                rows[parsed.address.key] = parsed
    except csv.Error as exc:
        raise NewsletterError(
            "SUBSCRIBERS_CSV_SYNTAX", path, {"path": path, "line": previous + 1, "detail": exc}
        ) from None
    return ParsedCsv(
        path,
        encoding,
        delimiter,
        names,
        ignored,
        tuple(rows.values()),
        tuple(rejected),
        tuple(duplicates),
    )


def _new_values(
    row: ImportRow, at: str, consent_version: str, note: str | None
) -> dict[str, object]:
    """The columns of a new row; `note` None: the file has a note column, empty cells stay empty."""
    confirmed_at = row.confirmed_at or (at if row.status == "active" else None)
    left = row.status == "unsubscribed"
    return {
        **_address_columns(row.address),
        "name": row.name,
        "language": row.language or DEFAULT_LANGUAGE,
        "status": row.status,
        "subscribed_at": row.subscribed_at or at,
        "subscribed_via": row.subscribed_via or "import",
        "confirmed_at": confirmed_at,
        "confirmed_via": row.confirmed_via or ("import" if confirmed_at else None),
        "consent_version": row.consent_version or (consent_version if confirmed_at else None),
        "consent_note": row.consent_note or note or "",
        "unsubscribe_token": new_token(),
        "unsubscribed_at": row.unsubscribed_at or (at if left else None),
        "unsubscribed_via": row.unsubscribed_via or ("import" if left else None),
        "updated_at": at,
    }


def _changes(
    old: Subscriber, row: ImportRow, at: str, consent_version: str, note: str
) -> dict[str, object]:
    """What the file changes for a pending or active subscriber (never their consent proof)."""
    if row.status == "unsubscribed":  # the file says this person left: honour it
        via = row.unsubscribed_via or "import"
        return {
            "status": "unsubscribed",
            "unsubscribed_at": row.unsubscribed_at or at,
            "unsubscribed_via": via,
        }
    if row.status == "bounced":
        return {"status": "bounced"}
    changes: dict[str, object] = {}
    if row.name and row.name != old.name:
        changes["name"] = row.name
    if row.language and row.language != old.language:
        changes["language"] = row.language
    if old.status == "pending" and row.status == "active":
        changes |= {
            "status": "active",
            "confirmed_at": row.confirmed_at or at,
            "confirmed_via": row.confirmed_via or "import",
            "consent_version": row.consent_version or consent_version,
            "consent_note": row.consent_note or note,
        }
    return changes


class _DryRun(Exception):
    """Raised inside the import transaction to roll it back."""


def apply_import(
    conn: sqlite3.Connection,
    parsed: ParsedCsv,
    *,
    consent_version: str,
    note: str = "",
    now: datetime | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Merge checked rows into the store in one transaction (rolled back when `dry_run`)."""
    at = timestamp(now)
    note = clean_text(note, column="note") or f"Import aus {parsed.path.name}"
    own_note = None if "consent_note" in parsed.columns else note
    added = updated = unchanged = 0
    skipped: list[Skipped] = []
    try:
        with transaction(conn):
            for row in parsed.rows:
                old = _by_key(conn, row.address.key)
                if old is None:
                    _insert(conn, _new_values(row, at, consent_version, own_note))
                    added += 1
                elif old.status in SUPPRESSED:
                    if row.status in SUPPRESSED:
                        unchanged += 1
                    else:  # never re-activate someone who left
                        since = old.unsubscribed_at or old.last_bounce_at
                        skipped.append(Skipped(row.line, old.address, old.status, since))
                elif changes := _changes(old, row, at, consent_version, note):
                    _update(conn, old.id, {**changes, "updated_at": at})
                    updated += 1
                else:
                    unchanged += 1
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return ImportReport(
        parsed.path,
        parsed.encoding,
        parsed.delimiter,
        parsed.ignored_columns,
        added,
        updated,
        unchanged,
        tuple(skipped),
        parsed.rejected,
        parsed.duplicates,
        dry_run,
    )


def export_rows(conn: sqlite3.Connection, statuses: Iterable[str] | None = None) -> list[list[str]]:
    """The header and one row per subscriber, as written to an export file."""
    out = [[header for header, _ in EXPORT_COLUMNS]]
    for s in list_subscribers(conn, statuses):
        cells = [str(getattr(s, field) or "") for _, field in EXPORT_COLUMNS]
        out.append([f"'{c}" if c.startswith(_FORMULA_START) else c for c in cells])
    return out


def write_csv(
    conn: sqlite3.Connection, stream: TextIO, statuses: Iterable[str] | None = None
) -> int:
    """Write subscribers as `;`-separated CSV (no tokens: they are secrets); returns the count."""
    rows = export_rows(conn, statuses)
    csv.writer(stream, delimiter=";", lineterminator="\r\n").writerows(rows)
    return len(rows) - 1


def export_csv(conn: sqlite3.Connection, path: Path, statuses: Iterable[str] | None = None) -> int:
    """Write an export file whole or not at all: UTF-8 with BOM (for Excel), owner-only."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as stream:
            count = write_csv(conn, stream, statuses)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def import_csv(
    conn: sqlite3.Connection,
    path: Path,
    *,
    consent_version: str,
    note: str = "",
    pending: bool = False,
    tz: tzinfo | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """`read_csv`, then `apply_import`."""
    parsed = read_csv(path, tz=tz, pending=pending)
    return apply_import(
        conn, parsed, consent_version=consent_version, note=note, now=now, dry_run=dry_run
    )
