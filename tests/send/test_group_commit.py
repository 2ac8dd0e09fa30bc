"""The journal's group commit (send/group_commit.py): the rows that become ready while a group is
being written are the next one, each is durable when its future is done, and a `sent` is
written at the latest with the next group (a connection never has two rows `sending`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from newsletter.send import journal
from newsletter.send.group_commit import GroupCommit
from newsletter.store.subscribers import add, list_subscribers, open_store, unsubscribe


def states(db_path: Path) -> dict[int, str]:
    with open_store(db_path) as db:
        return {int(r[0]): str(r[1]) for r in db.execute("SELECT id, state FROM send_journal")}


def test_rows_ready_together_are_one_group_and_sent_goes_with_the_next(tmp_path: Path) -> None:
    db_path = tmp_path / "subscribers.sqlite3"
    with open_store(db_path) as db:
        for i in range(6):
            add(db, f"leser{i}@example.org", consent_version="test", via="test")
        journal.enqueue(db, "2026-12", list_subscribers(db, ["active"]))
        ids = [int(r[0]) for r in db.execute("SELECT id FROM send_journal ORDER BY id")]
        unsubscribe(db, address="leser5@example.org")  # left after being queued: not begun

    async def run() -> None:
        commit = GroupCommit(db_path, "build")
        try:
            # four connections ready in the same turn: the first is written at once, the three
            # that came while it was being written are one more transaction
            first = await asyncio.gather(*(commit.begin(i, f"<m{i}>") for i in ids[:4]))
            assert first == [True] * 4
            assert commit.groups == 2
            assert [states(db_path)[i] for i in ids[:4]] == ["sending"] * 4
            # the server took ids[0]; its connection begins the next row: once that row is
            # durable, the mark is on disk too (never two rows `sending` for one connection)
            commit.mark_sent(journal.Sent(ids[0], 250, "OK", f"<m{ids[0]}>"))
            assert await commit.begin(ids[4], f"<m{ids[4]}>")
            now = states(db_path)
            assert (now[ids[0]], now[ids[4]]) == ("sent", "sending")
            # someone who left is not begun: nothing is sent to them
            assert not await commit.begin(ids[5], f"<m{ids[5]}>")
            assert states(db_path)[ids[5]] == "pending"
            # a mark with no row after it is written when the run drains
            commit.mark_sent(journal.Sent(ids[1], 250, "OK", f"<m{ids[1]}>"))
        finally:
            await commit.close()
        assert states(db_path)[ids[1]] == "sent"

    asyncio.run(run())
    with open_store(db_path) as db:
        row = db.execute(
            "SELECT message_id, build_id, last_reply_code, sent_at FROM send_journal WHERE id = ?",
            (ids[0],),
        ).fetchone()
    assert (row[0], row[1], row[2]) == (f"<m{ids[0]}>", "build", 250) and row[3]
