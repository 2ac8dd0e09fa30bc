"""The command line's own texts in the user's language: argparse's phrases and the help texts.

argparse speaks English and asks `gettext`/`ngettext` from its module namespace for every
phrase ("usage: ", "options", "the following arguments are required: %s", ...). While a
parser is built and used, `argparse_language(lang)` puts a translation there; the help texts of
our own commands are written in German and translated to English the same way by the help
formatter. Both tables are plain msgid → msgstr maps, the shape of a .po file, so that they
move into gettext catalogues unchanged when the project adopts Babel.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import string
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

_ActionT = TypeVar("_ActionT", bound=argparse.Action)

# argparse's msgids (Python 3.11 to 3.13) -> German. Plural entries: msgid -> (singular, plural).
ARGPARSE_DE: dict[str, str] = {
    "usage: ": "Aufruf: ",
    "positional arguments": "Angaben",
    "options": "Optionen",
    "optional arguments": "Optionen",
    "show this help message and exit": "diese Hilfe zeigen und beenden",
    "show program's version number and exit": "die Versionsnummer zeigen und beenden",
    "%(prog)s: error: %(message)s\n": "%(prog)s: Fehler: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "Angabe %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "Es fehlt die Angabe: %s",
    "unrecognized arguments: %s": "unbekannte Angaben: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "ungültige Wahl: %(value)r (möglich sind %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "ungültiger Wert: %(value)r",
    "expected one argument": "hier fehlt ein Wert",
    "expected at most one argument": "höchstens ein Wert ist möglich",
    "expected at least one argument": "mindestens ein Wert ist nötig",
    "not allowed with argument %s": "nicht zusammen mit %s möglich",
    "one of the arguments %s is required": "eine dieser Angaben ist nötig: %s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "mehrdeutige Option: %(option)s kann %(matches)s meinen"
    ),
    "ignored explicit argument %r": "überzähliger Wert %r",
    "unexpected option string: %s": "unerwartete Option: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "unbekannter Befehl %(parser_name)r (möglich: %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": "„%(filename)s“ lässt sich nicht öffnen: %(error)s",
    "subcommands": "Befehle",
}
ARGPARSE_DE_PLURAL: dict[str, tuple[str, str]] = {
    "expected %s argument": ("hier fehlt %s Wert", "hier fehlen %s Werte"),
}

# Our own help texts (German source) -> English.
HELP_EN: dict[str, str] = {
    "zusätzlich die Druckerei-Fassung: PDF/X-4, 3 mm Beschnitt, Schnittmarken, FOGRA39": (
        "also the print shop's edition: PDF/X-4, 3 mm bleed, crop marks, FOGRA39"
    ),
    "auch an Abonnentinnen und Abonnenten senden, die nach Versandbeginn dazukamen": (
        "also send to subscribers who joined after the send began"
    ),
    "einen unterbrochenen Versand bewusst mit dem neuen Bau fortsetzen": (
        "continue an interrupted send with the new build, on purpose"
    ),
    "einen unterbrochenen Versand mit dem Bau beenden, mit dem er begann": (
        "finish an interrupted send with the build it began with"
    ),
    "senden, obwohl sich Einreichungen, Vorlagen oder Einstellungen seit dem Bau geändert haben": (
        "send although submissions, templates or settings changed since the build"
    ),
    # newsletter
    "Newsletter aus den Selbstdarstellungen der Netzwerk-Organisationen.": (
        "A newsletter from the self-presentations of the network's organisations."
    ),
    "newsletter.toml (Standard: im aktuellen Ordner)": "newsletter.toml (default: in this folder)",
    "Sprache der Meldungen: de oder en": "language of the messages: de or en",
    "AUSGABE": "ISSUE",
    "ORGANISATION": "ORGANISATION",
    "DATEI": "FILE",
    "mehr Protokoll": "more log output",
    "BEFEHL": "COMMAND",
    "AKTION": "ACTION",
    "ADRESSE": "ADDRESS",
    "DATEI.csv": "FILE.csv",
    "SPRACHE": "LANGUAGE",
    "TEXT": "TEXT",
    "alle Einreichungen einer Ausgabe prüfen": "check every submission of an issue",
    "Ordnername unter submissions/ oder Pfad zum Ausgabe-Ordner": (
        "folder name under submissions/ or path to the issue folder"
    ),
    "maschinenlesbar ausgeben": "machine-readable output",
    "auch bei Warnungen mit 1 enden": "exit with 1 on warnings too",
    "E-Mail, Textfassung, Web-Version und PDF bauen": (
        "build the email, text part, web version and PDF"
    ),
    "fehlerhafte Einreichungen weglassen statt abzubrechen": (
        "leave out submissions with errors instead of stopping"
    ),
    "die gebaute Ausgabe versenden (oder testen)": "send the built issue (or test it)",
    "nur eine Testmail an diese Adresse": "only one test mail to this address",
    "jede Nachricht als .eml nach .cache/private/AUSGABE/send/ schreiben (privat)": (
        "write every message as .eml into .cache/private/ISSUE/send/ (private)"
    ),
    "ohne Rückfrage an alle senden": "send to everyone without asking",
    "Nachrichten mit ungewissem Verbleib (nach einem Abbruch) erneut senden": (
        "send messages of unknown fate (after an interruption) again"
    ),
    "Ordner mit ausgefüllter Vorlage für eine Organisation": (
        "a folder with the template for one organisation"
    ),
    "Ordnername der Organisation, z. B. lernimpuls-witten": (
        "the organisation's folder name, e.g. lernimpuls-witten"
    ),
    # subscribers
    "Abonnentinnen und Abonnenten verwalten (Import, Liste, Export, …)": (
        "manage subscribers (import, list, export, …)"
    ),
    "Die Liste der Abonnentinnen und Abonnenten mit Nachweis der Einwilligung.": (
        "The list of subscribers with proof of consent."
    ),
    "Version des Einwilligungstexts (Standard: subscribers.consent_version)": (
        "version of the consent text (default: subscribers.consent_version)"
    ),
    "Beleg der Einwilligung, z. B. „Anmeldeliste Sommerfest 2026“": (
        "proof of consent, e.g. 'sign-up sheet summer party 2026'"
    ),
    "als „ausstehend“ eintragen: erst nach eigener Bestätigung angemeldet": (
        "add as 'pending': subscribed only after they confirm themselves"
    ),
    "Adressen aus einer CSV-Datei übernehmen (UTF-8 oder Windows-1252)": (
        "take addresses from a CSV file (UTF-8 or Windows-1252)"
    ),
    "Spalten z. B. E-Mail;Name;Sprache": "columns e.g. Email,Name,Language",
    "nur prüfen und berichten, nichts speichern": "only check and report, save nothing",
    "eine Adresse eintragen": "add one address",
    "Name der Person": "the person's name",
    "z. B. de, en, tr": "e.g. de, en, tr",
    "eine abgemeldete Adresse wieder anmelden (nur nach neuer Einwilligung)": (
        "subscribe an unsubscribed address again (only after new consent)"
    ),
    "eine Person mit allen Daten löschen (Löschantrag, Tippfehler)": (
        "erase a person with all their data (erasure request, typo)"
    ),
    "eine Adresse abmelden (bleibt als Sperreintrag gespeichert)": (
        "unsubscribe an address (kept as a suppression entry)"
    ),
    "statt der Adresse das Abmelde-Token aus dem Link": (
        "the unsubscribe token from the link instead of the address"
    ),
    "nur diesen Status (mehrfach möglich): pending, active, unsubscribed, bounced": (
        "only this status (may be repeated): pending, active, unsubscribed, bounced"
    ),
    "die Liste zeigen": "show the list",
    "nur diese Sprache": "only this language",
    "die Liste als CSV-Datei speichern (UTF-8, „;“)": "save the list as a CSV file (UTF-8, ';')",
    "Zieldatei; „-“ für die Ausgabe": "target file; '-' for standard output",
    "Anzahl je Status und Sprache": "counts per status and language",
    # serve
    "Anmelde-, Bestätigungs- und Abmeldeseiten bereitstellen (Webdienst)": (
        "serve the sign-up, confirmation and unsubscribe pages (web service)"
    ),
    "Startet den Webdienst für Abonnentinnen und Abonnenten: Anmeldung mit "
    "Bestätigungsmail (Double-Opt-in), Abmelden mit einem Klick, Sprache oder Adresse "
    "ändern. Er lauscht auf 127.0.0.1; der Webserver der Stadt leitet die öffentliche "
    "Adresse ([serve] base_url) hierher weiter. Beenden mit Strg+C.": (
        "Starts the web service for subscribers: sign-up with a confirmation mail (double "
        "opt-in), one-click unsubscribe, changing language or address. It listens on "
        "127.0.0.1; the city's web server forwards the public address ([serve] base_url) "
        "here. Stop with Ctrl+C."
    ),
    "Adresse, auf der gelauscht wird (Standard: [serve] host)": (
        "address to listen on (default: [serve] host)"
    ),
    "Port (Standard: [serve] port; 0 = ein freier)": "port (default: [serve] port; 0 = a free one)",
    # mailbox
    "Abmeldungen und Unzustellbarkeitsmeldungen aus dem Postfach verarbeiten": (
        "handle unsubscribe requests and bounces from the mailbox"
    ),
    "Liest das Postfach ([mailbox] in newsletter.toml) über IMAP: meldet ab, "
    "wer per E-Mail um Abmeldung bittet, zählt Unzustellbarkeitsmeldungen und markiert "
    "Adressen, die dauerhaft nicht erreichbar sind. Bearbeitete E-Mails werden in einen "
    "eigenen Ordner verschoben, alle anderen bleiben unberührt.": (
        "Reads the mailbox ([mailbox] in newsletter.toml) over IMAP: unsubscribes whoever asks "
        "for it by e-mail, counts bounces and marks addresses that cannot be reached for good. "
        "Handled e-mails are moved into a folder of their own; all others stay untouched."
    ),
    "nur berichten, was geschähe; nichts ändern": "only report what would happen; change nothing",
    # preview
    "Vorschau im Browser: E-Mail, PDF und Prüfbericht, aktualisiert sich selbst": (
        "preview in the browser: email, PDF and check report, updating itself"
    ),
    "Baut die Ausgabe für die Vorschau (outbox/ bleibt unverändert) und zeigt "
    "sie auf einer Seite unter http://127.0.0.1. Jede gespeicherte Änderung an der Ausgabe, "
    "an templates/ oder an newsletter.toml erscheint nach kurzer Zeit von selbst. "
    "Beenden mit Strg+C.": (
        "Builds the issue for the preview (outbox/ stays unchanged) and shows it on one page "
        "at http://127.0.0.1. Every saved change to the issue, to templates/ or to "
        "newsletter.toml appears by itself shortly after. Stop with Ctrl+C."
    ),
    "Port (Standard: [preview] port in newsletter.toml, 8765; ist er belegt, wird ein "
    "freier gewählt)": (
        "port (default: [preview] port in newsletter.toml, 8765; a free one if it is taken)"
    ),
    "die Seite im Browser öffnen": "open the page in the browser",
    "nur 127.0.0.1 (Standard): die Vorschau ist nur auf diesem Rechner erreichbar": (
        "only 127.0.0.1 (default): the preview can be reached from this machine only"
    ),
    # subscribers import (issue 11)
    "als angemeldet übernehmen: Sie bestätigen, dass alle in der Liste in diesen "
    "Newsletter eingewilligt haben (wird als Beleg vermerkt)": (
        "import as subscribed: you confirm that everyone on the list consented to this "
        "newsletter (recorded as proof)"
    ),
    "als „ausstehend“ übernehmen, ohne Rückfrage (Standard ohne Terminal)": (
        "import as 'pending' without asking (the default without a terminal)"
    ),
    "den Ausstehenden die Bestätigungsmail der Anmeldung schicken (Double-Opt-in)": (
        "send the pending people the sign-up's confirmation mail (double opt-in)"
    ),
    "VERSION": "VERSION",
    "NAME": "NAME",
    # organisations
    "das Verzeichnis der Mitgliedsorganisationen (Kontakt, Sprache)": (
        "the register of member organisations (contact, language)"
    ),
    "Die Mitgliedsorganisationen: Kürzel, Name, Ansprechperson, Adressen, Sprache.": (
        "The member organisations: short name, name, contact person, addresses, language."
    ),
    "KÜRZEL": "SLUG",
    "Ansprechperson": "contact person",
    "Name der Organisation": "the organisation's name",
    "Notiz der Redaktion": "the editor's note",
    "den persönlichen Link zur Einreichungsseite zeigen (oder erneuern)": (
        "show (or renew) the personal link to the upload page"
    ),
    "Standard: die neueste Ausgabe": "default: the newest issue",
    "einen neuen Link erzeugen; der alte gilt nicht mehr": (
        "make a new link; the old one stops working"
    ),
    "Organisationen aus den Einreichungen einer Ausgabe vorschlagen": (
        "propose organisations from an issue's submissions"
    ),
    "Organisationen aus einer CSV-Datei übernehmen": "take organisations from a CSV file",
    "Spalten Kürzel;Name;E-Mail;Sprache;…": "columns Slug,Name,Email,Language,…",
    "alle Vorschläge ohne Rückfrage": "every proposal without asking",
    "das Verzeichnis als CSV-Datei speichern (personenbezogene Daten!)": (
        "save the register as a CSV file (personal data!)"
    ),
    "das Verzeichnis zeigen": "show the register",
    "eine Organisation eintragen": "add an organisation",
    "eine Organisation mit allen Kontaktdaten löschen": (
        "erase an organisation with all its contact details"
    ),
    "eine Organisation ändern (nur die angegebenen Felder)": (
        "change an organisation (only the fields given)"
    ),
    "eingetragen, aber nicht angeschrieben": "registered, but not written to",
    "ersetzt alle Adressen": "replaces all addresses",
    "mehrfach möglich": "may be repeated",
    "nur aktive": "active ones only",
    "nur prüfen, nichts speichern": "only check, save nothing",
    "wie der Ordner der Einreichung heißt": "what the submission's folder is called",
    "z. B. de, tr, ar, uk": "e.g. de, tr, ar, uk",
    # issue new
    "eine neue Ausgabe anlegen": "start a new issue",
    "Ausgaben.": "Issues.",
    "Ordner mit issue.toml (kommentiert) und leerem editorial/ anlegen": (
        "create the folder with a commented issue.toml and an empty editorial/"
    ),
    "Legt submissions/AUSGABE/issue.toml mit der nächsten Nummer und Terminvorschlägen an; "
    "überschreibt nie.": (
        "Creates submissions/ISSUE/issue.toml with the next number and proposed dates; never "
        "overwrites."
    ),
    "Ordnername unter submissions/, z. B. 2027-01": "folder name under submissions/, e.g. 2027-01",
    "Einsendeschluss, z. B. 2027-01-01 oder 2027-01-01T18:00": (
        "deadline, e.g. 2027-01-01 or 2027-01-01T18:00"
    ),
    "Erscheinungsdatum, z. B. 2027-01-15": "publication date, e.g. 2027-01-15",
    "Nummer der Ausgabe (Standard: die nächste)": "the issue's number (default: the next one)",
    # status, remind, feedback
    "wer fehlt, wer hat Fehler: eine Zeile je Organisation": (
        "who is missing, who has errors: one line per organisation"
    ),
    "Stand der Einreichungen je Organisation aus dem Verzeichnis.": (
        "The state of the submissions of each organisation in the register."
    ),
    "Organisationen ohne (fehlerfreien) Beitrag erinnern, in ihrer Sprache": (
        "remind organisations without an (error-free) submission, in their language"
    ),
    "jeder Organisation das Prüfergebnis ihres Beitrags schicken": (
        "send each organisation the check result of its submission"
    ),
    "jede Nachricht als .eml in einen privaten Ordner unter .cache/ schreiben": (
        "write every message as .eml into a private folder under .cache/"
    ),
    "ohne Rückfrage senden": "send without asking",
}

CATALOGUES: dict[str, dict[str, str]] = {"de": ARGPARSE_DE, "en": HELP_EN}
PLURALS: dict[str, dict[str, tuple[str, str]]] = {"de": ARGPARSE_DE_PLURAL, "en": {}}


def register_help(texts: dict[str, str]) -> None:
    """Add German help texts with their English translation (for modules with their own)."""
    HELP_EN.update(texts)


def translate(text: str, lang: str) -> str:
    """`text` (an argparse msgid or one of our German help texts) in `lang`."""
    return CATALOGUES.get(lang, {}).get(text, text)


def translate_plural(singular: str, plural: str, n: int, lang: str) -> str:
    """ngettext for `lang` (German and English both have two forms: n == 1 and the rest)."""
    forms = PLURALS.get(lang, {}).get(singular)
    if forms is None:
        return singular if n == 1 else plural
    return forms[0] if n == 1 else forms[1]


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


class _PluralFormatter(string.Formatter):
    """str.format with plural forms: "{n} {n:Eintrag|Einträge}" (the ngettext of our texts)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec and isinstance(value, int) and not isinstance(value, bool):
            one, many = format_spec.split("|", 1)
            return one if value == 1 else many
        return str(super().format_field(value, format_spec))


_PLURAL = _PluralFormatter()


def fmt(template: str, **kw: Any) -> str:
    """Fill in a CLI text: like str.format, plus {n:one|many} for words that follow a count."""
    return _PLURAL.vformat(template, (), kw)


def pick(table: Mapping[str, tuple[str, str]], key: str, lang: str, **kw: Any) -> str:
    """A command's text from its (German, English) table, filled in with `fmt`."""
    de, en = table[key]
    return fmt(en if lang == "en" else de, **kw)
