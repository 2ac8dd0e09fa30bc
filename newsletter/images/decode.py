"""Decode an upload safely into sRGB pixels at the size a rendition needs.

Format is judged by content (`probe`, shared with the rules), the byte and pixel limits come
from the settings, JPEGs shrink on load (`draft`), every resize is Lanczos on the image's own
mode (no RGB conversion first, except palette and 16-bit images, which cannot be resampled as
they are), and colour is converted to sRGB through the ICC profile after the resize, where it
is cheap. SVG logos are rasterised from a sanitised copy: no DTD, no entities, no scripts and no
reference to anything outside the file, so the renderer has nothing to fetch.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree as ET

import cairosvg.surface  # type: ignore[import-untyped]
import pillow_heif
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from PIL import Image, ImageCms, ImageFile

from newsletter.core.resources import ICC_DIR
from newsletter.intake.probe import (
    ANIMATED_FORMATS,
    FORMAT_NAMES,
    LOGO_FORMATS,
    PHOTO_FORMATS,
    ProbeError,
    probe,
)
from newsletter.texts.i18n import N_
from newsletter.texts.messages import words

log = logging.getLogger(__name__)

pillow_heif.register_heif_opener()

Role = Literal["photo", "logo"]

# CMYK without an embedded profile is read as printed on the German offset standard
# (FOGRA39, ISO 12647-2 coated paper). The first file found wins; see `press_profile()`.
PRESS_PROFILE_PATHS: tuple[Path, ...] = (
    ICC_DIR / "FOGRA39L_coated.icc",  # package data, built from Fogra data
    Path("/usr/share/color/icc/FOGRA39L_coated.icc"),
    Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),  # Debian libgs-common (SWOP)
)
# EXIF orientation -> the transposition that shows the picture upright.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTED_FORMATS = frozenset({"JPEG", "TIFF", "WEBP"})  # as probe.py reads them
# An SVG logo whose elements, with every <use> expanded, exceed this is a bomb, not a logo.
SVG_MAX_EXPANDED_ELEMENTS = 50_000
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_SAFE_DATA_URI = re.compile(r"data:image/(png|jpeg|gif|webp);", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"@import[^;]*;?", re.IGNORECASE)
_DROPPED_SVG_TAGS = frozenset({"script", "foreignObject", "iframe", "object", "embed"})
_REFERRING_SVG_TAGS = frozenset({"image", "use", "feImage", "font-face-uri", "tref"})

ET.register_namespace("", _SVG_NS)
ET.register_namespace("xlink", _XLINK_NS)


class ImageProblem(Exception):
    """An image that cannot be rendered: a message code and its parameters."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Loaded:
    """A decoded upload: pixels (shrunk on load, stored orientation) or sanitised SVG text."""

    format: str  # probe's name: JPEG, PNG, WEBP, HEIF, TIFF, SVG
    width: int  # the original's displayed size (EXIF orientation applied)
    height: int
    file_bytes: int
    frames: int = 1
    image: Image.Image | None = None
    orientation: int = 1
    icc: bytes | None = None
    svg: bytes | None = None
    svg_external: tuple[str, ...] = ()

    @property
    def animated(self) -> bool:
        """More than one frame, of a format where frames are an animation."""
        return self.frames > 1 and self.format in ANIMATED_FORMATS


@contextlib.contextmanager
def _strict_decoding(limit: int) -> Iterator[None]:
    # Two process-wide Pillow settings, set for the decode and restored at once:
    # - the bomb check is set for 89 MP; ours is the configured limit, so that 200 MP phone
    #   photos pass;
    # - WeasyPrint, once imported, sets LOAD_TRUNCATED_IMAGES = True for every user of
    #   Pillow in the process; a cut-off upload must fail here, not turn grey at the bottom.
    saved = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
    Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = limit, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = saved


