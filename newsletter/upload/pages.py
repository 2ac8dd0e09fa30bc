"""How the upload page looks: its texts in the page's language, the findings next to their
fields, the templates (templates/upload*.html.j2; an editor's copy in the project's
`templates/` wins), and the style and script the page's Content-Security-Policy allows.

Languages: de, en, tr, ar (right to left, mirrored through logical CSS properties), uk. The
findings come from messages.py (German and English): on a tr, ar or uk page each is shown in
German and in English, as reminders and feedback do.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import Any

import jinja2

from newsletter.core import layout
from newsletter.core.config import Settings
from newsletter.core.models import Finding
from newsletter.core.resources import template_folders
from newsletter.texts import i18n
from newsletter.upload import texts as T

PAGE_LANGUAGES = tuple(T.LANGUAGES)

CSS = (
    "body{font:1.0625rem/1.5 system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;"
    "color:#1b1b1b;background:#fff}a{color:#0b4f9c}h1{font-size:1.5rem;line-height:1.25}"
    "h2{font-size:1.25rem;margin-top:2rem}*{box-sizing:border-box}fieldset{min-width:0}"
    "body{overflow-wrap:anywhere}"
    "nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;margin:0}"
    "nav{border-bottom:1px solid #ccc;padding-block-end:.5rem}"
    ".field{margin:1.25rem 0;border:0;padding:0;min-width:0}"
    "label,legend{display:block;font-weight:600}legend{font-size:1.125rem;padding:0}"
    "input[type=text],input[type=email],input[type=tel],input[type=url],select,textarea{"
    "font:inherit;width:100%;padding:.5rem;border:2px solid #1b1b1b;margin-top:.25rem;"
    "background:#fff;color:#1b1b1b}textarea{min-height:14rem}"
    "input[type=file]{font:inherit;width:100%;margin-top:.25rem}"
    ".hint{color:#3b3b3b;margin:.25rem 0}.count{font-variant-numeric:tabular-nums}"
    ".choice{display:flex;gap:.5rem;align-items:flex-start;margin:.5rem 0}"
    ".choice label{font-weight:400}.choice input{width:1.5rem;height:1.5rem;flex:none;margin:0}"
    "fieldset.photo{border:2px solid #767676;padding:.75rem;margin:1.25rem 0}"
    "button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border:0;cursor:pointer;"
    "margin-block:.5rem;margin-inline-end:.75rem}"
    ".check{background:#fff;color:#0b4f9c;border:2px solid #0b4f9c}"
    ".send{background:#0b6b2f;color:#fff;border-bottom:3px solid #053d1a}"
    ":focus-visible{outline:3px solid #fd0;outline-offset:0;box-shadow:0 0 0 6px #1b1b1b}"
    ".summary{border:4px solid #b10e1e;padding:0 1rem;margin:1rem 0}"
    ".summary.ok{border-color:#0b6b2f}.summary:focus{outline:3px solid #fd0}"
    ".has-error{border-inline-start:4px solid #b10e1e;padding-inline-start:.75rem}"
    ".finding{margin:.25rem 0;font-weight:600}.finding.error{color:#b10e1e}"
    "[dir=rtl] .msg[dir=ltr]{display:block;text-align:left}.finding.warning{color:#6b4b00}"
    ".code{font-family:monospace;font-weight:400}"
    ".drop{border:2px dashed #767676;padding:.5rem;margin-top:.25rem}"
    ".drop.over{background:#eef4fb}.preview{display:block;max-width:100%;max-height:10rem;"
    "margin-top:.5rem}footer{margin-top:3rem;border-top:1px solid #ccc;font-size:.9rem}"
)
# Progressive enhancement only: the page works the same without it.
JS = """(function(){
var t=document.getElementById('text'),c=document.getElementById('text-count');
if(t&&c){var f=c.getAttribute('data-template'),l=+c.getAttribute('data-limit');
var u=function(){var n=t.value.replace(/\\*\\*|__|[*_`#>]|\\]\\([^)]*\\)|\\[/g,'').trim().length;
c.textContent=f.replace('{count}',n).replace('{limit}',l);c.classList.toggle('over',n>l);};
t.addEventListener('input',u);u();}
document.querySelectorAll('input[type=file]').forEach(function(i){
var box=i.closest('.drop');if(!box)return;
var show=function(){var old=box.querySelector('img.preview');if(old)old.remove();
var file=i.files&&i.files[0];if(!file||!/^image\\/(jpeg|png|webp|gif)$/.test(file.type))return;
var img=document.createElement('img');img.className='preview';
img.alt=box.getAttribute('data-preview');img.src=URL.createObjectURL(file);box.appendChild(img);};
i.addEventListener('change',show);
box.addEventListener('dragover',function(e){e.preventDefault();box.classList.add('over');});
box.addEventListener('dragleave',function(){box.classList.remove('over');});
box.addEventListener('drop',function(e){e.preventDefault();box.classList.remove('over');
if(e.dataTransfer.files.length){i.files=e.dataTransfer.files;show();}});});
})();"""


def _sha(s: str) -> str:
    return base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()


CSP = (
    f"default-src 'none'; style-src 'sha256-{_sha(CSS)}'; script-src 'sha256-{_sha(JS)}'; "
    "img-src 'self' blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def page_language(asked: str | None, registered: str) -> str:
    """?lang= if it is one of the page's languages, else the register's, else German."""
    for candidate in (asked or "", i18n.primary(registered or "de")):
        if candidate in PAGE_LANGUAGES:
            return candidate
    return "de"


def say(msgid: str, lang: str, **params: object) -> list[tuple[str, str]]:
    """[(language, text)]: the page's language, or German and English where it has no text."""
    return [(code, text.format(**params)) for code, text in i18n.texts(msgid, lang)]


# --- findings next to their fields ------------------------------------------------------------

_KEY = re.compile(r"^photos\[(\d)\]\.\w+$")
_CONTACT_CODES = frozenset({"CONTACT_MISSING"})


def field_of(f: Finding, names: dict[str, str], contact: dict[str, str]) -> str:
    """The form field a finding belongs next to: organisation, contact_email, text, logo,
    photo-2, … or `general` (shown at the top only)."""
    key = str(f.params.get("key", ""))
    if m := _KEY.match(key):
        return f"photo-{m[1]}"
    if key.startswith("contact."):
        return "contact_" + key.split(".", 1)[1]
    if key in ("organisation", "goal", "location", "language"):
        return key
    if key == "logo":
        return "logo"
    if f.code.startswith(("LATE", "RECEIPTS")):
        return "general"
    by_name = {v: k for k, v in names.items()}
    if f.file in by_name:
        return by_name[f.file]
    if f.params.get("role") == "logo" or f.code.startswith("LOGO"):
        return "logo"
    if "index" in f.params and f.params["index"] is not None:
        return f"photo-{f.params['index']}"
    if f.code in _CONTACT_CODES:
        return "contact"
    value = f.params.get("value")
    for key in ("email", "website"):
        if value and value == contact.get(key):
            return f"contact_{key}"
    if f.file == "submission.md" or f.file is None:
        return "text"
    return "general"


def finding_texts(f: Finding, lang: str) -> list[tuple[str, str]]:
    """[(language, message)]: de or en directly; for other pages German, then English."""
    if lang in ("de", "en"):
        return [(lang, f.message(lang))]
    return [("de", f.message("de")), ("en", f.message("en"))]


def grouped(
    findings: Iterable[Finding], names: dict[str, str], contact: dict[str, str]
) -> dict[str, list[Finding]]:
    """field -> its findings, errors first."""
    out: dict[str, list[Finding]] = {}
    for f in sorted(findings, key=lambda f: f.severity != "error"):
        out.setdefault(field_of(f, names, contact), []).append(f)
    return out


# --- templates --------------------------------------------------------------------------------


class UploadPages:
    """Renders the upload pages (one Jinja2 environment per app)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        folders = template_folders(settings)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f) for f in folders]),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )

    def render(self, template: str, lang: str, **context: Any) -> bytes:
        """A page in `lang` (dir="rtl" for Arabic), with its texts helper `t`."""

        def t(msgid: str, **params: object) -> str:
            parts = say(msgid, lang, **params)
            return " / ".join(text for _, text in parts)

        def ts(msgid: str, **params: object) -> list[tuple[str, str]]:
            return say(msgid, lang, **params)

        html = self.env.get_template(template).render(
            lang=lang,
            dir="rtl" if i18n.is_rtl(lang) else "ltr",
            rtl=i18n.is_rtl,
            t=t,
            ts=ts,
            T=T,
            css=CSS,
            js=JS,
            languages=T.LANGUAGES,
            text_languages=T.TEXT_LANGUAGES,
            finding_texts=lambda f: finding_texts(f, lang),
            list_name=self.settings.sender.from_name,
            min_photo=layout.email_pixel_width(self.settings.layout, "photo"),
            max_photos=self.settings.rules.max_photos,
            max_chars=self.settings.rules.max_text_chars,
            **context,
        )
        return html.encode()
