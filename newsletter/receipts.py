"""A submission's time of receipt, recorded once: a correction after the deadline is no delay.

Files say when they were last changed, not when they arrived: an editor who fixes a typo on
2 December, or saves an attachment from an e-mail, would make a submission of 20 November
"late". So the first time the pipeline (`check`, `build`, the preview) sees a submission
complete — submission.md read, an organisation named and a text that is not just the
template's example — it records the newest file's
modification time as that moment in the project's store (the `receipts` table of the SQLite
file in `[subscribers] database`; never under `submissions/`), and from then on that time is
the receipt, whatever happens to the files. The newest mtime at first sight, not the clock:
a submission that came on time and is first checked after the deadline is not late either.

`[received]` in issue.toml still wins and is not recorded. When nothing needs recording the
store is not opened at all; when it cannot be opened, the files' time is used with a warning.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

from newsletter import markup, placeholders
from newsletter.config import Settings
from newsletter.errors import NewsletterError
from newsletter.models import Finding, Intake, Submission
from newsletter.subscribers import open_store, timestamp, transaction

log = logging.getLogger(__name__)


def complete(sub: Submission, settings: Settings) -> bool:
    """Complete enough to have arrived: submission.md read, the organisation named, and a
    text of its own (a folder fresh from `newsletter new` has a name but only the template's
    example text: it has not arrived yet)."""
    text = markup.visible_text(sub.text)
    return bool(sub.organisation and text) and not placeholders.samples(settings).only_template(
        sub.text
    )


def apply_receipts(intake: Intake, settings: Settings) -> tuple[Intake, list[Finding]]:
    """The intake with recorded receipt times; records those seen complete the first time."""
    issue = intake.issue
    candidates = [
        s
        for s in issue.submissions
        if s.received_from == "files" and s.received is not None and complete(s, settings)
    ]
    if not candidates:
        return intake, []
    path = settings.path(settings.subscribers.database)
    try:
        with open_store(path) as db:
            recorded = _record(db, issue.slug, candidates)
    except (NewsletterError, sqlite3.Error, OSError) as exc:
        detail = exc.code if isinstance(exc, NewsletterError) else str(exc)
        log.warning("receipts not recorded in %s: %s", path, detail)
        finding = Finding(
            severity="warning",
            code="RECEIPTS_NOT_RECORDED",
            params={"path": str(path), "detail": detail},
        )
        return intake, [finding]
    tz = candidates[0].received.tzinfo if candidates[0].received else None
    subs = tuple(
        s.model_copy(
            update={"received": recorded[s.slug].astimezone(tz), "received_from": "recorded"}
        )
        if s.slug in recorded
        else s
        for s in issue.submissions
    )
    return intake.model_copy(update={"issue": issue.model_copy(update={"submissions": subs})}), []


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
    return {
        str(slug): datetime.strptime(str(at), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        for slug, at in rows
        if slug in wanted
    }