def load_image(
    path: Path, role: Role, *, max_bytes: int, max_pixels: int, largest_width: int
) -> Loaded:
    """Decode `path` for renditions up to `largest_width` px wide; raise ImageProblem."""
    size = path.stat().st_size
    if size > max_bytes:
        raise ImageProblem("IMAGE_TOO_MANY_BYTES", size_bytes=size, limit_bytes=max_bytes)
    try:
        info = probe(path)
    except ProbeError as exc:
        raise ImageProblem(exc.code, detail=exc.detail, **exc.params) from None
    allowed = PHOTO_FORMATS if role == "photo" else LOGO_FORMATS
    if info.format not in allowed:
        raise ImageProblem(
            "IMAGE_FORMAT",
            actual=FORMAT_NAMES.get(info.format, info.format),
            allowed=", ".join(FORMAT_NAMES[f] for f in sorted(allowed)),
        )
    _check_pixels(info.width, info.height, max_pixels)
    if info.format == "SVG":
        return Loaded(
            "SVG",
            info.width,
            info.height,
            size,
            svg=sanitise_svg(path.read_bytes()),
            svg_external=info.svg_external,
        )
    return _load_raster(path, info.format, size, max_pixels, largest_width)


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    """IMAGE_TOO_MANY_PIXELS above `max_pixels` (a decompression bomb, or just too large)."""
    if width * height > max_pixels:
        raise ImageProblem(
            "IMAGE_TOO_MANY_PIXELS",
            width=width,
            height=height,
            mp=round(width * height / 1e6, 1),
            limit=round(max_pixels / 1e6),
        )


def _load_raster(path: Path, fmt: str, size: int, max_pixels: int, largest: int) -> Loaded:
    formats = ["JPEG", "MPO"] if fmt == "JPEG" else [fmt]
    with _strict_decoding(max_pixels):
        return _decode(path, fmt, formats, size, max_pixels, largest)


