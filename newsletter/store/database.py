"""The store's file: open it (private, WAL, durable), migrate it, transactions, timestamps.

`connect` creates the file readable by its owner only and brings it to `schema.SCHEMA_VERSION`
in one transaction, refusing a file written by a newer version. Every module that reads or writes
the store goes through `connect`/`open_store` and `transaction`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from newsletter.core.errors import NewsletterError
from newsletter.store import schema

log = logging.getLogger(__name__)


def timestamp(when: datetime | None = None) -> str:
    """ISO 8601 in UTC to the second, e.g. 2026-11-20T09:00:00Z (sorts as text)."""
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    newest = len(schema.MIGRATIONS)
    target = newest if target is None else target
    with transaction(conn):
        found = schema_version(conn)
        if found > newest:
            raise NewsletterError(
                "SUBSCRIBERS_DB_NEWER", None, {"found": found, "supported": newest}
            )
        for number in range(found, target):
            log.info("subscriber store: migrating to schema version %d", number + 1)
            schema.MIGRATIONS[number](conn)
            conn.execute(f"PRAGMA user_version = {number + 1:d}")
    return max(found, target)


def connect(path: Path) -> sqlite3.Connection:
    """Open (or create, readable by the owner only) the store; migrate it to the newest schema."""
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


def open_read_only(path: Path) -> sqlite3.Connection | None:
    """The store opened read-only: no creation, no migration, no lock; None without a store."""
    if not path.is_file():
        return None
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error:
        return None


@contextmanager
def open_store(path: Path) -> Iterator[sqlite3.Connection]:
    """`connect`, and close when done."""
    conn = connect(path)
    try:
        yield conn
    finally:
        conn.close()


def form_secret(conn: sqlite3.Connection) -> bytes:
    """The key that signs form tokens (shared by every process serving the same store)."""
    return bytes(conn.execute("SELECT secret FROM serve_secret WHERE id = 1").fetchone()[0])
