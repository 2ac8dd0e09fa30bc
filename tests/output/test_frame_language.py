"""The mail's own words in the reader's language: one frame per catalogue, picked per subscriber.

A real build (no PDF) of a small issue, sent through a real aiosmtpd server on 127.0.0.1 to
subscribers who chose German, English, Turkish, Ukrainian (uk-UA), Arabic and Persian (no
catalogue: German).
"""

from __future__ import annotations

import email
import json
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.output.build import build_issue
from newsletter.send.compose import MessageFactory, Recipient
from newsletter.send.deliver import send_issue
from newsletter.store.subscribers import add, open_store
from newsletter.texts import i18n
from tests.support import IssueDir, Sink, real_identity, valid_front

ARABIC_BODY = "نحن جمعية صغيرة في الحي الشمالي. نقدّم دروس تقوية للأطفال ولقاءات للأهالي كل أسبوع.\n"
GERMAN_SENTENCE = "Der Verein wurde 2009 von Eltern gegründet"
ARABIC_SENTENCE = "نحن جمعية صغيرة في الحي الشمالي"
READERS = {
    "de@example.org": "de",
    "en@example.org": "en",
    "tr@example.org": "tr",
    "uk@example.org": "uk-UA",
    "ar@example.org": "ar",
    "fa@example.org": "fa",
}


def _built(issue: IssueDir, settings: Settings) -> Path:
    issue.add("lernimpuls")
    front = valid_front() | {"organisation": "جمعية الجسر", "language": "ar"}
    issue.add("jisr", front, ARABIC_BODY)
    return build_issue(str(issue.folder), settings, with_pdf=False).outbox


def _parts(msg: EmailMessage) -> tuple[str, str]:
    html = msg.get_body(("html",))
    text = msg.get_body(("plain",))
    assert html is not None and text is not None
    return str(html.get_content()), str(text.get_content())


def test_each_reader_gets_the_frame_in_their_language_and_the_contributions_as_written(
    issue: IssueDir, settings: Settings, sink: tuple[Sink, int]
) -> None:
    handler, port = sink
    settings = real_identity(settings)
    settings = settings.model_copy(
        update={"smtp": settings.smtp.model_copy(update={"port": port, "timeout": 5.0})}
    )
    outbox = _built(issue, settings)
    with open_store(settings.path(settings.subscribers.database)) as db:
        for address, lang in READERS.items():
            add(db, address, consent_version="test", via="test", language=lang)
        tokens = dict(db.execute("SELECT address_normalized, unsubscribe_token FROM subscribers"))
    report = send_issue(outbox, settings)
    assert report.sent == len(READERS)

    got, by_address = {}, {}
    for address in READERS:
        (raw,) = [raw for rcpts, raw in handler.messages if rcpts == [address]]
        msg = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        html, text = _parts(msg)
        got[address] = (html, text)
        by_address[address] = msg
        # the personal link sits where the template put it, in every language
        url = f"https://beispielstadt-netz.de/newsletter/unsubscribe/{tokens[address]}"
        assert url in html and url in text
        # the contributions stay as written, the German and the Arabic one
        assert GERMAN_SENTENCE in html and GERMAN_SENTENCE in text
        assert ARABIC_SENTENCE in html and ARABIC_SENTENCE in text
        # the subject: the editor's title, the number in the reader's language
        assert msg["Subject"].startswith("Newsletter des Integrationsnetzwerks – ")

    html, text = got["de@example.org"]
    assert ">Newsletter abbestellen</a>" in html and ">Ort:</strong>" in html
    assert by_address["de@example.org"]["Subject"].endswith("– Ausgabe 38")
    assert "Abbestellen: https://" in text and "Unsubscribe" not in html + text
    assert '<html lang="de" dir="ltr"' in html

    html, text = got["en@example.org"]
    assert ">Unsubscribe from the newsletter</a>" in html and ">Place:</strong>" in html
    assert "Read in your browser" in html and "Legal notice:" in html
    assert "In this issue: Lernimpuls Beispiel e.V." in html  # the preheader
    assert "Unsubscribe: https://" in text and "Legal notice" in text
    assert by_address["en@example.org"]["Subject"].endswith("– Issue 38")
    assert "abbestellen" not in html and "Impressum" not in text
    assert '<html lang="en" dir="ltr"' in html

    html, text = got["tr@example.org"]
    assert ">Abonelikten çık</a>" in html and ">Yer:</strong>" in html
    assert by_address["tr@example.org"]["Subject"].endswith("– Sayı 38")
    assert "Abonelikten çık: https://" in text and "abbestellen" not in html

    html, _text = got["uk@example.org"]  # uk-UA: the primary subtag picks the catalogue
    assert ">Відписатися від розсилки</a>" in html and '<html lang="uk"' in html

    # Persian has no catalogue yet: German
    html, text = got["fa@example.org"]
    assert ">Newsletter abbestellen</a>" in html and "Abbestellen: https://" in text

    html, text = got["ar@example.org"]
    assert '<html lang="ar" dir="rtl"' in html
    assert 'role="article"' in html and 'lang="ar" dir="rtl" class="bg"' in html
    assert ">إلغاء الاشتراك في النشرة</a>" in html and "إلغاء الاشتراك:" in text
    # the German contribution keeps its own direction inside the right-to-left frame
    assert 'lang="de" dir="ltr" style="padding:8px 24px 4px 24px;' in html
    assert 'lang="ar" dir="rtl" style="padding:8px 24px 4px 24px;' in html


