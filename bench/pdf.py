"""Benchmark the PDF edition of the example issue (submissions/2026-12).

    .venv/bin/python bench/pdf.py [--issue submissions/2026-12] [--repeat 5]
    .venv/bin/python bench/pdf.py --n 30       # a 30-submission issue from the shared corpus

Print renditions are made first (Pillow, 300 ppi at the placed size, as the image pipeline
delivers them) into a temp outbox; they are not timed. Printed: medians of
- `render_pdf` (tagged, PDF/A-3b, XMP, sandboxed fetcher), and
- the baseline, measured in the same run: plain WeasyPrint on the same HTML and CSS, untagged,
  no PDF variant,
and the ratio of the two: what tagging and PDF/A cost.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import weasyprint  # type: ignore[import-untyped]
from _common import ROOT, make_issue_script, median_seconds
from PIL import Image, ImageOps
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from newsletter.core.config import Settings, load_settings
from newsletter.core.layout import print_pixel_width
from newsletter.core.resources import FONTS_DIR
from newsletter.intake.reader import read_issue
from newsletter.output.content import IssueView, Kind, Placed, build_view
from newsletter.output.pdf import (
    FONTS_BASE,
    OUTBOX_BASE,
    render_html,
    render_pdf,
)
from newsletter.output.pdf_fetch import SandboxFetcher


def rendition(src: Path, width: int, dest: Path) -> Placed:
    """A print rendition of `src`, `width` px wide: JPEG q90 for photos, PNG for logos."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix.lower() == ".svg":  # vector logos go to print as they are
        target = dest.with_suffix(".svg")
        shutil.copyfile(src, target)
        return Placed(target.name, width, width // 3, target.stat().st_size)
    with Image.open(src) as opened:
        im = ImageOps.exif_transpose(opened)
        height = round(im.height * width / im.width)
        im = im.resize((width, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if dest.suffix == ".png":
            im.convert("RGBA").save(out, "PNG")
        else:
            im.convert("RGB").save(out, "JPEG", quality=90)
    dest.write_bytes(out.getvalue())
    return Placed(dest.name, width, height, len(out.getvalue()))


def example_view(issue_dir: Path, settings: Settings, outbox: Path) -> IssueView:
    """The issue's view, with print renditions written into `outbox`."""
    issue = read_issue(issue_dir, settings).issue
    photo_w = print_pixel_width(settings.layout, "photo")
    logo_w = print_pixel_width(settings.layout, "logo")
    placed: dict[tuple[str, str, Kind], Placed] = {}
    for sub in issue.submissions:
        folder = outbox / "print" / sub.slug
        if sub.logo is not None and sub.logo.path is not None:
            p = rendition(sub.logo.path, logo_w, folder / "logo.png")
            href = f"print/{sub.slug}/{p.href}"
            placed[(sub.slug, sub.logo.name, "print")] = Placed(href, p.width, p.height, p.bytes)
        for photo in sub.photos:
            if not photo.publishable or photo.file is None or photo.file.path is None:
                continue
            dest = folder / (Path(photo.file.name).stem + ".jpg")
            p = rendition(photo.file.path, photo_w, dest)
            href = f"print/{sub.slug}/{p.href}"
            placed[(sub.slug, photo.file.name, "print")] = Placed(href, p.width, p.height, p.bytes)
    return build_view(issue, settings, placed)


def corpus_issue(dest: Path, n: int) -> Path:
    """An issue of `n` submissions written by the shared corpus's make_issue.py."""
    script = make_issue_script()
    if script is None:
        raise SystemExit(1)
    cmd = [sys.executable, str(script), str(dest), "--n", str(n), "--clean", "--link"]
    subprocess.run(cmd, check=True, capture_output=True)
    return dest


def plain_weasyprint(view: IssueView, settings: Settings, outbox: Path) -> bytes:
    """Baseline: the same HTML and CSS through WeasyPrint with its defaults."""
    css = (ROOT / "newsletter" / "templates" / "pdf.css").read_text(encoding="utf-8")
    fetcher = SandboxFetcher({OUTBOX_BASE: outbox.resolve(), FONTS_BASE: FONTS_DIR})
    fonts = FontConfiguration()
    sheet = weasyprint.CSS(string=css, base_url=FONTS_BASE, url_fetcher=fetcher, font_config=fonts)
    html = weasyprint.HTML(
        string=render_html(view, settings), base_url=OUTBOX_BASE, url_fetcher=fetcher
    )
    data: bytes = html.write_pdf(stylesheets=[sheet], font_config=fonts)
    return data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--issue", type=Path, default=ROOT / "submissions" / "2026-12")
    ap.add_argument("--n", type=int, help="use a corpus issue of N submissions instead")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    settings = load_settings(root=ROOT)
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        outbox = Path(tmp) / "outbox"
        if args.n:
            args.issue = corpus_issue(Path(tmp) / f"corpus-{args.n}", args.n)
        view = example_view(args.issue, settings, outbox)
        data = render_pdf(view, settings, outbox)
        ours = median_seconds(lambda: render_pdf(view, settings, outbox), args.repeat)
        base = median_seconds(lambda: plain_weasyprint(view, settings, outbox), args.repeat)
    photos = sum(len(s.photos) for s in view.submissions)
    print(
        f"PDF edition of {args.issue.name}: {len(view.submissions)} organisations, "
        f"{photos} photos, {len(data) / 1e6:.1f} MB"
    )
    print(f"render_pdf (tagged, PDF/A-3b)      median {ours:6.2f} s  (n={args.repeat})")
    print(f"baseline: plain WeasyPrint         median {base:6.2f} s")
    print(f"ratio to baseline                         {ours / base:6.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
