"""What a YAML or TOML parser complains about, in words a volunteer or the editor follows.

PyYAML and tomllib speak English and in their own terms ("mapping values are not allowed
here", "Expected newline or end of document after a statement"). Each known problem is mapped
to a German sentence that says what to change (a msgid of the `messages` gettext domain; English
is its translation); the line number stays with the caller. Unknown problems get a general
sentence instead of the parser's jargon.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from newsletter.texts import i18n
from newsletter.texts.i18n import N_


def _en(msgid: str) -> str:
    return i18n.gettext_in(msgid, "en", "messages")


# (substring of PyYAML's problem, German); the first match wins. "{char}" is the character.
_YAML: tuple[tuple[str, str], ...] = (
    (
        "mapping values are not allowed",
        N_(
            "ein Doppelpunkt steht an unerwarteter Stelle. Enthält ein Wert einen "
            "Doppelpunkt, bitte den ganzen Wert in Anführungszeichen setzen (z. B. goal: "
            '"Ziel: Begegnung"); sonst fehlt vielleicht in der Zeile davor der '
            "Doppelpunkt nach dem Feldnamen"
        ),
    ),
    ("found unexpected end of stream", N_("ein Anführungszeichen wird nicht geschlossen")),
    (
        "but found '<scalar>'",
        N_(
            "nach dem Wert in Anführungszeichen steht noch Text; bitte den ganzen Wert "
            "in Anführungszeichen setzen"
        ),
    ),
    (
        "expected <block end>",
        N_(
            "die Einrückung stimmt nicht: Zeilen, die zusammengehören, müssen gleich "
            "weit mit Leerzeichen eingerückt sein, wie in der Vorlage"
        ),
    ),
    (
        "did not find expected key",
        N_(
            "die Einrückung stimmt nicht: Zeilen, die zusammengehören, müssen gleich "
            "weit mit Leerzeichen eingerückt sein, wie in der Vorlage"
        ),
    ),
    (
        "did not find expected '-' indicator",
        N_("in der Liste fehlt am Zeilenanfang ein „-“, oder die Einrückung stimmt nicht"),
    ),
    (
        "could not find expected ':'",
        N_("nach dem Feldnamen fehlt der Doppelpunkt (z. B. goal: Text)"),
    ),
    (
        "that cannot start any token",
        N_(
            "ein Wert beginnt mit dem Zeichen {char}, das dort nicht stehen darf; bitte "
            "den ganzen Wert in Anführungszeichen setzen"
        ),
    ),
    (
        "could not determine a constructor for the tag",
        N_("ein Wert beginnt mit „!“; bitte den ganzen Wert in Anführungszeichen setzen"),
    ),
    (
        "found unknown escape character",
        N_(
            "in Anführungszeichen steht ein „\\“ vor einem Buchstaben; bitte einfache "
            "Anführungszeichen ('…') verwenden"
        ),
    ),
    ("expected ',' or ']'", N_("eine eckige Klammer „[“ wird nicht geschlossen")),
    ("expected ',' or '}'", N_("eine geschweifte Klammer „{{“ wird nicht geschlossen")),
    (
        "expected a comment or a line break",
        N_(
            "nach dem Wert in Anführungszeichen steht noch Text; bitte den ganzen Wert "
            "in Anführungszeichen setzen"
        ),
    ),
)
_YAML_UNKNOWN = N_(
    "der Aufbau stimmt nicht – oft ein Doppelpunkt im Text (dann den Wert in "
    "Anführungszeichen setzen) oder eine falsche Einrückung"
)


def explain_yaml(problem: str | None, context: str | None = None) -> tuple[str, str]:
    """German and English for a PyYAML problem (and its context)."""
    text = f"{problem or ''} {context or ''}"
    char = re.search(r"found character '(.+?)'", text)
    shown = f"„{char.group(1)}“" if char else "?"
    for needle, de in _YAML:
        if needle in text:
            en = _en(de).format(char=shown.replace("„", "'").replace("“", "'"))
            return de.format(char=shown), en
    return _YAML_UNKNOWN, _en(_YAML_UNKNOWN)


def explain_control_character(codepoint: int) -> tuple[str, str]:
    """A raw control character (PyYAML's ReaderError, tomllib's "Illegal character")."""
    de = N_("ein unsichtbares Steuerzeichen (U+{codepoint}); bitte die Zeile neu eintippen")
    return de.format(codepoint=f"{codepoint:04X}"), _en(de).format(codepoint=f"{codepoint:04X}")


# (start of tomllib's message, German); the first match wins.
_TOML: tuple[tuple[str, str], ...] = (
    (
        "Expected newline or end of document",
        N_(
            "nach dem Wert steht noch etwas. Text gehört in Anführungszeichen (title = "
            '"…"), Datum und Uhrzeit so: 2026-11-27T23:59'
        ),
    ),
    (
        "Invalid value",
        N_(
            'ungültiger Wert. Text gehört in Anführungszeichen (title = "…"), ein Datum '
            "so: 2026-12-04, Datum und Uhrzeit so: 2026-11-27T23:59"
        ),
    ),
    (
        "Invalid date or datetime",
        N_("ungültiges Datum; bitte so schreiben: 2026-12-04 oder 2026-11-27T23:59"),
    ),
    ("Expected '=' after a key", N_("nach dem Feldnamen fehlt „=“ (z. B. number = 38)")),
    ("Unterminated string", N_("ein Anführungszeichen wird nicht geschlossen")),
    ("Unclosed array", N_("eine eckige Klammer „[“ wird nicht geschlossen")),
    ("Unclosed inline table", N_("eine geschweifte Klammer „{“ wird nicht geschlossen")),
    ("Expected ']", N_("in der Überschrift fehlt die schließende eckige Klammer „]“")),
    ("Cannot declare", N_("eine Überschrift steht doppelt")),
    ("Cannot overwrite", N_("ein Feld steht doppelt")),
    ("Duplicate inline table key", N_("ein Feld steht doppelt")),
    ("Cannot redefine", N_("eine Überschrift steht doppelt")),
    ("Cannot mutate", N_("ein Feld steht doppelt")),
    (
        "Unescaped '\\'",
        N_(
            "in Anführungszeichen steht ein einzelner „\\“; bitte „\\\\“ schreiben oder "
            "einfache Anführungszeichen ('…') verwenden"
        ),
    ),
    (
        "Illegal character '\\n'",  # a line break inside "…": the quote was not closed
        N_("ein Anführungszeichen wird nicht geschlossen"),
    ),
    ("Illegal character", N_("ein unsichtbares Steuerzeichen; bitte die Zeile neu eintippen")),
)
_TOML_UNKNOWN = N_(
    'die Zeile hat nicht die Form feld = wert (Text in Anführungszeichen: title = "…")'
)
_AT = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)\s*$")


def explain_toml(exc: tomllib.TOMLDecodeError) -> dict[str, Any]:
    """Message parameters for a TOML syntax error: line (or None), detail, detail_en, where."""
    message = str(getattr(exc, "msg", None) or exc)
    at = _AT.search(str(exc))
    line = int(at.group(1)) if at and at.group(1) else getattr(exc, "lineno", None)
    message = _AT.sub("", message)
    de = next((d for needle, d in _TOML if message.startswith(needle)), _TOML_UNKNOWN)
    where = N_("Zeile {line}") if line else N_("am Ende")
    return {
        "line": line,
        "detail": de,
        "detail_en": _en(de),
        "where": where.format(line=line),
        "where_en": _en(where).format(line=line),
    }


# A date and time without seconds (TOML 1.1 allows it, TOML 1.0 and tomllib do not):
# "deadline = 2026-11-27T23:59" or "… 23:59" with an optional offset, as an editor types it.
_NO_SECONDS = re.compile(
    r"(?m)^(\s*[\w.\"'-]+\s*=\s*\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2})"
    r"(?=(?:Z|[+-]\d{2}:\d{2})?\s*(?:#|$))"
)


def loads_toml(text: str) -> dict[str, Any]:
    """tomllib.loads, accepting a date and time without seconds (read as :00)."""
    return tomllib.loads(_NO_SECONDS.sub(r"\1:00", text))
