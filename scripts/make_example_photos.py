#!/usr/bin/env python3
# ruff: noqa: E501  (embedded SVG and PDF source lines are data, kept whole)
"""Derive the example issue's binary files (photos, logos, attachment PDFs) from the test corpus.

    python scripts/make_example_photos.py /work/shared/corpus
    python scripts/make_example_photos.py CORPUS --dest /tmp/2026-12     # somewhere else

Writes into DEST (default: submissions/2026-12 next to this script's parent folder):

- photos: each corpus photo resized with Lanczos to 1600 px wide (landscape) or 1280 px wide
  (portrait), converted to RGB (sRGB: an embedded non-sRGB profile is converted, then dropped),
  saved as progressive JPEG quality 82 with NO metadata (no EXIF, ICC, XMP or comment);
- logos: two copied unchanged from the corpus (CC0), four drawn here (CC0; DejaVu Sans from
  Debian's fonts-dejavu-core, drawn at 4x and reduced with Lanczos, like the corpus's make_logos.py);
- attachments: two one-page A4 PDFs written by hand (pdf_bytes, copied from the corpus's
  make_issue.py).

The Markdown and TOML files of the issue are written by hand and are not touched. Needs Pillow.
Licences and authors of every derived file: LICENSES.md at the repository root.
"""

from __future__ import annotations

import argparse
import io
import math
import shutil
import sys
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = ROOT / "submissions" / "2026-12"

LANDSCAPE_WIDTH = 1600
PORTRAIT_WIDTH = 1280
QUALITY = 82

# (submission slug, target file name, corpus photo)
PHOTOS: list[tuple[str, str, str]] = [
    ("lernimpuls-nordstadt", "waldtag-herbstferien.jpg", "forest_path.jpg"),
    ("lernimpuls-nordstadt", "herbstwerkstatt.jpg", "fallen_leaf.jpg"),
    ("elternnetz-nordstadt", "familienpicknick-stadtpark.jpg", "dandelions_seeding.jpg"),
    ("elternnetz-nordstadt", "ausflug-bauernhof.jpg", "dogs_window_portrait.jpg"),
    ("bewerbungscafe-weststadt", "becher-fuer-unsere-gaeste.jpg", "colorful_cups.jpg"),
    ("drk-cafe-suedviertel", "herbstbuffet-feigen.jpg", "fig_on_plate.jpg"),
    ("drk-cafe-suedviertel", "blumen-fuer-die-tische.jpg", "flower.png"),
    ("kinderschutzverein-sonnenberg", "naturtag-kleiber.jpg", "nuthatch_tree.jpg"),
    ("kinderschutzverein-sonnenberg", "naturtag-libelle.jpg", "dragonfly_plant.jpg"),
    ("kulturverein-bruecke", "dag-gezisi-2026.jpg", "mountain_path.jpg"),
    ("kulturverein-bruecke", "gun-batimi.jpg", "sunset_hills.jpg"),
    ("al-amal-nachbarschaftshaus", "teestube-tassen.jpg", "colorful_cups.jpg"),
]

# Derived photos that are also cropped to a square around the centre (the same corpus photo
# serves two submissions; the crop makes it a different picture, not a copy).
SQUARE_CROPPED = {"teestube-tassen.jpg"}

# (submission slug, target file name, corpus logo) copied unchanged
COPIED_LOGOS: list[tuple[str, str, str]] = [
    ("elternnetz-nordstadt", "logo.png", "elternnetz_palette_trns.png"),
    ("kulturverein-bruecke", "logo.svg", "kulturverein_bruecke.svg"),
]

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SS = 4  # supersampling factor for the drawn logos


