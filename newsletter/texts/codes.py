"""Every message code: its severity and its German text, in one table.

This table is the one source of both. A finding's severity comes from here (`severity`; the
`Finding` model fills it in and refuses another), and so does the README's rules table
(`scripts/gen_docs.py`). The German text is the gettext message id of the `messages` domain;
English is its translation in newsletter/locale/en/LC_MESSAGES/messages.po.

`error_(...)` and `warning_(...)` mark a text for extraction (`pybabel extract`, keywords in
`i18n.KEYWORDS`); `error_n_(singular, plural)` and `warning_n_(...)` are texts whose form
depends on the parameter `count` (gettext plural forms: `ngettext`). Parameters are
`str.format` fields; numbers are formatted in the reader's language by `messages.render`.

A new code: one entry below, in its topic's group; then `python scripts/catalogues.py`,
translate the new entry in each language of the domain, `python scripts/gen_docs.py`
(CONTRIBUTING.md has the details).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # not at run time: `--help` loads this table, and models load pydantic
    from newsletter.core.models import Severity


class Message(NamedTuple):
    """A code's severity, its German text (the msgid) and, for counted texts, its plural."""

    severity: Severity
    msgid: str
    plural: str | None = None


def error_(msgid: str) -> Message:
    """An error: `check` fails (exit 1), the submission is left out of the build."""
    return Message("error", msgid)


def warning_(msgid: str) -> Message:
    """A warning: reported; fails `check` only with --strict."""
    return Message("warning", msgid)


def error_n_(singular: str, plural: str) -> Message:
    """An error whose text depends on the parameter `count` (German singular and plural)."""
    return Message("error", singular, plural)


def warning_n_(singular: str, plural: str) -> Message:
    """A warning whose text depends on the parameter `count` (German singular and plural)."""
    return Message("warning", singular, plural)


