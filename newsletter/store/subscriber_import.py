"""Merging a checked subscriber list into the store: new people are added, known ones updated,
people who left stay gone; one transaction, rolled back for a dry run.

An import asserts consent: the editor states that the list was collected with consent to
receive this newsletter. Rows become active with subscribed_via = confirmed_via = "import",
confirmed_at = the time of the import, the consent version the editor names and a note
(default: the file's name), unless the file carries its own proof columns (an export of this
store does), which are kept. A pending or active subscriber's consent proof is never replaced.
Reading the file is subscriber_csv.py.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsletter.store import subscribers as store


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
