"""`newsletter remind` and `newsletter feedback`: mail each organisation what concerns it.

- remind: every active organisation whose submission is missing or has errors, at most once a
  day (the journal's round is the day).
- feedback: every active organisation that sent something, its own check result, only when the
  result changed since the last feedback (the round is the result's hash): "angekommen, alles
  in Ordnung" once, then again only after a change.

A run checks the relay first (nothing is marked before), then, one organisation after the
other over one connection, marks the journal row `sending` (synced) before the message leaves
and `sent` after the 250 (orgmail_journal.py): a second run mails nobody twice, and after a
kill -9 the organisation in flight is listed as `unknown`, never mailed again that round. A relay
that refuses one address is recorded (the others of the organisation still get the message;
one with every address refused is `failed` and tried again next run), and the run goes on.

--dry-run writes each message as .eml into a private folder (0700) under the cache, never
into the outbox that is published, and changes nothing in the journal.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import aiosmtplib

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.files import write_atomic
from newsletter.network import journal as oj
from newsletter.network.mail import Kind, compose, message_bytes, result_hash
from newsletter.network.status import IssueStatus, Row, issue_status
from newsletter.send.deliver import RateLimit, _quit, open_connection, run_lock
from newsletter.send.journal import message_id_key
from newsletter.store import upload_links
from newsletter.store.database import open_read_only
from newsletter.store.subscribers import open_store

Result = Literal[
    "sent", "failed", "pending", "unknown", "already", "unchanged", "no_address", "unregistered",
    "written",
]  # fmt: skip


@dataclass
class Outcome:
    """What happened (or would happen) for one organisation."""

    slug: str
    name: str
    result: Result
    detail: str = ""
    lang: str = ""
    path: Path | None = None


@dataclass
class RunReport:
    """A run: every organisation's outcome, the slugs an earlier run left unknown."""

    kind: Kind
    issue: str
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    recovered_unknown: list[str] = field(default_factory=list)
    folder: Path | None = None

    def count(self, result: Result) -> int:
        return sum(o.result == result for o in self.outcomes)


@dataclass(frozen=True)
class _Target:
    row: Row
    round: str


def _wanted(kind: Kind, row: Row) -> bool:
    if kind == "remind":
        return row.state in ("missing", "error")
    return row.state != "missing"


def select(
    kind: Kind, st: IssueStatus, conn: sqlite3.Connection | None, today: dt.date
) -> tuple[list[_Target], list[Outcome]]:
    """Who gets a message this run, and why the others do not."""
    targets: list[_Target] = []
    others: list[Outcome] = []
    for row in st.rows:
        if not _wanted(kind, row):
            continue
        org = row.organisation
        name = row.name or row.slug
        if org is None:
            others.append(Outcome(row.slug, name, "unregistered"))
            continue
        if not org.active:
            continue
        if not org.emails:
            others.append(Outcome(row.slug, name, "no_address"))
            continue
        round_ = today.isoformat() if kind == "remind" else result_hash(row)
        if conn is not None:
            if kind == "remind":
                done = oj.delivered_in_round(conn, st.issue, kind, row.slug, round_)
            else:
                last = oj.last_delivered(conn, st.issue, kind, row.slug)
                done = last if last and last.round == round_ else None
            if done is not None:
                result: Result = (
                    "unknown"
                    if done.state != "sent"
                    else ("already" if kind == "remind" else "unchanged")
                )
                others.append(Outcome(row.slug, name, result, done.reply_text))
                continue
        targets.append(_Target(row, round_))
    return targets, others


def _select_read_only(
    kind: Kind, st: IssueStatus, db_path: Path, today: dt.date
) -> tuple[list[_Target], list[Outcome], bytes]:
    """`select` against the journal without writing (a dry run writes nothing to the store)."""
    conn = open_read_only(db_path)
    try:
        targets, outcomes = select(kind, st, conn, today)
        key = message_id_key(conn) if conn is not None else secrets.token_bytes(32)
    except sqlite3.Error:  # a store from before the register: nothing journaled yet
        targets, outcomes = select(kind, st, None, today)
        key = secrets.token_bytes(32)
    finally:
        if conn is not None:
            conn.close()
    return targets, outcomes, key


