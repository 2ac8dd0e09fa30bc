"""Whether a logo needs a light plate behind it in dark mode, decided from its pixels.

A logo with a transparent background shows the page behind it. On the email's dark card
(#1f262e) dark lettering then all but disappears. The email gives such a logo a white plate
in dark mode only; a logo with its own opaque background, or light lettering, is left alone.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PIL import Image

log = logging.getLogger(__name__)

DARK_CARD = (0x1F, 0x26, 0x2E)  # the email's card colour in dark mode
MIN_CONTRAST = 3.0  # WCAG's ratio for graphics: below it a pixel is "lost" on the dark card
TRANSPARENT_SHARE = 0.05  # less transparency than this: the logo brings its own background
LOST_SHARE = 0.25  # more of the visible pixels lost than this: the logo needs a plate
SAMPLE = 128  # the decision needs the shape, not every pixel


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two sRGB colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def needs_light_plate(path: Path) -> bool:
    """True if the picture is partly transparent and its visible pixels vanish on dark."""
    try:
        with Image.open(path) as im:
            if "A" not in im.getbands() and "transparency" not in im.info:
                return False
            small = im.convert("RGBA")
    except (OSError, ValueError) as exc:  # a rendition we made ourselves; be safe, not sorry
        log.warning("logo %s: not judged for dark mode (%s)", path, exc)
        return False
    small.thumbnail((SAMPLE, SAMPLE))
    data = small.tobytes()
    pixels = [data[i : i + 4] for i in range(0, len(data), 4)]
    visible = [(px[0], px[1], px[2]) for px in pixels if px[3] >= 128]
    if not pixels or len(visible) > (1 - TRANSPARENT_SHARE) * len(pixels):
        return False
    if not visible:
        return False
    lost = sum(1 for px in visible if contrast(px, DARK_CARD) < MIN_CONTRAST)
    return lost > LOST_SHARE * len(visible)