def _decode(
    path: Path, fmt: str, formats: list[str], size: int, max_pixels: int, largest: int
) -> Loaded:
    try:
        im: Image.Image = Image.open(path, formats=formats)
        _check_pixels(im.width, im.height, max_pixels)  # the header may differ from probe's
        frames = int(getattr(im, "n_frames", 1))
        if frames > 1:
            im.seek(0)
        orientation = 1
        if fmt in _ORIENTED_FORMATS:
            with contextlib.suppress(Exception):
                orientation = int(im.getexif().get(0x0112, 1))
        if orientation not in _TRANSPOSE:
            orientation = 1
        width, height = im.size
        if fmt == "JPEG":
            # Decode at 1/2, 1/4 or 1/8 while at least twice the largest rendition remains,
            # leaving the Lanczos step a real reduction (as libvips does).
            if orientation in (5, 6, 7, 8):
                want = (max(1, round(2 * largest * width / height)), 2 * largest)
            else:
                want = (2 * largest, max(1, round(2 * largest * height / width)))
            im.draft(im.mode, want)
        icc = im.info.get("icc_profile") or None
        im.load()
        if frames > 1:  # detach the first frame: a multi-frame file keeps its handle open
            first = im.copy()
            im.close()
            im = first
    except ImageProblem:
        raise
    except Image.DecompressionBombError:
        raise ImageProblem(
            "IMAGE_TOO_MANY_PIXELS", width=0, height=0, mp=0, limit=round(max_pixels / 1e6)
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
        text = str(exc) or type(exc).__name__
        if "truncated" in text.lower() or isinstance(exc, EOFError):
            raise ImageProblem("IMAGE_TRUNCATED") from None
        raise ImageProblem("IMAGE_UNREADABLE", detail=text[:100]) from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return Loaded(
        fmt,
        width,
        height,
        size,
        frames=frames,
        image=im,
        orientation=orientation,
        icc=icc if isinstance(icc, bytes) else None,
    )


def pixels_at(loaded: Loaded, width: int) -> Image.Image:
    """The picture `width` px wide (never wider than the original), upright, sRGB, 8-bit."""
    if loaded.svg is not None:
        return rasterise_svg(loaded.svg, width)
    assert loaded.image is not None
    w = min(width, loaded.width)
    h = max(1, round(loaded.height * w / loaded.width))
    rotated = loaded.orientation in (5, 6, 7, 8)
    stored = (h, w) if rotated else (w, h)
    im = _resamplable(loaded.image)
    if im.size != stored:
        gap = 3.0 if im.width >= 3 * stored[0] else None
        im = im.resize(stored, Image.Resampling.LANCZOS, reducing_gap=gap)
    im = _eight_bit(im)
    if loaded.orientation in _TRANSPOSE:
        im = im.transpose(_TRANSPOSE[loaded.orientation])
    im = to_srgb(im, loaded.icc)
    if im is loaded.image:
        im = im.copy()
    im.info = {}  # nothing of the upload's metadata travels further
    return im


def _resamplable(im: Image.Image) -> Image.Image:
    """A mode Lanczos can resample without losing what the image holds."""
    mode = im.mode
    if mode in ("RGB", "RGBA", "L", "LA", "CMYK", "F"):
        return im
    if mode in ("P", "PA"):
        has_alpha = (
            "transparency" in im.info
            or mode == "PA"
            or (im.palette is not None and im.palette.mode == "RGBA")
        )
        return im.convert("RGBA" if has_alpha else "RGB")
    if mode == "1":
        return im.convert("L")
    if mode.startswith("I;16") or mode == "I":
        return im.convert("F")  # 16-bit kept through the resize, scaled down after it
    if mode == "La":
        return im.convert("LA")
    if mode in ("RGBa", "RGBX", "YCbCr", "LAB", "HSV"):
        return im.convert("RGBA" if mode == "RGBa" else "RGB")
    return im.convert("RGB")


def _eight_bit(im: Image.Image) -> Image.Image:
    """16-bit (held as float) scaled to 8 bits with rounding; Pillow's convert would clip."""
    if im.mode != "F":
        return im
    _, hi = im.getextrema()
    scale = 1 / 257 if isinstance(hi, float) and hi > 255.5 else 1.0
    return im.point(lambda v: v * scale + 0.5).convert("L")


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@functools.cache
def press_profile() -> ImageCms.ImageCmsProfile:
    """The CMYK profile for CMYK images without one (FOGRA39 if installed)."""
    for path in PRESS_PROFILE_PATHS:
        if path.is_file():
            log.debug("press profile %s", path)
            return ImageCms.getOpenProfile(str(path))
    raise FileNotFoundError("no CMYK press profile: " + ", ".join(map(str, PRESS_PROFILE_PATHS)))


@functools.lru_cache(maxsize=16)
def _transform(icc_sha: str, icc: bytes | None, mode: str) -> ImageCms.ImageCmsTransform | None:
    source = press_profile() if icc is None else ImageCms.ImageCmsProfile(io.BytesIO(icc))
    if icc is not None and "srgb" in ImageCms.getProfileDescription(source).lower():
        return None  # already sRGB: a transform would only add rounding
    out_mode = "RGB" if mode == "CMYK" else mode
    return ImageCms.buildTransform(
        source, _srgb(), mode, out_mode, renderingIntent=ImageCms.Intent.PERCEPTUAL
    )


def to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert CMYK and profiled RGB to sRGB through ImageCms (perceptual intent)."""
    if im.mode not in ("CMYK", "RGB", "RGBA") or (icc is None and im.mode != "CMYK"):
        return im
    transform: ImageCms.ImageCmsTransform | None = None
    try:
        sha = hashlib.sha256(icc).hexdigest() if icc else "press"
        transform = _transform(sha, icc, im.mode)
    except (OSError, ImageCms.PyCMSError) as exc:
        log.warning("unusable ICC profile (%s)", exc)
        if im.mode == "CMYK" and icc is not None:
            with contextlib.suppress(OSError, ImageCms.PyCMSError):
                transform = _transform("press", None, "CMYK")
    if transform is not None:
        return ImageCms.applyTransform(im, transform) or im
    # An RGB picture with a broken profile is shown as sRGB; CMYK without any usable profile
    # (none installed) falls back to Pillow's formula, far off but still a picture.
    return im.convert("RGB") if im.mode == "CMYK" else im


# --- SVG ---------------------------------------------------------------------------------------


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _internal(href: str) -> bool:
    return href.startswith("#") or _SAFE_DATA_URI.match(href) is not None


def _clean_css(text: str) -> str:
    text = _CSS_IMPORT.sub("", text)
    return _CSS_URL.sub(lambda m: m.group(0) if m.group(2).startswith("#") else "none", text)


def sanitise_svg(data: bytes) -> bytes:
    """The SVG without DTD, scripts, event handlers or references outside the file."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ImageProblem(
            "SVG_UNSAFE",
            detail="entities",
            **words("thing", N_("XML-Entitäten (DOCTYPE)")),
        ) from None
    except ET.ParseError as exc:
        raise ImageProblem("SVG_INVALID", detail=str(exc)[:100]) from None
    if _local(root.tag) != "svg":
        raise ImageProblem("SVG_INVALID", detail=f"<{_local(root.tag)}>")
    ids: dict[str, ET.Element] = {}
    for parent in list(root.iter()):
        for child in list(parent):
            tag = _local(child.tag)
            href = next((v for k, v in child.attrib.items() if _local(k) == "href"), None)
            external = href is not None and not _internal(href)
            if tag in _DROPPED_SVG_TAGS or (external and tag in _REFERRING_SVG_TAGS):
                parent.remove(child)
    for el in root.iter():
        for key, value in list(el.attrib.items()):
            name = _local(key)
            if name.lower().startswith("on") or (name == "href" and not _internal(value)):
                del el.attrib[key]
            elif name == "style" or "url(" in value.lower():
                el.attrib[key] = _clean_css(value)
            elif name == "id":
                ids[value] = el
        if _local(el.tag) == "style" and el.text:
            el.text = _clean_css(el.text)
    if _expanded_size(root, ids) > SVG_MAX_EXPANDED_ELEMENTS:
        raise ImageProblem(
            "SVG_UNSAFE",
            detail="use",
            **words("thing", N_("zu viele verschachtelte <use>")),
        )
    return bytes(ET.tostring(root, encoding="utf-8"))


