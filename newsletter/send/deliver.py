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

from newsletter.core.config import RelaySettings, Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.files import write_atomic
from newsletter.send import journal
from newsletter.send import state as send_state
from newsletter.send.compose import MessageFactory, Recipient, check_address
from newsletter.send.guard import example_settings
from newsletter.send.smtp_client import RateLimit as RateLimit  # re-exported (older imports)
from newsletter.send.smtp_client import envelope, quit_client
from newsletter.send.smtp_client import open_connection as open_connection
from newsletter.send.state import Choice
from newsletter.store.subscribers import list_subscribers, open_store
from newsletter.texts.messages import render

log = logging.getLogger(__name__)
_quit = quit_client  # the name remind.py imports

BATCH = 50  # rows taken from the journal at a time (each is marked `sending` on its own)
POLL_SECONDS = 5.0  # while waiting for a retry: how often to look who has left meanwhile
GROUP_COMMIT_SECONDS = 0.005  # longest a row about to leave waits for others to sync with it


@dataclass
class SendReport:
    """What a run did, for the summary the editor reads."""

    sent: int = 0
    queued: int = 0
    recovered_unknown: list[str] = field(default_factory=list)
    summary: journal.Summary | None = None
    seconds: float = 0.0


class _Relay:
    """One relay of a run: its settings, rate limit, idle connections and health."""

    def __init__(self, conf: RelaySettings) -> None:
        self.conf = conf
        self.name = conf.label
        self.rate = RateLimit(conf.per_minute, conf.per_hour)
        self.idle: list[aiosmtplib.SMTP] = []
        self.down_until = 0.0  # monotonic: not used before then (it failed)
        self.failures = 0  # in a row; the pause doubles with each
        self.refused_sender: tuple[int, str] | None = None  # out for the whole run
        self.credit = 0  # smooth weighted round robin
        self.sent = 0

    def usable(self, now: float) -> bool:
        return self.refused_sender is None and self.down_until <= now

    def failed(self, pause: float, why: str) -> None:
        """A connection error or a 4xx about the relay itself: rest it, the others carry on."""
        self.failures += 1
        wait = min(pause * 2 ** (self.failures - 1), 600.0)
        if self.down_until <= time.monotonic():
            log.warning("relay %s: %s; not used for %.0f s", self.name, why, wait)
        self.down_until = time.monotonic() + wait
        for client in self.idle:
            client.close()
        self.idle.clear()

    def worked(self) -> None:
        self.failures = 0


