"""`newsletter send`: deliver a built issue over SMTP, journaled so that nobody gets it twice.

See journal.py for the states. A run: refuse the shipped example settings, check that the
relay answers and accepts the login (nothing is claimed before), settle which build this
issue's send run sends (send_state.py), recover rows an interrupted run left `sending` (they
become `unknown` and are listed), queue the recipients (every active subscriber, once: at the
issue's first run, later only on the editor's word), then send over `smtp.connections`
connections at once within the relay's rate limits. Temporary failures (4xx, a connection lost
before DATA) are retried with backoff; permanent ones (5xx) are recorded; a connection lost
*during* DATA makes the row `unknown`. Whatever happens with one recipient settles that row
only; people who leave during the run are skipped at once, and the run ends when nobody
deliverable is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import logging
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiosmtplib

from newsletter import journal, send_state
from newsletter.compose import MessageFactory, Recipient, check_address
from newsletter.config import Settings
from newsletter.errors import NewsletterError
from newsletter.messages import render
from newsletter.send_guard import example_settings
from newsletter.send_state import Choice
from newsletter.smtp_client import RateLimit as RateLimit  # re-exported (older imports)
from newsletter.smtp_client import envelope, quit_client
from newsletter.smtp_client import open_connection as open_connection
from newsletter.subscribers import list_subscribers, open_store

log = logging.getLogger(__name__)
_quit = quit_client  # the name remind.py imports

BATCH = 50  # rows taken from the journal at a time (each is marked `sending` on its own)
POLL_SECONDS = 5.0  # while waiting for a retry: how often to look who has left meanwhile


@dataclass
class SendReport:
    """What a run did, for the summary the editor reads."""

    sent: int = 0
    queued: int = 0
    recovered_unknown: list[str] = field(default_factory=list)
    summary: journal.Summary | None = None
    seconds: float = 0.0


class _Run:
    """One send run over several connections."""

    def __init__(
        self,
        settings: Settings,
        factory: MessageFactory,
        conn: sqlite3.Connection,
        progress: Callable[[int, int], None] | None,
        total: int,
        build_id: str = "",
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.db = conn
        self.progress = progress
        self.total = total
        self.done = 0
        self.sent = 0
        self.rate = RateLimit(settings.smtp.per_minute, settings.smtp.per_hour)
        self.queue: asyncio.Queue[journal.Entry | None] = asyncio.Queue()
        self.envelope_from = check_address(settings.sender.from_address)
        self.build_id = build_id
        self.stopped: tuple[int, str] | None = None  # the relay refused the sender

    def _tick(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)

    def _retry_at(self, attempts: int) -> dt.datetime:
        wait = self.settings.smtp.retry_seconds * 2 ** max(0, attempts - 1)
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)

    def _temporary(self, entry: journal.Entry, code: int | None, text: str) -> None:
        db = self.db
        if entry.attempts >= self.settings.smtp.max_attempts:
            journal.mark_failed(db, entry.id, code, f"nach {entry.attempts} Versuchen: {text}")
            self._tick()
        else:
            journal.mark_retry(db, entry.id, code, text, self._retry_at(entry.attempts))

    async def worker(self) -> None:
        client: aiosmtplib.SMTP | None = None
        try:
            while (entry := await self.queue.get()) is not None:
                if self.stopped:
                    continue  # drain the queue: the rows stay pending
                await self.rate.acquire()
                if client is None or not client.is_connected:
                    try:
                        client = await open_connection(self.settings)
                    except NewsletterError as exc:
                        journal.mark_retry(
                            self.db, entry.id, None, exc.code, self._retry_at(entry.attempts)
                        )
                        client = None
                        continue
                client = await self._send_one(client, entry)
        finally:
            if client is not None and client.is_connected:
                await quit_client(client)

    def _fail(self, entry: journal.Entry, code: int | None, text: str) -> None:
        journal.mark_failed(self.db, entry.id, code, text)
        self._tick()

    async def _send_one(
        self, client: aiosmtplib.SMTP, entry: journal.Entry
    ) -> aiosmtplib.SMTP | None:
        """One recipient, whatever happens: this row is settled, no other row is touched."""
        try:
            return await self._try_one(client, entry)
        except Exception as exc:  # a defect must not end the run or leave others "unknown"
            log.warning("recipient row %d: %s: %s", entry.id, type(exc).__name__, exc)
            row = self.db.execute(
                "SELECT state FROM send_journal WHERE id = ?", (entry.id,)
            ).fetchone()
            if row is not None and row[0] == "sending":  # DATA may have begun: fate unknown
                journal.mark_unknown(self.db, entry.id, f"{type(exc).__name__}: {exc}")
                self._tick()
            elif row is not None and row[0] == "pending":
                self._fail(entry, None, f"{type(exc).__name__}: {exc}")
            client.close()
            return None

    async def _try_one(
        self, client: aiosmtplib.SMTP, entry: journal.Entry
    ) -> aiosmtplib.SMTP | None:
        db = self.db
        try:
            env = await envelope(client, entry.address, self.settings)
            message = self.factory.message(
                Recipient(env.rcpt, entry.token, entry.name or None), utf8=env.utf8
            )
        except NewsletterError as exc:  # an address that cannot be mailed (here, or safely)
            self._fail(entry, None, render(exc.code, "de", exc.params))
            return client
        except (aiosmtplib.SMTPException, OSError) as exc:  # EHLO failed: nothing was sent
            self._temporary(entry, None, f"Verbindung verloren vor DATA: {exc}")
            client.close()
            return None
        message_id = self.factory.message_id(entry.address)
        if not journal.begin(db, entry.id, message_id, self.build_id):  # durable before sending
            journal.skip_inactive(db, self.factory.issue)  # the person left meanwhile
            self._tick()
            return client
        stage = "mail"
        try:
            await client.mail(env.sender, options=env.options, encoding=env.encoding)
            stage = "rcpt"
            await client.rcpt(env.rcpt, encoding=env.encoding)
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset(client)
            if stage == "mail" and exc.code >= 500:
                # The relay refuses our sender: a problem of the run, not of this recipient.
                # Nothing was sent; the row goes back to pending and the run stops.
                journal.mark_retry(db, entry.id, exc.code, exc.message, dt.datetime.now(dt.UTC))
                self.stopped = (exc.code, exc.message)
            else:
                self._refused(entry, exc)
            return client if client.is_connected else None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            self._temporary(entry, None, f"Verbindung verloren vor DATA: {exc}")
            client.close()
            return None
        except (aiosmtplib.SMTPException, UnicodeError, ValueError) as exc:
            # refused by the client library before it reached the server: nothing was sent
            await self._reset(client)
            self._fail(entry, None, f"{type(exc).__name__}: {exc}")
            return client if client.is_connected else None
        try:
            response = await client.data(message)
        except aiosmtplib.SMTPResponseException as exc:
            self._refused(entry, exc)
            return client if client.is_connected else None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            # The server had (part of) the message when the line broke: it may have taken it.
            journal.mark_unknown(db, entry.id, f"Verbindung während DATA verloren: {exc}")
            self._tick()
            client.close()
            return None
        journal.mark_sent(db, entry.id, response.code, response.message, message_id)
        self.sent += 1
        self._tick()
        return client

    def _refused(self, entry: journal.Entry, exc: aiosmtplib.SMTPResponseException) -> None:
        """A reply about this recipient: 4xx is tried again later, 5xx is final."""
        if 400 <= exc.code < 500:
            self._temporary(entry, exc.code, exc.message)
        else:
            journal.mark_failed(self.db, entry.id, exc.code, exc.message)
            self._tick()

    async def _reset(self, client: aiosmtplib.SMTP) -> None:
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, OSError):
            client.close()


async def _deliver(
    settings: Settings,
    factory: MessageFactory,
    db_path: Path,
    build: str,
    progress: Callable[[int, int], None] | None,
) -> int:
    issue = factory.issue
    with open_store(db_path) as db:
        todo = journal.summary(db, issue).counts["pending"]
        run = _Run(settings, factory, db, progress, todo, build)
        deadline = time.monotonic() + settings.smtp.retry_window
        while True:
            # people who left since the last look are closed at once, not waited for
            journal.skip_inactive(db, issue)
            batch = journal.due(
                db, issue, BATCH * settings.smtp.connections, dt.datetime.now(dt.UTC)
            )
            if not batch:
                due = journal.next_due(db, issue)
                if due is None:
                    break  # nothing deliverable is left
                wait = (due - dt.datetime.now(dt.UTC)).total_seconds()
                if time.monotonic() + max(0.0, wait) > deadline:
                    break  # what is left stays pending: the next `send` picks it up
                await asyncio.sleep(min(max(0.05, wait), POLL_SECONDS))
                continue
            for entry in batch:
                run.queue.put_nowait(entry)
            workers = [
                asyncio.create_task(run.worker())
                for _ in range(min(settings.smtp.connections, len(batch)))
            ]
            for _ in workers:
                run.queue.put_nowait(None)
            await asyncio.gather(*workers)
            if run.stopped:
                code, text = run.stopped
                raise NewsletterError(
                    "SMTP_SENDER_REFUSED",
                    None,
                    {"sender": run.envelope_from, "code": code, "detail": text, "sent": run.sent},
                )
        return run.sent


@contextlib.contextmanager
def run_lock(db_path: Path) -> Iterator[None]:
    """One send run at a time per store: two would both take the same pending rows."""
    lock_path = db_path.with_name(db_path.name + ".send-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NewsletterError("SEND_RUNNING", db_path, {"path": str(lock_path)}) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def refuse_example_settings(settings: Settings) -> None:
    """A real send with the shipped example settings would carry a false Impressum."""
    keys = example_settings(settings)
    if keys:
        raise NewsletterError("SEND_EXAMPLE_SETTINGS", None, {"keys": ", ".join(keys)})


def send_issue(
    outbox: Path,
    settings: Settings,
    *,
    progress: Callable[[int, int], None] | None = None,
    resend_unknown: bool = False,
    add_new_subscribers: bool = False,
    build_choice: Choice = None,
) -> SendReport:
    """Send the built issue in `outbox` to its recipients not yet served.

    The recipients are fixed when the issue's first real send starts (later sign-ups only
    with `add_new_subscribers`); every run sends the build that run started with (a private
    copy, see send_state.py); `build_choice` settles a rebuild in between.
    """
    started = time.perf_counter()
    refuse_example_settings(settings)
    db_path = settings.path(settings.subscribers.database)
    report = SendReport()

    async def check_relay() -> None:
        client = await open_connection(settings)  # the relay answers and takes the login
        await quit_client(client)

    issue = MessageFactory(outbox, settings).issue  # NOT_BUILT before anything else
    with run_lock(db_path):
        asyncio.run(check_relay())
        with open_store(db_path) as db:
            folder, build, first = send_state.prepare_run(
                db, db_path, outbox, issue, build_choice, adding=add_new_subscribers
            )
            factory = MessageFactory(folder, settings, id_key=journal.message_id_key(db))
            report.recovered_unknown = journal.recover(db, issue)
            if resend_unknown:
                journal.release_unknown(db, issue)
            # the recipients are fixed by the first run that has any (see README)
            if first or add_new_subscribers or not sum(journal.summary(db, issue).counts.values()):
                report.queued = journal.enqueue(db, issue, list_subscribers(db, ["active"]))
            journal.skip_inactive(db, issue)
        report.sent = asyncio.run(_deliver(settings, factory, db_path, build, progress))
        with open_store(db_path) as db:
            report.summary = journal.summary(db, issue)
            send_state.release(db, issue)
    report.seconds = time.perf_counter() - started
    return report


TEST_SUBJECT = "[TEST] "


def send_test(outbox: Path, address: str, settings: Settings) -> str:
    """One copy to `address`, "[TEST]" before the subject (not journaled); the server's reply.

    The preview's test mail comes through here too, so both send the same thing.
    """
    factory = MessageFactory(outbox, settings)
    check_address(address)

    async def main() -> str:
        client = await open_connection(settings)
        try:
            env = await envelope(client, address, settings)
            message = factory.message(
                Recipient(env.rcpt, "test-" + "0" * 16, None),
                utf8=env.utf8,
                subject_prefix=TEST_SUBJECT,
            )
            await client.mail(env.sender, options=env.options, encoding=env.encoding)
            await client.rcpt(env.rcpt, encoding=env.encoding)
            reply = await client.data(message)
        except aiosmtplib.SMTPResponseException as exc:
            raise NewsletterError(
                "SMTP_REFUSED", None, {"code": exc.code, "detail": exc.message}
            ) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise NewsletterError(
                "SMTP_UNREACHABLE",
                None,
                {"host": settings.smtp.host, "port": settings.smtp.port, "detail": str(exc)},
            ) from None
        finally:
            await quit_client(client)
        return reply.message

    return asyncio.run(main())


def dry_run_folder(settings: Settings, issue: str) -> Path:
    """Where the dry run writes: .cache/private/ISSUE/send/, owner-only, never in the outbox."""
    base = settings.path(settings.cache_dir) / "private"
    folder = base / issue / "send"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for p in (base, base / issue, folder):
        p.chmod(0o700)
    return folder


def dry_run(outbox: Path, settings: Settings) -> list[Path]:
    """Write every active subscriber's message as .eml into the private dry-run folder.

    Each message is the one a relay with SMTPUTF8 would get (an IDN domain in punycode all
    the same; a non-ASCII local part in UTF-8). Each file holds an address and its
    unsubscribe token: the files go to `.cache/private/ISSUE/send/` (folders 0700, files
    0600), never into outbox/ISSUE/, which is published. Files of an earlier run are removed
    first, as is a `messages/` folder an older version left in the outbox.
    """
    with open_store(settings.path(settings.subscribers.database)) as db:
        factory = MessageFactory(outbox, settings, id_key=journal.message_id_key(db))
    folder = dry_run_folder(settings, factory.issue)
    for old in folder.glob("*.eml"):
        old.unlink()
    shutil.rmtree(outbox / "messages", ignore_errors=True)
    written = []
    with open_store(settings.path(settings.subscribers.database)) as db:
        for s in list_subscribers(db, ["active"]):
            path = folder / f"{s.id:06d}.eml"
            address = s.address_ascii or s.address_normalized
            try:
                message = factory.message(
                    Recipient(address, s.unsubscribe_token, s.name or None),
                    utf8=s.address_ascii is None,
                )
            except NewsletterError as exc:  # one unusable row does not end the dry run
                log.warning("subscriber %d: no message (%s)", s.id, exc.code)
                continue
            tmp = path.with_suffix(".tmp")
            tmp.touch(mode=0o600)
            tmp.write_bytes(message)
            tmp.replace(path)
            written.append(path)
    return written
