"""Reminders and feedback to an organisation: the text in its language, as a MIME message.

The language is the register's tag (`ar-SY` → `ar`); each paragraph comes from the gettext
catalogue (i18n.py), or in German and English where the catalogue lacks it. Findings come from
messages.py, which speaks German and English: in any other language they are listed in both,
after a sentence in the organisation's language that says so.

Right to left: the HTML part carries `lang` and `dir="rtl"` on the document and `lang`/`dir` on
every paragraph in another language; values that run left to right (dates, file names,
addresses) are isolated (`<bdi>` in HTML, U+2068…U+2069 in the text part), and every line of a
right-to-left paragraph in the text part starts with U+200F, so that plain-text readers set it
right to left even when the line starts with a number or a Latin name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Literal

from jinja2 import Environment

from newsletter.core.config import Settings
from newsletter.core.models import Finding
from newsletter.network import texts as T
from newsletter.network.status import Row
from newsletter.send.compose import SIGNED_HEADERS, dkim_signed
from newsletter.store.organisations import Organisation
from newsletter.texts import i18n
from newsletter.texts.i18n import when as when  # the upload page states deadlines alike

Kind = Literal["remind", "feedback"]
FSI, PDI, RLM = "\u2068", "\u2069", "\u200f"
_ISOLATED = re.compile(f"{FSI}(.*?){PDI}", re.S)


@dataclass(frozen=True)
class Para:
    """One paragraph (possibly with a list after it) in one language."""

    lang: str
    text: str
    items: tuple[str, ...] = ()

    @property
    def rtl(self) -> bool:
        return i18n.is_rtl(self.lang)


@dataclass(frozen=True)
class Mail:
    """A composed reminder or feedback, before it becomes bytes."""

    kind: Kind
    org: Organisation
    lang: str  # the primary language of the mail
    subject: str
    paras: tuple[Para, ...] = field(default_factory=tuple)

    def text(self) -> str:
        """The plain-text part."""
        blocks = []
        for p in self.paras:
            lines = p.text.splitlines() + [f"• {item}" for item in p.items]
            if p.rtl:
                lines = [RLM + line for line in lines]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks) + "\n"

    def html(self) -> str:
        """The HTML part: `lang` and `dir` on the document and on every paragraph."""
        return _HTML.render(mail=self, rtl=i18n.is_rtl(self.lang), fmt=_html_text)


def _html_text(text: str) -> str:
    from markupsafe import escape

    escaped = str(escape(text.replace(RLM, "")))
    escaped = _ISOLATED.sub(r"<bdi>\1</bdi>", escaped)
    return escaped.replace(FSI, "").replace(PDI, "").replace("\n", "<br>\n")


_HTML = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(
    """<!DOCTYPE html>
