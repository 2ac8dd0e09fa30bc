"""`newsletter send`: deliver a built issue over SMTP, journaled so that nobody gets it twice.

See journal.py for the states. A run: recover rows an interrupted run left `sending` (they
become `unknown` and are listed), queue every active subscriber not yet in the journal, check
that the relay answers and accepts the login (nothing is claimed before), then send over
`smtp.connections` connections at once within the relay's rate limits. Temporary failures
(4xx, a connection lost before DATA) are retried with backoff; permanent ones (5xx) are
recorded; a connection lost *during* DATA makes the row `unknown`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import fcntl
import logging
import sqlite3
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiosmtplib

from newsletter import journal
from newsletter.compose import MessageFactory, Recipient, check_address
from newsletter.config import Settings
from newsletter.errors import NewsletterError
from newsletter.net import is_loopback
from newsletter.subscribers import list_subscribers, open_store

log = logging.getLogger(__name__)

BATCH = 50  # rows taken from the journal at a time (each is marked `sending` on its own)


@dataclass
class SendReport:
    """What a run did, for the summary the editor reads."""

    sent: int = 0
    queued: int = 0
    recovered_unknown: list[str] = field(default_factory=list)
    summary: journal.Summary | None = None
    seconds: float = 0.0


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Certificate verification always on; a private CA can be added, never verification off."""
    context = ssl.create_default_context()
    if settings.smtp.ca_file:
        context.load_verify_locations(cafile=str(settings.path(settings.smtp.ca_file)))
    return context


# What the network or TLS layer says (in English, in its terms) -> what the editor can check.
_NETWORK_DETAILS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("certificate verify failed", "certificate", "hostname mismatch"),
        "das Zertifikat des Servers ist nicht vertrauenswürdig oder gehört zu einem anderen Namen",
        "the server's certificate is not trusted or belongs to another name",
    ),
    (
        ("wrong version number", "unknown protocol", "record layer failure"),
        "auf diesem Port spricht der Server nicht verschlüsselt (TLS) – vielleicht passt "
        "security „starttls“ oder ein anderer Port",
        "the server does not speak TLS on this port – perhaps security 'starttls' or another "
        "port fits",
    ),
    (
        ("starttls extension not supported",),
        "der Server bietet keine Verschlüsselung (STARTTLS) an",
        "the server offers no encryption (STARTTLS)",
    ),
    (
        ("connect call failed", "connection refused", "errno 111"),
        "der Server nimmt keine Verbindung an – läuft er, und stimmt der Port?",
        "the server accepts no connection – is it running, and is the port right?",
    ),
    (
        ("name or service not known", "nodename nor servname", "name resolution", "errno -2"),
        "den Servernamen gibt es nicht, oder es besteht keine Internetverbindung",
        "the server name cannot be found, or there is no internet connection",
    ),
    (
        ("timed out", "timeout"),
        "der Server antwortet nicht (Zeitüberschreitung)",
        "the server does not answer (timeout)",
    ),
    (
        ("network is unreachable", "no route to host", "errno 101", "errno 113"),
        "das Netz ist nicht erreichbar – besteht eine Internetverbindung?",
        "the network cannot be reached – is there an internet connection?",
    ),
    (
        ("connection lost", "connection reset", "broken pipe", "disconnected"),
        "die Verbindung wurde unterbrochen",
        "the connection was interrupted",
    ),
)


def network_detail(exc: BaseException) -> dict[str, str]:
    """`detail` (German) and `detail_en` for a connection or TLS failure, without jargon."""
    raw = " ".join(str(e) for e in (exc, exc.__cause__, exc.__context__) if e is not None)
    low = raw.lower()
    if isinstance(exc, asyncio.TimeoutError | aiosmtplib.SMTPTimeoutError):
        low += " timed out"
    for needles, de, en in _NETWORK_DETAILS:
        if any(n in low for n in needles):
            return {"detail": de, "detail_en": en}
    return {"detail": f"technische Meldung: {raw}", "detail_en": raw}


