"""A whole build of the example issue: what lands in the outbox, atomically, and what does not."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter import build as build_module
from newsletter.build import build_issue
from newsletter.cli import main
from newsletter.config import Settings, load_settings
from newsletter.errors import NewsletterError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "submissions" / "2026-12"
GOLDEN = Path(__file__).resolve().parent / "golden"


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
    assert len(list((outbox / "images").rglob("*.jpg"))) == 11  # every photo, email size
    assert len(list((outbox / "print").rglob("*.jpg"))) == 11  # and print size
    html = (outbox / "email.html").read_text(encoding="utf-8")
    for src in re.findall(r'<img src="([^"]+)"', html):
        assert (outbox / src).is_file(), src  # the preview can show every picture
    web = (outbox / "web" / "index.html").read_text(encoding="utf-8")
    for src in re.findall(r'src="([^"]+)"', web):
        assert (outbox / "web" / src).resolve().is_file(), src


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
    assert len(manifest["submissions"]) == 6
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
    # (that WeasyPrint itself renders the same bytes twice is tests/test_pdf.py's business;
    # here the PDF comes from the cache)
    before = {n: (outbox / n).read_bytes() for n in ("newsletter.pdf", "email.html", "email.txt")}
    result = build_issue("2026-12", settings)
    for name, data in before.items():
        assert (outbox / name).read_bytes() == data, f"{name} differs between two builds"
    assert result.manifest["images"]["made"] == 0  # everything came from the cache


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
    assert result.manifest["left_out"] == ["elternnetz-nordstadt"]
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


def test_calendar_files_carry_local_times_in_utc(outbox: Path) -> None:
    raw = (outbox / "termine" / "alle-termine.ics").read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")  # RFC 5545: CRLF line ends only
    text = raw.decode("utf-8")
    assert text.count("BEGIN:VEVENT") == 6
    # Internationaler Wintermarkt, 5 Dec 2026 14:00 in Berlin (CET, UTC+1) = 13:00 UTC
    assert "DTSTART:20261205T130000Z" in text


def test_text_part_matches_the_golden_file(outbox: Path) -> None:
    text = (outbox / "email.txt").read_text(encoding="utf-8")
    golden = GOLDEN / "2026-12-email.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        "email.txt changed; if intended, run UPDATE_GOLDEN=1 pytest tests/test_build.py"
    )


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
