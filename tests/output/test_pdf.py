"""The PDF edition, read back with the tools a printer or an archive would use.

A small issue (German, Arabic, Turkish and Ukrainian texts; logos and photos) is rendered once per
module into a tmp outbox whose print renditions are made here with Pillow exactly as the image
pipeline delivers them: baseline JFIF JPEGs, sRGB, no EXIF/ICC/comment, quality 90, 945 px wide
for an 80 mm photo. The PDF is then checked with qpdf and poppler (pdffonts, pdfimages,
pdftotext, pdfinfo). A missing tool fails the test with a message: nothing is skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from newsletter.core.config import Settings, load_settings
from newsletter.core.errors import NewsletterError
from newsletter.core.layout import print_pixel_width
from newsletter.core.models import (
    Attachment,
    Contact,
    Editorial,
    Event,
    FileRef,
    Issue,
    Photo,
    Submission,
)
from newsletter.output.content import IssueView, Kind, Placed, build_view
from newsletter.output.pdf import OUTBOX_BASE, render_html, render_pdf
from newsletter.output.pdf_fetch import SandboxFetcher

ARABIC = "مرحبا بكم في جمعيتنا"
TURKISH = "Derneğimiz İstanbul’dan gelen ailelerle kuruldu; şehirde yaşıyoruz ve ılık çay içiyoruz."
CYRILLIC = "Ласкаво просимо до нашої спільноти"

ORGS = {
    "lernhilfe-nord": ("Lernhilfe Nord e.V.", "de"),
    "jamiyat-al-amal": ("Jamiyat al-Amal – جمعية الأمل", "ar"),
    "kopru-dernegi": ("Köprü Kültür Derneği", "tr"),
    "spilnota": ("Spilnota – Спільнота e.V.", "uk"),
}
PHOTOS_PER_ORG = {"lernhilfe-nord": 2, "jamiyat-al-amal": 1, "kopru-dernegi": 1, "spilnota": 0}


# --------------------------------------------------------------------------- tools
def tool(name: str) -> str:
    """The path of a command-line tool; fail (never skip) when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed: the PDF tests read the PDF back with it. "
            "Install qpdf and poppler-utils (scripts/setup does)."
        )
    return path


def run(*args: str | Path) -> str:
    """Run a tool; its stdout (a failing exit status fails the test with its stderr)."""
    cmd = [tool(str(args[0])), *map(str, args[1:])]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}"
    return proc.stdout