def make_client(settings: Settings) -> aiosmtplib.SMTP:
    """An SMTP client as configured: STARTTLS required, implicit TLS, or plain on loopback."""
    smtp = settings.smtp
    if smtp.security == "none" and not is_loopback(smtp.host):
        raise NewsletterError("SMTP_PLAINTEXT_REFUSED", None, {"host": smtp.host})
    return aiosmtplib.SMTP(
        hostname=smtp.host,
        port=smtp.port,
        timeout=smtp.timeout,
        use_tls=smtp.security == "tls",
        start_tls=smtp.security == "starttls",  # True: STARTTLS required; False: never
        tls_context=tls_context(settings) if smtp.security != "none" else None,
    )


async def open_connection(settings: Settings) -> aiosmtplib.SMTP:
    """Connect and log in; NewsletterError with a clear code for each way this fails."""
    smtp = settings.smtp
    client = make_client(settings)
    params = {"host": smtp.host, "port": smtp.port}
    try:
        await client.connect()
    except aiosmtplib.SMTPConnectError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ssl.SSLError) or "certificate" in str(exc).lower():
            detail = network_detail(exc)
            raise NewsletterError("SMTP_TLS_FAILED", None, {**params, **detail}) from None
        raise NewsletterError("SMTP_UNREACHABLE", None, {**params, **network_detail(exc)}) from None
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
        code = (
            "SMTP_TLS_FAILED"
            if isinstance(exc, ssl.SSLError) or "TLS" in str(exc)
            else "SMTP_UNREACHABLE"
        )
        raise NewsletterError(code, None, {**params, **network_detail(exc)}) from None
    if smtp.username:
        try:
            await client.login(smtp.username, smtp.password.get_secret_value())
        except aiosmtplib.SMTPAuthenticationError as exc:
            await _quit(client)
            raise NewsletterError(
                "SMTP_AUTH_FAILED", None, {**params, "user": smtp.username, "detail": exc.message}
            ) from None
        except aiosmtplib.SMTPException as exc:
            await _quit(client)
            raise NewsletterError(
                "SMTP_AUTH_FAILED", None, {**params, "user": smtp.username, **network_detail(exc)}
            ) from None
    return client


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()


