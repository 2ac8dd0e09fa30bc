"""The send journal: one row per (issue, recipient), so that no one is mailed twice or skipped.

States and the one rule that makes a crash safe:

    pending --begin--> sending --250--> sent
       |                  |  \\--5xx--> failed
       |                  |   \\--4xx / connection lost before DATA--> pending (retry later)
       |                  \\--lost during DATA, or the process died--> unknown
       \\--the person unsubscribed or bounced meanwhile--> skipped

A row is durably `sending` (the database file synced) *before* its message leaves; it becomes
`sent` only after the server's 250. A row still `sending` when a run starts was interrupted
between the two: the server may or may not have taken the message, so it becomes `unknown` and
is listed for the editor, never resent blindly. Marking `sent` needs no sync of its own: if it
is lost in a power cut, the row reads `sending`, turns `unknown`, and is listed — still never
sent twice.
"""

from __future__ import annotations

import datetime as dt
import hmac
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from newsletter.store.database import form_secret
from newsletter.store.subscribers import Subscriber, timestamp, transaction

STATES = ("pending", "sending", "sent", "failed", "unknown", "skipped")


@dataclass(frozen=True)
class Run:
    """An issue's send run: the build it sends and where that build's inputs are kept."""

    issue: str
    build_id: str
    snapshot: str
    started_at: str
    finished_at: str | None


def get_run(conn: sqlite3.Connection, issue: str) -> Run | None:
    """The issue's send run, if its first real send has started."""
    row = conn.execute(
        "SELECT issue, build_id, snapshot, started_at, finished_at FROM send_runs WHERE issue = ?",
        (issue,),
    ).fetchone()
    return Run(*row) if row else None


def save_run(conn: sqlite3.Connection, issue: str, build_id: str, snapshot: str) -> None:
    """Record (or move to another build, on the editor's word) the issue's send run."""
    now = timestamp()
    with transaction(conn):
        conn.execute(
            "INSERT INTO send_runs (issue, build_id, snapshot, started_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (issue) DO UPDATE SET build_id ="
            " excluded.build_id, snapshot = excluded.snapshot, updated_at = excluded.updated_at,"
            " finished_at = NULL",
            (issue, build_id, snapshot, now, now),
        )


def finish_run(conn: sqlite3.Connection, issue: str) -> bool:
    """Mark the run finished when nobody is pending, sending or unknown; whether it is."""
    open_rows = conn.execute(
        "SELECT COUNT(*) FROM send_journal WHERE issue = ? AND state IN"
        " ('pending', 'sending', 'unknown')",
        (issue,),
    ).fetchone()[0]
    if open_rows:
        return False
    with transaction(conn):
        conn.execute(
            "UPDATE send_runs SET finished_at = COALESCE(finished_at, ?) WHERE issue = ?",
            (timestamp(), issue),
        )
    return True


@dataclass(frozen=True)
class Entry:
    """A journal row as the sender needs it."""

    id: int
    address: str
    token: str
    name: str
    attempts: int


def enqueue(conn: sqlite3.Connection, issue: str, subscribers: Iterable[Subscriber]) -> int:
    """Add a pending row for every active subscriber not yet in the journal; return how many."""
    now = timestamp()
    added = 0
    with transaction(conn):
        for s in subscribers:
            if s.status != "active":
                continue
            cur = conn.execute(
                "INSERT OR IGNORE INTO send_journal (issue, address_key, address, subscriber_id,"
                " state, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                # the ASCII form (punycode domain) where there is one: any relay can take it
                (issue, s.address_key, s.address_ascii or s.address_normalized, s.id, now, now),
            )
            added += cur.rowcount
    return added


def recover(conn: sqlite3.Connection, issue: str) -> list[str]:
    """Rows left `sending` by an interrupted run become `unknown`; return their addresses."""
    with transaction(conn):
        rows = conn.execute(
            "SELECT address FROM send_journal WHERE issue = ? AND state = "
            "'sending' ORDER BY address_key",
            (issue,),
        ).fetchall()
        conn.execute(
            "UPDATE send_journal SET state = 'unknown', updated_at = ?, last_reply_text"
            " = 'Abbruch während des Versands' WHERE issue = ? AND state = 'sending'",
            (timestamp(), issue),
        )
    return [r[0] for r in rows]


