"""The upload page (/einreichen/TOKEN) against the real service: waitress on 127.0.0.1.

Links, the check, the one-step write, and bad input: guessed and rotated links, forged and
cross-site posts, files that lie, bombs, scripts in SVG, 50 MB photos, a fourth photo, a photo
without release, two tabs at once, an upload cut off, too many requests. The browser's side
(375 px, Arabic, axe-core) is test_upload_browser.py.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from newsletter.check.stage import run_check
from newsletter.cli.main import main
from newsletter.core.config import ServeSettings, Settings, load_settings
from newsletter.store import organisations as orgs
from newsletter.store import upload_links
from newsletter.store.subscribers import open_store
from newsletter.web.app import App
from newsletter.web.server import make_wsgi_server
from tests.support import IssueDir, Sink, jpeg, png, png_bomb, smtp_server, tree_hash

ISSUE = "2027-01"
SLUG = "lernimpuls-nordstadt"
FUTURE = "2099-01-27T23:59:00"
SVG_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">'
    b"<script>alert(1)</script></svg>"
)


@dataclass
class Site:
    settings: Settings
    base: str
    issue: IssueDir
    app: App

    @property
    def port(self) -> int:
        return int(self.base.split(":")[2].split("/")[0])

    def link(self, slug: str = SLUG, *, new: bool = False) -> str:
        with open_store(self.settings.path(self.settings.subscribers.database)) as conn:
            return upload_links.link(conn, self.settings, slug, ISSUE, new=new).token

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, "/newsletter" + path, body=body, headers=headers or {})
        response = conn.getresponse()
        text = response.read().decode()
        conn.close()
        return response.status, text

    def form(self, token: str, query: str = "") -> tuple[str, str, str]:
        """GET the page: its HTML, form token and draft id."""
        status, page = self.request("GET", f"/einreichen/{token}{query}")
        assert status == 200, page
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        draft = re.search(r'name="draft" value="([^"]*)"', page)
        assert csrf and draft
        return page, csrf[1], draft[1]

    def post(
        self,
        token: str,
        fields: dict[str, Any],
        *,
        origin: str | None = None,
        fresh: bool = True,
    ) -> tuple[int, str]:
        """POST the form as a browser would (multipart, Origin of the site)."""
        data = dict(fields)
        if fresh and "csrf" not in data:
            _, data["csrf"], data["draft"] = self.form(token)
        boundary, body = multipart(data)
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": origin or f"http://127.0.0.1:{self.port}",
        }
        return self.request("POST", f"/einreichen/{token}", body, headers)

    def folder(self) -> Path:
        return self.issue.folder / SLUG


def multipart(fields: dict[str, Any]) -> tuple[str, bytes]:
    """A browser's multipart body: text fields, and (file name, bytes) for files."""
    boundary = "----grenze" + os.urandom(8).hex()
    out = []
    for name, value in fields.items():
        if isinstance(value, tuple):
            head = f'name="{name}"; filename="{value[0]}"\r\nContent-Type: image/jpeg'
            data = value[1]
        else:
            head, data = f'name="{name}"', str(value).encode()
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; {head}\r\n\r\n".encode())
        out.append(data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return boundary, b"".join(out)


def good_fields(**extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "organisation": "Lernimpuls Nordstadt e.V.",
        "goal": "Lernhilfe und Begegnung für Kinder",
        "location": "Nordstadt, Schulstraße 17",
        "contact_name": "Ayşe Beispiel",
        "contact_email": "info@example.org",
        "language": "de",
        "text": "Wir bieten **Lernhilfe** und Begegnung für Kinder und Eltern in der Nordstadt.",
        "photo-1": ("IMG 0001 (Kopie).JPG", jpeg(1300, 900)),
        "photo-1_caption": "Sommerfest im Stadtpark",
        "photo-1_alt": "Kinder spielen Fußball auf einer Wiese",
        "photo-1_credit": "Verein",
        "photo-1_consent": "yes",
        "logo": ("Logo Verein.PNG", png(400, 200)),
        "action": "check",
    }
    fields.update(extra)
    return fields


def codes(page: str) -> list[str]:
    """The codes the page shows in its result summary."""
    summary = page.split('id="result-head"', 1)[1].split("</section>", 1)[0]
    return sorted(re.findall(r'class="code">\((\w+)\)<', summary))


@pytest.fixture
def site(chdir_tmp: Path) -> Iterator[Site]:
    yield from start_site(chdir_tmp)


def start_site(root: Path, **serve: Any) -> Iterator[Site]:
    issue = IssueDir(root / "submissions" / ISSUE)
    issue.deadline = FUTURE
    issue.write_toml()
    settings = load_settings(root=root)
    with open_store(settings.path(settings.subscribers.database)) as conn:
        orgs.add_many(
            conn,
            [
                orgs.make(SLUG, name="Lernimpuls Nordstadt", emails="info@example.org"),
                orgs.make("frauentreff", name="فرونتريف", emails="f@example.org", language="ar"),
            ],
        )
    server = make_wsgi_server(lambda e, s: [], "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_address[1]}/newsletter"
    config = ServeSettings.model_validate({"base_url": base + "/", **serve})
    app = App(settings, config)
    server.set_app(app)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield Site(settings, base, issue, app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        app.close()


# --- links ------------------------------------------------------------------------------------


def test_links_are_kept_as_hashes_rotate_and_only_open_their_own_page(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["organisations", "link", SLUG]) == 0
    url = capsys.readouterr().out.split()[-1]
    token = url.rsplit("/", 1)[1]
    assert len(token) == 43 and url.startswith("https://example.org/newsletter/einreichen/")
    assert main(["organisations", "link", SLUG]) == 0  # the same link again
    assert capsys.readouterr().out.split()[-1] == url
    db = site.settings.path(site.settings.subscribers.database)
    assert token.encode() not in db.read_bytes()  # only its hash is stored
    page, _, _ = site.form(token)
    assert "Lernimpuls Nordstadt" in page and "فرونتريف" not in page
    assert main(["organisations", "link", SLUG, "--new", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "stops working" in out
    new = re.findall(r"einreichen/(\S+)", out)[0]
    assert new != token
    assert site.request("GET", f"/einreichen/{token}")[0] == 404
    assert site.request("GET", f"/einreichen/{new}")[0] == 200


def test_guessed_rotated_expired_and_removed_links_get_the_same_page(site: Site) -> None:
    rotated = site.link()
    site.link(new=True)
    expired = site.link("frauentreff")
    db = site.settings.path(site.settings.subscribers.database)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE upload_links SET created_at = '2020-01-01T00:00:00Z'")
    site.issue.add("geloescht")
    with open_store(db) as conn:
        orgs.add(conn, orgs.make("geloescht", name="Gelöscht e.V."))
    removed = site.link("geloescht")
    with open_store(db) as conn:
        orgs.remove(conn, "geloescht")
    pages = set()
    for token in (rotated, expired, removed, "A" * 43, "kurz", "%C3%A4-%20x"):
        status, page = site.request("GET", f"/einreichen/{token}")
        assert status == 404
        pages.add(page)
    assert len(pages) == 1  # nothing tells whether an organisation exists
    assert "Dieser Link funktioniert nicht" in next(iter(pages))
    assert site.request("GET", "/einreichen/../../etc/passwd")[0] == 404


# --- check and send ---------------------------------------------------------------------------


def test_check_shows_a_small_photo_with_its_pixels_and_stores_nothing(site: Site) -> None:
    token = site.link()
    before = tree_hash(site.issue.folder)
    fields = good_fields(**{"photo-2": ("klein.jpg", jpeg(400, 300)), "photo-2_consent": "yes"})
    fields["photo-2_alt"] = "Ein Foto"
    status, page = site.post(token, fields)
    assert status == 200
    assert codes(page) == ["PHOTO_EMAIL_TOO_SMALL"]
    assert "400×300 Pixel" in page
    # next to its field: inside the box of photo 2
    box = page.split('id="photo-2-box"', 1)[1].split("</fieldset>", 1)[0]
    assert "PHOTO_EMAIL_TOO_SMALL" in box
    assert tree_hash(site.issue.folder) == before  # nothing under submissions/
    # sent anyway: refused, still nothing written
    status, page = site.post(token, {**fields, "action": "send"})
    assert "Noch nicht abgeschickt" in page and tree_hash(site.issue.folder) == before
    work = site.settings.path(site.settings.state_dir) / "upload" / "work"
    for _ in range(50):  # removed once the page has been sent
        if not list(work.iterdir()):
            break
        time.sleep(0.05)
    assert not list(work.iterdir())
    assert not list((work.parent / "incoming").iterdir())  # every spooled file taken or removed


def test_send_writes_the_whole_folder_with_our_names_and_check_agrees(site: Site) -> None:
    token = site.link()
    fields = good_fields(action="send")
    fields["photo-2"] = ("ohne freigabe.jpg", jpeg(1300, 900))  # no release ticked
    fields["photo-2_alt"] = "Leute"
    status, page = site.post(token, fields)
    assert status == 200 and "Vielen Dank" in page, page
    folder = site.folder()
    assert sorted(p.name for p in folder.iterdir()) == ["foto-1.jpg", "logo.png", "submission.md"]
    shown = sorted(re.findall(r'class="code">\((\w+)\)<', page))
    report = run_check(ISSUE, site.settings)
    assert sorted(f.code for f in report.findings if f.submission == SLUG) == shown
    assert shown == ["CONSENT_FALSE"]  # the photo without release: kept out, and said so
    with open_store(site.settings.path(site.settings.subscribers.database)) as conn:
        row = conn.execute("SELECT slug FROM receipts WHERE issue = ?", (ISSUE,)).fetchone()
    assert row[0] == SLUG
    # a second send replaces the folder; the first version goes to the state, not submissions/
    first = (folder / "submission.md").read_text(encoding="utf-8")
    _, csrf, draft = site.form(token)
    page = site.form(token)[0]
    assert "Lernhilfe" in page and 'name="photo-1_keep"' in page and "foto-1.jpg" in page
    status, page = site.post(
        token,
        {**good_fields(action="send"), "text": "Neuer Text über unseren Verein.", "csrf": csrf,
         "draft": draft},
    )  # fmt: skip
    assert "Vielen Dank" in page
    assert "Neuer Text" in (folder / "submission.md").read_text(encoding="utf-8")
    previous = site.settings.path(site.settings.state_dir) / "upload" / "previous" / ISSUE / SLUG
    [kept] = list(previous.iterdir())
    assert (kept / "submission.md").read_text(encoding="utf-8") == first
    assert sorted(p.name for p in site.issue.folder.iterdir()) == ["issue.toml", SLUG]


def test_files_that_lie_bombs_scripts_and_huge_photos_are_refused_and_nothing_written(
    site: Site,
) -> None:
    token = site.link()
    before = tree_hash(site.issue.folder)
    huge = b"\xff\xd8\xff\xe0" + os.urandom(1024) + bytes(50_000_000)
    fields = good_fields(
        action="send",
        logo=("logo.svg", SVG_SCRIPT),
        **{
            "photo-1": ("foto.jpg", b"%PDF-1.7 not a photo" + bytes(2000)),
            "photo-2": ("bomb.png", png_bomb()),
            "photo-2_consent": "yes",
            "photo-2_alt": "x",
            "photo-3": ("riesig.jpg", huge),
            "photo-3_consent": "yes",
            "photo-3_alt": "y",
            "photo-4": ("vier.jpg", jpeg(1300, 900)),
        },
    )
    status, page = site.post(token, fields)
    assert status == 200
    found = codes(page)
    for code in ("IMAGE_FORMAT", "IMAGE_TOO_MANY_PIXELS", "SVG_UNSAFE", "IMAGE_TOO_MANY_BYTES"):
        assert code in found, found
    assert "UPLOAD_EXTRA_FILES" in found
    assert "Noch nicht abgeschickt" in page
    assert tree_hash(site.issue.folder) == before
    assert "<script>alert" not in page


def test_cross_site_forged_and_stale_posts_change_nothing(site: Site) -> None:
    token = site.link()
    before = tree_hash(site.issue.folder)
    status, _ = site.post(token, good_fields(action="send"), origin="https://evil.example")
    assert status == 403
    status, page = site.post(token, {**good_fields(action="send"), "csrf": "x.y"}, fresh=False)
    assert status == 400 and "zu lange offen" in page
    other = site.link("frauentreff")  # a form token of another link is no good here
    _, csrf, draft = site.form(other)
    status, _ = site.post(token, {**good_fields(action="send"), "csrf": csrf, "draft": draft})
    assert status == 400
    assert tree_hash(site.issue.folder) == before


def test_more_requests_than_the_limit_get_429(chdir_tmp: Path) -> None:
    for site in start_site(chdir_tmp, upload_limit=2):
        token = site.link()
        assert site.post(token, good_fields())[0] == 200
        assert site.post(token, good_fields())[0] == 200
        status, page = site.post(token, good_fields())
        assert status == 429 and "Minuten" in page
        # another organisation's link has its own count
        assert site.post(site.link("frauentreff"), good_fields())[0] == 200


def test_after_the_deadline_nothing_is_accepted_unless_accepted_late(site: Site) -> None:
    token = site.link()
    site.issue.deadline = "2020-01-01T00:00:00"
    site.issue.write_toml()
    page = site.request("GET", f"/einreichen/{token}")[1]
    assert "Einsendeschluss" in page and "vorbei" in page and "<form" not in page
    status, _ = site.post(token, good_fields(action="send"), fresh=False)
    assert status == 403 and not site.folder().exists()
    site.issue.accepted_late = [SLUG]
    site.issue.write_toml()
    status, page = site.post(token, good_fields(action="send"))
    assert "Vielen Dank" in page and (site.folder() / "submission.md").is_file()


def test_an_upload_cut_off_midway_changes_nothing(site: Site) -> None:
    token = site.link()
    _, csrf, _ = site.form(token)
    before = tree_hash(site.issue.folder)
    head = (
        f"POST /newsletter/einreichen/{token} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000000\r\n\r\n"
        f'--b\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
        '--b\r\nContent-Disposition: form-data; name="action"\r\n\r\nsend\r\n'
        '--b\r\nContent-Disposition: form-data; name="photo-1"; filename="a.jpg"\r\n\r\n'
    ).encode()
    with socket.create_connection(("127.0.0.1", site.port)) as sock:
        sock.sendall(head + jpeg(1300, 900)[:5000])
    time.sleep(0.5)
    assert tree_hash(site.issue.folder) == before
    assert site.request("GET", f"/einreichen/{token}")[0] == 200  # the service goes on


def test_two_tabs_sending_at_once_leave_one_complete_folder(site: Site) -> None:
    token = site.link()
    tabs = [site.form(token) for _ in range(4)]
    results: list[int] = []

    def send(i: int) -> None:
        _, csrf, draft = tabs[i]
        text = f"Fassung {i}: Wir bieten Lernhilfe für Kinder und Eltern."
        fields = {**good_fields(action="send"), "text": text, "csrf": csrf, "draft": draft}
        results.append(site.post(token, fields, fresh=False)[0])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 4
    folder = site.folder()
    assert sorted(p.name for p in folder.iterdir()) == ["foto-1.jpg", "logo.png", "submission.md"]
    assert re.search(r"Fassung \d", (folder / "submission.md").read_text(encoding="utf-8"))
    assert sorted(p.name for p in site.issue.folder.iterdir()) == ["issue.toml", SLUG]
    previous = site.settings.path(site.settings.state_dir) / "upload" / "previous" / ISSUE / SLUG
    assert len(list(previous.iterdir())) == 3
    assert not run_check(ISSUE, site.settings).has_errors


def test_a_body_over_the_upload_limit_gets_413_and_other_routes_keep_theirs(
    chdir_tmp: Path,
) -> None:
    for site in start_site(chdir_tmp, upload_max_bytes=2_000_000):
        token = site.link()
        fields = good_fields(**{"photo-2": ("gross.jpg", os.urandom(2_500_000))})
        status, page = site.post(token, fields)
        assert status == 413 and "zu viel auf einmal" in page
        status, _ = site.request(
            "POST", "/subscribe", b"email=" + b"a" * 100_000,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert status == 413  # the sign-up form keeps its own small limit
        status, page = site.post(token, good_fields(text="Wir " * 100_000))  # 400 KB of text
        assert status == 413 and "zu viel auf einmal" in page  # one field is held to 80 KB
        assert not site.folder().exists()


def test_remind_puts_the_personal_link_into_the_reminder(site: Site, chdir_tmp: Path) -> None:
    handler = Sink()
    with smtp_server(handler) as port:
        (chdir_tmp / "newsletter.toml").write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {port}\ntimeout = 5.0\n', encoding="utf-8"
        )
        main(["remind", ISSUE, "--yes"])
    [mail] = handler.to("info@example.org")
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    token = re.findall(r"/einreichen/([A-Za-z0-9_-]{43})", text)[0]
    assert site.request("GET", f"/einreichen/{token}")[0] == 200
    assert site.link() == token  # the link the editor sees is the same
    [arabic] = handler.to("f@example.org")
    assert "/einreichen/" in arabic.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_phone_photo_in_heic_and_hostile_file_names_get_the_pipelines_names(
    site: Site, chdir_tmp: Path
) -> None:
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.new("RGB", (1400, 1000), (30, 120, 200)).save(buf, "HEIF")
    token = site.link()
    fields = good_fields(action="send")
    fields["photo-1"] = ("../../../../etc/IMG_1234.HEIC", buf.getvalue())
    fields["logo"] = ("..\\..\\Logo Ünïcödé <b>.png", png(400, 200))
    status, page = site.post(token, fields)
    assert status == 200 and "Vielen Dank" in page, page
    assert sorted(p.name for p in site.folder().iterdir()) == [
        "foto-1.heic", "logo.png", "submission.md",
    ]  # fmt: skip
    assert not run_check(ISSUE, site.settings).findings
    outside = [p for p in chdir_tmp.rglob("*") if "IMG_1234" in p.name or "Logo" in p.name]
    assert outside == []
