"""How a text part travels: quoted-printable or base64, whichever is smaller, and its size.

Gmail clips a message whose HTML is larger than about 102 KB *as sent*, i.e. after the
transfer encoding: base64 adds a third to every byte, quoted-printable only to bytes outside
ASCII and to `=`. For the HTML of a mostly Latin-script issue quoted-printable is smaller (98 KB
of HTML: 131 KB as base64); for a text in Arabic or Cyrillic script, whose every letter is two
bytes that quoted-printable writes as six, base64 is. The build measures the same encoding the
message uses, so the limit (email.max_html_bytes) means the size Gmail sees.
"""

from __future__ import annotations

import base64
from email import quoprimime


def quoted_printable(data: bytes) -> bytes:
    """RFC 2045 quoted-printable: lines of at most 76 characters, CRLF line ends."""
    # body_encode works on a str of single bytes; latin-1 maps each byte to one character
    text = data.decode("latin-1").replace("\r\n", "\n")
    encoded = quoprimime.body_encode(text, maxlinelen=76, eol="\r\n")
    return (encoded if encoded.endswith("\r\n") else encoded + "\r\n").encode("ascii")


def base64_lines(data: bytes) -> bytes:
    """Base64 in 76-character lines with CRLF, as MIME wants it."""
    raw = base64.b64encode(data)
    return b"\r\n".join(raw[i : i + 76] for i in range(0, len(raw), 76)) + b"\r\n"


def encode_text(data: bytes) -> tuple[str, bytes]:
    """(Content-Transfer-Encoding, encoded body): the smaller of the two."""
    qp = quoted_printable(data)
    b64 = base64_lines(data)
    return ("quoted-printable", qp) if len(qp) <= len(b64) else ("base64", b64)


def sent_bytes(html: str) -> int:
    """The size of the HTML part's body as it goes over the wire."""
    return len(encode_text(html.encode("utf-8"))[1])
