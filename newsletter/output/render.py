"""IssueView -> the HTML email (CSS inlined), the plain-text part and the web version."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import logging
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import jinja2
import jinja2.bccache
import markupsafe

from newsletter.core.config import Settings
from newsletter.core.files import write_atomic
from newsletter.core.resources import template_folders
from newsletter.intake import markup
from newsletter.output.content import IssueView, display_url, phone_href, shorten
from newsletter.output.transfer import sent_bytes
from newsletter.texts import i18n

log = logging.getLogger(__name__)

# What a render without a link to put there shows. A build renders with a secret marker of its
# own instead and records where it ended up (compose.place_personal): never this text, which
# anyone could type into a submission.
UNSUBSCRIBE_PLACEHOLDER = "%%UNSUBSCRIBE_URL%%"
TEXT_WIDTH = 72


def environment(settings: Settings, *, html: bool = True) -> jinja2.Environment:
    """Templates from the configured folder, falling back to the ones shipped here.

    HTML templates are escaped and trimmed; the text template keeps its whitespace exactly
    as written (it controls its own line breaks with `{%-`).
    """
    folders = template_folders(settings)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=html,
        lstrip_blocks=html,
        keep_trailing_newline=True,
        bytecode_cache=bytecode_cache(settings, "html" if html else "text"),
    )
    env.filters["display_url"] = display_url
    env.filters["tel_href"] = phone_href
    return env


def bytecode_cache(settings: Settings, kind: str) -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the cache folder (Jinja's own FileSystemBytecodeCache): a
    build renders the email and the text in every frame language, and compiling the templates
    anew each time was most of a warm build. A template is compiled again when its source
    changes (Jinja compares a checksum of it); `kind` keeps templates of differently
    configured environments apart. None (compile every time) where the folder cannot be made.
    """
    folder = settings.path(settings.cache_dir) / "templates" / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _KeptTemplates(str(folder))


class _KeptTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's cache, but one that cannot be written (a read-only or full disk) costs only the
    compilation, never the build."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            log.debug("compiled template not kept: %s", exc)


def _identity(href: str) -> str:
    return href


def N_(message: str) -> str:
    """Marks a text of the frame for `pybabel extract -k N_` (babel.cfg); returns it as it is."""
    return message


ISSUE_NUMBER = N_("Ausgabe {number}")
PREHEADER = N_("In dieser Ausgabe:")
PREHEADER_MORE = N_("und {count} weitere")


def frame_heading(view: IssueView, lang: str) -> str:
    """The email's title and subject in `lang`: the editor's title, the number in `lang`.

    In German exactly IssueView.heading.
    """
    if not view.number:
        return view.title
    number = i18n.frame_text(ISSUE_NUMBER, i18n.frame_language(lang))
    return f"{view.title} – {number.replace('{number}', str(view.number))}"


def frame_preheader(view: IssueView, lang: str) -> str:
    """The line inbox lists show after the subject, in `lang` (German: IssueView.preheader)."""
    lang = i18n.frame_language(lang)
    names = [s.organisation for s in view.submissions][:3]
    more = len(view.submissions) - len(names)
    text = i18n.frame_text(PREHEADER, lang) + " " + ", ".join(names)
    if more > 0:
        text += " " + i18n.frame_text(PREHEADER_MORE, lang).replace("{count}", str(more))
    return text


def frame_words(lang: str, *, html: bool = True) -> dict[str, object]:
    """What the templates need to write their own words in `lang` (see i18n.frame_language).

    `t(msgid)`: the text (escaped by the template like any other); `tf(msgid, **parts)`: a
    text with `{name}` places, each filled with a part (markup stays markup, text is escaped);
    `frame_lang`/`frame_dir`: for the frame's lang and dir attributes.
    """
    lang = i18n.frame_language(lang)

    def t(msgid: str) -> str:
        return i18n.frame_text(msgid, lang)

    def tf(msgid: str, **parts: object) -> str:
        text = t(msgid)
        if not html:
            for name, value in parts.items():
                text = text.replace("{" + name + "}", str(value))
            return text
        out = markupsafe.escape(text)
        for name, value in parts.items():
            out = markupsafe.Markup(out.replace("{" + name + "}", markupsafe.escape(value)))
        return out

    return {
        "t": t,
        "tf": tf,
        "frame_lang": lang,
        "frame_dir": "rtl" if i18n.is_rtl(lang) else "ltr",
    }


def inline_css(html: str) -> str:
    """Inline the first <style> block; keep data-premailer="ignore" blocks as they are."""
    import premailer

    logging.getLogger("cssutils").setLevel(logging.CRITICAL)
    return str(
        premailer.Premailer(
            html,
            allow_network=False,
            remove_classes=False,  # the ignored block's media queries and dark mode need them
            keep_style_tags=False,
            strip_important=False,
            disable_validation=True,
            cssutils_logging_level=logging.CRITICAL,
        ).transform()
    )


def render_email_html(
    view: IssueView,
    settings: Settings,
    *,
    img: Callable[[str], str] = _identity,
    unsubscribe_url: str = UNSUBSCRIBE_PLACEHOLDER,
    lang: str = i18n.SOURCE,
) -> str:
    """The email's HTML with CSS inlined (images at `img(href)`), its frame in `lang`."""
    template = environment(settings).get_template("email.html.j2")
    html = template.render(
        view=view,
        img=img,
        unsubscribe_url=unsubscribe_url,
        heading=frame_heading(view, lang),
        preheader=frame_preheader(view, lang),
        **frame_words(lang),
    )
    return compact(inline_css_cached(html, settings))