def release_unknown(conn: sqlite3.Connection, issue: str) -> int:
    """The editor decided to resend the `unknown` ones: make them pending again."""
    with transaction(conn):
        cur = conn.execute(
            "UPDATE send_journal SET state = 'pending', next_attempt_at = NULL,"
            " updated_at = ? WHERE issue = ? AND state = 'unknown'",
            (timestamp(), issue),
        )
    return cur.rowcount


def skip_inactive(conn: sqlite3.Connection, issue: str) -> int:
    """Close the pending rows of people who left (or bounced) since they were queued."""
    with transaction(conn):
        cur = conn.execute(
            "UPDATE send_journal SET state = 'skipped', updated_at = ?, next_attempt_at = NULL,"
            " last_reply_text = COALESCE((SELECT s.status FROM subscribers s WHERE s.id ="
            " send_journal.subscriber_id), 'removed') WHERE issue = ? AND state = 'pending'"
            " AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id ="
            " send_journal.subscriber_id AND s.status = 'active')",
            (timestamp(), issue),
        )
    return cur.rowcount


def due(conn: sqlite3.Connection, issue: str, limit: int, now: dt.datetime) -> list[Entry]:
    """Up to `limit` pending rows whose time has come (only one run may send: see deliver)."""
    rows = conn.execute(
        "SELECT j.id, j.address, s.unsubscribe_token, s.name, j.attempts FROM send_journal j"
        " JOIN subscribers s ON s.id = j.subscriber_id AND s.status = 'active'"
        " WHERE j.issue = ? AND j.state = 'pending'"
        " AND (j.next_attempt_at IS NULL OR j.next_attempt_at <= ?)"
        " ORDER BY j.id LIMIT ?",
        (issue, timestamp(now), limit),
    ).fetchall()
    return [Entry(r[0], r[1], r[2], r[3], r[4] + 1) for r in rows]


def begin(conn: sqlite3.Connection, entry_id: int, message_id: str, build_id: str = "") -> bool:
    """Mark one row `sending` with its Message-ID, synced to disk, before the message leaves.

    False (and nothing is sent) when the row is no longer pending for an active subscriber:
    the person left after the row was taken from the journal.
    """
    return begin_many(conn, [(entry_id, message_id)], build_id)[0]


def begin_many(
    conn: sqlite3.Connection,
    rows: list[tuple[int, str]],
    build_id: str = "",
    sent: list[Sent] | tuple[Sent, ...] = (),
) -> list[bool]:
    """`begin` for several rows (id, Message-ID) in one transaction: one sync to disk.

    The rows of the connections that are about to send at the same moment are made durable
    together (group commit); each is still `sending` before its own message leaves. `sent`:
    rows the server has taken meanwhile (`mark_sent`), written in the same transaction; with
    no row to begin they are written without a sync of their own (see the module docstring).
    """
    stamp = timestamp()
    done = []
    if not rows:
        conn.execute("PRAGMA synchronous = NORMAL")
    try:
        with transaction(conn):  # the connection runs with synchronous = FULL
            if sent:
                conn.executemany(
                    "UPDATE send_journal SET state = 'sent', last_reply_code = ?,"
                    " last_reply_text = ?, updated_at = ?, message_id = ?, sent_at = ?"
                    " WHERE id = ?",
                    [(s.code, s.text[:500], s.at, s.message_id, s.at, s.id) for s in sent],
                )
            for entry_id, message_id in rows:
                cur = conn.execute(
                    "UPDATE send_journal SET state = 'sending', attempts = attempts + 1,"
                    " last_attempt_at = ?, updated_at = ?, message_id = ?, build_id = ?"
                    " WHERE id = ? AND state = 'pending' AND EXISTS (SELECT 1 FROM subscribers s"
                    " WHERE s.id = send_journal.subscriber_id AND s.status = 'active')",
                    (stamp, stamp, message_id, build_id or None, entry_id),
                )
                done.append(cur.rowcount == 1)
    finally:
        if not rows:
            conn.execute("PRAGMA synchronous = FULL")
    return done


@dataclass(frozen=True)
class Sent:
    """A row the server took (250), to be marked `sent` with the next group (`begin_many`)."""

    id: int
    code: int
    text: str
    message_id: str
    at: str = field(default_factory=lambda: timestamp())


