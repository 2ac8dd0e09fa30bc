"""Text as contributors send it: any encoding Windows writes, CRLF, a BOM, or a Word file."""

from __future__ import annotations

import zipfile
from pathlib import Path

# A .docx is a zip: refuse one that unpacks to more than this (a zip bomb), before parsing.
DOCX_MAX_UNPACKED = 50_000_000


class DocxError(Exception):
    """A Word file that cannot be read."""


def decode(data: bytes) -> tuple[str, bool]:
    """Bytes -> text with LF line ends; True if it was not UTF-8 and read as Windows-1252."""
    guessed = False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; map them through Latin-1 rather than fail.
        text = data.decode("cp1252", errors="replace")
        guessed = True
    return text.replace("\r\n", "\n").replace("\r", "\n"), guessed


def docx_to_markdown(path: Path) -> str:
    """The text of a Word file as Markdown: paragraphs, headings, lists, bold and italic."""
    try:
        with zipfile.ZipFile(path) as zf:
            if sum(i.file_size for i in zf.infolist()) > DOCX_MAX_UNPACKED:
                raise DocxError("zu groß entpackt / unpacks too large")
    except zipfile.BadZipFile:
        raise DocxError("keine .docx-Datei / not a .docx file") from None
    import docx  # imported here: lxml is slow to import and few submissions use Word

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds; all mean "unreadable"
        raise DocxError(type(exc).__name__) from None
    blocks: list[str] = []
    for para in document.paragraphs:
        parts = []
        for run in para.runs:
            t = run.text
            if not t.strip():
                parts.append(t)
                continue
            if run.bold:
                t = f"**{t.strip()}** " if t.endswith(" ") else f"**{t.strip()}**"
            elif run.italic:
                t = f"*{t.strip()}* " if t.endswith(" ") else f"*{t.strip()}*"
            parts.append(t)
        line = "".join(parts).strip()
        if not line:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        if style.startswith(("Heading", "Überschrift")):
            line = "## " + line
        elif style.startswith(("List", "Listenabsatz", "Aufzählung")):
            line = "- " + line
        blocks.append(line)
    # consecutive list items form one list; everything else is its own paragraph
    out: list[str] = []
    for b in blocks:
        if out and b.startswith("- ") and out[-1].startswith("- "):
            out[-1] += "\n" + b
        else:
            out.append(b)
    return "\n\n".join(out)
