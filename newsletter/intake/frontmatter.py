"""Split submission.md into its YAML front matter and Markdown body, safely.

The YAML loader is PyYAML's safe loader narrowed further: anchors and aliases are refused
(an alias bomb cannot expand), only `true`/`false` are booleans (YAML 1.2: `language: no`
stays the string "no", Norwegian), numbers, dates and times stay strings (no field is
numeric), and every problem carries a line number a volunteer can find in an editor.

Speed: PyYAML's pure-Python scanner and composer take most of `check`'s time on a large issue,
so a front matter made of ordinary characters is first read by libyaml's C parser (when PyYAML
was built with it) with the same resolvers and constructor. Whatever that parser refuses, and
anything unusual (tabs, anchors, aliases, tags, control or line-separator characters), goes to
the pure-Python loader, so every problem is found and worded exactly as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent
from yaml.nodes import Node

from newsletter.texts.syntax import explain_control_character, explain_yaml

_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class FrontMatterError(Exception):
    """A problem with the front matter: a message code, the 1-based line, a detail."""

    code: str  # YAML_SYNTAX, YAML_TAB, YAML_ALIAS, YAML_NOT_MAPPING, FRONT_MATTER_MISSING
    line: int = 1
    detail: str = ""  # German (syntax_texts), what to change
    detail_en: str = ""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without aliases and with YAML 1.2 booleans."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise ComposerError(None, None, "alias", event.start_mark)
        node: Node | None = super().compose_node(parent, index)
        return node


# No field of submission.md is a number or a date, so only null and true/false are resolved
# implicitly: a phone number "02302 000000", a postcode "04103" or "12:30" (YAML 1.1 reads
# that as 750) all stay the strings the volunteer typed.
_StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_CLoader: type[Any] | None = None
if yaml.__with_libyaml__:

    class _FastLoader(yaml.CSafeLoader):
        """libyaml's parser with _StrictLoader's resolvers: the same values, faster."""

    _FastLoader.yaml_implicit_resolvers = _StrictLoader.yaml_implicit_resolvers
    _CLoader = _FastLoader

# What the C parser is trusted with: printable text (str.isprintable, newlines aside: no tab,
# \r, NEL, U+2028/2029, BOM, control, format or unassigned character) without flow collections
# or block scalars ([ ] { } | >: libyaml accepts some that PyYAML refuses), aliases (*, which
# _StrictLoader refuses) or tags (a `!` that may start a token: an empty one reads as "" there,
# as null here). Anything else takes the pure-Python path. (A character class spanning Unicode
# would say the same but takes longer to compile than the parsing it saves on a small issue.)
_UNTRUSTED = re.compile(r"[*\[\]{}|>]|(?<![^\s\"'])!")


def split(text: str) -> tuple[str | None, str, int]:
    """Return (front matter or None, body, line number where the body starts)."""
    text = text.lstrip("\ufeff")
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return None, text, 1
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]) or lines[i].rstrip() == "...":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    return None, text, 1


def _usual(front: str) -> bool:
    """Whether libyaml reads `front` as PyYAML's own loader would (see _UNTRUSTED)."""
    return front.replace("\n", " ").isprintable() and not _UNTRUSTED.search(front)


def _load(front: str) -> Any:
    """The parsed document: libyaml for a usual front matter it accepts, else PyYAML's own."""
    if _CLoader is not None and _usual(front):
        try:
            return yaml.load(front, Loader=_CLoader)
        except Exception:  # whatever it is: the pure-Python loader says what is wrong
            pass
    return yaml.load(front, Loader=_StrictLoader)


def parse(front: str) -> dict[str, Any]:
    """Parse the front matter into a mapping; raise FrontMatterError with a line number."""
    rows = front.split("\n")
    for number, row in enumerate(rows, start=2):  # line 1 is the opening ---
        if "\t" in row[: len(row) - len(row.lstrip(" \t"))]:
            raise FrontMatterError("YAML_TAB", number)
    try:
        data = _load(front)
    except ComposerError as exc:
        line = exc.problem_mark.line + 2 if exc.problem_mark else 1
        if exc.problem == "alias":
            raise FrontMatterError("YAML_ALIAS", line) from None
        raise FrontMatterError("YAML_SYNTAX", line, *explain_yaml(exc.problem)) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 2 if exc.problem_mark else 1
        if "\t" in (rows[line - 2] if 0 <= line - 2 < len(rows) else ""):
            raise FrontMatterError("YAML_TAB", line) from None
        raise FrontMatterError(
            "YAML_SYNTAX", line, *explain_yaml(exc.problem, exc.context)
        ) from None
    except yaml.reader.ReaderError as exc:
        # a raw control character: PyYAML gives only a character offset, not a line
        line = front.count("\n", 0, max(exc.position, 0)) + 2
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        raise FrontMatterError("YAML_SYNTAX", line, *explain_control_character(char)) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError("YAML_SYNTAX", 1, *explain_yaml(str(exc))) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError("YAML_NOT_MAPPING", 2)
    return {str(k): v for k, v in data.items()}
