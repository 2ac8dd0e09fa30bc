"""What `newsletter subscribers ...` says: its texts (German msgids of the `cli` domain) and
the words and colours of a subscriber's status.
"""

from __future__ import annotations

from typing import Any

from newsletter.texts.cli import N_, Nn_, Plural, say

_STATUS = {
    "pending": N_("ausstehend"),
    "active": N_("aktiv"),
    "unsubscribed": N_("abgemeldet"),
    "bounced": N_("unzustellbar"),
}
_STYLE = {"pending": "yellow", "active": "green", "unsubscribed": "dim", "bounced": "red"}

_T: dict[str, str | Plural] = {
    "read": N_("Gelesen: {path} ({encoding}, Trennzeichen „{delimiter}“)."),
    "ignored": N_("Nicht übernommene Spalten: {columns}"),
    "rejected": N_("Abgelehnte Zeilen ({n}):"),
    "line": N_("Zeile"),
    "skipped": N_(
        "Nicht wieder angemeldet ({n}) – diese Personen haben sich abgemeldet "
        "oder sind unzustellbar; nur „subscribers add --reactivate“ nach neuer "
        "Einwilligung meldet sie an:"
    ),
    "since": N_("seit"),
    "status_since": N_("Seit"),
    "duplicates": N_("Doppelt in der Datei, zusammengeführt ({n}):"),
    "same_as": N_("wie Zeile"),
    "import_summary": N_(
        "Ergebnis: {added} neu, {updated} geändert, {unchanged} unverändert, "
        "{skipped} nicht wieder angemeldet, {rejected} abgelehnt."
    ),
    "dry_run": N_("Probelauf: nichts gespeichert."),
    "consent_import": N_(
        "Einwilligung: Neue Adressen sind angemeldet, weil Sie bestätigt haben "
        "({how}), dass diese Liste mit Einwilligung in diesen Newsletter "
        "gesammelt wurde (Einwilligungstext {version}, Vermerk „{note}“). Den "
        "Beleg (z. B. Anmeldelisten) bitte aufbewahren (DSGVO Art. 7 Abs. 1)."
    ),
    "how_flag": N_("mit --active"),
    "how_terminal": N_("am Terminal"),
    "consent_question": N_(
        "Haben alle Personen in {path} in diesen Newsletter eingewilligt (z. "
        "B. auf einer Anmeldeliste), sodass sie ihn ab sofort erhalten dürfen? "
        "[j/N] "
    ),
    "consent_pending": N_(
        "Neue Adressen sind „ausstehend“: Sie erhalten nichts, bis sie ihre Anmeldung bestätigen."
    ),
    "confirm_hint": N_(
        "Bestätigungsmails an die Ausstehenden schicken: dasselbe mit "
        "--send-confirmations. Liegt die Einwilligung schon vor (z. B. "
        "unterschriebene Anmeldeliste): mit --active als angemeldet übernehmen."
    ),
    "active_no_mail": N_(
        "Mit --active Angemeldete brauchen keine Bestätigungsmail; es wurde keine verschickt."
    ),
    "confirmations_sent": N_(
        "Bestätigungsmails verschickt: {sent}. Wer den Link anklickt, ist angemeldet."
    ),
    "confirmations_held": Nn_(
        "Keine Bestätigungsmail an {n} Adresse (Grenze je Adresse oder je "
        "Stunde erreicht, [serve] in newsletter.toml); bitte später erneut mit "
        "--send-confirmations.",
        "Keine Bestätigungsmail an {n} Adressen (Grenze je Adresse oder je "
        "Stunde erreicht, [serve] in newsletter.toml); bitte später erneut mit "
        "--send-confirmations.",
    ),
    "confirmations_dry": Nn_(
        "Probelauf: Bestätigungsmails würden an {n} Adresse gehen.",
        "Probelauf: Bestätigungsmails würden an {n} Adressen gehen.",
    ),
    "added": N_("Eingetragen: {address} ({status})."),
    "consent_add": N_(
        "Einwilligung vermerkt: Einwilligungstext {version}{note}. Bitte nur "
        "Personen eintragen, die eingewilligt haben, und den Beleg aufbewahren."
    ),
    "removed": N_(
        "Gelöscht: {address} mit allen Daten ({journal} Versandeinträge). "
        "Steht die Adresse noch in einer Importliste, bitte auch dort löschen "
        "– sonst trägt ein neuer Import sie wieder ein. Wer nur keinen "
        "Newsletter mehr möchte: „subscribers unsubscribe“."
    ),
    "unsubscribed": N_(
        "Abgemeldet: {address}. Die Adresse bleibt als Sperreintrag "
        "gespeichert, damit kein Import sie wieder anmeldet."
    ),
    "already": N_("{address} war schon abgemeldet (seit {date})."),
    "exported": Nn_(
        "{n} Eintrag nach {path} exportiert. Die Datei enthält "
        "personenbezogene Daten: geschützt aufbewahren und löschen, wenn sie "
        "nicht mehr gebraucht wird.",
        "{n} Einträge nach {path} exportiert. Die Datei enthält "
        "personenbezogene Daten: geschützt aufbewahren und löschen, wenn sie "
        "nicht mehr gebraucht wird.",
    ),
    "count": Nn_(
        "{n} Eintrag.",
        "{n} Einträge.",
    ),
    "none": N_("Keine Einträge."),
    "address": N_("E-Mail"),
    "name": N_("Name"),
    "language": N_("Sprache"),
    "status": N_("Status"),
    "total": N_("gesamt"),
    "all": N_("alle"),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    """A text of this command in the chosen language."""
    return say(_T[key], lang, **kw)


def _status(status: str, lang: str) -> str:
    return say(_STATUS[status], lang)
