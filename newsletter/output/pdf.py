"""IssueView -> the PDF edition: A4, print renditions, embedded fonts, tagged, PDF/A-3b.

WeasyPrint renders templates/pdf.html.j2 styled by templates/pdf.css. Three things matter
beyond the layout:

- Nothing is fetched from the network. A custom URL fetcher serves only files under the
  outbox and the shipped fonts folder and refuses everything else.
- The same input gives the same bytes, wherever the outbox is. WeasyPrint names images after a
  hash of their URL, so resources get fixed virtual URLs (`https://outbox.newsletter.invalid/…`)
  that the fetcher maps onto the real folders. The dates come from the issue date, never the clock;
  /ID is derived from the issue and the file's own hash; the XMP packet is written here.
- Photos are embedded as the print renditions' JPEG bytes (WeasyPrint passes JPEG through
  unchanged unless it is asked to optimise, recompress or rotate them, and it is not).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.metadata
import logging
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import jinja2

from newsletter.core.config import LayoutSettings, Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.files import write_atomic
from newsletter.core.resources import FONTS_DIR, ICC_DIR, TEMPLATES_DIR, template_folders
from newsletter.output.content import IssueView, Picture, Placed, display_url, phone_href
from newsletter.output.pdf_paths import inside
from newsletter.output.render import bytecode_cache
from newsletter.texts import i18n

# WeasyPrint (and cairo, Pango, fontTools behind it: ~1 s) is imported only to render: a
# rebuild whose PDF comes from the cache never loads it. SandboxFetcher is in pdf_fetch.py.

log = logging.getLogger(__name__)

TEMPLATE = "pdf.html.j2"
STYLESHEET = "pdf.css"
LANG = "de"  # the language of the templates' own words
GENERATOR = "newsletter"
# a portrait photo is set narrower (so sharper than 300 ppi), never taller than this: two side
# by side stay within a third of the page
PHOTO_MAX_HEIGHT_MM = 90.0
TEXT_WIDTH_MM = 170.0  # A4 less pdf.css's left and right margins (20 mm each)
PHOTO_GAP_MM = 4.0
FONT_FILES = (
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoNaskhArabic-Regular.ttf",
    "NotoNaskhArabic-Bold.ttf",
)
# `.invalid` never resolves (RFC 2606): even a leak could not reach the network.
OUTBOX_BASE = "https://outbox.newsletter.invalid/"
FONTS_BASE = "https://fonts.newsletter.invalid/"

# Under every right-to-left contribution: poppler's pdftotext reorders right-to-left lines by
# one direction chosen per page (the majority of its letters), so Arabic copied from a mostly
# German page comes out clause-reversed where it mixes with digits or Latin words; the web
# version copies in logical order. No /ActualText fixes both poppler and PDFium (issue 14,
# item 13): both read ActualText as glyphs in visual order and reorder it again.
COPY_NOTE = i18n.N_("Zum Kopieren dieses Textes bitte die Webversion nutzen:")

# PDF/A-3b is the archival level WeasyPrint declares reliably; tagging is switched on
# separately (it helps screen readers) but not claimed as PDF/UA-1. `pdf/a-3a` would claim
# that the tag tree is complete, which WeasyPrint's is not (the running header and page
# numbers are marked content left outside the structure tree, not artifacts).
PDF_VARIANT = "pdf/a-3b"

# The print shop's edition (`newsletter build --print-shop`): what German print shops ask for.
PRINT_SHOP_PDF = "newsletter-druckerei.pdf"
PRINT_SHOP_VARIANT = "pdf/x-4"
BLEED_MM = 3
PRESS_PROFILE = "FOGRA39L_coated.icc"  # ISO 12647-2 coated paper, shipped with the package
ICC_BASE = "https://icc.newsletter.invalid/"
# WeasyPrint names the output intent after the profile's URL; a print shop's preflight reads
# the registered name of the characterisation instead.
FOGRA39_IDENTIFIER = "FOGRA39"
FOGRA39_INFO = "Coated FOGRA39 (ISO 12647-2:2004)"
PRINT_SHOP_CSS = f"""
@color-profile device-cmyk {{ src: url("{ICC_BASE}{PRESS_PROFILE}"); components: c, m, y, k; }}
@page {{ bleed: {BLEED_MM}mm; marks: crop; }}
"""


def render_html(view: IssueView, settings: Settings) -> str:
    """The HTML that WeasyPrint lays out (pictures still relative to the outbox)."""
    env = _environment(settings, view)
    return env.get_template(TEMPLATE).render(
        view=view,
        lang=LANG,
        generator=GENERATOR,
        created=_w3c_date(view.date, settings.timezone),
    )


def render_pdf(
    view: IssueView, settings: Settings, outbox: Path, *, print_shop: bool = False
) -> bytes:
    """The PDF edition of `view`, its pictures' hrefs resolved against `outbox`.

    `print_shop`: the print shop's edition instead: PDF/X-4 with the FOGRA39 output intent,
    3 mm bleed and crop marks (the page itself, its TrimBox, stays A4).

    Rendering is deterministic, so the result is cached under the hash of everything it is
    made from (HTML, stylesheet, identifier, every picture's bytes, fonts, WeasyPrint): a
    rebuild with nothing changed costs a hash, not a layout of every page.
    """
    outbox = outbox.resolve()
    _check_files(view, outbox)
    html = render_html(view, settings)
    css = _stylesheet(settings) + (PRINT_SHOP_CSS if print_shop else "")
    cache = (
        settings.path(settings.cache_dir) / "pdf" / (_cache_key(view, html, css, outbox) + ".pdf")
    )
    if cache.is_file():
        return cache.read_bytes()
    from newsletter.output.pdf_memo import remembered  # imports WeasyPrint

    with remembered():  # the same bytes, each text measured once per layout (pdf_memo.py)
        data = _write_pdf(view, html, css, outbox, print_shop=print_shop)
    cache.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(cache, data)
    return data


def _cache_key(view: IssueView, html: str, css: str, outbox: Path) -> str:
    h = hashlib.sha256()
    for part in (weasyprint_version(), PDF_VARIANT, PRINT_SHOP_VARIANT, html, css):
        h.update(str(part).encode() + b"\0")
    h.update(_identifier(view))
    for sub in view.submissions:
        for pic in (sub.logo, *sub.photos):
            if pic is None:
                continue
            for placed in (pic.print, pic.email):
                path = inside(outbox, placed.href) if placed is not None else None
                if placed is not None and path is not None and path.is_file():
                    h.update(placed.href.encode() + hashlib.sha256(path.read_bytes()).digest())
    for name in FONT_FILES:
        h.update(name.encode() + hashlib.sha256((FONTS_DIR / name).read_bytes()).digest())
    return h.hexdigest()


def weasyprint_version() -> str:
    """WeasyPrint's version, read from its metadata (importing it takes a second)."""
    return importlib.metadata.version("weasyprint")


def _write_pdf(
    view: IssueView, html: str, css: str, outbox: Path, *, print_shop: bool = False
) -> bytes:
    import weasyprint  # type: ignore[import-untyped]
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    from newsletter.output.pdf_fetch import SandboxFetcher

    fetcher = SandboxFetcher({OUTBOX_BASE: outbox, FONTS_BASE: FONTS_DIR, ICC_BASE: ICC_DIR})
    fonts = FontConfiguration()
    profiles: dict[str, Any] = {}  # @color-profile rules land here (the print shop's FOGRA39)
    stylesheet = weasyprint.CSS(
        string=css,
        base_url=FONTS_BASE,
        url_fetcher=fetcher,
        font_config=fonts,
        color_profiles=profiles,
    )
    html_doc = weasyprint.HTML(string=html, base_url=OUTBOX_BASE, url_fetcher=fetcher)
    data: bytes = html_doc.write_pdf(
        stylesheets=[stylesheet],
        font_config=fonts,
        pdf_variant=PRINT_SHOP_VARIANT if print_shop else PDF_VARIANT,
        color_profiles=profiles,
        pdf_tags=True,
        pdf_identifier=_identifier(view),
        # Never recompress, downsample or re-rotate: the renditions are what print needs.
        optimize_images=False,
        jpeg_quality=None,
        dpi=None,
        finisher=(
            functools.partial(_name_output_intent, identifier=_identifier(view))
            if print_shop
            else lambda d, p: _write_xmp(d, p, lang=LANG)
        ),
    )
    if fetcher.refused:
        log.warning("PDF: %d resource(s) refused: %s", len(fetcher.refused), fetcher.refused)
    return data


def _environment(settings: Settings, view: IssueView) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_template_dirs(settings)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=bytecode_cache(settings, "pdf"),
    )
    env.filters["absolute"] = lambda href: urljoin(view.pdf_url, href)
    env.filters["display_url"] = display_url
    env.filters["primary_lang"] = lambda tag: tag.split("-")[0].lower()
    env.filters["tel_href"] = phone_href
    env.filters["copy_note"] = copy_note
    env.filters["is_rtl"] = i18n.is_rtl
    layout = settings.layout
    env.filters["photo_box_mm"] = lambda p, per_row=2: photo_box_mm(p, layout, per_row)
    env.filters["photo_rows"] = photo_rows
    env.filters["logo_box_mm"] = lambda p: box_mm(
        p, layout.print_logo_width_mm, layout.print_logo_height_mm
    )
    return env