def _expanded_size(root: ET.Element, ids: dict[str, ET.Element]) -> int:
    """Elements drawn, with every <use> expanded (a 'billion laughs' made of <use>)."""
    memo: dict[int, int] = {}

    def size(el: ET.Element, depth: int) -> int:
        key = id(el)
        if key in memo:
            return memo[key]
        if depth > 50:
            return SVG_MAX_EXPANDED_ELEMENTS + 1
        total = 1 + sum(size(child, depth + 1) for child in el)
        if _local(el.tag) == "use":
            ref = next((v for k, v in el.attrib.items() if _local(k) == "href"), "")
            target = ids.get(ref[1:]) if ref.startswith("#") else None
            if target is not None:
                total += size(target, depth + 1)
        memo[key] = min(total, SVG_MAX_EXPANDED_ELEMENTS + 1)
        return memo[key]

    return size(root, 0)


def _fetch_nothing(url: str, resource_type: str) -> bytes:
    # Belt and braces: the sanitised file references nothing outside itself; should the
    # renderer still ask, only an inline data: image is answered.
    if _SAFE_DATA_URI.match(url):
        from urllib.request import urlopen

        with urlopen(url) as fh:  # a data: URL is decoded locally
            return bytes(fh.read())
    log.warning("SVG renderer asked for %s; refused", url[:80])
    return b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


def rasterise_svg(svg: bytes, width: int) -> Image.Image:
    """Render sanitised SVG text `width` px wide as RGBA."""
    try:
        png = cairosvg.surface.PNGSurface.convert(
            bytestring=svg, output_width=width, unsafe=False, url_fetcher=_fetch_nothing
        )
    except Exception as exc:  # cairosvg raises anything from ValueError to KeyError
        raise ImageProblem("SVG_INVALID", detail=str(exc)[:100] or type(exc).__name__) from None
    with Image.open(io.BytesIO(png), formats=["PNG"]) as decoded:
        out = decoded.convert("RGBA")
    out.info = {}
    return out
