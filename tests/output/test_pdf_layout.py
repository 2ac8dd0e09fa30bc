"""The PDF edition lays out like print: organisations follow each other, pages stay full.

A 30-submission issue like the corpus's is generated here (about 100 words and two photos
per organisation, as in `make_issue.py --n 30`; 0-3 photos, some portrait; logos), its
print renditions made with Pillow at the slot's 300 ppi, the PDF rendered, every page
rendered with pdftoppm and its ink measured (tests/support/pdf_fill.py). The same figure for
the shared corpus's 30-submission issue: bench/pdf_layout.py.
"""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from newsletter.core.config import Settings, load_settings
from newsletter.core.layout import print_pixel_width
from newsletter.intake.reader import read_issue
from newsletter.output.content import Kind, Placed, build_view
from newsletter.output.pdf import photo_rows, render_pdf
from tests.support import IssueDir, valid_front
from tests.support.pdf_fill import page_fill

_SENTENCE = (
    "Wir treffen uns jede Woche im Stadtteilzentrum und helfen bei Hausaufgaben, Bewerbungen "
    "und Briefen vom Amt. Neue Gesichter sind immer willkommen, ob mit oder ohne Deutschkenntnisse."
)
WORDS = _SENTENCE.split()


def _text(rng: random.Random, paragraphs: int) -> str:
    out = []
    for i in range(paragraphs):
        if i == 2:
            out.append("\n".join(f"- {' '.join(rng.choices(WORDS, k=9))}" for _ in range(4)))
            continue
        out.append(" ".join(rng.choices(WORDS, k=rng.randint(30, 60))) + ".")
    return "\n\n".join(out) + "\n"


