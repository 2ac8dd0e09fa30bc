"""jpegli (`pyjpegli`) against today's email encoder at equal SSIMULACRA2 (issue 17, goal 3).

    PYTHONPATH=DIR_WITH_PYJPEGLI .venv/bin/python bench/jpegli.py

pyjpegli is not a dependency: install it anywhere outside the venv (`pip install --target DIR
pyjpegli`) and put DIR on PYTHONPATH. For every corpus photo at the email width (1200 px):
- ours: `email_photo` (lowest quality with SSIMULACRA2 >= the target, mozjpeg's tables,
  progressive with optimal Huffman tables), as a build makes it;
- jpegli: the lowest jpegli quality whose SSIMULACRA2 reaches the same target (bisection).
Printed: bytes and score of each, and the total saving (adopt only at >= 10 %).
"""

from __future__ import annotations

import io
import sys
from typing import Any

from _common import corpus
from PIL import Image

from newsletter.core.config import ImageSettings
from newsletter.images.decode import load_image, pixels_at
from newsletter.images.encode import email_photo
from newsletter.images.ssimulacra2 import Ssimulacra2Reference

TARGET = ImageSettings.model_validate({}).ssimulacra2_target


def jpegli_at_target(pyjpegli: Any, px: Image.Image) -> tuple[int, float, bytes]:
    """The lowest jpegli quality whose SSIMULACRA2 reaches the target: (quality, score, bytes)."""
    reference = Ssimulacra2Reference(px)
    cache: dict[int, tuple[float, bytes]] = {}

    def at(q: int) -> tuple[float, bytes]:
        if q not in cache:
            data = pyjpegli.encode(px.tobytes(), px.width, px.height, quality=q)
            cache[q] = (reference.score(Image.open(io.BytesIO(data)).convert("RGB")), data)
        return cache[q]

    lo, hi = 20, 98  # lo fails (or is the floor), hi passes
    if at(hi)[0] < TARGET:
        lo = hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if at(mid)[0] >= TARGET:
            hi = mid
        else:
            lo = mid
    return hi, *at(hi)


def main() -> int:
    try:
        import pyjpegli  # type: ignore[import-not-found]
    except ImportError:
        print("pyjpegli not importable (see the docstring): no comparison", file=sys.stderr)
        return 2
    print(f"pyjpegli {pyjpegli.__version__}; target SSIMULACRA2 {TARGET:g}, 1200 px")
    print(
        f"{'photo':<28} {'ours B':>9} {'q':>3} {'score':>6} {'jpegli B':>9} {'q':>3} {'score':>6}"
    )
    ours_total = theirs_total = 0
    for path in sorted((corpus() / "photos").iterdir()):
        loaded = load_image(
            path, "photo", max_bytes=40_000_000, max_pixels=250_000_000, largest_width=1200
        )
        px = pixels_at(loaded, 1200).convert("RGB")
        ours = email_photo(px, TARGET)
        hi, score, data = jpegli_at_target(pyjpegli, px)
        ours_total += len(ours.data)
        theirs_total += len(data)
        print(
            f"{path.name:<28} {len(ours.data):9,} {ours.quality:3} {ours.score:6.1f} "
            f"{len(data):9,} {hi:3} {score:6.1f}"
        )
    saving = 1 - theirs_total / ours_total
    print(
        f"total: ours {ours_total:,} B, jpegli {theirs_total:,} B: jpegli saves {saving:.1%}"
        f" (adopt at >= 10 %: {'yes' if saving >= 0.10 else 'no'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