def message_id_key(conn: sqlite3.Connection) -> bytes:
    """The key of this store's Message-IDs (derived from its own secret, never exported)."""
    return hmac.new(form_secret(conn), b"newsletter message-id", "sha256").digest()


def sent_message(conn: sqlite3.Connection, address_key: str, message_ids: set[str]) -> bool:
    """Whether one of `message_ids` is a message this store sent (or tried to) to the person."""
    if not message_ids:
        return False
    marks = ", ".join("?" * len(message_ids))
    row = conn.execute(
        f"SELECT 1 FROM send_journal WHERE address_key = ? AND message_id IN ({marks})",
        (address_key, *sorted(message_ids)),
    ).fetchone()
    return row is not None


def _finish(
    conn: sqlite3.Connection,
    entry_id: int,
    state: str,
    code: int | None,
    text: str,
    extra: str = "",
    args: tuple[object, ...] = (),
) -> None:
    now = timestamp()
    # `sent` and friends need no fsync of their own (see the module docstring)
    conn.execute("PRAGMA synchronous = NORMAL")
    try:
        with transaction(conn):
            conn.execute(
                f"UPDATE send_journal SET state = ?, last_reply_code = ?, "
                f"last_reply_text = ?, updated_at = ?{extra} WHERE id = ?",
                (state, code, text[:500], now, *args, entry_id),
            )
    finally:
        conn.execute("PRAGMA synchronous = FULL")


def mark_sent(
    conn: sqlite3.Connection, entry_id: int, code: int, text: str, message_id: str
) -> None:
    """The server took the message (250)."""
    begin_many(conn, [], sent=[Sent(entry_id, code, text, message_id)])


def mark_failed(conn: sqlite3.Connection, entry_id: int, code: int | None, text: str) -> None:
    """A permanent refusal (5xx): recorded and reported, not retried."""
    _finish(conn, entry_id, "failed", code, text)


def mark_retry(
    conn: sqlite3.Connection, entry_id: int, code: int | None, text: str, at: dt.datetime
) -> None:
    """A temporary problem: back to pending, not before `at`."""
    _finish(conn, entry_id, "pending", code, text, ", next_attempt_at = ?", (timestamp(at),))


def mark_unknown(conn: sqlite3.Connection, entry_id: int, text: str) -> None:
    """The connection broke while the server had the message: its fate is unknown."""
    _finish(conn, entry_id, "unknown", None, text)


def next_due(conn: sqlite3.Connection, issue: str) -> dt.datetime | None:
    """When the earliest waiting retry of an active subscriber is due (None: nothing left)."""
    row = conn.execute(
        "SELECT MIN(COALESCE(j.next_attempt_at, '')) FROM send_journal j"
        " JOIN subscribers s ON s.id = j.subscriber_id AND s.status = 'active'"
        " WHERE j.issue = ? AND j.state = 'pending'",
        (issue,),
    ).fetchone()
    if row is None or row[0] is None:
        return None
    if row[0] == "":
        return dt.datetime.now(dt.UTC)
    return dt.datetime.strptime(row[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Summary:
    """Where every recipient of an issue stands."""

    counts: dict[str, int]
    failed: list[tuple[str, int | None, str]]
    unknown: list[str]
    pending: list[tuple[str, int | None, str]]
    skipped: list[tuple[str, int | None, str]] = field(default_factory=list)


def summary(conn: sqlite3.Connection, issue: str) -> Summary:
    """Counts per state, and the addresses that need the editor's attention."""
    counts = dict.fromkeys(STATES, 0)
    for state, n in conn.execute(
        "SELECT state, COUNT(*) FROM send_journal WHERE issue = ? GROUP BY state", (issue,)
    ):
        counts[str(state)] = int(n)

    def rows(state: str) -> list[tuple[str, int | None, str]]:
        return [
            (r[0], r[1], r[2] or "")
            for r in conn.execute(
                "SELECT address, last_reply_code, last_reply_text FROM send_journal"
                " WHERE issue = ? AND state = ? ORDER BY address_key",
                (issue, state),
            )
        ]

    return Summary(
        counts=counts,
        failed=rows("failed"),
        unknown=[a for a, _, _ in rows("unknown")],
        pending=rows("pending"),
        skipped=rows("skipped"),
    )