# --------------------------------------------------------------------------- photos
def to_srgb(im: Image.Image) -> Image.Image:
    """RGB pixels in sRGB; a non-sRGB embedded profile is converted, the profile itself dropped."""
    icc = im.info.get("icc_profile")
    if im.mode not in ("RGB", "L", "RGBA", "P", "CMYK"):
        im = im.convert("RGB")
    if icc:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        desc = (ImageCms.getProfileDescription(src) or "").strip().lower()
        if "srgb" not in desc:
            base = im.convert("CMYK" if im.mode == "CMYK" else "RGB")
            return ImageCms.profileToProfile(
                base, src, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
    return im.convert("RGB")


def derive_photo(src: Path, dst: Path) -> tuple[int, int]:
    with Image.open(src) as im:
        im.load()
        rgb = to_srgb(im)
    w, h = rgb.size
    if dst.name in SQUARE_CROPPED:
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        rgb = rgb.crop((left, top, left + side, top + side))
        w, h = rgb.size
    target_w = PORTRAIT_WIDTH if h > w else LANDSCAPE_WIDTH
    size = (target_w, round(h * target_w / w))
    small = rgb.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    clean = Image.frombytes(
        "RGB", small.size, small.tobytes()
    )  # fresh image: no info/metadata at all
    clean.save(dst, "JPEG", quality=QUALITY, progressive=True, optimize=True)
    return size


# --------------------------------------------------------------------------- drawn logos
def font(px: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    f = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if f.exists():
        return ImageFont.truetype(str(f), px)
    print(
        f"warning: {f} missing (apt-get install fonts-dejavu-core); using Pillow's font",
        file=sys.stderr,
    )
    return ImageFont.load_default(size=px)


def fitted(
    text: str, px: int, max_w: int, bold: bool = False
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The font at px, made smaller until text fits max_w (all in supersampled pixels)."""
    while px > 8:
        f = font(px, bold)
        if ImageDraw.Draw(Image.new("L", (1, 1))).textlength(text, font=f) <= max_w:
            return f
        px -= SS
    return font(px, bold)


def logo_lernimpuls(path: Path) -> None:
    """Transparent PNG 1200x420: an open book with a spark, 'Lernimpuls Nordstadt e.V.'."""
    w, h, s = 1200, 420, SS
    im = Image.new("RGBA", (w * s, h * s), (0, 110, 120, 0))
    d = ImageDraw.Draw(im)
    teal, orange = (0, 110, 120, 255), (240, 140, 30, 255)
    # open book: two pages
    d.polygon(
        [(60 * s, 170 * s), (190 * s, 200 * s), (190 * s, 360 * s), (60 * s, 330 * s)], fill=teal
    )
    d.polygon(
        [(200 * s, 200 * s), (330 * s, 170 * s), (330 * s, 330 * s), (200 * s, 360 * s)], fill=teal
    )
    for i in range(3):  # lines on the pages
        y = 225 + 35 * i
        d.line(
            [(85 * s, (y - 8) * s), (170 * s, (y + 12) * s)], fill=(255, 255, 255, 255), width=7 * s
        )
        d.line(
            [(220 * s, (y + 12) * s), (305 * s, (y - 8) * s)],
            fill=(255, 255, 255, 255),
            width=7 * s,
        )
    # the spark (impulse) above the book
    d.regular_polygon((195 * s, 95 * s, 62 * s), 4, rotation=45, fill=orange)
    d.regular_polygon((195 * s, 95 * s, 28 * s), 4, rotation=0, fill=(255, 205, 90, 255))
    for dx, dy in ((-95, -20), (95, -20), (-70, 45), (70, 45)):
        d.ellipse(
            ((195 + dx - 9) * s, (95 + dy - 9) * s, (195 + dx + 9) * s, (95 + dy + 9) * s),
            fill=orange,
        )
    d.text(
        (380 * s, 185 * s),
        "Lernimpuls",
        font=fitted("Lernimpuls", 150 * s, 780 * s, True),
        fill=teal,
        anchor="ls",
    )
    d.text(
        (384 * s, 275 * s), "Nordstadt e.V.", font=font(72 * s), fill=(70, 70, 70, 255), anchor="ls"
    )
    d.text(
        (386 * s, 345 * s),
        "Lernen · Begegnen · Wachsen",
        font=font(44 * s),
        fill=orange,
        anchor="ls",
    )
    im.resize((w, h), Image.Resampling.LANCZOS).save(path, optimize=True)


def logo_bewerbungscafe(path: Path) -> None:
    """JPEG on white 1200x600: a cup in front of a CV sheet, 'Bewerbungscafé Weststadt'."""
    w, h, s = 1200, 600, SS
    im = Image.new("RGB", (w * s, h * s), "white")
    d = ImageDraw.Draw(im)
    blue, brown, green = (30, 80, 150), (120, 70, 40), (60, 160, 90)
    # the sheet of paper with text lines and a tick
    d.rounded_rectangle(
        (70 * s, 90 * s, 330 * s, 430 * s),
        radius=14 * s,
        fill=(235, 242, 252),
        outline=blue,
        width=8 * s,
    )
    for i, ln in enumerate((150, 120, 170, 140, 90)):
        y = 150 + 40 * i
        d.rounded_rectangle((105 * s, y * s, (105 + ln) * s, (y + 14) * s), radius=7 * s, fill=blue)
    d.line(
        [(266 * s, 138 * s), (286 * s, 160 * s), (318 * s, 114 * s)],
        fill=green,
        width=16 * s,
        joint="curve",
    )
    # the cup in front
    d.rounded_rectangle((200 * s, 340 * s, 400 * s, 520 * s), radius=40 * s, fill=brown)
    d.rectangle((200 * s, 340 * s, 400 * s, 380 * s), fill=brown)
    d.ellipse((380 * s, 375 * s, 460 * s, 465 * s), outline=brown, width=18 * s)
    d.rounded_rectangle((170 * s, 520 * s, 430 * s, 540 * s), radius=10 * s, fill=brown)
    for x in (250, 300, 350):  # steam
        d.arc(
            ((x - 18) * s, 265 * s, (x + 18) * s, 305 * s),
            90,
            270,
            fill=(150, 150, 150),
            width=7 * s,
        )
        d.arc(
            ((x - 18) * s, 300 * s, (x + 18) * s, 340 * s),
            270,
            90,
            fill=(150, 150, 150),
            width=7 * s,
        )
    d.text(
        (520 * s, 270 * s),
        "Bewerbungscafé",
        font=fitted("Bewerbungscafé", 96 * s, 640 * s, True),
        fill=blue,
        anchor="ls",
    )
    d.text((524 * s, 380 * s), "Weststadt", font=font(90 * s), fill=brown, anchor="ls")
    d.text(
        (526 * s, 460 * s),
        "Lebenslauf · Anschreiben · Gespräch üben",
        font=fitted("Lebenslauf · Anschreiben · Gespräch üben", 34 * s, 640 * s),
        fill=(110, 110, 110),
        anchor="ls",
    )
    im.resize((w, h), Image.Resampling.LANCZOS).save(
        path, quality=90, optimize=True, progressive=False
    )


def logo_kinderschutz(path: Path) -> None:
    """Transparent PNG 800x800: a sun over a sheltering arc with an adult and a child."""
    w, h, s = 800, 800, SS
    im = Image.new("RGBA", (w * s, h * s), (40, 90, 170, 0))
    d = ImageDraw.Draw(im)
    sun, blue, red, green = (
        (250, 190, 30, 255),
        (40, 90, 170, 255),
        (220, 70, 60, 255),
        (70, 160, 90, 255),
    )
    cx = 400
    # sun with rays
    d.ellipse(((cx - 70) * s, 60 * s, (cx + 70) * s, 200 * s), fill=sun)
    for k in range(12):
        a = math.radians(k * 30)
        x0, y0 = cx + 88 * math.cos(a), 130 + 88 * math.sin(a)
        x1, y1 = cx + 118 * math.cos(a), 130 + 118 * math.sin(a)
        d.line([(x0 * s, y0 * s), (x1 * s, y1 * s)], fill=sun, width=12 * s)
    # the sheltering arc (roof / open arms)
    d.arc(((cx - 230) * s, 230 * s, (cx + 230) * s, 690 * s), 195, 345, fill=blue, width=34 * s)
    # adult and child holding hands
    d.ellipse(((cx - 95) * s, 330 * s, (cx - 35) * s, 390 * s), fill=green)
    d.rounded_rectangle(
        ((cx - 112) * s, 400 * s, (cx - 18) * s, 540 * s), radius=36 * s, fill=green
    )
    d.ellipse(((cx + 40) * s, 380 * s, (cx + 84) * s, 424 * s), fill=red)
    d.rounded_rectangle(((cx + 28) * s, 432 * s, (cx + 96) * s, 540 * s), radius=28 * s, fill=red)
    d.line(
        [((cx - 20) * s, 460 * s), ((cx + 30) * s, 470 * s)], fill=(90, 90, 90, 255), width=10 * s
    )
    d.text(
        (cx * s, 640 * s),
        "Kinderschutzverein",
        font=fitted("Kinderschutzverein", 80 * s, 740 * s, True),
        fill=blue,
        anchor="ms",
    )
    d.text(
        (cx * s, 720 * s), "Sonnenberg e.V.", font=font(60 * s), fill=(80, 80, 80, 255), anchor="ms"
    )
    im.resize((w, h), Image.Resampling.LANCZOS).save(path, optimize=True)


SVG_DRK_CAFE = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="680" height="220" viewBox="0 0 680 220">
  <title>Internationales Café des DRK-Ortsvereins Südviertel</title>
  <rect x="0" y="0" width="680" height="220" rx="16" fill="#ffffff"/>
  <path d="M40 90 L160 90 L150 170 Q148 185 133 185 L67 185 Q52 185 50 170 Z" fill="#b3202a"/>
  <path d="M158 108 Q192 108 188 135 Q184 160 152 158" fill="none" stroke="#b3202a" stroke-width="10"/>
  <path d="M30 195 L170 195" stroke="#b3202a" stroke-width="8" stroke-linecap="round"/>
  <path d="M75 75 Q62 60 75 45 Q88 30 75 15 M100 75 Q87 60 100 45 Q113 30 100 15 M125 75 Q112 60 125 45 Q138 30 125 15"
        fill="none" stroke="#9a9a9a" stroke-width="6" stroke-linecap="round"/>
  <path d="M200 40 Q200 25 215 25 L280 25 Q295 25 295 40 L295 68 Q295 83 280 83 L232 83 L212 100 L217 83 L215 83 Q200 83 200 68 Z"
        fill="#f2a541"/>
  <text x="218" y="62" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="22"
        font-weight="bold" fill="#ffffff">Hallo</text>
  <text x="215" y="140" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="33"
        font-weight="bold" fill="#333333">Internationales Café</text>
  <text x="217" y="182" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="23"
        fill="#b3202a">DRK-Ortsverein Südviertel</text>
</svg>
"""


# --------------------------------------------------------------------------- attachments
def pdf_bytes(title: str, lines: list[str], producer: str = "make_example_photos.py") -> bytes:
    """A one-page A4 PDF (Helvetica, WinAnsi) with a title and some lines, xref offsets exact.
    Copied from the corpus's make_issue.py."""

    def esc(s: str) -> bytes:
        return (
            s.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        )

    content = b"BT /F1 22 Tf 56 770 Td (" + esc(title) + b") Tj ET\n"
    y = 730
    for line in lines:
        content += b"BT /F1 12 Tf 56 " + str(y).encode() + b" Td (" + esc(line) + b") Tj ET\n"
        y -= 18
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"endstream",
        b"<< /Title (" + esc(title) + b") /Producer (" + esc(producer) + b") >>",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += str(i).encode() + b" 0 obj\n" + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objs) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += (
        b"trailer\n<< /Size "
        + str(len(objs) + 1).encode()
        + b" /Root 1 0 R /Info 6 0 R >>\nstartxref\n"
    )
    out += str(xref).encode() + b"\n%%EOF\n"
    return out


ATTACHMENTS: dict[str, tuple[str, list[str]]] = {
    "flyer-internationaler-wintermarkt.pdf": (
        "Internationaler Wintermarkt 2026",
        [
            "Samstag, 5. Dezember 2026, 14 bis 19 Uhr",
            "Stadtteilzentrum Nordstadt, Lindenstraße 40",
            "",
            "Stände von rund 20 Vereinen aus dem Integrationsnetzwerk",
            "Musik aus vielen Ländern, Kinderprogramm und Bastelecke",
            "Speisen und Getränke aus aller Welt",
            "Eintritt frei",
            "",
            "Veranstalter: Integrationsnetzwerk der Stadt (fiktiv)",
            "Informationen: https://example.org/wintermarkt",
        ],
    ),
    "protokoll-netzwerktreffen-november.pdf": (
        "Protokoll Netzwerktreffen 12. November 2026",
        [
            "Ort: Rathaus, Sitzungssaal 214, 17:00 bis 19:15 Uhr",
            "Anwesend: 29 Personen aus 19 Organisationen",
            "",
            "TOP 1: Woche gegen Rassismus, 15. bis 21. März 2027",
            "   Arbeitsgruppe gebildet, Ideen bis 31. Januar 2027 an netzwerk@example.org",
            "TOP 2: Winterhilfe: Kleiderkammer, Wärmestube, Angebote über die Feiertage",
            "TOP 3: Newsletter: scharfe Fotos und PDF-Ausgabe ab Dezember",
            "TOP 4: Verschiedenes: Fördermittel 2027",
            "",
            "Nächstes Treffen: Donnerstag, 14. Januar 2027, 17 Uhr, Rathaus",
        ],
    ),
}


# --------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("corpus", type=Path, help="the test corpus folder (with photos/ and logos/)")
    ap.add_argument(
        "--dest", type=Path, default=DEFAULT_DEST, help=f"issue folder (default: {DEFAULT_DEST})"
    )
    args = ap.parse_args()
    corpus: Path = args.corpus
    dest: Path = args.dest
    if not (corpus / "photos").is_dir() or not (corpus / "logos").is_dir():
        print(f"{corpus} has no photos/ and logos/: not the corpus folder", file=sys.stderr)
        return 2
    for slug, name, src in PHOTOS:
        (dest / slug).mkdir(parents=True, exist_ok=True)
        w, h = derive_photo(corpus / "photos" / src, dest / slug / name)
        print(
            f"{slug}/{name:34} {w}x{h:<5} {(dest / slug / name).stat().st_size:>8} B  <- photos/{src}"
        )
    for slug, name, src in COPIED_LOGOS:
        (dest / slug).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / "logos" / src, dest / slug / name)
        print(f"{slug}/{name:34} copied            <- logos/{src}")
    drawn = {
        ("lernimpuls-nordstadt", "logo.png"): logo_lernimpuls,
        ("bewerbungscafe-weststadt", "logo.jpg"): logo_bewerbungscafe,
        ("kinderschutzverein-sonnenberg", "logo.png"): logo_kinderschutz,
    }
    for (slug, name), draw in drawn.items():
        (dest / slug).mkdir(parents=True, exist_ok=True)
        draw(dest / slug / name)
        print(f"{slug}/{name:34} drawn")
    (dest / "drk-cafe-suedviertel").mkdir(parents=True, exist_ok=True)
    (dest / "drk-cafe-suedviertel" / "logo.svg").write_text(
        SVG_DRK_CAFE, encoding="utf-8", newline="\n"
    )
    print(f"{'drk-cafe-suedviertel'}/{'logo.svg':34} written")
    (dest / "attachments").mkdir(parents=True, exist_ok=True)
    for name, (title, lines) in ATTACHMENTS.items():
        (dest / "attachments" / name).write_bytes(pdf_bytes(title, lines))
        print(f"attachments/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
