"""A whole build of the example issue: what lands in the outbox, atomically, and what does not."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.cli.main import main
from newsletter.core.config import Settings, load_settings
from newsletter.core.errors import NewsletterError
from newsletter.output import build as build_module
from newsletter.output.build import build_issue
from newsletter.output.manifest import read_manifest
from tests.support import IssueDir, png

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "submissions" / "2026-12"


def tree_hash(folder: Path) -> str:
    """One hash over every file's path and bytes below `folder`."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Settings]]:
    """A root with a copy of the example issue, built once (the slow, cold part)."""
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(EXAMPLE, root / "submissions" / "2026-12")
    for p in (root / "submissions").rglob("*"):  # keep receipt order as in the repo
        os.utime(p, (1_700_000_000, 1_700_000_000))
    settings = load_settings(root=root)
    build_issue("2026-12", settings)
    yield root, settings


@pytest.fixture
def outbox(workspace: tuple[Path, Settings]) -> Path:
    _root, settings = workspace
    return settings.path(settings.outbox_dir) / "2026-12"


def test_build_writes_everything_a_reader_receives(outbox: Path) -> None:
    for name in (
        "email.html",
        "email.txt",
        "web/index.html",
        "newsletter.pdf",
        "manifest.json",
        "termine/alle-termine.ics",
        "anlagen/flyer-internationaler-wintermarkt.pdf",
    ):
        assert (outbox / name).is_file(), name
    assert (outbox / "newsletter.pdf").read_bytes().startswith(b"%PDF-")
    assert len(list((outbox / "termine").glob("*.ics"))) == 6 + 1  # one per date, one for all
    assert len(list((outbox / "images").rglob("*.jpg"))) == 12  # every photo, email size
    assert len(list((outbox / "print").rglob("*.jpg"))) == 12  # and print size
    html = (outbox / "email.html").read_text(encoding="utf-8")
    for src in re.findall(r'<img src="([^"]+)"', html):
        assert (outbox / src).is_file(), src  # the preview can show every picture
    web = (outbox / "web" / "index.html").read_text(encoding="utf-8")
    for src in re.findall(r'src="([^"]+)"', web):
        assert (outbox / "web" / src).resolve().is_file(), src


def test_manifest_json_reads_back_into_the_typed_manifest_unchanged(outbox: Path) -> None:
    data = (outbox / "manifest.json").read_bytes()
    manifest = read_manifest(outbox)
    assert manifest.issue == "2026-12" and manifest.frames["de"].html == "email.html"
    assert manifest.json_bytes() == data  # every field typed, none lost, the format kept


