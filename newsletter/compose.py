"""A built issue -> one personalised, DKIM-signed message per recipient, as bytes.

Structure (no remote images by default, so nothing is blocked and nobody is tracked):

    multipart/alternative
      text/plain                  email.txt, the recipient's unsubscribe link filled in
      multipart/related
        text/html                 email.html, <img src="cid:...">
        image/jpeg, image/png...  the email renditions, inline
    (wrapped in multipart/mixed with the PDF when the editor asks and it fits)

Everything shared by all recipients is prepared once (`MessageFactory`): the image parts are
base64-encoded a single time and spliced in as bytes. Per recipient only the two text parts and a
few headers change. The message is serialised once and those exact bytes are signed and sent:
re-serialising can break a DKIM signature.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import format_datetime
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from newsletter.config import Settings
from newsletter.errors import NewsletterError
from newsletter.messages import explain_email_error
from newsletter.render import UNSUBSCRIBE_PLACEHOLDER

SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"list-id",
    b"reply-to",
    b"mime-version",
    b"content-type",
)
_IMG = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")')
_CTYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Recipient:
    """Who gets one copy: the address, a display name, the opaque unsubscribe token."""

    address: str
    token: str
    name: str | None = None


def _b64(data: bytes) -> bytes:
    """Base64 in 76-character lines with CRLF, as MIME wants it."""
    raw = base64.b64encode(data)
    return b"\r\n".join(raw[i : i + 76] for i in range(0, len(raw), 76)) + b"\r\n"


def _header(value: str) -> str:
    """A header value with RFC 2047 encoding where needed; CR/LF can never pass."""
    from email.header import Header

    if _UNSAFE.search(value):
        raise NewsletterError("HEADER_INJECTION", None, {"value": value[:60]})
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=998).encode(linesep="\r\n")


def check_address(address: str) -> str:
    """The address in normalised form; NewsletterError for anything unusable or injected."""
    if _UNSAFE.search(address):
        raise NewsletterError("HEADER_INJECTION", None, {"value": address[:60]})
    try:
        return str(validate_email(address, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        de, en = explain_email_error(str(exc))
        raise NewsletterError(
            "ADDRESS_INVALID", None, {"value": address[:80], "detail": de, "detail_en": en}
        ) from None


def _mailbox(address: str, name: str | None) -> str:
    addr = check_address(address)
    if not name:
        return addr
    if _UNSAFE.search(name):
        raise NewsletterError("HEADER_INJECTION", None, {"value": name[:60]})
    local, _, domain = addr.rpartition("@")
    return (
        str(Address(display_name=name, username=local, domain=domain))
        if name.isascii()
        else f"{_header(name)} <{addr}>"
    )


class MessageFactory:
    """Prepared once per issue; `message(recipient)` returns the bytes to send."""

    def __init__(
        self,
        outbox: Path,
        settings: Settings,
        *,
        boundary_seed: str = "",
        id_key: bytes | None = None,
    ) -> None:
        self.settings = settings
        self.outbox = outbox
        self.id_key = id_key
        manifest_path = outbox / "manifest.json"
        if not manifest_path.is_file():
            raise NewsletterError("NOT_BUILT", outbox, {"path": str(outbox)})
        try:
            self.manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            self.issue = str(self.manifest["issue"])
        except (ValueError, KeyError, TypeError, OSError):  # a broken or half-copied outbox
            raise NewsletterError("NOT_BUILT", outbox, {"path": str(outbox)}) from None
        if self.manifest.get("submissions") == [] and not self.manifest.get("editorials"):
            # built with --force from nothing but errors (or by a version that allowed it)
            raise NewsletterError("SEND_EMPTY", outbox, {"path": str(outbox)})
        sender = settings.sender
        self.domain = sender.from_address.rpartition("@")[2]
        html = (outbox / "email.html").read_text(encoding="utf-8")
        self.text = (outbox / "email.txt").read_text(encoding="utf-8")
        self.subject = _header(self._subject(html))
        seed = hashlib.sha256(f"{self.issue}|{boundary_seed}".encode()).hexdigest()[:24]
        self.b_alt, self.b_rel, self.b_mix = (f"=_alt_{seed}", f"=_rel_{seed}", f"=_mix_{seed}")
        self.images: list[bytes] = []
        hosted = sender.hosted_images_url.rstrip("/")

        def cid_for(match: re.Match[str]) -> str:
            href = match.group(2)
            if href.startswith(("http://", "https://", "cid:", "data:")):
                return match.group(0)
            if hosted:
                return f"{match.group(1)}{hosted}/{self.issue}/{href}{match.group(3)}"
            cid = hashlib.sha256(href.encode()).hexdigest()[:20] + "@newsletter"
            if cid not in self._cids:
                self._cids[cid] = href
            return f"{match.group(1)}cid:{cid}{match.group(3)}"

        self._cids: dict[str, str] = {}
        self.html = _IMG.sub(cid_for, html)
        for cid, href in self._cids.items():
            path = (outbox / href).resolve()
            if not path.is_relative_to(outbox.resolve()) or not path.is_file():
                raise NewsletterError("NOT_BUILT", outbox, {"path": href})
            ctype = _CTYPES.get(path.suffix.lower(), "application/octet-stream")
            self.images.append(
                f"--{self.b_rel}\r\nContent-Type: {ctype}\r\n"
                f"Content-Transfer-Encoding: base64\r\nContent-ID: <{cid}>\r\n"
                f'Content-Disposition: inline; filename="{path.name}"\r\n\r\n'.encode()
                + _b64(path.read_bytes())
            )
        self.images_bytes = b"".join(self.images)
        self.pdf_part = self._pdf_part()
        self.dkim_key = (
            settings.path(sender.dkim_key_file).read_bytes() if sender.dkim_key_file else None
        )

    def _subject(self, html: str) -> str:
        m = re.search(r"<title>(.*?)</title>", html, re.S)
        import html as html_lib

        return html_lib.unescape(m.group(1)).strip() if m else self.issue

    def _pdf_part(self) -> bytes:
        sender = self.settings.sender
        pdf = self.outbox / "newsletter.pdf"
        if not sender.attach_pdf or not pdf.is_file():
            return b""
        data = pdf.read_bytes()
        if len(data) > sender.attach_pdf_max_bytes:
            return b""  # linked only: the mail stays small (the editor is told by `send`)
        return (
            f"--{self.b_mix}\r\nContent-Type: application/pdf\r\n"
            f"Content-Transfer-Encoding: base64\r\n"
            f'Content-Disposition: attachment; filename="newsletter-{self.issue}.pdf"\r\n\r\n'
        ).encode() + _b64(data)

    def message_id(self, address: str) -> str:
        """The Message-ID for this recipient.

        With the store's key: stable per (issue, recipient), so a resend after a crash is
        recognisable as the same message, yet unguessable, so that a bounce quoting it proves
        it answers a message really sent (see mailbox.py). Without a key (a test mail): random.
        """
        if self.id_key is None:
            return f"<{self.issue}.{secrets.token_hex(12)}@{self.domain}>"
        mac = hmac.new(self.id_key, f"{self.issue}|{address.lower()}".encode(), "sha256")
        return f"<{self.issue}.{mac.hexdigest()[:32]}@{self.domain}>"

    def unsubscribe_url(self, token: str) -> str:
        """The recipient's one-click unsubscribe URL."""
        return self.settings.sender.unsubscribe_url.replace("{token}", token)

    def message(self, recipient: Recipient, *, now: dt.datetime | None = None) -> bytes:
        """The complete message for one recipient, DKIM-signed where a key is configured."""
        sender = self.settings.sender
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,200}", recipient.token):
            raise NewsletterError("TOKEN_INVALID", None, {"value": recipient.address})
        to = _mailbox(recipient.address, recipient.name)
        url = self.unsubscribe_url(recipient.token)
        mailto = f"mailto:{sender.unsubscribe_mailto}?subject=unsubscribe-{recipient.token}"
        now = now or dt.datetime.now(dt.UTC)
        headers = [
            ("From", _mailbox(sender.from_address, sender.from_name)),
            ("Reply-To", check_address(sender.reply_to)),
            ("To", to),
            ("Subject", self.subject),
            ("Date", format_datetime(now.astimezone(dt.UTC))),
            ("Message-ID", self.message_id(recipient.address)),
            ("List-Id", f"<{sender.list_id}>"),
            ("List-Unsubscribe", f"<{url}>, <{mailto}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("MIME-Version", "1.0"),
        ]
        text = self.text.replace(UNSUBSCRIBE_PLACEHOLDER, url)
        html = self.html.replace(UNSUBSCRIBE_PLACEHOLDER, url)
        body = self._body(text, html)
        if self.pdf_part:
            headers.append(("Content-Type", f'multipart/mixed; boundary="{self.b_mix}"'))
            body = (
                (
                    f"--{self.b_mix}\r\nContent-Type: multipart/alternative; "
                    f'boundary="{self.b_alt}"\r\n\r\n'
                ).encode()
                + body
                + b"\r\n"
                + self.pdf_part
                + f"--{self.b_mix}--\r\n".encode()
            )
        else:
            headers.append(("Content-Type", f'multipart/alternative; boundary="{self.b_alt}"'))
        head = "".join(f"{k}: {v}\r\n" for k, v in headers).encode()
        message = head + b"\r\n" + body
        if self.dkim_key is not None:
            message = self._sign(message)
        return message

    def _body(self, text: str, html: str) -> bytes:
        return b"".join(
            [
                f"--{self.b_alt}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Transfer-Encoding: base64\r\n\r\n".encode(),
                _b64(text.encode()),
                f'--{self.b_alt}\r\nContent-Type: multipart/related; boundary="{self.b_rel}"; '
                f'type="text/html"\r\n\r\n'.encode(),
                f"--{self.b_rel}\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Transfer-Encoding: base64\r\n\r\n".encode(),
                _b64(html.encode()),
                self.images_bytes,
                f"--{self.b_rel}--\r\n--{self.b_alt}--\r\n".encode(),
            ]
        )

    def _sign(self, message: bytes) -> bytes:
        import dkim

        sender = self.settings.sender
        domain = (sender.dkim_domain or self.domain).encode()
        assert self.dkim_key is not None
        signature = dkim.sign(
            message,
            sender.dkim_selector.encode(),
            domain,
            self.dkim_key,
            include_headers=list(SIGNED_HEADERS),
            canonicalize=(b"relaxed", b"simple"),
        )
        return bytes(signature) + message
