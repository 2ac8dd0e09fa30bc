"""Judge an Issue against the rules of PRODUCT.md: Issue -> list[Finding].

No I/O beyond reading image headers. Each rule has a stable code (see messages.py for the
texts); all problems are collected, none stops the others.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from newsletter.check import deceptive
from newsletter.core import layout
from newsletter.core.config import Settings
from newsletter.core.models import FileRef, Finding, Intake, Issue, Submission
from newsletter.intake import markup, placeholders
from newsletter.intake.files import suggestion
from newsletter.intake.probe import (
    FORMAT_NAMES,
    LOGO_FORMATS,
    PHOTO_FORMATS,
    ImageInfo,
    ProbeError,
    external_words,
    probe,
)
from newsletter.texts.i18n import N_
from newsletter.texts.messages import explain_email_error, words

TOP_KEYS = ("organisation", "goal", "location", "contact", "logo", "language", "photos")
CONTACT_KEYS = ("name", "email", "phone", "website")
PHOTO_KEYS = ("file", "caption", "alt", "credit", "consent")
# Longest sensible single-line values; longer ones break the layout or are pasted text.
FIELD_LIMITS = {
    "organisation": 120,
    "goal": 300,
    "location": 200,
    "contact.name": 120,
    "contact.phone": 60,
    "caption": 300,
    "alt": 500,
    "credit": 200,
}
URL_SCHEMES = ("http", "https", "mailto")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>|&#?[a-zA-Z0-9]+;")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_MD_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)")


def check_issue(intake: Intake, settings: Settings) -> list[Finding]:
    """Every finding for an issue: intake's parse problems, then every rule."""
    findings = list(intake.findings)
    findings.extend(_editor_texts(intake.issue))
    for sub in intake.issue.submissions:
        findings.extend(judge_submission(sub, intake.issue, settings))
    return findings


def judge_submission(sub: Submission, issue: Issue, settings: Settings) -> list[Finding]:
    """All rules for one submission."""
    out: list[Finding] = []

    def add(code: str, file: str | None = "submission.md", **p: Any) -> None:
        out.append(Finding(code=code, submission=sub.slug, file=file, params=p))

    _deadline(sub, issue, settings, add)
    _fields(sub, settings, add)
    _text(sub, settings, add)
    _template(sub, settings, add)
    _photos(sub, settings, add)
    _logo(sub, settings, add)
    _placeholders(sub, add)
    return out


def _editor_texts(issue: Issue) -> list[Finding]:
    """The editor's own texts: a title that breaks the Subject, deceptive links in articles."""
    out: list[Finding] = []

    def add(code: str, file: str | None, **p: Any) -> None:
        out.append(Finding(code=code, file=file, params=p))

    if _CONTROL.search(issue.title):
        add(
            "ISSUE_TOML_FIELD",
            "issue.toml",
            key="title",
            **words(
                "detail", N_("enthält einen Zeilenumbruch oder ein Steuerzeichen; bitte eine Zeile")
            ),
        )
    for code, params in deceptive.text_problems(issue.title, strict=True):
        add(code, "issue.toml", **params, **_where("title"))
    for code, params in deceptive.text_problems(issue.intro, strict=False):
        add(code, "issue.toml", **params, **_where("intro"))
    named = [
        (f"events[{i}].{k}", getattr(e, k))
        for i, e in enumerate(issue.events, 1)
        for k in ("title", "location", "description")
    ]
    named += [(f"attachments[{i}].title", a.title) for i, a in enumerate(issue.attachments, 1)]
    for key, value in named:
        if value:
            strict = not key.endswith("description")  # a title or place is a name
            for code, params in deceptive.text_problems(value, strict=strict):
                add(code, "issue.toml", **params, **_where(key))
    for event in issue.events:
        if event.url:
            for code, params in deceptive.url_problems(event.url):
                add(code, "issue.toml", **params)
    for ed in issue.editorials:
        _markdown_problems(ed.text, functools.partial(_add_to, add, f"editorial/{ed.path.name}"))
    return out


def _add_to(add: Any, file: str, code: str, **params: Any) -> None:
    add(code, file, **params)


def _where(key: str | None) -> dict[str, str]:
    """Who contains the problem, for the messages: a field, or the text."""
    if key is None:
        return words("where", N_("Der Text"))
    return words("where", N_("Das Feld „{key}“"), key=key)


