"""How full each page of a PDF is, measured on the rendered pixels (poppler's pdftoppm).

A page's fill is how far down its text area the ink reaches: the last row with a dark pixel
between the top and bottom margins, as a share of the text area's height. The running header
and the footer sit in the margins and do not count. Used by tests/output/test_pdf_layout.py and
bench/pdf_layout.py.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from PIL import Image

A4_HEIGHT_MM = 297.0
TOP_MARGIN_MM = 24.0  # templates/pdf.css: @page margin
BOTTOM_MARGIN_MM = 22.0
DPI = 36  # enough to see where ink stops, cheap to render
INK = 160  # a grey level below this is ink (anti-aliased text edges are lighter)


def page_fill(pdf: Path) -> list[float]:
    """The fill of every page (0.0 empty … 1.0 ink down to the bottom margin), in page order."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["pdftoppm", "-r", str(DPI), "-gray", str(pdf), str(Path(tmp) / "p")],
            check=True,
            capture_output=True,
        )
        fills = []
        for image in sorted(Path(tmp).glob("p-*.pgm"), key=lambda p: int(p.stem.split("-")[1])):
            with Image.open(image) as im:
                fills.append(_fill(im.convert("L")))
    return fills


def _fill(im: Image.Image) -> float:
    width, height = im.size
    px_per_mm = height / A4_HEIGHT_MM
    top = round(TOP_MARGIN_MM * px_per_mm)
    bottom = height - round(BOTTOM_MARGIN_MM * px_per_mm)
    data = im.tobytes()
    last = top
    for y in range(top, bottom):
        row = data[y * width : (y + 1) * width]
        if min(row) < INK:
            last = y + 1
    return (last - top) / max(bottom - top, 1)