def _peek_links(
    settings: Settings, db_path: Path, issue: str, targets: list[_Target]
) -> dict[str, str]:
    """The links a dry run shows: each organisation's current one, or the one the real run
    will make (a dry run stores nothing, so such a link opens only after the real run)."""
    conn = open_read_only(db_path)
    out = {}
    for target in targets:
        slug = target.row.slug
        try:
            token = upload_links.peek(conn, settings, slug, issue) if conn else None
        except sqlite3.Error:  # a store from before upload links
            token = None
        token = token or upload_links.derive(upload_links.key(settings), issue, slug, 0)
        out[slug] = upload_links.url(settings, token)
    if conn is not None:
        conn.close()
    return out


def private_folder(settings: Settings, issue: str, kind: Kind) -> Path:
    """Where a dry run writes: under the cache, owner-only, never in the published outbox."""
    base = settings.path(settings.cache_dir) / "private"
    folder = base / issue / kind
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for p in (base, base / issue, folder):
        p.chmod(0o700)
    return folder


def run(
    kind: Kind,
    issue_arg: str,
    settings: Settings,
    *,
    dry_run: bool = False,
    count_only: bool = False,
    now: dt.datetime | None = None,
) -> RunReport:
    """Remind or give feedback: send (journaled), or with `dry_run` write .eml files.

    `count_only`: who would get a message (as `pending` outcomes); nothing written anywhere.
    """
    tz = ZoneInfo(settings.timezone)
    now = now or dt.datetime.now(tz)
    st = issue_status(issue_arg, settings, now=now)
    issue = st.report.intake.issue
    db_path = settings.path(settings.subscribers.database)
    report = RunReport(kind, st.issue, dry_run)
    links: dict[str, str] = {}  # slug -> the organisation's upload page (reminders only)

    def mail_of(target: _Target, key: bytes) -> tuple[bytes, str, str]:
        org = target.row.organisation
        assert org is not None
        mail = compose(
            kind,
            org,
            target.row,
            issue=st.issue,
            title=issue.title,
            deadline=st.deadline,
            settings=settings,
            upload_link=links.get(target.row.slug),
        )
        data, message_id = message_bytes(
            mail, settings, issue=st.issue, round_=target.round, id_key=key
        )
        return data, message_id, "+".join(dict.fromkeys(p.lang for p in mail.paras))

    today = now.astimezone(tz).date()
    if dry_run or count_only:
        targets, report.outcomes, key = _select_read_only(kind, st, db_path, today)
        if kind == "remind" and not count_only:
            links.update(_peek_links(settings, db_path, st.issue, targets))
        if count_only:
            report.outcomes += [
                Outcome(x.row.slug, x.row.name or x.row.slug, "pending") for x in targets
            ]
            return report
        folder = report.folder = private_folder(settings, st.issue, kind)
        for old in folder.glob("*.eml"):
            old.unlink()
        for target in targets:
            data, _, lang = mail_of(target, key)
            path = folder / f"{target.row.slug}.eml"
            write_atomic(path, data)
            name = target.row.name or target.row.slug
            report.outcomes.append(Outcome(target.row.slug, name, "written", lang=lang, path=path))
        report.outcomes.sort(key=lambda o: o.slug)
        return report

    if not settings.smtp.host.strip():
        raise NewsletterError("SMTP_NOT_CONFIGURED")
    with run_lock(db_path), open_store(db_path) as conn:
        report.recovered_unknown = oj.recover(conn, st.issue, kind)
        targets, report.outcomes = select(kind, st, conn, today)
        key = message_id_key(conn)
        if kind == "remind":  # made now if the organisation has none; the same link each time
            for target in targets:
                made = upload_links.link(conn, settings, target.row.slug, st.issue)
                links[target.row.slug] = upload_links.url(settings, made.token)
        if targets:
            asyncio.run(_send(kind, st.issue, targets, conn, settings, report, mail_of, key))
    report.outcomes.sort(key=lambda o: o.slug)
    return report