def _photo(rng: random.Random, portrait: bool) -> bytes:
    w, h = (1000, 1400) if portrait else (1500, 1000)
    im = Image.new("RGB", (w, h), tuple(rng.randint(40, 220) for _ in range(3)))
    im.paste((230, 200, 40), (0, 0, w // 3, h // 3))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _issue(issue: IssueDir, n: int) -> None:
    rng = random.Random(30)
    for i in range(n):
        photos: list[dict[str, Any]] = []
        files: dict[str, bytes | str] = {}
        for k in range(rng.choice([0, 1, 2, 2, 3, 3, 3])):
            name = f"foto-{k}.jpg"
            files[name] = _photo(rng, portrait=rng.random() < 0.2)
            photos.append(
                {
                    "file": name,
                    # (V07): whose photo it is, to find it in the PDF's text
                    "caption": f"Sommerfest {k} (V{i + 1:02d}) im Stadtpark mit Nachbarn",
                    "alt": "Menschen feiern im Park",
                    "credit": "Vereinsfoto (CC BY 4.0)",
                    "consent": True,
                }
            )
        front = valid_front()
        front["organisation"] = f"Verein Nummer {i + 1:02d} für Begegnung e.V."
        front["photos"] = photos
        issue.add(f"verein-{i + 1:02d}", front, _text(rng, rng.randint(2, 3)), files=files)


def _render(folder: Path, settings: Settings, outbox: Path) -> Path:
    """Print renditions (the slot's width at 300 ppi) and the PDF; its path."""
    read = read_issue(folder, settings).issue
    width = print_pixel_width(settings.layout, "photo")
    placed: dict[tuple[str, str, Kind], Placed] = {}
    for sub in read.submissions:
        pics = [(p.file.name, p.file.path, width) for p in sub.photos if p.file and p.file.path]
        if sub.logo is not None and sub.logo.path is not None:
            pics.append((sub.logo.name, sub.logo.path, print_pixel_width(settings.layout, "logo")))
        for name, path, w in pics:
            with Image.open(path) as im:
                h = round(im.height * w / im.width)
                small = im.convert("RGB").resize((w, h))
            href = f"print/{sub.slug}/{Path(name).stem}.jpg"
            (outbox / href).parent.mkdir(parents=True, exist_ok=True)
            small.save(outbox / href, "JPEG", quality=85)
            placed[(sub.slug, name, "print")] = Placed(href, w, h)
    view = build_view(read, settings, placed)
    pdf = outbox / "newsletter.pdf"
    pdf.write_bytes(render_pdf(view, settings, outbox))
    return pdf


def _page_texts(pdf: Path) -> list[str]:
    """Each page's text, laid out, without its first line (the running header, which names an
    organisation of that page too)."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True)
    return [page.partition("\n")[2] for page in out.stdout.decode("utf-8").split("\f")]


# Words only an organisation's text has (not its name, goal, facts, a caption or the footer).
BODY_WORDS = {w.strip(".,") for w in WORDS} - {
    "und",
    "im",
    "mit",
    "bei",
    "oder",
    "ob",
    "vom",
    "uns",
}


def _has_body_text(text: str) -> bool:
    return any(word in BODY_WORDS for word in re.findall(r"\w+", text))


@pytest.fixture(scope="module")
def thirty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The 30-submission issue's PDF, rendered once for the tests below."""
    tmp = tmp_path_factory.mktemp("thirty")
    with pytest.MonkeyPatch.context() as mp:  # as conftest's autouse fixture does per test
        for key in [k for k in os.environ if k.startswith("NEWSLETTER_")]:
            mp.delenv(key)
        (tmp / "root").mkdir()
        settings = load_settings(root=tmp / "root")
        issue = IssueDir(tmp / "issue-2026-12")
        _issue(issue, 30)
        yield _render(issue.folder, settings, tmp / "outbox")


def test_thirty_organisations_fill_their_pages(thirty: Path) -> None:
    pdf = thirty
    fills = page_fill(pdf)
    pages = _page_texts(pdf)
    # a section's last page may stay part empty: the one before a page that starts a section,
    # and the very last one
    starts = {"Unsere Mitglieder stellen sich vor", "Termine", "Anlagen"}
    last_of_section = {len(fills) - 1} | {
        i - 1 for i, text in enumerate(pages) if any(s in text[:400] for s in starts)
    }
    thin = [
        (i + 1, round(f, 2)) for i, f in enumerate(fills) if f < 0.5 and i not in last_of_section
    ]
    assert thin == [], f"pages under 50% filled: {thin} of {len(fills)}"
    assert len(fills) <= 30


def test_no_organisations_name_and_facts_end_a_page(thirty: Path) -> None:
    """A heading never ends a page, and photos never start one alone.

    On the page with an organisation's name, its text or photos follow before the next
    organisation's name; the first line of an organisation's first photo caption is never the
    first thing on its page (its text's last lines come along). Issue 14, item 11.
    """
    pages = _page_texts(thirty)
    ended, alone = [], []
    for n in range(1, 31):
        name = f"Verein Nummer {n:02d}"
        # its last mention: the contents list on the cover names every organisation before
        page = max(i for i, text in enumerate(pages) if name in text)
        after = pages[page].split(name, 1)[1].split("Verein Nummer ", 1)[0]
        if not ("Sommerfest" in after or _has_body_text(after)):
            ended.append((name, page + 1))
        tag = f"(V{n:02d})"
        with_photo = [i for i, text in enumerate(pages) if tag in text]
        if with_photo:
            text = pages[with_photo[0]]
            before = text[: text.index(tag)].rpartition("\n")[0]
            if not (name in before or _has_body_text(before)):
                alone.append((name, with_photo[0] + 1))
    assert ended == [], f"name and facts end a page: {ended}"
    assert alone == [], f"photos start a page without their organisation: {alone}"


def test_the_running_header_names_the_organisation_at_the_top_of_the_page(thirty: Path) -> None:
    """As in print: a page that begins inside an organisation's text or photos is headed with
    that organisation, even where the next one starts further down; a page that begins with an
    organisation's name is headed with it."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(thirty), "-"], capture_output=True, check=True
    )
    pages = out.stdout.decode("utf-8").split("\f")
    name = re.compile(r"Verein Nummer \d\d für Begegnung e\.V\.")
    # the section's first page (the cover's contents list names it too)
    first = next(
        i for i, p in enumerate(pages) if i > 0 and "Unsere Mitglieder stellen sich vor" in p[:400]
    )
    on_first = name.findall(pages[first].partition("\n")[2])
    current, wrong, checked = (on_first[-1] if on_first else None), [], 0
    for i, page in enumerate(pages[first + 1 :], start=first + 1):
        header, _, body = page.partition("\n")
        if not header.strip() or any(s in header for s in ("Termine", "Anlagen", "Impressum")):
            break
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        top = name.match(lines[0]) if lines else None
        expected = top.group() if top else current
        shown = name.search(header)
        if expected is not None:
            checked += 1
            if shown is None or shown.group() != expected:
                wrong.append((i + 1, shown.group() if shown else header.strip(), expected))
        names = name.findall(body)
        current = names[-1] if names else current
    assert checked >= 10
    assert wrong == [], f"(page, header, organisation at the top): {wrong}"


def test_photos_one_alone_two_side_by_side_three_in_a_row_at_300_ppi(thirty: Path) -> None:
    """Every photo of the 30-submission issue is printed at its rendition's 300 ppi or more;
    one photo is set alone at the slot's width (80 mm), two side by side at it, three in a row
    sharing the text width, more in pairs."""
    assert [len(r) for r in photo_rows(list(range(1)))] == [1]
    assert [len(r) for r in photo_rows(list(range(2)))] == [2]
    assert [len(r) for r in photo_rows(list(range(3)))] == [3]
    assert [len(r) for r in photo_rows(list(range(5)))] == [2, 2, 1]
    assert photo_rows([]) == []
    out = subprocess.run(["pdfimages", "-list", str(thirty)], capture_output=True, check=True)
    rows = [line.split() for line in out.stdout.decode().splitlines()[2:]]
    photos = [r for r in rows if r[2] == "image" and int(r[3]) >= 500]  # logos are narrower
    assert len(photos) >= 40
    low = [(r[0], r[12]) for r in photos if int(r[12]) < 299]
    assert low == [], f"(page, ppi) of photos under 300 ppi: {low}"
    widths = sorted({round(int(r[3]) / int(r[12]) * 25.4) for r in photos})
    assert 80 in widths and 54 in widths, widths  # alone or in pairs; three in a row
