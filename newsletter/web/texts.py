"""What the sign-up service's pages say: German texts, translated by the `web` gettext domain.

The keys name a text for the templates and handlers; the values are the German texts, which
are the message ids of newsletter/locale/LANG/LC_MESSAGES/web.po (English: en/web.po).
"""

from __future__ import annotations

from typing import Any

from newsletter.core.errors import NewsletterError
from newsletter.texts import i18n
from newsletter.texts.i18n import N_

DOMAIN = "web"

TEXTS: dict[str, str] = {
    "signup_title": N_("Newsletter abonnieren"),
    "signup_intro": N_(
        "Nach dem Absenden schicken wir Ihnen eine E-Mail mit einem Link; erst wenn Sie ihn "
        "bestätigen, sind Sie angemeldet."
    ),
    "email_label": N_("E-Mail-Adresse"),
    "email_hint": N_("Zum Beispiel name@example.org"),
    "language_legend": N_("In welcher Sprache möchten Sie Post?"),
    "consent_default": N_(
        "Ja, ich möchte den Newsletter „{list_name}“ von {publisher} per E-Mail erhalten. "
        "Meine Adresse wird nur dafür verwendet. Ich kann mich jederzeit abmelden, mit dem "
        "Link in jeder Ausgabe."
    ),
    "privacy_hint": N_("Wie wir mit Ihren Daten umgehen:"),
    "privacy": N_("Datenschutzerklärung"),
    "honeypot": N_("Dieses Feld bitte leer lassen"),
    "subscribe_button": N_("Anmelden"),
    "error_prefix": N_("Fehler"),
    "error_summary": N_("Bitte korrigieren Sie Folgendes"),
    "err_email_missing": N_("Bitte geben Sie Ihre E-Mail-Adresse ein."),
    "err_email_invalid": N_(
        "Bitte geben Sie eine gültige E-Mail-Adresse ein ({detail}), zum Beispiel name@example.org."
    ),
    "err_consent": N_("Bitte bestätigen Sie, dass Sie den Newsletter erhalten möchten."),
    "err_stale": N_(
        "Das Formular war zu lange geöffnet oder der Text hat sich geändert. Bitte prüfen "
        "Sie die Angaben und senden Sie es noch einmal."
    ),
    "err_same": N_("Das ist schon Ihre Adresse. Bitte geben Sie die neue Adresse ein."),
    "check_title": N_("Bitte prüfen Sie Ihr Postfach"),
    "check_text": N_(
        "Wir haben eine E-Mail an {address} geschickt. Bitte öffnen Sie den Link darin, um "
        "die Anmeldung zu bestätigen. Der Link gilt {hours} Stunden."
    ),
    "check_missing": N_(
        "Keine E-Mail da? Sehen Sie bitte auch im Spam-Ordner nach. Wenn die Adresse einen "
        "Tippfehler hatte:"
    ),
    "again": N_("noch einmal anmelden"),
    "confirm_title": N_("Anmeldung bestätigen"),
    "confirm_text": N_(
        "Bitte bestätigen Sie mit einem Klick, dass Sie den Newsletter erhalten möchten."
    ),
    "confirm_button": N_("Ja, Newsletter erhalten"),
    "confirmed_title": N_("Anmeldung bestätigt"),
    "confirmed_text": N_(
        "Vielen Dank! Sie erhalten den Newsletter ab der nächsten Ausgabe. Abmelden können "
        "Sie sich jederzeit mit dem Link in jeder Ausgabe."
    ),
    "address_title": N_("Neue Adresse bestätigen"),
    "address_text": N_(
        "Bitte bestätigen Sie, dass der Newsletter künftig an diese Adresse gehen soll."
    ),
    "address_button": N_("Adresse bestätigen"),
    "address_done_title": N_("Adresse geändert"),
    "address_done_text": N_("Der Newsletter geht ab jetzt an {address}."),
    "expired_title": N_("Link abgelaufen"),
    "expired_text": N_(
        "Dieser Bestätigungslink ist abgelaufen; er galt {hours} Stunden. Es wurde nichts "
        "geändert. Bitte fordern Sie einen neuen Link an:"
    ),
    "used_title": N_("Link schon verwendet"),
    "used_text": N_(
        "Dieser Bestätigungslink wurde schon verwendet und gilt nur einmal. Ihre Bestätigung "
        "ist gespeichert; Sie müssen nichts weiter tun."
    ),
    "unknown_title": N_("Link unbekannt"),
    "unknown_text": N_(
        "Diesen Link kennen wir nicht. Bitte kopieren Sie ihn vollständig aus der E-Mail. "
        "Bei Fragen schreiben Sie an {contact}."
    ),
    "taken_title": N_("Adresse schon eingetragen"),
    "taken_text": N_(
        "Die Adresse {address} steht schon in unserer Liste; die Änderung wurde nicht "
        "übernommen. Bei Fragen schreiben Sie an {contact}."
    ),
    "unsub_title": N_("Vom Newsletter abmelden"),
    "unsub_text": N_("Sie möchten den Newsletter nicht mehr erhalten? Ein Klick genügt."),
    "unsub_button": N_("Abmelden"),
    "unsub_instead": N_("Oder lieber Sprache oder Adresse ändern?"),
    "unsubbed_title": N_("Sie sind abgemeldet"),
    "unsubbed_text": N_(
        "Sie erhalten keinen Newsletter mehr an diese Adresse. War das ein Versehen? Sie "
        "können sich jederzeit wieder anmelden:"
    ),
    "prefs_title": N_("Sprache oder Adresse ändern"),
    "prefs_for": N_("Einstellungen für {address}"),
    "prefs_language_button": N_("Sprache speichern"),
    "prefs_address_label": N_("Neue E-Mail-Adresse"),
    "prefs_address_hint": N_(
        "Wir schicken einen Bestätigungslink an die neue Adresse. Bis Sie ihn öffnen, bleibt "
        "alles wie es ist."
    ),
    "prefs_address_button": N_("Neue Adresse bestätigen lassen"),
    "prefs_unsubscribed": N_("Diese Adresse ist vom Newsletter abgemeldet. Zum erneuten Anmelden:"),
    "language_saved_title": N_("Sprache gespeichert"),
    "language_saved_text": N_("Sie erhalten künftig Post auf {language}."),
    "address_mail_title": N_("Bitte prüfen Sie das Postfach der neuen Adresse"),
    "address_mail_text": N_(
        "Wir haben einen Bestätigungslink an {address} geschickt. Erst wenn Sie ihn öffnen, "
        "geht der Newsletter an die neue Adresse. Der Link gilt {hours} Stunden."
    ),
    "back_prefs": N_("Zurück zu den Einstellungen"),
    "limit_title": N_("Bitte später noch einmal"),
    "limit_text": N_(
        "Von diesem Anschluss kamen in kurzer Zeit sehr viele Anmeldungen. Bitte versuchen "
        "Sie es in {minutes} Minuten noch einmal."
    ),
    "busy_title": N_("Gerade nicht möglich"),
    "busy_text": N_(
        "Die Bestätigungsmail kann gerade nicht verschickt werden. Bitte versuchen Sie es "
        "später noch einmal."
    ),
    "forbidden_title": N_("Anfrage abgelehnt"),
    "forbidden_text": N_(
        "Dieses Formular kann nur von unserer eigenen Seite aus abgeschickt werden."
    ),
    "notfound_title": N_("Seite nicht gefunden"),
    "notfound_text": N_("Diese Seite gibt es nicht."),
    "too_large_title": N_("Formular zu groß"),
    "too_large_text": N_(
        "Das Formular war größer oder hatte mehr Felder, als dieser Dienst annimmt. Bitte "
        "laden Sie die Seite neu und senden Sie es noch einmal."
    ),
    "bad_request_title": N_("Anfrage nicht lesbar"),
    "bad_request_text": N_(
        "Diese Anfrage kann der Dienst nicht lesen. Bitte laden Sie die Seite neu."
    ),
    "to_signup": N_("Zur Anmeldung"),
    "error_title": N_("Ein Fehler ist aufgetreten"),
    "error_text": N_(
        "Bitte versuchen Sie es später noch einmal. Bei Fragen schreiben Sie an {contact}."
    ),
    "lang_name_de": N_("Deutsch"),
    "lang_name_en": N_("Englisch"),
}


def text(key: str, lang: str, **kw: Any) -> str:
    """A page text in `lang` (German where the domain has no catalogue for it)."""
    return i18n.gettext_in(TEXTS[key], lang, DOMAIN).format(**kw)


def email_error(exc: NewsletterError, lang: str) -> str:
    """The form's message for an address that was refused, with email-validator's reason."""
    detail = exc.params.get("detail_en" if lang == "en" else "detail", "")
    return text("err_email_invalid", lang, detail=detail or "?")
