"""CSV files as editors have them (Excel's encodings, delimiters and header spellings).

Shared by the subscriber import (subscriber_csv.py) and the organisation register
(organisations_csv.py): each names its own columns; this module finds the encoding, the
delimiter, the header row and which column is which.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from newsletter.core.errors import NewsletterError

MAX_CSV_BYTES = 20_000_000
DELIMITERS = (";", ",", "\t")
FORMULA_START = ("=", "+", "-", "@")  # spreadsheets run such cells as formulas


def norm_header(text: str) -> str:
    """A header compared without case, spaces, hyphens and umlauts: `E-Mail` → `email`."""
    text = text.strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[^a-z0-9]", "", text)


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else Windows-1252."""
    candidates: tuple[str, ...] = ("utf-8", "cp1252")
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise NewsletterError("SUBSCRIBERS_CSV_ENCODING", path, {"path": path})


def split_line(line: str, delimiter: str) -> list[str]:
    """The cells of one line."""
    return next(csv.reader([line], delimiter=delimiter), [])


def unformula(cell: str) -> str:
    """Undo the apostrophe an export puts before cells a spreadsheet would run as formulas."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_START else cell


def guard_formula(cell: str) -> str:
    """An apostrophe before a cell a spreadsheet would run as a formula (undone on import)."""
    return f"'{cell}" if cell.startswith(FORMULA_START) else cell


def read_text(path: Path) -> tuple[str, str]:
    """The file's text and encoding; NewsletterError if missing, too large or undecodable."""
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise NewsletterError(
                "FILE_TOO_LARGE", path, {"size_bytes": size, "limit_bytes": MAX_CSV_BYTES}
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise NewsletterError("SUBSCRIBERS_CSV_NOT_FOUND", path, {"path": path}) from None
    except OSError as exc:
        raise NewsletterError("FILE_UNREADABLE", path, {"detail": exc.strerror or exc}) from None
    return decode(data, path)


@dataclass(frozen=True, slots=True)
class Sheet:
    """A CSV text split up: delimiter, header cells (if the first row is a header), offset."""

    path: Path
    text: str
    delimiter: str
    first: list[str]
    is_header: bool
    offset: int  # 1 when Excel's `sep=` line came first

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number as an editor counts it, cells) for every row after the header."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        if self.is_header:
            next(reader)
        previous = reader.line_num
        try:
            for raw in reader:
                line, previous = previous + 1 + self.offset, reader.line_num
                yield line, raw
        except csv.Error as exc:
            raise NewsletterError(
                "SUBSCRIBERS_CSV_SYNTAX",
                self.path,
                {"path": self.path, "line": previous + 1 + self.offset, "detail": exc},
            ) from None


def sheet(text: str, headers: Mapping[str, str], path: Path) -> Sheet:
    """Find the delimiter (Excel's `sep=` hint or the one whose cells are known headers)."""
    offset = 0
    forced = re.match(r"sep=(.)\r?(\n|$)", text)  # Excel's delimiter hint line
    if forced:
        text, offset = text[forced.end() :], 1
    if not text.strip():
        raise NewsletterError("SUBSCRIBERS_CSV_EMPTY", path, {"path": path})
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if forced:
        delimiter = forced.group(1)
        first = split_line(first_line, delimiter)
        is_header = any(norm_header(c) in headers for c in first)
        return Sheet(path, text, delimiter, first, is_header, offset)
    scores = [
        (sum(norm_header(c) in headers for c in split_line(first_line, d)), -i, d)
        for i, d in enumerate(DELIMITERS)
    ]
    score, _, delimiter = max(scores)
    if score == 0:  # no header: a bare list, the delimiter that occurs most
        delimiter = max(DELIMITERS, key=lambda d: (first_line.count(d), -DELIMITERS.index(d)))
    return Sheet(path, text, delimiter, split_line(first_line, delimiter), score > 0, offset)
