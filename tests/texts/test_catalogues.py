"""Every text in gettext catalogues: complete, extracted, compiled, one table of codes.

The catalogues are newsletter/locale/LANG/LC_MESSAGES/DOMAIN.po (i18n.DOMAINS); the message
codes, their severity and their German texts are texts/codes.py's table.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.util import pathmatch

from newsletter.core.models import Finding
from newsletter.core.resources import LOCALE_DIR
from newsletter.texts import i18n
from newsletter.texts.codes import CATALOGUE
from newsletter.texts.messages import render
from newsletter.web.texts import TEXTS as WEB_TEXTS

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [(domain, lang) for domain, langs in i18n.DOMAINS.items() for lang in langs]
FIELD = re.compile(r"\{(\w*)[^{}]*\}")


def _po(domain: str, lang: str, locale: Path = LOCALE_DIR) -> Catalog:
    with (locale / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, list | tuple) else (str(message.id),)


def _strings(message: Message) -> tuple[str, ...]:
    s = message.string
    return tuple(s) if isinstance(s, list | tuple) else (str(s),)


def _extracted(domain: str) -> set[tuple[str, ...]]:
    """The msgids `pybabel extract -F babel.cfg` finds in the domain's sources (i18n.sources)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    keywords = parse_keywords(list(i18n.KEYWORDS))
    found: set[tuple[str, ...]] = set()
    for path in i18n.sources(domain):
        pattern, method = next((pm for pm in method_map if pathmatch(pm[0], path)), ("", ""))
        assert method, f"babel.cfg does not say how to read {path}"
        # the options are the section's (babel.cfg's [method: pattern]), keyed by its pattern
        for _line, msg, _comments, _context in extract_from_file(
            method, ROOT / path, keywords=keywords, options=options_map.get(pattern, {})
        ):
            found.add(tuple(msg) if isinstance(msg, tuple) else (msg,))
    return found


