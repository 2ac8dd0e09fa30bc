"""Figures of the image pipeline (issue 3), each with its baseline measured in the same run.

1. Email rendition of the 12-20 MP JPEGs without the quality search (decode with shrink-on-load,
   Lanczos, fixed quality 80, progressive with optimal Huffman tables) against `vipsthumbnail`
   making the same 1200 px progressive JPEG (Q=80, strip, optimize_coding). Target: at most 1.0x
   (issue 17; it was 1.3x).
2. The same with the quality search (SSIMULACRA2 >= target). Target: at most 1.5x the
   fixed-quality rendition (issue 17; it was a median of at most 1.5 s).
3. Bytes of every corpus photo's email rendition against Pillow at fixed quality 80 (what a
   plain `save(quality=80)` gives), with both scores. Target: 15 % fewer bytes in total, every
   photo at or above the target.
4. Rebuild with nothing changed of a 30-submission issue from the corpus's make_issue.py.
   Target: under 1 s.

Run: `.venv/bin/python bench/images.py` (corpus: env NEWSLETTER_CORPUS, default
../shared/corpus next to the repository). Figures 1-3 run in this process, one photo at a time
(the pool's workers do the same, two at once); vipsthumbnail runs with its own defaults.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import corpus
from PIL import Image

from newsletter.core.config import ImageSettings, load_settings
from newsletter.images.decode import load_image, pixels_at
from newsletter.images.encode import email_photo, fixed_quality_photo
from newsletter.images.renditions import issue_renditions
from newsletter.images.ssimulacra2 import Ssimulacra2Reference
from newsletter.intake.reader import read_issue

BIG = ("dandelions_seeding.jpg", "dragonfly_plant.jpg", "nuthatch_tree.jpg", "sunset_hills.jpg")
WIDTH = 1200
QUALITY = 80
TARGET = ImageSettings.model_validate({}).ssimulacra2_target
REPEATS = 7
LIMITS = {"max_bytes": 40_000_000, "max_pixels": 250_000_000}


def median_times(fns: list[Callable[[], object]], repeats: int = REPEATS) -> list[float]:
    """Median wall time of each of `fns`, run interleaved (after one warm-up run each), so
    that a busy machine slows all of them alike."""
    times: list[list[float]] = [[] for _ in fns]
    for fn in fns:
        fn()
    for _ in range(repeats):
        for fn, slot in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            slot.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def resized(path: Path) -> Image.Image:
    """The 1200 px email picture before encoding (decode, shrink-on-load, Lanczos, sRGB)."""
    return pixels_at(load_image(path, "photo", largest_width=WIDTH, **LIMITS), WIDTH)


def ours_fixed(path: Path) -> bytes:
    """Email rendition without the quality search."""
    return fixed_quality_photo(resized(path), QUALITY).data


def ours_searched(path: Path) -> bytes:
    """Email rendition with the quality search."""
    return email_photo(resized(path), TARGET).data


def vips(path: Path, out: Path) -> None:
    """vipsthumbnail making the same 1200 px wide progressive JPEG."""
    target = f"{out}[Q={QUALITY},strip,optimize_coding,interlace]"
    subprocess.run(["vipsthumbnail", str(path), "-s", f"{WIDTH}x", "-o", target], check=True)


def figure_speed(photos: Path, tmp: Path) -> None:
    print(
        f"1. Email rendition of the 12-20 MP JPEGs without quality search (q{QUALITY}), "
        f"median of {REPEATS}, runs interleaved with the baseline"
    )
    has_vips = shutil.which("vipsthumbnail") is not None
    print(f"   {'photo':<24} {'MP':>5} {'ours s':>8} {'vips s':>8} {'ratio':>6}")
    ours_all, vips_all, searched_all = [], [], []
    for name in BIG:
        path = photos / name
        with Image.open(path) as im:
            mp = im.width * im.height / 1e6
        fns: list[Callable[[], object]] = [
            functools.partial(ours_fixed, path),
            functools.partial(ours_searched, path),
        ]
        if has_vips:
            fns.append(functools.partial(vips, path, tmp / "vips.jpg"))
        ours, searched, *theirs = median_times(fns)
        ours_all.append(ours)
        searched_all.append(searched)
        if theirs:
            vips_all.append(theirs[0])
            print(f"   {name:<24} {mp:5.1f} {ours:8.3f} {theirs[0]:8.3f} {ours / theirs[0]:5.2f}x")
        else:
            print(f"   {name:<24} {mp:5.1f} {ours:8.3f} {'-':>8}")
    if vips_all:
        ratio = statistics.median(ours_all) / statistics.median(vips_all)
        print(
            f"   median: ours {statistics.median(ours_all):.3f} s, vipsthumbnail "
            f"{statistics.median(vips_all):.3f} s, ratio {ratio:.2f}x (target <= 1.0x)"
        )
    else:
        print("   vipsthumbnail not found (Debian: libvips-tools): no baseline")
    print()
    print(f"2. With the quality search (SSIMULACRA2 >= {TARGET:g}), same runs, median of {REPEATS}")
    for name, t, fixed in zip(BIG, searched_all, ours_all, strict=True):
        print(f"   {name:<24} {t:8.3f} s  ({t / fixed:.1f}x the fixed-quality rendition)")
    med = statistics.median(searched_all)
    print(
        f"   median {med:.3f} s per photo; the search costs "
        f"{med / statistics.median(ours_all):.1f}x the fixed-quality rendition (target <= 1.5x)"
    )
    print()


def figure_bytes(photos: Path) -> None:
    print(f"3. Bytes: email renditions (quality search, target {TARGET:g}) vs Pillow fixed q80")
    print(
        f"   {'photo':<28} {'size':>10} {'ours B':>9} {'q':>3} {'score':>6} "
        f"{'q80 B':>9} {'score':>6} {'saved':>6}"
    )
    ours_total = q80_total = 0
    ours_low = q80_low = 0
    for path in sorted(p for p in photos.iterdir() if p.suffix in (".jpg", ".png")):
        px = resized(path)
        enc = email_photo(px, TARGET)
        plain = io.BytesIO()
        px.convert("RGB").save(plain, "JPEG", quality=QUALITY)
        reference = Ssimulacra2Reference(px.convert("RGB"))
        q80_score = reference.score(Image.open(io.BytesIO(plain.getvalue())).convert("RGB"))
        ours_b, q80_b = len(enc.data), len(plain.getvalue())
        ours_total += ours_b
        q80_total += q80_b
        ours_low += enc.score is None or enc.score < TARGET
        q80_low += q80_score < TARGET
        flag = " <" if q80_score < TARGET else ""
        print(
            f"   {path.name:<28} {px.width:>4}x{px.height:<5} {ours_b:9,} {enc.quality:3} "
            f"{enc.score:6.1f} {q80_b:9,} {q80_score:6.1f} {1 - ours_b / q80_b:6.1%}{flag}"
        )
    print(
        f"   total: ours {ours_total:,} B, Pillow q80 {q80_total:,} B: "
        f"{1 - ours_total / q80_total:.1%} fewer bytes (target >= 15 %)"
    )
    print(f"   photos below {TARGET:g}: ours {ours_low}, Pillow q80 {q80_low} (marked <)")
    print()


def figure_rebuild(tmp: Path) -> None:
    print("4. Rebuild with nothing changed: 30-submission issue from make_issue.py")
    folder = tmp / "issue"
    subprocess.run(
        [sys.executable, str(corpus() / "make_issue.py"), str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    settings = load_settings(root=tmp).model_copy(update={"cache_dir": tmp / "cache"})
    issue = read_issue(folder, settings).issue
    photos = sum(1 for s in issue.submissions for p in s.photos if p.publishable)
    logos = sum(1 for s in issue.submissions if s.logo is not None)
    start = time.perf_counter()
    first = issue_renditions(issue, settings)
    cold = time.perf_counter() - start
    rebuilds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        again = issue_renditions(issue, settings)
        rebuilds.append(time.perf_counter() - start)
        assert again.made == 0, "a rebuild decoded something"
    b = first.budget
    print(
        f"   {len(issue.submissions)} submissions, {photos} photos, {logos} logos "
        f"({first.made} distinct pictures); workers: {os.cpu_count()}"
    )
    print(
        f"   first build {cold:.2f} s; budget {b.budget_bytes:,} B: {b.bytes_at_target:,} B at "
        f"target {b.target:g}, {b.total_bytes:,} B at {b.final_target:g} "
        f"({'met' if b.met else 'not met at the floor'}); passes {list(b.tried)}"
    )
    print(
        f"   rebuild, nothing changed: median {statistics.median(rebuilds):.3f} s of {REPEATS}, "
        f"0 decoded (target < 1 s); {statistics.median(rebuilds) / cold:.1%} of the first build"
    )


def main() -> None:
    photos = corpus() / "photos"
    if not photos.is_dir():
        sys.exit(f"corpus not found at {corpus()} (set NEWSLETTER_CORPUS)")
    with tempfile.TemporaryDirectory(prefix="bench-images-") as name:
        tmp = Path(name)
        figure_speed(photos, tmp)
        figure_bytes(photos)
        figure_rebuild(tmp)


if __name__ == "__main__":  # the process pool starts workers by importing this module
    main()
