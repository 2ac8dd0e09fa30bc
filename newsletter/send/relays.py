"""One send run's workers: the relays, their connections, and what happens to each recipient.

`SendRun` takes the journal rows a batch assigns to each usable relay (`assign`: a row a relay
answered with 4xx goes to another one), and each worker sends them over one connection: the row
is marked `sending` in a group commit with the other connections' rows of the same moment
(`begin`), then the message goes; the reply settles that row only (sent, retried with backoff,
failed, or `unknown` when the connection was lost during DATA). A relay that fails rests for a
short pause while the others take its recipients; one that refuses the sender stops the run.
The loop that feeds the batches is deliver.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import aiosmtplib

from newsletter.core.config import RelaySettings, Settings
from newsletter.core.errors import NewsletterError
from newsletter.send import journal
from newsletter.send.compose import MessageFactory, Recipient, check_address
from newsletter.send.group_commit import GroupCommit
from newsletter.send.smtp_client import (
    RateLimit,
    envelope,
    mail_from,
    open_connection,
    quit_client,
    rcpt_to,
)
from newsletter.texts.messages import render

log = logging.getLogger(__name__)


class Relay:
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


class SendRun:
    """One send run over several relays, each over several connections."""

    def __init__(
        self,
        settings: Settings,
        factory: MessageFactory,
        conn: sqlite3.Connection,
        progress: Callable[[int, int], None] | None,
        total: int,
        build_id: str = "",
        db_path: Path | None = None,
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.db = conn
        self.progress = progress
        self.total = total
        self.done = 0
        self.sent = 0
        self.relays = [Relay(r) for r in settings.smtp.relay_list()]
        self.tried: dict[int, set[str]] = {}  # row -> relays that answered it with 4xx
        self.envelope_from = check_address(settings.sender.from_address)
        self.build_id = build_id
        # a short pause for a relay that failed: the others take its recipients meanwhile
        self.pause = min(settings.smtp.retry_seconds, 30.0)
        # `sending` and `sent` written in groups, by a thread of their own
        self.commit = GroupCommit(db_path or settings.path(settings.subscribers.database), build_id)

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

    def _other_relay(self, entry: journal.Entry, relay: Relay) -> bool:
        """Whether another relay can take this row now (fail-over instead of a wait)."""
        now = time.monotonic()
        tried = self.tried.get(entry.id, set())
        return any(r is not relay and r.usable(now) and r.name not in tried for r in self.relays)

    def _temporary(self, entry: journal.Entry, code: int | None, text: str, relay: Relay) -> None:
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

    def assign(self, batch: list[journal.Entry]) -> dict[Relay, list[journal.Entry]]:
        """Spread a batch over the usable relays by weight (smooth weighted round robin);
        a row goes to a relay that has not answered it with 4xx, if there is one."""
        now = time.monotonic()
        live = [r for r in self.relays if r.usable(now)]
        shares: dict[Relay, list[journal.Entry]] = {r: [] for r in live}
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

    async def worker(self, relay: Relay, queue: asyncio.Queue[journal.Entry | None]) -> None:
        client: aiosmtplib.SMTP | None = relay.idle.pop() if relay.idle else None
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
            if client is not None and client.is_connected:
                if relay.usable(time.monotonic()):
                    relay.idle.append(client)  # the next batch goes on with it
                else:
                    await quit_client(client)

    async def close(self) -> None:
        await self.commit.close()
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
        self, client: aiosmtplib.SMTP, entry: journal.Entry, relay: Relay
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
        self, client: aiosmtplib.SMTP, entry: journal.Entry, relay: Relay
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
        # The row is synced to disk while MAIL and RCPT go (they carry no message); DATA waits
        # for it: durable before the message leaves. Every mark of this row waits for it too.
        durable = self.commit.begin(entry.id, message_id)
        stage, failure = "mail", None
        try:
            await mail_from(client, env)
            stage = "rcpt"
            await rcpt_to(client, env)
        except (aiosmtplib.SMTPException, OSError, UnicodeError, ValueError) as exc:
            failure = exc
        except BaseException:
            await asyncio.wait([durable])
            raise
        if not await durable:  # the person left meanwhile: the message does not go
            journal.skip_inactive(db, self.factory.issue)
            self._tick()
            if client.is_connected:  # whatever MAIL and RCPT got: end that transaction
                await self._reset(client)
            return client if client.is_connected else None
        if failure is not None:
            return await self._not_taken(client, entry, relay, stage, failure)
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
        self.commit.mark_sent(journal.Sent(entry.id, response.code, response.message, message_id))
        self.tried.pop(entry.id, None)
        relay.worked()
        relay.sent += 1
        self.sent += 1
        self._tick()
        return client

    async def _not_taken(
        self,
        client: aiosmtplib.SMTP,
        entry: journal.Entry,
        relay: Relay,
        stage: str,
        exc: BaseException,
    ) -> aiosmtplib.SMTP | None:
        """MAIL or RCPT of this row (already `sending`) failed: nothing was sent."""
        db = self.db
        if isinstance(exc, aiosmtplib.SMTPResponseException):
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
        if isinstance(
            exc, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPTimeoutError | OSError
        ):
            relay.failed(self.pause, f"Verbindung verloren: {exc}")
            self._temporary(entry, None, f"Verbindung verloren vor DATA: {exc}", relay)
            client.close()
            return None
        # refused by the client library before it reached the server: nothing was sent
        await self._reset(client)
        self._fail(entry, None, f"{type(exc).__name__}: {exc}")
        return client if client.is_connected else None

    def _refused(
        self, entry: journal.Entry, exc: aiosmtplib.SMTPResponseException, relay: Relay
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