def stale_mo(locale: Path) -> list[str]:
    """Every .mo that is not what its .po compiles to today (a .mo missing is not stale)."""
    stale = []
    for po in sorted(locale.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        lang = po.parent.parent.name
        if mo.is_file() and mo.read_bytes() != i18n._compile(po, lang):
            stale.append(str(mo.relative_to(locale)))
    return stale


# --- every code, every language ------------------------------------------------------------


@pytest.mark.parametrize("lang", i18n.DOMAINS["messages"])
def test_every_message_code_has_a_text_in_every_shipped_language(lang: str) -> None:
    cat = _po("messages", lang)
    missing = []
    for code, message in CATALOGUE.items():
        entry = cat.get(message.msgid)
        strings = _strings(entry) if entry is not None else ("",)
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(code)
        elif message.plural is not None:
            assert _ids(entry) == (message.msgid, message.plural), code
            assert len(strings) == cat.num_plurals, code
    assert not missing, f"no {lang} text (run scripts/catalogues.py, translate): {missing}"


@pytest.mark.parametrize(("domain", "lang"), SHIPPED)
def test_every_shipped_catalogue_is_complete_and_keeps_the_placeholders(
    domain: str, lang: str
) -> None:
    cat = _po(domain, lang)
    assert not cat.fuzzy, f"{domain}/{lang}: the header is marked fuzzy (pybabel skips it)"
    for entry in cat:
        if not entry.id:
            continue
        strings = _strings(entry)
        assert all(strings) and not entry.fuzzy, f"{domain}/{lang} untranslated: {entry.id!r}"
        want = {f for i in _ids(entry) for f in FIELD.findall(i)}
        got = {f for s in strings for f in FIELD.findall(s)}
        assert got == want, f"{domain}/{lang} placeholders {got} != {want}: {entry.id!r}"


def test_each_shipped_language_has_a_catalogue_and_no_catalogue_is_unknown() -> None:
    on_disk = {(po.stem, po.parent.parent.name) for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po")}
    assert set(SHIPPED) <= on_disk
    # other domains (the CLI's) may ship more; ours ship what i18n.DOMAINS says
    ours = {(d, lang) for d, lang in on_disk if d in i18n.DOMAINS}
    assert ours == set(SHIPPED), "add the language to i18n.DOMAINS (and CATALOGUES)"


# --- extraction and compilation --------------------------------------------------------------


@pytest.mark.parametrize("domain", list(i18n.DOMAINS))
def test_every_text_in_the_code_is_in_the_template_and_every_catalogue(domain: str) -> None:
    in_code = _extracted(domain)
    with (LOCALE_DIR / f"{domain}.pot").open("rb") as fh:
        pot = {_ids(m) for m in read_po(fh) if m.id}
    assert in_code - pot == set(), "run scripts/catalogues.py (pybabel extract)"
    assert pot - in_code == set(), "the .pot holds texts the code no longer has: extract again"
    for lang in i18n.DOMAINS[domain]:
        po = {_ids(m) for m in _po(domain, lang) if m.id}
        assert in_code - po == set(), f"run scripts/catalogues.py (pybabel update): {lang}"


def test_the_tables_texts_are_all_marked_for_extraction() -> None:
    codes = _extracted("messages")
    for code, message in CATALOGUE.items():
        ids = (message.msgid,) if message.plural is None else (message.msgid, message.plural)
        assert ids in codes, code
    web = _extracted("web")
    assert all((msgid,) in web for msgid in WEB_TEXTS.values())


def test_no_compiled_catalogue_is_stale() -> None:
    assert stale_mo(LOCALE_DIR) == [], "run scripts/setup (or pybabel compile)"


def test_a_stale_mo_is_found(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    po = locale / "en" / "LC_MESSAGES" / "messages.po"
    po.with_suffix(".mo").write_bytes(i18n._compile(po, "en"))
    assert stale_mo(locale) == []
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Line {line}: {detail}."', 'msgstr "L{line}: {detail}"'))
    assert stale_mo(locale) == ["en/LC_MESSAGES/messages.mo"]


# --- severity in one place -------------------------------------------------------------------


def test_a_finding_takes_its_severity_from_the_table() -> None:
    assert Finding(code="LATE").severity == "error"
    assert Finding(code="LATE_ACCEPTED").severity == "warning"
    with pytest.raises(ValueError, match="TEXT_IMAGE is 'warning'"):
        Finding(severity="error", code="TEXT_IMAGE")
    # the disputed ones, decided by what the product needs (see codes.py)
    for code in ("TEXT_IMAGE", "BUDGET_LOWERED", "BUDGET_EXCEEDED", "ALT_FROM_CAPTION"):
        assert CATALOGUE[code].severity == "warning", code
    assert CATALOGUE["ALT_MISSING"].severity == "error"


def test_no_call_site_names_a_severity() -> None:
    # a Finding is made with its code; the severity is the table's (texts/codes.py)
    named = []
    for path in sorted((ROOT / "newsletter").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Finding"
                and any(k.arg == "severity" for k in node.keywords)
            ):
                named.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert named == []


def test_the_readme_rules_table_is_generated_from_the_table() -> None:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    gen_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_docs)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gen_docs.rules_table() in readme, "run scripts/gen_docs.py"


# --- plural forms -----------------------------------------------------------------------------


def test_counted_texts_use_the_languages_plural_forms() -> None:
    assert "1 Bild (" in render("TEXT_IMAGE", "de", {"count": 1})
    assert "2 Bilder (" in render("TEXT_IMAGE", "de", {"count": 2})
    assert "1 picture (" in render("TEXT_IMAGE", "en", {"count": 1})
    assert "0 pictures (" in render("TEXT_IMAGE", "en", {"count": 0})
    assert "1 Einreichung hat" in render("BUILD_REFUSED", "de", {"count": 1, "slugs": "a"})
    assert "2 submissions have" in render("BUILD_REFUSED", "en", {"count": 2, "slugs": "a, b"})
    # no home-made "{n:one|many}" left in any text of the table
    for message in CATALOGUE.values():
        assert not re.search(r"\{\w+:[^{}]*\|", message.msgid + (message.plural or ""))


def test_a_language_without_a_catalogue_reads_german() -> None:
    assert render("LATE", "tr", {"received": "1", "deadline": "2"}).startswith("Eingegangen")
    assert i18n.ngettext_in("ein Bild", "{n} Bilder", 3, "fa", "messages") == "{n} Bilder"