<html lang="{{ mail.lang }}" dir="{{ 'rtl' if rtl else 'ltr' }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ mail.subject }}</title></head>
<body style="margin:0;padding:16px;background:#ffffff;color:#1a1a1a;font-family:Arial,\
'Noto Naskh Arabic','Noto Sans',sans-serif;font-size:16px;line-height:1.6">
<div style="max-width:600px;margin:0 auto">
{% for p in mail.paras %}
<div{% if p.lang != mail.lang or p.rtl != rtl %} lang="{{ p.lang }}" \
dir="{{ 'rtl' if p.rtl else 'ltr' }}"{% endif %} style="text-align:start;margin:0 0 16px">
<p style="margin:0">{{ fmt(p.text) | safe }}</p>
{% if p.items %}
<ul style="margin:8px 0 0;padding-inline-start:24px">
{% for item in p.items %}
<li>{{ fmt(item) | safe }}</li>
{% endfor %}
</ul>
{% endif %}
</div>
{% endfor %}
</div>
</body>
</html>
"""
)


def _value(value: object, lang: str) -> str:
    """A value set into a text (a date as `lang` writes it); isolated in right-to-left text."""
    text = when(value, lang) if isinstance(value, dt.datetime) or value is None else str(value)
    return f"{FSI}{text}{PDI}" if i18n.is_rtl(lang) and text else text


Item = tuple[str, dict[str, object]]  # a list entry: message id and its parameters


def say(msgid: str, lang: str, items: tuple[Item, ...] = (), **params: object) -> list[Para]:
    """The paragraph in `lang`, or in German and English when the catalogue lacks it.

    The list entries come in the paragraph's language (an entry a catalogue lacks: German /
    English on one line).
    """
    return _say(msgid, lang, params, items)


def _say(
    msgid: str, lang: str, params: dict[str, object], items: tuple[Item, ...] = ()
) -> list[Para]:
    out = []
    for text_lang, template in i18n.texts(msgid, lang):
        values = {k: _value(v, text_lang) for k, v in params.items()}
        entries = tuple(one(item, text_lang, **item_params) for item, item_params in items)
        out.append(Para(text_lang, template.format(**values), entries))
    return out


def one(msgid: str, lang: str, **params: object) -> str:
    """A short text (a subject, a label): the translation, else German / English."""
    return " / ".join(p.text for p in _say(msgid, lang, params))


def _finding_line(f: Finding, lang: str) -> str:
    where = f"{f.file}: " if f.file else ""
    return f"{where}{f.message(lang)}"


def _findings(findings: tuple[Finding, ...], lang: str) -> list[Para]:
    """Errors first, then warnings; in de/en directly, otherwise both with a note."""
    ordered = sorted(findings, key=lambda f: (f.severity != "error", f.file or ""))
    langs = [lang] if lang in ("de", "en") else ["de", "en"]
    out: list[Para] = []
    if lang not in ("de", "en"):
        out += say(T.LANGUAGE_NOTE, lang)
    for text_lang in langs:
        for severity, label in (("error", T.MUST_FIX), ("warning", T.HINT)):
            items = tuple(_finding_line(f, text_lang) for f in ordered if f.severity == severity)
            if items:
                out.append(Para(text_lang, one(label, text_lang) + ":", items))
    return out


def compose(
    kind: Kind,
    org: Organisation,
    row: Row,
    *,
    issue: str,
    title: str,
    deadline: dt.datetime | None,
    settings: Settings,
    lang: str | None = None,
    upload_link: str | None = None,
) -> Mail:
    """The reminder or feedback for one organisation, in its language.

    A language without a catalogue gets the whole mail in German, then the whole mail in
    English (a paragraph a catalogue lacks comes in both, one after the other).
    """
    lang = lang or org.mail_language
    if lang != "de" and i18n.catalogue(lang) is None:
        german, english = (
            compose(
                kind, org, row, issue=issue, title=title, deadline=deadline, settings=settings,
                lang=both, upload_link=upload_link,
            )
            for both in ("de", "en")
        )  # fmt: skip
        subject = f"{german.subject} / {english.subject}"
        return Mail(kind, org, "de", subject, german.paras + english.paras)
    name = org.name or org.slug
    paras: list[Para] = []
    if org.contact:
        paras += say(T.GREETING, lang, contact=org.contact)
    else:
        paras += say(T.GREETING_ANON, lang)
    if kind == "remind":
        subject = one(T.REMIND_SUBJECT, lang, issue=issue)
        if row.state == "missing":
            paras += say(T.REMIND_MISSING, lang, name=name, issue=issue)
            needed: tuple[Item, ...] = (
                (T.NEEDED_TEXT, {"max_chars": settings.rules.max_text_chars}),
                (T.NEEDED_FACTS, {}),
                (T.NEEDED_LOGO, {}),
                (T.NEEDED_PHOTOS, {"max_photos": settings.rules.max_photos}),
            )
            paras += say(T.NEEDED_HEAD, lang, items=needed)
        else:
            paras += say(T.REMIND_ERRORS, lang, issue=issue)
            paras += _findings(tuple(f for f in row.findings if f.severity == "error"), lang)
        paras += say(T.DEADLINE, lang, deadline=deadline)
        if upload_link:  # the organisation's own page (upload_links.py), then the old way
            paras += say(T.HOW_TO_UPLOAD, lang, link=upload_link)
        paras += say(T.HOW_TO_SEND, lang)
    else:
        subject = one(T.FEEDBACK_SUBJECT, lang, issue=issue)
        if row.state == "late":
            paras += say(T.FEEDBACK_LATE, lang, issue=issue, deadline=deadline)
        elif row.state == "error":
            paras += say(T.FEEDBACK_ERRORS, lang, issue=issue)
        elif row.state == "warning":
            paras += say(T.FEEDBACK_WARNINGS, lang, issue=issue)
        else:
            paras += say(T.FEEDBACK_OK, lang, issue=issue)
        if row.state != "ok":
            paras += _findings(tuple(f for f in row.findings if f.code != "LATE"), lang)
    paras += say(T.SIGNATURE, lang, sender=settings.publisher.name)
    paras += say(T.FOOTER, lang, name=name, title=title or settings.sender.from_name)
    return Mail(kind, org, lang, subject.replace("\n", " "), tuple(paras))


def result_hash(row: Row) -> str:
    """What feedback is about, as a hash: the state and every finding (code, file, params)."""
    lines = sorted(
        f"{f.severity}|{f.code}|{f.file}|{sorted((k, str(v)) for k, v in f.params.items())}"
        for f in row.findings
    )
    return hashlib.sha256("\n".join([row.state, *lines]).encode()).hexdigest()[:32]


def message_bytes(
    mail: Mail,
    settings: Settings,
    *,
    issue: str,
    round_: str,
    id_key: bytes,
    now: dt.datetime | None = None,
) -> tuple[bytes, str]:
    """The message as bytes (text and HTML alternatives) and its Message-ID."""
    sender = settings.sender
    domain = sender.from_address.rpartition("@")[2]
    mac = hmac.new(id_key, f"{issue}|{mail.kind}|{mail.org.slug}|{round_}".encode(), "sha256")
    message_id = f"<{issue}.{mail.kind}.{mac.hexdigest()[:32]}@{domain}>"
    msg = EmailMessage(policy=SMTP)
    local, _, dom = sender.from_address.rpartition("@")
    msg["From"] = Address(display_name=sender.from_name, username=local, domain=dom)
    msg["To"] = [
        Address(display_name=mail.org.name if i == 0 else "", addr_spec=a)
        for i, a in enumerate(mail.org.emails)
    ]
    msg["Reply-To"] = settings.publisher.email or sender.reply_to
    msg["Subject"] = mail.subject.replace(FSI, "").replace(PDI, "")
    msg["Date"] = format_datetime((now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    msg.set_content(mail.text(), cte="quoted-printable")
    msg.add_alternative(mail.html(), subtype="html", cte="quoted-printable")
    msg["Content-Language"] = ", ".join(dict.fromkeys(p.lang for p in mail.paras))
    data = msg.as_bytes()
    if sender.dkim_key_file:  # signed like the newsletter itself: these exact bytes are sent
        headers = [h for h in SIGNED_HEADERS if not h.startswith(b"list-")]
        key = settings.path(sender.dkim_key_file).read_bytes()
        data = dkim_signed(
            data, settings, key, domain, [*headers, b"content-language", b"auto-submitted"]
        )
    return data, message_id