# --------------------------------------------------------------------------- sample issue
def photo_source(width: int, height: int, seed: int) -> Image.Image:
    """A photo-like picture: gradients and shapes, so the JPEG is not a flat block."""
    im = Image.new("RGB", (width, height))
    px = im.load()
    assert px is not None
    for y in range(0, height, 4):
        for x in range(0, width, 4):
            colour = ((x * 3 + seed * 40) % 256, (y * 2 + seed * 70) % 256, (x + y) % 256)
            for dy in range(4):
                for dx in range(4):
                    if x + dx < width and y + dy < height:
                        px[x + dx, y + dy] = colour
    draw = ImageDraw.Draw(im)
    draw.ellipse((width // 4, height // 4, width // 2, height // 2), fill=(250, 240, 200))
    return im


def print_jpeg(im: Image.Image, width: int) -> bytes:
    """A print rendition as the pipeline delivers it: baseline JFIF, q90, no EXIF/ICC."""
    height = round(im.height * width / im.width)
    out = io.BytesIO()
    im.resize((width, height), Image.Resampling.LANCZOS).save(
        out, "JPEG", quality=90, optimize=False, progressive=False
    )
    return out.getvalue()


def logo_png(width: int) -> bytes:
    im = Image.new("RGBA", (width, width // 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    draw.rounded_rectangle((0, 0, width - 1, width // 2 - 1), radius=40, fill=(29, 92, 140, 255))
    draw.ellipse((20, 20, width // 2 - 20, width // 2 - 20), fill=(240, 200, 60, 255))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


TEXTS = {
    "lernhilfe-nord": (
        "Wir helfen Kindern bei den **Hausaufgaben** und beraten Eltern.\n\n"
        "- montags bis donnerstags\n- kostenlos\n\n"
        "Mehr auf [unserer Webseite](https://lernhilfe-nord.example.org).\n\n"
        "![Ein Bild aus dem Netz](https://tracker.example.net/pixel.png)\n"
    ),
    "jamiyat-al-amal": f"{ARABIC}.\n\nنحن نساعد العائلات الجديدة في المدينة.\n",
    "kopru-dernegi": f"{TURKISH}\n\nHer cumartesi Türkçe dersleri.\n",
    "spilnota": f"{CYRILLIC}.\n\nМи допомагаємо родинам з України.\n",
}


@dataclass(frozen=True)
class Built:
    """The rendered sample: its view, outbox, PDF and the renditions' hashes."""

    settings: Settings
    view: IssueView
    outbox: Path
    pdf: Path
    data: bytes
    photo_sha256: frozenset[str]


def make_issue(folder: Path) -> Issue:
    """The sample issue's models, with real files under `folder`."""
    subs = []
    for n, (slug, (org, lang)) in enumerate(ORGS.items()):
        sub_dir = folder / slug
        sub_dir.mkdir(parents=True)
        (sub_dir / "logo.png").write_bytes(logo_png(800))
        photos = []
        for i in range(PHOTOS_PER_ORG[slug]):
            name = f"foto-{i + 1}.jpg"
            photo_source(1600, 1000 + 200 * i, seed=n * 3 + i).save(sub_dir / name, "JPEG")
            photos.append(
                Photo(
                    index=i + 1,
                    file=FileRef(name=name, path=sub_dir / name),
                    caption=f"Bildunterschrift {org} {i + 1}",
                    alt=f"Beschreibung {i + 1}",
                    credit=f"Fotograf {n}{i}",
                    consent=True,
                )
            )
        # A photo without a release: it must never reach the PDF.
        photo_source(1600, 1000, seed=99).save(sub_dir / "ohne-freigabe.jpg", "JPEG")
        photos.append(
            Photo(
                index=len(photos) + 1,
                file=FileRef(name="ohne-freigabe.jpg", path=sub_dir / "ohne-freigabe.jpg"),
                caption="Ohne Freigabe",
                consent=False,
            )
        )
        subs.append(
            Submission(
                slug=slug,
                folder=sub_dir,
                front_matter={},
                organisation=org,
                goal="Begegnung und Beratung",
                location="Nordstadt, Schulstraße 17",
                contact=Contact(
                    name="Ayşe Beispiel",
                    email=f"info@{slug}.example.org",
                    phone="0231 000000",
                    website=f"https://{slug}.example.org",
                ),
                logo=FileRef(name="logo.png", path=sub_dir / "logo.png"),
                language=lang,
                photos=tuple(photos),
                text=TEXTS[slug],
            )
        )
    editorial_dir = folder / "editorial"
    editorial_dir.mkdir()
    (editorial_dir / "10-treffen.md").write_text("# Bericht vom Treffen\n\nEs war gut.\n")
    attachments_dir = folder / "attachments"
    attachments_dir.mkdir()
    (attachments_dir / "flyer.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return Issue(
        slug="2026-12",
        folder=folder,
        title="Newsletter des Integrationsnetzwerks",
        number=38,
        date=dt.date(2026, 12, 4),
        intro="Liebe Mitglieder,\n\nwillkommen zur letzten Ausgabe des Jahres.",
        events=(
            Event(
                date=dt.date(2026, 12, 5),
                time="14:00",
                title="Internationaler Wintermarkt",
                location="Stadtteilzentrum",
                url="https://wintermarkt.example.org",
            ),
        ),
        attachments=(
            Attachment(
                file=FileRef(name="attachments/flyer.pdf", path=attachments_dir / "flyer.pdf"),
                title="Flyer Wintermarkt",
            ),
        ),
        editorials=(
            Editorial(
                name="10-treffen",
                path=editorial_dir / "10-treffen.md",
                text=(editorial_dir / "10-treffen.md").read_text(),
            ),
        ),
        submissions=tuple(subs),
    )


def place_renditions(
    issue: Issue, settings: Settings, outbox: Path
) -> dict[tuple[str, str, Kind], Placed]:
    """Write print renditions into `outbox`; the lookup build_view expects."""
    placed: dict[tuple[str, str, Kind], Placed] = {}
    photo_w = print_pixel_width(settings.layout, "photo")
    logo_w = print_pixel_width(settings.layout, "logo")
    for sub in issue.submissions:
        target = outbox / "print" / sub.slug
        target.mkdir(parents=True, exist_ok=True)
        assert sub.logo is not None and sub.logo.path is not None
        with Image.open(sub.logo.path) as im:
            small = im.resize((logo_w, round(im.height * logo_w / im.width)))
            small.save(target / "logo.png", "PNG")
        placed[(sub.slug, "logo.png", "print")] = Placed(
            f"print/{sub.slug}/logo.png", small.width, small.height
        )
        for p in sub.photos:
            assert p.file is not None and p.file.path is not None
            with Image.open(p.file.path) as im:
                data = print_jpeg(im.convert("RGB"), photo_w)
            (target / p.file.name).write_bytes(data)
            with Image.open(io.BytesIO(data)) as im:
                size = im.size
            # Even the unreleased photo gets a rendition here: the view must leave it out.
            placed[(sub.slug, p.file.name, "print")] = Placed(
                f"print/{sub.slug}/{p.file.name}", size[0], size[1], len(data)
            )
    return placed


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample issue rendered once for this module."""
    root = tmp_path_factory.mktemp("root")
    settings = load_settings(root=root)
    issue = make_issue(tmp_path_factory.mktemp("issue") / "2026-12")
    outbox = tmp_path_factory.mktemp("outbox")
    view = build_view(issue, settings, place_renditions(issue, settings, outbox))
    data = render_pdf(view, settings, outbox)
    pdf = outbox / "newsletter.pdf"
    pdf.write_bytes(data)
    photos = {
        hashlib.sha256((outbox / p.print.href).read_bytes()).hexdigest()
        for s in view.submissions
        for p in s.photos
        if p.print
    }
    return Built(settings, view, outbox, pdf, data, frozenset(photos))


@pytest.fixture(scope="module")
def qpdf_json(built: Built) -> dict[str, Any]:
    """The whole PDF as qpdf's JSON (objects, outlines, pages)."""
    data: dict[str, Any] = json.loads(run("qpdf", "--json", built.pdf))
    return data


def objects(qpdf_json: dict[str, Any]) -> dict[str, Any]:
    """Object number -> value (streams as their dictionaries)."""
    out: dict[str, Any] = {}
    for key, value in qpdf_json["qpdf"][1].items():
        if key.startswith("obj:"):
            v = value.get("value", value.get("stream", {}).get("dict"))
            out[key[4:]] = v
    return out


BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdftext(built: Built) -> str:
    """The text poppler extracts, in logical order: NFKC (Arabic presentation forms become
    letters), without the bidi embedding marks poppler wraps right-to-left runs in."""
    text = run("pdftotext", "-enc", "UTF-8", built.pdf, "-")
    return BIDI_CONTROLS.sub("", unicodedata.normalize("NFKC", text))


# --------------------------------------------------------------------------- the checks
def test_qpdf_finds_no_errors(built: Built) -> None:
    out = run("qpdf", "--check", built.pdf)
    assert "No syntax or stream encoding errors found" in out


def test_every_font_is_embedded_and_one_of_the_shipped_fonts(built: Built) -> None:
    rows = run("pdffonts", built.pdf).splitlines()[2:]
    assert rows, "no fonts at all"
    for row in rows:
        # name type... emb sub uni object ID: the last five columns are fixed
        name, *_middle, emb, sub, uni, _obj, _gen = row.split()
        assert emb == "yes", f"not embedded: {row}"
        assert sub == "yes", f"not subset (the PDF would carry the whole font): {row}"
        assert uni == "yes", f"no ToUnicode map (text not searchable): {row}"
        family = name.split("+", 1)[-1]
        assert family.startswith(("Newsletter-Sans", "Newsletter-Arabic")), (
            f"a system font slipped in: {row}"
        )
    names = " ".join(rows)
    assert "Newsletter-Arabic" in names  # the Arabic text has its own face


def test_photos_print_at_300_ppi_or_more(built: Built) -> None:
    rows = [r.split() for r in run("pdfimages", "-list", built.pdf).splitlines()[2:]]
    photos = [r for r in rows if r[2] == "image" and r[8] == "jpeg"]
    assert len(photos) == sum(PHOTOS_PER_ORG.values()) == len(built.photo_sha256)
    for r in photos:
        width, x_ppi, y_ppi = int(r[3]), int(r[12]), int(r[13])
        assert width == 945
        assert x_ppi >= 300 and y_ppi >= 300, f"photo printed at {x_ppi} ppi: {r}"
    logos = [r for r in rows if r[2] == "image" and r[8] != "jpeg"]
    assert len(logos) == len(ORGS)
    assert all(int(r[12]) >= 300 for r in logos), logos
    assert all(r[9] == "no" for r in rows), "an image asks for /Interpolate (PDF/A forbids it)"


def test_photos_are_the_renditions_bytes(built: Built, tmp_path: Path) -> None:
    run("pdfimages", "-all", built.pdf, tmp_path / "img")
    jpegs = sorted(tmp_path.glob("img-*.jpg"))
    found = {hashlib.sha256(p.read_bytes()).hexdigest() for p in jpegs}
    assert found == built.photo_sha256, "a photo was re-encoded (or one is missing)"
    for p in jpegs:
        data = p.read_bytes()
        assert b"Exif\x00\x00" not in data and b"ICC_PROFILE" not in data, p


def test_unreleased_photo_is_not_in_the_pdf(built: Built) -> None:
    unreleased = {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in built.outbox.glob("print/*/ohne-freigabe.jpg")
    }
    assert unreleased and not unreleased & built.photo_sha256
    assert "Ohne Freigabe" not in pdftext(built)


def test_text_has_every_organisation_and_every_script(built: Built) -> None:
    flat = re.sub(r"\s+", " ", pdftext(built))
    for org, _lang in ORGS.values():
        assert org in flat, f"{org!r} not found"
    # Letters in logical order, joined into the right words: shaped and laid out right to left.
    assert ARABIC in flat, "the Arabic text is missing or garbled"
    assert TURKISH.split(";")[0] in flat
    assert CYRILLIC in flat
    for event in built.view.events:
        assert event.title in flat


def test_arabic_is_marked_rtl_and_languages_are_tagged(built: Built) -> None:
    html = render_html(built.view, built.settings)
    assert re.search(r'<html lang="de"', html)
    arabic = re.search(r'<div class="org-text body" lang="ar" dir="rtl">', html)
    assert arabic, "the Arabic text must carry lang=ar and dir=rtl"
    assert '<div class="org-text body" lang="tr">' in html
    assert '<div class="org-text body" lang="uk">' in html
    assert '<div class="org-text body">' in html  # German: the document's own language


SECOND_BUILD = """
import pickle, sys
from pathlib import Path
from newsletter.output.pdf import render_pdf
view, settings, outbox = pickle.loads(sys.stdin.buffer.read())
sys.stdout.buffer.write(render_pdf(view, settings, Path(outbox)))
"""


def test_a_second_build_gives_the_same_bytes(built: Built, tmp_path: Path) -> None:
    # As `newsletter build` runs it again: another process (another hash seed), another
    # folder (an atomic build renders into a temp folder), a later second.
    other = tmp_path / "other-outbox"
    shutil.copytree(built.outbox / "print", other / "print")
    time.sleep(max(0.0, 1.05 - (time.time() % 1)))
    proc = subprocess.run(
        [sys.executable, "-c", SECOND_BUILD],
        # a fresh cache: the PDF cache must not answer for WeasyPrint here
        input=pickle.dumps(
            (
                built.view,
                built.settings.model_copy(update={"cache_dir": tmp_path / "fresh"}),
                str(other),
            )
        ),
        capture_output=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == built.data
    assert list((tmp_path / "fresh" / "pdf").glob("*.pdf")), "it really rendered"


def test_pages_are_a4(built: Built) -> None:
    info = run("pdfinfo", "-f", "1", "-l", "999", built.pdf)
    sizes = re.findall(r"Page\s+\d+ size:\s+(.*)", info)
    assert sizes and all(s == "595.276 x 841.89 pts (A4)" for s in sizes), sizes


def test_bookmarks_for_every_section_and_organisation(
    built: Built, qpdf_json: dict[str, Any]
) -> None:
    def titles(items: list[dict[str, Any]], level: int = 1) -> Iterator[tuple[int, str]]:
        for item in items:
            yield level, item["title"]
            yield from titles(item.get("kids", []), level + 1)

    found = list(titles(qpdf_json["outlines"]))
    top = [t for level, t in found if level == 1]
    for section in (
        "Zu dieser Ausgabe",
        "Bericht vom Treffen",
        "Unsere Mitglieder stellen sich vor",
        "Termine",
        "Anlagen",
        "Impressum",
    ):
        assert section in top, f"no bookmark {section!r} in {top}"
    orgs = [t for level, t in found if level == 2]
    assert orgs == [s.organisation for s in built.view.submissions]
    assert sorted(orgs) == sorted(org for org, _ in ORGS.values())


def test_contact_links_are_clickable(qpdf_json: dict[str, Any]) -> None:
    uris = set()
    for value in objects(qpdf_json).values():
        if isinstance(value, dict) and value.get("/Subtype") == "/Link":
            action = value.get("/A", {})
            if isinstance(action, dict) and action.get("/S") == "/URI":
                uris.add(str(action["/URI"]).removeprefix("u:"))
    for slug in ORGS:
        assert f"mailto:info@{slug}.example.org" in uris
        assert f"https://{slug}.example.org" in uris
    assert "tel:+49231000000" in uris
    assert "https://example.org/newsletter/2026-12/anlagen/flyer.pdf" in uris
    assert not any(u.startswith(("file:", OUTBOX_BASE)) for u in uris), uris


def test_metadata_is_pinned_to_the_issue(built: Built, qpdf_json: dict[str, Any]) -> None:
    info = run("pdfinfo", "-isodates", built.pdf)
    assert "Title:           Newsletter des Integrationsnetzwerks – Ausgabe 38" in info
    assert f"Author:          {built.settings.publisher.name}" in info
    assert "CreationDate:    2026-12-04T00:00:00+01" in info
    assert "ModDate:         2026-12-04T00:00:00+01" in info
    assert "Tagged:          yes" in info
    xmp = run("pdfinfo", "-meta", built.pdf)
    for fragment in (
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
        "<rdf:li>de</rdf:li>",
        "<xmp:CreateDate>2026-12-04T00:00:00+01:00</xmp:CreateDate>",
        built.settings.publisher.name,
    ):
        assert fragment in xmp, fragment
    # tagged, but PDF/UA-1 is not met (header and footer are not artifacts, /Lang only on the
    # catalogue), so it is not claimed
    assert "pdfuaid" not in xmp
    catalog = next(
        v
        for v in objects(qpdf_json).values()
        if isinstance(v, dict) and v.get("/Type") == "/Catalog"
    )
    assert catalog["/Lang"] == "u:de"
    assert "/StructTreeRoot" in catalog and "/OutputIntents" in catalog


def test_nothing_is_fetched_from_outside(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    inside = tmp_path / "outbox"
    (inside / "print").mkdir(parents=True)
    (inside / "print" / "a.jpg").write_bytes(b"jpeg")
    (tmp_path / "secret.txt").write_text("secret")
    fetcher = SandboxFetcher({OUTBOX_BASE: inside})
    assert fetcher.fetch(OUTBOX_BASE + "print/a.jpg").read() == b"jpeg"
    for url in (
        "https://tracker.example.net/pixel.png",
        "file:///etc/passwd",
        OUTBOX_BASE + "../secret.txt",
        OUTBOX_BASE + "%2e%2e/secret.txt",
        OUTBOX_BASE + "print/missing.jpg",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 5
    # A rendition the pipeline linked into the outbox from its cache is still served.
    (tmp_path / "cache.jpg").write_bytes(b"cached")
    (inside / "print" / "linked.jpg").symlink_to(tmp_path / "cache.jpg")
    assert fetcher.fetch(OUTBOX_BASE + "print/linked.jpg").read() == b"cached"


def test_the_sample_text_image_from_the_web_was_refused(built: Built) -> None:
    # The Markdown of one submission embeds a remote image: the PDF was built without it.
    rows = run("pdfimages", "-list", built.pdf).splitlines()[2:]
    images = [r for r in rows if r.split()[2] == "image"]
    assert len(images) == len(built.photo_sha256) + len(ORGS)


def test_a_missing_rendition_is_reported_with_its_file(built: Built, tmp_path: Path) -> None:
    with pytest.raises(NewsletterError) as err:
        render_pdf(built.view, built.settings, tmp_path)  # an empty outbox
    assert err.value.code == "PDF_FILE_MISSING"
    assert str(err.value.params["file"]).startswith("print/")


def test_a_rendition_outside_the_outbox_is_refused(built: Built) -> None:
    sub = built.view.submissions[0]
    assert sub.logo is not None and sub.logo.print is not None
    escaped = replace(sub.logo, print=replace(sub.logo.print, href="../../etc/hostname"))
    view = replace(built.view, submissions=(replace(sub, logo=escaped),))
    with pytest.raises(NewsletterError) as err:
        render_pdf(view, built.settings, built.outbox)
    assert err.value.code == "PDF_FILE_MISSING"


def test_render_logs_no_weasyprint_errors(
    built: Built, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    shutil.copytree(built.outbox / "print", tmp_path / "print")
    with caplog.at_level(logging.WARNING):
        render_pdf(built.view, built.settings, tmp_path)
    errors = [r for r in caplog.records if r.name.startswith("weasyprint")]
    problems = [r.getMessage() for r in errors if "pixel.png" not in r.getMessage()]
    assert not problems, problems


def test_print_shop_edition_is_pdf_x4_with_bleed_crop_marks_and_fogra39(built: Built) -> None:
    """`build --print-shop`: what a German print shop's preflight looks for, read back."""
    data = render_pdf(built.view, built.settings, built.outbox, print_shop=True)
    pdf = built.outbox / "druckerei.pdf"
    pdf.write_bytes(data)
    assert data.startswith(b"%PDF-1.6")
    run("qpdf", "--check", pdf)  # exit status 0: structure and streams are sound
    boxes = run("pdfinfo", "-box", pdf)

    def box(name: str) -> list[float]:
        line = next(line for line in boxes.splitlines() if line.startswith(name + ":"))
        return [float(x) for x in line.split()[1:]]

    bleed = 3 / 25.4 * 72  # 3 mm in points
    assert box("TrimBox") == pytest.approx([0, 0, 595.28, 841.89], abs=0.02)  # A4
    assert box("BleedBox") == pytest.approx(
        [-bleed, -bleed, 595.28 + bleed, 841.89 + bleed], abs=0.05
    )
    assert box("MediaBox") == box("BleedBox")
    everything = objects(json.loads(run("qpdf", "--json", pdf)))
    catalog = next(
        v for v in everything.values() if isinstance(v, dict) and v.get("/Type") == "/Catalog"
    )
    (intent,) = catalog["/OutputIntents"]
    intent = everything[intent] if isinstance(intent, str) else intent
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/OutputConditionIdentifier"] == "u:FOGRA39"
    profile = everything[intent["/DestOutputProfile"]]
    assert profile["/N"] == 4  # a CMYK characterisation
    xmp = run("pdfinfo", "-meta", pdf)
    assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    # crop marks: ink in the bleed's corners, outside the trim box (at 72 dpi 1 px = 1 pt)
    run("pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-gray", pdf, built.outbox / "marks")
    with Image.open(next(built.outbox.glob("marks*.pgm"))) as page:
        w, h = page.size
        for corner in ((0, 0, 9, 9), (w - 9, h - 9, w, h)):
            assert min(page.crop(corner).tobytes()) < 128, corner
