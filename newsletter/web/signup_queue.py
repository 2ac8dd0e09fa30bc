"""The confirmation mails of the sign-up service, sent by one background thread.

A request never waits for the mail relay: it stores the confirmation row (which is what the
limits count) and hands the mail to this queue. So every sign-up answer takes the same path and
about the same time, whether the address is new, pending or already subscribed (a request that
waited for SMTP only for new addresses told anyone with a stopwatch who is subscribed), and a
slow relay holds no worker thread.

The queue is in memory, like the per-IP limit: the token travels only in the mail, the store
keeps its hash (a stolen database file confirms nobody), so there is nothing on disk to resend
from. A mail still queued when the process stops is sent before it ends (`close` drains the
queue, within a bound); after a crash the visitor simply signs up again, as the page says.

When the relay refuses or cannot be reached, the confirmation row is withdrawn (it must not
count against the address's limit) and the failure is logged with its code, never with the
address: logs travel further than the store.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from newsletter.core.config import ServeSettings, Settings
from newsletter.core.errors import NewsletterError
from newsletter.store import subscribers as store
from newsletter.web import signup, signup_mail

log = logging.getLogger(__name__)

SendFunction = Callable[[Settings, Any], None]


@dataclass(frozen=True, slots=True)
class Job:
    """One confirmation mail to send."""

    outcome: signup.Outcome
    purpose: signup.Purpose
    language: str


def scrub(text: str, *addresses: str) -> str:
    """`text` (a relay's answer, say) with the addresses and their local parts blotted out."""
    secrets = set()
    for address in addresses:
        if address:
            secrets |= {address, address.rpartition("@")[0]}
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 2:
            text = re.sub(re.escape(secret), "‹Adresse›", text, flags=re.IGNORECASE)
    return text


class ConfirmationQueue:
    """Sends confirmation mails one after another from a daemon thread started on first use."""

    def __init__(
        self,
        settings: Settings,
        serve: ServeSettings,
        db_path: Path,
        send: SendFunction = signup_mail.send_message,
        *,
        maxsize: int = 1000,
    ) -> None:
        self.settings, self.serve, self.db_path, self.send = settings, serve, db_path, send
        self.jobs: queue.Queue[Job | None] = queue.Queue(maxsize)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, job: Job) -> None:
        """Queue a mail (returns at once); a full queue withdraws the confirmation instead."""
        with self._lock:
            if self._closed:
                self._failed(job, "QUEUE_CLOSED", "")
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="confirmation-mails", daemon=True
                )
                self._thread.start()
                atexit.register(self.close, 10.0)  # under any WSGI server: drain at exit
        try:
            self.jobs.put_nowait(job)
        except queue.Full:
            self._failed(job, "QUEUE_FULL", "")

    def join(self) -> None:
        """Wait until every queued mail has been handled (for tests and `close`)."""
        self.jobs.join()

    def close(self, timeout: float = 30.0) -> None:
        """Send what is queued (for at most `timeout` seconds), then stop the thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is None:
            return
        with contextlib.suppress(queue.Full):  # None goes after the mails queued before it
            self.jobs.put(None, timeout=timeout)
        thread.join(timeout)
        if thread.is_alive():
            log.warning("confirmation mails: %d still queued at shutdown", self.jobs.qsize())

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                self._deliver(job)
            except Exception as exc:  # the thread must survive anything one mail does
                log.error("confirmation mail not sent: unexpected %s", type(exc).__name__)
            finally:
                self.jobs.task_done()

    def _deliver(self, job: Job) -> None:
        message: EmailMessage = signup_mail.confirmation_message(
            self.settings,
            self.serve,
            job.outcome,
            purpose=job.purpose,
            language=job.language,
        )
        try:
            self.send(self.settings, message)
        except NewsletterError as exc:
            detail = " ".join(
                str(exc.params[k]) for k in ("code", "detail") if exc.params.get(k) is not None
            )
            to = str(message["To"])
            self._failed(job, exc.code, scrub(detail, job.outcome.address, to))

    def _failed(self, job: Job, code: str, detail: str) -> None:
        """Log without the address and withdraw the confirmation (it was never sent)."""
        assert job.outcome.confirmation_id is not None
        log.error(
            "confirmation mail (%s) not sent: %s %s; confirmation %d withdrawn",
            job.purpose,
            code,
            detail,
            job.outcome.confirmation_id,
        )
        with store.open_store(self.db_path) as conn:
            signup.withdraw(conn, job.outcome.confirmation_id)
