"""`newsletter preview`, driven in real headless Chromium (Debian's /usr/bin/chromium).

One preview server per module serves a copy of the example issue with two planted problems (a
submission with an invalid e-mail address and no organisation, and one that came in late); the
tests read the page as the editor does, edit files on disk and wait for the page to follow.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import http.client
import json
import os
import re
import shutil
import sys
import threading
import time
import types
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Frame, Page, expect
from playwright.sync_api import Error as PlaywrightError

from newsletter.cli.preview import add_parser, run
from newsletter.core.config import load_settings
from newsletter.preview.engine import GoodBuild, PdfBuild, Snapshot
from newsletter.preview.page import Variant, force_dark, pdf_state
from newsletter.preview.server import Preview, safe_file
from newsletter.preview.watch import watch
from tests.support import Sink

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "submissions" / "2026-12"
BEFORE_DEADLINE = 1_700_000_000  # 14.11.2023: every file "received" in time
AFTER_DEADLINE = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC).timestamp()
WAIT_MS = 30_000  # a rebuild takes about a second; this leaves room for a slow machine
EDITED = "lernimpuls-nordstadt/submission.md"


def plant(issue: Path) -> None:
    """Two problems the report must show: an invalid submission and a late one."""
    bad = issue / "verein-ohne-namen"
    bad.mkdir()
    (bad / "submission.md").write_text(
        "---\ngoal: Begegnung\ncontact:\n  email: info(at)verein.example\n---\n"
        "Wir treffen uns jeden Montag.\n",
        encoding="utf-8",
    )
    late = issue / "spaet-eingereicht"
    late.mkdir()
    (late / "submission.md").write_text(
        "---\norganisation: Späte Runde e.V.\ncontact:\n  website: https://example.org\n---\n"
        "Wir haben den Einsendeschluss knapp verpasst.\n",
        encoding="utf-8",
    )
    for p in issue.rglob("*"):
        os.utime(p, (BEFORE_DEADLINE, BEFORE_DEADLINE))
    for p in (late, late / "submission.md"):
        os.utime(p, (AFTER_DEADLINE, AFTER_DEADLINE))


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Sink, int]) -> Iterator[Preview]:
    """The preview of the example issue (plus the planted problems), built once."""
    root = tmp_path_factory.mktemp("vorschau")
    shutil.copytree(EXAMPLE, root / "submissions" / "2026-12")
    plant(root / "submissions" / "2026-12")
    (root / "newsletter.toml").write_text(f"[smtp]\nport = {smtp[1]}\n", encoding="utf-8")
    settings = load_settings(root=root)
    with Preview(
        "2026-12", settings, port=0, reload_settings=lambda: load_settings(root=root)
    ) as p:
        snap = p.wait_until_built(240)
        assert snap.good is not None, snap.failure
        yield p


@pytest.fixture
def page(browser: Browser, preview: Preview) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.goto(preview.url)
    expect(pg.locator("#rahmen-telefon")).to_be_visible()
    yield pg
    leave(pg)


def leave(pg: Page) -> None:
    """Close a page that may be reloading itself right now.

    Chromium can acknowledge a close that races a navigation's commit without closing, and
    Playwright then waits forever (microsoft/playwright#42366). The live-reload page reloads
    whenever a rebuild finishes, so first navigate away (which settles any reload), then close.
    """
    for _ in range(10):  # a reload that commits first aborts this navigation: try again
        try:
            pg.goto("about:blank")
            break
        except PlaywrightError:
            time.sleep(0.2)
    pg.context.close()


def phone(page: Page) -> Frame:
    """The phone frame's document, once loaded."""
    page.wait_for_function(
        "() => { const d = document.querySelector('#rahmen-telefon').contentDocument;"
        " return d && d.readyState === 'complete' && d.body && d.body.innerText.length > 0; }"
    )
    frame = page.frame(name="telefon")
    assert frame is not None
    return frame


def issue_file(preview: Preview, rel: str) -> Path:
    return preview.issue_folder() / rel


@pytest.fixture
def restore(preview: Preview) -> Iterator[Callable[[str], Path]]:
    """Files a test changes, put back afterwards (and the preview rebuilt from them)."""
    saved: dict[Path, bytes | None] = {}

    def keep(rel: str) -> Path:
        path = rel_path(rel)
        saved.setdefault(path, path.read_bytes() if path.exists() else None)
        return path

    def rel_path(rel: str) -> Path:
        return Path(rel) if Path(rel).is_absolute() else issue_file(preview, rel)

    yield keep
    before = preview.rebuilder.snapshot().page
    for path, data in saved.items():
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(data)
            os.utime(path, (BEFORE_DEADLINE, BEFORE_DEADLINE))
    if saved:

        def rebuilt() -> bool:
            snap = preview.rebuilder.snapshot()
            return snap.page > before and snap.failure is None and not snap.building

        wait_for(rebuilt)


def wait_for(condition: Callable[[], bool], timeout: float = WAIT_MS / 1000) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def get(preview: Preview, path: str, host: str | None = None) -> tuple[int, bytes]:
    """A raw GET: the path goes out exactly as written (no client-side normalising)."""
    conn = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{preview.port}")
    conn.endheaders()
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    return answer.status, body


def post(preview: Preview, fields: dict[str, str]) -> tuple[int, dict[str, object]]:
    conn = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=30)
    body = urllib.parse.urlencode(fields)
    conn.request(
        "POST",
        "/testmail",
        body,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    answer = conn.getresponse()
    data = json.loads(answer.read())
    conn.close()
    return answer.status, data


# --------------------------------------------------------------------------- the page
def test_page_shows_the_email_in_a_phone_and_a_desktop_frame(page: Page) -> None:
    expect(page).to_have_title(re.compile("Vorschau: Newsletter des Integrationsnetzwerks"))
    frame = phone(page)
    box = page.locator("#rahmen-telefon").bounding_box()
    assert box is not None and box["width"] == 375
    desktop = page.locator("#rahmen-desktop").bounding_box()
    assert desktop is not None and desktop["width"] == 800
    width, scroll = frame.evaluate(
        "() => [document.documentElement.clientWidth, document.documentElement.scrollWidth]"
    )
    assert width == 375
    assert scroll <= width, "the email scrolls sideways on a phone"
    expect(frame.locator("h1")).to_contain_text("Newsletter des Integrationsnetzwerks")


@pytest.mark.parametrize("query", ["?dunkel=1", "?ohne-bilder=1", "?ohne-stil=1"])
def test_no_variant_scrolls_sideways_on_a_phone(
    browser: Browser, preview: Preview, query: str
) -> None:
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    pg.goto(preview.url + query)
    frame = phone(pg)
    width, scroll = frame.evaluate(
        "() => [document.documentElement.clientWidth, document.documentElement.scrollWidth]"
    )
    assert width == 375 and scroll <= width
    leave(pg)


BODY_BG = (
    "() => { const d = document.querySelector('#rahmen-telefon').contentDocument;"
    " return d && d.body ? getComputedStyle(d.body).backgroundColor : null; }"
)


def test_dark_mode_switch_renders_the_dark_rules(page: Page) -> None:
    phone(page)
    light = page.evaluate(BODY_BG)
    page.get_by_label("Dunkelmodus").check()
    page.wait_for_function(f"() => ({BODY_BG})() === 'rgb(20, 25, 31)'")  # #14191f
    assert light == "rgb(238, 241, 244)"  # #eef1f4
    assert "dunkel=1" in page.url  # a reload keeps the switch


def test_images_blocked_switch_shows_alt_texts_in_the_reserved_space(page: Page) -> None:
    phone(page)
    page.get_by_label("Bilder blockiert").check()
    page.wait_for_function(
        "() => { const d = document.querySelector('#rahmen-telefon').contentDocument;"
        " return d.readyState === 'complete' && d.images.length > 0"
        " && [...d.images].every(i => !i.hasAttribute('src')); }"
    )
    images = phone(page).evaluate(
        "() => [...document.images].map(i => [i.naturalWidth, i.alt, i.getAttribute('width')])"
    )
    assert len(images) >= 10
    for natural, alt, width in images:
        assert natural == 0 and alt.strip() and width


def test_style_switch_removes_every_style_block(page: Page) -> None:
    frame = phone(page)
    assert frame.evaluate("() => document.querySelectorAll('style').length") > 0
    page.get_by_label("Ohne <style>").check()
    page.wait_for_function(
        "() => { const d = document.querySelector('#rahmen-telefon').contentDocument;"
        " return d.readyState === 'complete' && d.body"
        " && d.querySelectorAll('style').length === 0; }"
    )
    # the inlined styles still carry the layout: the masthead keeps its colour
    bg = phone(page).evaluate(
        "() => getComputedStyle(document.querySelector('h1').parentElement).backgroundColor"
    )
    assert bg == "rgb(11, 79, 108)"


# --------------------------------------------------------------------------- the report
def test_report_lists_the_planted_error_and_the_late_submission(page: Page) -> None:
    bad = page.locator("#e-verein-ohne-namen")
    expect(bad).to_contain_text("Fehler")
    expect(bad).to_contain_text("nicht in der Ausgabe")
    expect(bad).to_contain_text("info(at)verein.example")  # EMAIL_INVALID, in German
    expect(bad).to_contain_text("„organisation“ fehlt")
    banner = page.locator("#weggelassen")
    expect(banner).to_contain_text("verein-ohne-namen")
    expect(banner).to_contain_text("Späte Runde e.V.")
    expect(page.locator("#bericht")).to_contain_text("Verspätet eingegangen")
    # every row says when the submission came: from issue.toml, or recorded at first sight
    expect(page.locator("#e-lernimpuls-nordstadt")).to_contain_text(
        "Eingang 18.11.2026 16:40 (issue.toml)"
    )
    expect(page.locator("#e-spaet-eingereicht")).to_contain_text("Eingang 30.11.2026 13:00")
    expect(page.locator("#e-spaet-eingereicht")).to_contain_text("(gespeichert)")
    expect(page.locator("#bericht")).to_contain_text("accepted_late")
    # the left-out submissions are not in the email
    expect(phone(page).locator("body")).not_to_contain_text("Späte Runde")


def test_report_links_each_submission_to_its_place_in_the_email(page: Page) -> None:
    link = page.locator("#e-lernimpuls-nordstadt a[data-anker]")
    expect(link).to_have_attribute("href", re.compile("email.html#org-lernimpuls-nordstadt$"))
    frame = phone(page)
    assert frame.evaluate("() => !!document.getElementById('org-lernimpuls-nordstadt')")
    link.click()
    page.wait_for_function("() => document.getElementById('scroller-telefon').scrollTop > 1000")


def test_size_panel_lists_every_image_and_compares_on_click(page: Page, preview: Preview) -> None:
    snap = preview.rebuilder.snapshot()
    assert snap.good is not None
    renditions = snap.good.result.manifest.images.renditions
    sources = {(r.submission, r.source) for r in renditions}
    rows = page.locator("table.bilder > tbody > tr:not(.vergleich)")
    expect(rows).to_have_count(len(sources))
    sizes = page.locator("#groessen")
    expect(sizes).to_contain_text("HTML der E-Mail")
    expect(sizes).to_contain_text("Gmail kürzt ab etwa 102 KB")
    expect(sizes).to_contain_text("Ganze Nachricht")
    # the weight of one message as it leaves, photos inside it and loaded from the site
    weights = page.locator("#gewicht li")
    expect(weights).to_have_count(2)
    expect(weights.nth(0)).to_contain_text(re.compile(r"inline\): [\d,]+ MB – so wird jetzt"))
    expect(weights.nth(1)).to_contain_text(re.compile(r"hosted\): [\d,]+ KB$"))
    first = rows.first
    expect(first.locator("td").nth(5)).not_to_be_empty()  # quality (or – for PNG)
    first.get_by_role("button", name="Vergleichen").click()
    compare = page.locator("tr.vergleich").first
    expect(compare).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('tr.vergleich:not([hidden]) img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert compare.locator("img").count() == 2


def test_text_part_web_version_and_pdf_are_shown(page: Page, preview: Preview) -> None:
    expect(page.locator("pre.textfassung")).to_contain_text("NEWSLETTER DES INTEGRATIONSNETZWERKS")
    web = page.frame_locator("#web iframe")
    expect(web.locator("body")).to_contain_text("Newsletter des Integrationsnetzwerks")
    wait_for(lambda: preview.state_json()["pdf_generation"] > 0, timeout=120)
    status, body = get(preview, "/pdf/newsletter.pdf")
    assert status == 200 and body.startswith(b"%PDF-")
    page.reload()
    expect(page.locator("#pdf-panel")).to_contain_text(re.compile("Aktuell|Veraltet"))
    expect(page.locator("#pdf-panel a[download]")).to_have_attribute(
        "href", re.compile("herunterladen")
    )


# --------------------------------------------------------------------------- live reload
def test_editing_a_text_shows_up_without_a_manual_reload(
    page: Page, preview: Preview, restore: Callable[[str], Path]
) -> None:
    frame = phone(page)
    expect(frame.locator("body")).not_to_contain_text("Neu im Vorschau-Test")
    path = restore(EDITED)
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n---\n")
    path.write_text(f"{head}\n---\nNeu im Vorschau-Test: Lesecafé am Samstag.\n\n{body}", "utf-8")
    page.evaluate("() => { window.notReloaded = true; }")
    expect(page.frame_locator("#rahmen-telefon").locator("body")).to_contain_text(
        "Neu im Vorschau-Test", timeout=WAIT_MS
    )
    expect(page.frame_locator("#rahmen-desktop").locator("body")).to_contain_text(
        "Neu im Vorschau-Test", timeout=WAIT_MS
    )
    assert page.evaluate("() => window.notReloaded") is None  # the page reloaded by itself


def test_a_submission_that_breaks_is_named_wherever_the_editor_has_scrolled(
    page: Page, preview: Preview, restore: Callable[[str], Path]
) -> None:
    frame = phone(page)
    assert frame.evaluate("() => !!document.getElementById('org-lernimpuls-nordstadt')")
    # the editor has scrolled down to the report at the bottom of the page
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("() => window.scrollY > 1500")
    path = restore(EDITED)
    # a tab put in front of a line of the data block, as the Tab key of an editor does
    path.write_text(path.read_text(encoding="utf-8").replace("\n  email:", "\n\temail:", 1))
    banner = page.locator("#weggelassen")
    expect(banner).to_contain_text("lernimpuls-nordstadt", timeout=WAIT_MS)
    # still scrolled down, and yet the banner is on screen
    assert page.evaluate("() => window.scrollY") > 1500
    expect(banner).to_be_in_viewport()
    status = page.locator("#status")
    expect(status).to_have_class(re.compile(r"\berror\b"))
    expect(status).to_contain_text("lernimpuls-nordstadt")
    expect(status).not_to_contain_text("Aktuell")
    row = page.locator("#e-lernimpuls-nordstadt")
    expect(row).to_contain_text("nicht in der Ausgabe")
    expect(row).to_contain_text("YAML_TAB")
    expect(page.locator("#bericht")).to_contain_text("Nicht in der Ausgabe: ")
    assert not phone(page).evaluate("() => !!document.getElementById('org-lernimpuls-nordstadt')")


def test_a_photo_without_a_release_is_named_in_the_preview(
    page: Page, preview: Preview, restore: Callable[[str], Path]
) -> None:
    path = restore(EDITED)
    path.write_text(path.read_text(encoding="utf-8").replace("consent: true", "consent: false", 1))
    notice = page.locator("#fotos-weggelassen")
    expect(notice).to_contain_text("waldtag-herbstferien.jpg", timeout=WAIT_MS)
    expect(notice).to_contain_text("Lernimpuls Nordstadt e.V.")
    expect(notice).to_be_in_viewport()
    # the organisation stays in the email, with its other photo, without this one
    frame = phone(page)
    assert frame.evaluate("() => !!document.getElementById('org-lernimpuls-nordstadt')")
    expect(frame.locator("body")).to_contain_text("Herbstwerkstatt")
    expect(frame.locator("body")).not_to_contain_text("Waldtag in den Herbstferien")
    expect(page.locator("#e-lernimpuls-nordstadt")).to_contain_text("CONSENT_FALSE")


def test_broken_issue_toml_shows_the_error_and_keeps_the_old_email(
    page: Page, preview: Preview, restore: Callable[[str], Path]
) -> None:
    path = restore("issue.toml")
    path.write_text(path.read_text(encoding="utf-8") + "\ntitle = = kaputt\n", "utf-8")
    error = page.locator("#fehler")
    expect(error).to_contain_text("kann nicht gebaut werden", timeout=WAIT_MS)
    expect(error).to_contain_text("issue.toml: Die Datei lässt sich nicht lesen, Zeile")
    expect(error).to_contain_text("letzte fehlerfreie Stand")
    expect(page.frame_locator("#rahmen-telefon").locator("body")).to_contain_text(
        "Lernimpuls Nordstadt"
    )
    status, body = get(preview, "/ausgabe/email.html")
    assert status == 200 and b"Lernimpuls Nordstadt" in body


def test_template_error_shows_the_error_and_keeps_the_old_email(
    page: Page, preview: Preview, restore: Callable[[str], Path]
) -> None:
    templates = preview.rebuilder.settings.path(Path("templates"))
    templates.mkdir(exist_ok=True)
    broken = restore(str(templates / "email.html.j2"))
    source = (ROOT / "newsletter" / "templates" / "email.html.j2").read_text(encoding="utf-8")
    broken.write_text(source.replace("{% endfor %}", "{% endfro %}", 1), "utf-8")
    error = page.locator("#fehler")
    expect(error).to_contain_text("Fehler in der Vorlage email.html.j2", timeout=WAIT_MS)
    expect(page.frame_locator("#rahmen-telefon").locator("h1")).to_contain_text("Newsletter")


def test_broken_config_shows_every_problem_and_keeps_the_old_email(
    page: Page, preview: Preview, restore: Callable[[str], Path]
) -> None:
    config = restore(str(preview.rebuilder.settings.root / "newsletter.toml"))
    config.write_text(config.read_text() + '\n[rules]\nmax_text_chars = "viele"\n', "utf-8")
    error = page.locator("#fehler")
    expect(error).to_contain_text("Die Einstellungen in", timeout=WAIT_MS)
    expect(error).to_contain_text("rules.max_text_chars")
    expect(page.frame_locator("#rahmen-telefon").locator("h1")).to_contain_text("Newsletter")


# --------------------------------------------------------------------------- what is served
@pytest.mark.parametrize(
    "path",
    [
        "/ausgabe/../../../../../../etc/passwd",
        "/ausgabe/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/ausgabe/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fnewsletter.toml",
        "/ausgabe/..%2f..%2f..%2f..%2fnewsletter.toml",
        "/ausgabe/%252e%252e/%252e%252e/newsletter.toml",
        "/ausgabe//etc/passwd",
        "/ausgabe/%2Fetc%2Fpasswd",
        "/quelle/../../newsletter.toml",
        "/quelle/%2e%2e/%2e%2e/newsletter.toml",
        "/quelle//etc/passwd",
        "/quelle/lernimpuls-nordstadt/../../../newsletter.toml",
        "/quelle/.link-nach-draussen",
        "/quelle/lernimpuls-nordstadt/%00logo.png",
        "/pdf/../newsletter.toml",
        "/etc/passwd",
    ],
)
def test_nothing_outside_the_build_and_the_issue_folder_is_served(
    preview: Preview, path: str
) -> None:
    secret = preview.rebuilder.settings.root / "geheim.txt"
    secret.write_text("geheim", encoding="utf-8")
    link = preview.issue_folder() / ".link-nach-draussen"  # hidden: no rebuild for it
    if not link.is_symlink():
        link.symlink_to(secret)
    status, body = get(preview, path)
    assert status == 404, (path, body[:80])
    assert b"geheim" not in body and b"root:" not in body


def test_files_inside_are_served_and_foreign_hosts_refused(preview: Preview) -> None:
    assert get(preview, "/ausgabe/email.html")[0] == 200
    assert get(preview, "/quelle/lernimpuls-nordstadt/logo.png")[0] == 200
    assert get(preview, "/ausgabe/email.html", host="boese.example")[0] == 403


def test_only_the_originals_of_pictures_the_build_used_are_served(preview: Preview) -> None:
    # A photo without a release is never rendered, so it is never in this set; neither is any
    # text, settings or unlisted file of the issue folder.
    sources = preview.sources()
    assert "lernimpuls-nordstadt/logo.png" in sources
    assert all(
        Path(s).suffix.lower() in {".png", ".jpg", ".jpeg", ".svg", ".webp"} for s in sources
    )
    for rel in (
        "lernimpuls-nordstadt/submission.md",
        "issue.toml",
        "verein-ohne-namen/submission.md",
        "attachments/",
    ):
        assert get(preview, "/quelle/" + rel)[0] == 404, rel


def test_safe_file_resolves_symlinks(tmp_path: Path) -> None:
    inside, outside = tmp_path / "in", tmp_path / "out.txt"
    inside.mkdir()
    outside.write_text("x")
    (inside / "ok.txt").write_text("ok")
    (inside / "weg").symlink_to(outside)
    (inside / "gut").symlink_to(inside / "ok.txt")
    assert safe_file(inside, "ok.txt") == inside / "ok.txt"
    assert safe_file(inside, "gut") == inside / "ok.txt"
    for rel in ("weg", "../out.txt", str(outside), "", ".", "nichts.txt", "ok.txt\0"):
        assert safe_file(inside, rel) is None, rel


# --------------------------------------------------------------------------- the test mail
def token(preview: Preview) -> str:
    status, body = get(preview, "/")
    m = re.search(rb'name="vorschau-token" content="([^"]+)"', body)
    assert status == 200 and m
    return m.group(1).decode()


def test_send_test_validates_the_address_first(preview: Preview) -> None:
    t = token(preview)
    status, data = post(preview, {"token": t, "adresse": "kein-at-zeichen", "bestaetigt": "ja"})
    assert status == 400 and "ungültig" in str(data["message"])
    status, data = post(preview, {"token": t, "adresse": "a@example.org"})
    assert status == 400 and "bestätigen" in str(data["message"])
    status, data = post(
        preview, {"token": "falsch", "adresse": "a@example.org", "bestaetigt": "ja"}
    )
    assert status == 403


def test_send_test_answers_501_while_sending_is_not_set_up(
    page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        sys.modules, "newsletter.send.deliver", None
    )  # as if deliver.py were absent
    page.fill("#testmail-adresse", "redaktion@example.org")
    page.get_by_role("button", name="Testmail senden").click()
    dialog = page.locator("#testmail-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("redaktion@example.org")
    with page.expect_response("**/testmail") as answer:
        page.get_by_role("button", name="Ja, senden").click()
    assert answer.value.status == 501
    expect(page.locator("#testmail-ergebnis")).to_have_text("Versand ist noch nicht eingerichtet.")


def test_cancelled_confirmation_sends_nothing(page: Page, smtp: tuple[Sink, int]) -> None:
    before = len(smtp[0].messages)
    page.fill("#testmail-adresse", "redaktion@example.org")
    page.get_by_role("button", name="Testmail senden").click()
    page.get_by_role("button", name="Abbrechen").click()
    expect(page.locator("#testmail-dialog")).to_be_hidden()
    time.sleep(0.5)
    assert len(smtp[0].messages) == before
    expect(page.locator("#testmail-ergebnis")).to_have_text("")


def test_send_test_mail_reaches_a_real_smtp_server(page: Page, smtp: tuple[Sink, int]) -> None:
    page.fill("#testmail-adresse", "redaktion@example.org")
    page.get_by_role("button", name="Testmail senden").click()
    page.get_by_role("button", name="Ja, senden").click()
    expect(page.locator("#testmail-ergebnis")).to_contain_text("verschickt", timeout=WAIT_MS)
    rcpts, data = smtp[0].messages[-1]
    assert rcpts == ["redaktion@example.org"]
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert "Newsletter des Integrationsnetzwerks" in str(message["Subject"])
    assert str(message["Subject"]).startswith("[TEST] ")  # as `send --test`: the same function
    assert message.get_content_type() == "multipart/alternative"


def test_send_test_passes_the_built_issue(
    preview: Preview, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Path, str]] = []
    fake = types.ModuleType("newsletter.send.deliver")

    def send_test(outbox: Path, address: str, settings: object) -> str:
        calls.append((outbox, address))
        return "250 OK"

    fake.send_test = send_test  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "newsletter.send.deliver", fake)
    status, data = post(
        preview, {"token": token(preview), "adresse": "Redaktion@Example.org", "bestaetigt": "ja"}
    )
    assert status == 200 and "250 OK" in str(data["message"])
    outbox, address = calls[0]
    assert address == "Redaktion@example.org"
    assert (outbox / "email.html").is_file() and (outbox / "manifest.json").is_file()


# --------------------------------------------------------------------------- the parts alone
def test_variants_transform_only_what_they_should() -> None:
    html = (
        '<html><head><style>p{color:red}</style><style data-premailer="ignore">'
        "@media (prefers-color-scheme: dark) { .bg { background: #000 !important; }"
        " .x { color: #fff; } }</style></head>"
        '<body class="bg"><img src="a.jpg" srcset="a2.jpg 2x" alt="Ein Foto" width="600"'
        ' height="400"></body></html>'
    )
    dark = force_dark(html)
    assert "prefers-color-scheme" not in dark
    assert ".bg { background: #000 !important; } .x { color: #fff; } </style>" in dark
    no_images = Variant(no_images=True).apply(html)
    assert 'src="' not in no_images and "srcset" not in no_images
    assert 'alt="Ein Foto" width="600" height="400"' in no_images
    assert "<style" not in Variant(no_style=True).apply(html)
    assert Variant().apply(html) == html
    v = Variant.from_query({"dunkel": ["1"], "ohne-stil": ["1"]})
    assert v == Variant(dark=True, no_style=True) and v.query() == "?dunkel=1&ohne-stil=1"


def test_pdf_panel_marks_an_older_pdf_as_outdated(preview: Preview) -> None:
    good = preview.rebuilder.snapshot().good
    assert good is not None
    old = PdfBuild(Path("/x/newsletter.pdf"), good.generation - 1, dt.datetime(2026, 12, 1, 9), 3.2)
    snap = Snapshot(good=good, pdf=old, pdf_building=True)
    assert pdf_state(snap) == (
        "outdated",
        "Veraltet: gezeigt wird das PDF von 09:00:00. Das neue PDF wird im Hintergrund erstellt …",
    )
    current = PdfBuild(old.path, good.generation, old.finished, 3.2)
    assert pdf_state(Snapshot(good=good, pdf=current))[0] == "ok"
    assert pdf_state(Snapshot(good=good, pdf=current, pdf_error="kaputt"))[0] == "error"
    assert isinstance(good, GoodBuild)


def test_watch_waits_for_changes_to_settle(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("1")
    calls: list[float] = []
    stop = threading.Event()
    t = threading.Thread(
        target=watch,
        args=(lambda: [tmp_path], lambda: calls.append(time.monotonic()), stop),
        kwargs={"poll": 0.02, "settle": 0.3},
    )
    t.start()
    time.sleep(0.1)
    started = time.monotonic()
    for i in range(5):  # a burst of saves: one rebuild, after the last
        (tmp_path / "a.md").write_text("x" * (i + 2))
        time.sleep(0.1)
    (tmp_path / ".a.md.swp").write_text("editor noise")
    wait_for(lambda: bool(calls), timeout=5)
    time.sleep(0.6)
    stop.set()
    t.join()
    assert len(calls) == 1
    assert calls[0] - started >= 0.4 + 0.3 - 0.05


def test_a_taken_port_gives_a_free_one(preview: Preview) -> None:
    settings = preview.rebuilder.settings
    other = Preview("2026-12", settings, port=preview.port)
    try:
        assert other.port != preview.port and other.url.startswith("http://127.0.0.1:")
    finally:
        other.close()


def test_cli_refuses_other_hosts(preview: Preview) -> None:
    import argparse
    import io

    from rich.console import Console

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["preview", "2026-12", "--host", "0.0.0.0", "--port", "0"])
    from newsletter.cli.main import failure
    from newsletter.core.errors import NewsletterError

    out = io.StringIO()
    try:  # main.py prints a command's errors: the command only raises them
        code = run(args, preview.rebuilder.settings, "de", Console(file=out))
    except NewsletterError as exc:
        code = failure(exc, "de", Console(file=out))
    assert code == 2 and "nur auf diesem Rechner" in out.getvalue()


# --- the HTTP layer: framing and bodies (issue 10, item 12) --------------------------------


def raw_answer(preview: Preview, request: bytes, timeout: float = 5.0) -> bytes:
    """Send `request` as it is; what the server answers before it closes (or the timeout)."""
    import socket

    with socket.create_connection(("127.0.0.1", preview.port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except TimeoutError:
            pass
    return data


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/zustand",
        "/ausgabe/email.html",
        "/teil/pdf",
        "/vorschau.js",
        "/pdf/newsletter.pdf",
        "/gibt-es-nicht",
    ],
)
def test_every_answer_forbids_other_origins_to_frame_it(preview: Preview, path: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    conn.request("GET", path)
    answer = conn.getresponse()
    answer.read()
    conn.close()
    assert answer.getheader("X-Frame-Options") == "SAMEORIGIN", path
    policies = answer.msg.get_all("Content-Security-Policy") or []
    assert any("frame-ancestors 'self'" in p for p in policies), (path, policies)
    # also the refusals: a foreign Host, a method the server does not know
    for request in (
        f"GET {path} HTTP/1.1\r\nHost: boese.example\r\n\r\n".encode(),
        f"KAPUTT {path} HTTP/1.1\r\nHost: 127.0.0.1:{preview.port}\r\n\r\n".encode(),
    ):
        head = raw_answer(preview, request).split(b"\r\n\r\n")[0].decode("latin-1")
        assert "X-Frame-Options: SAMEORIGIN" in head and "frame-ancestors 'self'" in head, head


def test_a_bad_content_length_is_answered_at_once(preview: Preview) -> None:
    """`Content-Length: -1` held a thread forever on main (rfile.read(-1) waits for EOF)."""
    head = f"POST /testmail HTTP/1.1\r\nHost: 127.0.0.1:{preview.port}\r\n"
    for value, status in (("-1", b"400"), ("zwei", b"400"), ("1_0", b"400"), ("99999999", b"413")):
        started = time.monotonic()
        answer = raw_answer(preview, f"{head}Content-Length: {value}\r\n\r\nadresse=x".encode())
        assert answer.split(b" ", 2)[1:2] == [status], (value, answer[:120])
        assert time.monotonic() - started < 2, value
    # a body that stops half-way costs its thread only until the read timeout, and the
    # preview goes on answering meanwhile
    import socket

    with socket.create_connection(("127.0.0.1", preview.port), timeout=5) as stalled:
        stalled.sendall(f"{head}Content-Length: 100\r\n\r\nadresse=".encode())
        assert get(preview, "/zustand")[0] == 200


def test_another_origin_cannot_frame_the_preview(browser: Browser, preview: Preview) -> None:
    """A page on another origin (another port) frames the preview: Chromium refuses to show
    it, while the preview's own frames (the tests above) keep working."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    framing = (
        f'<!DOCTYPE html><title>Fremd</title><iframe id="f" src="{preview.url}" '
        'width="800" height="600"></iframe>'
    ).encode()

    class Foreign(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(framing)))
            self.end_headers()
            self.wfile.write(framing)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Foreign)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context()
    try:
        pg = context.new_page()
        pg.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        pg.wait_for_load_state("load")
        assert len(pg.frames) == 2  # the frame is there, but the preview is not in it
        assert pg.frame_locator("#f").locator("#rahmen-telefon").count() == 0
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_page_shows_the_organisations_like_status_once_there_is_a_register(
    preview: Preview,
) -> None:
    from newsletter.preview.page import Variant
    from newsletter.store import organisations as orgs
    from newsletter.store.subscribers import open_store

    assert 'id="organisationen"' not in preview.render_page(Variant())  # no register: no section
    settings = preview.rebuilder.settings
    with open_store(settings.path(settings.subscribers.database)) as conn:
        orgs.add_many(
            conn,
            [
                orgs.make("lernimpuls-nordstadt", name="Lernimpuls (Verzeichnis)"),
                orgs.make("frauentreff-oststadt", name="Frauentreff Oststadt", language="ar"),
            ],
        )
    page = preview.render_page(Variant())
    section = page.split('id="organisationen"', 1)[1].split("</section>", 1)[0]
    assert "Frauentreff Oststadt" in section and "fehlt" in section
    assert "Lernimpuls (Verzeichnis)" in section
    assert "nicht im Verzeichnis" in section  # the other folders of the issue
    assert "Organisationen: 1 fehlt" in section
