"""Addresses and the fields people type: checked at the door, before anything is stored.

An address is refused for CR/LF, control or format characters, display names or encoded words,
then checked by email-validator, and kept three ways: as given; normalised (domain lower-case and
in Unicode, local part NFC, role names like Info@ lower-cased: what mail is sent to); and in
ASCII (IDN domain as punycode; None when the local part is non-ASCII and the relay must speak
SMTPUTF8). Its key, the lower-cased normalised form, is what makes a person unique.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from newsletter.core.errors import NewsletterError
from newsletter.texts.i18n import N_
from newsletter.texts.messages import explain_email_error, words

DEFAULT_LANGUAGE = "de"
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 200  # via, consent version, note
TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits

# Characters refused in addresses and names: controls (CR, LF, NUL, ESC, NEL, ...), format
# characters (bidi overrides, zero-width), line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_NAME_JOINERS = frozenset({"\u200c", "\u200d"})  # ZWNJ/ZWJ belong to Persian and Indic names


@dataclass(frozen=True, slots=True)
class Address:
    """A checked address: as given, normalised, ASCII form (or None: SMTPUTF8) and unique key."""

    given: str
    normalized: str
    ascii: str | None
    key: str


def visible(text: str) -> str:
    """The text with control and format characters shown as escapes (safe to print)."""
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in _REFUSED_CATEGORIES else c for c in text
    )


def parse_address(raw: str) -> Address:
    """Check an address; NewsletterError with a SUBSCRIBER_ADDRESS_* code when it is refused."""
    given = raw.strip(" \t\u00a0")
    if not given:
        raise NewsletterError("SUBSCRIBER_ADDRESS_MISSING")
    if any(unicodedata.category(c) in _REFUSED_CATEGORIES for c in given):
        raise NewsletterError("SUBSCRIBER_ADDRESS_CONTROL", None, {"address": visible(given)})
    if "=?" in given:  # an RFC 2047 encoded word: some clients would decode it in a header
        raise NewsletterError(
            "SUBSCRIBER_ADDRESS_INVALID",
            None,
            {"address": given, **words("detail", N_("enthält „=?“"))},
        )
    # imported here: `newsletter --help` reads STATUSES and needs no validator (~25 ms)
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(given, check_deliverability=False)
    except EmailNotValidError as exc:
        de, en = explain_email_error(str(exc))
        raise NewsletterError(
            "SUBSCRIBER_ADDRESS_INVALID", None, {"address": given, "detail": de, "detail_en": en}
        ) from None
    return Address(given, valid.normalized, valid.ascii_email, valid.normalized.lower())


def clean_text(
    raw: str, *, limit: int = MAX_TEXT_CHARS, column: str = "", name: bool = False
) -> str:
    """A one-line text, stripped; SUBSCRIBER_{NAME,FIELD}_{INVALID,TOO_LONG} when it is not."""
    what = "NAME" if name else "FIELD"
    text = raw.strip(" \t\u00a0")
    params: dict[str, object] = {"value": visible(text), "column": column}
    for c in text:
        if unicodedata.category(c) in _REFUSED_CATEGORIES and not (name and c in _NAME_JOINERS):
            raise NewsletterError(f"SUBSCRIBER_{what}_INVALID", None, params)
    if len(text) > limit:
        params |= {"value": text[:30] + "…", "count": len(text), "limit": limit}
        raise NewsletterError(f"SUBSCRIBER_{what}_TOO_LONG", None, params)
    return text


def clean_name(raw: str) -> str:
    """A subscriber's name: one line, no control characters, at most MAX_NAME_CHARS."""
    return clean_text(raw, limit=MAX_NAME_CHARS, name=True)


LANGUAGE_NAMES = {
    "deutsch": "de", "german": "de", "englisch": "en", "english": "en", "türkisch": "tr",
    "turkish": "tr", "arabisch": "ar", "arabic": "ar", "ukrainisch": "uk", "ukrainian": "uk",
    "russisch": "ru", "russian": "ru", "französisch": "fr", "french": "fr", "persisch": "fa",
    "persian": "fa", "farsi": "fa", "polnisch": "pl", "polish": "pl",
}  # fmt: skip


def parse_language(raw: str) -> str | None:
    """`de`, `DE`, `de-DE`, `Deutsch` → `de`; None when empty; NewsletterError when unknown."""
    value = raw.strip().lower()
    if not value:
        return None
    code = re.split(r"[-_]", LANGUAGE_NAMES.get(value, value), maxsplit=1)[0]
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise NewsletterError("SUBSCRIBER_LANGUAGE_INVALID", None, {"value": visible(raw)})
    return code


def new_token() -> str:
    """An opaque unsubscribe token: random, URL-safe, unrelated to the address.

    Never one that starts with "-": the editor pastes tokens after `--token`, where argparse
    would take it for an option (1 in 64 tokens did).
    """
    while (token := secrets.token_urlsafe(TOKEN_BYTES)).startswith("-"):
        pass
    return token
