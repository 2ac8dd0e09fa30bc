"""The gettext catalogues: complete, marked as unreviewed, compiled by Babel, with a fallback."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from newsletter.core.resources import LOCALE_DIR
from newsletter.network import texts as T
from newsletter.network.mail import say
from newsletter.texts import i18n
from newsletter.upload import texts as upload_texts

ROOT = Path(__file__).resolve().parents[2]


def _frame_msgids() -> list[str]:
    """The frame's texts: t()/tf() in the email templates, N_() in render.py and pdf.py
    (babel.cfg)."""
    from babel.messages.extract import extract_from_file

    keywords = {"t": None, "tf": None, "N_": None}
    found = []
    for method, path in (
        ("jinja2", "newsletter/templates/email.html.j2"),
        ("jinja2", "newsletter/templates/email.txt.j2"),
        ("python", "newsletter/output/render.py"),
        ("python", "newsletter/output/pdf.py"),
    ):
        found += [str(m[1]) for m in extract_from_file(method, ROOT / path, keywords=keywords)]
    return found


MAIL_MSGIDS = [
    v
    for module in (T, upload_texts)
    for k, v in vars(module).items()
    if k.isupper() and isinstance(v, str)
]
FRAME_MSGIDS = _frame_msgids()
MSGIDS = MAIL_MSGIDS + FRAME_MSGIDS


@pytest.fixture
def fresh_catalogues() -> Iterator[None]:
    i18n.catalogue.cache_clear()
    yield
    i18n.catalogue.cache_clear()


@pytest.mark.parametrize("lang", i18n.CATALOGUES)
def test_every_text_is_translated_with_the_same_placeholders(lang: str) -> None:
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "newsletter.po"
    with po.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    strings = {str(m.id): str(m.string) for m in cat if m.id}
    assert set(strings) == set(MSGIDS), "run pybabel extract/update (see babel.cfg)"
    for msgid, text in strings.items():
        assert text and text != msgid, msgid
        assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", msgid)), text
    # nobody has reviewed these yet, and the catalogue says so in its metadata
    header = po.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "X-Review-Status: not reviewed by a native speaker" in header
    assert "NOT reviewed by a native speaker" in str(cat.language_team)


def test_a_missing_translation_falls_back_to_german_and_english_never_a_key() -> None:
    assert i18n.texts("Ein Satz, den kein Katalog kennt.", "tr") == [
        ("de", "Ein Satz, den kein Katalog kennt.")
    ]
    assert i18n.texts(T.HINT, "ru") == [("de", "Hinweis"), ("en", "Note")]  # no catalogue
    assert i18n.texts(T.HINT, "tr") == [("tr", "Not")]
    paras = say(T.DEADLINE, "fa", deadline=None)  # Persian: no catalogue yet
    assert [(p.lang, p.text) for p in paras] == [
        ("de", "Einsendeschluss: –"),
        ("en", "Deadline: –"),
    ]
    assert all("{" not in p.text for p in paras)


def test_catalogues_work_from_the_po_files_when_mo_files_were_not_compiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_catalogues: None
) -> None:
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n, "LOCALE_DIR", copy)
    assert not list(copy.rglob("*.mo"))
    assert i18n.translate(T.HINT, "ar") == "ملاحظة"
    assert i18n.translate(T.HINT, "uk") == "Порада"


def test_rtl_and_primary_subtags() -> None:
    assert i18n.is_rtl("ar-SY") and i18n.is_rtl("fa") and not i18n.is_rtl("tr")
    assert i18n.primary("uk-UA") == "uk"


def test_the_frame_texts_are_found_and_german_is_the_text_itself() -> None:
    assert {"Weiterlesen", "Newsletter abbestellen", "In dieser Ausgabe"} <= set(FRAME_MSGIDS)
    assert "Ausgabe {number}" in FRAME_MSGIDS and "und {count} weitere" in FRAME_MSGIDS
    assert i18n.frame_text("Weiterlesen", "de") == "Weiterlesen"
    assert i18n.frame_text("Weiterlesen", "tr") == "Devamını oku"
    assert i18n.frame_text("Weiterlesen", "fa") == "Weiterlesen"  # no catalogue: German
    assert i18n.frame_language("uk-UA") == "uk" and i18n.frame_language("ru") == "de"
    assert i18n.frame_language(None) == "de"
