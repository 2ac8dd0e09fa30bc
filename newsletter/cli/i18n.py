"""The command line's own texts in the user's language: argparse's phrases and the help texts.

argparse speaks English and asks `gettext`/`ngettext` from its module namespace for every
phrase ("usage: ", "options", "the following arguments are required: %s", ...). While a
parser is built and used, `argparse_language(lang)` puts a translation there: argparse's
English msgid is mapped to our German text (ARGPARSE_DE), which the `cli` gettext domain
translates like every other text. The help texts of our own commands are German, marked with
N_(), and translated by the help formatter the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from newsletter.texts.cli import DOMAIN, N_, Nn_, Plural, ntr, tr

_ActionT = TypeVar("_ActionT", bound=argparse.Action)

ARGPARSE_DE: dict[str, str] = {
    "usage: ": N_("Aufruf: "),
    "positional arguments": N_("Angaben"),
    "options": N_("Optionen"),
    "optional arguments": N_("Optionen"),
    "show this help message and exit": N_("diese Hilfe zeigen und beenden"),
    "show program's version number and exit": N_("die Versionsnummer zeigen und beenden"),
    "%(prog)s: error: %(message)s\n": N_("%(prog)s: Fehler: %(message)s\n"),
    "argument %(argument_name)s: %(message)s": N_("Angabe %(argument_name)s: %(message)s"),
    "the following arguments are required: %s": N_("Es fehlt die Angabe: %s"),
    "unrecognized arguments: %s": N_("unbekannte Angaben: %s"),
    "invalid choice: %(value)r (choose from %(choices)s)": N_(
        "ungültige Wahl: %(value)r (möglich sind %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": N_("ungültiger Wert: %(value)r"),
    "expected one argument": N_("hier fehlt ein Wert"),
    "expected at most one argument": N_("höchstens ein Wert ist möglich"),
    "expected at least one argument": N_("mindestens ein Wert ist nötig"),
    "not allowed with argument %s": N_("nicht zusammen mit %s möglich"),
    "one of the arguments %s is required": N_("eine dieser Angaben ist nötig: %s"),
    "ambiguous option: %(option)s could match %(matches)s": N_(
        "mehrdeutige Option: %(option)s kann %(matches)s meinen"
    ),
    "ignored explicit argument %r": N_("überzähliger Wert %r"),
    "unexpected option string: %s": N_("unerwartete Option: %s"),
    "unknown parser %(parser_name)r (choices: %(choices)s)": N_(
        "unbekannter Befehl %(parser_name)r (möglich: %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": N_("„%(filename)s“ lässt sich nicht öffnen: %(error)s"),
    "subcommands": N_("Befehle"),
}
ARGPARSE_DE_PLURAL: dict[str, Plural] = {
    "expected %s argument": Nn_("hier fehlt %s Wert", "hier fehlen %s Werte"),
}


def translate(text: str, lang: str) -> str:
    """`text` (an argparse msgid or one of our German help texts) in `lang`."""
    return tr(ARGPARSE_DE.get(text, text), lang)


def translate_plural(singular: str, plural: str, n: int, lang: str) -> str:
    """argparse's ngettext in `lang` (its "%s" stays for argparse to fill in)."""
    ours = ARGPARSE_DE_PLURAL.get(singular)
    if ours is None:
        return singular if n == 1 else plural
    return ntr(ours.singular, ours.plural, n, lang)


class _English(Mapping[str, str]):
    """The English of every German msgid of the `cli` domain, read from cli.po (for tests and
    tools: the commands themselves use the compiled catalogue)."""

    def _table(self) -> dict[str, str]:
        if not hasattr(self, "_cache"):
            from babel.messages.pofile import read_po

            from newsletter.core.resources import LOCALE_DIR

            po = Path(LOCALE_DIR) / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
            with po.open("rb") as fh:
                cat = read_po(fh, locale="en")
            self._cache = {
                str(m.id): str(m.string)
                for m in cat
                if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string
            }
        return self._cache

    def __getitem__(self, key: str) -> str:
        return self._table()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


HELP_EN: Mapping[str, str] = _English()


_active = "de"


@contextlib.contextmanager
def argparse_language(lang: str) -> Iterator[None]:
    """While inside, argparse builds, prints and complains in `lang`."""
    global _active
    saved = (argparse._, argparse.ngettext, _active)  # type: ignore[attr-defined]
    _active = lang
    argparse._ = lambda text: translate(text, lang)  # type: ignore[attr-defined]
    argparse.ngettext = lambda s, p, n: translate_plural(s, p, n, lang)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext, _active = saved  # type: ignore[attr-defined]


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with our help texts, descriptions and metavars translated."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return translate(action.help, _active) if action.help else action.help

    def _format_text(self, text: str) -> str:
        return super()._format_text(translate(text, _active))


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose help goes through HelpFormatter (subcommands inherit the class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    # Metavars are translated when an argument is added (not only when help is printed), so
    # that error messages naming them ("the following arguments are required: ISSUE") agree.
    def _add_action(self, action: _ActionT) -> _ActionT:
        if isinstance(action.metavar, str):
            action.metavar = translate(action.metavar, _active)
        return super()._add_action(action)

    def add_subparsers(self, **kwargs: Any) -> Any:
        if isinstance(kwargs.get("metavar"), str):
            kwargs["metavar"] = translate(kwargs["metavar"], _active)
        return super().add_subparsers(**kwargs)


def early_language(argv: Sequence[str] | None) -> str | None:
    """The language before the arguments are parsed: --lang, else NEWSLETTER_LANG, else None."""
    args = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args) and args[i + 1] in ("de", "en"):
            return args[i + 1]
        if arg.startswith("--lang=") and arg[7:] in ("de", "en"):
            return arg[7:]
    env = os.environ.get("NEWSLETTER_LANG", "").strip().lower()
    if env in ("de", "en"):
        return env
    return None


def early_option(argv: Sequence[str] | None, name: str) -> str | None:
    """The value of option `name` (e.g. --config) before the arguments are parsed."""
    args = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg[len(name) + 1 :]
    return None
