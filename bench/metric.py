"""Benchmark newsletter.images.ssimulacra2 against the PyPI package ssimulacra2 (pure Python).

    .venv/bin/python bench/metric.py [--repeat 7] [--baseline-repeat 3]

Four large corpus photos (corpus at $NEWSLETTER_CORPUS, default ../shared/corpus next to the
repository) are resized to 1200 px wide (Lanczos) and JPEG-encoded at quality 70. Timed per
photo, in this process and in the same run:
- baseline: `ssimulacra2.compute_ssimulacra2` from PyPI, if importable. Its API takes file
  names, so its time includes decoding two PNGs (a few per cent of it);
- `ssimulacra2(original, jpeg)`: a plain call, reference side computed fresh;
- `Ssimulacra2Reference(original)` once, then `.score(jpeg)`: what the quality search does.
Printed: median seconds per call and the ratio of each to the baseline, and the scores (the
PyPI port blurs differently from libjxl, so its scores differ by a few tenths).
Goal: at most 0.12 s per plain call at 1200 px.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import io
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import cast

import numpy as np
from _common import corpus, median_seconds
from PIL import Image

from newsletter.images.ssimulacra2 import Ssimulacra2Reference, ssimulacra2

PHOTOS = ["dandelions_seeding.jpg", "dragonfly_plant.jpg", "nuthatch_tree.jpg", "sunset_hills.jpg"]
WIDTH = 1200
QUALITY = 70
GOAL_SECONDS = 0.12


def baseline() -> Callable[[str, str], float] | None:
    """The PyPI package's compute_ssimulacra2(original_path, distorted_path), if installed."""
    try:
        module = importlib.import_module("ssimulacra2")
    except ImportError:
        return None
    return cast(Callable[[str, str], float], module.compute_ssimulacra2)


def prepare(path: Path) -> tuple[Image.Image, Image.Image]:
    """The photo at 1200 px wide and its quality-70 JPEG, both decoded to RGB."""
    with Image.open(path) as im:
        original = im.convert("RGB")
    height = round(original.height * WIDTH / original.width)
    original = original.resize((WIDTH, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    original.save(out, "JPEG", quality=QUALITY)
    out.seek(0)
    with Image.open(out) as im:
        return original, im.convert("RGB")


def seconds(t: float | None) -> str:
    """A time for the table, or a dash."""
    return f"{t:7.3f}" if t is not None else f"{'-':>7}"


def timing(t: float, base: float | None) -> str:
    """A time and its ratio to the baseline's."""
    return f"{t:7.3f} ({t / base:6.3f}x)" if base else f"{t:7.3f} {'':9}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=7, help="timed calls of this module, per photo")
    ap.add_argument("--baseline-repeat", type=int, default=3, help="timed calls of the baseline")
    args = ap.parse_args()
    folder = corpus() / "photos"
    missing = [name for name in PHOTOS if not (folder / name).is_file()]
    if missing:
        print(f"corpus photos not found in {folder}: {missing} (set NEWSLETTER_CORPUS)")
        return 2
    reference_impl = baseline()
    if reference_impl is None:
        print("baseline: the PyPI package ssimulacra2 is not installed; timing this module only")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in PHOTOS:
            original, distorted = prepare(folder / name)
            a, b = np.asarray(original), np.asarray(distorted)
            t_plain = median_seconds(functools.partial(ssimulacra2, a, b), args.repeat)
            prepared = Ssimulacra2Reference(a)
            t_score = median_seconds(functools.partial(prepared.score, b), args.repeat)
            t_base = score_base = None
            if reference_impl is not None:
                paths = (str(Path(tmp) / "original.png"), str(Path(tmp) / "distorted.png"))
                original.save(paths[0])
                distorted.save(paths[1])
                t_base = median_seconds(
                    functools.partial(reference_impl, *paths), args.baseline_repeat
                )
                score_base = float(reference_impl(*paths))
            rows.append(
                (name, original.size, t_base, t_plain, t_score, score_base, prepared.score(b))
            )

    print(f"JPEG quality {QUALITY} at {WIDTH} px wide; median seconds per call (x baseline)")
    print(f"{'photo':<24} {'size':>9} {'PyPI':>7} {'plain call':>17} {'reference.score':>17}")
    for name, (w, h), t_base, t_plain, t_score, score_base, score in rows:
        print(
            f"{name:<24} {f'{w}x{h}':>9} {seconds(t_base)} {timing(t_plain, t_base)}"
            f" {timing(t_score, t_base)}   score {score:.2f}"
            + (f" (PyPI {score_base:.2f})" if score_base is not None else "")
        )
    plain = statistics.median(row[3] for row in rows)
    score = statistics.median(row[4] for row in rows)
    bases = [row[2] for row in rows if row[2] is not None]
    base = statistics.median(bases) if bases else None
    print(f"{'median':<34} {seconds(base)} {timing(plain, base)} {timing(score, base)}")
    verdict = "met" if plain <= GOAL_SECONDS else "NOT met"
    print(f"goal: plain call at most {GOAL_SECONDS} s at {WIDTH} px -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
