"""What the sign-up service's pages say, in German and English (the CLI's texts are messages.py)."""

from __future__ import annotations

from typing import Any

from newsletter.core.errors import NewsletterError

TEXTS: dict[str, tuple[str, str]] = {
    "signup_title": ("Newsletter abonnieren", "Subscribe to the newsletter"),
    "signup_intro": (
        "Nach dem Absenden schicken wir Ihnen eine E-Mail mit einem Link; erst wenn Sie ihn "
        "bestätigen, sind Sie angemeldet.",
        "After you send the form we e-mail you a link; you are subscribed only once you "
        "confirm it.",
    ),
    "email_label": ("E-Mail-Adresse", "E-mail address"),
    "email_hint": ("Zum Beispiel name@example.org", "For example name@example.org"),
    "language_legend": ("In welcher Sprache möchten Sie Post?", "Which language for your mail?"),
    "consent_default": (
        "Ja, ich möchte den Newsletter „{list_name}“ von {publisher} per E-Mail erhalten. "
        "Meine Adresse wird nur dafür verwendet. Ich kann mich jederzeit abmelden, mit dem "
        "Link in jeder Ausgabe.",
        "Yes, I want to receive the newsletter '{list_name}' from {publisher} by e-mail. My "
        "address is used for nothing else. I can unsubscribe at any time with the link in "
        "every issue.",
    ),
    "privacy_hint": ("Wie wir mit Ihren Daten umgehen:", "How we handle your data:"),
    "privacy": ("Datenschutzerklärung", "Privacy notice"),
    "honeypot": ("Dieses Feld bitte leer lassen", "Please leave this field empty"),
    "subscribe_button": ("Anmelden", "Subscribe"),
    "error_prefix": ("Fehler", "Error"),
    "error_summary": ("Bitte korrigieren Sie Folgendes", "Please correct the following"),
    "err_email_missing": (
        "Bitte geben Sie Ihre E-Mail-Adresse ein.",
        "Please enter your e-mail address.",
    ),
    "err_email_invalid": (
        "Bitte geben Sie eine gültige E-Mail-Adresse ein ({detail}), zum Beispiel "
        "name@example.org.",
        "Please enter a valid e-mail address ({detail}), for example name@example.org.",
    ),
    "err_consent": (
        "Bitte bestätigen Sie, dass Sie den Newsletter erhalten möchten.",
        "Please confirm that you want to receive the newsletter.",
    ),
    "err_stale": (
        "Das Formular war zu lange geöffnet oder der Text hat sich geändert. Bitte prüfen Sie "
        "die Angaben und senden Sie es noch einmal.",
        "The form was open too long or its text has changed. Please check and send it again.",
    ),
    "err_same": (
        "Das ist schon Ihre Adresse. Bitte geben Sie die neue Adresse ein.",
        "That is your address already. Please enter the new address.",
    ),
    "check_title": ("Bitte prüfen Sie Ihr Postfach", "Please check your inbox"),
    "check_text": (
        "Wir haben eine E-Mail an {address} geschickt. Bitte öffnen Sie den Link darin, um die "
        "Anmeldung zu bestätigen. Der Link gilt {hours} Stunden.",
        "We have sent an e-mail to {address}. Please open the link in it to confirm your "
        "subscription. The link is valid for {hours} hours.",
    ),
    "check_missing": (
        "Keine E-Mail da? Sehen Sie bitte auch im Spam-Ordner nach. Wenn die Adresse einen "
        "Tippfehler hatte:",
        "No e-mail? Please look in your spam folder too. If the address had a typo:",
    ),
    "again": ("noch einmal anmelden", "sign up again"),
    "confirm_title": ("Anmeldung bestätigen", "Confirm your subscription"),
    "confirm_text": (
        "Bitte bestätigen Sie mit einem Klick, dass Sie den Newsletter erhalten möchten.",
        "Please confirm with one click that you want to receive the newsletter.",
    ),
    "confirm_button": ("Ja, Newsletter erhalten", "Yes, send me the newsletter"),
    "confirmed_title": ("Anmeldung bestätigt", "Subscription confirmed"),
    "confirmed_text": (
        "Vielen Dank! Sie erhalten den Newsletter ab der nächsten Ausgabe. Abmelden können Sie "
        "sich jederzeit mit dem Link in jeder Ausgabe.",
        "Thank you! You will receive the newsletter from the next issue on. You can "
        "unsubscribe at any time with the link in every issue.",
    ),
    "address_title": ("Neue Adresse bestätigen", "Confirm your new address"),
    "address_text": (
        "Bitte bestätigen Sie, dass der Newsletter künftig an diese Adresse gehen soll.",
        "Please confirm that the newsletter should go to this address from now on.",
    ),
    "address_button": ("Adresse bestätigen", "Confirm address"),
    "address_done_title": ("Adresse geändert", "Address changed"),
    "address_done_text": (
        "Der Newsletter geht ab jetzt an {address}.",
        "The newsletter now goes to {address}.",
    ),
    "expired_title": ("Link abgelaufen", "Link expired"),
    "expired_text": (
        "Dieser Bestätigungslink ist abgelaufen; er galt {hours} Stunden. Es wurde nichts "
        "geändert. Bitte fordern Sie einen neuen Link an:",
        "This confirmation link has expired; it was valid for {hours} hours. Nothing was "
        "changed. Please ask for a new link:",
    ),
    "used_title": ("Link schon verwendet", "Link already used"),
    "used_text": (
        "Dieser Bestätigungslink wurde schon verwendet und gilt nur einmal. Ihre Bestätigung "
        "ist gespeichert; Sie müssen nichts weiter tun.",
        "This confirmation link has been used already and works only once. Your confirmation "
        "is saved; there is nothing more to do.",
    ),
    "unknown_title": ("Link unbekannt", "Unknown link"),
    "unknown_text": (
        "Diesen Link kennen wir nicht. Bitte kopieren Sie ihn vollständig aus der E-Mail. "
        "Bei Fragen schreiben Sie an {contact}.",
        "We do not know this link. Please copy it completely from the e-mail. If you have "
        "questions, write to {contact}.",
    ),
    "taken_title": ("Adresse schon eingetragen", "Address already registered"),
    "taken_text": (
        "Die Adresse {address} steht schon in unserer Liste; die Änderung wurde nicht "
        "übernommen. Bei Fragen schreiben Sie an {contact}.",
        "The address {address} is on our list already; the change was not made. If you have "
        "questions, write to {contact}.",
    ),
    "unsub_title": ("Vom Newsletter abmelden", "Unsubscribe from the newsletter"),
    "unsub_text": (
        "Sie möchten den Newsletter nicht mehr erhalten? Ein Klick genügt.",
        "You no longer want the newsletter? One click is enough.",
    ),
    "unsub_button": ("Abmelden", "Unsubscribe"),
    "unsub_instead": (
        "Oder lieber Sprache oder Adresse ändern?",
        "Or would you rather change language or address?",
    ),
    "unsubbed_title": ("Sie sind abgemeldet", "You are unsubscribed"),
    "unsubbed_text": (
        "Sie erhalten keinen Newsletter mehr an diese Adresse. War das ein Versehen? Sie "
        "können sich jederzeit wieder anmelden:",
        "You will receive no more newsletters at this address. A mistake? You can sign up "
        "again at any time:",
    ),
    "prefs_title": ("Sprache oder Adresse ändern", "Change language or address"),
    "prefs_for": ("Einstellungen für {address}", "Settings for {address}"),
    "prefs_language_button": ("Sprache speichern", "Save language"),
    "prefs_address_label": ("Neue E-Mail-Adresse", "New e-mail address"),
    "prefs_address_hint": (
        "Wir schicken einen Bestätigungslink an die neue Adresse. Bis Sie ihn öffnen, bleibt "
        "alles wie es ist.",
        "We send a confirmation link to the new address. Until you open it, nothing changes.",
    ),
    "prefs_address_button": ("Neue Adresse bestätigen lassen", "Send confirmation link"),
    "prefs_unsubscribed": (
        "Diese Adresse ist vom Newsletter abgemeldet. Zum erneuten Anmelden:",
        "This address is unsubscribed from the newsletter. To sign up again:",
    ),
    "language_saved_title": ("Sprache gespeichert", "Language saved"),
    "language_saved_text": (
        "Sie erhalten künftig Post auf {language}.",
        "From now on you get mail in {language}.",
    ),
    "address_mail_title": (
        "Bitte prüfen Sie das Postfach der neuen Adresse",
        "Please check the new address's inbox",
    ),
    "address_mail_text": (
        "Wir haben einen Bestätigungslink an {address} geschickt. Erst wenn Sie ihn öffnen, "
        "geht der Newsletter an die neue Adresse. Der Link gilt {hours} Stunden.",
        "We have sent a confirmation link to {address}. Only when you open it does the "
        "newsletter go to the new address. The link is valid for {hours} hours.",
    ),
    "back_prefs": ("Zurück zu den Einstellungen", "Back to the settings"),
    "limit_title": ("Bitte später noch einmal", "Please try again later"),
    "limit_text": (
        "Von diesem Anschluss kamen in kurzer Zeit sehr viele Anmeldungen. Bitte versuchen Sie "
        "es in {minutes} Minuten noch einmal.",
        "Very many sign-ups came from this connection in a short time. Please try again in "
        "{minutes} minutes.",
    ),
    "busy_title": ("Gerade nicht möglich", "Not possible right now"),
    "busy_text": (
        "Die Bestätigungsmail kann gerade nicht verschickt werden. Bitte versuchen Sie es "
        "später noch einmal.",
        "The confirmation e-mail cannot be sent right now. Please try again later.",
    ),
    "forbidden_title": ("Anfrage abgelehnt", "Request refused"),
    "forbidden_text": (
        "Dieses Formular kann nur von unserer eigenen Seite aus abgeschickt werden.",
        "This form can only be sent from our own page.",
    ),
    "notfound_title": ("Seite nicht gefunden", "Page not found"),
    "notfound_text": ("Diese Seite gibt es nicht.", "This page does not exist."),
    "too_large_title": ("Formular zu groß", "Form too large"),
    "too_large_text": (
        "Das Formular war größer oder hatte mehr Felder, als dieser Dienst annimmt. Bitte laden "
        "Sie die Seite neu und senden Sie es noch einmal.",
        "The form was larger or had more fields than this service accepts. Please reload the "
        "page and send it again.",
    ),
    "bad_request_title": ("Anfrage nicht lesbar", "Request not readable"),
    "bad_request_text": (
        "Diese Anfrage kann der Dienst nicht lesen. Bitte laden Sie die Seite neu.",
        "The service cannot read this request. Please reload the page.",
    ),
    "to_signup": ("Zur Anmeldung", "To the sign-up form"),
    "error_title": ("Ein Fehler ist aufgetreten", "An error occurred"),
    "error_text": (
        "Bitte versuchen Sie es später noch einmal. Bei Fragen schreiben Sie an {contact}.",
        "Please try again later. If you have questions, write to {contact}.",
    ),
    "lang_name_de": ("Deutsch", "German"),
    "lang_name_en": ("Englisch", "English"),
}


def text(key: str, lang: str, **kw: Any) -> str:
    """A page text in German or English."""
    de, en = TEXTS[key]
    return (en if lang == "en" else de).format(**kw)


def email_error(exc: NewsletterError, lang: str) -> str:
    """The form's message for an address that was refused, with email-validator's reason."""
    detail = exc.params.get("detail_en" if lang == "en" else "detail", "")
    return text("err_email_invalid", lang, detail=detail or "?")
