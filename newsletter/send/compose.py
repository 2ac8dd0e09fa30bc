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
few headers change. The build writes the email once per frame language (email.en.html, ...,
build.frame_files); each reader gets the one in their subscriber language, German when there is
none in it. The message is serialised once and those exact bytes are signed and sent:
re-serialising can break a DKIM signature.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import html as html_lib
import json
import re
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from email_validator import EmailNotValidError, validate_email

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.output.personal import general_unsubscribe_link as general_unsubscribe_link
from newsletter.output.personal import place_personal as place_personal
from newsletter.output.transfer import encode_text
from newsletter.store.database import open_read_only
from newsletter.texts import i18n
from newsletter.texts.messages import explain_email_error

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
    """Who gets one copy: the address, a display name, the opaque unsubscribe token.

    `language`: the subscriber's language, for the frame of the mail (i18n.frame_language);
    None: the subscriber store's, found by the token (German for a test mail).
    """

    address: str
    token: str
    name: str | None = None
    language: str | None = None


def _b64(data: bytes) -> bytes:
    """Base64 in 76-character lines with CRLF, as MIME wants it."""
    raw = base64.b64encode(data)
    return b"\r\n".join(raw[i : i + 76] for i in range(0, len(raw), 76)) + b"\r\n"


@functools.lru_cache(maxsize=1024)
def _header(value: str) -> str:
    """A header value with RFC 2047 encoding where needed; CR/LF can never pass.

    Cached: the subject and names repeat in every message of a send (a refusal raises and
    is not cached)."""
    from email.header import Header

    if _UNSAFE.search(value):
        raise NewsletterError("HEADER_INJECTION", None, {"value": value[:60]})
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=998).encode(linesep="\r\n")


@functools.lru_cache(maxsize=4096)
def _validated(address: str) -> tuple[str, str | None]:
    # cached: a send asks up to six times per message (envelope, headers, sender, reply-to),
    # and validating is a third of composing; a refusal raises, and is not cached
    if _UNSAFE.search(address):
        raise NewsletterError("HEADER_INJECTION", None, {"value": address[:60]})
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        de, en = explain_email_error(str(exc))
        raise NewsletterError(
            "ADDRESS_INVALID", None, {"value": address[:80], "detail": de, "detail_en": en}
        ) from None
    return str(valid.normalized), valid.ascii_email


def check_address(address: str) -> str:
    """The address in normalised form; NewsletterError for anything unusable or injected."""
    return _validated(address)[0]


def ascii_address(address: str) -> str | None:
    """The address as any relay takes it: the domain as A-labels (punycode).

    None when the local part itself is not ASCII (jörg.bär@…): such an address can only be
    sent with SMTPUTF8 (RFC 6531).
    """
    return _validated(address)[1]


def envelope_address(address: str, utf8: bool) -> str:
    """The form of `address` for the envelope and headers of a message (SMTPUTF8 or not)."""
    normalized, ascii_form = _validated(address)
    if utf8:
        return normalized
    if ascii_form is None:
        raise NewsletterError("ADDRESS_NEEDS_SMTPUTF8", None, {"value": address[:80]})
    return ascii_form


def _mailbox(address: str, name: str | None, utf8: bool = False) -> str:
    addr = envelope_address(address, utf8)
    if not name:
        return addr
    if _UNSAFE.search(name):
        raise NewsletterError("HEADER_INJECTION", None, {"value": name[:60]})
    local, _, domain = addr.rpartition("@")
    return (
        str(Address(display_name=name, username=local, domain=domain))
        if name.isascii() and addr.isascii()
        else f"{_header(name)} <{addr}>"
    )


def _split_at(text: str, spots: list[int], general: str) -> list[str] | None:
    """`text` cut at the personal places (each holding `general`); None if they do not."""
    parts, last = [], 0
    for start in spots:
        if start < last or text[start : start + len(general)] != general:
            return None
        parts.append(text[last:start])
        last = start + len(general)
    parts.append(text[last:])
    return parts


