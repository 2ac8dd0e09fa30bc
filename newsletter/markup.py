"""Markdown as contributors write it: the visible text, the links, and any raw HTML."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

# html=True only for *finding* raw HTML; rendering (render.py) escapes it.
_PARSER = MarkdownIt("commonmark", {"html": True, "linkify": False})


def _walk(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for t in tokens:
        out.append(t)
        if t.children:
            out.extend(_walk(t.children))
    return out


def visible_text(md: str) -> str:
    """The text a reader sees: markup removed, paragraphs separated by one newline."""
    parts: list[str] = []
    for t in _walk(_PARSER.parse(md)):
        if t.type in ("text", "code_inline"):
            parts.append(t.content)
        elif t.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif t.type in ("paragraph_close", "heading_close", "code_block", "fence"):
            parts.append(t.content + "\n" if t.type in ("code_block", "fence") else "\n")
    return "".join(parts).strip()


def links(md: str) -> list[str]:
    """Every link target in the text, in order."""
    return [str(t.attrs.get("href", "")) for t in _walk(_PARSER.parse(md)) if t.type == "link_open"]


def raw_html(md: str) -> list[str]:
    """Raw HTML snippets in the text (they will be shown as text, not as markup)."""
    return [
        t.content.strip()
        for t in _walk(_PARSER.parse(md))
        if t.type in ("html_inline", "html_block") and t.content.strip()
    ]