@functools.cache
def _inline_fingerprint() -> bytes:
    """What else makes premailer's output: its version, cssutils', and this module."""
    versions = "|".join(importlib.metadata.version(d) for d in ("premailer", "cssutils"))
    return hashlib.sha256(versions.encode() + Path(__file__).read_bytes()).digest()


def inline_css_cached(html: str, settings: Settings) -> str:
    """`inline_css(html)`, from the cache when the same HTML was inlined before.

    Premailer takes most of a rebuild's time (~0.2 s to import, ~0.5 s per email of 30
    submissions); its result depends only on the HTML and the code, so it is kept under the
    hash of both in .cache/inline/ (safe to delete).
    """
    key = hashlib.sha256(_inline_fingerprint() + html.encode()).hexdigest()
    path = settings.path(settings.cache_dir) / "inline" / f"{key}.html"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        pass
    out = inline_css(html)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, out)
    except OSError as exc:  # a read-only cache costs time, never the build
        log.warning("inline cache not written: %s", exc)
    return out


_INDENT = re.compile(r"[ \t]*\n\s*")


def compact(html: str) -> str:
    """Drop template indentation: a newline with spaces around it renders as one space."""
    return _INDENT.sub("\n", html)


def fit_email(
    view: IssueView,
    settings: Settings,
    *,
    img: Callable[[str], str] = _identity,
    unsubscribe_url: str = UNSUBSCRIBE_PLACEHOLDER,
    lang: str = i18n.SOURCE,
) -> tuple[str, IssueView]:
    """Render the email; if it is over the size limit, shorten the texts until it fits.

    The size is the HTML part's as sent (transfer-encoded, transfer.py): what Gmail clips by.

    Returns the HTML and the view it was made from (`shortened` says whether it was cut).
    """
    limit = settings.email.max_html_bytes
    html = render_email_html(view, settings, img=img, unsubscribe_url=unsubscribe_url, lang=lang)
    chars = settings.email.excerpt_chars
    while sent_bytes(html) > limit and chars >= 80:
        log.info(
            "email is %d bytes as sent (limit %d): texts cut to %d characters",
            sent_bytes(html),
            limit,
            chars,
        )
        view = shorten(view, chars)
        html = render_email_html(
            view, settings, img=img, unsubscribe_url=unsubscribe_url, lang=lang
        )
        chars //= 2
    if sent_bytes(html) > limit and view.shortened:
        # still too long with every text cut: the shortened presentations lose their photo
        # too (the web version behind "Weiterlesen" has them all)
        subs = tuple(
            dataclasses.replace(s, photos=()) if s.excerpt_html else s for s in view.submissions
        )
        view = dataclasses.replace(view, submissions=subs)
        html = render_email_html(
            view, settings, img=img, unsubscribe_url=unsubscribe_url, lang=lang
        )
    return html, view


class _TextState:
    """Link numbering for one plain-text render: each section lists its own links."""

    def __init__(self) -> None:
        self.pending: list[str] = []

    def text(self, md: str) -> str:
        return markup.to_text(md, TEXT_WIDTH, self.pending)

    def links(self) -> str:
        if not self.pending:
            return ""
        lines = [f"[{i}] {href.removeprefix('mailto:')}" for i, href in enumerate(self.pending, 1)]
        self.pending = []
        return "\n" + "\n".join(lines) + "\n"


def wrap(text: str, indent: str = "", first: str | None = None) -> str:
    """A paragraph wrapped to the text width (`first` starts its first line, else `indent`)."""
    return textwrap.fill(
        text,
        TEXT_WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def rule(title: str, char: str = "-") -> str:
    """A heading (wrapped) underlined to its longest line."""
    lines = wrap(title).splitlines() or [""]
    return "\n".join(lines) + "\n" + char * min(max(len(line) for line in lines), TEXT_WIDTH)


RLM = "\u200f"  # RIGHT-TO-LEFT MARK: a plain-text reader starts the line right to left


def rtl(text: str) -> str:
    """Every non-empty line marked as right to left (mail programs show plain text as it comes)."""
    return "\n".join(RLM + line if line.strip() else line for line in text.split("\n"))


def render_text(
    view: IssueView,
    settings: Settings,
    *,
    unsubscribe_url: str = UNSUBSCRIBE_PLACEHOLDER,
    lang: str = i18n.SOURCE,
) -> str:
    """The plain-text part, from its own template, its frame in `lang`."""
    state = _TextState()
    template = environment(settings, html=False).get_template("email.txt.j2")
    text = template.render(
        view=view,
        text=state.text,
        links=state.links,
        wrap=wrap,
        rule=rule,
        rtl=rtl,
        unsubscribe_url=unsubscribe_url,
        heading=frame_heading(view, lang),
        **frame_words(lang, html=False),
    )
    # collapse runs of blank lines the template's conditionals leave behind
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def render_web(view: IssueView, settings: Settings) -> str:
    """The standalone web version (web/index.html): images one folder up."""
    template = environment(settings).get_template("web.html.j2")
    return template.render(view=view, img=lambda href: "../" + href)
