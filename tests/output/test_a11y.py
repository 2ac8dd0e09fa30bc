"""What readers see, measured the way a reader's tools measure it: axe-core in Chromium.

axe-core comes from the npm registry (package.json + package-lock.json at the repository root;
`scripts/setup` runs `npm ci`) and is injected into each page with Playwright. The email is
checked at 375 and 600 px, light and dark (Chromium's own `prefers-color-scheme`), as GMX,
WEB.DE and T-Online show it (no <style>, no dir/lang, CSS1 colours only: the preview's
"ohne <style>" view) and with images blocked; the web version at a phone's and a desktop's width.

Two axe rules cannot be met by an email and are left out on purpose: `region` and
`landmark-one-main` ask for a <main> landmark, but an email is shown inside the mail program's
own page (which has the landmarks); a <main> in the message would be a second one there.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from newsletter.core.config import Settings, load_settings
from newsletter.output.build import build_issue
from newsletter.output.render import fit_email, render_web
from newsletter.preview.page import Variant, strip_style
from tests.output.test_render import make_view
from tests.support import EXAMPLE_ISSUE
from tests.support.axe import AXE
from tests.support.axe import axe_violations as support_axe

EMAIL_ONLY_RULES = {"region", "landmark-one-main"}  # see the module docstring

pytestmark = pytest.mark.skipif(
    not AXE.is_file(), reason="axe-core is missing: run scripts/setup (npm ci)"
)


# Every visible link and button as tall as WCAG 2.2's target size asks; no text below 13 px.
_TARGETS_AND_TEXT = """() => {
  const visible = el => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none';
  };
  const small = [], low = [], buttons = [];
  for (const a of document.querySelectorAll('a[href]')) {
    if (!visible(a)) continue;
    const h = a.getBoundingClientRect().height;
    if (h < 24) low.push(Math.round(h * 10) / 10 + 'px ' + a.textContent.trim().slice(0, 40));
    if (a.classList.contains('btn') && h < 44) buttons.push(h + 'px ' + a.textContent.trim());
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    if (!visible(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 13) small.push(size + 'px ' + n.textContent.trim().slice(0, 40));
  }
  return {low, small, buttons};
}"""


def axe_violations(page: Page, *, email: bool) -> dict[str, list[str]]:
    """axe-core's violations on the loaded page: rule id -> the offending nodes."""
    return support_axe(page, ignore=frozenset(EMAIL_ONLY_RULES) if email else frozenset())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example issue (with its Arabic submission) built once: the outbox folder."""
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(EXAMPLE_ISSUE, root / "submissions" / "2026-12")
    for p in (root / "submissions").rglob("*"):
        os.utime(p, (1_700_000_000, 1_700_000_000))
    settings = load_settings(root=root)
    build_issue("2026-12", settings)
    yield settings.path(settings.outbox_dir) / "2026-12"


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 30-submission email (shortened, with its notice and "Weiterlesen" buttons)."""
    tmp = tmp_path_factory.mktemp("large")
    settings: Settings = load_settings(root=tmp)
    html, view = fit_email(make_view(30, settings, tmp), settings)
    assert view.shortened
    (tmp / "email.html").write_text(html, encoding="utf-8")
    (tmp / "web.html").write_text(render_web(view, settings), encoding="utf-8")
    return tmp


def _open(browser: Browser, path: Path, width: int, scheme: str) -> Page:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme=scheme,  # type: ignore[arg-type]
    )
    page = context.new_page()
    page.goto(path.as_uri())
    return page


EMAIL_VARIANTS = {
    "as sent": Variant(),
    "no <style>": Variant(no_style=True),
    "images blocked": Variant(no_images=True),
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 600])
@pytest.mark.parametrize("variant", list(EMAIL_VARIANTS))
def test_email_has_no_axe_violations_and_big_enough_targets(
    browser: Browser, built: Path, large: Path, width: int, scheme: str, variant: str
) -> None:
    for source in (built / "email.html", large / "email.html"):
        shown = source.with_name(f"_{variant.replace(' ', '-')}-{width}-{scheme}.html")
        shown.write_text(EMAIL_VARIANTS[variant].apply(source.read_text("utf-8")), "utf-8")
        page = _open(browser, shown, width, scheme)
        try:
            assert axe_violations(page, email=True) == {}, source
            sizes = page.evaluate(_TARGETS_AND_TEXT)
            assert sizes == {"low": [], "small": [], "buttons": []}, source
        finally:
            page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_web_version_has_no_axe_violations(
    browser: Browser, built: Path, large: Path, width: int, scheme: str
) -> None:
    for source in (built / "web" / "index.html", large / "web.html"):
        page = _open(browser, source, width, scheme)
        try:
            assert axe_violations(page, email=False) == {}, source
            sizes = page.evaluate(_TARGETS_AND_TEXT)
            assert sizes["low"] == [] and sizes["small"] == [], source
        finally:
            page.context.close()