def _markdown_problems(text: str, add: Any) -> None:
    """Invisible characters, deceptive links and addresses in Markdown (body or article)."""
    for code, params in deceptive.text_problems(markup.visible_text(text), strict=False):
        add(code, **params, **_where(None))
    seen: set[tuple[Any, ...]] = set()
    targets = dict.fromkeys(markup.links(text) + _MD_TARGET.findall(text))
    problems = [p for t in targets for p in deceptive.url_problems(t)]
    problems += [
        p
        for href, label in markup.link_texts(text)
        for p in deceptive.link_text_problems(label, href)
    ]
    for code, params in problems:
        key = (
            code,
            params.get("label"),
            params.get("host"),
            params.get("char"),
            params.get("shown"),
        )
        if key not in seen:
            seen.add(key)
            add(code, **params)


class _Add(Protocol):  # the shape of the `add` callback
    def __call__(self, code: str, file: str | None = ..., **p: Any) -> None: ...


def _deadline(sub: Submission, issue: Issue, settings: Settings, add: _Add) -> None:
    if issue.deadline is None or sub.received is None or sub.received <= issue.deadline:
        return
    tz = ZoneInfo(settings.timezone)

    def fmt(d: datetime) -> str:
        return d.astimezone(tz).strftime("%d.%m.%Y %H:%M:%S")

    accepted = sub.slug in issue.accepted_late
    add(
        "LATE_ACCEPTED" if accepted else "LATE",
        None,
        received=fmt(sub.received),
        deadline=fmt(issue.deadline),
    )


def _walk_fields(sub: Submission) -> Iterator[tuple[str, Any]]:
    """(key, value) of every single-line text field, photo fields named photos[i].key."""
    fm = sub.front_matter
    for key in ("organisation", "goal", "location", "logo", "language"):
        yield key, fm.get(key)
    contact = fm.get("contact")
    if isinstance(contact, dict):
        for key in CONTACT_KEYS:
            yield f"contact.{key}", contact.get(key)
    photos = fm.get("photos")
    if isinstance(photos, list):
        for i, entry in enumerate(photos, start=1):
            if isinstance(entry, dict):
                for key in ("file", "caption", "alt", "credit"):
                    yield f"photos[{i}].{key}", entry.get(key)


def _unknown_keys(entry: Mapping[Any, Any], known: tuple[str, ...], add: _Add, where: str) -> None:
    """UNKNOWN_KEY for each key of `entry` (at `where`) outside `known`, with the nearest one."""
    for key in map(str, entry):
        if key not in known:
            add("UNKNOWN_KEY", key=where + key, **suggestion(key, known))


def _fields(sub: Submission, settings: Settings, add: _Add) -> None:
    fm = sub.front_matter
    _unknown_keys(fm, TOP_KEYS, add, "")
    contact = fm.get("contact")
    if contact is not None and not isinstance(contact, dict):
        add(
            "FIELD_TYPE",
            key="contact",
            **words("expected", N_("eine Liste von Feldern (name:, email:, …)")),
        )
    elif isinstance(contact, dict):
        _unknown_keys(contact, CONTACT_KEYS, add, "contact.")
    for key, value in _walk_fields(sub):
        if value is None:
            continue
        if not isinstance(value, str):
            add("FIELD_TYPE", key=key, **words("expected", N_("ein Text")))
            continue
        # a name goes into headers and the table of contents: not even a trailing line break
        if _CONTROL.search(value if key in ("organisation", "contact.name") else value.strip()):
            add("FIELD_CONTROL_CHAR", key=key)
        for code, params in deceptive.text_problems(value, strict=True):
            add(code, **params, **_where(key))
        if (m := _MARKUP.search(value)) is not None:
            add("FIELD_MARKUP", key=key, snippet=m.group(0)[:40])
        limit = FIELD_LIMITS.get(key.split(".", 1)[-1] if key.startswith("photos") else key)
        if limit and len(value) > limit:
            add("FIELD_TOO_LONG", key=key, count=len(value), limit=limit)
    if not sub.organisation:
        add("MISSING_FIELD", key="organisation")
    c = sub.contact
    if settings.rules.require_contact and not (c.email or c.phone or c.website):
        add("CONTACT_MISSING")
    if c.email:
        try:
            validate_email(c.email, check_deliverability=False)
        except EmailNotValidError as exc:
            add("EMAIL_INVALID", value=c.email, **_reason(exc))
        else:
            for code, params in deceptive.url_problems(f"mailto:{c.email}"):
                add(code, **{**params, "value": c.email})
    if c.website:
        _url(c.website, add, web_only=True)
    if not _LANG.match(sub.language):
        add("LANGUAGE_INVALID", value=sub.language)