def _template_dirs(settings: Settings) -> list[Path]:
    """The editor's templates/ folder first (to adapt the layout), then the shipped one."""
    return template_folders(settings)


def _stylesheet(settings: Settings) -> str:
    for folder in _template_dirs(settings):
        path = folder / STYLESHEET
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise NewsletterError("PDF_FILE_MISSING", TEMPLATES_DIR / STYLESHEET, {"file": STYLESHEET})


def _check_files(view: IssueView, outbox: Path) -> None:
    """Fail with the file's name before rendering, rather than print a PDF with a hole."""
    pictures: list[Picture] = []
    for sub in view.submissions:
        pictures.extend(p for p in (sub.logo, *sub.photos) if p is not None)
    for pic in pictures:
        if pic.print is None:
            continue
        path = inside(outbox, pic.print.href)
        if path is None or not path.is_file():
            raise NewsletterError("PDF_FILE_MISSING", path or outbox, {"file": pic.print.href})
    for name in FONT_FILES:
        if not (FONTS_DIR / name).is_file():
            raise NewsletterError("PDF_FILE_MISSING", FONTS_DIR / name, {"file": name})


def copy_note(lang: str) -> list[tuple[str, str]]:
    """[(language, text)] of the note under a right-to-left contribution: German first, then
    the contribution's language from the catalogues (English where it has none)."""
    notes = [(i18n.SOURCE, COPY_NOTE)]
    notes += [
        (tag, text) for tag, text in i18n.texts(COPY_NOTE, i18n.primary(lang)) if tag != i18n.SOURCE
    ]
    return notes