CATALOGUE: dict[str, Message] = {
    # --- the issue folder and issue.toml -------------------------------------------------------
    "ISSUE_NOT_FOUND": error_(
        "Den Ausgabe-Ordner {path} gibt es nicht. Bitte den Namen eines Ordners unter "
        "submissions/ oder einen Pfad angeben."
    ),
    "ISSUE_TOML_MISSING": error_(
        "issue.toml fehlt. Bitte Titel, Nummer, Datum und Einsendeschluss der Ausgabe dort "
        "eintragen (Vorlage: README)."
    ),
    "ISSUE_TOML_SYNTAX": error_("Die Datei lässt sich nicht lesen, {where}: {detail}."),
    "ISSUE_TOML_FIELD": error_("Feld „{key}“: {detail}."),
    "ISSUE_TOML_UNKNOWN_KEY": error_(
        "Unbekanntes Feld „{key}“.{hint} Bitte entfernen oder korrigieren."
    ),
    "RECEIVED_UNKNOWN_SLUG": warning_(
        "issue.toml nennt unter [received] oder accepted_late die Einreichung „{slug}“, "
        "die es nicht gibt."
    ),
    "ATTACHMENT_MISSING": error_(
        "Die Anlage {file} fehlt im Ausgabe-Ordner. Bitte die Datei ablegen oder den Eintrag "
        "in issue.toml entfernen."
    ),
    "EDITORIAL_ENCODING": warning_(
        "Der Artikel ist nicht in UTF-8 gespeichert und wurde als Windows-1252 gelesen. Bitte "
        "prüfen, ob Umlaute richtig erscheinen, und als UTF-8 speichern."
    ),
    "NO_SUBMISSIONS": error_(
        "In diesem Ausgabe-Ordner gibt es keine Einreichungen (Unterordner mit submission.md)."
    ),
    # --- the folder ---------------------------------------------------------------------------
    "FOLDER_EMPTY": warning_("Der Ordner ist leer und wird übersprungen."),
    "SUBMISSION_MISSING": error_(
        "Im Ordner fehlt die Datei submission.md. Bitte mit „newsletter new“ anlegen oder die "
        "Vorlage ausfüllen."
    ),
    "SUBMISSION_MISNAMED": error_(
        "Im Ordner fehlt submission.md, aber es gibt {actual}. Bitte die Datei in "
        "„submission.md“ umbenennen (Windows blendet Endungen wie .txt oft aus; dann unter "
        "Ansicht „Dateinamenerweiterungen“ einschalten)."
    ),
    "SUBMISSION_NAME_CASE": warning_(
        "Die Datei heißt {actual}; sie wird verwendet. Bitte in „submission.md“ umbenennen "
        "(klein geschrieben)."
    ),
    "FILE_TOO_LARGE": error_(
        "Die Datei ist {size_bytes} groß; erlaubt sind höchstens {limit_bytes}."
    ),
    "FILE_UNREADABLE": error_(
        "Die Datei lässt sich nicht lesen ({detail}). Bitte die Zugriffsrechte prüfen oder "
        "die Datei erneut ablegen."
    ),
    "FILE_UNLISTED": warning_(
        "Diese Datei wird in submission.md nicht genannt und daher nicht verwendet. Soll sie "
        "ins Heft, bitte unter photos: oder logo: eintragen, sonst löschen."
    ),
    "FILE_MISSING": error_(
        "Die Datei {name} ist in submission.md genannt, liegt aber nicht im Ordner.{hint} "
        "Bitte die Datei hinzufügen oder den Namen in submission.md korrigieren."
    ),
    "FILE_NAME_CASE": warning_(
        "In submission.md steht {name}, die Datei heißt aber {actual}. Sie wird verwendet; "
        "bitte den Namen angleichen."
    ),
    "PATH_OUTSIDE": error_(
        "Der Dateiname {name} zeigt aus dem Ordner der Einreichung hinaus. Bitte nur Dateien "
        "aus diesem Ordner nennen, ohne Pfad."
    ),
    "PATH_SYMLINK": error_(
        "{name} ist eine Verknüpfung, keine Datei. Bitte die Datei selbst in den Ordner legen."
    ),
    # --- submission.md ------------------------------------------------------------------------
    "FRONT_MATTER_MISSING": error_(
        "Die Datei beginnt nicht mit den Angaben zwischen zwei Linien aus drei Strichen (---). "
        "Bitte die Vorlage von „newsletter new“ verwenden."
    ),
    "YAML_SYNTAX": error_("Zeile {line}: {detail}."),
    "YAML_TAB": error_(
        "Zeile {line}: Hier steht ein Tabulator. Bitte zum Einrücken Leerzeichen verwenden."
    ),
    "YAML_ALIAS": error_(
        "Zeile {line}: „*“ oder „&“ am Anfang eines Werts ist nicht erlaubt. Bitte jeden "
        "Wert ausschreiben oder in Anführungszeichen setzen."
    ),
    "YAML_NOT_MAPPING": error_(
        "Zwischen den beiden Linien aus drei Strichen (---) müssen Zeilen der Form "
        "„feld: wert“ stehen, wie in der Vorlage."
    ),
    "UNKNOWN_KEY": error_("Unbekanntes Feld „{key}“.{hint} Bitte korrigieren oder entfernen."),
    "MISSING_FIELD": error_("Das Pflichtfeld „{key}“ fehlt oder ist leer. Bitte ausfüllen."),
    "FIELD_TYPE": error_("Das Feld „{key}“ muss {expected} sein."),
    "FIELD_CONTROL_CHAR": error_(
        "Das Feld „{key}“ enthält einen Zeilenumbruch oder ein Steuerzeichen. Bitte in eine "
        "Zeile schreiben."
    ),
    "FIELD_MARKUP": error_(
        "Das Feld „{key}“ enthält HTML ({snippet}). Bitte nur einfachen Text eintragen."
    ),
    "FIELD_TOO_LONG": error_(
        "Das Feld „{key}“ ist {count} Zeichen lang; höchstens {limit} sind möglich."
    ),
    "EMAIL_INVALID": error_("Die E-Mail-Adresse „{value}“ ist ungültig ({detail}). Bitte prüfen."),
    "URL_INVALID": error_(
        "Die Webadresse „{value}“ ist ungültig. Bitte vollständig angeben, z. B. "
        "https://www.example.org."
    ),
    "URL_SCHEME": error_(
        "Die Adresse „{value}“ ist nicht erlaubt: nur https://, http:// und mailto: sind möglich."
    ),
    "URL_USERINFO": error_(
        "Die Adresse „{value}“ führt zu {host}, nicht zu „{userinfo}“: Alles vor dem @ wird "
        "übergangen. So sehen gefälschte Links aus; bitte die richtige Adresse angeben."
    ),
    "URL_MIXED_SCRIPT": error_(
        "Die Adresse „{value}“ mischt in „{label}“ Buchstaben verschiedener Schriften "
        "({scripts}). Sie sieht aus wie eine bekannte Adresse, führt aber woandershin. Bitte "
        "die Adresse neu eintippen."
    ),
    "URL_HIDDEN_CHAR": error_(
        "Die Adresse „{value}“ enthält ein unsichtbares Zeichen ({char}); sie führt "
        "woandershin, als sie aussieht. Bitte die Adresse neu eintippen."
    ),
    "LINK_TEXT_HOST": error_(
        "Der Link zeigt „{shown}“, führt aber zu {host}. Bitte als Linktext die Adresse "
        "schreiben, zu der er führt, oder einen Text ohne Adresse (z. B. „unsere Webseite“)."
    ),
    "BIDI_CONTROL": error_(
        "{where} enthält ein unsichtbares Zeichen, das die Schreibrichtung umkehrt ({char}), "
        "bei „{context}“: Damit sieht Text anders aus, als er ist. Bitte die Stelle neu "
        "eintippen."
    ),
    "HIDDEN_CHAR": error_(
        "{where} enthält ein unsichtbares Zeichen ({char}) bei „{context}“. So kann ein Name "
        "wie ein anderer aussehen; bitte die Stelle neu eintippen."
    ),
    "HIDDEN_CHAR_TEXT": warning_(
        "{where} enthält ein unsichtbares Zeichen ({char}) bei „{context}“, oft beim Kopieren "
        "aus einer Webseite mitgenommen. Bitte prüfen und die Stelle neu eintippen."
    ),
    "HIDDEN_JOINER": warning_(
        "{where} enthält ein unsichtbares Verbindungszeichen ({char}) bei „{context}“. In "
        "persischer, arabischer oder indischer Schrift gehört es oft zur Rechtschreibung; "
        "bitte nur prüfen, ob es gewollt ist."
    ),
    "CONTACT_MISSING": error_(
        "Es fehlt ein Kontaktweg. Bitte unter contact: mindestens E-Mail, Telefon oder "
        "Webseite angeben."
    ),
    "LANGUAGE_INVALID": error_(
        "Die Sprache „{value}“ ist kein Sprachcode. Bitte zwei Buchstaben angeben, z. B. de, "
        "tr, ar, uk, ru."
    ),
    # --- the text -----------------------------------------------------------------------------
    "TEXT_EMPTY": error_(
        "Der Text fehlt. Bitte in submission.md unter die zweite Linie aus drei Strichen (---) "
        "schreiben oder eine Datei text.docx bzw. text.txt beilegen."
    ),
    "TEXT_TOO_LONG": error_(
        "Der Text ist {count} Zeichen lang; erlaubt sind höchstens {limit}. Bitte um "
        "{over} Zeichen kürzen."
    ),
    "TEXT_ENCODING": warning_(
        "Die Datei ist nicht in UTF-8 gespeichert und wurde als Windows-1252 gelesen. Bitte "
        "prüfen, ob Umlaute und Sonderzeichen richtig erscheinen."
    ),
    "TEXT_HTML": warning_(
        "Der Text enthält HTML ({snippet}); es wird als einfacher Text gezeigt. Für "
        "Hervorhebungen bitte **fett** oder *kursiv* schreiben."
    ),
    "CONTENT_PLACEHOLDER": warning_(
        "„{key}“ enthält {placeholder}. Solche Platzhalter werden nie ersetzt, sondern so "
        "gedruckt, wie sie dastehen; persönliche Links setzt nur die Vorlage ein. Bitte "
        "entfernen."
    ),
    "TEXT_IMAGE": warning_n_(
        "Der Text enthält {count} Bild (![…](…)); es wird nicht übernommen, nur seine "
        "Beschreibung. Fotos bitte als Datei in den Ordner legen und unter photos: mit "
        "Fotofreigabe eintragen.",
        "Der Text enthält {count} Bilder (![…](…)); sie werden nicht übernommen, nur ihre "
        "Beschreibung. Fotos bitte als Datei in den Ordner legen und unter photos: mit "
        "Fotofreigabe eintragen.",
    ),
    "TEXT_TWO_SOURCES": warning_(
        "Es gibt Text in submission.md und in {other}. Verwendet wird der Text aus "
        "submission.md; bitte eine der beiden Quellen entfernen."
    ),
    "TEMPLATE_BODY": error_(
        "Der Text enthält noch den Beispieltext der Vorlage („{snippet}“). Bitte durch Ihren "
        "eigenen Text ersetzen: Wer sind Sie, was machen Sie, für wen, wann und wo? Wer lieber "
        "in Word schreibt, löscht den Beispieltext und legt text.docx in den Ordner."
    ),
    "TEMPLATE_TEXT": error_(
        "Das Feld „{key}“ enthält noch das Beispiel aus der Vorlage („{value}“). Bitte durch "
        "Ihre eigene Angabe ersetzen oder das Feld leer lassen."
    ),
    "DOCX_UNREADABLE": error_(
        "Die Word-Datei lässt sich nicht lesen ({detail}). Bitte als .docx neu speichern oder "
        "den Text in submission.md einfügen."
    ),
    # --- photos -------------------------------------------------------------------------------
    "PHOTOS_NOT_LIST": error_("photos: muss eine Liste sein (jedes Foto beginnt mit „- file:“)."),
    "PHOTOS_TOO_MANY": error_(
        "Es sind {count} Fotos angegeben; höchstens {limit} sind möglich. Bitte auswählen."
    ),
    "PHOTO_DUPLICATE": error_("Foto {index}: {name} ist schon als Foto {first} angegeben."),
    "PHOTO_FILE_MISSING": error_("Foto {index}: Es fehlt die Angabe „file:“ mit dem Dateinamen."),
    "CONSENT_MISSING": warning_(
        "Foto {index} ({name}): Es fehlt „consent: true“. Ohne Fotofreigabe aller abgebildeten "
        "Personen wird das Foto weggelassen; Text, Logo und freigegebene Fotos erscheinen."
    ),
    "CONSENT_FALSE": warning_(
        "Foto {index} ({name}): Für dieses Foto liegt keine Fotofreigabe vor (consent: false); "
        "es wird weggelassen. Text, Logo und freigegebene Fotos erscheinen."
    ),
    "CONSENT_NOT_BOOL": warning_(
        "Foto {index} ({name}): „consent“ muss genau true oder false sein, nicht „{value}“. "
        "Ohne eindeutige Freigabe wird das Foto weggelassen; der Rest erscheint."
    ),
    "ALT_FROM_CAPTION": warning_(
        "Foto {index} ({name}): Es fehlt die Bildbeschreibung „alt:“ für blinde Leserinnen und "
        "Leser; die Bildunterschrift wird verwendet. Bitte beschreiben, was zu sehen ist."
    ),
    "ALT_MISSING": error_(
        "Foto {index} ({name}): Es fehlen Bildbeschreibung („alt:“) und Bildunterschrift. "
        "Bitte beschreiben, was zu sehen ist."
    ),
    # --- images -------------------------------------------------------------------------------
    "IMAGE_EMPTY": error_("{what} {name}: Die Datei ist leer (0 Byte). Bitte erneut hochladen."),
    "IMAGE_FORMAT": error_(
        "{what} {name}: Das ist {actual}; erlaubt sind {allowed}. Bitte als JPEG oder PNG "
        "speichern."
    ),
    "IMAGE_UNREADABLE": error_(
        "{what} {name}: Die Datei ist kein lesbares Bild ({detail}). Bitte das Original erneut "
        "senden."
    ),
    "IMAGE_TRUNCATED": error_(
        "{what} {name}: Die Datei ist unvollständig (beim Hochladen abgeschnitten). Bitte "
        "erneut hochladen."
    ),
    "IMAGE_TOO_MANY_BYTES": error_(
        "{what} {name}: Die Datei ist {size_bytes} groß; höchstens {limit_bytes} sind möglich. "
        "Bitte eine kleinere Fassung senden."
    ),
    "IMAGE_TOO_MANY_PIXELS": error_(
        "{what} {name}: Das Bild hat {width}×{height} Pixel ({mp} Megapixel); höchstens {limit} "
        "Megapixel sind möglich. Bitte verkleinern."
    ),
    "IMAGE_ANIMATED": warning_(
        "{what} {name}: Das Bild ist animiert ({frames} Bilder); nur das erste wird gezeigt."
    ),
    "PHOTO_EMAIL_SMALL": warning_(
        "Foto {index} ist {width}×{height} Pixel groß; für eine scharfe Darstellung werden "
        "mindestens {needed} Pixel Breite benötigt. Bitte das Originalfoto senden."
    ),
    "PHOTO_EMAIL_TOO_SMALL": error_(
        "Foto {index} ist {width}×{height} Pixel groß und damit zu klein: Es wäre in der "
        "E-Mail verschwommen. Mindestens {minimum}, besser {needed} Pixel Breite sind nötig. "
        "Bitte das Originalfoto senden."
    ),
    "PHOTO_PRINT_LOW": warning_(
        "Foto {index} erreicht bei {mm} mm Druckbreite nur {ppi} ppi; für einen guten Druck "
        "sind {target} ppi ({needed} Pixel Breite) nötig."
    ),
    "PHOTO_PRINT_TOO_LOW": error_(
        "Foto {index} erreicht bei {mm} mm Druckbreite nur {ppi} ppi; unter {minimum} ppi wird "
        "der Druck unscharf. Bitte ein größeres Originalfoto senden ({needed} Pixel Breite)."
    ),
    "LOGO_SMALL": warning_(
        "Das Logo ({name}) ist nur {width}×{height} Pixel groß; für E-Mail und Druck werden "
        "mindestens {needed} Pixel Breite benötigt. Bitte eine größere Datei oder das Logo als "
        "SVG senden."
    ),
    "SVG_INVALID": error_(
        "Das Logo ({name}) ist keine gültige SVG-Datei ({detail}). Bitte als PNG senden."
    ),
    "SVG_UNSAFE": error_(
        "Das Logo ({name}) enthält {thing}; das ist aus Sicherheitsgründen nicht erlaubt. Bitte "
        "als PNG senden."
    ),
    "SVG_EXTERNAL": warning_(
        "Das Logo ({name}) verweist auf fremde Dateien oder Adressen ({thing}); diese werden "
        "nicht geladen. Bitte prüfen, ob das Logo vollständig erscheint."
    ),
    # --- build --------------------------------------------------------------------------------
    "BUILD_FATAL": error_(
        "Die Ausgabe kann nicht gebaut werden: {codes}. Bitte zuerst „newsletter check“ "
        "ausführen und issue.toml korrigieren."
    ),
    "BUILD_REFUSED": error_n_(
        "Nicht gebaut: {count} Einreichung hat Fehler ({slugs}). Bitte korrigieren („newsletter "
        "check“ zeigt, was zu tun ist) oder mit --force ohne sie bauen.",
        "Nicht gebaut: {count} Einreichungen haben Fehler ({slugs}). Bitte korrigieren "
        "(„newsletter check“ zeigt, was zu tun ist) oder mit --force ohne sie bauen.",
    ),
    "BUILD_EMPTY": error_(
        "Nicht gebaut: Keine Einreichung kann aufgenommen werden ({count} mit Fehlern: "
        "{slugs}), und es gibt keine Beiträge der Redaktion; der Newsletter wäre leer. Bitte "
        "die Fehler korrigieren („newsletter check“ zeigt, was zu tun ist)."
    ),
    "PDF_FILE_MISSING": error_(
        "Für die PDF-Ausgabe fehlt die Datei {file}. Bitte „newsletter build“ erneut ausführen."
    ),
    "NOT_BUILT": error_(
        "Die Ausgabe ist noch nicht gebaut ({path}). Bitte zuerst „newsletter build“ ausführen."
    ),
    "SEND_EMPTY": error_(
        "Nicht versandt: Die gebaute Ausgabe ({path}) enthält weder Einreichungen noch Beiträge "
        "der Redaktion. Bitte die Fehler korrigieren und neu bauen („newsletter build“)."
    ),
    "HEADER_INJECTION": error_(
        "„{value}“ enthält einen Zeilenumbruch oder ein Steuerzeichen und kann nicht in eine "
        "E-Mail-Kopfzeile. Bitte korrigieren."
    ),
    "ADDRESS_INVALID": error_("Die E-Mail-Adresse „{value}“ ist ungültig ({detail})."),
    "TOKEN_INVALID": error_(
        "Für {value} fehlt ein gültiger Abmelde-Schlüssel; ohne ihn wird nicht versandt."
    ),
    "ADDRESS_NEEDS_SMTPUTF8": error_(
        "Die Adresse {value} hat Zeichen außerhalb von ASCII vor dem @ und kann nur mit "
        "SMTPUTF8 versandt werden."
    ),
    "BUDGET_LOWERED": warning_(
        "Die Fotos der E-Mail wären zusammen {before_bytes} groß, mehr als die vorgesehenen "
        "{budget_bytes}. Ihre Qualitätsstufe wurde deshalb für alle Fotos gleichmäßig von "
        "{target} auf {lowered_to} gesenkt (SSIMULACRA2, 100 = verlustfrei); jetzt sind es "
        "{total_bytes}. Für schärfere Fotos weniger Fotos aufnehmen oder "
        "images.email_budget_bytes erhöhen."
    ),
    "BUDGET_EXCEEDED": warning_(
        "Auch auf der niedrigsten erlaubten Qualitätsstufe ({floor}) sind die Bilder der E-Mail "
        "zusammen {total_bytes} groß, mehr als die vorgesehenen {budget_bytes}. Bitte weniger "
        "Fotos aufnehmen, images.email_budget_bytes erhöhen oder images.ssimulacra2_floor "
        "senken."
    ),
    "EMAIL_TOO_LARGE": warning_(
        "Die E-Mail ist auch mit gekürzten Texten {size_bytes} groß, so wie sie versandt wird "
        "(Grenze {limit_bytes}); "
        "Gmail schneidet sie ab. Bitte weniger Einreichungen in diese Ausgabe nehmen."
    ),
    # --- subscribers --------------------------------------------------------------------------
    "SUBSCRIBER_ADDRESS_MISSING": error_(
        "Die E-Mail-Adresse fehlt. Bitte ergänzen oder die Zeile löschen."
    ),
    "SUBSCRIBER_ADDRESS_CONTROL": error_(
        "Die Adresse „{address}“ enthält einen Zeilenumbruch oder ein unsichtbares "
        "Steuerzeichen und wird aus Sicherheitsgründen nicht angenommen. Bitte die Adresse von "
        "Hand neu eintippen."
    ),
    "SUBSCRIBER_ADDRESS_INVALID": error_(
        "Die E-Mail-Adresse „{address}“ ist ungültig ({detail}). Bitte prüfen und korrigieren."
    ),
    "SUBSCRIBER_ADDRESS_MULTIPLE": error_(
        "In dieser Zeile stehen {count} E-Mail-Adressen ({addresses}); die Zeile wird nicht "
        "übernommen. Bitte jede Person in eine eigene Zeile schreiben, mit genau einer Adresse."
    ),
    "SUBSCRIBER_NAME_INVALID": error_(
        "Der Name „{value}“ enthält einen Zeilenumbruch oder ein Steuerzeichen. Bitte in eine "
        "Zeile schreiben."
    ),
    "SUBSCRIBER_NAME_TOO_LONG": error_(
        "Der Name ist {count} Zeichen lang; höchstens {limit} sind möglich."
    ),
    "SUBSCRIBER_FIELD_INVALID": error_(
        "Die Angabe „{value}“ in „{column}“ enthält einen Zeilenumbruch oder ein Steuerzeichen. "
        "Bitte in eine Zeile schreiben."
    ),
    "SUBSCRIBER_FIELD_TOO_LONG": error_(
        "Die Angabe in „{column}“ ist {count} Zeichen lang; höchstens {limit} sind möglich."
    ),
    "SUBSCRIBER_LANGUAGE_INVALID": error_(
        "Die Sprache „{value}“ ist unbekannt. Bitte einen Sprachcode wie de, en, tr, ar, uk "
        "oder ru angeben (leer bedeutet de)."
    ),
    "SUBSCRIBER_STATUS_INVALID": error_(
        "Der Status „{value}“ ist unbekannt. Möglich sind aktiv, ausstehend, abgemeldet und "
        "unzustellbar (leer bedeutet aktiv)."
    ),
    "SUBSCRIBER_DATE_INVALID": error_(
        "„{value}“ in „{column}“ ist kein Datum. Bitte so schreiben: 20.11.2026, "
        "20.11.2026 14:30 oder 2026-11-20T14:30:00Z."
    ),
    "SUBSCRIBER_EXISTS": error_("{address} steht schon in der Liste."),
    "SUBSCRIBER_UNSUBSCRIBED": error_(
        "{address} hat sich am {date} abgemeldet. Nur wenn die Person erneut eingewilligt hat: "
        "mit --reactivate wieder eintragen."
    ),
    "SUBSCRIBER_BOUNCED": error_(
        "Mails an {address} kamen als unzustellbar zurück. Stimmt die Adresse jetzt und hat die "
        "Person eingewilligt: mit --reactivate wieder eintragen."
    ),
    "SUBSCRIBER_NOT_FOUND": error_("{address} steht nicht in der Liste."),
    "SUBSCRIBER_TOKEN_UNKNOWN": error_(
        "Dieses Abmelde-Token gehört zu keiner Adresse. Bitte den Link vollständig kopieren."
    ),
    "SUBSCRIBERS_DB_INVALID": error_(
        "{path} ist keine Abonnenten-Datenbank (SQLite). Bitte in newsletter.toml unter "
        "[subscribers] bei database den richtigen Pfad angeben."
    ),
    "SUBSCRIBERS_DB_NEWER": error_(
        "{path} wurde von einer neueren Version dieses Programms geschrieben (Schema {found}, "
        "diese Version kennt bis {supported}). Bitte das Programm aktualisieren; die Datei "
        "bleibt unverändert."
    ),
    "SUBSCRIBERS_DB_ERROR": error_(
        "Die Abonnenten-Datenbank {path} lässt sich nicht verwenden ({detail}). Läuft gerade "
        "ein Versand oder Import? Sonst bitte Zugriffsrechte und freien Speicherplatz prüfen."
    ),
    "SUBSCRIBERS_CSV_NOT_FOUND": error_("Die Datei {path} gibt es nicht. Bitte den Pfad prüfen."),
    "SUBSCRIBERS_CSV_EMPTY": error_("Die Datei {path} ist leer."),
    "SUBSCRIBERS_CSV_ENCODING": error_(
        "Die Datei {path} ist weder UTF-8 noch Windows-1252. Bitte in Excel „Speichern unter“ "
        "→ „CSV UTF-8 (durch Trennzeichen getrennt)“ wählen."
    ),
    "SUBSCRIBERS_CSV_NO_ADDRESS": error_(
        "In {path} fehlt eine Spalte mit den E-Mail-Adressen (gefunden: {columns}). Bitte die "
        "Spalten in der ersten Zeile benennen, z. B. „E-Mail;Name;Sprache“."
    ),
    "SUBSCRIBERS_CSV_SYNTAX": error_(
        "{path}, Zeile {line}: Die CSV-Datei ist fehlerhaft ({detail}). Oft fehlt ein "
        "schließendes Anführungszeichen."
    ),
    "SUBSCRIBERS_EXPORT_FAILED": error_(
        "Die Datei {path} lässt sich nicht schreiben ({detail}). Bitte prüfen, ob der Ordner "
        "existiert und beschreibbar ist."
    ),
    # --- sending ------------------------------------------------------------------------------
    "SMTP_UNREACHABLE": error_(
        "Der Mailserver {host}:{port} ist nicht erreichbar ({detail}). Es wurde nichts versandt. "
        "Bitte Adresse und Port in newsletter.toml ([smtp]) und die Netzverbindung prüfen."
    ),
    "SMTP_AUTH_FAILED": error_(
        "Der Mailserver {host} hat die Anmeldung als „{user}“ abgelehnt ({detail}). Es wurde "
        "nichts versandt. Bitte Benutzername und Passwort prüfen."
    ),
    "SMTP_TLS_FAILED": error_(
        "Die verschlüsselte Verbindung zu {host}:{port} kam nicht zustande ({detail}). Es wurde "
        "nichts versandt – ohne Verschlüsselung wird nie gesendet. Bitte security und ca_file "
        "in [smtp] prüfen."
    ),
    "SMTP_PLAINTEXT_REFUSED": error_(
        "Unverschlüsselter Versand ist nur an einen Server auf diesem Rechner erlaubt, nicht an "
        '{host}. Bitte in [smtp] security = "starttls" oder "tls" einstellen.'
    ),
    "SMTP_REFUSED": error_("Der Mailserver hat die Nachricht abgelehnt ({code} {detail})."),
    "SMTP_SENDER_REFUSED": error_(
        "Der Mailserver lehnt den Absender {sender} ab ({code} {detail}). Der Versand wurde "
        "angehalten ({sent} schon versandt); niemand wurde als fehlgeschlagen vermerkt. Bitte "
        "from_address in [sender] oder die Freigabe beim Mailserver prüfen und erneut senden."
    ),
    "SEND_RUNNING": error_(
        "Es läuft schon ein Versand (Sperrdatei {path}). Bitte warten, bis er fertig ist."
    ),
    "SEND_NOT_CONFIRMED": error_("Nicht versandt: Bitte mit „j“ bestätigen oder --yes angeben."),
    "SMTP_NO_SMTPUTF8": error_(
        "Der Mailserver bietet kein SMTPUTF8 an; die Adresse {address} hat Zeichen außerhalb "
        "von ASCII vor dem @ und kann ohne SMTPUTF8 nicht zugestellt werden."
    ),
    "SEND_EXAMPLE_SETTINGS": error_(
        "Nicht versandt: Diese Einstellungen stehen noch auf den Beispielwerten: {keys}. "
        "Impressum, Absender und Abmeldelink wären falsch. Bitte in newsletter.toml eintragen."
    ),
    "SETTINGS_EXAMPLE": warning_(
        "Achtung: Diese Einstellungen stehen noch auf den Beispielwerten: {keys}. Ein echter "
        "Versand wird so verweigert."
    ),
    "BUILD_OUTDATED": error_(
        "Der Bau in outbox/ ist veraltet; seitdem hat sich geändert: {changes}. Bitte neu "
        "bauen („newsletter build“) oder den alten Stand mit --allow-outdated bewusst senden."
    ),
    "SEND_BUILD_CHANGED": error_(
        "Der Versand von {issue} hat am {started} mit einem anderen Bau begonnen ({old}; "
        "{sent} schon versandt), outbox/ enthält jetzt {new}. Entweder mit --original-build "
        "mit dem ursprünglichen Bau fertig senden (er ist aufbewahrt), oder mit --new-build "
        "bewusst den neuen an alle noch offenen Empfänger senden."
    ),
    "SEND_ORIGINAL_GONE": error_(
        "Der ursprüngliche Bau von {issue} ist nicht mehr aufbewahrt (der Versand war "
        "abgeschlossen). Mit --new-build den jetzigen Bau senden."
    ),
    # --- sign-up service and mailbox -------------------------------------------------------
    "SIGNUP_TOKEN_UNKNOWN": error_(
        "Diesen Bestätigungslink kennen wir nicht. Bitte den Link vollständig aus der "
        "E-Mail kopieren."
    ),
    "SIGNUP_TOKEN_USED": error_(
        "Dieser Bestätigungslink wurde schon verwendet; er gilt nur einmal."
    ),
    "SIGNUP_TOKEN_EXPIRED": error_(
        "Dieser Bestätigungslink ist abgelaufen. Bitte erneut anmelden, um einen neuen zu erhalten."
    ),
    "SIGNUP_ADDRESS_TAKEN": error_(
        "{address} steht schon in der Liste; die Adresse wurde nicht geändert."
    ),
    "SIGNUP_ADDRESS_SAME": error_("{address} ist schon die eingetragene Adresse."),
    "SERVE_SETTINGS_INVALID": error_(
        "[serve] ist unbrauchbar: Port {port} (erlaubt 0 bis 65535) oder base_url „{url}“"
        " (muss mit http:// oder https:// beginnen)."
    ),
    "SERVE_PORT_IN_USE": error_(
        "Port {port} auf {host} ist belegt. Läuft der Anmeldedienst schon? Sonst mit "
        "--port einen anderen wählen."
    ),
    "SERVE_LISTEN_FAILED": error_(
        "Auf {host}:{port} lässt sich nicht lauschen ({detail}). Bitte [serve] host und "
        "port prüfen."
    ),
    "MAILBOX_NOT_CONFIGURED": error_(
        "Das Postfach ist nicht eingerichtet. Bitte unter [mailbox] host und username "
        "eintragen, das Passwort besser als NEWSLETTER_MAILBOX__PASSWORD."
    ),
    "MAILBOX_PLAINTEXT_REFUSED": error_(
        "Unverschlüsselt wird nur ein Postfach auf diesem Rechner gelesen, nicht {host}. "
        'Bitte in [mailbox] security = "tls" oder "starttls" einstellen.'
    ),
    "MAILBOX_UNREACHABLE": error_(
        "Der IMAP-Server {host}:{port} ist nicht erreichbar ({detail}). Es wurde nichts "
        "geändert. Bitte host und port in [mailbox] und die Netzverbindung prüfen."
    ),
    "MAILBOX_TLS_FAILED": error_(
        "Die verschlüsselte Verbindung zu {host}:{port} kam nicht zustande ({detail}). Es"
        " wurde nichts gelesen. Bitte security und ca_file in [mailbox] prüfen."
    ),
    "MAILBOX_AUTH_FAILED": error_(
        "Der IMAP-Server {host} hat die Anmeldung als „{user}“ abgelehnt ({detail}). "
        "Bitte Benutzername und Passwort prüfen."
    ),
    "MAILBOX_FOLDER_MISSING": error_(
        "Den Ordner „{folder}“ gibt es in diesem Postfach nicht. Bitte [mailbox] folder "
        "prüfen (meist INBOX)."
    ),
    "MAILBOX_FOLDER_FAILED": error_(
        "Der Ordner „{folder}“ für bearbeitete E-Mails ließ sich nicht anlegen "
        "({detail}). Bitte von Hand anlegen oder [mailbox] processed_folder ändern."
    ),
    "MAILBOX_ERROR": error_(
        "Die Verbindung zum IMAP-Server {host} brach ab ({detail}). Bereits Erledigtes "
        "bleibt erledigt; der nächste Lauf macht weiter."
    ),
    # --- deadline -----------------------------------------------------------------------------
    "RECEIPTS_NOT_RECORDED": warning_(
        "Die Eingangszeiten konnten nicht in {path} gespeichert werden ({detail}); es gilt "
        "das Änderungsdatum der Dateien. Eine spätere Korrektur kann eine Einreichung dann "
        "verspätet erscheinen lassen."
    ),
    "LATE": error_(
        "Eingegangen am {received}, nach dem Einsendeschluss {deadline}. Die Einreichung wird "
        "nicht aufgenommen, außer die Redaktion trägt sie in issue.toml unter accepted_late ein."
    ),
    "LATE_ACCEPTED": warning_(
        "Eingegangen am {received}, nach dem Einsendeschluss {deadline}; von der Redaktion "
        "angenommen."
    ),
    # --- the register of organisations, a new issue, reminders and feedback -----------------
    "ORG_SLUG_INVALID": error_(
        "„{value}“ ist kein gültiges Kürzel: bitte nur Kleinbuchstaben, Ziffern und "
        "Bindestriche, wie der Ordner der Einreichung heißt (z. B. lernimpuls-nordstadt)."
    ),
    "ORG_LANGUAGE_INVALID": error_(
        "„{value}“ ist kein Sprachcode. Bitte z. B. de, en, tr, ar, uk oder pt-BR angeben."
    ),
    "ORG_ACTIVE_INVALID": error_("„{value}“ in der Spalte Aktiv: bitte „ja“ oder „nein“ angeben."),
    "ORG_EXISTS": error_(
        "Die Organisation „{slug}“ ist schon eingetragen. Zum Ändern: "
        "„newsletter organisations edit {slug}“."
    ),
    "UPLOAD_EXTRA_FILES": warning_n_(
        "Es sind höchstens {limit} Fotos und ein Logo möglich; {count} weitere Datei wurde nicht "
        "übernommen.",
        "Es sind höchstens {limit} Fotos und ein Logo möglich; {count} weitere Dateien wurden "
        "nicht übernommen.",
    ),
    "UPLOAD_KEY_BROKEN": error_(
        "Der Schlüssel der Einreichungs-Links ({path}) ist beschädigt. Bitte die Datei löschen "
        "und mit „newsletter organisations link KÜRZEL --new“ neue Links erzeugen."
    ),
    "ORG_NOT_FOUND": error_(
        "Die Organisation „{slug}“ ist nicht eingetragen (Liste: „newsletter organisations list“)."
    ),
    "ORG_ADDRESS_TAKEN": error_(
        "Die Adresse {address} gehört schon zur Organisation „{slug}“; eine Adresse kann nur "
        "zu einer Organisation gehören."
    ),
    "ORG_DUPLICATE_SLUG": error_(
        "Das Kürzel „{slug}“ steht schon in Zeile {first_line}; diese Zeile wurde nicht übernommen."
    ),
    "ORG_DUPLICATE_ADDRESS": error_(
        "Die Adresse {address} steht schon in Zeile {first_line} ({slug}); diese Zeile wurde "
        "nicht übernommen."
    ),
    "ORG_CSV_NO_SLUG": error_(
        "In {path} fehlt die Spalte mit dem Kürzel (gefunden: {columns}). Bitte die Spalten in "
        "der ersten Zeile benennen, z. B. „Kürzel;Name;E-Mail;Sprache;Ansprechperson;Notiz“."
    ),
    "ORG_NO_ADDRESS": warning_(
        "Für die Organisation „{slug}“ ist keine E-Mail-Adresse eingetragen; sie bekommt keine "
        "Nachricht. Bitte mit „newsletter organisations edit {slug} --add-email ADRESSE“ "
        "ergänzen."
    ),
    "ISSUE_EXISTS": error_("{path} gibt es schon; nichts überschrieben."),
    "ISSUE_NUMBER_USED": error_(
        "Die Nummer {number} hat schon die Ausgabe {other}. Bitte eine andere mit --number angeben."
    ),
    "ISSUE_DATE_INVALID": error_("„{value}“ ist kein Datum ({expected})."),
    "ISSUE_DEADLINE_AFTER_DATE": error_(
        "Der Einsendeschluss {deadline} liegt nicht vor dem Erscheinungsdatum {date}."
    ),
    "SMTP_NOT_CONFIGURED": error_(
        "Es ist kein Mailserver eingerichtet (smtp.host ist leer). Bitte [smtp] in "
        "newsletter.toml ausfüllen, oder mit --dry-run nur die Nachrichten schreiben."
    ),
    # --- publish and withdraw -----------------------------------------------------------------
    "PUBLISH_NO_TARGET": error_(
        "Es ist kein Ziel zum Veröffentlichen angegeben. Bitte --to ORDNER (oder "
        "benutzer@host:/pfad) angeben oder [publish] target in newsletter.toml eintragen."
    ),
    "PUBLISH_OUTDATED": error_(
        "Ausgabe {issue} wird nicht veröffentlicht: Der Bau in outbox/ ist veraltet; seitdem hat "
        "sich geändert: {changes}. Bitte neu bauen („newsletter build {issue}“)."
    ),
    "PUBLISH_RUNNING": error_(
        "Es läuft schon eine Veröffentlichung (Sperrdatei {path}). Bitte warten, bis sie fertig "
        "ist."
    ),
    "PUBLISH_NAME_UNSAFE": error_(
        "Ausgabe {issue}: Der Dateiname {name} ist für eine Webadresse ungeeignet (erlaubt: "
        "Kleinbuchstaben, Ziffern, Punkt, Binde- und Unterstrich). Nichts veröffentlicht."
    ),
    "PUBLISH_TARGET_INVALID": error_(
        "Das Ziel {target} ist unbrauchbar ({detail}). Die Website dort ist unverändert."
    ),
    "PUBLISH_UNREACHABLE": error_(
        "Das Ziel {target} ist nicht erreichbar ({detail}). Die Website dort ist unverändert."
    ),
    "PUBLISH_UPLOAD_FAILED": error_(
        "Das Hochladen nach {target} ist fehlgeschlagen ({detail}); ist das Ziel voll? Die "
        "bisherige Website ist vollständig erhalten."
    ),
    "PUBLISH_NOT_PUBLISHED": error_(
        "Die Ausgabe {issue} ist nicht veröffentlicht; es gibt nichts zurückzuziehen."
    ),
    "PUBLISH_SOURCES_GONE": error_(
        "Ausgabe {issue} muss ohne zurückgezogene Fotos neu gebaut werden, aber ihr Ordner "
        "{path} fehlt oder hat Fehler ({detail}). Nichts veröffentlicht."
    ),
    "PUBLISH_SEARCH_FAILED": error_(
        "Der Suchindex (Pagefind) konnte nicht gebaut werden ({detail}). Nichts veröffentlicht."
    ),
    "WITHDRAW_SUBMISSION_UNKNOWN": error_(
        "Die Ausgabe {issue} hat keine Einreichung „{slug}“ (vorhanden: {slugs})."
    ),
    "WITHDRAW_PHOTO_UNKNOWN": error_(
        "Die Einreichung „{slug}“ in {issue} hat kein Foto „{photo}“ (Fotos: {photos})."
    ),
    "WITHDRAW_REASON_MISSING": error_(
        "Bitte mit --reason angeben, warum die Freigabe zurückgezogen wurde (z. B. „Widerruf per "
        "E-Mail vom 3.12.“)."
    ),
    # --- the commands' own refusals (newsletter new, newsletter preview, organisations link) ----
    "SUBMISSION_EXISTS": error_("{path} gibt es schon; nichts überschrieben."),
    "SUBMISSION_SLUG_INVALID": error_(
        "„{org}“ ist kein guter Ordnername: bitte nur Kleinbuchstaben, Ziffern und Bindestriche, "
        "z. B. lernimpuls-witten."
    ),
    "SUBMISSION_SLUG_PROPOSED": error_(
        "„{org}“ ist kein guter Ordnername (nur Kleinbuchstaben, Ziffern und Bindestriche). "
        "Vorschlag: newsletter new {issue} {slug}"
    ),
    "PREVIEW_HOST_REFUSED": error_(
        "Die Vorschau läuft nur auf diesem Rechner (127.0.0.1), nicht auf {host}: Sie zeigt "
        "Kontaktdaten und unveröffentlichte Fotos."
    ),
    "PREVIEW_PORT_INVALID": error_("Der Port {port} ist ungültig (0 bis 65535)."),
    "PREVIEW_PORT_UNAVAILABLE": error_("Die Vorschau kann Port {port} nicht öffnen: {detail}"),
    "ORG_LINK_NO_ISSUE": error_(
        "Unter {folder} gibt es keine Ausgabe; bitte --issue AUSGABE angeben."
    ),
}


def severity(code: str) -> Severity | None:
    """The severity of `code`, or None for a code this table does not know."""
    message = CATALOGUE.get(code)
    return message.severity if message is not None else None
