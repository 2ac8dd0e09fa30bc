"""What a YAML or TOML parser complains about, in words a volunteer or the editor follows.

PyYAML and tomllib speak English and in their own terms ("mapping values are not allowed
here", "Expected newline or end of document after a statement"). Each known problem is mapped
to a German and an English sentence that says what to change; the line number stays with the
caller. Unknown problems get a general sentence instead of the parser's jargon.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

_QUOTE_DE = "bitte den ganzen Wert in Anführungszeichen setzen"
_QUOTE_EN = "put the whole value in quotes"
_INDENT = (
    "die Einrückung stimmt nicht: Zeilen, die zusammengehören, müssen gleich weit mit "
    "Leerzeichen eingerückt sein, wie in der Vorlage",
    "the indentation is wrong: lines that belong together must be indented by the same "
    "number of spaces, as in the template",
)

# (substring of PyYAML's problem, German, English); the first match wins.
_YAML: tuple[tuple[str, str, str], ...] = (
    (
        "mapping values are not allowed",
        "ein Doppelpunkt steht an unerwarteter Stelle. Enthält ein Wert einen Doppelpunkt, "
        f'{_QUOTE_DE} (z. B. goal: "Ziel: Begegnung"); sonst fehlt vielleicht in der Zeile '
        "davor der Doppelpunkt nach dem Feldnamen",
        f"a colon is in an unexpected place. If a value contains a colon, {_QUOTE_EN} (e.g. "
        'goal: "Aim: meeting"); otherwise the line before may lack the colon after the '
        "field name",
    ),
    (
        "found unexpected end of stream",
        "ein Anführungszeichen wird nicht geschlossen",
        "a quotation mark is not closed",
    ),
    (
        "but found '<scalar>'",
        f"nach dem Wert in Anführungszeichen steht noch Text; {_QUOTE_DE}",
        f"there is more text after the quoted value; {_QUOTE_EN}",
    ),
    ("expected <block end>", *_INDENT),
    ("did not find expected key", *_INDENT),
    (
        "did not find expected '-' indicator",
        "in der Liste fehlt am Zeilenanfang ein „-“, oder die Einrückung stimmt nicht",
        "a list entry lacks its '-' at the start, or the indentation is wrong",
    ),
    (
        "could not find expected ':'",
        "nach dem Feldnamen fehlt der Doppelpunkt (z. B. goal: Text)",
        "the colon after the field name is missing (e.g. goal: text)",
    ),
    (
        "that cannot start any token",
        "ein Wert beginnt mit dem Zeichen {char}, das dort nicht stehen darf; " + _QUOTE_DE,
        "a value starts with the character {char}, which is not allowed there; " + _QUOTE_EN,
    ),
    (
        "could not determine a constructor for the tag",
        f"ein Wert beginnt mit „!“; {_QUOTE_DE}",
        f"a value starts with '!'; {_QUOTE_EN}",
    ),
    (
        "found unknown escape character",
        "in Anführungszeichen steht ein „\\“ vor einem Buchstaben; bitte einfache "
        "Anführungszeichen ('…') verwenden",
        "a '\\' stands before a letter inside double quotes; use single quotes ('…')",
    ),
    (
        "expected ',' or ']'",
        "eine eckige Klammer „[“ wird nicht geschlossen",
        "a square bracket '[' is not closed",
    ),
    (
        "expected ',' or '}'",
        "eine geschweifte Klammer „{{“ wird nicht geschlossen",
        "a curly bracket '{{' is not closed",
    ),
    (
        "expected a comment or a line break",
        f"nach dem Wert in Anführungszeichen steht noch Text; {_QUOTE_DE}",
        f"there is more text after the quoted value; {_QUOTE_EN}",
    ),
)
_YAML_UNKNOWN = (
    "der Aufbau stimmt nicht – oft ein Doppelpunkt im Text (dann den Wert in "
    "Anführungszeichen setzen) oder eine falsche Einrückung",
    "the structure is wrong – often a colon in a value (then put the value in quotes) or "
    "wrong indentation",
)


def explain_yaml(problem: str | None, context: str | None = None) -> tuple[str, str]:
    """German and English for a PyYAML problem (and its context)."""
    text = f"{problem or ''} {context or ''}"
    char = re.search(r"found character '(.+?)'", text)
    shown = f"„{char.group(1)}“" if char else "?"
    for needle, de, en in _YAML:
        if needle in text:
            return de.format(char=shown), en.format(char=shown.replace("„", "'").replace("“", "'"))
    return _YAML_UNKNOWN


def explain_control_character(codepoint: int) -> tuple[str, str]:
    """A raw control character (PyYAML's ReaderError, tomllib's "Illegal character")."""
    return (
        f"ein unsichtbares Steuerzeichen (U+{codepoint:04X}); bitte die Zeile neu eintippen",
        f"an invisible control character (U+{codepoint:04X}); type the line again",
    )


# (start of tomllib's message, German, English); the first match wins.
_TOML: tuple[tuple[str, str, str], ...] = (
    (
        "Expected newline or end of document",
        "nach dem Wert steht noch etwas. Text gehört in Anführungszeichen "
        '(title = "…"), Datum und Uhrzeit so: 2026-11-27T23:59',
        'something follows the value. Text belongs in quotes (title = "…"); write date and '
        "time like 2026-11-27T23:59",
    ),
    (
        "Invalid value",
        'ungültiger Wert. Text gehört in Anführungszeichen (title = "…"), ein Datum so: '
        "2026-12-04, Datum und Uhrzeit so: 2026-11-27T23:59",
        'invalid value. Text belongs in quotes (title = "…"), a date like 2026-12-04, date '
        "and time like 2026-11-27T23:59",
    ),
    (
        "Invalid date or datetime",
        "ungültiges Datum; bitte so schreiben: 2026-12-04 oder 2026-11-27T23:59",
        "invalid date; write it like 2026-12-04 or 2026-11-27T23:59",
    ),
    (
        "Expected '=' after a key",
        "nach dem Feldnamen fehlt „=“ (z. B. number = 38)",
        "the '=' after the field name is missing (e.g. number = 38)",
    ),
    (
        "Unterminated string",
        "ein Anführungszeichen wird nicht geschlossen",
        "a quotation mark is not closed",
    ),
    ("Unclosed array", "eine eckige Klammer „[“ wird nicht geschlossen", "a '[' is not closed"),
    (
        "Unclosed inline table",
        "eine geschweifte Klammer „{“ wird nicht geschlossen",
        "a '{' is not closed",
    ),
    (
        "Expected ']",
        "in der Überschrift fehlt die schließende eckige Klammer „]“",
        "the heading lacks its closing ']'",
    ),
    ("Cannot declare", "eine Überschrift steht doppelt", "a heading appears twice"),
    ("Cannot overwrite", "ein Feld steht doppelt", "a field appears twice"),
    ("Duplicate inline table key", "ein Feld steht doppelt", "a field appears twice"),
    ("Cannot redefine", "eine Überschrift steht doppelt", "a heading appears twice"),
    ("Cannot mutate", "ein Feld steht doppelt", "a field appears twice"),
    (
        "Unescaped '\\'",
        "in Anführungszeichen steht ein einzelner „\\“; bitte „\\\\“ schreiben oder einfache "
        "Anführungszeichen ('…') verwenden",
        "a single '\\' inside double quotes; write '\\\\' or use single quotes ('…')",
    ),
    (
        "Illegal character '\\n'",  # a line break inside "…": the quote was not closed
        "ein Anführungszeichen wird nicht geschlossen",
        "a quotation mark is not closed",
    ),
    (
        "Illegal character",
        "ein unsichtbares Steuerzeichen; bitte die Zeile neu eintippen",
        "an invisible control character; type the line again",
    ),
)
_TOML_UNKNOWN = (
    'die Zeile hat nicht die Form feld = wert (Text in Anführungszeichen: title = "…")',
    'the line is not of the form field = value (text in quotes: title = "…")',
)
_AT = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)\s*$")


def explain_toml(exc: tomllib.TOMLDecodeError) -> dict[str, Any]:
    """Message parameters for a TOML syntax error: line (or None), detail, detail_en, where."""
    message = str(getattr(exc, "msg", None) or exc)
    at = _AT.search(str(exc))
    line = int(at.group(1)) if at and at.group(1) else getattr(exc, "lineno", None)
    message = _AT.sub("", message)
    de, en = next(((d, e) for needle, d, e in _TOML if message.startswith(needle)), _TOML_UNKNOWN)
    where = (f"Zeile {line}", f"line {line}") if line else ("am Ende", "at the end")
    return {"line": line, "detail": de, "detail_en": en, "where": where[0], "where_en": where[1]}


# A date and time without seconds (TOML 1.1 allows it, TOML 1.0 and tomllib do not):
# "deadline = 2026-11-27T23:59" or "… 23:59" with an optional offset, as an editor types it.
_NO_SECONDS = re.compile(
    r"(?m)^(\s*[\w.\"'-]+\s*=\s*\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2})"
    r"(?=(?:Z|[+-]\d{2}:\d{2})?\s*(?:#|$))"
)


def loads_toml(text: str) -> dict[str, Any]:
    """tomllib.loads, accepting a date and time without seconds (read as :00)."""
    return tomllib.loads(_NO_SECONDS.sub(r"\1:00", text))
