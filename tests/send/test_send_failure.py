"""One message that did not go out: a refusal or a broken line, coded the same everywhere."""

from __future__ import annotations

from pathlib import Path

import aiosmtplib

from newsletter.core.config import load_settings
from newsletter.send.smtp_client import send_failure


def test_refusals_and_broken_lines(tmp_path: Path) -> None:
    settings = load_settings(root=tmp_path)
    rcpt = aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(550, "no such user", "a@example.org")]
    )
    assert send_failure(rcpt, settings).code == "SMTP_REFUSED"
    assert send_failure(rcpt, settings).params == {"code": 550, "detail": "no such user"}
    data = aiosmtplib.SMTPDataError(554, "spam")
    assert send_failure(data, settings).params == {"code": 554, "detail": "spam"}
    lost = send_failure(ConnectionResetError("connection reset by peer"), settings)
    assert lost.code == "SMTP_UNREACHABLE"
    assert lost.params["host"] == settings.smtp.host and lost.params["port"] == settings.smtp.port
    assert lost.params["detail"] == "die Verbindung wurde unterbrochen"
