"""The `cli` domain as the preview page's template reads it (Jinja's i18n extension), and the
byte unit of texts/numbers.py from its catalogue.

A `{% trans %}` block's msgid depends on how it is read (trimmed or not, newstyle or not): the
template must be extracted (babel.cfg) exactly as the page's environment looks it up, or the
English page silently shows German. These tests hold the two together.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.util import pathmatch
from jinja2 import nodes

from newsletter.core.config import load_settings
from newsletter.preview.page import page_environment
from newsletter.texts import i18n
from newsletter.texts.cli import translations
from newsletter.texts.numbers import human_bytes
from tests.support import REPO

TEMPLATE = "newsletter/templates/preview.html.j2"
GETTEXT = {"_": 1, "gettext": 1, "ngettext": 2, "pgettext": 2}


def _extracted() -> set[tuple[str | None, tuple[str, ...]]]:
    """(context, msgids) of the template as scripts/catalogues.py extracts it (babel.cfg)."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    pattern, method = next(pm for pm in method_map if pathmatch(pm[0], TEMPLATE))
    found = set()
    for _line, msg, _comments, context in extract_from_file(
        method,
        REPO / TEMPLATE,
        keywords=parse_keywords(list(i18n.KEYWORDS)),
        options=options_map.get(pattern, {}),
    ):
        found.add((context, tuple(msg) if isinstance(msg, tuple) else (msg,)))
    return found


def _looked_up(tmp_path: Path) -> set[tuple[str | None, tuple[str, ...]]]:
    """(context, msgids) the page's own environment asks the catalogue for."""
    env = page_environment(load_settings(root=tmp_path), "en")
    source = (REPO / TEMPLATE).read_text(encoding="utf-8")
    found: set[tuple[str | None, tuple[str, ...]]] = set()
    for call in env.parse(source).find_all(nodes.Call):
        if not isinstance(call.node, nodes.Name) or call.node.name not in GETTEXT:
            continue
        args = [a.value for a in call.args if isinstance(a, nodes.Const)]
        if call.node.name == "pgettext":
            found.add((args[0], (args[1],)))
        else:
            found.add((None, tuple(args[: GETTEXT[call.node.name]])))
    return found


def test_the_template_is_extracted_as_the_page_looks_it_up(tmp_path: Path) -> None:
    looked_up = _looked_up(tmp_path)
    assert len(looked_up) > 80
    assert looked_up == _extracted()


def test_the_page_environment_speaks_the_language_it_is_given(tmp_path: Path) -> None:
    settings = load_settings(root=tmp_path)
    source = (
        "{% trans count=n %}{{ count }} Foto ist ohne Fotofreigabe nicht in der Ausgabe"
        "{% pluralize %}{{ count }} Fotos sind ohne Fotofreigabe nicht in der Ausgabe"
        '{% endtrans %} | {{ _("Prüfbericht") }} | {{ pgettext("Spalte", "Fehler") }}'
    )
    english = page_environment(settings, "en").from_string(source)
    german = page_environment(settings, "de").from_string(source)
    assert english.render(n=1) == (
        "1 photo is not in the issue: no photo release | Check report | Errors"
    )
    assert english.render(n=3).startswith("3 photos are not in the issue")
    assert german.render(n=1).startswith("1 Foto ist ohne Fotofreigabe")
    assert german.render(n=3) == (
        "3 Fotos sind ohne Fotofreigabe nicht in der Ausgabe | Prüfbericht | Fehler"
    )


@pytest.mark.parametrize("lang", ["de", "fa"])
def test_a_language_without_a_cli_catalogue_reads_the_german_texts(lang: str) -> None:
    t = translations(lang)
    assert t.gettext("Prüfbericht") == "Prüfbericht"
    assert t.ngettext("{n} Foto", "{n} Fotos", 2) == "{n} Fotos"


def test_the_byte_unit_is_the_catalogues() -> None:
    """ "Byte"/"bytes" are a gettext plural of the `messages` domain, not a word in the code."""
    assert i18n.ngettext_in("{n} Byte", "{n} Byte", 1, "en", "messages") == "{n} byte"
    assert i18n.ngettext_in("{n} Byte", "{n} Byte", 2, "en", "messages") == "{n} bytes"
    assert (human_bytes(1, "en"), human_bytes(0, "en"), human_bytes(-5, "en")) == (
        "1 byte",
        "0 bytes",
        "-5 bytes",
    )
    assert human_bytes(200, "fa") == "200 Byte"  # no catalogue: German, as before