class RateLimit:
    """At most `per_minute` / `per_hour` sends in any sliding window (0: unlimited)."""

    def __init__(
        self, per_minute: int, per_hour: int, *, minute: float = 60.0, hour: float = 3600.0
    ) -> None:
        self.windows = [(w, n) for w, n in ((minute, per_minute), (hour, per_hour)) if n]
        self.sent: collections.deque[float] = collections.deque()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until one more send fits every window."""
        async with self.lock:
            while True:
                now = time.monotonic()
                longest = max((w for w, _ in self.windows), default=0.0)
                while self.sent and self.sent[0] <= now - longest:
                    self.sent.popleft()
                wait = 0.0
                for window, limit in self.windows:
                    recent = [t for t in self.sent if t > now - window]
                    if len(recent) >= limit:
                        wait = max(wait, recent[-limit] + window - now)
                if wait <= 0:
                    self.sent.append(now)
                    return
                await asyncio.sleep(wait)


class _Run:
    """One send run over several connections."""

    def __init__(
        self,
        settings: Settings,
        factory: MessageFactory,
        conn: sqlite3.Connection,
        progress: Callable[[int, int], None] | None,
        total: int,
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
        db = self.db
        client: aiosmtplib.SMTP | None = None
        try:
            while (entry := await self.queue.get()) is not None:
                if self.stopped:
                    continue  # drain the queue: the rows stay pending
                try:
                    message = self.factory.message(
                        Recipient(entry.address, entry.token, entry.name or None)
                    )
                except NewsletterError as exc:  # an address that cannot be mailed safely
                    journal.mark_failed(db, entry.id, None, exc.code)
                    self._tick()
                    continue
                await self.rate.acquire()
                if client is None or not client.is_connected:
                    try:
                        client = await open_connection(self.settings)
                    except NewsletterError as exc:
                        journal.mark_retry(
                            db, entry.id, None, exc.code, self._retry_at(entry.attempts)
                        )
                        client = None
                        continue
                client = await self._send_one(client, entry, message)
        finally:
            if client is not None and client.is_connected:
                await _quit(client)

    async def _send_one(
        self, client: aiosmtplib.SMTP, entry: journal.Entry, message: bytes
    ) -> aiosmtplib.SMTP | None:
        db = self.db
        message_id = self.factory.message_id(entry.address)
        options: list[str] = []
        if not entry.address.isascii():  # an internationalised local part needs SMTPUTF8
            if not client.supports_extension("smtputf8"):
                journal.mark_failed(
                    db,
                    entry.id,
                    None,
                    "Der Server unterstützt kein SMTPUTF8 (Adresse mit Sonderzeichen)",
                )
                self._tick()
                return client
            options.append("SMTPUTF8")
        journal.begin(db, entry.id, message_id)  # durable before anything leaves
        stage = "mail"
        try:
            await client.mail(self.envelope_from, options=options)
            stage = "rcpt"
            await client.rcpt(entry.address)
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
    issue: str,
    progress: Callable[[int, int], None] | None,
) -> int:
    with open_store(db_path) as db:
        todo = journal.summary(db, issue).counts["pending"]
        run = _Run(settings, factory, db, progress, todo)
        deadline = time.monotonic() + settings.smtp.retry_window
        while True:
            batch = journal.due(
                db, issue, BATCH * settings.smtp.connections, dt.datetime.now(dt.UTC)
            )
            if not batch:
                due = journal.next_due(db, issue)
                if due is None:
                    break
                wait = (due - dt.datetime.now(dt.UTC)).total_seconds()
                if time.monotonic() + max(0.0, wait) > deadline:
                    break  # what is left stays pending: the next `send` picks it up
                await asyncio.sleep(max(0.05, wait))
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


def send_issue(
    outbox: Path,
    settings: Settings,
    *,
    progress: Callable[[int, int], None] | None = None,
    resend_unknown: bool = False,
) -> SendReport:
    """Send the built issue in `outbox` to every active subscriber not yet served."""
    started = time.perf_counter()
    db_path = settings.path(settings.subscribers.database)
    with open_store(db_path) as db:
        key = journal.message_id_key(db)
    factory = MessageFactory(outbox, settings, id_key=key)
    issue = factory.issue
    report = SendReport()

    async def main() -> int:
        client = await open_connection(settings)  # the relay answers and takes the login
        await _quit(client)
        return await _deliver(settings, factory, db_path, issue, progress)

    with run_lock(db_path):
        with open_store(db_path) as db:
            report.recovered_unknown = journal.recover(db, issue)
            if resend_unknown:
                journal.release_unknown(db, issue)
            report.queued = journal.enqueue(db, issue, list_subscribers(db, ["active"]))
            journal.drop_inactive(db, issue)
        report.sent = asyncio.run(main())
        with open_store(db_path) as db:
            report.summary = journal.summary(db, issue)
    report.seconds = time.perf_counter() - started
    return report


def send_test(outbox: Path, address: str, settings: Settings) -> str:
    """One copy to `address` (not journaled); returns the server's reply."""
    factory = MessageFactory(outbox, settings)
    addr = check_address(address)
    message = factory.message(Recipient(addr, "test-" + "0" * 16, None))

    async def main() -> str:
        client = await open_connection(settings)
        try:
            _, reply = await client.sendmail(
                check_address(settings.sender.from_address), [addr], message
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise NewsletterError(
                "SMTP_REFUSED", None, {"code": exc.code, "detail": exc.message}
            ) from None
        finally:
            await _quit(client)
        return reply

    return asyncio.run(main())


def dry_run(outbox: Path, settings: Settings) -> list[Path]:
    """Write every active subscriber's message as .eml into outbox/messages/; send nothing."""
    with open_store(settings.path(settings.subscribers.database)) as db:
        factory = MessageFactory(outbox, settings, id_key=journal.message_id_key(db))
    folder = outbox / "messages"
    # Each file holds an address and its unsubscribe token: private, and never published with
    # the rest of the outbox (README). Files of an earlier run are removed first.
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)
    for old in folder.glob("*.eml"):
        old.unlink()
    written = []
    with open_store(settings.path(settings.subscribers.database)) as db:
        for s in list_subscribers(db, ["active"]):
            path = folder / f"{s.id:06d}.eml"
            tmp = path.with_suffix(".tmp")
            tmp.touch(mode=0o600)
            tmp.write_bytes(
                factory.message(
                    Recipient(s.address_normalized, s.unsubscribe_token, s.name or None)
                )
            )
            tmp.replace(path)
            written.append(path)
    return written
