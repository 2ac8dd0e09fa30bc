"""The gettext domain `cli`: the words of the commands and of the preview, German source.

Write a text in German where it is used and mark it for Babel: `tr("Vorschau beendet.", lang)`,
`ntr("{n} Tag", "{n} Tage", n, lang)` where a count decides, `N_("…")` for a text in a table or
a help text (translated later, when shown), `ptr("Spalte", "Fehler", lang)` where one German
word needs two translations. The English lives in
newsletter/locale/en/LC_MESSAGES/cli.po (extract with scripts/catalogues.py); the preview
page's template uses Jinja's i18n extension on `translations(lang)`;
tests/cli/test_cli_catalogue.py fails on a text without English or with other placeholders.
May import core and texts.i18n only (the preview and the CLI both use it).
"""

from __future__ import annotations

import gettext
from typing import Any, NamedTuple

from newsletter.texts.i18n import SOURCE, catalogue, translate

DOMAIN = "cli"


class Plural(NamedTuple):
    """A text whose wording follows a count `n`: German singular and plural (ngettext)."""

    singular: str
    plural: str


def N_(msgid: str) -> str:
    """Mark `msgid` for extraction; it is translated where it is shown."""
    return msgid


def Nn_(singular: str, plural: str) -> Plural:
    """Mark a plural pair for extraction; `say` or `ntr` pick the form where it is shown."""
    return Plural(singular, plural)


def Np_(context: str, msgid: str) -> str:
    """Mark `msgid` for extraction with its context (translate it with `ptr(context, …)`)."""
    return msgid


def tr(msgid: str, lang: str, **kw: Any) -> str:
    """`msgid` in `lang` (German where the catalogue lacks it), filled in with str.format."""
    text = translate(msgid, lang, DOMAIN) or msgid
    return text.format(**kw) if kw else text


def ptr(context: str, msgid: str, lang: str, **kw: Any) -> str:
    """`tr` for a word that needs a different translation in another place (pgettext):
    "Fehler" is "Errors" over a column, "error" beside a finding, "errors" as a status."""
    cat = None if lang == SOURCE else catalogue(lang, DOMAIN)
    text = cat.pgettext(context, msgid) if cat is not None else msgid
    return text.format(**kw) if kw else text


def ntr(singular: str, plural: str, n: int, lang: str, **kw: Any) -> str:
    """The form of the text that fits the count `n`, in `lang`, filled in (`{n}` included)."""
    cat = None if lang == SOURCE else catalogue(lang, DOMAIN)
    text = singular if n == 1 else plural
    return (cat.ngettext(singular, plural, n) if cat else text).format(n=n, **kw)


def translations(lang: str) -> gettext.NullTranslations:
    """The `cli` catalogue of `lang` as gettext's object (German: the texts as written).

    For Jinja's i18n extension (the preview page): `env.install_gettext_translations(...)`
    makes `{% trans %}`, `_()`, `ngettext()` and `pgettext()` in a template speak `lang`.
    """
    cat = None if lang == SOURCE else catalogue(lang, DOMAIN)
    return cat if cat is not None else gettext.NullTranslations()


def say(text: str | Plural, lang: str, **kw: Any) -> str:
    """A table's text (`N_` or `Nn_`) in `lang`; a plural needs its count as `n`."""
    if isinstance(text, Plural):
        return ntr(text.singular, text.plural, kw.pop("n"), lang, **kw)
    return tr(text, lang, **kw)


# What a submission's or an organisation's state is called: in `check`, `status` and the preview.
STATUS_WORDS: dict[str, str] = {
    "ok": Np_("Status", "in Ordnung"),
    "warning": Np_("Status", "Warnungen"),
    "error": Np_("Status", "Fehler"),
    "missing": Np_("Status", "fehlt"),
    "late": Np_("Status", "verspätet"),
}


def status_word(state: str, lang: str) -> str:
    """in Ordnung, Warnungen, Fehler, fehlt, verspätet – in `lang`."""
    return ptr("Status", STATUS_WORDS[state], lang)


def status_summary(counts: dict[str, int], n: int, lang: str) -> str:
    """`newsletter status`'s last line, also on the preview page: `5 Organisationen: 2 fehlen,
    0 verspätet, 1 mit Fehlern, 0 mit Warnungen, 2 in Ordnung.`"""
    return tr(
        "{organisations}: {missing} {missing_verb}, {late} verspätet, {error} mit Fehlern, "
        "{warning} mit Warnungen, {ok} in Ordnung.",
        lang,
        organisations=ntr("{n} Organisation", "{n} Organisationen", n, lang),
        missing_verb=ntr("fehlt", "fehlen", counts["missing"], lang),
        **counts,
    )
