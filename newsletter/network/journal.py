"""The journal of reminders and feedback: nobody gets the same message twice.

One row per (issue, kind, organisation, round), where the round is the day for a reminder and
the hash of the check result for feedback. The states and the rule that makes a crash safe are
those of the send journal (journal.py): a row is durably `sending` before its message leaves and
`sent` after the server's 250; a row still `sending` when a run starts was interrupted in
between and becomes `unknown`: listed, never sent again in that round.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from newsletter.store.subscribers import timestamp, transaction

DELIVERED = ("sent", "unknown", "sending")


@dataclass(frozen=True)
class Entry:
    """A journal row."""

    id: int
    slug: str
    round: str
    state: str
    reply_text: str


def _entry(row: sqlite3.Row | tuple[object, ...] | None) -> Entry | None:
    if row is None:
        return None
    rid, slug, round_, state, text = tuple(row)
    return Entry(int(str(rid)), str(slug), str(round_), str(state), str(text or ""))


_COLS = "id, slug, round, state, reply_text"


def recover(conn: sqlite3.Connection, issue: str, kind: str) -> list[str]:
    """Rows an interrupted run left `sending` become `unknown`; returns their slugs."""
    with transaction(conn):
        slugs = [
            str(r[0])
            for r in conn.execute(
                "SELECT slug FROM organisation_mail WHERE issue = ? AND kind = ?"
                " AND state = 'sending' ORDER BY slug",
                (issue, kind),
            )
        ]
        conn.execute(
            "UPDATE organisation_mail SET state = 'unknown', updated_at = ?, reply_text ="
            " 'Abbruch während des Versands' WHERE issue = ? AND kind = ? AND state = 'sending'",
            (timestamp(), issue, kind),
        )
    return slugs


def last_delivered(conn: sqlite3.Connection, issue: str, kind: str, slug: str) -> Entry | None:
    """The newest row of this organisation that went out (or may have: unknown)."""
    return _entry(
        conn.execute(
            f"SELECT {_COLS} FROM organisation_mail WHERE issue = ? AND kind = ? AND slug = ?"
            " AND state IN ('sent', 'unknown', 'sending') ORDER BY id DESC LIMIT 1",
            (issue, kind, slug),
        ).fetchone()
    )


def delivered_in_round(
    conn: sqlite3.Connection, issue: str, kind: str, slug: str, round_: str
) -> Entry | None:
    """A row of this round that went out (or may have)."""
    return _entry(
        conn.execute(
            f"SELECT {_COLS} FROM organisation_mail WHERE issue = ? AND kind = ? AND slug = ?"
            " AND round = ? AND state IN ('sent', 'unknown', 'sending') ORDER BY id DESC LIMIT 1",
            (issue, kind, slug, round_),
        ).fetchone()
    )


def claim(
    conn: sqlite3.Connection, issue: str, kind: str, slug: str, round_: str, addresses: str
) -> int:
    """The row to send this round with: an open (pending or failed) one, or a new one."""
    now = timestamp()
    with transaction(conn):
        last = last_delivered(conn, issue, kind, slug)
        row = conn.execute(
            "SELECT id FROM organisation_mail WHERE issue = ? AND kind = ? AND slug = ?"
            " AND round = ? AND state IN ('pending', 'failed') AND id > ? ORDER BY id DESC",
            (issue, kind, slug, round_, last.id if last else 0),
        ).fetchone()
        if row is not None:
            conn.execute(
                "UPDATE organisation_mail SET state = 'pending', addresses = ?, updated_at = ?"
                " WHERE id = ?",
                (addresses, now, row[0]),
            )
            return int(row[0])
        cur = conn.execute(
            "INSERT INTO organisation_mail (issue, kind, slug, round, addresses, state,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
            (issue, kind, slug, round_, addresses, now, now),
        )
        return int(cur.lastrowid or 0)


def begin(conn: sqlite3.Connection, entry_id: int, message_id: str) -> None:
    """`sending`, synced to disk (the store runs with synchronous = FULL), before it leaves."""
    with transaction(conn):
        conn.execute(
            "UPDATE organisation_mail SET state = 'sending', message_id = ?, updated_at = ?"
            " WHERE id = ? AND state = 'pending'",
            (message_id, timestamp(), entry_id),
        )


def finish(
    conn: sqlite3.Connection, entry_id: int, state: str, code: int | None, text: str
) -> None:
    """The outcome: sent (250), failed (refused), pending (try again next run), unknown."""
    now = timestamp()
    with transaction(conn):
        conn.execute(
            "UPDATE organisation_mail SET state = ?, reply_code = ?, reply_text = ?,"
            " updated_at = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
            " WHERE id = ?",
            (state, code, text[:500], now, state, now, entry_id),
        )