def test_manifest_lists_every_file_with_size_and_hash(outbox: Path) -> None:
    manifest = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {
        p.relative_to(outbox).as_posix()
        for p in outbox.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert set(listed) == on_disk
    for rel, entry in listed.items():
        data = (outbox / rel).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["left_out"] == []
    assert manifest["email"]["html_bytes"] < manifest["email"]["limit_bytes"]
    assert len(manifest["submissions"]) == 7
    renditions = manifest["images"]["renditions"]
    assert {r["kind"] for r in renditions} == {"email", "print"}
    assert all("path" not in r for r in renditions)  # no cache paths leak into the output


def test_build_never_writes_to_the_submissions_folder(workspace: tuple[Path, Settings]) -> None:
    root, settings = workspace
    before = tree_hash(root / "submissions")
    build_issue("2026-12", settings)
    assert tree_hash(root / "submissions") == before


def test_rebuild_from_the_caches_is_identical_and_decodes_nothing(
    workspace: tuple[Path, Settings], outbox: Path
) -> None:
    _root, settings = workspace
    # (that WeasyPrint itself renders the same bytes twice is tests/output/test_pdf.py's business;
    # here the PDF comes from the cache)
    before = {n: (outbox / n).read_bytes() for n in ("newsletter.pdf", "email.html", "email.txt")}
    result = build_issue("2026-12", settings)
    for name, data in before.items():
        assert (outbox / name).read_bytes() == data, f"{name} differs between two builds"
    assert result.manifest.images.made == 0  # everything came from the cache


def test_an_interrupted_build_leaves_the_previous_output_intact(
    workspace: tuple[Path, Settings], outbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _root, settings = workspace
    before = tree_hash(outbox)

    def crash(*args: object) -> bytes:
        # Fault injection: the PDF stage dies half-way through a build.
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "_render_pdf", crash)
    with pytest.raises(KeyboardInterrupt):
        build_issue("2026-12", settings)
    assert tree_hash(outbox) == before
    leftovers = [p.name for p in outbox.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_a_killed_build_leaves_the_outbox_whole_and_the_next_build_clears_its_leftovers(
    workspace: tuple[Path, Settings], tmp_path: Path
) -> None:
    """kill -9 in the middle of a build runs no cleanup: its temporary folder stays behind.
    The previous outbox stays whole, and the next build removes the leftover (before, every
    killed build left a hidden copy of the issue in outbox/ for good)."""
    root = tmp_path / "root"
    shutil.copytree(workspace[0], root)  # with the image cache: no photo is made again
    outbox_root = root / "outbox"
    before = tree_hash(outbox_root / "2026-12")
    md = root / "submissions" / "2026-12" / "elternnetz-nordstadt" / "submission.md"
    md.write_text(md.read_text(encoding="utf-8") + "\nNachtrag: jetzt auch samstags.\n", "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "build", "2026-12"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            # killed once the email is written and the PDF is being laid out
            if any((p / "email.html").exists() for p in outbox_root.glob(".2026-12.build-*")):
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the build ended before it could be killed"
        proc.kill()
    finally:
        proc.wait()
    assert len(list(outbox_root.glob(".2026-12.build-*"))) == 1  # what kill -9 leaves
    assert tree_hash(outbox_root / "2026-12") == before  # the previous build, whole

    settings = load_settings(root=root)
    build_issue("2026-12", settings)
    assert [p.name for p in outbox_root.iterdir()] == ["2026-12"]
    text = (outbox_root / "2026-12" / "email.txt").read_text(encoding="utf-8")
    assert "jetzt auch samstags" in text


def test_two_builds_at_once_wait_for_each_other(
    workspace: tuple[Path, Settings], tmp_path: Path
) -> None:
    """The editor runs `build` while the preview rebuilds: the second waits for the first
    (the outbox folder is locked), both finish, and the outbox holds one whole build."""
    root = tmp_path / "root"
    shutil.copytree(workspace[0], root)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env["PYTHONPATH"] = str(ROOT)
    cmd = [sys.executable, "-m", "newsletter", "build", "2026-12"]
    procs = [
        subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    outbox_root = root / "outbox"
    assert [p.name for p in outbox_root.iterdir()] == ["2026-12"]
    manifest = read_manifest(outbox_root / "2026-12")
    for name in ("email.html", "email.txt", "newsletter.pdf"):
        assert (outbox_root / "2026-12" / name).is_file()
    assert manifest.issue == "2026-12"


def test_build_refuses_errors_and_force_leaves_them_out(workspace: tuple[Path, Settings]) -> None:
    root, settings = workspace
    issue = root / "submissions" / "broken-issue"
    shutil.copytree(root / "submissions" / "2026-12", issue)
    md = issue / "elternnetz-nordstadt" / "submission.md"
    md.write_text(
        md.read_text(encoding="utf-8").replace("organisation:", "organisaton:"), encoding="utf-8"
    )
    with pytest.raises(NewsletterError) as refused:
        build_issue("broken-issue", settings)
    assert refused.value.code == "BUILD_REFUSED"
    assert "elternnetz-nordstadt" in str(refused.value.params["slugs"])
    assert not (settings.path(settings.outbox_dir) / "broken-issue").exists()

    result = build_issue("broken-issue", settings, force=True)
    assert result.left_out == ("elternnetz-nordstadt",)
    assert result.manifest.left_out == ("elternnetz-nordstadt",)
    html = (result.outbox / "email.html").read_text(encoding="utf-8")
    assert "Elternnetz Nordstadt" not in html
    assert "Kinderschutzverein Sonnenberg" in html


def test_cli_build_reports_refusal_in_german_without_traceback(
    workspace: tuple[Path, Settings],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, _settings = workspace
    monkeypatch.chdir(root)
    issue = root / "submissions" / "late-issue"
    if not issue.exists():
        shutil.copytree(root / "submissions" / "2026-12", issue)
        toml = issue / "issue.toml"
        toml.write_text(
            toml.read_text(encoding="utf-8").replace(
                "deadline = 2026-11-27T23:59:00", "deadline = 2026-11-01T23:59:00"
            ),
            encoding="utf-8",
        )
    assert main(["build", "late-issue"]) == 1  # refused because of findings, like check
    err = capsys.readouterr().err
    assert "Nicht gebaut" in err and "--force" in err
    assert "Traceback" not in err


def test_calendar_files_carry_local_berlin_times(outbox: Path) -> None:
    raw = (outbox / "termine" / "alle-termine.ics").read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")  # RFC 5545: CRLF line ends only
    text = raw.decode("utf-8")
    assert text.count("BEGIN:VEVENT") == 6
    # Internationaler Wintermarkt, 5 Dec 2026 14:00 in Berlin, with the zone's VTIMEZONE
    assert "DTSTART;TZID=Europe/Berlin:20261205T140000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Berlin" in text
    assert "DTEND" not in text  # issue.toml gives no end times: none is invented


def test_editing_a_text_changes_email_and_pdf(
    workspace: tuple[Path, Settings], outbox: Path
) -> None:
    root, settings = workspace
    issue = root / "submissions" / "edited-issue"
    if issue.exists():
        shutil.rmtree(issue)
    shutil.copytree(root / "submissions" / "2026-12", issue)
    first = build_issue("edited-issue", settings).outbox
    pdf_before = (first / "newsletter.pdf").read_bytes()
    md = issue / "drk-cafe-suedviertel" / "submission.md"
    md.write_text(
        md.read_text(encoding="utf-8").rstrip() + "\n\nNeu: Adventsbasar am 12. Dezember.\n",
        encoding="utf-8",
    )
    again = build_issue("edited-issue", settings).outbox
    assert "Adventsbasar" in (again / "email.html").read_text(encoding="utf-8")
    pdf_after = (again / "newsletter.pdf").read_bytes()
    assert pdf_after != pdf_before  # the PDF cache does not hide an edit
    text = subprocess.run(
        ["pdftotext", str(again / "newsletter.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Adventsbasar" in text


def test_output_names_are_ascii_slugs_chosen_by_the_pipeline() -> None:
    from newsletter.core.filenames import ascii_slug, unique

    assert ascii_slug("WhatsApp Image 2027-01-12 at 14.32.10") == (
        "whatsapp-image-2027-01-12-at-14-32-10"
    )
    assert ascii_slug("Für Ehrenamtliche: Straße") == "fuer-ehrenamtliche-strasse"
    assert (
        ascii_slug("Çağrı Öğüt Ñandú") == "cagri-oeguet-nandu"
    )  # ö is written out, ğ loses its mark
    assert ascii_slug("شعار الجمعية", fallback="bild") == "bild"  # no ASCII form at all
    assert ascii_slug("a" * 30 + " " + "b" * 40, max_length=40) == "a" * 30  # between words
    assert unique("foto.jpg", ["foto.jpg", "foto-2.jpg"]) == "foto-3.jpg"


def test_force_with_every_submission_in_error_builds_nothing(
    issue: IssueDir, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    issue.add("ohne-name", update={"organisation": None})
    issue.add("ohne-text", body="")
    with pytest.raises(NewsletterError) as refused:
        build_issue(str(issue.folder), settings, force=True)
    assert refused.value.code == "BUILD_EMPTY"
    assert "ohne-name" in str(refused.value.params["slugs"])
    outbox = settings.path(settings.outbox_dir)
    assert not (outbox / issue.folder.name).exists()
    # the command line says it in German and exits with 2, not 0
    assert main(["build", str(issue.folder), "--force"]) == 2
    err = capsys.readouterr().err
    assert "Nicht gebaut" in err and "leer" in err and "Traceback" not in err
    # an editorial article is content: then --force builds it without the broken submissions
    (issue.folder / "editorial").mkdir()
    (issue.folder / "editorial" / "10-gruss.md").write_text(
        "## Grüße\n\nDie Redaktion grüßt.\n", encoding="utf-8"
    )
    result = build_issue(str(issue.folder), settings, force=True, with_pdf=False)
    assert result.manifest.submissions == ()
    assert result.manifest.editorials == ("10-gruss",)
    assert "Die Redaktion grüßt" in (result.outbox / "email.html").read_text(encoding="utf-8")


def test_a_photo_without_a_release_is_left_out_and_the_rest_goes_in(
    issue: IssueDir,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # geheim.jpg is no picture at all: if anything decoded or even probed it, the build would
    # report IMAGE_UNREADABLE and refuse
    photos = [
        {
            "file": "foto.jpg",
            "caption": "Freigegebenes Sommerfest",
            "alt": "Kinder am Grill",
            "consent": True,
        },
        {"file": "geheim.jpg", "caption": "Geheime Bildunterschrift", "consent": False},
        {"file": "ohne.jpg", "caption": "Ohne Angabe"},
        {"file": "Ja Foto.JPG", "caption": "Mit ja", "consent": "ja"},
    ]
    issue.add(
        "elterncafe",
        update={"photos": photos},
        files={"geheim.jpg": b"\xff\xd8 nicht lesbar", "Ja Foto.JPG": b"kaputt"},
    )
    check_out = subprocess.run(
        [sys.executable, "-m", "newsletter", "check", str(issue.folder)],
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.root,
        env={k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")},
    )
    assert check_out.returncode == 0, check_out.stdout + check_out.stderr  # warnings only
    assert "geheim.jpg" in check_out.stdout and "weggelassen" in check_out.stdout

    result = build_issue(str(issue.folder), settings)  # no --force needed
    assert result.left_out == ()
    assert {f.params["name"] for f in result.photos_left_out} == {
        "geheim.jpg",
        "ohne.jpg",
        "Ja Foto.JPG",
    }
    assert {p.file for p in result.manifest.photos_left_out} == {
        "geheim.jpg",
        "ohne.jpg",
        "Ja Foto.JPG",
    }
    html = (result.outbox / "email.html").read_text(encoding="utf-8")
    assert "Lernimpuls Beispiel e.V." in html and "Lernhilfe" in html
    assert "Freigegebenes Sommerfest" in html
    assert "Geheime Bildunterschrift" not in html and "geheim" not in html
    assert len(re.findall(r"<img [^>]*src=\"images/elterncafe/", html)) == 2  # logo + photo
    sources = {r.source for r in result.manifest.images.renditions}
    assert sources == {"logo.png", "foto.jpg"}
    web = (result.outbox / "web" / "index.html").read_text(encoding="utf-8")
    assert "Geheime Bildunterschrift" not in web and "Freigegebenes Sommerfest" in web
    pdf = result.outbox / "newsletter.pdf"
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Lernimpuls Beispiel e.V." in text and "Freigegebenes Sommerfest" in text
    assert "Geheime Bildunterschrift" not in text
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(images) == 2  # logo and the released photo

    # the build command names each photo it left out
    monkeypatch.chdir(settings.root)
    assert main(["build", str(issue.folder)]) == 0
    out = capsys.readouterr().out
    assert "geheim.jpg" in out and "ohne.jpg" in out and "Ja Foto.JPG" in out


def test_a_wide_logo_fits_a_box_and_stays_readable_in_email_web_and_pdf(
    issue: IssueDir, settings: Settings
) -> None:
    issue.add("banner", files={"logo.png": png(2400, 300)})  # a banner logo, 8:1
    issue.add("quadrat", files={"logo.png": png(600, 600)})
    result = build_issue(str(issue.folder), settings)
    html = (result.outbox / "email.html").read_text(encoding="utf-8")

    def logo_tag(page: str, slug: str) -> tuple[int, int]:
        m = re.search(rf'<img [^>]*src="[^"]*{slug}/logo[^"]*"[^>]*>', page)
        assert m is not None, slug
        tag = m.group(0)
        w = re.search(r'width="(\d+)"', tag)
        h = re.search(r'height="(\d+)"', tag)
        assert w and h
        return int(w.group(1)), int(h.group(1))

    # the email: a box of at most 320 x 80 CSS px; the banner 320 x 40, not 160 x 20
    assert logo_tag(html, "banner") == (320, 40)
    assert logo_tag(html, "quadrat") == (80, 80)
    web = (result.outbox / "web" / "index.html").read_text(encoding="utf-8")
    assert logo_tag(web, "banner") == (320, 40) and logo_tag(web, "quadrat") == (80, 80)
    # the renditions are made for the box at 2x (email) and 300 ppi (print), no larger
    sizes = {
        (r.submission, r.kind): (r.width, r.height)
        for r in result.manifest.images.renditions
        if r.source == "logo.png"
    }
    assert sizes[("banner", "email")] == (640, 80)
    assert sizes[("quadrat", "email")] == (160, 160)
    assert sizes[("banner", "print")] == (827, 103)  # 70 mm at 300 ppi
    assert sizes[("quadrat", "print")] == (260, 260)  # 22 mm at 300 ppi
    # the PDF shows them at 300 ppi: the banner 70 mm wide, the square one 22 mm high
    rows = subprocess.run(
        ["pdfimages", "-list", str(result.outbox / "newsletter.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    logos = {(int(r.split()[3]), int(r.split()[4])): r.split() for r in rows}
    for size in ((827, 103), (260, 260)):
        x_ppi, y_ppi = int(logos[size][12]), int(logos[size][13])
        assert 295 <= x_ppi <= 305 and 295 <= y_ppi <= 305, logos[size]


def test_the_preview_names_why_each_submission_keeps_an_issue_empty(
    issue: IssueDir, settings: Settings, tmp_path: Path
) -> None:
    from newsletter.preview.engine import Rebuilder
    from newsletter.preview.page import status_line

    issue.add("ohne-name", update={"organisation": None})
    rebuilder = Rebuilder(str(issue.folder), settings, tmp_path / "vorschau")
    rebuilder.build_once()
    snap = rebuilder.snapshot()
    assert snap.good is None and snap.failure is not None
    assert "Nicht gebaut" in snap.failure.message and "leer" in snap.failure.message
    assert any(d.startswith("ohne-name: ") and "organisation" in d for d in snap.failure.details)
    assert status_line(snap)[0] == "error"


def test_build_without_a_terminal_prints_a_line_per_stage(
    workspace: tuple[Path, Settings],
) -> None:
    """cron, CI or a pipe: each stage says when it begins (stderr), the result goes to stdout."""
    root, _settings = workspace
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("NEWSLETTER_")}
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", "build", "2026-12"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    stages = [line.split(" …")[0] for line in done.stderr.splitlines() if " …" in line]
    assert stages == ["Prüfen", "Bilder", "E-Mail, Text und Web-Version", "PDF", "Ablegen"]
    assert "PDF … (E-Mail, Text und Web-Version: " in done.stderr  # how long the last stage took
    assert "Gebaut:" in done.stdout and "Gebaut" not in done.stderr
    assert re.search(r"\(\d+,\d s\)", done.stdout)  # German decimals: "(12,3 s)"
    # the email's own words in the subscribers' languages too (compose picks each reader's)
    assert "E-Mail-Rahmen auch auf: en, tr, ar, uk (email.SPRACHE.html/.txt)" in done.stdout
