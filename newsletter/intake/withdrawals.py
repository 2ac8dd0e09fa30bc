"""A withdrawn photo release (KUG § 22, GDPR Art. 7(3)): recorded in the store, honoured by publish.

`newsletter withdraw ISSUE SLUG PHOTO --reason …` records who withdrew what, when and why
(table `photo_withdrawals`). On the next `publish` every published issue with a withdrawn photo
is rebuilt from its sources without it (web version and PDF), and the directory page no longer
shows it; `status ISSUE` lists the withdrawals. Nothing is ever deleted from this table: it is
the proof that the withdrawal was honoured.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.intake.reader import read_issue, resolve_issue
from newsletter.store.database import open_read_only
from newsletter.store.subscribers import open_store, transaction


@dataclass(frozen=True)
class Withdrawal:
    """One withdrawn photo release."""

    issue: str
    slug: str
    photo: str
    reason: str
    withdrawn_at: str


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def withdraw(
    issue_arg: str, slug: str, photo: str, reason: str, settings: Settings
) -> tuple[Withdrawal, bool]:
    """Record the withdrawal; (the record, False if it was recorded already)."""
    if not reason.strip():
        raise NewsletterError("WITHDRAW_REASON_MISSING")
    folder = resolve_issue(issue_arg, settings)
    issue = read_issue(folder, settings).issue
    subs = {s.slug: s for s in issue.submissions}
    if slug not in subs:
        raise NewsletterError(
            "WITHDRAW_SUBMISSION_UNKNOWN",
            folder,
            {"issue": issue.slug, "slug": slug, "slugs": ", ".join(sorted(subs)) or "–"},
        )
    names = [p.file.name for p in subs[slug].photos if p.file is not None]
    match = [n for n in names if _key(n) == _key(photo)]
    if not match:
        raise NewsletterError(
            "WITHDRAW_PHOTO_UNKNOWN",
            folder,
            {"issue": issue.slug, "slug": slug, "photo": photo, "photos": ", ".join(names) or "–"},
        )
    now = dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
    record = Withdrawal(issue.slug, slug, match[0], reason.strip(), now)
    with open_store(settings.path(settings.subscribers.database)) as db, transaction(db):
        cur = db.execute(
            "INSERT OR IGNORE INTO photo_withdrawals (issue, slug, photo, reason, withdrawn_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (record.issue, record.slug, record.photo, record.reason, record.withdrawn_at),
        )
        new = cur.rowcount == 1
        if not new:
            row = db.execute(
                "SELECT reason, withdrawn_at FROM photo_withdrawals"
                " WHERE issue = ? AND slug = ? AND photo = ?",
                (record.issue, record.slug, record.photo),
            ).fetchone()
            record = Withdrawal(record.issue, record.slug, record.photo, row[0], row[1])
    return record, new


def read_withdrawals(db_path: Path, issue: str | None = None) -> list[Withdrawal]:
    """Every withdrawal (of one issue), read-only: [] without a store or before the table."""
    conn = open_read_only(db_path)
    if conn is None:
        return []
    try:
        sql = "SELECT issue, slug, photo, reason, withdrawn_at FROM photo_withdrawals"
        rows = (
            conn.execute(sql + " WHERE issue = ? ORDER BY id", (issue,))
            if issue is not None
            else conn.execute(sql + " ORDER BY id")
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise NewsletterError(
            "SUBSCRIBERS_DB_ERROR", db_path, {"path": db_path, "detail": exc}
        ) from None
    finally:
        conn.close()
    return [Withdrawal(*map(str, r)) for r in rows]


def withdrawn_pairs(withdrawals: list[Withdrawal], issue: str) -> frozenset[tuple[str, str]]:
    """The (slug, photo) pairs withdrawn in `issue`, as build_issue(withdrawn=…) takes them."""
    return frozenset((w.slug, w.photo) for w in withdrawals if w.issue == issue)
