"""The upload page in Debian's Chromium at 375 px, against the real service (waitress).

A volunteer opens the link, uploads two photos and a logo, sees that a photo is too small,
replaces it, sends; the folder on disk is complete and `check` says what the page said. The
same in Arabic is a right-to-left page. axe-core (npm, package-lock.json) finds nothing on the
empty form, the form with findings and the thank-you page, in German and Arabic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FilePayload, Page

from newsletter.check.stage import run_check
from tests.support import jpeg, png
from tests.support.axe import AXE, axe_violations
from tests.upload.test_upload import ISSUE, Site, start_site

SLUGS = {"de": "lernimpuls-nordstadt", "ar": "frauentreff"}


@pytest.fixture
def site(chdir_tmp: Path) -> Iterator[Site]:
    yield from start_site(chdir_tmp)


def file(name: str, data: bytes, mime: str = "image/jpeg") -> FilePayload:
    return {"name": name, "mimeType": mime, "buffer": data}


def open_page(browser: Browser, site: Site, lang: str, *, bypass_csp: bool = False) -> Page:
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, bypass_csp=bypass_csp
    )
    page = context.new_page()
    token = site.link(SLUGS[lang])
    page.goto(f"{site.base}/einreichen/{token}")
    return page


def fill_with_a_small_photo(page: Page) -> None:
    page.fill("#organisation", "Frauentreff Oststadt – ملتقى النساء")
    page.fill("#goal", "Begegnung und Beratung für Frauen")
    page.fill("#location", "Oststadt, Marktstraße 3")
    page.fill("#contact_email", "kontakt@example.org")
    page.fill("#text", "Wir treffen uns jeden Dienstag zum Frühstück und zur Beratung.")
    page.set_input_files("#photo-1", file("IMG_0001.JPG", jpeg(1300, 900)))
    page.fill("#photo-1_alt", "Frauen sitzen an einem Tisch und lachen")
    page.check("#photo-1_consent")
    page.set_input_files("#photo-2", file("WhatsApp Bild.jpeg", jpeg(400, 300)))
    page.fill("#photo-2_caption", "Unser Frühstück")  # no description: a warning
    page.check("#photo-2_consent")
    page.set_input_files("#logo", file("Logo Frauentreff.png", png(400, 200), "image/png"))


def page_codes(page: Page) -> list[str]:
    return sorted(re.findall(r"\((\w+)\)$", t)[0] for t in page.locator("main li").all_inner_texts()
                  if re.search(r"\((\w+)\)$", t))  # fmt: skip


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_a_volunteer_fixes_a_small_photo_and_sends_at_375px(
    browser: Browser, site: Site, lang: str
) -> None:
    page = open_page(browser, site, lang)
    direction = page.evaluate("getComputedStyle(document.body).direction")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert direction == ("rtl" if lang == "ar" else "ltr")
    if lang == "ar":  # mirrored: labels start at the right edge
        box = page.locator("label[for=organisation]").bounding_box()
        assert box is not None and box["x"] + box["width"] > 375 - 20
        assert "تحقّق" in page.inner_text("button.check")
    fill_with_a_small_photo(page)
    assert re.search(r"\d+", page.inner_text("#text-count"))  # the script runs under the CSP
    page.click("button.check")
    page.wait_for_load_state()
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > 376 || e.getBoundingClientRect().left < -1).map(e => e.tagName + '#' + e.id + '.'"
        " + e.className + ' ' + e.textContent.slice(0, 40))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, wide
    photo2 = page.locator("#photo-2-box")
    assert "400×300" in photo2.inner_text() and "PHOTO_EMAIL_TOO_SMALL" in photo2.inner_text()
    if lang == "ar":  # the finding in German and English, each left to right
        assert photo2.locator('p[lang="de"][dir="ltr"]').count() >= 1
        assert photo2.locator('p[lang="en"]').count() >= 1
    assert not (site.issue.folder / SLUGS[lang]).exists()  # nothing stored yet
    # the first photo and the logo are kept; only the small one is replaced
    assert page.is_checked("#photo-1_keep") and page.is_checked("#logo_keep")
    page.set_input_files("#photo-2", file("IMG_0002.HEIC.jpg", jpeg(1400, 1000)))
    page.click("button.send")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == {"de": "Vielen Dank!", "ar": "شكرًا جزيلًا!"}[lang]
    shown = page_codes(page)
    folder = site.issue.folder / SLUGS[lang]
    assert sorted(p.name for p in folder.iterdir()) == [
        "foto-1.jpg", "foto-2.jpg", "logo.png", "submission.md",
    ]  # fmt: skip
    report = run_check(ISSUE, site.settings)
    assert sorted(f.code for f in report.findings if f.submission == SLUGS[lang]) == shown
    assert shown == ["ALT_FROM_CAPTION"]
    page.context.close()


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is missing: run scripts/setup (npm ci)")
@pytest.mark.parametrize("lang", ["de", "ar"])
def test_axe_finds_nothing_on_the_empty_form_the_findings_and_the_thanks(
    browser: Browser, site: Site, lang: str
) -> None:
    page = open_page(browser, site, lang, bypass_csp=True)  # axe is injected as a script
    assert axe_violations(page) == {}
    fill_with_a_small_photo(page)
    page.click("button.check")
    page.wait_for_load_state()
    assert page.locator("#result").count() == 1
    assert axe_violations(page) == {}
    page.set_input_files("#photo-2", file("gross.jpg", jpeg(1400, 1000)))
    page.click("button.send")
    page.wait_for_load_state()
    assert page.locator("main li").count() >= 1  # the thank-you page with its hint
    assert axe_violations(page) == {}
    page.context.close()
