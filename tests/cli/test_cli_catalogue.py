"""Every text of the commands and the preview has English in cli.po, with the same placeholders.

The texts are found the way scripts/catalogues.py finds them: Babel's extraction of the files
of i18n.sources("cli") with i18n.KEYWORDS, each file read as babel.cfg says (Python, or the
preview page's template with Jinja's i18n extension). (tests/texts checks every domain's
template and completeness too; this one also knows pgettext contexts and finds stale entries.)
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.util import pathmatch

from newsletter.texts import i18n
from tests.support import REPO

PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}|%\((\w+)\)[sdr]|%[sdr]")
PO = REPO / "newsletter" / "locale" / "en" / "LC_MESSAGES" / "cli.po"


def extracted() -> dict[tuple[str | None, str | tuple[str, ...]], str]:
    """(context, msgid or (singular, plural)) -> where it was found."""
    keywords = parse_keywords(list(i18n.KEYWORDS))
    with (REPO / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    found: dict[tuple[str | None, str | tuple[str, ...]], str] = {}
    for path in i18n.sources("cli"):
        pattern, method = next((pm for pm in method_map if pathmatch(pm[0], path)), ("", ""))
        assert method, f"babel.cfg does not say how to read {path}"
        for line, message, _comments, context in extract_from_file(
            method, str(REPO / path), keywords=keywords, options=options_map.get(pattern, {})
        ):
            msgid = message if isinstance(message, str) else tuple(message)
            found[(context, msgid)] = f"{path}:{line}"
    return found


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0).split(":")[0].split("!")[0] for m in PLACEHOLDER.finditer(text))


def test_extraction_finds_the_commands_and_the_preview() -> None:
    files = {where.split(":")[0] for where in extracted().values()}
    assert {
        "newsletter/cli/check.py",
        "newsletter/cli/send.py",
        "newsletter/texts/cli.py",
        "newsletter/preview/page.py",
        "newsletter/templates/preview.html.j2",
    } <= {Path(f).as_posix() for f in files}
    assert len(extracted()) > 250


def test_every_text_has_english_with_the_same_placeholders() -> None:
    with PO.open("rb") as fh:
        catalogue = read_po(fh, locale="en")
    missing, differ = [], []
    for (context, msgid), where in extracted().items():
        entry = catalogue.get(msgid if isinstance(msgid, str) else msgid[0], context=context)
        found = () if entry is None else entry.string
        strings = (found,) if isinstance(found, str) else tuple(found or ())
        if entry is None or not all(strings):
            missing.append(f"{where}: {msgid!r}")
            continue
        sources = (msgid,) if isinstance(msgid, str) else msgid
        for translated in strings:
            # the plural forms may each leave out {n}; the placeholders of either source count
            allowed = {p for s in sources for p in placeholders(s)}
            if not set(placeholders(translated)) <= allowed or (
                isinstance(msgid, str) and placeholders(translated) != placeholders(msgid)
            ):
                differ.append(f"{where}: {msgid!r} -> {translated!r}")
    assert missing == []
    assert differ == []


def test_no_translation_without_a_text_in_the_code() -> None:
    """A stale entry (its text was changed or removed in the code) is noticed, not kept."""
    with PO.open("rb") as fh:
        catalogue = read_po(fh, locale="en")
    used = {(c, m if isinstance(m, str) else m[0]) for c, m in extracted()}
    stale = [
        m.id
        for m in catalogue
        if m.id and (m.context, m.id if isinstance(m.id, str) else m.id[0]) not in used
    ]
    assert stale == []
