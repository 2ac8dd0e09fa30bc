"""`newsletter send`: deliver a built issue over SMTP, journaled so that nobody gets it twice.

See journal.py for the states. A run: refuse the shipped example settings, check that the
relay answers and accepts the login (nothing is claimed before), settle which build this
issue's send run sends (send_state.py), recover rows an interrupted run left `sending` (they
become `unknown` and are listed), queue the recipients (every active subscriber, once: at the
issue's first run, later only on the editor's word), then feed the journal's due rows in
batches to the workers (relays.py), which send over `smtp.connections` connections at once
within the relay's rate limits. Temporary failures (4xx, a connection lost before DATA) are
retried with backoff; permanent ones (5xx) are recorded; a connection lost *during* DATA makes
the row `unknown`. Whatever happens with one recipient settles that row only; people who leave
during the run are skipped at once, and the run ends when nobody deliverable is left."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiosmtplib

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.files import write_atomic
from newsletter.send import journal
from newsletter.send import state as send_state
from newsletter.send.compose import MessageFactory, Recipient, check_address
from newsletter.send.guard import example_settings
from newsletter.send.relays import SendRun
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


@dataclass
class SendReport:
    """What a run did, for the summary the editor reads."""

    sent: int = 0
    queued: int = 0
    recovered_unknown: list[str] = field(default_factory=list)
    summary: journal.Summary | None = None
    seconds: float = 0.0


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
        run = SendRun(settings, factory, db, progress, todo, build, db_path)
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
                await run.commit.drain()
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
