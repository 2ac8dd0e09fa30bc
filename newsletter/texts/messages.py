"""Every message a contributor or the editor reads, rendered: a stable code, German first.

The codes, their severity and their German texts are one table, `codes.CATALOGUE`; the
translations are the `messages` gettext domain (newsletter/locale/LANG/LC_MESSAGES/messages.po).
A text says what is wrong and what to do, with the numbers. Parameters are filled in with
`str.format`; numbers are formatted the reader's way (German: 1.500, not 1,500).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from newsletter.texts import i18n
from newsletter.texts.codes import CATALOGUE, Message, severity
from newsletter.texts.i18n import N_
from newsletter.texts.numbers import human_bytes

__all__ = [
    "CATALOGUE",
    "Message",
    "both",
    "explain_email_error",
    "explain_validation",
    "human_bytes",
    "render",
    "severity",
    "words",
]

DOMAIN = "messages"


def _(msgid: str, lang: str) -> str:
    return i18n.gettext_in(msgid, lang, DOMAIN)


def both(msgid: str, /, **fields: Any) -> tuple[str, str]:
    """A German text and its English translation, fields filled in."""
    return msgid.format(**fields), _(msgid, "en").format(**fields)


def words(key: str, msgid: str, /, **fields: Any) -> dict[str, str]:
    """A parameter in German and English, {key: German, key_en: English}, fields filled in."""
    de, en = both(msgid, **fields)
    return {key: de, f"{key}_en": en}


# What email-validator says (English only) -> why, in words a volunteer understands.
_EMAIL_REASONS = (
    ("must have an @-sign", N_("das @-Zeichen fehlt")),
    ("something before the @-sign", N_("vor dem @ fehlt der Name")),
    ("something after the @-sign", N_("nach dem @ fehlt die Domain")),
    ("should have a period", N_("nach dem @ fehlt ein Punkt mit Endung, z. B. .de")),
    ("display name", N_("nur die Adresse selbst angeben, ohne Namen und <>")),
    ("too long", N_("zu lang")),
    ("period", N_("ein Punkt steht an falscher Stelle")),
    ("special-use or reserved", N_("die Domain ist reserviert und nicht erreichbar")),
    ("invalid characters", N_("unzulässige Zeichen")),
    ("unsafe characters", N_("unzulässige Zeichen")),
    ("Quoting", N_("Anführungszeichen sind nicht erlaubt")),
)


def explain_email_error(message: str) -> tuple[str, str]:
    """German and English reason for an email-validator message (it speaks English only)."""
    for needle, german in _EMAIL_REASONS:
        if needle in message:
            return german, message
    return message, message


_DATE = N_("muss ein Datum sein (JJJJ-MM-TT)")
_INT = N_("muss eine ganze Zahl sein")
_NUMBER = N_("muss eine Zahl sein")
_BOOL = N_("muss true oder false sein")
_TABLE = N_("muss eine Tabelle sein")
# pydantic's error types -> what is wrong with the value, in German (English: the catalogue).
_VALIDATION = {
    "missing": N_("fehlt"),
    "string_type": N_("muss Text sein"),
    "int_parsing": _INT,
    "int_type": _INT,
    "int_from_float": _INT,
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "bool_parsing": _BOOL,
    "bool_type": _BOOL,
    "date_type": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_type": N_("muss Datum und Uhrzeit sein (JJJJ-MM-TTTHH:MM:SS)"),
    "list_type": N_("muss eine Liste sein […]"),
    "dict_type": _TABLE,
    "model_type": _TABLE,
    "extra_forbidden": N_("unbekannter Schlüssel"),
    "path_type": N_("muss ein Pfad sein"),
}
_BOUNDS = {
    "greater_than_equal": (N_("muss mindestens {limit} sein"), "ge"),
    "greater_than": (N_("muss größer als {limit} sein"), "gt"),
    "less_than_equal": (N_("muss höchstens {limit} sein"), "le"),
    "less_than": (N_("muss kleiner als {limit} sein"), "lt"),
}


def explain_validation(err: Mapping[str, Any]) -> tuple[str, str]:
    """German and English for one pydantic validation error (pydantic speaks English only)."""
    ctx = err.get("ctx") or {}
    kind = str(err.get("type", ""))
    if kind in _VALIDATION:
        return _VALIDATION[kind], _(_VALIDATION[kind], "en")
    if kind in _BOUNDS:
        msgid, key = _BOUNDS[kind]
        limit = ctx.get(key)
        return msgid.format(limit=limit), _(msgid, "en").format(limit=limit)
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        german = N_("muss einer dieser Werte sein: {values}")
        return german.format(values=expected.replace(" or ", " oder ")), str(err.get("msg", ""))
    msg = str(err.get("msg", kind))
    return msg, msg


ROLE_NAMES = {"photo": N_("Foto"), "logo": N_("Logo")}
_FILE = N_("Datei")
_HINT = N_("Meinten Sie „{suggestion}“?")


def _de_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _en_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


# Numbers that name something rather than count it: never "Port 60.487" or "Zeile 1.024".
PLAIN_NUMBERS = frozenset(
    {"port", "line", "first_line", "number", "year", "index", "first", "found", "supported", "code"}
)


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(message: Message, lang: str, count: Any = None) -> str:
    """The template of `message` in `lang` (German where the language has no catalogue)."""
    if message.plural is None:
        return _(message.msgid, lang)
    n = count if isinstance(count, int) and not isinstance(count, bool) else 2
    return i18n.ngettext_in(message.msgid, message.plural, n, lang, DOMAIN)


def render(code: str, lang: str, params: Mapping[str, Any]) -> str:
    """The message for `code` in `lang` ("de" or "en"), parameters filled in."""
    message = CATALOGUE.get(code)
    if message is None:
        return f"{code} {dict(params)}"
    template = text(message, lang, params.get("count"))
    fmt = _en_number if lang == "en" else _de_number
    values = {
        k: human_bytes(v, lang)
        if k.endswith("_bytes") and isinstance(v, int)
        else (v if k in PLAIN_NUMBERS else fmt(v))
        for k, v in params.items()
    }
    values.update(_derived(params, lang))
    return template.format_map(_Lenient(values))


def _derived(params: Mapping[str, Any], lang: str) -> dict[str, str]:
    """Parameters whose wording depends on the language: role names, hints, English forms."""
    out: dict[str, str] = {}
    if "role" in params:
        out["what"] = _(ROLE_NAMES.get(str(params["role"]), _FILE), lang)
    out["hint"] = ""
    if "suggestion" in params:
        out["hint"] = " " + _(_HINT, lang).format(suggestion=params["suggestion"])
    for key in ("detail", "expected", "thing", "actual", "where", "scripts"):
        if lang == "en" and f"{key}_en" in params:
            out[key] = str(params[f"{key}_en"])
    return out