class _Run:
    """One send run over several relays, each over several connections."""

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
        self.relays = [_Relay(r) for r in settings.smtp.relay_list()]
        self.tried: dict[int, set[str]] = {}  # row -> relays that answered it with 4xx
        self.envelope_from = check_address(settings.sender.from_address)
        self.build_id = build_id
        # a short pause for a relay that failed: the others take its recipients meanwhile
        self.pause = min(settings.smtp.retry_seconds, 30.0)
        self.begins: list[tuple[int, str, asyncio.Future[bool]]] = []
        self.flush: asyncio.Handle | None = None
        self.workers = 0  # running workers: when all of them wait to begin, sync at once

    async def begin(self, entry: journal.Entry, message_id: str) -> bool:
        """journal.begin, in a group commit with the other connections' rows of this moment.

        The connections that are ready to send in the same turn of the event loop have their
        rows synced to disk together, once; each row is still durable before its message goes.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self.begins.append((entry.id, message_id, future))
        if len(self.begins) >= self.workers:  # nobody else could join: sync now
            if self.flush is not None:
                self.flush.cancel()
            self.flush = loop.call_soon(self._flush_begins)
        elif self.flush is None:
            self.flush = loop.call_later(GROUP_COMMIT_SECONDS, self._flush_begins)
        return await future

    def _flush_begins(self) -> None:
        self.flush = None
        batch, self.begins = self.begins, []
        if not batch:
            return
        try:
            done = journal.begin_many(self.db, [(i, m) for i, m, _ in batch], self.build_id)
        except Exception as exc:  # each waiting worker gets the error, as with begin()
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, _, future), ok in zip(batch, done, strict=True):
            if not future.done():
                future.set_result(ok)

    @property
    def stopped(self) -> tuple[int, str] | None:
        """Every relay refused the sender: the run stops (the first refusal is reported)."""
        refusals = [r.refused_sender for r in self.relays]
        if all(refusals):
            return refusals[0]
        return None

    def _tick(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)

    def _retry_at(self, attempts: int) -> dt.datetime:
        wait = self.settings.smtp.retry_seconds * 2 ** max(0, attempts - 1)
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)

    def _other_relay(self, entry: journal.Entry, relay: _Relay) -> bool:
        """Whether another relay can take this row now (fail-over instead of a wait)."""
        now = time.monotonic()
        tried = self.tried.get(entry.id, set())
        return any(r is not relay and r.usable(now) and r.name not in tried for r in self.relays)

    def _temporary(self, entry: journal.Entry, code: int | None, text: str, relay: _Relay) -> None:
        db = self.db
        if entry.attempts >= self.settings.smtp.max_attempts:
            journal.mark_failed(db, entry.id, code, f"nach {entry.attempts} Versuchen: {text}")
            self.tried.pop(entry.id, None)
            self._tick()
        elif self._other_relay(entry, relay):
            journal.mark_retry(db, entry.id, code, text, dt.datetime.now(dt.UTC))
        else:
            self.tried.pop(entry.id, None)
            journal.mark_retry(db, entry.id, code, text, self._retry_at(entry.attempts))

    def assign(self, batch: list[journal.Entry]) -> dict[_Relay, list[journal.Entry]]:
        """Spread a batch over the usable relays by weight (smooth weighted round robin);
        a row goes to a relay that has not answered it with 4xx, if there is one."""
        now = time.monotonic()
        live = [r for r in self.relays if r.usable(now)]
        shares: dict[_Relay, list[journal.Entry]] = {r: [] for r in live}
        total = sum(r.conf.weight for r in live)
        for entry in batch:
            tried = self.tried.get(entry.id, set())
            choice = [r for r in live if r.name not in tried] or live
            for r in choice:
                r.credit += r.conf.weight
            best = max(choice, key=lambda r: r.credit)
            best.credit -= sum(r.conf.weight for r in choice) if len(choice) < len(live) else total
            shares[best].append(entry)
        return shares

    async def worker(self, relay: _Relay, queue: asyncio.Queue[journal.Entry | None]) -> None:
        client: aiosmtplib.SMTP | None = relay.idle.pop() if relay.idle else None
        self.workers += 1
        try:
            while (entry := await queue.get()) is not None:
                if not relay.usable(time.monotonic()):
                    # the relay failed meanwhile: the row goes back untouched (no attempt was
                    # made) and the next batch gives it to another relay
                    journal.mark_retry(
                        self.db, entry.id, None, "Relay nicht erreichbar", dt.datetime.now(dt.UTC)
                    )
                    continue
                await relay.rate.acquire()
                if client is None or not client.is_connected:
                    try:
                        client = await open_connection(self.settings, relay.conf)
                    except NewsletterError as exc:
                        relay.failed(self.pause, exc.code)
                        journal.mark_retry(
                            self.db, entry.id, None, exc.code, dt.datetime.now(dt.UTC)
                        )
                        client = None
                        continue
                client = await self._send_one(client, entry, relay)
        finally:
            self.workers -= 1
            if self.begins and len(self.begins) >= self.workers and self.flush is not None:
                self.flush.cancel()  # the others wait for a worker that has ended
                self.flush = asyncio.get_running_loop().call_soon(self._flush_begins)
            if client is not None and client.is_connected:
                if relay.usable(time.monotonic()):
                    relay.idle.append(client)  # the next batch goes on with it
                else:
                    await quit_client(client)

    async def close(self) -> None:
        for relay in self.relays:
            for client in relay.idle:
                if client.is_connected:
                    await quit_client(client)
            relay.idle.clear()

    def _fail(self, entry: journal.Entry, code: int | None, text: str) -> None:
        journal.mark_failed(self.db, entry.id, code, text)
        self.tried.pop(entry.id, None)
        self._tick()

    async def _send_one(
        self, client: aiosmtplib.SMTP, entry: journal.Entry, relay: _Relay
    ) -> aiosmtplib.SMTP | None:
        """One recipient, whatever happens: this row is settled, no other row is touched."""
        try:
            return await self._try_one(client, entry, relay)
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
        self, client: aiosmtplib.SMTP, entry: journal.Entry, relay: _Relay
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
            relay.failed(self.pause, f"EHLO: {exc}")
            journal.mark_retry(db, entry.id, None, f"{relay.name}: {exc}", dt.datetime.now(dt.UTC))
            client.close()
            return None
        message_id = self.factory.message_id(entry.address)
        if not await self.begin(entry, message_id):  # durable before sending
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
                # This relay refuses our sender: a problem of the relay, not of this recipient.
                # Nothing was sent; the row goes back to pending, the relay is out of the run.
                journal.mark_retry(db, entry.id, exc.code, exc.message, dt.datetime.now(dt.UTC))
                relay.refused_sender = (exc.code, exc.message)
                log.warning("relay %s refuses the sender: %s %s", relay.name, exc.code, exc.message)
            elif stage == "mail" and 400 <= exc.code < 500:
                relay.failed(self.pause, f"{exc.code} {exc.message}")  # busy, rate limit
                self.tried.setdefault(entry.id, set()).add(relay.name)
                self._temporary(entry, exc.code, f"{relay.name}: {exc.message}", relay)
            else:
                self._refused(entry, exc, relay)
            return client if client.is_connected else None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            relay.failed(self.pause, f"Verbindung verloren: {exc}")
            self._temporary(entry, None, f"Verbindung verloren vor DATA: {exc}", relay)
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
            self._refused(entry, exc, relay)
            return client if client.is_connected else None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            # The server had (part of) the message when the line broke: it may have taken it.
            relay.failed(self.pause, f"Verbindung während DATA verloren: {exc}")
            journal.mark_unknown(db, entry.id, f"Verbindung während DATA verloren: {exc}")
            self.tried.pop(entry.id, None)
            self._tick()
            client.close()
            return None
        journal.mark_sent(db, entry.id, response.code, response.message, message_id)
        self.tried.pop(entry.id, None)
        relay.worked()
        relay.sent += 1
        self.sent += 1
        self._tick()
        return client

    def _refused(
        self, entry: journal.Entry, exc: aiosmtplib.SMTPResponseException, relay: _Relay
    ) -> None:
        """A reply about this recipient: 4xx is tried again (on another relay if there is
        one), 5xx is final."""
        if 400 <= exc.code < 500:
            self.tried.setdefault(entry.id, set()).add(relay.name)
            self._temporary(entry, exc.code, exc.message, relay)
        else:
            journal.mark_failed(self.db, entry.id, exc.code, exc.message)
            self.tried.pop(entry.id, None)
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
        next_skip = 0.0
        try:
            while True:
                if run.stopped:
                    code, text = run.stopped
                    raise NewsletterError(
                        "SMTP_SENDER_REFUSED",
                        None,
                        {
                            "sender": run.envelope_from,
                            "code": code,
                            "detail": text,
                            "sent": run.sent,
                        },
                    )
                # people who left since the last look are closed, not waited for (a scan of
                # every open row: every few seconds, not every batch; `due` and `begin` pass
                # over them meanwhile)
                now = time.monotonic()
                if now >= next_skip:
                    journal.skip_inactive(db, issue)
                    next_skip = now + POLL_SECONDS
                live = [r for r in run.relays if r.usable(now)]
                if not live:  # every relay rests: wait for the first to be back
                    back = min(r.down_until for r in run.relays if r.refused_sender is None)
                    if back > deadline or journal.next_due(db, issue) is None:
                        break  # what is left stays pending: the next `send` picks it up
                    await asyncio.sleep(min(max(0.05, back - now), POLL_SECONDS))
                    continue
                size = BATCH * sum(r.conf.connections for r in live)
                batch = journal.due(db, issue, size, dt.datetime.now(dt.UTC))
                if not batch:
                    due = journal.next_due(db, issue)
                    if due is None:
                        break  # nothing deliverable is left
                    wait = (due - dt.datetime.now(dt.UTC)).total_seconds()
                    if time.monotonic() + max(0.0, wait) > deadline:
                        break  # what is left stays pending: the next `send` picks it up
                    await asyncio.sleep(min(max(0.05, wait), POLL_SECONDS))
                    continue
                workers = []
                for relay, entries in run.assign(batch).items():
                    queue: asyncio.Queue[journal.Entry | None] = asyncio.Queue()
                    for entry in entries:
                        queue.put_nowait(entry)
                    n = min(relay.conf.connections, len(entries))
                    for _ in range(n):
                        queue.put_nowait(None)
                    workers += [asyncio.create_task(run.worker(relay, queue)) for _ in range(n)]
                await asyncio.gather(*workers)
            journal.skip_inactive(db, issue)
        finally:
            await run.close()
            for relay in run.relays:
                if len(run.relays) > 1:
                    log.info("relay %s: %d sent", relay.name, relay.sent)
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
        """Some relay answers and takes the login (else nothing is claimed); one that does
        not is rested by the run, which tries it again later."""
        problems: list[NewsletterError] = []
        for relay in settings.smtp.relay_list():
            try:
                client = await open_connection(settings, relay)
            except NewsletterError as exc:
                log.warning("relay %s: %s", relay.label, render(exc.code, "de", exc.params))
                problems.append(exc)
                continue
            await quit_client(client)
        if len(problems) == len(settings.smtp.relay_list()):
            raise problems[0]

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
            write_atomic(path, message)
            written.append(path)
    return written