def photo_rows(photos: list[Any]) -> list[list[Any]]:
    """An organisation's photos in rows: one alone, two side by side, three in a row (as
    narrow as the text width shares), more in rows of two."""
    if len(photos) <= 3:
        return [photos] if photos else []
    return [photos[i : i + 2] for i in range(0, len(photos), 2)]


def photo_box_mm(placed: Placed, layout: LayoutSettings, per_row: int) -> tuple[str, str]:
    """A photo's printed box when `per_row` photos share the text width (gaps of 4 mm).

    Never wider than the slot its rendition was made for (print_photo_width_mm at print_ppi),
    so a photo is printed at that resolution or a higher one, never a lower one.
    """
    share = (TEXT_WIDTH_MM - PHOTO_GAP_MM * (per_row - 1)) / max(per_row, 1)
    width = min(layout.print_photo_width_mm, share)
    return box_mm(placed, width, PHOTO_MAX_HEIGHT_MM * width / layout.print_photo_width_mm)


def box_mm(placed: Placed, max_width: float, max_height: float | None = None) -> tuple[str, str]:
    """Printed (width, height) in mm of a rendition fitted into the slot, as CSS numbers.

    The rendition was made for the slot's full width (300 ppi there); a logo that is too tall
    for it is shown narrower, and so at a higher resolution, never a lower one.
    """
    width = max_width
    height = width * placed.height / max(placed.width, 1)
    if max_height is not None and height > max_height:
        height = max_height
        width = height * placed.width / max(placed.height, 1)
    return f"{width:.2f}", f"{height:.2f}"


def _w3c_date(date: dt.date | None, timezone: str) -> str | None:
    """Midnight of the issue date in the newsletter's time zone, as W3C-DTF; None if undated."""
    if date is None:
        return None
    moment = dt.datetime(date.year, date.month, date.day, tzinfo=ZoneInfo(timezone))
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{date.isoformat()}T00:00:00{sign}{hours:02d}:{mins:02d}"


