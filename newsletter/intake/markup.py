"""Markdown as contributors write it: the visible text, the links, and any raw HTML."""

from __future__ import annotations

import functools

from markdown_it import MarkdownIt
from markdown_it.token import Token


def _with_linkify(md: MarkdownIt) -> MarkdownIt:
    """Addresses written as plain text (`www.verein.de`, `https://…`, `info@verein.de`) become
    links, as mail programs would make them anyway: so the checks of links see them too, and
    the web version and the PDF can be clicked (linkify-it-py, markdown-it's own companion)."""
    return md.enable("linkify")


# html=True only for *finding* raw HTML; rendering (render.py) escapes it.
_PARSER = _with_linkify(MarkdownIt("commonmark", {"html": True, "linkify": True}))


def _walk(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for t in tokens:
        out.append(t)
        if t.children:
            out.extend(_walk(t.children))
    return out


@functools.lru_cache(maxsize=32)
def _parsed(md: str) -> tuple[Token, ...]:
    """Every token of `md` (children after their parent), parsed once for all the helpers
    below: `check` asks each text for its visible text, links, link texts, HTML and pictures.
    The tokens are shared: nothing here may change them."""
    return tuple(_walk(_PARSER.parse(md)))


def visible_text(md: str) -> str:
    """The text a reader sees: markup removed, paragraphs separated by one newline."""
    parts: list[str] = []
    for t in _parsed(md):
        if t.type in ("text", "code_inline"):
            parts.append(t.content)
        elif t.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif t.type in ("paragraph_close", "heading_close", "code_block", "fence"):
            parts.append(t.content + "\n" if t.type in ("code_block", "fence") else "\n")
    return "".join(parts).strip()


def links(md: str) -> list[str]:
    """Every link target in the text, in order."""
    return [str(t.attrs.get("href", "")) for t in _parsed(md) if t.type == "link_open"]


def link_texts(md: str) -> list[tuple[str, str]]:
    """(target, the text a reader sees) of every link in the text."""
    out: list[tuple[str, str]] = []
    for t in _parsed(md):
        if t.type != "inline":
            continue
        href: str | None = None
        parts: list[str] = []
        for c in t.children or []:
            if c.type == "link_open":
                href, parts = str(c.attrs.get("href", "")), []
            elif c.type == "link_close" and href is not None:
                out.append((href, "".join(parts)))
                href = None
            elif href is not None and c.type in ("text", "code_inline"):
                parts.append(c.content)
    return out


def raw_html(md: str) -> list[str]:
    """Raw HTML snippets in the text (they will be shown as text, not as markup)."""
    return [
        t.content.strip()
        for t in _parsed(md)
        if t.type in ("html_inline", "html_block") and t.content.strip()
    ]


# Rendering: raw HTML is escaped (html=False), links keep only safe schemes.
_RENDERER = _with_linkify(
    MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
)
SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:")


def to_html(md: str, top: int = 3) -> str:
    """Markdown -> HTML fragment; raw HTML is shown as text.

    Headings start at <h{top}> and never skip a level (a screen reader's list of headings, and
    axe-core's heading-order, expect that): the text's own levels keep their order, but a jump
    from `#` to `###` becomes one step, and a text that starts with `###` starts at `top`.
    """
    tokens = _RENDERER.parse(md)
    raw_levels = sorted({int(t.tag[1]) for t in _walk(tokens) if t.type == "heading_open"})
    rank = {level: i for i, level in enumerate(raw_levels)}
    previous = top - 1
    for t in _walk(tokens):
        if t.type == "image":
            # A picture in the text would skip consent, metadata stripping and the renditions,
            # and a remote one would track readers: it is shown as its alt text instead.
            t.type, t.tag, t.content, t.children = "text", "", _alt(t), None
            continue
        if t.type == "heading_open":
            previous = min(6, top + rank[int(t.tag[1])], previous + 1)
            t.tag = f"h{previous}"
        elif t.type == "heading_close":
            t.tag = f"h{previous}"
        if t.type == "link_open":
            href = str(t.attrs.get("href", ""))
            if not href.startswith(SAFE_SCHEMES):
                t.attrs.pop("href", None)
    return str(_RENDERER.renderer.render(tokens, _RENDERER.options, {}))


def _alt(image: Token) -> str:
    return "".join(c.content for c in image.children or [] if c.type == "text")


def images(md: str) -> list[str]:
    """Pictures written into the text (`![alt](src)`): their sources."""
    return [str(t.attrs.get("src", "")) for t in _parsed(md) if t.type == "image"]


def first_heading(md: str) -> tuple[str | None, str]:
    """(text of a leading `# heading`, the rest): an article's title and its body."""
    lines = md.lstrip().split("\n", 1)
    if lines and lines[0].startswith("# "):
        return lines[0][2:].strip(), (lines[1] if len(lines) > 1 else "")
    return None, md


def to_text(md: str, width: int = 72, links: list[str] | None = None) -> str:
    """Markdown -> readable plain text: wrapped paragraphs, "- " lists, links as [n].

    Link targets are appended to `links` (numbered from its current length + 1), so a whole
    email can list them once at the end of a section.
    """
    import textwrap

    links = links if links is not None else []
    out: list[str] = []
    prefix_stack: list[str] = []
    heading = False
    for t in _RENDERER.parse(md):
        if t.type == "heading_open":
            heading = True
        elif t.type == "heading_close":
            heading = False
        elif t.type in ("bullet_list_open", "ordered_list_open"):
            prefix_stack.append("- " if t.type == "bullet_list_open" else "1. ")
        elif t.type in ("bullet_list_close", "ordered_list_close"):
            prefix_stack.pop()
            out.append("")
        elif t.type == "inline":
            text = _inline_text(t.children or [], links)
            if heading:
                out.extend([text.upper() if len(text) < 60 else text, ""])
                continue
            indent = "  " * max(0, len(prefix_stack) - 1)
            first = indent + (prefix_stack[-1] if prefix_stack else "")
            rest = indent + (" " * len(prefix_stack[-1]) if prefix_stack else "")
            out.append(
                textwrap.fill(
                    text,
                    width,
                    initial_indent=first,
                    subsequent_indent=rest,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
            if not prefix_stack:
                out.append("")
    return "\n".join(out).strip() + "\n"


def _inline_text(children: list[Token], links: list[str]) -> str:
    parts: list[str] = []
    href: str | None = None
    for c in children:
        if c.type == "link_open":
            # an address written as plain text is shown as written, with no [n] after it
            href = None if c.markup == "linkify" else str(c.attrs.get("href", ""))
        elif c.type == "link_close" and href:
            label = parts[-1] if parts else ""
            if href.startswith("mailto:") and label.strip() == href[7:]:
                pass  # the address is the label: nothing to add
            elif href.startswith(SAFE_SCHEMES) and label.strip() != href:
                links.append(href)
                parts.append(f" [{len(links)}]")
            href = None
        elif c.type in ("text", "code_inline"):
            parts.append(c.content)
        elif c.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)
