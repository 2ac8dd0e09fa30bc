"""The SMTP side of sending: a verified connection, the relay's rate limits, the envelope.

Certificate verification is always on (a private CA can be added, never verification off);
plaintext only to a server on this machine. `envelope` decides per recipient whether a message
needs SMTPUTF8 (RFC 6531) and asks the relay on that very connection.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time
from dataclasses import dataclass

import aiosmtplib

from newsletter.core import net
from newsletter.core.config import RelaySettings, Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.net import is_loopback
from newsletter.send.compose import ascii_address, check_address, envelope_address
from newsletter.texts.i18n import N_
from newsletter.texts.messages import words


def tls_context(settings: Settings, relay: RelaySettings | None = None) -> ssl.SSLContext:
    """The relay's context (`core.net.tls_context`) with its private CA, if one is set."""
    ca_file = relay.ca_file if relay is not None else settings.smtp.ca_file
    return net.tls_context(settings.path(ca_file) if ca_file else None)


# What the network or TLS layer says (in English, in its terms) -> what the editor can check.
_NETWORK_DETAILS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("certificate verify failed", "certificate", "hostname mismatch"),
        N_(
            "das Zertifikat des Servers ist nicht vertrauenswürdig oder gehört zu einem "
            "anderen Namen"
        ),
    ),
    (
        ("wrong version number", "unknown protocol", "record layer failure"),
        N_(
            "auf diesem Port spricht der Server nicht verschlüsselt (TLS) – vielleicht passt "
            "security „starttls“ oder ein anderer Port"
        ),
    ),
    (
        ("starttls extension not supported",),
        N_("der Server bietet keine Verschlüsselung (STARTTLS) an"),
    ),
    (
        ("connect call failed", "connection refused", "errno 111"),
        N_("der Server nimmt keine Verbindung an – läuft er, und stimmt der Port?"),
    ),
    (
        ("name or service not known", "nodename nor servname", "name resolution", "errno -2"),
        N_("den Servernamen gibt es nicht, oder es besteht keine Internetverbindung"),
    ),
    (
        ("timed out", "timeout"),
        N_("der Server antwortet nicht (Zeitüberschreitung)"),
    ),
    (
        ("network is unreachable", "no route to host", "errno 101", "errno 113"),
        N_("das Netz ist nicht erreichbar – besteht eine Internetverbindung?"),
    ),
    (
        ("connection lost", "connection reset", "broken pipe", "disconnected"),
        N_("die Verbindung wurde unterbrochen"),
    ),
)


def network_detail(exc: BaseException) -> dict[str, str]:
    """`detail` (German) and `detail_en` for a connection or TLS failure, without jargon."""
    raw = " ".join(str(e) for e in (exc, exc.__cause__, exc.__context__) if e is not None)
    low = raw.lower()
    if isinstance(exc, asyncio.TimeoutError | aiosmtplib.SMTPTimeoutError):
        low += " timed out"
    for needles, de in _NETWORK_DETAILS:
        if any(n in low for n in needles):
            return words("detail", de)
    return {"detail": N_("technische Meldung: {raw}").format(raw=raw), "detail_en": raw}