def _reason(exc: Exception) -> dict[str, str]:
    de, en = explain_email_error(str(exc))
    return {"detail": de, "detail_en": en}


def _url(value: str, add: _Add, *, web_only: bool = False, file: str = "submission.md") -> None:
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    if scheme not in URL_SCHEMES or (web_only and scheme == "mailto"):
        add("URL_SCHEME" if scheme else "URL_INVALID", file, value=value)
    elif scheme in ("http", "https") and (
        not parts.hostname or "." not in parts.hostname or " " in value.strip()
    ):
        add("URL_INVALID", file, value=value)
    elif scheme == "mailto":
        try:
            validate_email(parts.path, check_deliverability=False)
        except EmailNotValidError as exc:
            add("EMAIL_INVALID", file, value=parts.path, **_reason(exc))
    if web_only and scheme in URL_SCHEMES:  # a text's links are judged once each, with it
        for code, params in deceptive.url_problems(value):
            add(code, file, **params)


def _text(sub: Submission, settings: Settings, add: _Add) -> None:
    file = sub.text_file
    visible = markup.visible_text(sub.text)
    if not visible:
        add("TEXT_EMPTY", file)
        return
    limit = settings.rules.max_text_chars
    if len(visible) > limit:
        add(
            "TEXT_TOO_LONG",
            file,
            count=len(visible),
            limit=limit,
            over=len(visible) - limit,
        )
    pictures = markup.images(sub.text)
    if pictures:
        add("TEXT_IMAGE", file, count=len(pictures))
    html = markup.raw_html(sub.text)
    if html:
        add("TEXT_HTML", file, snippet=html[0][:40])
    for target in dict.fromkeys(markup.links(sub.text) + _MD_TARGET.findall(sub.text)):
        _url(target, add, file=file)
    _markdown_problems(sub.text, functools.partial(_add_to, add, file))


def _template(sub: Submission, settings: Settings, add: _Add) -> None:
    """Example text of `newsletter new`'s template that nobody replaced would be published."""
    samples = placeholders.samples(settings)
    found = samples.sentences_in(sub.text)
    if found:
        add("TEMPLATE_BODY", sub.text_file, snippet=_snippet(found[0]), count=len(found))
    for key, value in _walk_fields(sub):
        if key in ("organisation", "logo", "language") or key.endswith(".file"):
            continue
        if isinstance(value, str) and samples.is_sample(value):
            add("TEMPLATE_TEXT", key=key, value=_snippet(value))


