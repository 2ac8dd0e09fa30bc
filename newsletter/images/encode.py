"""Encode renditions: email JPEGs at the lowest quality that still looks right, logos, print.

An email photo is a progressive 4:2:0 JPEG whose quality is searched per image: the lowest
quality whose SSIMULACRA2 score against the resized original reaches the target. The search
encodes baseline JPEGs (fast); the chosen quality is then encoded once more by libjpeg as a
progressive JPEG with optimal Huffman tables: the same quantisation tables and subsampling give
the same DCT coefficients, so the same pixels and score. (mozjpeg's lossless pass over the
baseline JPEG saved 1.3 % more bytes on the corpus but cost 3x the time: issue 17, goal 4.)
Every JPEG and PNG leaves here without metadata: no EXIF, XMP, IPTC, ICC or comment.
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image

from newsletter.images.ssimulacra2 import Ssimulacra2Reference

QUALITY_MIN = 30
QUALITY_MAX = 95
FIRST_GUESS = 75  # where most photos reach SSIMULACRA2 75 at 1200 px
DEFAULT_SLOPE = 0.6  # score points per quality step around the target, until measured
MAX_EVALUATIONS = 7
# Logos are flat colour and text. A 256-colour palette is used where it scores at least 85
# ("high"; side by side at 4x zoom no difference shows on the corpus logos, which score 89-93),
# on white and on black (dark mode); a JPEG only at 90 ("very high"): its ringing around
# lettering shows sooner than a palette's banding.
LOGO_PALETTE_MIN_SCORE = 85.0
LOGO_JPEG_TARGET = 90.0
LOGO_COLOURS = 256
# mozjpeg's default quantisation table (ImageMagick's, by Nicolas Robidoux), natural order, for
# luma and chroma alike as mozjpeg uses it. At the same SSIMULACRA2 it needs 3-18 % fewer bytes
# than libjpeg's Annex K tables on the corpus photos (Pillow's default).
_ROBIDOUX = (
    16, 16, 16, 18, 25, 37, 56, 85,
    16, 17, 20, 27, 34, 40, 53, 75,
    16, 20, 24, 31, 43, 62, 91, 135,
    18, 27, 31, 40, 53, 74, 106, 156,
    25, 34, 43, 53, 69, 94, 131, 189,
    37, 40, 62, 74, 94, 124, 169, 238,
    56, 53, 91, 106, 131, 169, 226, 311,
    85, 75, 135, 156, 189, 238, 311, 418,
)  # fmt: skip
# The JPEG markers a rendition may carry before its image data: no APPn but JFIF, no COM.
_KEEP_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC4, 0xDB, 0xDD, 0xE0})

Format = Literal["jpeg", "png"]


@dataclass(frozen=True)
class Encoded:
    """One encoded rendition and how it was chosen."""

    data: bytes
    format: Format
    width: int
    height: int
    quality: int | None = None
    score: float | None = None
    samples: Mapping[int, float] = field(default_factory=dict)  # quality -> score tried


def flatten(im: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGB (or L) without alpha, composited over `background`."""
    if im.mode in ("RGB", "L"):
        return im
    if im.mode in ("RGBA", "LA"):
        rgba = im.convert("RGBA")
        base = Image.new("RGBA", im.size, (*background, 255))
        base.alpha_composite(rgba)
        return base.convert("RGB")
    return im.convert("RGB")


def has_alpha(im: Image.Image) -> bool:
    """True when some pixel is not fully opaque."""
    if im.mode not in ("RGBA", "LA"):
        return False
    lo, _ = im.getchannel("A").getextrema()
    return bool(lo != 255)


