"""A submission's time of receipt, recorded once: a correction after the deadline is no delay.

Files say when they were last changed, not when they arrived: an editor who fixes a typo on
2 December, or saves an attachment from an e-mail, would make a submission of 20 November
"late". So the first time the pipeline (`check`, `build`, the preview) sees a submission
complete — submission.md read, an organisation named and a text that is not just the
template's example — it records the newest file's modification time as that moment in the
project's store (the `receipts` table of the SQLite file in `[subscribers] database`; never
under `submissions/`), and from then on that time is the receipt, whatever happens to the
files. The newest mtime at first sight, not the clock: a submission that came on time and is
first checked after the deadline is not late either.

`[received]` in issue.toml still wins and is not recorded. When nothing needs recording the
store is not opened at all; when it cannot be opened, the files' time is used with a warning.
`newsletter status`, which promises to write nothing, only reads what was recorded.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.models import Finding, Intake, Submission
from newsletter.intake import markup, placeholders
from newsletter.store.database import open_read_only, open_store, timestamp, transaction

log = logging.getLogger(__name__)
_STAMP = "%Y-%m-%dT%H:%M:%SZ"  # subscribers.timestamp()


def complete(sub: Submission, settings: Settings) -> bool:
    """Complete enough to have arrived: submission.md read, the organisation named, and a
    text of its own (a folder fresh from `newsletter new` has a name but only the template's
    example text: it has not arrived yet)."""
    text = markup.visible_text(sub.text)
    return bool(sub.organisation and text) and not placeholders.samples(settings).only_template(
        sub.text
    )


def apply_receipts(
    intake: Intake, settings: Settings, *, record: bool = True
) -> tuple[Intake, list[Finding]]:
    """The intake with recorded receipt times; records those seen complete the first time.

    `record=False` only reads the receipts recorded before, from an existing store, and never
    creates or changes one.
    """
    candidates = [
        s
        for s in intake.issue.submissions
        if s.received_from == "files" and s.received is not None and complete(s, settings)
    ]
    if not candidates:
        return intake, []
    path = settings.path(settings.subscribers.database)
    wanted = {s.slug for s in candidates}
    if not record:
        return _with_receipts(intake, _read_only(path, intake.issue.slug, wanted)), []
    try:
        with open_store(path) as db:
            recorded = _record(db, intake.issue.slug, candidates)
    except (NewsletterError, sqlite3.Error, OSError) as exc:
        detail = exc.code if isinstance(exc, NewsletterError) else str(exc)
        log.warning("receipts not recorded in %s: %s", path, detail)
        finding = Finding(
            code="RECEIPTS_NOT_RECORDED",
            params={"path": str(path), "detail": detail},
        )
        return intake, [finding]
    return _with_receipts(intake, recorded), []


def _with_receipts(intake: Intake, recorded: dict[str, datetime]) -> Intake:
    """The intake with each recorded submission's receipt in place of its files' time."""

    def updated(s: Submission) -> Submission:
        if s.slug not in recorded:
            return s
        tz = s.received.tzinfo if s.received else None
        return s.model_copy(
            update={"received": recorded[s.slug].astimezone(tz), "received_from": "recorded"}
        )

    subs = tuple(updated(s) for s in intake.issue.submissions)
    return intake.model_copy(
        update={"issue": intake.issue.model_copy(update={"submissions": subs})}
    )


def _record(db: sqlite3.Connection, issue: str, subs: list[Submission]) -> dict[str, datetime]:
    """Insert what is new (first sight wins), then read every candidate's receipt back."""
    now = timestamp()
    with transaction(db):
        for s in subs:
            assert s.received is not None
            db.execute(
                "INSERT OR IGNORE INTO receipts (issue, slug, received_at, recorded_at)"
                " VALUES (?, ?, ?, ?)",
                (issue, s.slug, timestamp(s.received), now),
            )
        rows = db.execute(
            "SELECT slug, received_at FROM receipts WHERE issue = ?", (issue,)
        ).fetchall()
    wanted = {s.slug for s in subs}
    return {str(slug): _parse(str(at)) for slug, at in rows if slug in wanted}


def _read_only(path: Path, issue: str, wanted: set[str]) -> dict[str, datetime]:
    """The receipts recorded so far, without creating, migrating or writing anything."""
    db = open_read_only(path)
    if db is None:
        return {}
    try:
        with contextlib.closing(db):
            rows = db.execute(
                "SELECT slug, received_at FROM receipts WHERE issue = ?", (issue,)
            ).fetchall()
    except sqlite3.Error:  # no receipts table yet, or no store at all: nothing recorded
        return {}
    return {str(slug): _parse(str(at)) for slug, at in rows if slug in wanted}


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