def _snippet(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _photos(sub: Submission, settings: Settings, add: _Add) -> None:
    raw = sub.front_matter.get("photos")
    if raw is not None and not isinstance(raw, list):
        add("PHOTOS_NOT_LIST")
        return
    published = sum(p.publishable for p in sub.photos)  # the limit is on what appears
    if published > settings.rules.max_photos:
        add("PHOTOS_TOO_MANY", count=published, limit=settings.rules.max_photos)
    seen: dict[str, int] = {}
    for photo, entry in zip(sub.photos, raw or [], strict=False):
        name = photo.file.name if photo.file else "?"
        if isinstance(entry, dict):
            _unknown_keys(entry, PHOTO_KEYS, add, f"photos[{photo.index}].")
        # Without a release the photo is left out, never read, never published; the rest of
        # the submission goes in, so these are warnings, and nothing else about it matters.
        if photo.consent is None:
            add("CONSENT_MISSING", index=photo.index, name=name)
        elif photo.consent is False:
            add("CONSENT_FALSE", index=photo.index, name=name)
        elif photo.consent is not True:
            add(
                "CONSENT_NOT_BOOL",
                index=photo.index,
                name=name,
                value=str(photo.consent)[:40],
            )
        if not photo.publishable:
            continue
        if photo.file is None:
            add("PHOTO_FILE_MISSING", index=photo.index)
        elif photo.file.name in seen:
            add(
                "PHOTO_DUPLICATE",
                photo.file.name,
                index=photo.index,
                name=photo.file.name,
                first=seen[photo.file.name],
            )
        else:
            seen[photo.file.name] = photo.index
        if not photo.alt:
            code = "ALT_FROM_CAPTION" if photo.caption else "ALT_MISSING"
            add(code, index=photo.index, name=name)
        if photo.file is not None and photo.file.path is not None:
            info = _probe(photo.file, "photo", settings, add)
            if info is not None:
                _photo_size(photo.index, photo.file.name, info, settings, add)


def _probe(ref: FileRef, role: layout.Role, settings: Settings, add: _Add) -> ImageInfo | None:
    """Header checks common to photos and logos; None if the file is not usable."""
    assert ref.path is not None
    what = {"role": role, "name": ref.name}
    allowed = PHOTO_FORMATS if role == "photo" else LOGO_FORMATS
    allowed_names = ", ".join(FORMAT_NAMES[f] for f in sorted(allowed))
    try:
        info = probe(ref.path)
    except ProbeError as exc:
        params: dict[str, Any] = dict(exc.params)
        if exc.code == "IMAGE_FORMAT":  # the message names what is allowed
            params["allowed"] = allowed_names
            if params.get("actual") == "?":
                params.update(words("actual", N_("keine Bilddatei")))
        add(exc.code, ref.name, **what, detail=exc.detail, **params)
        return None
    except OSError as exc:  # permissions, a file vanishing between intake and here
        add("FILE_UNREADABLE", ref.name, detail=exc.strerror or type(exc).__name__)
        return None
    if info.format not in allowed:
        add(
            "IMAGE_FORMAT",
            ref.name,
            **what,
            actual=FORMAT_NAMES.get(info.format, info.format),
            allowed=allowed_names,
        )
        return None
    rules = settings.rules
    if info.bytes > rules.max_image_bytes:
        add(
            "IMAGE_TOO_MANY_BYTES",
            ref.name,
            **what,
            size_bytes=info.bytes,
            limit_bytes=rules.max_image_bytes,
        )
        return None
    if info.width * info.height > rules.max_image_pixels:
        add(
            "IMAGE_TOO_MANY_PIXELS",
            ref.name,
            **what,
            width=info.width,
            height=info.height,
            mp=round(info.width * info.height / 1e6, 1),
            limit=round(rules.max_image_pixels / 1e6),
        )
        return None
    if info.frames > 1:
        add("IMAGE_ANIMATED", ref.name, **what, frames=info.frames)
    if info.svg_external:
        de, en = external_words(info.svg_external)
        add("SVG_EXTERNAL", ref.name, **what, thing=de, thing_en=en)
    return info


def _photo_size(index: int, name: str, info: ImageInfo, settings: Settings, add: _Add) -> None:
    for code, params in layout.size_findings(
        settings.layout, "photo", index, name, info.width, info.height
    ):
        add(code, name, **params)


def _logo(sub: Submission, settings: Settings, add: _Add) -> None:
    raw = sub.front_matter.get("logo")
    if raw is not None and not isinstance(raw, str):
        return  # reported as FIELD_TYPE
    if sub.logo is None or sub.logo.path is None:
        return
    info = _probe(sub.logo, "logo", settings, add)
    if info is None or info.format == "SVG":
        return  # an SVG is sharp at any size
    for code, params in layout.size_findings(
        settings.layout, "logo", None, sub.logo.name, info.width, info.height
    ):
        add(code, sub.logo.name, **params)


_PLACEHOLDER = re.compile(r"%%[^%\s]{1,60}%%")


def _placeholders(sub: Submission, add: _Add) -> None:
    """`%%…%%` in content: never filled in (compose personalises only the template's places)."""
    for key, value in [*_walk_fields(sub), ("text", sub.text)]:
        if isinstance(value, str) and (m := _PLACEHOLDER.search(value)) is not None:
            file = sub.text_file if key == "text" else "submission.md"
            add("CONTENT_PLACEHOLDER", file, key=key, placeholder=m.group(0))
