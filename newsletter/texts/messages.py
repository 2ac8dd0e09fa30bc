"""Every message a contributor or the editor reads: a stable code, German first, English too.

A text says what is wrong and what to do, with the numbers. Parameters are filled in with
`str.format`; numbers are formatted the German way in German texts (1.500, not 1,500).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from newsletter.texts.numbers import human_bytes


class Text(NamedTuple):
    de: str
    en: str


CATALOGUE: dict[str, Text] = {
    # --- the issue folder and issue.toml -------------------------------------------------------
    "ISSUE_NOT_FOUND": Text(
        "Den Ausgabe-Ordner {path} gibt es nicht. Bitte den Namen eines Ordners unter "
        "submissions/ oder einen Pfad angeben.",
        "The issue folder {path} does not exist. Give the name of a folder under submissions/ "
        "or a path.",
    ),
    "ISSUE_TOML_MISSING": Text(
        "issue.toml fehlt. Bitte Titel, Nummer, Datum und Einsendeschluss der Ausgabe dort "
        "eintragen (Vorlage: README).",
        "issue.toml is missing. Put the issue's title, number, date and deadline there "
        "(template: README).",
    ),
    "ISSUE_TOML_SYNTAX": Text(
        "Die Datei lässt sich nicht lesen, {where}: {detail}.",
        "The file cannot be read, {where}: {detail}.",
    ),
    "ISSUE_TOML_FIELD": Text(
        "Feld „{key}“: {detail}.",
        "Field '{key}': {detail}.",
    ),
    "ISSUE_TOML_UNKNOWN_KEY": Text(
        "Unbekanntes Feld „{key}“.{hint} Bitte entfernen oder korrigieren.",
        "Unknown field '{key}'.{hint} Remove or correct it.",
    ),
    "RECEIVED_UNKNOWN_SLUG": Text(
        "issue.toml nennt unter [received] oder accepted_late die Einreichung „{slug}“, "
        "die es nicht gibt.",
        "issue.toml names the submission '{slug}' under [received] or accepted_late, "
        "but there is no such folder.",
    ),
    "ATTACHMENT_MISSING": Text(
        "Die Anlage {file} fehlt im Ausgabe-Ordner. Bitte die Datei ablegen oder den Eintrag "
        "in issue.toml entfernen.",
        "The attachment {file} is missing from the issue folder. Add the file or remove the "
        "entry from issue.toml.",
    ),
    "EDITORIAL_ENCODING": Text(
        "Der Artikel ist nicht in UTF-8 gespeichert und wurde als Windows-1252 gelesen. Bitte "
        "prüfen, ob Umlaute richtig erscheinen, und als UTF-8 speichern.",
        "The article is not saved as UTF-8 and was read as Windows-1252. Check the umlauts and "
        "save it as UTF-8.",
    ),
    "NO_SUBMISSIONS": Text(
        "In diesem Ausgabe-Ordner gibt es keine Einreichungen (Unterordner mit submission.md).",
        "This issue folder has no submissions (subfolders with submission.md).",
    ),
    # --- the folder ---------------------------------------------------------------------------
    "FOLDER_EMPTY": Text(
        "Der Ordner ist leer und wird übersprungen.",
        "The folder is empty and is skipped.",
    ),
    "SUBMISSION_MISSING": Text(
        "Im Ordner fehlt die Datei submission.md. Bitte mit „newsletter new“ anlegen oder die "
        "Vorlage ausfüllen.",
        "The folder has no submission.md. Create one with 'newsletter new' or fill in the "
        "template.",
    ),
    "SUBMISSION_MISNAMED": Text(
        "Im Ordner fehlt submission.md, aber es gibt {actual}. Bitte die Datei in "
        "„submission.md“ umbenennen (Windows blendet Endungen wie .txt oft aus; dann unter "
        "Ansicht „Dateinamenerweiterungen“ einschalten).",
        "The folder has no submission.md, but there is {actual}. Rename the file to "
        "'submission.md' (Windows often hides endings like .txt; switch on 'File name "
        "extensions' under View).",
    ),
    "SUBMISSION_NAME_CASE": Text(
        "Die Datei heißt {actual}; sie wird verwendet. Bitte in „submission.md“ umbenennen "
        "(klein geschrieben).",
        "The file is called {actual}; it is used. Please rename it to 'submission.md' (lower "
        "case).",
    ),
    "FILE_TOO_LARGE": Text(
        "Die Datei ist {size_bytes} groß; erlaubt sind höchstens {limit_bytes}.",
        "The file is {size_bytes}; at most {limit_bytes} are allowed.",
    ),
    "FILE_UNREADABLE": Text(
        "Die Datei lässt sich nicht lesen ({detail}). Bitte die Zugriffsrechte prüfen oder "
        "die Datei erneut ablegen.",
        "The file cannot be read ({detail}). Check its permissions or put it there again.",
    ),
    "FILE_UNLISTED": Text(
        "Diese Datei wird in submission.md nicht genannt und daher nicht verwendet. Soll sie "
        "ins Heft, bitte unter photos: oder logo: eintragen, sonst löschen.",
        "This file is not named in submission.md and is not used. To publish it, list it "
        "under photos: or logo:, otherwise delete it.",
    ),
    "FILE_MISSING": Text(
        "Die Datei {name} ist in submission.md genannt, liegt aber nicht im Ordner.{hint} "
        "Bitte die Datei hinzufügen oder den Namen in submission.md korrigieren.",
        "The file {name} is named in submission.md but is not in the folder.{hint} Add it or "
        "correct the name in submission.md.",
    ),
    "FILE_NAME_CASE": Text(
        "In submission.md steht {name}, die Datei heißt aber {actual}. Sie wird verwendet; "
        "bitte den Namen angleichen.",
        "submission.md says {name} but the file is called {actual}. It is used; please make "
        "the names match.",
    ),
    "PATH_OUTSIDE": Text(
        "Der Dateiname {name} zeigt aus dem Ordner der Einreichung hinaus. Bitte nur Dateien "
        "aus diesem Ordner nennen, ohne Pfad.",
        "The file name {name} points outside the submission's folder. Name only files in this "
        "folder, without a path.",
    ),
    "PATH_SYMLINK": Text(
        "{name} ist eine Verknüpfung, keine Datei. Bitte die Datei selbst in den Ordner legen.",
        "{name} is a link, not a file. Put the file itself into the folder.",
    ),
    # --- submission.md ------------------------------------------------------------------------
    "FRONT_MATTER_MISSING": Text(
        "Die Datei beginnt nicht mit den Angaben zwischen zwei Linien aus drei Strichen (---). "
        "Bitte die Vorlage von „newsletter new“ verwenden.",
        "The file does not start with the details between two lines of three dashes (---). "
        "Use the template from 'newsletter new'.",
    ),
    "YAML_SYNTAX": Text(
        "Zeile {line}: {detail}.",
        "Line {line}: {detail}.",
    ),
    "YAML_TAB": Text(
        "Zeile {line}: Hier steht ein Tabulator. Bitte zum Einrücken Leerzeichen verwenden.",
        "Line {line}: there is a tab here. Indent with spaces.",
    ),
    "YAML_ALIAS": Text(
        "Zeile {line}: „*“ oder „&“ am Anfang eines Werts ist nicht erlaubt. Bitte jeden "
        "Wert ausschreiben oder in Anführungszeichen setzen.",
        "Line {line}: '*' or '&' at the start of a value is not allowed. Write every value "
        "out or put it in quotes.",
    ),
    "YAML_NOT_MAPPING": Text(
        "Zwischen den beiden Linien aus drei Strichen (---) müssen Zeilen der Form "
        "„feld: wert“ stehen, wie in der Vorlage.",
        "Between the two lines of three dashes (---) there must be 'field: value' lines, as "
        "in the template.",
    ),
    "UNKNOWN_KEY": Text(
        "Unbekanntes Feld „{key}“.{hint} Bitte korrigieren oder entfernen.",
        "Unknown field '{key}'.{hint} Correct or remove it.",
    ),
    "MISSING_FIELD": Text(
        "Das Pflichtfeld „{key}“ fehlt oder ist leer. Bitte ausfüllen.",
        "The required field '{key}' is missing or empty. Fill it in.",
    ),
    "FIELD_TYPE": Text(
        "Das Feld „{key}“ muss {expected} sein.",
        "The field '{key}' must be {expected}.",
    ),
    "FIELD_CONTROL_CHAR": Text(
        "Das Feld „{key}“ enthält einen Zeilenumbruch oder ein Steuerzeichen. Bitte in eine "
        "Zeile schreiben.",
        "The field '{key}' contains a line break or control character. Write it on one line.",
    ),
    "FIELD_MARKUP": Text(
        "Das Feld „{key}“ enthält HTML ({snippet}). Bitte nur einfachen Text eintragen.",
        "The field '{key}' contains HTML ({snippet}). Enter plain text only.",
    ),
    "FIELD_TOO_LONG": Text(
        "Das Feld „{key}“ ist {count} Zeichen lang; höchstens {limit} sind möglich.",
        "The field '{key}' is {count} characters long; at most {limit} are possible.",
    ),
    "EMAIL_INVALID": Text(
        "Die E-Mail-Adresse „{value}“ ist ungültig ({detail}). Bitte prüfen.",
        "The e-mail address '{value}' is invalid ({detail}). Please check it.",
    ),
    "URL_INVALID": Text(
        "Die Webadresse „{value}“ ist ungültig. Bitte vollständig angeben, z. B. "
        "https://www.example.org.",
        "The web address '{value}' is invalid. Give it in full, e.g. https://www.example.org.",
    ),
    "URL_SCHEME": Text(
        "Die Adresse „{value}“ ist nicht erlaubt: nur https://, http:// und mailto: sind möglich.",
        "The address '{value}' is not allowed: only https://, http:// and mailto: are possible.",
    ),
    "URL_USERINFO": Text(
        "Die Adresse „{value}“ führt zu {host}, nicht zu „{userinfo}“: Alles vor dem @ wird "
        "übergangen. So sehen gefälschte Links aus; bitte die richtige Adresse angeben.",
        "The address '{value}' leads to {host}, not to '{userinfo}': everything before the @ "
        "is skipped. That is what forged links look like; give the real address.",
    ),
    "URL_MIXED_SCRIPT": Text(
        "Die Adresse „{value}“ mischt in „{label}“ Buchstaben verschiedener Schriften "
        "({scripts}). Sie sieht aus wie eine bekannte Adresse, führt aber woandershin. Bitte "
        "die Adresse neu eintippen.",
        "The address '{value}' mixes letters of different scripts in '{label}' ({scripts}). It "
        "looks like a familiar address but leads elsewhere. Type the address again.",
    ),
    "URL_HIDDEN_CHAR": Text(
        "Die Adresse „{value}“ enthält ein unsichtbares Zeichen ({char}); sie führt "
        "woandershin, als sie aussieht. Bitte die Adresse neu eintippen.",
        "The address '{value}' contains an invisible character ({char}); it leads somewhere "
        "else than it looks. Type the address again.",
    ),
    "LINK_TEXT_HOST": Text(
        "Der Link zeigt „{shown}“, führt aber zu {host}. Bitte als Linktext die Adresse "
        "schreiben, zu der er führt, oder einen Text ohne Adresse (z. B. „unsere Webseite“).",
        "The link shows '{shown}' but leads to {host}. Write the address it leads to as its "
        "text, or a text without an address (e.g. 'our website').",
    ),
    "BIDI_CONTROL": Text(
        "{where} enthält ein unsichtbares Zeichen, das die Schreibrichtung umkehrt ({char}), "
        "bei „{context}“: Damit sieht Text anders aus, als er ist. Bitte die Stelle neu "
        "eintippen.",
        "{where} contains an invisible character that reverses the writing direction ({char}), "
        "at '{context}': it makes text look other than it is. Type that part again.",
    ),
    "HIDDEN_CHAR": Text(
        "{where} enthält ein unsichtbares Zeichen ({char}) bei „{context}“. So kann ein Name "
        "wie ein anderer aussehen; bitte die Stelle neu eintippen.",
        "{where} contains an invisible character ({char}) at '{context}'. It can make a name "
        "look like another; type that part again.",
    ),
    "HIDDEN_CHAR_TEXT": Text(
        "{where} enthält ein unsichtbares Zeichen ({char}) bei „{context}“, oft beim Kopieren "
        "aus einer Webseite mitgenommen. Bitte prüfen und die Stelle neu eintippen.",
        "{where} contains an invisible character ({char}) at '{context}', often copied along "
        "from a web page. Check it and type that part again.",
    ),
    "HIDDEN_JOINER": Text(
        "{where} enthält ein unsichtbares Verbindungszeichen ({char}) bei „{context}“. In "
        "persischer, arabischer oder indischer Schrift gehört es oft zur Rechtschreibung; "
        "bitte nur prüfen, ob es gewollt ist.",
        "{where} contains an invisible joining character ({char}) at '{context}'. In Persian, "
        "Arabic or Indic scripts it is often part of the spelling; just check it is intended.",
    ),
    "CONTACT_MISSING": Text(
        "Es fehlt ein Kontaktweg. Bitte unter contact: mindestens E-Mail, Telefon oder "
        "Webseite angeben.",
        "No way to get in touch. Give at least an e-mail, phone or website under contact:.",
    ),
    "LANGUAGE_INVALID": Text(
        "Die Sprache „{value}“ ist kein Sprachcode. Bitte zwei Buchstaben angeben, z. B. de, "
        "tr, ar, uk, ru.",
        "The language '{value}' is not a language code. Give two letters, e.g. de, tr, ar, uk.",
    ),
    # --- the text -----------------------------------------------------------------------------
    "TEXT_EMPTY": Text(
        "Der Text fehlt. Bitte in submission.md unter die zweite Linie aus drei Strichen (---) "
        "schreiben oder eine Datei text.docx bzw. text.txt beilegen.",
        "The text is missing. Write it in submission.md below the second line of dashes "
        "(---), or add a text.docx or text.txt.",
    ),
    "TEXT_TOO_LONG": Text(
        "Der Text ist {count} Zeichen lang; erlaubt sind höchstens {limit}. Bitte um "
        "{over} Zeichen kürzen.",
        "The text is {count} characters long; at most {limit} are allowed. Please cut "
        "{over} characters.",
    ),
    "TEXT_ENCODING": Text(
        "Die Datei ist nicht in UTF-8 gespeichert und wurde als Windows-1252 gelesen. Bitte "
        "prüfen, ob Umlaute und Sonderzeichen richtig erscheinen.",
        "The file is not saved as UTF-8 and was read as Windows-1252. Check that umlauts and "
        "special characters look right.",
    ),
    "TEXT_HTML": Text(
        "Der Text enthält HTML ({snippet}); es wird als einfacher Text gezeigt. Für "
        "Hervorhebungen bitte **fett** oder *kursiv* schreiben.",
        "The text contains HTML ({snippet}); it is shown as plain text. For emphasis write "
        "**bold** or *italic*.",
    ),
    "CONTENT_PLACEHOLDER": Text(
        "„{key}“ enthält {placeholder}. Solche Platzhalter werden nie ersetzt, sondern so "
        "gedruckt, wie sie dastehen; persönliche Links setzt nur die Vorlage ein. Bitte "
        "entfernen.",
        "'{key}' contains {placeholder}. Such placeholders are never filled in but shown as "
        "written; only the template puts personal links in. Please remove it.",
    ),
    "TEXT_IMAGE": Text(
        "Der Text enthält {count} {count:Bild|Bilder} (![…](…)); {count:es wird|sie werden} "
        "nicht übernommen, nur {count:seine|ihre} "
        "Beschreibung. Fotos bitte als Datei in den Ordner legen und unter photos: mit "
        "Fotofreigabe eintragen.",
        "The text contains {count} {count:picture|pictures} (![…](…)); {count:it is|they are} "
        "not used, only {count:its|their} "
        "description. Put photos into the folder as files and list them under photos: with a "
        "photo release.",
    ),
    "TEXT_TWO_SOURCES": Text(
        "Es gibt Text in submission.md und in {other}. Verwendet wird der Text aus "
        "submission.md; bitte eine der beiden Quellen entfernen.",
        "There is text in submission.md and in {other}. The text of submission.md is used; "
        "remove one of the two.",
    ),
    "TEMPLATE_BODY": Text(
        "Der Text enthält noch den Beispieltext der Vorlage („{snippet}“). Bitte durch Ihren "
        "eigenen Text ersetzen: Wer sind Sie, was machen Sie, für wen, wann und wo? Wer lieber "
        "in Word schreibt, löscht den Beispieltext und legt text.docx in den Ordner.",
        "The text still contains the template's example text ('{snippet}'). Replace it with "
        "your own text: who you are, what you do, for whom, when and where. To write in Word "
        "instead, delete the example text and put text.docx into the folder.",
    ),
    "TEMPLATE_TEXT": Text(
        "Das Feld „{key}“ enthält noch das Beispiel aus der Vorlage („{value}“). Bitte durch "
        "Ihre eigene Angabe ersetzen oder das Feld leer lassen.",
        "The field '{key}' still holds the template's example ('{value}'). Replace it with "
        "your own entry or leave the field empty.",
    ),
    "DOCX_UNREADABLE": Text(
        "Die Word-Datei lässt sich nicht lesen ({detail}). Bitte als .docx neu speichern oder "
        "den Text in submission.md einfügen.",
        "The Word file cannot be read ({detail}). Save it again as .docx or paste the text "
        "into submission.md.",
    ),
    # --- photos -------------------------------------------------------------------------------
    "PHOTOS_NOT_LIST": Text(
        "photos: muss eine Liste sein (jedes Foto beginnt mit „- file:“).",
        "photos: must be a list (each photo starts with '- file:').",
    ),
    "PHOTOS_TOO_MANY": Text(
        "Es sind {count} Fotos angegeben; höchstens {limit} sind möglich. Bitte auswählen.",
        "{count} photos are listed; at most {limit} are possible. Please choose.",
    ),
    "PHOTO_DUPLICATE": Text(
        "Foto {index}: {name} ist schon als Foto {first} angegeben.",
        "Photo {index}: {name} is already listed as photo {first}.",
    ),
    "PHOTO_FILE_MISSING": Text(
        "Foto {index}: Es fehlt die Angabe „file:“ mit dem Dateinamen.",
        "Photo {index}: 'file:' with the file name is missing.",
    ),
    "CONSENT_MISSING": Text(
        "Foto {index} ({name}): Es fehlt „consent: true“. Ohne Fotofreigabe aller abgebildeten "
        "Personen wird das Foto weggelassen; Text, Logo und freigegebene Fotos erscheinen.",
        "Photo {index} ({name}): 'consent: true' is missing. Without a photo release from "
        "everyone shown, the photo is left out; the text, logo and released photos appear.",
    ),
    "CONSENT_FALSE": Text(
        "Foto {index} ({name}): Für dieses Foto liegt keine Fotofreigabe vor (consent: false); "
        "es wird weggelassen. Text, Logo und freigegebene Fotos erscheinen.",
        "Photo {index} ({name}): there is no photo release (consent: false); it is left out. "
        "The text, logo and released photos appear.",
    ),
    "CONSENT_NOT_BOOL": Text(
        "Foto {index} ({name}): „consent“ muss genau true oder false sein, nicht „{value}“. "
        "Ohne eindeutige Freigabe wird das Foto weggelassen; der Rest erscheint.",
        "Photo {index} ({name}): 'consent' must be exactly true or false, not '{value}'. "
        "Without a clear release the photo is left out; the rest appears.",
    ),
    "ALT_FROM_CAPTION": Text(
        "Foto {index} ({name}): Es fehlt die Bildbeschreibung „alt:“ für blinde Leserinnen und "
        "Leser; die Bildunterschrift wird verwendet. Bitte beschreiben, was zu sehen ist.",
        "Photo {index} ({name}): the description 'alt:' for blind readers is missing; the "
        "caption is used. Describe what the picture shows.",
    ),
    "ALT_MISSING": Text(
        "Foto {index} ({name}): Es fehlen Bildbeschreibung („alt:“) und Bildunterschrift. "
        "Bitte beschreiben, was zu sehen ist.",
        "Photo {index} ({name}): both the description ('alt:') and the caption are missing. "
        "Describe what the picture shows.",
    ),
    # --- images -------------------------------------------------------------------------------
    "IMAGE_EMPTY": Text(
        "{what} {name}: Die Datei ist leer (0 Byte). Bitte erneut hochladen.",
        "{what} {name}: the file is empty (0 bytes). Please upload it again.",
    ),
    "IMAGE_FORMAT": Text(
        "{what} {name}: Das ist {actual}; erlaubt sind {allowed}. Bitte als JPEG oder PNG "
        "speichern.",
        "{what} {name}: this is {actual}; allowed are {allowed}. Save it as JPEG or PNG.",
    ),
    "IMAGE_UNREADABLE": Text(
        "{what} {name}: Die Datei ist kein lesbares Bild ({detail}). Bitte das Original erneut "
        "senden.",
        "{what} {name}: the file is not a readable image ({detail}). Send the original again.",
    ),
    "IMAGE_TRUNCATED": Text(
        "{what} {name}: Die Datei ist unvollständig (beim Hochladen abgeschnitten). Bitte "
        "erneut hochladen.",
        "{what} {name}: the file is incomplete (cut off while uploading). Upload it again.",
    ),
    "IMAGE_TOO_MANY_BYTES": Text(
        "{what} {name}: Die Datei ist {size_bytes} groß; höchstens {limit_bytes} sind möglich. "
        "Bitte eine kleinere Fassung senden.",
        "{what} {name}: the file is {size_bytes}; at most {limit_bytes} are possible. Send a "
        "smaller version.",
    ),
    "IMAGE_TOO_MANY_PIXELS": Text(
        "{what} {name}: Das Bild hat {width}×{height} Pixel ({mp} Megapixel); höchstens {limit} "
        "Megapixel sind möglich. Bitte verkleinern.",
        "{what} {name}: the picture has {width}×{height} pixels ({mp} megapixels); at most "
        "{limit} megapixels are possible. Please scale it down.",
    ),
    "IMAGE_ANIMATED": Text(
        "{what} {name}: Das Bild ist animiert ({frames} Bilder); nur das erste wird gezeigt.",
        "{what} {name}: the picture is animated ({frames} frames); only the first is shown.",
    ),
    "PHOTO_EMAIL_SMALL": Text(
        "Foto {index} ist {width}×{height} Pixel groß; für eine scharfe Darstellung werden "
        "mindestens {needed} Pixel Breite benötigt. Bitte das Originalfoto senden.",
        "Photo {index} is {width}×{height} pixels; a sharp display needs at least {needed} "
        "pixels of width. Please send the original photo.",
    ),
    "PHOTO_EMAIL_TOO_SMALL": Text(
        "Foto {index} ist {width}×{height} Pixel groß und damit zu klein: Es wäre in der "
        "E-Mail verschwommen. Mindestens {minimum}, besser {needed} Pixel Breite sind nötig. "
        "Bitte das Originalfoto senden.",
        "Photo {index} is {width}×{height} pixels and too small: it would be blurry in the "
        "email. At least {minimum}, better {needed} pixels of width are needed. Please send "
        "the original photo.",
    ),
    "PHOTO_PRINT_LOW": Text(
        "Foto {index} erreicht bei {mm} mm Druckbreite nur {ppi} ppi; für einen guten Druck "
        "sind {target} ppi ({needed} Pixel Breite) nötig.",
        "Photo {index} reaches only {ppi} ppi at {mm} mm printed width; good print needs "
        "{target} ppi ({needed} pixels of width).",
    ),
    "PHOTO_PRINT_TOO_LOW": Text(
        "Foto {index} erreicht bei {mm} mm Druckbreite nur {ppi} ppi; unter {minimum} ppi wird "
        "der Druck unscharf. Bitte ein größeres Originalfoto senden ({needed} Pixel Breite).",
        "Photo {index} reaches only {ppi} ppi at {mm} mm printed width; below {minimum} ppi "
        "print is blurry. Please send a larger original ({needed} pixels of width).",
    ),
    "LOGO_SMALL": Text(
        "Das Logo ({name}) ist nur {width}×{height} Pixel groß; für E-Mail und Druck werden "
        "mindestens {needed} Pixel Breite benötigt. Bitte eine größere Datei oder das Logo als "
        "SVG senden.",
        "The logo ({name}) is only {width}×{height} pixels; email and print need at least "
        "{needed} pixels of width. Please send a larger file or an SVG.",
    ),
    "SVG_INVALID": Text(
        "Das Logo ({name}) ist keine gültige SVG-Datei ({detail}). Bitte als PNG senden.",
        "The logo ({name}) is not a valid SVG file ({detail}). Please send it as PNG.",
    ),
    "SVG_UNSAFE": Text(
        "Das Logo ({name}) enthält {thing}; das ist aus Sicherheitsgründen nicht erlaubt. Bitte "
        "als PNG senden.",
        "The logo ({name}) contains {thing}; that is not allowed for security reasons. "
        "Please send it as PNG.",
    ),
    "SVG_EXTERNAL": Text(
        "Das Logo ({name}) verweist auf fremde Dateien oder Adressen ({thing}); diese werden "
        "nicht geladen. Bitte prüfen, ob das Logo vollständig erscheint.",
        "The logo ({name}) refers to other files or addresses ({thing}); they are not loaded. "
        "Check that the logo appears complete.",
    ),
    # --- build --------------------------------------------------------------------------------
    "BUILD_FATAL": Text(
        "Die Ausgabe kann nicht gebaut werden: {codes}. Bitte zuerst „newsletter check“ "
        "ausführen und issue.toml korrigieren.",
        "The issue cannot be built: {codes}. Run 'newsletter check' and correct issue.toml first.",
    ),
    "BUILD_REFUSED": Text(
        "Nicht gebaut: {count} {count:Einreichung hat|Einreichungen haben} Fehler ({slugs}). "
        "Bitte korrigieren "
        "(„newsletter check“ zeigt, was zu tun ist) oder mit --force ohne sie bauen.",
        "Not built: {count} {count:submission has|submissions have} errors ({slugs}). Correct "
        "them ('newsletter "
        "check' says what to do) or build without them using --force.",
    ),
    "BUILD_EMPTY": Text(
        "Nicht gebaut: Keine Einreichung kann aufgenommen werden ({count} mit Fehlern: "
        "{slugs}), und es gibt keine Beiträge der Redaktion; der Newsletter wäre leer. Bitte "
        "die Fehler korrigieren („newsletter check“ zeigt, was zu tun ist).",
        "Not built: no submission can go in ({count} with errors: {slugs}) and there are no "
        "editorial articles; the newsletter would be empty. Correct the errors ('newsletter "
        "check' says what to do).",
    ),
    "PDF_FILE_MISSING": Text(
        "Für die PDF-Ausgabe fehlt die Datei {file}. Bitte „newsletter build“ erneut ausführen.",
        "The file {file} is missing for the PDF edition. Run 'newsletter build' again.",
    ),
    "NOT_BUILT": Text(
        "Die Ausgabe ist noch nicht gebaut ({path}). Bitte zuerst „newsletter build“ ausführen.",
        "The issue has not been built yet ({path}). Run 'newsletter build' first.",
    ),
    "SEND_EMPTY": Text(
        "Nicht versandt: Die gebaute Ausgabe ({path}) enthält weder Einreichungen noch Beiträge "
        "der Redaktion. Bitte die Fehler korrigieren und neu bauen („newsletter build“).",
        "Not sent: the built issue ({path}) has neither submissions nor editorial articles. "
        "Correct the errors and build again ('newsletter build').",
    ),
    "HEADER_INJECTION": Text(
        "„{value}“ enthält einen Zeilenumbruch oder ein Steuerzeichen und kann nicht in eine "
        "E-Mail-Kopfzeile. Bitte korrigieren.",
        "'{value}' contains a line break or control character and cannot go into an e-mail "
        "header. Please correct it.",
    ),
    "ADDRESS_INVALID": Text(
        "Die E-Mail-Adresse „{value}“ ist ungültig ({detail}).",
        "The e-mail address '{value}' is invalid ({detail}).",
    ),
    "TOKEN_INVALID": Text(
        "Für {value} fehlt ein gültiger Abmelde-Schlüssel; ohne ihn wird nicht versandt.",
        "{value} has no valid unsubscribe token; nothing is sent without it.",
    ),
    "ADDRESS_NEEDS_SMTPUTF8": Text(
        "Die Adresse {value} hat Zeichen außerhalb von ASCII vor dem @ und kann nur mit "
        "SMTPUTF8 versandt werden.",
        "The address {value} has non-ASCII characters before the @ and can only be sent "
        "with SMTPUTF8.",
    ),
    "BUDGET_LOWERED": Text(
        "Die Fotos der E-Mail wären zusammen {before_bytes} groß, mehr als die vorgesehenen "
        "{budget_bytes}. Ihre Qualitätsstufe wurde deshalb für alle Fotos gleichmäßig von "
        "{target} auf {lowered_to} gesenkt (SSIMULACRA2, 100 = verlustfrei); jetzt sind es "
        "{total_bytes}. Für schärfere Fotos weniger Fotos aufnehmen oder "
        "images.email_budget_bytes erhöhen.",
        "Together the email's photos would be {before_bytes}, more than the {budget_bytes} "
        "allowed. Their quality target was lowered evenly for all photos from {target} to "
        "{lowered_to} (SSIMULACRA2, 100 = lossless); now they are {total_bytes}. For sharper "
        "photos include fewer photos or raise images.email_budget_bytes.",
    ),
    "BUDGET_EXCEEDED": Text(
        "Auch auf der niedrigsten erlaubten Qualitätsstufe ({floor}) sind die Bilder der E-Mail "
        "zusammen {total_bytes} groß, mehr als die vorgesehenen {budget_bytes}. Bitte weniger "
        "Fotos aufnehmen, images.email_budget_bytes erhöhen oder images.ssimulacra2_floor "
        "senken.",
        "Even at the lowest quality allowed ({floor}) the email's pictures are {total_bytes} "
        "together, more than the {budget_bytes} allowed. Include fewer photos, raise "
        "images.email_budget_bytes or lower images.ssimulacra2_floor.",
    ),
    "EMAIL_TOO_LARGE": Text(
        "Die E-Mail ist auch mit gekürzten Texten {size_bytes} groß, so wie sie versandt wird "
        "(Grenze {limit_bytes}); "
        "Gmail schneidet sie ab. Bitte weniger Einreichungen in diese Ausgabe nehmen.",
        "Even with shortened texts the email is {size_bytes} as sent (limit {limit_bytes}); Gmail "
        "clips it. Please put fewer submissions into this issue.",
    ),
    # --- subscribers --------------------------------------------------------------------------
    "SUBSCRIBER_ADDRESS_MISSING": Text(
        "Die E-Mail-Adresse fehlt. Bitte ergänzen oder die Zeile löschen.",
        "The e-mail address is missing. Add it or delete the row.",
    ),
    "SUBSCRIBER_ADDRESS_CONTROL": Text(
        "Die Adresse „{address}“ enthält einen Zeilenumbruch oder ein unsichtbares "
        "Steuerzeichen und wird aus Sicherheitsgründen nicht angenommen. Bitte die Adresse von "
        "Hand neu eintippen.",
        "The address '{address}' contains a line break or an invisible control character and "
        "is refused for security reasons. Type the address in again by hand.",
    ),
    "SUBSCRIBER_ADDRESS_INVALID": Text(
        "Die E-Mail-Adresse „{address}“ ist ungültig ({detail}). Bitte prüfen und korrigieren.",
        "The e-mail address '{address}' is invalid ({detail}). Please check and correct it.",
    ),
    "SUBSCRIBER_ADDRESS_MULTIPLE": Text(
        "In dieser Zeile stehen {count} E-Mail-Adressen ({addresses}); die Zeile wird nicht "
        "übernommen. Bitte jede Person in eine eigene Zeile schreiben, mit genau einer Adresse.",
        "This row holds {count} e-mail addresses ({addresses}); it is not imported. Put each "
        "person on a row of their own, with exactly one address.",
    ),
    "SUBSCRIBER_NAME_INVALID": Text(
        "Der Name „{value}“ enthält einen Zeilenumbruch oder ein Steuerzeichen. Bitte in eine "
        "Zeile schreiben.",
        "The name '{value}' contains a line break or control character. Write it on one line.",
    ),
    "SUBSCRIBER_NAME_TOO_LONG": Text(
        "Der Name ist {count} Zeichen lang; höchstens {limit} sind möglich.",
        "The name is {count} characters long; at most {limit} are possible.",
    ),
    "SUBSCRIBER_FIELD_INVALID": Text(
        "Die Angabe „{value}“ in „{column}“ enthält einen Zeilenumbruch oder ein Steuerzeichen. "
        "Bitte in eine Zeile schreiben.",
        "The value '{value}' in '{column}' contains a line break or control character. Write it "
        "on one line.",
    ),
    "SUBSCRIBER_FIELD_TOO_LONG": Text(
        "Die Angabe in „{column}“ ist {count} Zeichen lang; höchstens {limit} sind möglich.",
        "The value in '{column}' is {count} characters long; at most {limit} are possible.",
    ),
    "SUBSCRIBER_LANGUAGE_INVALID": Text(
        "Die Sprache „{value}“ ist unbekannt. Bitte einen Sprachcode wie de, en, tr, ar, uk "
        "oder ru angeben (leer bedeutet de).",
        "The language '{value}' is unknown. Give a language code such as de, en, tr, ar, uk or "
        "ru (empty means de).",
    ),
    "SUBSCRIBER_STATUS_INVALID": Text(
        "Der Status „{value}“ ist unbekannt. Möglich sind aktiv, ausstehend, abgemeldet und "
        "unzustellbar (leer bedeutet aktiv).",
        "The status '{value}' is unknown. Possible are active, pending, unsubscribed and "
        "bounced (empty means active).",
    ),
    "SUBSCRIBER_DATE_INVALID": Text(
        "„{value}“ in „{column}“ ist kein Datum. Bitte so schreiben: 20.11.2026, "
        "20.11.2026 14:30 oder 2026-11-20T14:30:00Z.",
        "'{value}' in '{column}' is not a date. Write it like 2026-11-20T14:30:00Z, "
        "20.11.2026 or 20.11.2026 14:30.",
    ),
    "SUBSCRIBER_EXISTS": Text(
        "{address} steht schon in der Liste.",
        "{address} is already on the list.",
    ),
    "SUBSCRIBER_UNSUBSCRIBED": Text(
        "{address} hat sich am {date} abgemeldet. Nur wenn die Person erneut eingewilligt hat: "
        "mit --reactivate wieder eintragen.",
        "{address} unsubscribed on {date}. Only if the person has consented again: add them "
        "with --reactivate.",
    ),
    "SUBSCRIBER_BOUNCED": Text(
        "Mails an {address} kamen als unzustellbar zurück. Stimmt die Adresse jetzt und hat die "
        "Person eingewilligt: mit --reactivate wieder eintragen.",
        "Mail to {address} bounced. If the address is right now and the person consented: add "
        "it again with --reactivate.",
    ),
    "SUBSCRIBER_NOT_FOUND": Text(
        "{address} steht nicht in der Liste.",
        "{address} is not on the list.",
    ),
    "SUBSCRIBER_TOKEN_UNKNOWN": Text(
        "Dieses Abmelde-Token gehört zu keiner Adresse. Bitte den Link vollständig kopieren.",
        "This unsubscribe token belongs to no address. Copy the whole link.",
    ),
    "SUBSCRIBERS_DB_INVALID": Text(
        "{path} ist keine Abonnenten-Datenbank (SQLite). Bitte in newsletter.toml unter "
        "[subscribers] bei database den richtigen Pfad angeben.",
        "{path} is not a subscriber database (SQLite). Set the right path as database under "
        "[subscribers] in newsletter.toml.",
    ),
    "SUBSCRIBERS_DB_NEWER": Text(
        "{path} wurde von einer neueren Version dieses Programms geschrieben (Schema {found}, "
        "diese Version kennt bis {supported}). Bitte das Programm aktualisieren; die Datei "
        "bleibt unverändert.",
        "{path} was written by a newer version of this program (schema {found}; this version "
        "knows up to {supported}). Update the program; the file is left unchanged.",
    ),
    "SUBSCRIBERS_DB_ERROR": Text(
        "Die Abonnenten-Datenbank {path} lässt sich nicht verwenden ({detail}). Läuft gerade "
        "ein Versand oder Import? Sonst bitte Zugriffsrechte und freien Speicherplatz prüfen.",
        "The subscriber database {path} cannot be used ({detail}). Is a send or import "
        "running? Otherwise check permissions and free disk space.",
    ),
    "SUBSCRIBERS_CSV_NOT_FOUND": Text(
        "Die Datei {path} gibt es nicht. Bitte den Pfad prüfen.",
        "The file {path} does not exist. Check the path.",
    ),
    "SUBSCRIBERS_CSV_EMPTY": Text(
        "Die Datei {path} ist leer.",
        "The file {path} is empty.",
    ),
    "SUBSCRIBERS_CSV_ENCODING": Text(
        "Die Datei {path} ist weder UTF-8 noch Windows-1252. Bitte in Excel „Speichern unter“ "
        "→ „CSV UTF-8 (durch Trennzeichen getrennt)“ wählen.",
        "The file {path} is neither UTF-8 nor Windows-1252. In Excel choose 'Save as' → "
        "'CSV UTF-8 (comma delimited)'.",
    ),
    "SUBSCRIBERS_CSV_NO_ADDRESS": Text(
        "In {path} fehlt eine Spalte mit den E-Mail-Adressen (gefunden: {columns}). Bitte die "
        "Spalten in der ersten Zeile benennen, z. B. „E-Mail;Name;Sprache“.",
        "{path} has no column with e-mail addresses (found: {columns}). Name the columns in the "
        "first row, e.g. 'Email,Name,Language'.",
    ),
    "SUBSCRIBERS_CSV_SYNTAX": Text(
        "{path}, Zeile {line}: Die CSV-Datei ist fehlerhaft ({detail}). Oft fehlt ein "
        "schließendes Anführungszeichen.",
        "{path}, line {line}: the CSV file is malformed ({detail}). Often a closing quote is "
        "missing.",
    ),
    "SUBSCRIBERS_EXPORT_FAILED": Text(
        "Die Datei {path} lässt sich nicht schreiben ({detail}). Bitte prüfen, ob der Ordner "
        "existiert und beschreibbar ist.",
        "The file {path} cannot be written ({detail}). Check that the folder exists and is "
        "writable.",
    ),
    # --- sending ------------------------------------------------------------------------------
    "SMTP_UNREACHABLE": Text(
        "Der Mailserver {host}:{port} ist nicht erreichbar ({detail}). Es wurde nichts versandt. "
        "Bitte Adresse und Port in newsletter.toml ([smtp]) und die Netzverbindung prüfen.",
        "The mail server {host}:{port} cannot be reached ({detail}). Nothing was sent. Check "
        "host and port in newsletter.toml ([smtp]) and the network.",
    ),
    "SMTP_AUTH_FAILED": Text(
        "Der Mailserver {host} hat die Anmeldung als „{user}“ abgelehnt ({detail}). Es wurde "
        "nichts versandt. Bitte Benutzername und Passwort prüfen.",
        "The mail server {host} refused the login as '{user}' ({detail}). Nothing was sent. "
        "Check user name and password.",
    ),
    "SMTP_TLS_FAILED": Text(
        "Die verschlüsselte Verbindung zu {host}:{port} kam nicht zustande ({detail}). Es wurde "
        "nichts versandt – ohne Verschlüsselung wird nie gesendet. Bitte security und ca_file "
        "in [smtp] prüfen.",
        "The encrypted connection to {host}:{port} failed ({detail}). Nothing was sent – mail "
        "never goes out unencrypted. Check security and ca_file in [smtp].",
    ),
    "SMTP_PLAINTEXT_REFUSED": Text(
        "Unverschlüsselter Versand ist nur an einen Server auf diesem Rechner erlaubt, nicht an "
        '{host}. Bitte in [smtp] security = "starttls" oder "tls" einstellen.',
        "Unencrypted sending is allowed only to a server on this machine, not to {host}. Set "
        'security = "starttls" or "tls" in [smtp].',
    ),
    "SMTP_REFUSED": Text(
        "Der Mailserver hat die Nachricht abgelehnt ({code} {detail}).",
        "The mail server refused the message ({code} {detail}).",
    ),
    "SMTP_SENDER_REFUSED": Text(
        "Der Mailserver lehnt den Absender {sender} ab ({code} {detail}). Der Versand wurde "
        "angehalten ({sent} schon versandt); niemand wurde als fehlgeschlagen vermerkt. Bitte "
        "from_address in [sender] oder die Freigabe beim Mailserver prüfen und erneut senden.",
        "The mail server refuses the sender {sender} ({code} {detail}). Sending stopped ({sent} "
        "sent already); nobody was marked failed. Check from_address in [sender] or the "
        "server's permission, then send again.",
    ),
    "SEND_RUNNING": Text(
        "Es läuft schon ein Versand (Sperrdatei {path}). Bitte warten, bis er fertig ist.",
        "A send run is already going on (lock file {path}). Wait until it has finished.",
    ),
    "SEND_NOT_CONFIRMED": Text(
        "Nicht versandt: Bitte mit „j“ bestätigen oder --yes angeben.",
        "Not sent: confirm with 'y' or pass --yes.",
    ),
    "SMTP_NO_SMTPUTF8": Text(
        "Der Mailserver bietet kein SMTPUTF8 an; die Adresse {address} hat Zeichen außerhalb "
        "von ASCII vor dem @ und kann ohne SMTPUTF8 nicht zugestellt werden.",
        "The mail server does not offer SMTPUTF8; the address {address} has non-ASCII "
        "characters before the @ and cannot be delivered without it.",
    ),
    "SEND_EXAMPLE_SETTINGS": Text(
        "Nicht versandt: Diese Einstellungen stehen noch auf den Beispielwerten: {keys}. "
        "Impressum, Absender und Abmeldelink wären falsch. Bitte in newsletter.toml eintragen.",
        "Not sent: these settings still have their example values: {keys}. The Impressum, "
        "sender and unsubscribe link would be false. Set them in newsletter.toml.",
    ),
    "SETTINGS_EXAMPLE": Text(
        "Achtung: Diese Einstellungen stehen noch auf den Beispielwerten: {keys}. Ein echter "
        "Versand wird so verweigert.",
        "Note: these settings still have their example values: {keys}. A real send is "
        "refused like this.",
    ),
    "BUILD_OUTDATED": Text(
        "Der Bau in outbox/ ist veraltet; seitdem hat sich geändert: {changes}. Bitte neu "
        "bauen („newsletter build“) oder den alten Stand mit --allow-outdated bewusst senden.",
        "The build in outbox/ is out of date; changed since: {changes}. Build again "
        "('newsletter build') or send the old state on purpose with --allow-outdated.",
    ),
    "SEND_BUILD_CHANGED": Text(
        "Der Versand von {issue} hat am {started} mit einem anderen Bau begonnen ({old}; "
        "{sent} schon versandt), outbox/ enthält jetzt {new}. Entweder mit --original-build "
        "mit dem ursprünglichen Bau fertig senden (er ist aufbewahrt), oder mit --new-build "
        "bewusst den neuen an alle noch offenen Empfänger senden.",
        "Sending {issue} began on {started} with another build ({old}; {sent} sent "
        "already); outbox/ now holds {new}. Either finish with the original build using "
        "--original-build (it was kept), or send the new one to everyone still open on "
        "purpose with --new-build.",
    ),
    "SEND_ORIGINAL_GONE": Text(
        "Der ursprüngliche Bau von {issue} ist nicht mehr aufbewahrt (der Versand war "
        "abgeschlossen). Mit --new-build den jetzigen Bau senden.",
        "The original build of {issue} is no longer kept (its send was complete). Send the "
        "current build with --new-build.",
    ),
    # --- sign-up service and mailbox -------------------------------------------------------
    "SIGNUP_TOKEN_UNKNOWN": Text(
        "Diesen Bestätigungslink kennen wir nicht. Bitte den Link vollständig aus der "
        "E-Mail kopieren.",
        "This confirmation link is unknown. Copy the whole link from the e-mail.",
    ),
    "SIGNUP_TOKEN_USED": Text(
        "Dieser Bestätigungslink wurde schon verwendet; er gilt nur einmal.",
        "This confirmation link has been used already; it works only once.",
    ),
    "SIGNUP_TOKEN_EXPIRED": Text(
        "Dieser Bestätigungslink ist abgelaufen. Bitte erneut anmelden, um einen neuen zu"
        " erhalten.",
        "This confirmation link has expired. Sign up again to get a new one.",
    ),
    "SIGNUP_ADDRESS_TAKEN": Text(
        "{address} steht schon in der Liste; die Adresse wurde nicht geändert.",
        "{address} is already on the list; the address was not changed.",
    ),
    "SIGNUP_ADDRESS_SAME": Text(
        "{address} ist schon die eingetragene Adresse.",
        "{address} is the address on the list already.",
    ),
    "SERVE_SETTINGS_INVALID": Text(
        "[serve] ist unbrauchbar: Port {port} (erlaubt 0 bis 65535) oder base_url „{url}“"
        " (muss mit http:// oder https:// beginnen).",
        "[serve] is unusable: port {port} (0 to 65535 allowed) or base_url '{url}' (must "
        "start with http:// or https://).",
    ),
    "SERVE_PORT_IN_USE": Text(
        "Port {port} auf {host} ist belegt. Läuft der Anmeldedienst schon? Sonst mit "
        "--port einen anderen wählen.",
        "Port {port} on {host} is in use. Is the sign-up service already running? "
        "Otherwise choose another with --port.",
    ),
    "SERVE_LISTEN_FAILED": Text(
        "Auf {host}:{port} lässt sich nicht lauschen ({detail}). Bitte [serve] host und "
        "port prüfen.",
        "Cannot listen on {host}:{port} ({detail}). Check host and port in [serve].",
    ),
    "MAILBOX_NOT_CONFIGURED": Text(
        "Das Postfach ist nicht eingerichtet. Bitte unter [mailbox] host und username "
        "eintragen, das Passwort besser als NEWSLETTER_MAILBOX__PASSWORD.",
        "The mailbox is not set up. Put host and username under [mailbox], the password "
        "better as NEWSLETTER_MAILBOX__PASSWORD.",
    ),
    "MAILBOX_PLAINTEXT_REFUSED": Text(
        "Unverschlüsselt wird nur ein Postfach auf diesem Rechner gelesen, nicht {host}. "
        'Bitte in [mailbox] security = "tls" oder "starttls" einstellen.',
        "Only a mailbox on this machine is read unencrypted, not {host}. Set security = "
        '"tls" or "starttls" in [mailbox].',
    ),
    "MAILBOX_UNREACHABLE": Text(
        "Der IMAP-Server {host}:{port} ist nicht erreichbar ({detail}). Es wurde nichts "
        "geändert. Bitte host und port in [mailbox] und die Netzverbindung prüfen.",
        "The IMAP server {host}:{port} cannot be reached ({detail}). Nothing was changed."
        " Check host and port in [mailbox] and the network.",
    ),
    "MAILBOX_TLS_FAILED": Text(
        "Die verschlüsselte Verbindung zu {host}:{port} kam nicht zustande ({detail}). Es"
        " wurde nichts gelesen. Bitte security und ca_file in [mailbox] prüfen.",
        "The encrypted connection to {host}:{port} failed ({detail}). Nothing was read. "
        "Check security and ca_file in [mailbox].",
    ),
    "MAILBOX_AUTH_FAILED": Text(
        "Der IMAP-Server {host} hat die Anmeldung als „{user}“ abgelehnt ({detail}). "
        "Bitte Benutzername und Passwort prüfen.",
        "The IMAP server {host} refused the login as '{user}' ({detail}). Check user name"
        " and password.",
    ),
    "MAILBOX_FOLDER_MISSING": Text(
        "Den Ordner „{folder}“ gibt es in diesem Postfach nicht. Bitte [mailbox] folder "
        "prüfen (meist INBOX).",
        "The folder '{folder}' does not exist in this mailbox. Check folder in [mailbox] "
        "(usually INBOX).",
    ),
    "MAILBOX_FOLDER_FAILED": Text(
        "Der Ordner „{folder}“ für bearbeitete E-Mails ließ sich nicht anlegen "
        "({detail}). Bitte von Hand anlegen oder [mailbox] processed_folder ändern.",
        "The folder '{folder}' for handled e-mails could not be created ({detail}). "
        "Create it by hand or change processed_folder in [mailbox].",
    ),
    "MAILBOX_ERROR": Text(
        "Die Verbindung zum IMAP-Server {host} brach ab ({detail}). Bereits Erledigtes "
        "bleibt erledigt; der nächste Lauf macht weiter.",
        "The connection to the IMAP server {host} broke ({detail}). What was done stays "
        "done; the next run carries on.",
    ),
    # --- deadline -----------------------------------------------------------------------------
    "RECEIPTS_NOT_RECORDED": Text(
        "Die Eingangszeiten konnten nicht in {path} gespeichert werden ({detail}); es gilt "
        "das Änderungsdatum der Dateien. Eine spätere Korrektur kann eine Einreichung dann "
        "verspätet erscheinen lassen.",
        "The times of receipt could not be recorded in {path} ({detail}); the files' dates "
        "count. A later correction can then make a submission look late.",
    ),
    "LATE": Text(
        "Eingegangen am {received}, nach dem Einsendeschluss {deadline}. Die Einreichung wird "
        "nicht aufgenommen, außer die Redaktion trägt sie in issue.toml unter accepted_late ein.",
        "Received {received}, after the deadline {deadline}. It is left out unless the editor "
        "lists it under accepted_late in issue.toml.",
    ),
    "LATE_ACCEPTED": Text(
        "Eingegangen am {received}, nach dem Einsendeschluss {deadline}; von der Redaktion "
        "angenommen.",
        "Received {received}, after the deadline {deadline}; accepted by the editor.",
    ),
    # --- the register of organisations, a new issue, reminders and feedback -----------------
    "ORG_SLUG_INVALID": Text(
        "„{value}“ ist kein gültiges Kürzel: bitte nur Kleinbuchstaben, Ziffern und "
        "Bindestriche, wie der Ordner der Einreichung heißt (z. B. lernimpuls-nordstadt).",
        "'{value}' is not a valid slug: use lower-case letters, digits and hyphens, as the "
        "submission's folder is named (e.g. lernimpuls-nordstadt).",
    ),
    "ORG_LANGUAGE_INVALID": Text(
        "„{value}“ ist kein Sprachcode. Bitte z. B. de, en, tr, ar, uk oder pt-BR angeben.",
        "'{value}' is not a language tag. Use e.g. de, en, tr, ar, uk or pt-BR.",
    ),
    "ORG_ACTIVE_INVALID": Text(
        "„{value}“ in der Spalte Aktiv: bitte „ja“ oder „nein“ angeben.",
        "'{value}' in the column Active: use 'yes' or 'no'.",
    ),
    "ORG_EXISTS": Text(
        "Die Organisation „{slug}“ ist schon eingetragen. Zum Ändern: "
        "„newsletter organisations edit {slug}“.",
        "The organisation '{slug}' is registered already. To change it: "
        "'newsletter organisations edit {slug}'.",
    ),
    "UPLOAD_EXTRA_FILES": Text(
        "Es sind höchstens {limit} Fotos und ein Logo möglich; {count} weitere "
        "{count:Datei wurde|Dateien wurden} nicht übernommen.",
        "At most {limit} photos and one logo are possible; {count} more {count:file was|files "
        "were} not taken.",
    ),
    "UPLOAD_KEY_BROKEN": Text(
        "Der Schlüssel der Einreichungs-Links ({path}) ist beschädigt. Bitte die Datei löschen "
        "und mit „newsletter organisations link KÜRZEL --new“ neue Links erzeugen.",
        "The key of the upload links ({path}) is damaged. Delete the file and make new links "
        "with 'newsletter organisations link SLUG --new'.",
    ),
    "ORG_NOT_FOUND": Text(
        "Die Organisation „{slug}“ ist nicht eingetragen (Liste: „newsletter organisations list“).",
        "The organisation '{slug}' is not registered (see 'newsletter organisations list').",
    ),
    "ORG_ADDRESS_TAKEN": Text(
        "Die Adresse {address} gehört schon zur Organisation „{slug}“; eine Adresse kann nur "
        "zu einer Organisation gehören.",
        "The address {address} belongs to the organisation '{slug}' already; an address can "
        "belong to one organisation only.",
    ),
    "ORG_DUPLICATE_SLUG": Text(
        "Das Kürzel „{slug}“ steht schon in Zeile {first_line}; diese Zeile wurde nicht "
        "übernommen.",
        "The slug '{slug}' is in line {first_line} already; this row was not imported.",
    ),
    "ORG_DUPLICATE_ADDRESS": Text(
        "Die Adresse {address} steht schon in Zeile {first_line} ({slug}); diese Zeile wurde "
        "nicht übernommen.",
        "The address {address} is in line {first_line} already ({slug}); this row was not "
        "imported.",
    ),
    "ORG_CSV_NO_SLUG": Text(
        "In {path} fehlt die Spalte mit dem Kürzel (gefunden: {columns}). Bitte die Spalten in "
        "der ersten Zeile benennen, z. B. „Kürzel;Name;E-Mail;Sprache;Ansprechperson;Notiz“.",
        "{path} has no column with the slug (found: {columns}). Name the columns in the first "
        "row, e.g. 'slug,name,email,language,contact,note'.",
    ),
    "ORG_NO_ADDRESS": Text(
        "Für die Organisation „{slug}“ ist keine E-Mail-Adresse eingetragen; sie bekommt keine "
        "Nachricht. Bitte mit „newsletter organisations edit {slug} --add-email ADRESSE“ "
        "ergänzen.",
        "The organisation '{slug}' has no e-mail address in the register and gets no message. "
        "Add one with 'newsletter organisations edit {slug} --add-email ADDRESS'.",
    ),
    "ISSUE_EXISTS": Text(
        "{path} gibt es schon; nichts überschrieben.",
        "{path} exists already; nothing overwritten.",
    ),
    "ISSUE_NUMBER_USED": Text(
        "Die Nummer {number} hat schon die Ausgabe {other}. Bitte eine andere mit --number "
        "angeben.",
        "The number {number} is used by the issue {other} already. Give another with --number.",
    ),
    "ISSUE_DATE_INVALID": Text(
        "„{value}“ ist kein Datum ({expected}).",
        "'{value}' is not a date ({expected}).",
    ),
    "ISSUE_DEADLINE_AFTER_DATE": Text(
        "Der Einsendeschluss {deadline} liegt nicht vor dem Erscheinungsdatum {date}.",
        "The deadline {deadline} is not before the publication date {date}.",
    ),
    "SMTP_NOT_CONFIGURED": Text(
        "Es ist kein Mailserver eingerichtet (smtp.host ist leer). Bitte [smtp] in "
        "newsletter.toml ausfüllen, oder mit --dry-run nur die Nachrichten schreiben.",
        "No mail server is set up (smtp.host is empty). Fill in [smtp] in newsletter.toml, or "
        "use --dry-run to only write the messages.",
    ),
    # --- publish and withdraw -----------------------------------------------------------------
    "PUBLISH_NO_TARGET": Text(
        "Es ist kein Ziel zum Veröffentlichen angegeben. Bitte --to ORDNER (oder "
        "benutzer@host:/pfad) angeben oder [publish] target in newsletter.toml eintragen.",
        "No target to publish to. Pass --to FOLDER (or user@host:/path) or set [publish] "
        "target in newsletter.toml.",
    ),
    "PUBLISH_OUTDATED": Text(
        "Ausgabe {issue} wird nicht veröffentlicht: Der Bau in outbox/ ist veraltet; seitdem hat "
        "sich geändert: {changes}. Bitte neu bauen („newsletter build {issue}“).",
        "Issue {issue} is not published: the build in outbox/ is out of date; changed since: "
        "{changes}. Build it again ('newsletter build {issue}').",
    ),
    "PUBLISH_RUNNING": Text(
        "Es läuft schon eine Veröffentlichung (Sperrdatei {path}). Bitte warten, bis sie fertig "
        "ist.",
        "A publish run is already going on (lock file {path}). Wait until it has finished.",
    ),
    "PUBLISH_NAME_UNSAFE": Text(
        "Ausgabe {issue}: Der Dateiname {name} ist für eine Webadresse ungeeignet (erlaubt: "
        "Kleinbuchstaben, Ziffern, Punkt, Binde- und Unterstrich). Nichts veröffentlicht.",
        "Issue {issue}: the file name {name} is not safe in a web address (allowed: lower-case "
        "letters, digits, dot, hyphen, underscore). Nothing published.",
    ),
    "PUBLISH_TARGET_INVALID": Text(
        "Das Ziel {target} ist unbrauchbar ({detail}). Die Website dort ist unverändert.",
        "The target {target} cannot be used ({detail}). The site there is unchanged.",
    ),
    "PUBLISH_UNREACHABLE": Text(
        "Das Ziel {target} ist nicht erreichbar ({detail}). Die Website dort ist unverändert.",
        "The target {target} cannot be reached ({detail}). The site there is unchanged.",
    ),
    "PUBLISH_UPLOAD_FAILED": Text(
        "Das Hochladen nach {target} ist fehlgeschlagen ({detail}); ist das Ziel voll? Die "
        "bisherige Website ist vollständig erhalten.",
        "The upload to {target} failed ({detail}); is the target full? The previous site is "
        "kept whole.",
    ),
    "PUBLISH_NOT_PUBLISHED": Text(
        "Die Ausgabe {issue} ist nicht veröffentlicht; es gibt nichts zurückzuziehen.",
        "The issue {issue} is not published; there is nothing to take down.",
    ),
    "PUBLISH_SOURCES_GONE": Text(
        "Ausgabe {issue} muss ohne zurückgezogene Fotos neu gebaut werden, aber ihr Ordner "
        "{path} fehlt oder hat Fehler ({detail}). Nichts veröffentlicht.",
        "Issue {issue} must be rebuilt without withdrawn photos, but its folder {path} is "
        "missing or has errors ({detail}). Nothing published.",
    ),
    "PUBLISH_SEARCH_FAILED": Text(
        "Der Suchindex (Pagefind) konnte nicht gebaut werden ({detail}). Nichts veröffentlicht.",
        "The search index (Pagefind) could not be built ({detail}). Nothing published.",
    ),
    "WITHDRAW_SUBMISSION_UNKNOWN": Text(
        "Die Ausgabe {issue} hat keine Einreichung „{slug}“ (vorhanden: {slugs}).",
        "The issue {issue} has no submission '{slug}' (there are: {slugs}).",
    ),
    "WITHDRAW_PHOTO_UNKNOWN": Text(
        "Die Einreichung „{slug}“ in {issue} hat kein Foto „{photo}“ (Fotos: {photos}).",
        "The submission '{slug}' in {issue} has no photo '{photo}' (photos: {photos}).",
    ),
    "WITHDRAW_REASON_MISSING": Text(
        "Bitte mit --reason angeben, warum die Freigabe zurückgezogen wurde (z. B. „Widerruf per "
        "E-Mail vom 3.12.“).",
        "Give the reason for the withdrawal with --reason (e.g. 'withdrawn by e-mail on 3 Dec').",
    ),
}

# Codes that are warnings (reported, but do not fail `check` unless --strict); all others are
# errors. The README's rules table is generated from this and the catalogue.
WARNINGS = frozenset(
    {
        "RECEIVED_UNKNOWN_SLUG",
        "EDITORIAL_ENCODING",
        "FOLDER_EMPTY",
        "FILE_UNLISTED",
        "FILE_NAME_CASE",
        "SUBMISSION_NAME_CASE",
        "TEXT_ENCODING",
        "TEXT_HTML",
        "CONTENT_PLACEHOLDER",
        "TEXT_TWO_SOURCES",
        "HIDDEN_CHAR_TEXT",
        "HIDDEN_JOINER",
        "CONSENT_MISSING",
        "CONSENT_FALSE",
        "CONSENT_NOT_BOOL",
        "ALT_FROM_CAPTION",
        "IMAGE_ANIMATED",
        "PHOTO_EMAIL_SMALL",
        "PHOTO_PRINT_LOW",
        "LOGO_SMALL",
        "SVG_EXTERNAL",
        "LATE_ACCEPTED",
        "RECEIPTS_NOT_RECORDED",
        "EMAIL_TOO_LARGE",
        "SETTINGS_EXAMPLE",
        "ORG_NO_ADDRESS",
        "UPLOAD_EXTRA_FILES",
    }
)

_EMAIL_REASONS = (
    ("must have an @-sign", "das @-Zeichen fehlt"),
    ("something before the @-sign", "vor dem @ fehlt der Name"),
    ("something after the @-sign", "nach dem @ fehlt die Domain"),
    ("should have a period", "nach dem @ fehlt ein Punkt mit Endung, z. B. .de"),
    ("display name", "nur die Adresse selbst angeben, ohne Namen und <>"),
    ("too long", "zu lang"),
    ("period", "ein Punkt steht an falscher Stelle"),
    ("special-use or reserved", "die Domain ist reserviert und nicht erreichbar"),
    ("invalid characters", "unzulässige Zeichen"),
    ("unsafe characters", "unzulässige Zeichen"),
    ("Quoting", "Anführungszeichen sind nicht erlaubt"),
)


def explain_email_error(message: str) -> tuple[str, str]:
    """German and English reason for an email-validator message (it speaks English only)."""
    for needle, german in _EMAIL_REASONS:
        if needle in message:
            return german, message
    return message, message


def explain_validation(err: Mapping[str, Any]) -> tuple[str, str]:
    """German and English for one pydantic validation error (pydantic speaks English only)."""
    ctx = err.get("ctx") or {}
    kind = str(err.get("type", ""))
    simple = {
        "missing": ("fehlt", "is missing"),
        "string_type": ("muss Text sein", "must be text"),
        "int_parsing": ("muss eine ganze Zahl sein", "must be a whole number"),
        "int_type": ("muss eine ganze Zahl sein", "must be a whole number"),
        "int_from_float": ("muss eine ganze Zahl sein", "must be a whole number"),
        "float_parsing": ("muss eine Zahl sein", "must be a number"),
        "float_type": ("muss eine Zahl sein", "must be a number"),
        "bool_parsing": ("muss true oder false sein", "must be true or false"),
        "bool_type": ("muss true oder false sein", "must be true or false"),
        "date_type": ("muss ein Datum sein (JJJJ-MM-TT)", "must be a date (YYYY-MM-DD)"),
        "date_from_datetime_inexact": ("muss ein Datum sein (JJJJ-MM-TT)", "must be a date"),
        "datetime_type": (
            "muss Datum und Uhrzeit sein (JJJJ-MM-TTTHH:MM:SS)",
            "must be a date and time (YYYY-MM-DDTHH:MM:SS)",
        ),
        "list_type": ("muss eine Liste sein […]", "must be a list […]"),
        "dict_type": ("muss eine Tabelle sein", "must be a table"),
        "model_type": ("muss eine Tabelle sein", "must be a table"),
        "extra_forbidden": ("unbekannter Schlüssel", "unknown key"),
        "path_type": ("muss ein Pfad sein", "must be a path"),
    }
    if kind in simple:
        return simple[kind]
    bounds = {
        "greater_than_equal": ("mindestens", "at least", "ge"),
        "greater_than": ("größer als", "greater than", "gt"),
        "less_than_equal": ("höchstens", "at most", "le"),
        "less_than": ("kleiner als", "less than", "lt"),
    }
    if kind in bounds:
        de, en, key = bounds[kind]
        return f"muss {de} {ctx.get(key)} sein", f"must be {en} {ctx.get(key)}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        return f"muss einer dieser Werte sein: {expected.replace(' or ', ' oder ')}", str(
            err.get("msg", "")
        )
    msg = str(err.get("msg", kind))
    return msg, msg


ROLE_NAMES = {"photo": ("Foto", "Photo"), "logo": ("Logo", "Logo")}


def register(code: str, de: str, en: str) -> None:
    """Add a code from another stage (e.g. the image pipeline); codes are unique."""
    if code in CATALOGUE and CATALOGUE[code] != Text(de, en):
        raise ValueError(f"message code {code} registered twice")
    CATALOGUE[code] = Text(de, en)


def _de_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _en_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


# Numbers that name something rather than count it: never "Port 60.487" or "Zeile 1.024".
PLAIN_NUMBERS = frozenset(
    {"port", "line", "first_line", "number", "year", "index", "first", "found", "supported", "code"}
)


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, lang: str, params: Mapping[str, Any]) -> str:
    """The message for `code` in `lang` ("de" or "en"), parameters filled in."""
    text = CATALOGUE.get(code)
    if text is None:
        return f"{code} {dict(params)}"
    template = _plurals(text.en if lang == "en" else text.de, params)
    fmt = _en_number if lang == "en" else _de_number
    values = {
        k: human_bytes(v, lang)
        if k.endswith("_bytes") and isinstance(v, int)
        else (v if k in PLAIN_NUMBERS else fmt(v))
        for k, v in params.items()
    }
    values.update(_derived(params, lang))
    return template.format_map(_Lenient(values))


# "{count:Bild|Bilder}": the singular when the parameter is 1, else the plural (ngettext).
PLURAL = re.compile(r"\{(\w+):([^{}|]*)\|([^{}]*)\}")


def _plurals(template: str, params: Mapping[str, Any]) -> str:
    return PLURAL.sub(lambda m: m[2] if params.get(m[1]) == 1 else m[3], template)


def _derived(params: Mapping[str, Any], lang: str) -> dict[str, str]:
    """Parameters whose wording depends on the language: role names, hints, English forms."""
    en = lang == "en"
    out: dict[str, str] = {}
    if "role" in params:
        de_name, en_name = ROLE_NAMES.get(str(params["role"]), ("Datei", "File"))
        out["what"] = en_name if en else de_name
    if "suggestion" in params:
        s = params["suggestion"]
        out["hint"] = f" Did you mean '{s}'?" if en else f" Meinten Sie „{s}“?"
    else:
        out["hint"] = ""
    for key in ("detail", "expected", "thing", "actual", "where", "scripts"):
        if en and f"{key}_en" in params:
            out[key] = str(params[f"{key}_en"])
    return out
