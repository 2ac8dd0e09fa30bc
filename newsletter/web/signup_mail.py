"""The confirmation mail of the double opt-in: its text (German; English in `web`), its sending.

Plain text with the link and who sends it, nothing else (see `confirmation_message`).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from newsletter.store import subscribers as store
from newsletter.texts import i18n
from newsletter.texts.i18n import N_
from newsletter.web import signup
from newsletter.web.texts import DOMAIN

if TYPE_CHECKING:
    from newsletter.core.config import ServeSettings, Settings

# German texts, the message ids of the `web` gettext domain (English: locale/en/.../web.po).
_SUBJECTS = {
    "subscribe": N_("Bitte bestätigen Sie Ihre Anmeldung"),
    "change_address": N_("Bitte bestätigen Sie Ihre neue E-Mail-Adresse"),
}
_BODIES = {
    "subscribe": N_(
        "Guten Tag,\n"
        "\n"
        "diese E-Mail-Adresse wurde für den Newsletter „{list_name}“ angemeldet. Bitte "
        "bestätigen Sie die Anmeldung über diesen Link:\n"
        "\n"
        "{link}\n"
        "\n"
        "Erst danach erhalten Sie den Newsletter. Der Link gilt bis {expires}.\n"
        "\n"
        "Haben Sie sich nicht angemeldet? Dann ignorieren Sie diese E-Mail bitte. Sie erhalten "
        "nichts weiter, und die Adresse wird nach {days} Tagen gelöscht.\n"
    ),
    "change_address": N_(
        "Guten Tag,\n"
        "\n"
        "der Newsletter „{list_name}“ soll künftig an diese E-Mail-Adresse gehen. Bitte "
        "bestätigen Sie die neue Adresse über diesen Link:\n"
        "\n"
        "{link}\n"
        "\n"
        "Der Link gilt bis {expires}.\n"
        "\n"
        "Haben Sie das nicht veranlasst? Dann ignorieren Sie diese E-Mail bitte; es ändert "
        "sich nichts.\n"
    ),
}
# How the link's expiry is written (strftime formats: locale data, not a text to translate).
_DATE_FORMATS = {"de": "%d.%m.%Y, %H:%M Uhr", "en": "%Y-%m-%d, %H:%M"}


def confirmation_url(serve: ServeSettings, token: str) -> str:
    """The link in the mail."""
    return serve.base_url.rstrip("/") + "/confirm/" + token


def confirmation_message(
    settings: Settings,
    serve: ServeSettings,
    outcome: signup.Outcome,
    *,
    purpose: signup.Purpose,
    language: str,
) -> EmailMessage:
    """The confirmation mail: plain text, short, the link and who sends it; nothing else.

    German courts have treated confirmation mails with any advertising in them as spam, so
    there is no newsletter content, no logo, no other link; only the sender's identification.
    """
    lang = "en" if language == "en" else "de"
    sender, publisher = settings.sender, settings.publisher
    assert outcome.expires_at is not None
    expires = outcome.expires_at.astimezone(ZoneInfo(settings.timezone))
    body = i18n.gettext_in(_BODIES[purpose], lang, DOMAIN).format(
        list_name=sender.from_name,
        link=confirmation_url(serve, outcome.token),
        expires=expires.strftime(_DATE_FORMATS[lang]),
        days=serve.pending_days,
    )
    body += f"\n-- \n{publisher.name}\n{publisher.address}\n{publisher.email}\n"
    msg = EmailMessage()
    msg["From"] = formataddr((sender.from_name, sender.from_address))
    address = store.parse_address(outcome.address)
    msg["To"] = address.ascii or address.normalized  # an IDN domain as punycode
    msg["Subject"] = i18n.gettext_in(_SUBJECTS[purpose], lang, DOMAIN)
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=sender.from_address.rpartition("@")[2])
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    return msg


def send_message(settings: Settings, message: EmailMessage) -> None:
    """Send one mail through the configured relay; NewsletterError SMTP_* when it fails."""
    # Imported here, not at the top: the sign-up pages load the mail stack only when they send.
    import aiosmtplib

    from newsletter.send.compose import check_address
    from newsletter.send.deliver import open_connection
    from newsletter.send.smtp_client import send_failure

    envelope_from = check_address(settings.sender.from_address)
    recipient = check_address(str(message["To"]))

    async def main() -> None:
        client = await open_connection(settings)
        try:
            await client.send_message(message, sender=envelope_from, recipients=[recipient])
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise send_failure(exc, settings) from None
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()

    asyncio.run(main())
