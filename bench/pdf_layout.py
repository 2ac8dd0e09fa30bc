"""How the PDF edition fills its pages: the shared corpus's 30-submission issue.

    .venv/bin/python bench/pdf_layout.py [--n 30]

The issue is written by the corpus's make_issue.py, its print renditions made with Pillow at
the slot's 300 ppi (bench/pdf.py), the PDF rendered and every page's ink measured with
pdftoppm (tests/support/pdf_fill.py). Printed: the number of pages, each page's fill, the
pages under 50% that are not a section's last, the worst fill of the others, the ratio of pages
to the goal (30, the baseline named in issue 14; one organisation per page gave 41-46), the
render time (render_pdf with an empty cache; its CPU time, which other processes hardly
change), and, read from WeasyPrint's page boxes, the
organisations whose name and facts end a page and those whose photos start one without them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import weasyprint  # type: ignore[import-untyped]
from _common import ROOT
from pdf import corpus_issue, example_view
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from newsletter.core.config import Settings, load_settings
from newsletter.core.resources import FONTS_DIR
from newsletter.output.content import IssueView
from newsletter.output.pdf import FONTS_BASE, OUTBOX_BASE, _stylesheet, render_html, render_pdf
from newsletter.output.pdf_fetch import SandboxFetcher

sys.path.insert(0, str(ROOT))  # the same measurement as tests/output/test_pdf_layout.py
from tests.support.pdf_fill import page_fill

GOAL_PAGES = 30
SECTION_STARTS = ("Unsere Mitglieder stellen sich vor", "Termine", "Anlagen")
# which part of an organisation a box belongs to, by the class of an element around it
PARTS = {"org-lead": "head", "org-text": "text", "photo-row": "photos"}


def _parts(box: Any, org: str | None = None, part: str | None = None) -> Iterator[tuple[str, str]]:
    """(organisation's id, part) for every leaf box below `box` inside an organisation."""
    element = getattr(box, "element", None)
    if (
        element is not None
        and box.element_tag == "article"
        and "org" in (element.get("class") or "")
    ):
        org = element.get("id")
    for cls in (element.get("class") or "").split() if element is not None else ():
        part = PARTS.get(cls, part)
    children = getattr(box, "children", None)
    if not children:
        if org is not None and part is not None:
            yield org, part
        return
    for child in children:
        yield from _parts(child, org, part)


def broken_organisations(
    view: IssueView, settings: Settings, outbox: Path
) -> tuple[list[str], list[str]]:
    """Pages (as "page: organisation") where an organisation's name and facts end the page with
    nothing of its own after them, and where its photos start the page without its text."""
    fetcher = SandboxFetcher({OUTBOX_BASE: outbox.resolve(), FONTS_BASE: FONTS_DIR})
    fonts = FontConfiguration()
    sheet = weasyprint.CSS(
        string=_stylesheet(settings), base_url=FONTS_BASE, url_fetcher=fetcher, font_config=fonts
    )
    html = weasyprint.HTML(
        string=render_html(view, settings), base_url=OUTBOX_BASE, url_fetcher=fetcher
    )
    document = html.render(stylesheets=[sheet], font_config=fonts)
    heads, photos = [], []
    for number, page in enumerate(document.pages, 1):
        seen = set(_parts(page._page_box))
        for org, part in sorted(seen):
            if part == "head" and not {(org, "text"), (org, "photos")} & seen:
                heads.append(f"{number}: {org}")
            if part == "photos" and not {(org, "text"), (org, "head")} & seen:
                photos.append(f"{number}: {org}")
    return heads, photos


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
        fresh = settings.model_copy(update={"cache_dir": Path(tmp) / "cache"})  # really render
        start, cpu = time.perf_counter(), time.process_time()
        pdf.write_bytes(render_pdf(view, fresh, outbox))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        fills = page_fill(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True)
        heads, photos_alone = broken_organisations(view, settings, outbox)
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
    worst = min((f, i + 1) for i, f in enumerate(fills) if i not in last)
    print(f"worst fill, not a section end {worst[0]:6.2f} (page {worst[1]})")
    print(f"ratio pages / goal            {len(fills) / GOAL_PAGES:6.2f}x")
    print(f"render_pdf, empty cache       {seconds:6.1f} s  ({cpu:.1f} s CPU)")
    print(f"name and facts end a page     {len(heads):4d}   {heads}")
    print(f"photos start a page alone     {len(photos_alone):4d}   {photos_alone}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
