"""The register of member organisations: slug, name, contact person, addresses, language.

Kept in the project's store (the subscriber database, its own tables) because the contact data is
personal data like a subscriber's: owner-only file, exported only on request, and erased with
`remove` (the row, its addresses and its reminder/feedback journal, overwritten on disk).

An organisation may have several e-mail addresses (a shared mailbox and the contact person); an
address belongs to one organisation only. The language of correspondence is a BCP 47 tag
(`de`, `tr`, `ar`, `uk`, `pt-BR`, `sr-Latn`), kept in canonical case.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsletter.core.errors import NewsletterError
from newsletter.store import subscribers as store
from newsletter.store.addresses import LANGUAGE_NAMES
from newsletter.store.database import open_read_only

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
RESERVED_SLUGS = frozenset({"editorial", "attachments"})
MAX_NAME_CHARS = 200
MAX_NOTE_CHARS = 1000
# language[-script][-region][-variant…], RFC 5646 without extensions and private use
_TAG_RE = re.compile(
    r"(?P<lang>[a-z]{2,3})(?:-(?P<script>[a-z]{4}))?(?:-(?P<region>[a-z]{2}|[0-9]{3}))?"
    r"(?P<variants>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Organisation:
    """One member organisation of the register."""

    slug: str
    name: str = ""
    emails: tuple[str, ...] = ()
    language: str = "de"
    contact: str = ""
    active: bool = True
    note: str = ""

    @property
    def mail_language(self) -> str:
        """The primary language subtag: what the mail texts are chosen by (`pt-BR` → `pt`)."""
        return self.language.split("-", 1)[0]


def parse_slug(raw: str) -> str:
    """A slug as a submission folder is named; ORG_SLUG_INVALID otherwise."""
    slug = raw.strip()
    if not SLUG_RE.fullmatch(slug) or slug in RESERVED_SLUGS:
        raise NewsletterError("ORG_SLUG_INVALID", None, {"value": store.visible(slug)})
    return slug


def parse_tag(raw: str) -> str:
    """A BCP 47 language tag in canonical case (`DE-de` → `de-DE`, `Türkisch` → `tr`)."""
    value = raw.strip().replace("_", "-")
    if not value:
        return "de"
    value = LANGUAGE_NAMES.get(value.lower(), value)
    m = _TAG_RE.fullmatch(value)
    if m is None:
        raise NewsletterError("ORG_LANGUAGE_INVALID", None, {"value": store.visible(raw)})
    tag = m["lang"].lower()
    if m["script"]:
        tag += "-" + m["script"].title()
    if m["region"]:
        tag += "-" + m["region"].upper()
    return tag + m["variants"].lower()


def parse_emails(raw: str | Iterable[str]) -> tuple[store.Address, ...]:
    """Addresses separated by `,` `;` or spaces (or a list); each checked, duplicates merged."""
    parts = re.split(r"[,;\s]+", raw) if isinstance(raw, str) else list(raw)
    out: dict[str, store.Address] = {}
    for part in parts:
        if part.strip():
            addr = store.parse_address(part)
            out.setdefault(addr.key, addr)
    return tuple(out.values())


def make(
    slug: str,
    *,
    name: str = "",
    emails: str | Iterable[str] = (),
    language: str = "",
    contact: str = "",
    active: bool = True,
    note: str = "",
) -> Organisation:
    """An organisation from what an editor typed, every field checked."""
    return Organisation(
        slug=parse_slug(slug),
        name=store.clean_text(name, limit=MAX_NAME_CHARS, column="name", name=True),
        emails=tuple(a.normalized for a in parse_emails(emails)),
        language=parse_tag(language),
        contact=store.clean_text(contact, limit=MAX_NAME_CHARS, column="contact", name=True),
        active=active,
        note=store.clean_text(note, limit=MAX_NOTE_CHARS, column="note"),
    )


# --- the store -----------------------------------------------------------------------------


_SELECT = (
    "SELECT o.slug, o.name, o.contact, o.language, o.active, o.note, (SELECT group_concat("
    "address, char(10)) FROM (SELECT address FROM organisation_addresses a"
    " WHERE a.organisation_id = o.id ORDER BY position)) AS emails FROM organisations o"
)


def _org(row: sqlite3.Row | tuple[object, ...]) -> Organisation:
    slug, name, contact, language, active, note, emails = tuple(row)
    return Organisation(
        slug=str(slug),
        name=str(name),
        emails=tuple(str(emails).split("\n")) if emails else (),
        language=str(language),
        contact=str(contact),
        active=bool(active),
        note=str(note),
    )


def get(conn: sqlite3.Connection, slug: str) -> Organisation | None:
    """The organisation with this slug, or None."""
    row = conn.execute(f"{_SELECT} WHERE o.slug = ?", (slug.strip(),)).fetchone()
    return None if row is None else _org(row)


def list_all(conn: sqlite3.Connection, *, active_only: bool = False) -> list[Organisation]:
    """Every organisation, ordered by slug (one query)."""
    sql = _SELECT + (" WHERE o.active = 1" if active_only else "") + " ORDER BY o.slug"
    return [_org(row) for row in conn.execute(sql).fetchall()]


def read_only(path: Path) -> list[Organisation]:
    """The register without writing anything (no migration, no lock): [] without a register."""
    conn = open_read_only(path)
    if conn is None:
        return []
    try:
        return list_all(conn)
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # a store from before the register: nobody in it yet
            return []
        raise NewsletterError("SUBSCRIBERS_DB_ERROR", path, {"path": path, "detail": exc}) from None
    except sqlite3.DatabaseError as exc:
        code = "SUBSCRIBERS_DB_INVALID" if "not a database" in str(exc) else "SUBSCRIBERS_DB_ERROR"
        raise NewsletterError(code, path, {"path": path, "detail": exc}) from None
    finally:
        conn.close()


def owner_of(conn: sqlite3.Connection, address: str) -> str | None:
    """The slug of the organisation that has this address, or None."""
    row = conn.execute(
        "SELECT o.slug FROM organisation_addresses a JOIN organisations o"
        " ON o.id = a.organisation_id WHERE a.address_key = ?",
        (address.lower(),),
    ).fetchone()
    return None if row is None else str(row[0])


def _write_emails(conn: sqlite3.Connection, org_id: int, org: Organisation) -> None:
    conn.execute("DELETE FROM organisation_addresses WHERE organisation_id = ?", (org_id,))
    for position, address in enumerate(org.emails):
        other = owner_of(conn, address)
        if other is not None:
            raise NewsletterError("ORG_ADDRESS_TAKEN", None, {"address": address, "slug": other})
        conn.execute(
            "INSERT INTO organisation_addresses (organisation_id, position, address,"
            " address_key) VALUES (?, ?, ?, ?)",
            (org_id, position, address, address.lower()),
        )


def _values(org: Organisation) -> dict[str, object]:
    return {
        "name": org.name,
        "contact": org.contact,
        "language": org.language,
        "active": int(org.active),
        "note": org.note,
    }


def insert(conn: sqlite3.Connection, org: Organisation, now: datetime | None = None) -> None:
    """Add an organisation inside the caller's transaction; ORG_EXISTS if the slug is taken."""
    if get(conn, org.slug) is not None:
        raise NewsletterError("ORG_EXISTS", None, {"slug": org.slug})
    at = store.timestamp(now)
    values = {"slug": org.slug, **_values(org), "created_at": at, "updated_at": at}
    cur = conn.execute(
        f"INSERT INTO organisations ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
        tuple(values.values()),
    )
    _write_emails(conn, int(cur.lastrowid or 0), org)


