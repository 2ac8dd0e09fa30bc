"""Read what `check` needs of an image from its header, without decoding pixels.

Format is judged by content (magic bytes and Pillow's parsers), never by the file name. The
full decode belongs to the image pipeline; here it must stay fast: `check` on a 30-submission
issue with 60 photos reads a few kilobytes per file.
"""

from __future__ import annotations

import contextlib
import functools
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from PIL import Image, UnidentifiedImageError

from newsletter.texts.i18n import N_
from newsletter.texts.messages import both, words

PHOTO_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "HEIF", "TIFF"})
LOGO_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "SVG"})
FORMAT_NAMES = {
    "JPEG": "JPEG",
    "PNG": "PNG",
    "WEBP": "WebP",
    "HEIF": "HEIC/HEIF",
    "TIFF": "TIFF",
    "SVG": "SVG",
    "GIF": "GIF",
    "BMP": "BMP",
    "PDF": "PDF",
}
ANIMATED_FORMATS = frozenset({"GIF", "PNG", "WEBP", "TIFF"})
_ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


class ProbeError(Exception):
    """The file is not a usable image: a message code and a detail for the parameters."""

    def __init__(self, code: str, detail: str = "", **params: Any) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail
        self.params = params


@dataclass(frozen=True)
class ImageInfo:
    """What the header says: format, displayed size (EXIF orientation applied), frames."""

    format: str
    width: int
    height: int
    bytes: int
    frames: int = 1
    svg_external: tuple[str, ...] = field(default=())


@functools.cache
def _heif_opener() -> None:
    """Teach Pillow HEIC/HEIF (pillow_heif) the first time a file may be one: most issues have
    none, and importing the library takes a noticeable part of `check`'s start. (Pillow's own
    AVIF plugin, if listed first, also claims some of these files, but gives them up.)"""
    import pillow_heif

    pillow_heif.register_heif_opener()


@contextlib.contextmanager
def _no_bomb_check() -> Iterator[None]:
    # Opening reads only the header; the pixel limit is compared by the caller, with its own
    # configured number, so that a 200 MP phone photo passes and a bomb gets a clear message.
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _truncated(path: Path, fmt: str, size: int) -> bool:
    """True when a JPEG has no end marker or a PNG no IEND chunk: an upload cut off."""
    if fmt not in ("JPEG", "PNG"):
        return False
    with path.open("rb") as fh:
        fh.seek(max(0, size - 8192))
        tail = fh.read()
    if fmt == "JPEG":
        # 0xFF 0xD9 cannot occur inside entropy-coded data (0xFF is stuffed), so its absence
        # near the end means the file stops before the image does.
        return b"\xff\xd9" not in tail
    return b"IEND" not in tail[-64:]


def probe(path: Path) -> ImageInfo:
    """Read an image's header; raise ProbeError for what cannot be an accepted image."""
    size = path.stat().st_size
    if size == 0:
        raise ProbeError("IMAGE_EMPTY")
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and b"<svg" in head:
        return _probe_svg(path, size)
    if head[4:8] == b"ftyp":  # an ISO media file (HEIC, AVIF, MP4): pillow_heif's to judge
        _heif_opener()
    try:
        with _no_bomb_check(), Image.open(path) as img:
            fmt = "JPEG" if img.format == "MPO" else str(img.format)
            width, height = img.size
            # MPO (a phone JPEG with a depth map or gain map) has extra frames that are no
            # animation; only these formats animate
            frames = int(getattr(img, "n_frames", 1)) if fmt in ANIMATED_FORMATS else 1
            orientation = 1
            if fmt in ("JPEG", "TIFF", "WEBP"):
                with contextlib.suppress(Exception):
                    orientation = int(img.getexif().get(0x0112, 1))
    except UnidentifiedImageError:
        if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):  # an image, but damaged
            raise ProbeError("IMAGE_UNREADABLE", "header") from None
        raise ProbeError("IMAGE_FORMAT", actual=_guess_kind(head)) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ProbeError("IMAGE_UNREADABLE", str(exc) or type(exc).__name__) from None
    if orientation in _ROTATED:
        width, height = height, width
    if _truncated(path, fmt, size):
        raise ProbeError("IMAGE_TRUNCATED")
    return ImageInfo(fmt, width, height, size, frames)


def _guess_kind(head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "PDF"
    if head[:4] == b"PK\x03\x04":
        return "ZIP/Office"
    return "?"


_UNSAFE_TAGS = {"script", "foreignObject"}
# An SVG <style> that loads something (CSS @import or url()); described in words by
# `external_words`, since "CSS @import/url()" means nothing to a volunteer.
STYLE_REFERENCE = "<style> @import/url()"


def external_words(refs: tuple[str, ...]) -> tuple[str, str]:
    """The external references of an SVG as German and English text (at most 120 chars)."""
    de, en = both(N_("Schriften oder Bilder außerhalb der Datei"))
    shown = [(de, en) if r == STYLE_REFERENCE else (r, r) for r in refs]
    return ", ".join(d for d, _ in shown)[:120], ", ".join(e for _, e in shown)[:120]


def _probe_svg(path: Path, size: int) -> ImageInfo:
    """Parse an SVG safely: no DTD or entities, no script; list external references."""
    try:
        root = SafeET.fromstring(
            path.read_bytes(), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException:
        raise ProbeError(
            "SVG_UNSAFE",
            "entities",
            **words("thing", N_("XML-Entitäten (DOCTYPE)")),
        ) from None
    except SafeET.ParseError as exc:
        raise ProbeError("SVG_INVALID", str(exc)) from None
    external: list[str] = []
    for el in root.iter():
        tag = str(el.tag).rsplit("}", 1)[-1]
        if tag in _UNSAFE_TAGS:
            raise ProbeError("SVG_UNSAFE", tag, thing=f"<{tag}>")
        for key, value in el.attrib.items():
            name = key.rsplit("}", 1)[-1]
            if name.lower().startswith("on") or "javascript:" in value.lower():
                raise ProbeError("SVG_UNSAFE", name, **words("thing", N_("Skripte")))
            if name == "href" and not value.startswith(("#", "data:")):
                external.append(value)
        if tag == "style" and el.text and ("@import" in el.text or "url(" in el.text):
            external.append(STYLE_REFERENCE)
    width, height = _svg_size(root.attrib)
    return ImageInfo("SVG", width, height, size, svg_external=tuple(external))


def _svg_size(attrib: dict[str, str]) -> tuple[int, int]:
    def number(value: str | None) -> float | None:
        m = re.match(r"\s*([0-9.]+)\s*(px)?\s*$", value or "")
        return float(m.group(1)) if m else None

    w, h = number(attrib.get("width")), number(attrib.get("height"))
    if (w is None or h is None) and attrib.get("viewBox"):
        parts = re.split(r"[\s,]+", attrib["viewBox"].strip())
        if len(parts) == 4:
            with contextlib.suppress(ValueError):
                w, h = float(parts[2]), float(parts[3])
    return round(w or 0), round(h or 0)