def quantisation_tables(quality: int) -> list[list[int]]:
    """The luma and chroma tables for `quality`, scaled as libjpeg scales its own (1-100)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    table = [max(1, min(255, (v * scale + 50) // 100)) for v in _ROBIDOUX]
    return [table, table]


def jpeg(
    im: Image.Image, quality: int, *, subsampling: str = "4:2:0", progressive: bool = False
) -> bytes:
    """A JPEG of `im` (RGB or L) with nothing but the pixels, mozjpeg's tables.

    Baseline with the standard Huffman tables (fast, for the search), or progressive with
    optimal Huffman tables (for delivery); both decode to the same pixels.
    """
    out = io.BytesIO()
    tables = quantisation_tables(quality)[: 1 if im.mode == "L" else 2]
    extra = {"progressive": True, "optimize": True} if progressive else {}
    # comment=b"": Pillow would otherwise copy a JPEG comment the source carried.
    im.save(out, "JPEG", qtables=tables, subsampling=subsampling, comment=b"", **extra)
    return out.getvalue()


def final_jpeg(im: Image.Image, quality: int, *, subsampling: str = "4:2:0") -> bytes:
    """The delivered JPEG: progressive, optimal Huffman tables, no metadata marker at all."""
    return strip_jpeg_metadata(jpeg(im, quality, subsampling=subsampling, progressive=True))


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment before the image data."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    pos, out = 2, []
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError(f"bad marker at {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        out.append((marker, data[pos + 4 : pos + 2 + length]))
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        pos += 2 + length
    return out


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without APP1-APP15 and COM segments (EXIF, XMP, ICC, IPTC, comments)."""
    pos, parts = 2, [b"\xff\xd8"]
    while pos + 4 <= len(data):
        marker = data[pos + 1]
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker == 0xDA:
            parts.append(data[pos:])
            break
        segment = data[pos : pos + 2 + length]
        keep = marker in _KEEP_MARKERS or 0xC3 <= marker <= 0xCF
        if marker == 0xE0 and segment[4:9] != b"JFIF\x00":
            keep = False
        if keep:
            parts.append(segment)
        pos += 2 + length
    return b"".join(parts)