async def _send(
    kind: Kind,
    issue: str,
    targets: list[_Target],
    conn: sqlite3.Connection,
    settings: Settings,
    report: RunReport,
    make: Callable[[_Target, bytes], tuple[bytes, str, str]],
    key: bytes,
) -> None:
    """One connection, one organisation after the other; the relay is checked first."""
    client: aiosmtplib.SMTP | None = await open_connection(settings)  # before anything is marked
    sender = settings.sender.from_address
    rate = RateLimit(settings.smtp.per_minute, settings.smtp.per_hour)  # the relay's limits
    try:
        for target in targets:
            org = target.row.organisation
            assert org is not None
            name = target.row.name or target.row.slug
            data, message_id, lang = make(target, key)
            entry = oj.claim(conn, issue, kind, org.slug, target.round, ", ".join(org.emails))
            if client is None or not client.is_connected:
                try:
                    client = await open_connection(settings)
                except NewsletterError as exc:
                    oj.finish(conn, entry, "pending", None, exc.code)
                    report.outcomes.append(Outcome(org.slug, name, "pending", exc.code, lang))
                    client = None
                    continue
            await rate.acquire()
            oj.begin(conn, entry, message_id)  # durable before anything leaves
            outcome, client = await _one(client, conn, entry, sender, org.emails, data)
            outcome.slug, outcome.name, outcome.lang = org.slug, name, lang
            report.outcomes.append(outcome)
            if outcome.result == "pending" and outcome.detail.startswith("MAIL"):
                raise NewsletterError(
                    "SMTP_SENDER_REFUSED",
                    None,
                    {"sender": sender, "code": "", "detail": outcome.detail},
                )
    finally:
        if client is not None and client.is_connected:
            await _quit(client)


def _lost(
    client: aiosmtplib.SMTP,
    conn: sqlite3.Connection,
    entry: int,
    result: Literal["pending", "unknown"],
    exc: BaseException,
) -> tuple[Outcome, None]:
    """The line broke: before DATA the message is still "pending", during it "unknown"."""
    text = (
        "Verbindung verloren vor DATA"
        if result == "pending"
        else "Verbindung während DATA verloren"
    )
    oj.finish(conn, entry, result, None, f"{text}: {exc}")
    client.close()
    return Outcome("", "", result, str(exc)), None


async def _one(
    client: aiosmtplib.SMTP,
    conn: sqlite3.Connection,
    entry: int,
    sender: str,
    recipients: tuple[str, ...],
    data: bytes,
) -> tuple[Outcome, aiosmtplib.SMTP | None]:
    """Send one message to an organisation's addresses; the journal row gets the outcome."""
    refused: list[str] = []
    try:
        await client.mail(sender)
    except aiosmtplib.SMTPResponseException as exc:
        oj.finish(conn, entry, "pending", exc.code, exc.message)
        return Outcome("", "", "pending", f"MAIL {exc.code} {exc.message}"), client
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
        return _lost(client, conn, entry, "pending", exc)
    try:
        accepted = []
        for address in recipients:
            try:
                await client.rcpt(address)
                accepted.append(address)
            except aiosmtplib.SMTPResponseException as exc:
                refused.append(f"{address}: {exc.code} {exc.message}")
        if not accepted:
            await client.rset()
            text = "; ".join(refused)
            oj.finish(conn, entry, "failed", None, text)
            return Outcome("", "", "failed", text), client
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
        return _lost(client, conn, entry, "pending", exc)
    try:
        response = await client.data(data)
    except aiosmtplib.SMTPResponseException as exc:
        oj.finish(conn, entry, "failed", exc.code, exc.message)
        return Outcome("", "", "failed", f"{exc.code} {exc.message}"), client
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
        return _lost(client, conn, entry, "unknown", exc)  # the server may have taken it
    text = "; ".join(refused)
    oj.finish(conn, entry, "sent", response.code, text or response.message)
    return Outcome("", "", "sent", text), client
