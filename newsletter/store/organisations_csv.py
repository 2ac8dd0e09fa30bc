"""The register as CSV: import (Excel's files, German or English headers) and export.

Columns: `slug`, `name`, `email` (several addresses separated by `,` or `;` inside the cell),
`language`, `contact`, `note`, optionally `active`; German headers (`Kürzel`, `E-Mail`, `Sprache`,
`Ansprechperson`, `Notiz`, …) work as well. The reading itself (encoding, delimiter, header row)
is shared with the subscriber import (csv_read.py).

A row whose slug or address appeared in an earlier row, or whose address belongs to another
organisation in the register, is rejected with its line number; the other rows are imported.
A slug already in the register is updated with the file's data.
"""

from __future__ import annotations

import csv
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from newsletter.core.errors import NewsletterError
from newsletter.core.files import atomic_text
from newsletter.store import csv_read
from newsletter.store import organisations as orgs

EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Kürzel", "slug"),
    ("Name", "name"),
    ("E-Mail", "email"),
    ("Sprache", "language"),
    ("Ansprechperson", "contact"),
    ("Aktiv", "active"),
    ("Notiz", "note"),
)
_ALIASES: dict[str, tuple[str, ...]] = {
    "slug": ("slug", "kuerzel", "kurzname", "ordner", "ordnername", "id"),
    "name": ("name", "organisation", "organization", "verein", "einrichtung", "traeger"),
    "email": (
        "email", "emails", "emailadresse", "emailadressen", "mail", "mailadresse", "address",
        "adresse", "adressen",
    ),
    "language": ("language", "sprache", "lang", "korrespondenzsprache"),
    "contact": (
        "contact", "kontakt", "ansprechperson", "ansprechpartner", "ansprechpartnerin",
        "kontaktperson", "contactperson",
    ),
    "note": ("note", "notiz", "notes", "bemerkung", "anmerkung", "vermerk"),
    "active": ("active", "aktiv"),
}  # fmt: skip
_HEADERS = {alias: field for field, names in _ALIASES.items() for alias in names}
_YES = {"", "1", "ja", "j", "yes", "y", "true", "wahr", "x", "aktiv", "active"}
_NO = {"0", "nein", "n", "no", "false", "falsch", "inaktiv", "inactive"}


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row not imported: its line, the slug as shown, a message code and parameters."""

    line: int
    slug: str
    code: str
    params: dict[str, object]


@dataclass(frozen=True, slots=True)
class OrgImport:
    """What an import did (or would do, with dry_run)."""

    path: Path
    encoding: str
    delimiter: str
    ignored_columns: tuple[str, ...]
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    rejected: tuple[RowProblem, ...]
    dry_run: bool


def _active(value: str) -> bool:
    word = value.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise NewsletterError("ORG_ACTIVE_INVALID", None, {"value": value})


def _columns(header: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    index: dict[str, int] = {}
    ignored: list[str] = []
    for i, cell in enumerate(header):
        field = _HEADERS.get(csv_read.norm_header(cell))
        if field is None or field in index:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        index[field] = i
    return index, tuple(ignored)


def read_csv(
    path: Path,
) -> tuple[list[tuple[int, orgs.Organisation]], list[RowProblem], tuple[str, str, tuple[str, ...]]]:
    """The checked rows (line, organisation), rejected rows, (encoding, delimiter, ignored)."""
    text, encoding = csv_read.read_text(path)
    sheet = csv_read.sheet(text, _HEADERS, path)
    index, ignored = _columns(sheet.first) if sheet.is_header else ({}, ())
    if "slug" not in index:
        columns = ", ".join(c.strip() for c in sheet.first if c.strip())
        raise NewsletterError("ORG_CSV_NO_SLUG", path, {"path": path, "columns": columns})
    good: list[tuple[int, orgs.Organisation]] = []
    problems: list[RowProblem] = []
    first_slug: dict[str, int] = {}
    first_address: dict[str, tuple[int, str]] = {}
    for line, raw in sheet.rows():
        if not any(c.strip() for c in raw):
            continue
        cells = {f: csv_read.unformula(raw[i]) for f, i in index.items() if i < len(raw)}
        shown = cells.get("slug", "").strip()
        try:
            org = orgs.make(
                cells.get("slug", ""),
                name=cells.get("name", ""),
                emails=cells.get("email", ""),
                language=cells.get("language", ""),
                contact=cells.get("contact", ""),
                active=_active(cells.get("active", "")),
                note=cells.get("note", ""),
            )
        except NewsletterError as exc:
            problems.append(RowProblem(line, shown, exc.code, exc.params))
            continue
        if org.slug in first_slug:
            params = {"slug": org.slug, "first_line": first_slug[org.slug]}
            problems.append(RowProblem(line, shown, "ORG_DUPLICATE_SLUG", params))
            continue
        clash = next((a for a in org.emails if a.lower() in first_address), None)
        if clash is not None:
            first_line, other = first_address[clash.lower()]
            params = {"address": clash, "first_line": first_line, "slug": other}
            problems.append(RowProblem(line, shown, "ORG_DUPLICATE_ADDRESS", params))
            continue
        first_slug[org.slug] = line
        for a in org.emails:
            first_address[a.lower()] = (line, org.slug)
        good.append((line, org))
    return good, problems, (encoding, sheet.delimiter, ignored)


class _DryRun(Exception):
    """Raised inside the import transaction to roll it back."""


def import_csv(conn: sqlite3.Connection, path: Path, *, dry_run: bool = False) -> OrgImport:
    """Read, check and apply an import file in one transaction (rolled back when `dry_run`)."""
    good, problems, (encoding, delimiter, ignored) = read_csv(path)
    added: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    from newsletter.store.subscribers import transaction

    try:
        with transaction(conn):
            incoming = {org.slug for _, org in good}
            for line, org in good:
                taken = next(
                    (
                        (a, owner)
                        for a in org.emails
                        if (owner := orgs.owner_of(conn, a)) not in (None, org.slug)
                        and owner not in incoming  # it moves between rows of this file
                    ),
                    None,
                )
                if taken is not None:
                    params: dict[str, object] = {"address": taken[0], "slug": taken[1]}
                    problems.append(RowProblem(line, org.slug, "ORG_ADDRESS_TAKEN", params))
                    continue
                old = orgs.get(conn, org.slug)
                if old is None:
                    added.append(org.slug)
                elif old == org:
                    unchanged.append(org.slug)
                    continue
                else:
                    updated.append(org.slug)
            # Write in two passes so that an address moving from one row's organisation to
            # another's does not clash with itself: first clear, then write.
            writing = [o for _, o in good if o.slug in added or o.slug in updated]
            for org in writing:
                if org.slug in updated:
                    conn.execute(
                        "DELETE FROM organisation_addresses WHERE organisation_id ="
                        " (SELECT id FROM organisations WHERE slug = ?)",
                        (org.slug,),
                    )
            for org in writing:
                if org.slug in added:
                    orgs.insert(conn, org)
                else:
                    orgs.replace(conn, org)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return OrgImport(
        path,
        encoding,
        delimiter,
        ignored,
        tuple(added),
        tuple(updated),
        tuple(unchanged),
        tuple(sorted(problems, key=lambda p: p.line)),
        dry_run,
    )


def export_rows(conn: sqlite3.Connection) -> list[list[str]]:
    """The header and one row per organisation."""
    out = [[header for header, _ in EXPORT_COLUMNS]]
    for org in orgs.list_all(conn):
        cells = {
            "slug": org.slug,
            "name": org.name,
            "email": ", ".join(org.emails),
            "language": org.language,
            "contact": org.contact,
            "active": "ja" if org.active else "nein",
            "note": org.note,
        }
        out.append([csv_read.guard_formula(cells[field]) for _, field in EXPORT_COLUMNS])
    return out


def write_csv(conn: sqlite3.Connection, stream: TextIO) -> int:
    """Write the register as `;`-separated CSV; returns the number of organisations."""
    rows = export_rows(conn)
    csv.writer(stream, delimiter=";", lineterminator="\r\n").writerows(rows)
    return len(rows) - 1


def export_csv(conn: sqlite3.Connection, path: Path) -> int:
    """Write an export file whole or not at all: UTF-8 with BOM (for Excel), owner-only."""
    with atomic_text(path, encoding="utf-8-sig", newline="") as stream:
        return write_csv(conn, stream)