def _decode_rgb(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _next_quality(samples: Mapping[int, float], lo: int, hi: int | None, target: float) -> int:
    """The next quality to try between a failing `lo` and a passing `hi` (None: none yet)."""
    known = sorted(samples.items())
    slope = DEFAULT_SLOPE
    if len(known) >= 2:
        (q1, s1), (q2, s2) = known[0], known[-1]
        if q2 > q1 and s2 > s1:
            slope = (s2 - s1) / (q2 - q1)
    if hi is None:
        if lo not in samples:
            return FIRST_GUESS
        step = math.ceil((target - samples[lo]) / slope)
        return min(QUALITY_MAX, lo + max(1, step))
    if lo in samples and hi in samples and samples[hi] > samples[lo]:
        guess = lo + math.ceil((target - samples[lo]) * (hi - lo) / (samples[hi] - samples[lo]))
    else:
        guess = hi - math.floor((samples[hi] - target) / slope)
    return max(lo + 1, min(hi - 1, guess))


def search_quality(
    im: Image.Image,
    target: float,
    score: Callable[[Image.Image], float],
    *,
    known: Mapping[int, float] | None = None,
    subsampling: str = "4:2:0",
) -> tuple[int, float, bytes, dict[int, float]]:
    """Lowest quality whose score reaches `target`: (quality, score, baseline JPEG, samples).

    Scores rise with quality almost linearly near the target, so the search interpolates
    between the nearest failing and passing qualities: 2-4 encodes instead of 6-7.
    `known` are scores measured before for this picture (a budget pass starts from them).
    """
    samples: dict[int, float] = dict(known or {})
    encoded: dict[int, bytes] = {}

    def evaluate(q: int) -> float:
        encoded[q] = jpeg(im, q, subsampling=subsampling)
        if q not in samples:
            samples[q] = score(_decode_rgb(encoded[q]))
        return samples[q]

    passing = [q for q, s in samples.items() if s >= target]
    hi: int | None = min(passing) if passing else None
    lo = max(
        [q for q, s in samples.items() if s < target and (hi is None or q < hi)],
        default=QUALITY_MIN - 1,
    )
    for _ in range(MAX_EVALUATIONS):
        if hi is not None and hi - lo <= 1:
            break
        if hi is None and lo >= QUALITY_MAX:
            break
        q = _next_quality(samples, lo, hi, target)
        if evaluate(q) >= target:
            hi = q
        else:
            lo = q
    best = hi if hi is not None else QUALITY_MAX
    if best not in encoded:
        evaluate(best)
    return best, samples[best], encoded[best], samples


def email_photo(
    im: Image.Image, target: float, *, known: Mapping[int, float] | None = None
) -> Encoded:
    """The email JPEG of a photo: lowest quality scoring `target`, progressive, 4:2:0."""
    pixels = flatten(im)
    reference = Ssimulacra2Reference(pixels.convert("RGB"))
    q, s, _, samples = search_quality(pixels, target, reference.score, known=known)
    data = final_jpeg(pixels, q)
    return Encoded(data, "jpeg", im.width, im.height, q, round(s, 2), samples)


def fixed_quality_photo(im: Image.Image, quality: int) -> Encoded:
    """The email JPEG at a fixed quality (no search): for benchmarks and comparisons."""
    pixels = flatten(im)
    return Encoded(final_jpeg(pixels, quality), "jpeg", im.width, im.height, quality)


def png(im: Image.Image) -> bytes:
    """A PNG with the pixels only (no text chunks, no ICC, no EXIF)."""
    out = io.BytesIO()
    # icc_profile=None: Pillow would otherwise copy the source's profile from im.info.
    im.save(out, "PNG", optimize=True, icc_profile=None)
    return out.getvalue()


def _logo_score(reference: Image.Image, candidate: Image.Image) -> float:
    """The worse of the scores on a white and on a black background (dark mode)."""
    if min(reference.size) < 8:
        return 100.0 if reference.tobytes() == candidate.tobytes() else 0.0
    scores = []
    for bg in ((255, 255, 255), (0, 0, 0)) if has_alpha(reference) else ((255, 255, 255),):
        ref = flatten(reference, bg).convert("RGB")
        scores.append(float(Ssimulacra2Reference(ref).score(flatten(candidate, bg).convert("RGB"))))
    return min(scores)


def email_logo(im: Image.Image) -> Encoded:
    """The smallest of: lossless PNG, palette PNG, JPEG (opaque logos), each scoring high."""
    alpha = has_alpha(im)
    if not alpha and im.mode in ("RGBA", "LA"):
        im = im.convert("RGB" if im.mode == "RGBA" else "L")
    best = Encoded(png(im), "png", im.width, im.height, None, 100.0)
    # Fast octree: the only Pillow quantiser for RGBA, and on the corpus logos also the
    # smallest PNG at the highest score for RGB (median cut: 2x the bytes, lower scores).
    quantised = im.convert("RGBA" if alpha else "RGB").quantize(
        LOGO_COLOURS, method=Image.Quantize.FASTOCTREE
    )
    score = _logo_score(im, quantised.convert("RGBA" if alpha else "RGB"))
    if score >= LOGO_PALETTE_MIN_SCORE:
        data = png(quantised)
        if len(data) < len(best.data):
            best = Encoded(data, "png", im.width, im.height, None, round(score, 2))
    if not alpha and min(im.size) >= 8:
        ref = Ssimulacra2Reference(im.convert("RGB"))
        q, s, _, samples = search_quality(im, LOGO_JPEG_TARGET, ref.score, subsampling="4:4:4")
        data = final_jpeg(im, q, subsampling="4:4:4")
        if s >= LOGO_JPEG_TARGET and len(data) < len(best.data):
            best = Encoded(data, "jpeg", im.width, im.height, q, round(s, 2), samples)
    return best


def print_photo(im: Image.Image, quality: int) -> Encoded:
    """The print JPEG: baseline, 4:4:4, plain JFIF, so that the PDF embeds it byte for byte."""
    out = io.BytesIO()
    pixels = flatten(im)
    pixels.save(out, "JPEG", quality=quality, subsampling="4:4:4", optimize=True, comment=b"")
    return Encoded(strip_jpeg_metadata(out.getvalue()), "jpeg", im.width, im.height, quality)


def print_logo(im: Image.Image) -> Encoded:
    """The print logo: lossless PNG, transparency kept."""
    if not has_alpha(im) and im.mode in ("RGBA", "LA"):
        im = im.convert("RGB" if im.mode == "RGBA" else "L")
    return Encoded(png(im), "png", im.width, im.height)