def replace(conn: sqlite3.Connection, org: Organisation, now: datetime | None = None) -> None:
    """Overwrite an existing organisation inside the caller's transaction."""
    row = conn.execute("SELECT id FROM organisations WHERE slug = ?", (org.slug,)).fetchone()
    if row is None:
        raise NewsletterError("ORG_NOT_FOUND", None, {"slug": org.slug})
    values = {**_values(org), "updated_at": store.timestamp(now)}
    sets = ", ".join(f"{k} = ?" for k in values)
    conn.execute(f"UPDATE organisations SET {sets} WHERE id = ?", (*values.values(), row[0]))
    _write_emails(conn, int(row[0]), org)


def add(conn: sqlite3.Connection, org: Organisation) -> Organisation:
    """Add one organisation."""
    with store.transaction(conn):
        insert(conn, org)
    return org


def edit(
    conn: sqlite3.Connection,
    slug: str,
    *,
    name: str | None = None,
    emails: Sequence[str] | None = None,
    add_emails: Sequence[str] = (),
    remove_emails: Sequence[str] = (),
    language: str | None = None,
    contact: str | None = None,
    active: bool | None = None,
    note: str | None = None,
) -> Organisation:
    """Change some fields (None: unchanged); `emails` replaces the list, the others edit it."""
    with store.transaction(conn):
        old = get(conn, slug)
        if old is None:
            raise NewsletterError("ORG_NOT_FOUND", None, {"slug": slug})
        removed = {e.strip().lower() for e in remove_emails}
        addresses = [*(old.emails if emails is None else emails), *add_emails]
        new = make(
            old.slug,
            name=old.name if name is None else name,
            emails=[e for e in addresses if e.strip().lower() not in removed],
            language=old.language if language is None else language,
            contact=old.contact if contact is None else contact,
            active=old.active if active is None else active,
            note=old.note if note is None else note,
        )
        replace(conn, new)
    return new


def remove(conn: sqlite3.Connection, slug: str) -> tuple[Organisation, int]:
    """Erase an organisation: its row, addresses and mail journal; returns it and the count."""
    with store.transaction(conn):
        old = get(conn, slug)
        if old is None:
            raise NewsletterError("ORG_NOT_FOUND", None, {"slug": slug})
        journal = conn.execute("DELETE FROM organisation_mail WHERE slug = ?", (old.slug,))
        conn.execute("DELETE FROM organisations WHERE slug = ?", (old.slug,))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old pages leave the WAL as well
    return old, journal.rowcount


def add_many(conn: sqlite3.Connection, orgs: Sequence[Organisation]) -> None:
    """Add several organisations in one transaction (all or none)."""
    with store.transaction(conn):
        for org in orgs:
            insert(conn, org)
