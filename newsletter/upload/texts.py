"""The texts of the upload page, as gettext message ids (German, the source language).

Translated in newsletter/locale/LANG/LC_MESSAGES/newsletter.po (English, Turkish, Arabic,
Ukrainian; see orgmail_texts.py for why the ids are German). The findings themselves come from
messages.py, which speaks German and English.
"""

from __future__ import annotations

from newsletter.texts.i18n import N_

PAGE_TITLE = N_("Ihr Beitrag für den Newsletter {issue}")
INTRO = N_(
    "Hier reichen Sie den Beitrag von {name} ein. „Prüfen“ zeigt sofort, ob etwas fehlt; "
    "„Absenden“ schickt den Beitrag an die Redaktion."
)
DEADLINE = N_("Einsendeschluss: {deadline}")
DEADLINE_PASSED = N_(
    "Der Einsendeschluss ({deadline}) ist vorbei; über diese Seite kann nichts mehr eingereicht "
    "werden. Bitte wenden Sie sich an die Redaktion: {contact}"
)
PAGE_LANGUAGE = N_("Sprache dieser Seite")
ORG_HEAD = N_("Ihre Organisation")
F_ORGANISATION = N_("Name der Organisation")
F_GOAL = N_("Das Ziel Ihrer Arbeit in einem Satz")
F_LOCATION = N_("Ort: Stadtteil, Straße und Hausnummer")
CONTACT_HEAD = N_("Kontakt: mindestens E-Mail, Telefon oder Webseite")
F_CONTACT_NAME = N_("Ansprechperson")
F_EMAIL = N_("E-Mail")
F_PHONE = N_("Telefonnummer")
F_WEBSITE = N_("Webseite, vollständig (z. B. https://www.example.org)")
F_TEXT = N_("Ihr Text")
TEXT_HINT = N_(
    "Wer sind Sie, was machen Sie, für wen, wann und wo? Höchstens {limit} Zeichen. Absätze "
    "durch eine Leerzeile trennen."
)
COUNTER = N_("{count} von {limit} Zeichen")
F_TEXT_LANGUAGE = N_("Sprache Ihres Textes")
LOGO_HEAD = N_("Ihr Logo")
LOGO_HINT = N_("PNG, JPEG, WebP oder SVG. Ohne Logo bitte leer lassen.")
LOGO_KEEP = N_("Bisheriges Logo behalten: {name}")
LOGO_NEW = N_("Neues Logo wählen (ersetzt das bisherige)")
PHOTOS_HEAD = N_("Fotos")
PHOTOS_HINT = N_(
    "Bis zu {max} Fotos: JPEG, PNG, WebP, HEIC oder TIFF, am besten das Original (mindestens "
    "{min} Pixel breit). Auf dem Handy können Sie direkt die Kamera nehmen."
)
PHOTO_HEAD = N_("Foto {index}")
PHOTO_FILE = N_("Bilddatei")
PHOTO_KEEP = N_("Dieses Foto behalten: {name}")
F_CAPTION = N_("Bildunterschrift")
F_ALT = N_("Beschreibung für blinde Leserinnen und Leser")
ALT_HINT = N_(
    "Ein Vorleseprogramm liest diesen Satz statt des Fotos vor: Was ist zu sehen? Beispiel: "
    "Kinder spielen Fußball auf einer Wiese."
)
F_CREDIT = N_("Wer hat fotografiert?")
CONSENT = N_(
    "Für alle abgebildeten Personen liegt eine Einwilligung zur Veröffentlichung im Newsletter, "
    "auf der Website und im PDF vor"
)
CONSENT_HINT = N_("Ohne dieses Häkchen wird das Foto nicht übernommen.")
CHECK = N_("Prüfen")
SEND = N_("Absenden")
FINDINGS_HEAD = N_("Das Ergebnis der Prüfung")
ALL_GOOD = N_("Alles in Ordnung. Sie können den Beitrag jetzt absenden.")
NOT_SENT = N_("Noch nicht abgeschickt: Bitte zuerst die Fehler beheben.")
ERROR = N_("Fehler")
HINT = N_("Hinweis")
LANGUAGE_NOTE = N_("Die Hinweise im Einzelnen (auf Deutsch und Englisch):")
THANKS_TITLE = N_("Vielen Dank!")
THANKS_TEXT = N_(
    "Der Beitrag von {name} für die Ausgabe {issue} ist angekommen. Bis zum Einsendeschluss "
    "können Sie ihn über diesen Link noch ändern."
)
THANKS_WARNINGS = N_("Hinweise (der Beitrag ist trotzdem angekommen):")
BACK = N_("Zurück zum Formular")
INVALID_TITLE = N_("Dieser Link funktioniert nicht")
INVALID_TEXT = N_(
    "Der Link ist abgelaufen, wurde ersetzt oder ist unvollständig. Bitte fragen Sie die "
    "Redaktion nach Ihrem aktuellen Link: {contact}"
)
LIMITED = N_("Zu viele Versuche in kurzer Zeit. Bitte warten Sie {minutes} Minuten.")
TOO_LARGE = N_(
    "Das war zu viel auf einmal (höchstens {size}). Bitte kleinere Fotos wählen oder sie "
    "einzeln senden: erst „Prüfen“ mit einem Foto, dann das nächste."
)
STALE = N_(
    "Das Formular war zu lange offen oder kam nicht von dieser Seite. Bitte die Angaben "
    "prüfen und noch einmal senden."
)
FILES_LOST = N_("Die Dateien von vorhin sind nicht mehr da; bitte noch einmal auswählen.")
DROP = N_("oder die Datei hierher ziehen")
PREVIEW = N_("Vorschau")
REQUIRED = N_("Pflichtfeld")

# in the reminder (orgmail.py)

LANGUAGES = {"de": "Deutsch", "en": "English", "tr": "Türkçe", "ar": "العربية", "uk": "Українська"}
# the text's language: the page's languages and others the network's members write in
TEXT_LANGUAGES = {
    **LANGUAGES,
    "ru": "Русский",
    "fa": "فارسی",
    "ku": "Kurdî",
    "pl": "Polski",
    "ro": "Română",
    "bg": "Български",
    "es": "Español",
    "fr": "Français",
    "it": "Italiano",
    "el": "Ελληνικά",
    "sq": "Shqip",
    "sr": "Srpski",
    "ti": "ትግርኛ",
    "so": "Soomaali",
    "ps": "پښتو",
}
