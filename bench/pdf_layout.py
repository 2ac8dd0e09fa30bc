"""How the PDF edition fills its pages: the shared corpus's 30-submission issue.

    .venv/bin/python bench/pdf_layout.py [--n 30]

The issue is written by the corpus's make_issue.py, its print renditions made with Pillow at
the slot's 300 ppi (bench/pdf.py), the PDF rendered and every page's ink measured with
pdftoppm (tests/support/pdf_fill.py). Printed: the number of pages, each page's fill, the
pages under 50% that are not a section's last, and the ratio of pages to the goal (30, the
baseline named in issue 14; one organisation per page gave 41-46).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT
from pdf import corpus_issue, example_view

from newsletter.core.config import load_settings
from newsletter.output.pdf import render_pdf

sys.path.insert(0, str(ROOT))  # the same measurement as tests/output/test_pdf_layout.py
from tests.support.pdf_fill import page_fill

GOAL_PAGES = 30
SECTION_STARTS = ("Unsere Mitglieder stellen sich vor", "Termine", "Anlagen")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=30)
    args = ap.parse_args()
    settings = load_settings(root=ROOT)
    with tempfile.TemporaryDirectory(prefix="bench-pdf-layout-") as tmp:
        outbox = Path(tmp) / "outbox"
        issue = corpus_issue(Path(tmp) / f"corpus-{args.n}", args.n)
        view = example_view(issue, settings, outbox)
        pdf = Path(tmp) / "newsletter.pdf"
        pdf.write_bytes(render_pdf(view, settings, outbox))
        fills = page_fill(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True)
    pages = text.stdout.decode("utf-8").split("\f")
    last = {len(fills) - 1} | {
        i - 1 for i, p in enumerate(pages) if any(s in p[:400] for s in SECTION_STARTS)
    }
    thin = [i + 1 for i, f in enumerate(fills) if f < 0.5 and i not in last]
    photos = sum(len(s.photos) for s in view.submissions)
    print(f"PDF of the corpus issue: {len(view.submissions)} organisations, {photos} photos")
    print(f"pages                         {len(fills):4d}   (goal <= {GOAL_PAGES})")
    print("fill per page                 " + " ".join(f"{f:.2f}" for f in fills))
    print(f"pages under 40%               {sum(f < 0.4 for f in fills):4d}")
    print(f"under 50%, not a section end  {len(thin):4d}   {thin}")
    print(f"ratio pages / goal            {len(fills) / GOAL_PAGES:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