def _frame_files(manifest: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """lang -> (HTML file, text file) of each frame language the build wrote; German first."""
    out = {i18n.SOURCE: ("email.html", "email.txt")}
    frames = manifest.get("frames")
    if isinstance(frames, dict):  # absent in a build by an older version: German only
        for lang, files in frames.items():
            if lang in i18n.FRAMES and lang != i18n.SOURCE and isinstance(files, dict):
                html_name, text_name = files.get("html"), files.get("text")
                if html_name == f"email.{lang}.html" and text_name == f"email.{lang}.txt":
                    out[lang] = (html_name, text_name)
    return out


def subscriber_languages(settings: Settings) -> dict[str, str]:
    """unsubscribe token -> language of every subscriber in the store ({} without a store).

    Read-only: composing a message never changes the store.
    """
    path = settings.path(settings.subscribers.database)
    conn = open_read_only(path)
    if conn is None:
        return {}
    try:
        with contextlib.closing(conn):
            rows = conn.execute("SELECT unsubscribe_token, language FROM subscribers").fetchall()
    except sqlite3.Error:
        return {}
    return {str(token): str(lang) for token, lang in rows}


def hosted_base(settings: Settings, issue: str, manifest: dict[str, Any]) -> str:
    """The site's base URL when this issue's images are to be loaded from it, else ''.

    `[sender] images`: "inline" never, "hosted" always (the editor vouches for the upload),
    "auto" once `publish` has put this build's images where publisher.base_url says and
    fetched one back (publish.hosted_ready).
    """
    mode = settings.sender.images
    if mode == "inline":
        return ""
    if mode == "auto":
        from newsletter.publish.run import hosted_ready

        if not hosted_ready(settings, issue, manifest):
            return ""
    return settings.publisher.base_url.rstrip("/") + "/"


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
        self.domain = (ascii_address(sender.from_address) or "@").rpartition("@")[2]
        # lang -> (HTML parts, text parts): the email cut where the personal link goes
        frames: dict[str, tuple[list[str], list[str]]] = {}
        self.subjects: dict[str, str] = {}  # lang -> the title of that email: its subject
        for lang, (html_name, text_name) in _frame_files(self.manifest).items():
            frames[lang] = self._personal_places(outbox, self.manifest, html_name, text_name)
            self.subjects[lang] = self._subject("".join(frames[lang][0]))
            _header(self.subjects[lang])  # refuse a subject that cannot go into a header, now
        self.subject_text = self.subjects[i18n.SOURCE]
        seed = hashlib.sha256(f"{self.issue}|{boundary_seed}".encode()).hexdigest()[:24]
        self.b_alt, self.b_rel, self.b_mix = (f"=_alt_{seed}", f"=_rel_{seed}", f"=_mix_{seed}")
        self.images: list[bytes] = []
        hosted = hosted_base(settings, self.issue, self.manifest)

        def cid_for(match: re.Match[str]) -> str:
            href = match.group(2)
            if href.startswith(("http://", "https://", "cid:", "data:")):
                return match.group(0)
            if hosted:
                return f"{match.group(1)}{hosted}{self.issue}/{href}{match.group(3)}"
            cid = hashlib.sha256(href.encode()).hexdigest()[:20] + "@newsletter"
            if cid not in self._cids:
                self._cids[cid] = href
            return f"{match.group(1)}cid:{cid}{match.group(3)}"

        self._cids: dict[str, str] = {}
        # the personal places hold no <img>: each part is rewritten on its own
        self.frames = {
            lang: ([_IMG.sub(cid_for, part) for part in html_parts], text_parts)
            for lang, (html_parts, text_parts) in frames.items()
        }
        self.html_parts, self.text_parts = self.frames[i18n.SOURCE]
        self._languages: dict[str, str] | None = None
        for cid, href in self._cids.items():
            path = (outbox / unquote(href)).resolve()
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

    @staticmethod
    def _personal_places(
        outbox: Path, manifest: dict[str, Any], html_name: str, text_name: str
    ) -> tuple[list[str], list[str]]:
        """The email's HTML and text cut where the build put the unsubscribe link (manifest)."""
        out = []
        for name in (html_name, text_name):
            place = (manifest.get("personal") or {}).get(name)
            parts = None
            try:
                content = (outbox / name).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                raise NewsletterError("NOT_BUILT", outbox, {"path": str(outbox / name)}) from None
            if isinstance(place, dict) and isinstance(place.get("at"), list) and place["at"]:
                parts = _split_at(content, [int(i) for i in place["at"]], str(place["link"]))
            if parts is None:  # built by an older version, or edited by hand: rebuild
                raise NewsletterError("NOT_BUILT", outbox, {"path": str(outbox / name)})
            out.append(parts)
        return out[0], out[1]

    def frame_language(self, recipient: Recipient) -> str:
        """The frame language `recipient` gets: theirs where the build has it, else German."""
        lang = recipient.language
        if lang is None and len(self.frames) > 1:
            if self._languages is None:
                self._languages = subscriber_languages(self.settings)
            lang = self._languages.get(recipient.token)
        lang = i18n.frame_language(lang)
        return lang if lang in self.frames else i18n.SOURCE

    def _subject(self, html: str) -> str:
        m = re.search(r"<title>(.*?)</title>", html, re.S)
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

    def message(
        self,
        recipient: Recipient,
        *,
        now: dt.datetime | None = None,
        utf8: bool = False,
        subject_prefix: str = "",
    ) -> bytes:
        """The complete message for one recipient, DKIM-signed where a key is configured.

        `utf8`: the message goes with SMTPUTF8 (RFC 6531/6532), so addresses stay in Unicode
        in the headers; otherwise every address is in its ASCII form (punycode domain) and an
        address whose local part is not ASCII is refused (ADDRESS_NEEDS_SMTPUTF8).
        """
        sender = self.settings.sender
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,200}", recipient.token):
            raise NewsletterError("TOKEN_INVALID", None, {"value": recipient.address})
        to = _mailbox(recipient.address, recipient.name, utf8)
        lang = self.frame_language(recipient)
        url = self.unsubscribe_url(recipient.token)
        mailto = f"mailto:{ascii_address(sender.unsubscribe_mailto) or sender.unsubscribe_mailto}"
        mailto += f"?subject=unsubscribe-{recipient.token}"
        now = now or dt.datetime.now(dt.UTC)
        headers = [
            ("From", _mailbox(sender.from_address, sender.from_name, utf8)),
            ("Reply-To", envelope_address(sender.reply_to, utf8)),
            ("To", to),
            ("Subject", _header(subject_prefix + self.subjects[lang])),
            ("Date", format_datetime(now.astimezone(dt.UTC))),
            ("Message-ID", self.message_id(recipient.address)),
            ("List-Id", f"<{sender.list_id}>"),
            ("List-Unsubscribe", f"<{url}>, <{mailto}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("MIME-Version", "1.0"),
        ]
        # only at the places the template put the link (see place_personal)
        html_parts, text_parts = self.frames[lang]
        text = url.join(text_parts)
        html = html_lib.escape(url).join(html_parts)
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
        # quoted-printable or base64, whichever is smaller: what the build measured (transfer.py)
        html_cte, html_body = encode_text(html.encode())
        return b"".join(
            [
                f"--{self.b_alt}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Transfer-Encoding: base64\r\n\r\n".encode(),
                _b64(text.encode()),
                f'--{self.b_alt}\r\nContent-Type: multipart/related; boundary="{self.b_rel}"; '
                f'type="text/html"\r\n\r\n'.encode(),
                f"--{self.b_rel}\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Transfer-Encoding: {html_cte}\r\n\r\n".encode(),
                html_body,
                self.images_bytes,
                f"--{self.b_rel}--\r\n--{self.b_alt}--\r\n".encode(),
            ]
        )

    def _sign(self, message: bytes) -> bytes:
        assert self.dkim_key is not None
        return dkim_signed(message, self.settings, self.dkim_key, self.domain, SIGNED_HEADERS)


def dkim_signed(
    message: bytes, settings: Settings, key: bytes, from_domain: str, headers: Iterable[bytes]
) -> bytes:
    """`message` with a DKIM-Signature over `headers` prepended: exactly these bytes are sent."""
    import dkim

    sender = settings.sender
    signature = dkim.sign(
        message,
        sender.dkim_selector.encode(),
        (sender.dkim_domain or from_domain).encode(),
        key,
        include_headers=list(headers),
        canonicalize=(b"relaxed", b"simple"),
    )
    return bytes(signature) + message