def test_without_style_every_background_and_direction_survives(
    browser: Browser, built: Path
) -> None:
    """GMX/WEB.DE/T-Online: coloured cells keep their colour, Arabic still reads right to left."""
    html = (built / "email.html").read_text("utf-8")
    stripped = strip_style(html)
    assert "<style" not in stripped and ' dir="rtl"' not in stripped
    coloured = re.findall(r"<td\b[^>]*background-color:(#[0-9a-f]{6})[^>]*>", html, re.I)
    assert coloured  # the masthead, cards and buttons: each is checked below in the browser
    shown = built / "_gmx.html"
    shown.write_text(stripped, "utf-8")
    page = _open(browser, shown, 600, "light")
    try:
        missing = page.evaluate(
            """() => [...document.querySelectorAll('td')].filter(td =>
                 (td.getAttribute('style') || '').includes('background-color')
                 && !td.hasAttribute('bgcolor')).length"""
        )
        assert missing == 0
        with_bgcolor = page.evaluate("() => document.querySelectorAll('td[bgcolor]').length")
        assert with_bgcolor >= len(coloured)
        title = page.locator("h1")
        assert (
            page.evaluate(
                "el => getComputedStyle(el.closest('td')).backgroundColor", title.element_handle()
            )
            == "rgb(11, 79, 108)"
        )
        arabic = page.get_by_text("تأسست جمعية بيت الأمل", exact=False).first
        assert arabic.evaluate("el => getComputedStyle(el).direction") == "rtl"
        assert arabic.evaluate("el => getComputedStyle(el).textAlign") == "right"
    finally:
        page.context.close()


def test_dark_mode_puts_a_light_plate_behind_a_dark_transparent_logo(
    browser: Browser, built: Path
) -> None:
    page = _open(browser, built / "email.html", 600, "dark")
    try:
        plates = page.evaluate(
            """() => [...document.querySelectorAll('img')].filter(i => i.alt.startsWith('Logo'))
                 .map(i => [i.alt, getComputedStyle(i).backgroundColor])"""
        )
    finally:
        page.context.close()
    on_plate = {alt for alt, bg in plates if bg == "rgb(255, 255, 255)"}
    # the Elternnetz logo: dark lettering on a transparent background (palette PNG with tRNS)
    assert any("Elternnetz" in alt for alt in on_plate), plates
    # the Bewerbungscafé logo is a JPEG on white: it brings its own background
    assert not any("Bewerbungscaf" in alt for alt in on_plate), plates


def test_with_images_blocked_a_photo_leaves_a_modest_box_with_styled_alt_text(
    browser: Browser, built: Path
) -> None:
    """Outlook and many webmails: no picture, only its box and alt text; a portrait photo
    (Elternnetz's, 1280x1922) must not leave a phone-screen-high empty box."""
    shown = built / "_no-images.html"
    shown.write_text(Variant(no_images=True).apply((built / "email.html").read_text("utf-8")))
    page = _open(browser, shown, 375, "light")
    try:
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('img')].map(i => {
                 const r = i.getBoundingClientRect(), cs = getComputedStyle(i);
                 return [i.alt, r.height, parseFloat(cs.fontSize), cs.color]; })"""
        )
    finally:
        page.context.close()
    assert boxes
    for alt, height, size, colour in boxes:
        assert height <= 400, (alt, height)
        assert size >= 13 and colour == "rgb(91, 103, 112)", (alt, size, colour)


def test_web_version_centres_photos_on_a_desktop(browser: Browser, built: Path) -> None:
    page = _open(browser, built / "web" / "index.html", 1280, "light")
    try:
        offsets = page.evaluate(
            """() => [...document.querySelectorAll('figure img')].map(i => {
                 const r = i.getBoundingClientRect();
                 const c = i.closest('article').getBoundingClientRect();
                 return [i.alt, (r.left + r.right) / 2 - (c.left + c.right) / 2, r.width]; })"""
        )
    finally:
        page.context.close()
    assert offsets
    for alt, offset, width in offsets:
        assert abs(offset) <= 1.5, (alt, offset, width)
