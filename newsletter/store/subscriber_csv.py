"""Subscriber lists as CSV: import (the files editors have: Excel's encodings and delimiters,
German or English headers, duplicates, bad rows) and export, for the store in subscribers.py.

An import asserts consent: the editor states that the list was collected with consent to
receive this newsletter. Rows become active with subscribed_via = confirmed_via = "import",
confirmed_at = the time of the import, the consent version the editor names and a note
(default: the file's name), unless the file carries its own proof columns (an export of this
store does), which are kept. `pending=True` imports as pending instead, for double opt-in.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import TextIO, TypeVar
from zoneinfo import ZoneInfo

from newsletter.core.errors import NewsletterError
from newsletter.core.files import atomic_text
from newsletter.store import csv_read
from newsletter.store import subscribers as store
from newsletter.store.csv_read import MAX_CSV_BYTES as MAX_CSV_BYTES
from newsletter.store.csv_read import norm_header as _norm_header
from newsletter.store.csv_read import unformula as _unformula

_T = TypeVar("_T")


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
# The same columns in an English export (--lang en); they read back as the field names.
EXPORT_COLUMNS_EN: tuple[str, ...] = (
    "Email", "Name", "Language", "Status", "Subscribed at", "Subscribed via", "Confirmed at",
    "Confirmed via", "Consent version", "Consent note", "Unsubscribed at", "Unsubscribed via",
)  # fmt: skip
# Status values as an export writes them (and an import reads them back).
EXPORT_STATUS: dict[str, dict[str, str]] = {
    "de": {
        "active": "aktiv", "pending": "ausstehend", "unsubscribed": "abgemeldet",
        "bounced": "unzustellbar",
    },
    "en": {s: s for s in ("active", "pending", "unsubscribed", "bounced")},
}  # fmt: skip
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
_STATUS_WORDS: dict[str, store.Status] = {
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
# Something that looks like an e-mail address inside a cell (to find a second one in a row).
_ADDRESS_LIKE = re.compile(r"[^\s;,<>()\"'\[\]]+@[^\s;,<>()\"'\[\]]+\.[^\s;,<>()\"'\[\]]+")
_NAME_FIELDS = ("name", "first_name", "last_name")


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
    address: store.Address
    name: str
    language: str | None
    status: store.Status
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
            raise NewsletterError("SUBSCRIBER_DATE_INVALID", None, {"value": store.visible(value)})
    return store.timestamp(when if when.tzinfo else when.replace(tzinfo=tz))


def _extra_addresses(cells: dict[str, str], overflow: list[str]) -> list[str]:
    """Addresses in a row beyond the one in the address column (none for a good row).

    "maria@example.de; josef@example.de" in one cell, unquoted in a ;-file, spills the second
    address into the name column: it must not become a name in a To: header.
    """
    found = _ADDRESS_LIKE.findall(cells.get("address", ""))
    for cell in [*(cells.get(f, "") for f in _NAME_FIELDS), *overflow]:
        found += _ADDRESS_LIKE.findall(cell)
    return found if len(found) > 1 else []


def _parse_row(
    cells: dict[str, str],
    names: dict[str, str],
    line: int,
    tz: tzinfo,
    pending: bool,
    overflow: list[str] | None = None,
) -> ImportRow | list[Rejected]:
    """One row checked; every problem of the row is reported, not just the first."""
    shown = store.visible(cells.get("address", "").strip())
    problems: list[Rejected] = []
    extra = _extra_addresses(cells, overflow or [])
    control = any(
        (c.isspace() and c != " ") or not c.isprintable() for c in cells.get("address", "")
    )
    if extra and not control:  # a line break in the cell: the security message says more
        params = {"addresses": store.visible(", ".join(extra)), "count": len(extra)}
        return [Rejected(line, shown, "SUBSCRIBER_ADDRESS_MULTIPLE", params)]

    def check(field: str, parse: Callable[[str], _T]) -> _T | None:
        try:
            return parse(cells.get(field, ""))
        except NewsletterError as exc:
            params = {"column": names.get(field, field), **exc.params}
            problems.append(Rejected(line, shown, exc.code, params))
            return None

    address = check("address", store.parse_address)
    full = cells.get("name") or f"{cells.get('first_name', '')} {cells.get('last_name', '')}"
    name = check("name", lambda _: store.clean_name(full))
    language = check("language", store.parse_language)
    status = check("status", _parse_status)
    optional: dict[str, str | None] = {}
    for field in _TIME_FIELDS + _TEXT_FIELDS:
        if cells.get(field, "").strip():
            parse: Callable[[str], str] = (
                partial(_parse_time, tz=tz)
                if field in _TIME_FIELDS
                else partial(store.clean_text, column=names.get(field, field))
            )
            optional[field] = check(field, parse)
    if problems or address is None or name is None or status is None:
        return problems
    if pending and status == "active":
        status = "pending"
    if status == "pending":
        optional.update(confirmed_at=None, confirmed_via=None, consent_version=None)
    return ImportRow(line, address, name, language, status, **optional)


def _parse_status(value: str) -> store.Status:
    if not value.strip():
        return "active"
    status = _STATUS_WORDS.get(_norm_header(value))
    if status is None:
        raise NewsletterError("SUBSCRIBER_STATUS_INVALID", None, {"value": store.visible(value)})
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
    text, encoding = csv_read.read_text(path)
    zone = tz or ZoneInfo("Europe/Berlin")
    sheet = csv_read.sheet(text, _HEADERS, path)
    first = sheet.first
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: tuple[str, ...] = ()
    if sheet.is_header:
        index, names, ignored = _columns(first)
    elif "@" in (first[0] if first else ""):
        index = {"address": 0, "name": 1, "language": 2}
    width = len(first) if sheet.is_header else len(index)
    if "address" not in index:
        columns = ", ".join(c.strip() for c in first if c.strip())
        raise NewsletterError(
            "SUBSCRIBERS_CSV_NO_ADDRESS", path, {"path": path, "columns": columns}
        )
    rows: dict[str, ImportRow] = {}
    rejected: list[Rejected] = []
    duplicates: list[Duplicate] = []
    for line, raw in sheet.rows():
        cells = {f: _unformula(raw[i]) for f, i in index.items() if i < len(raw)}
        if not any(c.strip() for c in raw):
            continue
        parsed = _parse_row(cells, names, line, zone, pending, raw[width:])
        if isinstance(parsed, list):
            rejected += parsed
        elif (earlier := rows.get(parsed.address.key)) is not None:
            duplicates.append(Duplicate(line, earlier.line, parsed.address.given))
            rows[parsed.address.key] = _merge(earlier, parsed)
        else:
            rows[parsed.address.key] = parsed
    return ParsedCsv(
        path,
        encoding,
        sheet.delimiter,
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
        **store.address_columns(row.address),
        "name": row.name,
        "language": row.language or store.DEFAULT_LANGUAGE,
        "status": row.status,
        "subscribed_at": row.subscribed_at or at,
        "subscribed_via": row.subscribed_via or "import",
        "confirmed_at": confirmed_at,
        "confirmed_via": row.confirmed_via or ("import" if confirmed_at else None),
        "consent_version": row.consent_version or (consent_version if confirmed_at else None),
        "consent_note": row.consent_note or note or "",
        "unsubscribe_token": store.new_token(),
        "unsubscribed_at": row.unsubscribed_at or (at if left else None),
        "unsubscribed_via": row.unsubscribed_via or ("import" if left else None),
        "updated_at": at,
    }


def _changes(
    old: store.Subscriber, row: ImportRow, at: str, consent_version: str, note: str
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
    at = store.timestamp(now)
    note = store.clean_text(note, column="note") or f"Import aus {parsed.path.name}"
    own_note = None if "consent_note" in parsed.columns else note
    added = updated = unchanged = 0
    skipped: list[Skipped] = []
    try:
        with store.transaction(conn):
            for row in parsed.rows:
                old = store.by_key(conn, row.address.key)
                if old is None:
                    store.insert_row(conn, _new_values(row, at, consent_version, own_note))
                    added += 1
                elif old.status in store.SUPPRESSED:
                    if row.status in store.SUPPRESSED:
                        unchanged += 1
                    else:  # never re-activate someone who left
                        since = old.unsubscribed_at or old.last_bounce_at
                        skipped.append(Skipped(row.line, old.address, old.status, since))
                elif changes := _changes(old, row, at, consent_version, note):
                    store.update_row(conn, old.id, {**changes, "updated_at": at})
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


def export_rows(
    conn: sqlite3.Connection, statuses: Iterable[str] | None = None, lang: str = "de"
) -> list[list[str]]:
    """The header and one row per subscriber, as written to an export file (in `lang`)."""
    en = lang == "en"
    out = [list(EXPORT_COLUMNS_EN) if en else [header for header, _ in EXPORT_COLUMNS]]
    words = EXPORT_STATUS["en" if en else "de"]
    for s in store.list_subscribers(conn, statuses):
        cells = [
            words[s.status] if field == "status" else str(getattr(s, field) or "")
            for _, field in EXPORT_COLUMNS
        ]
        out.append([csv_read.guard_formula(c) for c in cells])
    return out


def write_csv(
    conn: sqlite3.Connection,
    stream: TextIO,
    statuses: Iterable[str] | None = None,
    lang: str = "de",
) -> int:
    """Write subscribers as `;`-separated CSV (no tokens: they are secrets); returns the count."""
    rows = export_rows(conn, statuses, lang)
    csv.writer(stream, delimiter=";", lineterminator="\r\n").writerows(rows)
    return len(rows) - 1


def export_csv(
    conn: sqlite3.Connection, path: Path, statuses: Iterable[str] | None = None, lang: str = "de"
) -> int:
    """Write an export file whole or not at all: UTF-8 with BOM (for Excel), owner-only."""
    with atomic_text(path, encoding="utf-8-sig", newline="") as stream:
        return write_csv(conn, stream, statuses, lang)


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
