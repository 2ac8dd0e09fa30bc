"""The journal's group commit during a send run, in a thread of its own.

Every row is durably `sending` before its message leaves (journal.py): one sync to disk per
row would make the disk's latency the speed of a send. The rows of the connections that are
about to send meanwhile are therefore written together, in one transaction and one sync, by
a writer thread with its own connection to the store: while one group is being synced the
event loop goes on with the messages already under way, and the rows that become ready
meanwhile form the next group (the slower the disk, the larger the group; at most one row per
connection). The `sent` marks go with the next group, unsynced when there is no row to begin
(journal.py: a lost `sent` leaves the row `sending`, hence `unknown`, never sent twice); each
connection's mark is written at the latest with its next row, so a connection never has more
than one row `sending` on disk. Only the sending loop's own thread calls the methods here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from newsletter.send import journal
from newsletter.store.database import connect


class GroupCommit:
    """`begin` and `mark_sent` of one send run, written in groups by one thread."""

    def __init__(self, db_path: Path, build_id: str = "") -> None:
        self.db_path = db_path
        self.build_id = build_id
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="send-journal")
        self.conn: sqlite3.Connection | None = None  # opened and used in the writer thread
        self.begins: list[tuple[int, str, asyncio.Future[bool]]] = []
        self.sent: list[journal.Sent] = []
        self.writing: asyncio.Future[list[bool]] | None = None  # the group being written
        self.groups = 0  # transactions written (for tests and the benchmark)

    def begin(self, entry_id: int, message_id: str) -> asyncio.Future[bool]:
        """journal.begin for this row: done once the row is durable (False: it was no longer
        pending for an active subscriber, and is not `sending`)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.begins.append((entry_id, message_id, future))
        self._next()
        return future

    def mark_sent(self, mark: journal.Sent) -> None:
        """journal.mark_sent, written with the next group."""
        self.sent.append(mark)
        self._next()

    def _write(self, rows: list[tuple[int, str]], sent: list[journal.Sent]) -> list[bool]:
        if self.conn is None:
            self.conn = connect(self.db_path)
        return journal.begin_many(self.conn, rows, self.build_id, sent=sent)

    def _next(self) -> None:
        """Start writing what is waiting, unless a group is being written (it follows then)."""
        if self.writing is not None or not (self.begins or self.sent):
            return
        begins, self.begins = self.begins, []
        sent, self.sent = self.sent, []
        loop = asyncio.get_running_loop()
        rows = [(entry_id, message_id) for entry_id, message_id, _ in begins]
        self.writing = loop.run_in_executor(self.executor, self._write, rows, sent)
        self.groups += 1

        def done(task: asyncio.Future[list[bool]]) -> None:
            self.writing = None
            exc = task.exception()
            if exc is not None:
                self.sent[:0] = sent  # tried again with the next group, or by `drain`
                for _, _, future in begins:  # each waiting worker gets the error
                    if not future.done():
                        future.set_exception(exc)
            else:
                for (_, _, future), ok in zip(begins, task.result(), strict=True):
                    if not future.done():
                        future.set_result(ok)
            if exc is None or begins:  # a failed group of marks alone: `drain` retries it
                self._next()

        self.writing.add_done_callback(done)

    async def drain(self) -> None:
        """Wait until everything handed in is written (when no worker runs: a batch or the
        run ended). A row that was to begin and whose worker is gone stays pending."""
        for _, _, future in self.begins:
            future.cancel()
        self.begins.clear()
        while self.writing is not None or self.sent:
            if self.writing is not None:
                await asyncio.wait([self.writing])
                continue
            sent, self.sent = self.sent, []
            try:
                await asyncio.get_running_loop().run_in_executor(
                    self.executor, self._write, [], sent
                )
            except BaseException:
                self.sent[:0] = sent
                raise

    async def close(self) -> None:
        """Write what is left, then close the writer's connection and end its thread."""
        try:
            await self.drain()
        finally:
            if self.conn is not None:
                await asyncio.get_running_loop().run_in_executor(self.executor, self.conn.close)
            self.executor.shutdown(wait=True)
