"""The email, the text part and the web version, rendered from a view, checked as readers see them.

The layout tests drive Debian's Chromium (/usr/bin/chromium, installed by `make test`'s
setup) through Playwright: no browser is downloaded.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from newsletter.core.config import Settings, load_settings
from newsletter.core.models import Contact, Event, FileRef, Issue, Photo, Submission
from newsletter.output.content import IssueView, Placed, build_view
from newsletter.output.render import UNSUBSCRIBE_PLACEHOLDER, fit_email, render_text, render_web
from newsletter.output.transfer import sent_bytes

LOREM = (
    "Wir treffen uns jede Woche im Stadtteilzentrum und helfen bei Hausaufgaben, "
    "Bewerbungen und Behördenbriefen. Neue Gesichter sind immer willkommen. "
)
ARABIC = "مرحبا بكم في جمعيتنا. نلتقي كل أسبوع في مركز الحي ونساعد العائلات الجديدة."


def _submission(i: int, folder: Path, chars: int = 1400, language: str = "de") -> Submission:
    text = (ARABIC * 20)[:chars] if language == "ar" else (LOREM * 20)[:chars]
    photos = tuple(
        Photo(
            index=n,
            file=FileRef(name=f"foto-{n}.jpg", path=folder / f"foto-{n}.jpg"),
            caption=f"Sommerfest {n}",
            alt=f"Menschen feiern im Park, Bild {n}",
            credit="Vereinsfoto",
            consent=True,
        )
        for n in (1, 2, 3)
    )
    return Submission(
        slug=f"verein-{i:02d}",
        folder=folder,
        front_matter={},
        organisation=f"Verein Nummer {i:02d} für Begegnung e.V.",
        goal="Begegnung und Unterstützung für Familien aus aller Welt",
        location=f"Lindenstraße {i}, Nordstadt",
        contact=Contact(
            name="Ayşe Beispiel",
            email=f"info{i}@example.org",
            phone="0231 000000-12",
            website=f"https://verein{i}.example.org",
        ),
        logo=FileRef(name="logo.png", path=folder / "logo.png"),
        language=language,
        photos=photos,
        text=text + f"\n\n[Mehr erfahren](https://verein{i}.example.org/mehr)",
    )


def make_view(n: int, settings: Settings, tmp: Path, chars: int = 1400) -> IssueView:
    """A view of an n-submission issue whose pictures are 'placed' (the HTML only needs hrefs)."""
    subs = [_submission(i, tmp, chars, "ar" if i == 2 else "de") for i in range(1, n + 1)]
    issue = Issue(
        slug="2026-12",
        folder=tmp,
        title="Newsletter des Integrationsnetzwerks",
        number=38,
        date=dt.date(2026, 12, 4),
        intro="Liebe Leserinnen und Leser,\n\nviel Freude!",
        events=tuple(
            Event(date=dt.date(2026, 12, d), time="17:00", title=f"Termin {d}", location="Rathaus")
            for d in (5, 10, 17)
        ),
        submissions=tuple(subs),
    )
    placed: dict[tuple[str, str, Any], Placed] = {}
    for s in subs:
        placed[(s.slug, "logo.png", "email")] = Placed(f"images/{s.slug}/logo.png", 320, 120)
        for p in s.photos:
            assert p.file is not None
            placed[(s.slug, p.file.name, "email")] = Placed(
                f"images/{s.slug}/{p.file.name}", 1200, 800
            )
    return build_view(issue, settings, placed)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(root=tmp_path)


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.imgs.append(dict(attrs))


def test_email_for_30_submissions_stays_under_gmail_clipping(
    settings: Settings, tmp_path: Path
) -> None:
    view = make_view(30, settings, tmp_path)
    html, _used = fit_email(view, settings)
    assert sent_bytes(html) < 100_000  # as the message carries it (quoted-printable)
    for s in view.submissions:
        assert s.organisation in html


def test_too_long_email_is_shortened_with_links_to_the_full_text(
    settings: Settings, tmp_path: Path
) -> None:
    view = make_view(30, settings, tmp_path)  # 30 x 1,400 characters and 3 photos: too long
    html, used = fit_email(view, settings)
    assert used.shortened
    assert sent_bytes(html) < settings.email.max_html_bytes
    assert "gekürzt" in html  # the reader is told
    for s in view.submissions:  # every organisation keeps a link to its full text
        assert f"{view.web_url}#{s.anchor}" in html
    # the text part is not clipped by Gmail: it keeps the full texts
    text = render_text(view, settings)
    assert LOREM.strip()[:60] in text


def test_every_image_has_alt_width_and_height(settings: Settings, tmp_path: Path) -> None:
    html, _ = fit_email(make_view(3, settings, tmp_path), settings)
    parser = _Images()
    parser.feed(html)
    assert len(parser.imgs) == 3 * 4  # a logo and three photos each
    for img in parser.imgs:
        assert img.get("alt"), img
        assert img.get("width") and int(str(img["width"])) > 0, img
        assert img.get("height") and int(str(img["height"])) > 0, img
    # 2x renditions displayed at 1x: a 1200 px photo is shown 600 px wide
    assert any(img["width"] == "600" and "1200" not in str(img.get("style")) for img in parser.imgs)


def test_email_marks_language_and_direction_of_each_text(
    settings: Settings, tmp_path: Path
) -> None:
    html, _ = fit_email(make_view(3, settings, tmp_path), settings)
    assert re.search(r'<html[^>]*lang="de"', html)
    assert re.search(r'lang="ar" dir="rtl"', html)
    assert html.count('dir="rtl"') == 1


def test_email_has_preheader_unsubscribe_and_impressum(settings: Settings, tmp_path: Path) -> None:
    html, _ = fit_email(make_view(3, settings, tmp_path), settings)
    assert UNSUBSCRIBE_PLACEHOLDER in html  # filled in per recipient when sending
    assert settings.publisher.name in html and settings.publisher.responsible in html
    assert "mso-hide:all" in html  # the hidden preheader
    assert "<!--[if mso]>" in html  # Outlook ghost tables
    assert 'data-premailer="ignore"' not in html  # premailer consumed the marker...
    assert "@media only screen and (max-width: 620px)" in html  # ...but kept the block


def test_text_part_lists_every_organisation_date_and_link(
    settings: Settings, tmp_path: Path
) -> None:
    view = make_view(5, settings, tmp_path)
    text = render_text(view, settings)
    for s in view.submissions:
        assert s.organisation in text
        for c in s.contacts:
            assert c.label in text or c.href in text
    for i in range(1, 6):
        assert f"https://verein{i}.example.org/mehr" in text  # links listed, not lost
    for e in view.events:
        assert e.date_label in text and e.title in text
    assert "<" not in text.replace("<b>", "")  # no HTML dump
    assert max(len(line) for line in text.splitlines()) <= 100  # wrapped for a terminal
    assert UNSUBSCRIBE_PLACEHOLDER in text


def test_web_version_links_relatively_and_shows_full_texts(
    settings: Settings, tmp_path: Path
) -> None:
    view = make_view(2, settings, tmp_path)
    page = render_web(view, settings)
    assert 'href="../newsletter.pdf"' in page
    assert 'src="../images/verein-01/foto-1.jpg"' in page
    full = (LOREM * 20)[:1300]  # far longer than a shortened excerpt
    assert full in page.replace("\n", " ")


def test_pictures_written_into_a_text_never_reach_the_email(
    settings: Settings, tmp_path: Path
) -> None:
    view = make_view(1, settings, tmp_path)
    sub = view.submissions[0]
    import dataclasses

    from newsletter.intake import markup

    md = (
        "Unser Fest ![Kinder am Tisch](https://tracker.example/pixel.gif) und "
        "![Foto][f]\n\n[f]: data:image/jpeg;base64,/9j/4AAQSkZJRg=="
    )
    sub = dataclasses.replace(sub, html=markup.to_html(md))
    view = dataclasses.replace(view, submissions=(sub,))
    html, _ = fit_email(view, settings)
    web = render_web(view, settings)
    for page in (html, web):
        assert "tracker.example" not in page and "data:image" not in page
        assert "Kinder am Tisch" in page  # the description stays


# --- in a real browser (conftest.browser) --------------------------------------------------


@pytest.mark.parametrize("width", [375, 600])
@pytest.mark.parametrize("strip_style", [False, True], ids=["with-style", "style-stripped"])
def test_email_fits_phone_and_desktop_with_and_without_style(
    browser: Browser, settings: Settings, tmp_path: Path, width: int, strip_style: bool
) -> None:
    view = make_view(6, settings, tmp_path)
    html, _ = fit_email(view, settings)
    if strip_style:  # what GMX and WEB.DE do
        html = re.sub(r"<style\b.*?</style>", "", html, flags=re.S)
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        page.set_content(html)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"horizontal scroll: {scroll} > {width}"
        for s in view.submissions:
            box = page.get_by_role("heading", name=s.organisation).bounding_box()
            assert box is not None, s.organisation
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (s.organisation, box)
            assert box["height"] > 0
    finally:
        page.close()


def test_addresses_written_as_plain_text_become_links(settings: Settings, tmp_path: Path) -> None:
    """Contributors write `www.verein.de` and `info@verein.de` without Markdown: the web
    version (and the PDF, from the same HTML) link them as mail programs would, and the text
    part shows each once, as written, with no [n] after it."""
    import dataclasses

    from newsletter.intake import markup

    md = (
        "Termine unter www.verein-beispiel.de oder https://verein1.example.org/termine, "
        "Fragen an info@verein1.example.org. Mehr [auf unserer Seite](https://verein1.example.org)."
    )
    view = make_view(1, settings, tmp_path)
    sub = dataclasses.replace(view.submissions[0], html=markup.to_html(md))
    view = dataclasses.replace(view, submissions=(sub,))
    web = render_web(view, settings)
    html, _ = fit_email(view, settings)
    for page in (web, html):
        assert '<a href="http://www.verein-beispiel.de"' in page
        assert '<a href="https://verein1.example.org/termine"' in page
        assert '<a href="mailto:info@verein1.example.org"' in page
    text = " ".join(markup.to_text(md).split())
    assert "www.verein-beispiel.de oder https://verein1.example.org/termine," in text
    assert "info@verein1.example.org." in text
    assert text.count("[") == 1 and "auf unserer Seite [1]" in text  # only the written link