def _identifier(view: IssueView) -> bytes:
    """The permanent half of /ID: the same for every build of this issue (the other half is the
    file's own MD5, which pydyf computes)."""
    key = f"newsletter:{view.slug}:{view.number}:{view.date}"
    return hashlib.md5(key.encode(), usedforsecurity=False).hexdigest().encode()


def xmp_packet(meta: Any, lang: str) -> bytes:
    """The XMP metadata: PDF/A-3b identification, title, author, language, dates.

    No PDF/UA-1 identification: the file is tagged, but WeasyPrint leaves the running header
    and "Seite N von M" as tagged content rather than artifacts and writes /Lang only on the
    catalogue, so PDF/UA-1 is not met, and the file does not claim it (issue 14, item 12).

    Every value mirrors the /Info entry WeasyPrint writes, as PDF/A requires; nothing in it
    depends on the clock or on random numbers.
    """
    props = [
        "   <pdfaid:part>3</pdfaid:part>",
        "   <pdfaid:conformance>B</pdfaid:conformance>",
        f"   <pdf:Producer>WeasyPrint {escape(weasyprint_version())}</pdf:Producer>",
        f"   <dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language>",
        "   <dc:format>application/pdf</dc:format>",
    ]
    if meta.title:
        props.append(
            '   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{escape(meta.title)}</rdf:li></rdf:Alt></dc:title>"
        )
    if meta.authors:
        items = "".join(f"<rdf:li>{escape(a)}</rdf:li>" for a in meta.authors)
        props.append(f"   <dc:creator><rdf:Seq>{items}</rdf:Seq></dc:creator>")
    if meta.description:
        props.append(
            '   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{escape(meta.description)}</rdf:li></rdf:Alt></dc:description>"
        )
    if meta.generator:
        props.append(f"   <xmp:CreatorTool>{escape(meta.generator)}</xmp:CreatorTool>")
    if meta.created:
        props.append(f"   <xmp:CreateDate>{escape(meta.created)}</xmp:CreateDate>")
    if meta.modified:
        props.append(f"   <xmp:ModifyDate>{escape(meta.modified)}</xmp:ModifyDate>")
        props.append(f"   <xmp:MetadataDate>{escape(meta.modified)}</xmp:MetadataDate>")
    body = "\n".join(props)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '      xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"\n'
        '      xmlns:pdf="http://ns.adobe.com/pdf/1.3/"\n'
        '      xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '      xmlns:xmp="http://ns.adobe.com/xap/1.0/">\n'
        f"{body}\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="r"?>'
    )
    return packet.encode("utf-8")


def _name_output_intent(document: Any, pdf: Any, *, identifier: bytes) -> None:
    """The print shop's edition: the output intent under FOGRA39's registered name, and the
    XMP DocumentID WeasyPrint draws at random (uuid4) made from the issue's identifier, so the
    same issue gives the same bytes every time (and /ID, a hash of them, stays put)."""
    import pydyf  # type: ignore[import-untyped]

    for intent in pdf.catalog.get("OutputIntents", []):
        intent["OutputConditionIdentifier"] = pydyf.String(FOGRA39_IDENTIFIER)
        intent["OutputCondition"] = pydyf.String(FOGRA39_INFO)
        intent["Info"] = pydyf.String(FOGRA39_INFO)
        intent["RegistryName"] = pydyf.String("http://www.color.org")
    reference = pdf.catalog.get("Metadata")
    if reference is None:
        return
    stream = pdf.objects[int(bytes(reference).split()[0])]
    fixed = f"xmp.did:{uuid.UUID(bytes=hashlib.md5(identifier).digest())}".encode()
    stream.stream = [
        re.sub(
            rb"xmp\.did:[0-9a-fA-F-]{36}", fixed, part if isinstance(part, bytes) else part.encode()
        )
        for part in stream.stream
    ]


def _write_xmp(document: Any, pdf: Any, *, lang: str) -> None:
    """Replace the XMP stream WeasyPrint wrote for PDF/A with our own (fixed dates, language)."""
    reference = pdf.catalog["Metadata"]  # b"N 0 R"
    number = int(bytes(reference).split()[0])
    stream = pdf.objects[number]
    stream.stream = [xmp_packet(document.metadata, lang)]
    stream.compress = False  # readable by any tool that looks for the packet
