"""gettext catalogues (managed with Babel) for the texts contributors read in their language.

The catalogues are newsletter/locale/LANG/LC_MESSAGES/newsletter.po; `scripts/setup` compiles
them to .mo with `pybabel compile`. Where a .mo is missing (a fresh checkout before setup) the
.po is compiled in memory with Babel, so a text is never missing because a build step was not run.

German is the source language (the message ids are German, see orgmail_texts.py). A text that a
catalogue lacks is shown in German *and* English, never as a key.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import logging
from pathlib import Path

from newsletter.core.resources import LOCALE_DIR

log = logging.getLogger(__name__)

DOMAIN = "newsletter"
SOURCE = "de"
CATALOGUES = ("en", "tr", "ar", "uk")
# The languages the newsletter's frame (its own words around the contributions) is built in.
FRAMES = (SOURCE, *CATALOGUES)
RTL = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"})


@functools.lru_cache(maxsize=64)
def catalogue(lang: str, domain: str = DOMAIN) -> gettext.NullTranslations | None:
    """The compiled catalogue of `lang` (primary subtag) in `domain`, or None when there is none.

    Each domain is one file per language, locale/LANG/LC_MESSAGES/DOMAIN.po: `newsletter`
    for what contributors, editors and readers read; other domains are added beside it.
    """
    if lang not in CATALOGUES:
        return None
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    mo, po = folder / f"{domain}.mo", folder / f"{domain}.po"
    try:
        if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
            with mo.open("rb") as fh:
                return gettext.GNUTranslations(fh)
        if po.is_file():
            return gettext.GNUTranslations(io.BytesIO(_compile(po, lang)))
    except (OSError, ValueError) as exc:  # a damaged file: German and English instead
        log.warning("catalogue %s unusable: %s", lang, exc)
    return None


def _compile(po: Path, lang: str) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    out = io.BytesIO()
    write_mo(out, cat)
    return out.getvalue()


def translate(msgid: str, lang: str, domain: str = DOMAIN) -> str | None:
    """The translation of `msgid` into `lang`; the id itself for German; None when missing."""
    if lang == SOURCE:
        return msgid
    cat = catalogue(lang, domain)
    if cat is None:
        return None
    text = cat.gettext(msgid)
    return None if text == msgid else text


def texts(msgid: str, lang: str) -> list[tuple[str, str]]:
    """[(language, text)]: the translation, or German and English when `lang` lacks it."""
    found = translate(msgid, lang)
    if found is not None:
        return [(lang, found)]
    english = translate(msgid, "en")
    return [("de", msgid)] + ([("en", english)] if english else [])


def frame_language(tag: str | None) -> str:
    """The language of a newsletter's frame for a reader of `tag`: German without a catalogue."""
    lang = primary(tag or SOURCE)
    return lang if lang in FRAMES else SOURCE


def frame_text(msgid: str, lang: str) -> str:
    """A text of the newsletter's frame in `lang`, German where the catalogue lacks it."""
    return translate(msgid, lang) or msgid


def primary(tag: str) -> str:
    """The primary language subtag of a BCP 47 tag (`ar-SY` → `ar`)."""
    return tag.split("-", 1)[0].lower()


def is_rtl(lang: str) -> bool:
    """Whether the language is written right to left."""
    return primary(lang) in RTL


def N_(message: str) -> str:
    """Mark a text for extraction (`pybabel extract -k N_`); it is translated where it is used."""
    return message


def when(moment: dt.datetime | None, lang: str) -> str:
    """A deadline as people of that language write it (CLDR through Babel), local time."""
    from babel.dates import format_date, format_time  # Babel's date data: only when asked

    if moment is None:
        return "–"
    try:
        day = format_date(moment, "long", locale=lang)
        return f"{day}, {format_time(moment, 'HH:mm', tzinfo=moment.tzinfo, locale=lang)}"
    except (ValueError, LookupError):  # an unknown locale: ISO is understood everywhere
        return moment.strftime("%Y-%m-%d %H:%M")
