"""Names of the files the pipeline writes: ASCII slugs, never the contributor's own file name.

`WhatsApp Image 2027-01-12 at 14.32.10.jpeg` becomes `whatsapp-image-2027-01-12-at-14-32-10`
(plus the rendition's extension): no spaces, no umlauts, nothing that a URL has to encode or
a web server, mail client or file system could read differently. German umlauts are written
out (ä → ae, ß → ss) as a German reader expects; other letters lose their accents (NFKD); what
has no ASCII form at all (Arabic, Cyrillic, …) leaves nothing, and then a fallback is used.
The same name always gives the same slug; `unique` makes them collision-free where needed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
    # Latin letters that NFKD does not decompose (Turkish, Polish, Nordic names)
    | {"ı": "i", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "æ": "ae"}
    | {"Æ": "Ae", "œ": "oe", "Œ": "Oe", "ð": "d", "þ": "th"}
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 60


def ascii_slug(text: str, fallback: str = "datei", max_length: int = MAX_SLUG) -> str:
    """`Für Ehrenamtliche` → `fuer-ehrenamtliche`; `fallback` when nothing ASCII is left."""
    text = unicodedata.normalize("NFC", text).translate(_GERMAN)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:  # cut between words where one ends late enough
        cut = slug[: max_length + 1].rfind("-")
        slug = slug[: cut if cut >= max_length // 2 else max_length].rstrip("-")
    return slug or fallback


def unique(name: str, taken: Iterable[str]) -> str:
    """`name`, or `stem-2.ext`, `stem-3.ext`, … whichever is not in `taken` yet."""
    used = set(taken)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{stem}-{n}{dot}{ext}"
    return candidate
