"""Text and addresses that look like something they are not.

A reader trusts what they see. Invisible characters that reverse the writing direction
(Trojan Source), zero-width characters inside a name or an address, a link whose text shows
one host while it leads to another, `https://www.sparkasse.de@evil.example/` (everything
before the @ is a user name) and domains that mix look-alike letters of two scripts
(Cyrillic 'а' in 'pаypal.com') all show a reader something else than what is there.

Each function returns `(code, params)` pairs for rules.py (the severity is the code's, from
texts/codes.py); nothing here reads files.
Where a character is at home (a zero-width joiner in Persian, Arabic or an Indic script, or
between emoji), it is at most a warning.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from typing import Any
from urllib.parse import unquote, urlsplit

from newsletter.texts.i18n import N_
from newsletter.texts.messages import both

Problem = tuple[str, dict[str, Any]]

# U+202A-U+202E embeddings and overrides, U+2066-U+2069 isolates: they reorder what is shown.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ: part of spelling in several scripts
# Zero-width and invisible characters with no place in a name or an address.
HIDDEN = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad\u034f")
# Any of them: most texts have none, and one search in C says so faster than a loop in Python.
_SUSPECT = re.compile("[" + "".join(sorted(BIDI_CONTROLS | HIDDEN)) + "]")
# Scripts in which ZWJ/ZWNJ are ordinary spelling (Persian "می‌خواهم", Devanagari conjuncts).
JOINING_SCRIPTS = frozenset(
    {
        "ARABIC", "SYRIAC", "NKO", "MONGOLIAN", "DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI",
        "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "KHMER", "MYANMAR",
        "TIBETAN", "THAI", "LAO", "HEBREW",
    }
)  # fmt: skip
# Scripts that are written together in one word: Japanese mixes Han and kana, Korean Han and
# Hangul. Any other mixture inside one label of a domain is how look-alike domains are made.
_SCRIPT_GROUPS = {"CJK": "HAN", "HIRAGANA": "HAN", "KATAKANA": "HAN", "HANGUL": "HAN"}
# Cyrillic letters that look like Latin ones: a label made only of them ("раураl") is read
# as Latin by anyone who expects a .com address.
_CYRILLIC_LOOKALIKES = frozenset("аеорсухіјѕԁһӏԛԝүɡвкмнт")
_COMMON_TLDS = frozenset(
    {
        "de", "com", "org", "net", "eu", "info", "at", "ch", "nl", "be", "fr", "it", "es", "pl",
        "tr", "ru", "ua", "uk", "io", "app", "gov", "edu", "biz", "online", "example",
    }
)  # fmt: skip
_HOST_IN_TEXT = re.compile(
    r"(?:(?P<scheme>https?://)|(?P<www>www\.))?"
    r"(?P<host>(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?P<tld>[^\W\d_]{2,}))"
    r"(?P<rest>[/:?#]\S*)?",
)
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def char_name(c: str) -> str:
    """U+202E RIGHT-TO-LEFT OVERRIDE: how a message names an invisible character."""
    return f"U+{ord(c):04X} {unicodedata.name(c, '')}".strip()


def shown(text: str, limit: int = 60) -> str:
    """`text` with every invisible character written out as [U+XXXX], shortened."""
    out = "".join(
        f"[U+{ord(c):04X}]" if c in HIDDEN or c in BIDI_CONTROLS or _invisible(c) else c
        for c in text
    )
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _invisible(c: str) -> bool:
    return unicodedata.category(c) in ("Cf", "Cc", "Zl", "Zp") and c not in "\n\t"


def _script(c: str) -> str | None:
    if not c.isalpha():
        return None
    first = unicodedata.name(c, "?").split(" ")[0]
    return _SCRIPT_GROUPS.get(first, first)


def _context(text: str, i: int, width: int = 12) -> str:
    return shown(text[max(0, i - width) : i + width + 1].replace("\n", " "), 40)


def text_problems(text: str, *, strict: bool) -> list[Problem]:
    """Invisible characters in a field (`strict`) or in running text.

    Direction controls are always errors. Other zero-width characters are errors in a field
    (a name that looks like another) and warnings in running text, where they mostly come
    with text copied from a web page; a joiner inside a word of a script that uses it, or
    between emoji, is a warning at most (and nothing for emoji).
    """
    if not _SUSPECT.search(text):
        return []
    out: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(text):
        if c in BIDI_CONTROLS:
            code = "BIDI_CONTROL"
        elif c in HIDDEN:
            before = next((_script(d) for d in reversed(text[:i]) if not d.isspace()), None)
            after = next((_script(d) for d in text[i + 1 :] if not d.isspace()), None)
            if c in JOINERS and _emoji(text, i):
                continue
            if c in JOINERS and (before in JOINING_SCRIPTS or after in JOINING_SCRIPTS):
                code = "HIDDEN_JOINER"
            elif c == "\ufeff" and i == 0:
                continue  # a byte order mark at the very start is how some editors save
            elif c == "\u00ad" and not strict:
                continue  # Word's optional hyphen: at home in running German text
            else:
                code = "HIDDEN_CHAR" if strict else "HIDDEN_CHAR_TEXT"
        else:
            continue
        if (code, c) in seen:
            continue  # one finding per kind of character is enough to find them all
        seen.add((code, c))
        out.append((code, {"char": char_name(c), "context": _context(text, i)}))
    return out


def _emoji(text: str, i: int) -> bool:
    """A joiner between two pictographs (family, profession emoji sequences)."""

    def pictograph(c: str) -> bool:
        return unicodedata.category(c) == "So" or ord(c) >= 0x1F000 or c == "\ufe0f"

    return 0 < i < len(text) - 1 and pictograph(text[i - 1]) and pictograph(text[i + 1])


def host_label(host: str) -> str:
    """A host as a reader sees it: Unicode (IDNA decoded), lower case, no trailing dot."""
    labels = []
    for label in host.lower().rstrip(".").split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError, ValueError):  # broken punycode stays as is
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


_GERMAN_SCRIPTS = {
    "LATIN": N_("lateinisch"), "CYRILLIC": N_("kyrillisch"), "GREEK": N_("griechisch"),
    "ARABIC": N_("arabisch"), "HEBREW": N_("hebräisch"), "ARMENIAN": N_("armenisch"),
    "GEORGIAN": N_("georgisch"), "HAN": N_("chinesisch"),
}  # fmt: skip


def mixed_script(host: str) -> tuple[str, list[str]] | None:
    """(label, its scripts) when a label of `host` mixes scripts or fakes Latin; else None."""
    labels = host_label(host).split(".")
    ascii_tld = bool(labels) and labels[-1].isascii()
    for label in labels:
        scripts = sorted({s for c in label if (s := _script(c)) is not None})
        if len(scripts) > 1:
            return label, scripts
        if (
            scripts == ["CYRILLIC"]
            and ascii_tld
            and all(c in _CYRILLIC_LOOKALIKES for c in label if c.isalpha())
        ):
            return label, ["CYRILLIC", "LATIN"]  # every letter has a Latin twin
    return None


def _script_names(scripts: list[str]) -> dict[str, str]:
    return {
        "scripts": " + ".join(_GERMAN_SCRIPTS.get(s, s.title()) for s in scripts),
        "scripts_en": " + ".join(
            both(_GERMAN_SCRIPTS[s])[1] if s in _GERMAN_SCRIPTS else s.title() for s in scripts
        ),
    }


def url_problems(url: str) -> list[Problem]:
    """An address that leads elsewhere than it looks: hidden characters, user-info, homoglyphs."""
    raw = url.strip()
    decoded = unquote(raw)
    hidden = (
        None  # printable: no control, format or separator character, so only U+034F could be
        if decoded.isprintable() and "\u034f" not in decoded
        else next((c for c in decoded if c in HIDDEN or c in BIDI_CONTROLS or _invisible(c)), None)
    )
    if hidden is not None:
        return [("URL_HIDDEN_CHAR", {"value": shown(decoded), "char": char_name(hidden)})]
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
    except ValueError:
        return []  # URL_INVALID's business
    out: list[Problem] = []
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") and "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        out.append(
            (
                "URL_USERINFO",
                {"value": shown(raw), "userinfo": shown(unquote(userinfo), 40), "host": host},
            )
        )
    if scheme == "mailto":
        host = unquote(parts.path).rpartition("@")[2].split("?")[0]
    if host and (mixed := mixed_script(host)) is not None:
        label, scripts = mixed
        params = {"value": shown(raw), "label": label, **_script_names(scripts)}
        out.append(("URL_MIXED_SCRIPT", params))
    return out


def _same_host(shown_host: str, target: str) -> bool:
    a = host_label(shown_host).removeprefix("www.")
    b = host_label(target).removeprefix("www.")
    return a == b or b.endswith("." + a)


def link_text_problems(text: str, href: str) -> list[Problem]:
    """A link whose text shows an address other than the one it leads to."""
    label = " ".join(text.split())
    if label in (href.strip(), unquote(href.strip())):
        return []  # an autolink <https://…>: what it shows is where it goes
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return []
    scheme = parts.scheme.lower()
    if scheme == "mailto":
        target = unquote(parts.path).split("?")[0]
        emails = _EMAIL_IN_TEXT.findall(label)
        if emails and not any(e.casefold() == target.casefold() for e in emails):
            return [("LINK_TEXT_HOST", {"shown": shown(label), "host": target})]
        return []
    if scheme not in ("http", "https") or not parts.hostname:
        return []
    for m in _HOST_IN_TEXT.finditer(label):
        looks_like_address = (
            m["scheme"] or m["www"] or m["rest"] or m["tld"].lower() in _COMMON_TLDS
        )
        after_at = "@" in label[max(0, m.start() - 1) : m.start()]  # an e-mail's domain
        if looks_like_address and not after_at and not _same_host(m["host"], parts.hostname):
            params = {"shown": shown(label), "host": host_label(parts.hostname)}
            return [("LINK_TEXT_HOST", params)]
    return []
