"""Gmail clips by the size as sent: the HTML part is measured and limited transfer-encoded."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from newsletter.core.config import load_settings
from newsletter.output.render import UNSUBSCRIBE_PLACEHOLDER, fit_email, render_text
from newsletter.send.compose import MessageFactory, Recipient
from tests.output.test_render import make_view
from tests.support import png, real_identity, write_built_email


def _html_part_as_sent(raw: bytes) -> tuple[str, int]:
    """(Content-Transfer-Encoding, bytes of the encoded body) of the message's text/html part."""
    m = re.search(
        rb"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: ([\w-]+)\r\n\r\n"
        rb"(.*?)\r\n--",
        raw,
        re.S,
    )
    assert m is not None
    return m.group(1).decode(), len(m.group(2))


def test_a_large_issue_stays_under_the_limit_as_the_message_carries_it(tmp_path: Path) -> None:
    settings = real_identity(load_settings(root=tmp_path))
    view = make_view(30, settings, tmp_path)
    html, shortened = fit_email(view, settings)
    assert shortened.shortened
    for href in set(re.findall(r'src="(images/[^"]+)"', html)):  # the pictures it carries
        (tmp_path / "outbox" / href).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "outbox" / href).write_bytes(png(8, 8))
    out = write_built_email(tmp_path / "outbox", html, render_text(view, settings))
    raw = MessageFactory(out, settings).message(Recipient("leser@example.org", "a" * 43))
    cte, size = _html_part_as_sent(raw)
    assert cte == "quoted-printable"  # smaller than base64 for a mostly Latin-script HTML
    assert size <= settings.email.max_html_bytes, size
    # and it decodes back to exactly the HTML that was built (with the personal link)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    part = next(p for p in msg.walk() if p.get_content_type() == "text/html")
    body = part.get_content()
    assert "Verein Nummer 30" in body and "a" * 43 in body
    assert UNSUBSCRIBE_PLACEHOLDER not in body
