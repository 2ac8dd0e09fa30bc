"""gettext catalogues (managed with Babel): every text a person reads, German first.

The catalogues are newsletter/locale/LANG/LC_MESSAGES/DOMAIN.po, one per language and domain
(`DOMAINS`); `scripts/setup` compiles them to .mo with `pybabel compile`. Where a .mo is missing
(a fresh checkout before setup) the .po is compiled in memory with Babel, so a text is never
missing because a build step was not run.

German is the source language: the message ids are the German texts. A text that a catalogue
lacks is shown in German (and, for the organisations' mail, in English too), never as a key.
`scripts/catalogues.py` extracts every domain (`sources`, `KEYWORDS`, babel.cfg) and updates
its catalogues; CONTRIBUTING.md has the commands.
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
# Each domain and the languages it ships besides German. `newsletter`: what organisations and
# readers read (reminders, feedback, the upload page, the newsletter's frame); `messages`: the
# message codes and their words (check, build, send; the editor reads them, and contributors
# in the feedback, in German and English); `web`: the sign-up service's pages and mail. Kept
# apart so that a translator of Turkish gets the ~110 texts organisations read, not the 200
# long editor's messages, and so that each file stays reviewable on its own.
DOMAINS: dict[str, tuple[str, ...]] = {
    "newsletter": ("en", "tr", "ar", "uk"),
    "messages": ("en",),
    "web": ("en",),
    "cli": ("en",),
}
# Where each domain's texts are marked (paths from the repository root; babel.cfg says how to
# read each kind of file). `messages` is every other Python module of the package except the
# command line's (cli/, preview/: the `cli` domain), so that a module can move or split
# without a list to update; see `sources`.
SOURCES: dict[str, tuple[str, ...]] = {
    "newsletter": (
        "newsletter/network/texts.py",
        "newsletter/upload/texts.py",
        "newsletter/output/render.py",
        "newsletter/output/pdf.py",
        "newsletter/templates/email.html.j2",
        "newsletter/templates/email.txt.j2",
    ),
    "web": ("newsletter/web/texts.py", "newsletter/web/signup_mail.py"),
}
NOT_MESSAGES = ("newsletter/cli/", "newsletter/preview/", "newsletter/texts/cli.py")
# The preview page's own words (Jinja's i18n extension: {% trans %}, _(), pgettext()) and its
# script's, which the page hands to it: the editor reads them, in the commands' language.
CLI_TEMPLATES = ("newsletter/templates/preview.html.j2",)


def sources(domain: str) -> list[str]:
    """The files whose marked texts make up `domain` (for `pybabel extract`)."""
    if domain in SOURCES:
        return list(SOURCES[domain])
    package = Path(__file__).resolve().parents[1]
    taken = {path for paths in SOURCES.values() for path in paths}
    found = (p.relative_to(package.parent).as_posix() for p in sorted(package.rglob("*.py")))
    if domain == "cli":  # the commands and the preview (texts/cli.py has their shared words)
        return [p for p in found if p.startswith(NOT_MESSAGES)] + list(CLI_TEMPLATES)
    return [p for p in found if p not in taken and not p.startswith(NOT_MESSAGES)]


# The marker functions `pybabel extract` looks for (its -k options): N_ and Nn_ (plural pairs)
# anywhere, t/tf in the email templates, error_/warning_ (and their plural forms) in codes.py;
# tr/ntr/ptr/Np_ in the `cli` domain (texts/cli.py: said at once, counted, with a context);
# Jinja's i18n extension in the preview page: `_()`/`gettext()`, `ngettext()`, `pgettext()`,
# and `{% trans %}` blocks (which Jinja turns into gettext/ngettext calls).
KEYWORDS = (
    *("N_", "Nn_:1,2", "t", "tf", "error_", "warning_", "error_n_:1,2", "warning_n_:1,2"),
    *("tr", "ntr:1,2", "ptr:1c,2", "Np_:1c,2"),
    *("_", "gettext", "ngettext:1,2", "pgettext:1c,2"),
)


def N_(message: str) -> str:
    """Mark a German text for extraction; it is translated where it is shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a German text with a singular and a plural form (chosen by a count when shown)."""
    return singular, plural


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


def gettext_in(msgid: str, lang: str, domain: str) -> str:
    """`msgid` in `lang` from `domain`'s catalogue; the German text where there is none."""
    cat = catalogue(lang, domain) if lang != SOURCE else None
    return cat.gettext(msgid) if cat is not None else msgid


def ngettext_in(singular: str, plural: str, n: int, lang: str, domain: str) -> str:
    """The form of a counted text for `n` in `lang` (the language's plural rules); German else."""
    cat = catalogue(lang, domain) if lang != SOURCE else None
    if cat is not None:
        return cat.ngettext(singular, plural, n)
    return singular if n == 1 else plural


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