def test_the_build_writes_every_frame_with_its_own_personal_places(
    issue: IssueDir, settings: Settings
) -> None:
    outbox = _built(issue, settings)
    manifest = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["frames"]) == list(i18n.FRAMES)
    listed = {f["path"] for f in manifest["files"]}
    for lang in i18n.FRAMES:
        for kind in ("html", "text"):
            name = manifest["frames"][lang][kind]
            assert name in listed
            place = manifest["personal"][name]
            content = (outbox / name).read_text(encoding="utf-8")
            assert place["at"] and all(
                content[at : at + len(place["link"])] == place["link"] for at in place["at"]
            )
    assert manifest["frames"]["de"] == {"html": "email.html", "text": "email.txt"}
    # the factory: explicit languages, a regional tag, and one without a catalogue
    factory = MessageFactory(outbox, settings)
    pick = factory.frame_language
    assert pick(Recipient("a@example.org", "t" * 20, language="TR")) == "tr"
    assert pick(Recipient("a@example.org", "t" * 20, language="ar-SY")) == "ar"
    assert pick(Recipient("a@example.org", "t" * 20, language="fa")) == "de"
    assert pick(Recipient("a@example.org", "t" * 20)) == "de"  # nobody in the store


def test_an_outbox_without_frames_sends_german_to_everybody(
    issue: IssueDir, settings: Settings
) -> None:
    """A build by the previous version (no `frames` in the manifest) still sends, in German."""
    issue.add("lernimpuls")
    outbox = build_issue(str(issue.folder), settings, with_pdf=False).outbox
    manifest = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))
    del manifest["frames"]
    (outbox / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    factory = MessageFactory(outbox, settings)
    assert factory.frame_language(Recipient("a@example.org", "t" * 20, language="en")) == "de"
    raw = factory.message(Recipient("a@example.org", "t" * 20, language="en"))
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    assert ">Newsletter abbestellen</a>" in _parts(msg)[0]


def test_a_missing_frame_file_is_refused_not_sent_in_german(
    issue: IssueDir, settings: Settings
) -> None:
    issue.add("lernimpuls")
    outbox = build_issue(str(issue.folder), settings, with_pdf=False).outbox
    (outbox / "email.en.txt").unlink()
    with pytest.raises(NewsletterError) as info:
        MessageFactory(outbox, settings)
    assert info.value.code == "NOT_BUILT"
