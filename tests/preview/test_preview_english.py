"""`newsletter preview --lang en`: the editor's page in English, over real HTTP and in Chromium.

The same example issue with the same planted problems as test_preview.py (and a register, so
that the organisations' table shows), served by a preview whose language is English, as
`newsletter --lang en preview`, NEWSLETTER_LANG=en or `lang = "en"` in newsletter.toml make it
(cli/main.py picks the language; the preview is handed it). The page, the server's own answers
and the script's words are English; no word of the page's German frame is left; axe-core finds
nothing in the English page.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page, expect

from newsletter.core.config import load_settings
from newsletter.preview.page import Variant
from newsletter.preview.server import Preview
from tests.preview.test_preview import EXAMPLE, WAIT_MS, get, leave, phone, plant, post
from tests.support import REPO, Sink
from tests.support.axe import AXE, axe_violations

CLI_PO = REPO / "newsletter" / "locale" / "en" / "LC_MESSAGES" / "cli.po"


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Sink, int]) -> Iterator[Preview]:
    """The English preview of the example issue (plus the planted problems and a register)."""
    from newsletter.store import organisations as orgs
    from newsletter.store.subscribers import open_store

    root = tmp_path_factory.mktemp("preview-en")
    shutil.copytree(EXAMPLE, root / "submissions" / "2026-12")
    plant(root / "submissions" / "2026-12")
    (root / "newsletter.toml").write_text(
        f'lang = "en"\n[smtp]\nport = {smtp[1]}\n', encoding="utf-8"
    )
    settings = load_settings(root=root)
    assert settings.lang == "en"
    with open_store(settings.path(settings.subscribers.database)) as conn:
        orgs.add_many(conn, [orgs.make("frauentreff-oststadt", name="Frauentreff Oststadt")])
    with Preview(
        "2026-12",
        settings,
        port=0,
        reload_settings=lambda: load_settings(root=root),
        lang=settings.lang,  # as `newsletter preview` hands it over (cli/main.py)
    ) as p:
        snap = p.wait_until_built(240)
        assert snap.good is not None, snap.failure
        yield p


class _Spoken(HTMLParser):
    """What a reader sees or hears of a page: its text (not <style>, <script>, <pre> with the
    email's own text) and the attributes read out. Words in <code>, <strong> … stay in their
    sentence; every other tag separates."""

    INLINE = frozenset({"code", "strong", "em", "b", "i", "span"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "pre"):
            self.skip.append(tag)
        if tag not in self.INLINE:
            self.texts.append(" ")
        for key, value in attrs:
            if key in ("title", "alt", "aria-label", "placeholder") and value:
                self.texts.append(f" {value} ")

    def handle_endtag(self, tag: str) -> None:
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()
        if tag not in self.INLINE:
            self.texts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.texts.append(data)


def spoken(html: str) -> str:
    parser = _Spoken()
    parser.feed(html)
    return " ".join("".join(parser.texts).split())


def frame_words() -> set[str]:
    """The German words of the preview's own texts that their English does not have: what
    must not be left on an English page ("Prüfbericht", "Einreichungen", "Größen", ...)."""
    with CLI_PO.open("rb") as fh:
        catalogue = read_po(fh, locale="en")
    german: set[str] = set()
    english: set[str] = set()
    preview_files = ("newsletter/preview/", "newsletter/templates/preview", "newsletter/texts/")
    for m in catalogue:
        if not m.id or not any(loc.startswith(preview_files) for loc, _ in m.locations):
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string or ())
        german |= {w for text in ids for w in words(text)}
        english |= {w for text in strings for w in words(text)}
    return {w for w in german - english if len(w) > 3}


def words(text: str) -> set[str]:
    text = re.sub(r"\{\w*\}|%\(\w+\)s|<[^>]+>", " ", text)  # placeholders and markup
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text)}


def content_of(preview: Preview) -> list[str]:
    """The issue's own words (German, written by the editor and the organisations)."""
    good = preview.rebuilder.snapshot().good
    assert good is not None
    issue = good.report.intake.issue
    names = [s.organisation for s in issue.submissions if s.organisation]
    files = [r.source for r in good.result.manifest.images.renditions]
    found = [issue.title, *names, *(s.slug for s in issue.submissions), *files]
    return sorted({*found, "Frauentreff Oststadt"}, key=len, reverse=True)  # longest first


# --------------------------------------------------------------------------- over HTTP
def test_the_page_is_english_with_no_german_frame_word(preview: Preview) -> None:
    status, body = get(preview, "/")
    html = body.decode()
    assert status == 200 and '<html lang="en">' in html
    text = spoken(html)
    for english in (
        "Preview: Newsletter des Integrationsnetzwerks – issue",
        "Check report",
        "Sizes",
        "Plain text",
        "Web version",
        "Test mail",
        "Send a test mail …",
        "Dark mode",
        "Pictures blocked",
        "Without <style>",
        "What to do",
        "show in the email",
        "2 submissions are not in the issue because of errors",
        "2 submissions are missing because of errors",
        "Came in late",
        "Not in the issue: ",
        "Whole message (HTML, text and pictures)",
        "Gmail clips above about 102 KB",
        "Compare",
        "Organisations (as newsletter status)",
        "not in the register",
        "Email rendition",
    ):
        assert english in text, english
    assert re.search(r"\d+ submissions: \d+ ok, \d+ with warnings, 2 with errors\.", text)
    for content in content_of(preview):
        text = text.replace(content, " ")
    left = sorted(words(text) & frame_words())
    assert left == [], left


def test_frame_words_are_what_an_english_page_must_not_show() -> None:
    """The list the test above relies on: German words of the page, none of its English."""
    german = frame_words()
    assert {"prüfbericht", "einreichungen", "größen", "vergleichen", "testmail"} <= german
    assert not {"pdf", "html", "gmail", "budget", "newsletter"} & german


def test_the_script_gets_english_words_from_the_page(preview: Preview) -> None:
    html = get(preview, "/")[1].decode()
    block = html.split('<script type="application/json" id="vorschau-texte">', 1)[1]
    texts = json.loads(block.split("</script>", 1)[0])
    assert texts == {
        "offline": "No connection – is 'newsletter preview' still running?",
        "sending": "Sending …",
        "no_answer": "The preview does not answer. Is 'newsletter preview' still running?",
        "compare": "Compare",
        "close": "Close",
    }


def test_the_servers_own_answers_are_english(preview: Preview) -> None:
    assert get(preview, "/gibt-es-nicht") == (404, b"Not found.\n")
    assert get(preview, "/", host="boese.example") == (
        403,
        b"Only reachable through http://127.0.0.1.\n",
    )
    state = json.loads(get(preview, "/zustand")[1])
    assert state["status"][1].startswith("2 submissions are missing because of errors: ")
    pdf = get(preview, "/teil/pdf")[1].decode()
    assert re.search(r"The PDF is made|Making the PDF|Up to date|Outdated", pdf), pdf
    token = re.search(r'name="vorschau-token" content="([^"]+)"', get(preview, "/")[1].decode())
    assert token is not None
    status, data = post(
        preview, {"token": token.group(1), "adresse": "kein-at-zeichen", "bestaetigt": "ja"}
    )
    assert (status, data["message"]) == (
        400,
        "The address 'kein-at-zeichen' is not valid (example: name@example.org).",
    )
    status, data = post(preview, {"token": token.group(1), "adresse": "a@example.org"})
    assert (status, data["message"]) == (400, "Please confirm sending the test mail.")
    status, data = post(preview, {"token": "alt", "adresse": "a@example.org", "bestaetigt": "ja"})
    assert status == 403 and "The page is outdated" in str(data["message"])


def test_the_page_follows_the_language_it_is_given(preview: Preview) -> None:
    """The same server state in German: the default, and what the existing tests read."""
    english = preview.render_page(Variant())
    preview.lang = "de"
    try:
        german = preview.render_page(Variant())
    finally:
        preview.lang = "en"
    assert '<html lang="de">' in german and "Prüfbericht" in german
    assert "Einreichungen sind wegen Fehlern nicht in der Ausgabe" in german
    assert '<html lang="en">' in english and "Prüfbericht" not in english


# --------------------------------------------------------------------------- in Chromium
@pytest.fixture
def page(browser: Browser, preview: Preview) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.goto(preview.url)
    expect(pg.locator("#rahmen-telefon")).to_be_visible()
    yield pg
    leave(pg)


def test_the_script_speaks_english_in_chromium(page: Page, smtp: tuple[Sink, int]) -> None:
    assert page.get_attribute("html", "lang") == "en"
    expect(page).to_have_title(re.compile("^Preview: Newsletter des Integrationsnetzwerks"))
    phone(page)
    button = page.locator("button[data-vergleich='v-1']")
    expect(button).to_have_text("Compare")
    button.click()
    expect(button).to_have_text("Close")
    button.click()
    expect(button).to_have_text("Compare")
    page.get_by_label("Dark mode").check()  # the switches are found by their English labels
    page.wait_for_function("() => location.search.includes('dunkel=1')")
    page.fill("#testmail-adresse", "editor@example.org")
    page.get_by_role("button", name="Send a test mail").click()
    expect(page.locator("#testmail-dialog")).to_contain_text("as a test mail to editor@example.org")
    page.get_by_role("button", name="Yes, send").click()
    expect(page.locator("#testmail-ergebnis")).to_contain_text(
        "The test mail to editor@example.org has been sent", timeout=WAIT_MS
    )


def test_a_lost_connection_is_said_in_english(browser: Browser, preview: Preview) -> None:
    context = browser.new_context()
    pg = context.new_page()
    pg.route("**/ereignisse", lambda route: route.abort())  # as if the preview had ended
    pg.goto(preview.url)
    expect(pg.locator("#status")).to_have_text(
        "No connection – is 'newsletter preview' still running?", timeout=WAIT_MS
    )
    leave(pg)


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is missing: run scripts/setup (npm ci)")
@pytest.mark.parametrize("lang", ["en", "de"])
def test_axe_finds_nothing_on_the_page(browser: Browser, preview: Preview, lang: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    pg = context.new_page()
    preview.lang = lang  # the same state, in the other language for a moment
    try:
        pg.goto(preview.url)
        expect(pg.locator("html")).to_have_attribute("lang", lang)
        expect(pg.locator("#bericht h2")).to_have_text(
            {"en": "Check report", "de": "Prüfbericht"}[lang]
        )
        assert axe_violations(pg, iframes=False) == {}
    finally:
        preview.lang = "en"
        leave(pg)
