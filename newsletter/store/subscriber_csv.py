"""Subscriber lists as CSV: reading an import (the files editors have: Excel's encodings and
delimiters, German or English headers, duplicates, bad rows) and writing an export, for the
store in subscribers.py. What an import does to the store, and the consent it asserts, is
subscriber_import.py (`apply_import`); `import_csv` reads and applies. `pending=True` imports
as pending instead, for double opt-in.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import fields, replace
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
from newsletter.store.subscriber_import import Duplicate, ImportRow, ParsedCsv, Rejected
from newsletter.store.subscriber_import import ImportReport as ImportReport
from newsletter.store.subscriber_import import apply_import as apply_import

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
