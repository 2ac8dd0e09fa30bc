"""Each organisation's personal upload link: `/einreichen/TOKEN`, one per organisation and issue.

A token is HMAC-SHA256(key, issue, slug, generation): 256 bits, base64url. The key is a file in
the project's private state (`state_dir/upload-links.key`, 0600), not in the store; the store
keeps only the token's SHA-256 (to find the organisation and issue a token opens) and the
generation. Why derived rather than random-and-forgotten: `remind` must print the link in every
reminder, and a link that changed with every reminder would break the one in last week's mail.
Derived, the same link comes out each time until the editor rotates it (`organisations link
SLUG --new`: the generation goes up, the old hash is revoked). A copy of the store alone (a
backup, an export) reveals no link; the store and the key file together do, as the editor's
own machine must. Deleting the key file invalidates every link (new ones follow on request).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.files import create_new
from newsletter.store import subscribers as store

KEY_FILE = "upload-links.key"
TOKEN_CHARS = 43  # 32 bytes in base64url without padding


@dataclass(frozen=True, slots=True)
class Link:
    """An organisation's link for one issue."""

    slug: str
    issue: str
    token: str
    generation: int
    created_at: datetime


def state_dir(settings: Settings) -> Path:
    """The project's private state folder (owner only), created on first use."""
    folder = settings.path(settings.state_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def key(settings: Settings) -> bytes:
    """The link key, made (32 random bytes, owner-only file) the first time it is needed."""
    path = state_dir(settings) / KEY_FILE
    if not path.exists():
        create_new(path, secrets.token_bytes(32))  # False: another process was quicker
    data = path.read_bytes()
    if len(data) < 32:
        raise NewsletterError("UPLOAD_KEY_BROKEN", path, {"path": path})
    return data


def derive(secret: bytes, issue: str, slug: str, generation: int) -> str:
    """The token of one generation of a link."""
    msg = f"{issue}\0{slug}\0{generation}".encode()
    mac = hmac.new(secret, msg, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    """What the store keeps of a token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _org_id(conn: sqlite3.Connection, slug: str) -> int:
    row = conn.execute("SELECT id FROM organisations WHERE slug = ?", (slug,)).fetchone()
    if row is None:
        raise NewsletterError("ORG_NOT_FOUND", None, {"slug": slug})
    return int(row[0])


def _current(conn: sqlite3.Connection, org_id: int, issue: str) -> tuple[int, str] | None:
    row = conn.execute(
        "SELECT generation, created_at FROM upload_links WHERE organisation_id = ? AND issue = ?"
        " AND revoked_at IS NULL ORDER BY generation DESC LIMIT 1",
        (org_id, issue),
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def link(
    conn: sqlite3.Connection, settings: Settings, slug: str, issue: str, *, new: bool = False
) -> Link:
    """The organisation's link for `issue`: made if there is none; `new` rotates it (the old
    one stops working at once)."""
    secret = key(settings)
    with store.transaction(conn):
        org_id = _org_id(conn, slug)
        current = _current(conn, org_id, issue)
        if current is not None and not new:
            generation, created = current
            return Link(
                slug, issue, derive(secret, issue, slug, generation), generation, _parse(created)
            )
        top = conn.execute(
            "SELECT MAX(generation) FROM upload_links WHERE organisation_id = ? AND issue = ?",
            (org_id, issue),
        ).fetchone()[0]
        generation = 0 if top is None else int(top) + 1
        now = store.timestamp()
        conn.execute(
            "UPDATE upload_links SET revoked_at = ? WHERE organisation_id = ? AND issue = ?"
            " AND revoked_at IS NULL",
            (now, org_id, issue),
        )
        token = derive(secret, issue, slug, generation)
        conn.execute(
            "INSERT INTO upload_links (token_hash, organisation_id, issue, generation, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (hash_token(token), org_id, issue, generation, now),
        )
    return Link(slug, issue, token, generation, _parse(now))


def peek(conn: sqlite3.Connection, settings: Settings, slug: str, issue: str) -> str:
    """The link a dry run shows: the current one, or the one `link` would make (not stored)."""
    row = conn.execute("SELECT id FROM organisations WHERE slug = ?", (slug,)).fetchone()
    current = _current(conn, int(row[0]), issue) if row else None
    return derive(key(settings), issue, slug, current[0] if current else 0)


def url(settings: Settings, token: str) -> str:
    """The page's public address."""
    return settings.serve.base_url.rstrip("/") + f"/einreichen/{token}"


@dataclass(frozen=True, slots=True)
class Opened:
    """What a valid token opens."""

    slug: str
    issue: str
    name: str
    language: str
    token_hash: str


def lookup(conn: sqlite3.Connection, settings: Settings, token: str, days: int) -> Opened | None:
    """The organisation and issue a token opens; None for a guessed, rotated or expired one,
    or one of an organisation that was removed or made inactive (all look alike outside)."""
    if len(token) != TOKEN_CHARS:
        return None
    row = conn.execute(
        "SELECT o.slug, o.name, o.language, o.active, l.issue, l.created_at, l.revoked_at"
        " FROM upload_links l JOIN organisations o ON o.id = l.organisation_id"
        " WHERE l.token_hash = ?",
        (hash_token(token),),
    ).fetchone()
    if row is None or row["revoked_at"] is not None or not row["active"]:
        return None
    if _parse(str(row["created_at"])) + timedelta(days=days) < datetime.now(UTC):
        return None
    # the key file is the other half: a store copied next to a new key opens nothing
    if not hmac.compare_digest(
        derive(key(settings), str(row["issue"]), str(row["slug"]), _generation(conn, token)),
        token,
    ):
        return None
    return Opened(
        str(row["slug"]),
        str(row["issue"]),
        str(row["name"]),
        str(row["language"]),
        hash_token(token),
    )


def _generation(conn: sqlite3.Connection, token: str) -> int:
    row = conn.execute(
        "SELECT generation FROM upload_links WHERE token_hash = ?", (hash_token(token),)
    ).fetchone()
    return int(row[0]) if row else -1
