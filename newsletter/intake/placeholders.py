"""The template's own words: recognise what `newsletter new` wrote and nobody replaced.

`templates/submission.md` (which an editor may adapt) holds example text: the body says
"Hier steht Ihr Text …", hints say "z. B. Sommerfest 2026 im Stadtpark", and an adapted
template may put sample values into fields. A folder whose text is still that would publish
it, so intake (which text to use) and rules (TEMPLATE_TEXT, TEMPLATE_BODY) ask this module.
Everything is read from the template in use, never hard-coded, and cached per file version.
"""

from __future__ import annotations

import contextlib
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsletter.core.config import Settings
from newsletter.core.resources import find_template
from newsletter.intake import frontmatter

TEMPLATE = "submission.md"
# Shorter sentences ("Danke!") may well be a volunteer's own; longer ones are the template's.
MIN_SENTENCE_CHARS = 20
_SENTENCE_END = re.compile(r"(?<=[.?!:])\s+")
_HINT_EXAMPLE = re.compile(r"#.*?\bz\.\s?B\.\s*(.+?)\s*$", re.MULTILINE)
# Fields whose template value is a real default, not a sample: the name `new` fills in, the
# file names (a missing file is FILE_MISSING) and the language code.
_NOT_SAMPLES = frozenset({"organisation", "logo", "language", "file", "consent"})


def template_path(settings: Settings) -> Path:
    """templates/submission.md of the project, else the one shipped with the package."""
    return find_template(settings, TEMPLATE)


def template_text(settings: Settings) -> str:
    """The submission template: templates/submission.md (an editor may adapt it)."""
    return template_path(settings).read_text(encoding="utf-8")


def normalise(text: str) -> str:
    """Compare texts as a reader would: case, spacing and closing punctuation ignored."""
    return " ".join(text.split()).casefold().strip(" \"'„“”.")


@dataclass(frozen=True)
class Samples:
    """The template's example sentences (body) and example values (fields), normalised."""

    sentences: tuple[str, ...] = ()
    values: frozenset[str] = frozenset()
    shown: tuple[str, ...] = ()  # the sentences as the template writes them

    def sentences_in(self, body: str) -> list[str]:
        """The template sentences (as written there) that occur in `body`, in template order."""
        text = normalise(body)
        return [shown for s, shown in zip(self.sentences, self.shown, strict=True) if s in text]

    def only_template(self, body: str) -> bool:
        """True if `body` has text and all of it is the template's."""
        text = normalise(body)
        if not text:
            return False
        for s in self.sentences:
            text = text.replace(s, " ")
        return not any(c.isalnum() for c in text)

    def is_sample(self, value: str) -> bool:
        """True if a field's value is one of the template's examples."""
        return bool(value.strip()) and normalise(value) in self.values


def samples(settings: Settings) -> Samples:
    """The samples of the template in use (read once per version of the file)."""
    path = template_path(settings)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return Samples()
    return _samples(path, stamp)


@functools.lru_cache(maxsize=8)
def _samples(path: Path, stamp: int) -> Samples:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return Samples()
    raw = raw.replace("{organisation}", '""')
    front, body, _ = frontmatter.split(raw)
    shown = {
        normalise(s): s
        for s in _SENTENCE_END.split(" ".join(body.split()))
        if len(normalise(s)) >= MIN_SENTENCE_CHARS
    }
    values = {normalise(m) for m in _HINT_EXAMPLE.findall(front or "")}
    if front is not None:
        # an adapted template that is not valid YAML: its hints and body still count
        with contextlib.suppress(frontmatter.FrontMatterError):
            values |= {normalise(v) for v in _strings(frontmatter.parse(front))}
    return Samples(tuple(shown), frozenset(v for v in values if v), tuple(shown.values()))


def _strings(data: Any, key: str = "") -> list[str]:
    """Every string value of the template's front matter that is a sample."""
    if key in _NOT_SAMPLES:
        return []
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in _strings(v, str(k))]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v, key)]
    return []