def send_failure(exc: BaseException, settings: Settings) -> NewsletterError:
    """The coded error for a message that did not go out on an open connection: SMTP_REFUSED
    for a refusal (of MAIL, RCPT or DATA), SMTP_UNREACHABLE for a broken line."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):  # RCPT refused: a refusal too
        first = exc.recipients[0] if exc.recipients else None
        refusal = {"code": first.code if first else 550, "detail": first.message if first else ""}
        return NewsletterError("SMTP_REFUSED", None, refusal)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return NewsletterError("SMTP_REFUSED", None, {"code": exc.code, "detail": exc.message})
    where = {"host": settings.smtp.host, "port": settings.smtp.port}
    return NewsletterError("SMTP_UNREACHABLE", None, {**where, **network_detail(exc)})


def make_client(settings: Settings, relay: RelaySettings | None = None) -> aiosmtplib.SMTP:
    """An SMTP client as configured: STARTTLS required, implicit TLS, or plain on loopback.

    `relay`: one of [[smtp.relays]]; None: the one [smtp] relay.
    """
    smtp = relay or settings.smtp.relay_list()[0]
    if smtp.security == "none" and not is_loopback(smtp.host):
        raise NewsletterError("SMTP_PLAINTEXT_REFUSED", None, {"host": smtp.host})
    return aiosmtplib.SMTP(
        hostname=smtp.host,
        port=smtp.port,
        timeout=settings.smtp.timeout,
        use_tls=smtp.security == "tls",
        start_tls=smtp.security == "starttls",  # True: STARTTLS required; False: never
        tls_context=tls_context(settings, smtp) if smtp.security != "none" else None,
    )


async def open_connection(
    settings: Settings, relay: RelaySettings | None = None
) -> aiosmtplib.SMTP:
    """Connect and log in; NewsletterError with a clear code for each way this fails."""
    smtp = relay or settings.smtp.relay_list()[0]
    client = make_client(settings, smtp)
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
            await client.login(smtp.username, smtp.secret())
        except aiosmtplib.SMTPAuthenticationError as exc:
            await quit_client(client)
            raise NewsletterError(
                "SMTP_AUTH_FAILED", None, {**params, "user": smtp.username, "detail": exc.message}
            ) from None
        except aiosmtplib.SMTPException as exc:
            await quit_client(client)
            raise NewsletterError(
                "SMTP_AUTH_FAILED", None, {**params, "user": smtp.username, **network_detail(exc)}
            ) from None
    return client


async def quit_client(client: aiosmtplib.SMTP) -> None:
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
        if not self.windows:  # no limit: nothing to count
            return
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


@dataclass(frozen=True)
class Envelope:
    """How one message goes: sender and recipient as the relay gets them, SMTPUTF8 or not."""

    sender: str
    rcpt: str
    utf8: bool

    @property
    def options(self) -> list[str]:
        return ["SMTPUTF8"] if self.utf8 else []

    @property
    def encoding(self) -> str:
        return "utf-8" if self.utf8 else "ascii"


async def envelope(client: aiosmtplib.SMTP, address: str, settings: Settings) -> Envelope:
    """The envelope for `address` on this connection (NewsletterError if it cannot be sent).

    An address whose domain is an IDN goes in its A-label form (punycode), which every relay
    takes. Only a non-ASCII local part (jörg.bär@…) needs SMTPUTF8 (RFC 6531): then the whole
    message goes with it, if the relay offers it (asked with EHLO on this very connection).
    """
    from_address = settings.sender.from_address
    ascii_rcpt = ascii_address(address)
    if ascii_rcpt is not None:
        return Envelope(envelope_address(from_address, False), ascii_rcpt, False)
    if client.is_ehlo_or_helo_needed:
        await client.ehlo()
    if not client.supports_extension("smtputf8"):
        raise NewsletterError("SMTP_NO_SMTPUTF8", None, {"address": address})
    return Envelope(envelope_address(from_address, True), check_address(address), True)


async def mail_from(client: aiosmtplib.SMTP, env: Envelope) -> None:
    """MAIL FROM for `env`, as `client.mail` sends it (SMTPSenderRefused unless 250).

    The addresses of an envelope are checked and normalised already (`envelope`): they go as
    they are, without aiosmtplib parsing each one again (a tenth of a send's time).
    """
    if client.is_ehlo_or_helo_needed:  # the connection's first command: aiosmtplib's own way
        await client.mail(env.sender, options=env.options, encoding=env.encoding)
        return
    reply = await client.execute_command(
        b"MAIL", b"FROM:<" + env.sender.encode(env.encoding) + b">", *_options(env)
    )
    if reply.code != 250:
        raise aiosmtplib.SMTPSenderRefused(reply.code, reply.message, env.sender)


async def rcpt_to(client: aiosmtplib.SMTP, env: Envelope) -> None:
    """RCPT TO for `env`, as `client.rcpt` sends it (SMTPRecipientRefused unless 250/251)."""
    reply = await client.execute_command(b"RCPT", b"TO:<" + env.rcpt.encode(env.encoding) + b">")
    if reply.code not in (250, 251):
        raise aiosmtplib.SMTPRecipientRefused(reply.code, reply.message, env.rcpt)


def _options(env: Envelope) -> list[bytes]:
    return [b"SMTPUTF8"] if env.utf8 else []
