"""The texts of reminders and feedback, as gettext message ids (German: the source language).

Why German message ids rather than codes: German is the language every text is written in first
and the one the editor reads; gettext's own fallback for a missing entry is then a readable
German sentence, never a key. The catalogues (newsletter/locale/LANG/LC_MESSAGES/newsletter.po)
hold English, Turkish, Arabic and Ukrainian; `pybabel extract -F babel.cfg -k N_` finds the ids
below. Placeholders are `str.format` fields: keep them as they are in a translation.
"""

from __future__ import annotations

from newsletter.texts.i18n import N_

# --- both kinds --------------------------------------------------------------------------------
GREETING = N_("Guten Tag {contact},")
GREETING_ANON = N_("Guten Tag,")
SIGNATURE = N_("Vielen Dank und freundliche Grüße\n{sender}")
FOOTER = N_(
    "Sie erhalten diese Nachricht als Kontakt von {name} im Verzeichnis des Newsletters "
    "„{title}“. Fragen? Antworten Sie einfach auf diese E-Mail."
)
HOW_TO_SEND = N_(
    "So senden Sie uns Ihren Beitrag: Antworten Sie einfach auf diese E-Mail und hängen Sie Text, "
    "Logo und Fotos an."
)
HOW_TO_UPLOAD = N_(
    "Am einfachsten geht es über Ihre persönliche Seite, auch vom Handy aus (bitte nicht "
    "weitergeben): {link}"
)
DEADLINE = N_("Einsendeschluss: {deadline}")
LANGUAGE_NOTE = N_("Die Hinweise im Einzelnen (auf Deutsch und Englisch):")
MUST_FIX = N_("Bitte ändern")
HINT = N_("Hinweis")
FILE = N_("Datei")

# --- reminders -----------------------------------------------------------------------------------
REMIND_SUBJECT = N_("Erinnerung: Ihr Beitrag für den Newsletter {issue}")
REMIND_MISSING = N_(
    "für die nächste Ausgabe unseres Newsletters ({issue}) haben wir von {name} noch keinen "
    "Beitrag erhalten. Wir würden Ihre Organisation gern vorstellen!"
)
REMIND_ERRORS = N_(
    "vielen Dank für Ihren Beitrag zur Ausgabe {issue}! Damit er erscheinen kann, fehlt noch "
    "etwas. Bitte schicken Sie uns die geänderte Fassung bis zum Einsendeschluss."
)
NEEDED_HEAD = N_("Was wir brauchen:")
NEEDED_TEXT = N_("einen kurzen Text über Ihre Organisation (höchstens {max_chars} Zeichen)")
NEEDED_FACTS = N_("Name, Ziel, Ort und einen Kontakt (E-Mail, Telefon oder Webseite)")
NEEDED_LOGO = N_("Ihr Logo, wenn Sie eines haben (PNG, JPEG oder SVG)")
NEEDED_PHOTOS = N_(
    "bis zu {max_photos} Fotos mit einer kurzen Beschreibung und der Erlaubnis der abgebildeten "
    "Personen"
)

# --- feedback ------------------------------------------------------------------------------------
FEEDBACK_SUBJECT = N_("Ihr Beitrag für den Newsletter {issue}: Rückmeldung")
FEEDBACK_OK = N_(
    "Ihr Beitrag für die Ausgabe {issue} ist angekommen, alles in Ordnung. Vielen Dank!"
)
FEEDBACK_ERRORS = N_(
    "Ihr Beitrag für die Ausgabe {issue} ist angekommen, vielen Dank! Wir haben ihn geprüft. "
    "Damit er erscheinen kann, ändern Sie bitte noch Folgendes und schicken Sie uns die neue "
    "Fassung:"
)
FEEDBACK_WARNINGS = N_(
    "Ihr Beitrag für die Ausgabe {issue} ist angekommen und kann so erscheinen, vielen Dank! "
    "Ein paar Hinweise, mit denen er noch besser wird:"
)
FEEDBACK_LATE = N_(
    "Ihr Beitrag für die Ausgabe {issue} ist leider erst nach dem Einsendeschluss ({deadline}) "
    "angekommen. Wir melden uns, ob er noch aufgenommen werden kann."
)
