"""Reading an issue folder: which files belong to a submission, safe resolution of the names
submission.md gives, text from Word and plain-text files, and issue.toml."""

from __future__ import annotations

import io
import json
import os
import unicodedata
from pathlib import Path
from typing import Any

import docx
import pytest

from newsletter.check.stage import run_check
from newsletter.core.config import Settings
from newsletter.intake.reader import read_issue
from tests.support import (
    IssueDir,
    assert_messages,
    codes,
    jpeg,
    run_rules,
    submission_md,
    the,
    tree_hash,
    valid_front,
)

SECRET = "GEHEIM-root:x:0:0-außerhalb"


def _photos(*names: str) -> list[dict[str, Any]]:
    return [
        {"file": n, "caption": f"Bild {n}", "alt": "Kinder am Tisch", "consent": True}
        for n in names
    ]


def _docx() -> bytes:
    """A Word file as contributors write one: a heading, a bold run, a bulleted list."""
    document = docx.Document()
    document.add_heading("Über uns", level=2)
    para = document.add_paragraph("Wir sind ")
    para.add_run("ehrenamtlich").bold = True
    para.add_run(" in der Nordstadt aktiv.")
    document.add_paragraph("Lernhilfe", style="List Bullet")
    document.add_paragraph("Elterncafé", style="List Bullet")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- the folder
def test_valid_submission_has_no_findings(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein")
    assert run_rules(issue.folder, settings) == []


def test_empty_folder_is_reported_and_skipped(issue: IssueDir, settings: Settings) -> None:
    (issue.folder / "leer").mkdir()
    issue.add("verein")
    intake = read_issue(issue.folder, settings)
    findings = run_rules(issue.folder, settings)
    f = the(findings, "FOLDER_EMPTY", "leer", None)
    assert f.severity == "warning"
    assert "leer" in intake.unreadable
    assert [s.slug for s in intake.issue.submissions] == ["verein"]


def test_folder_with_only_system_files_counts_as_empty(issue: IssueDir, settings: Settings) -> None:
    folder = issue.folder / "nur-muell"
    folder.mkdir()
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    the(run_rules(issue.folder, settings), "FOLDER_EMPTY", "nur-muell", None)


def test_folder_without_submission_md_is_reported(issue: IssueDir, settings: Settings) -> None:
    folder = issue.folder / "nur-fotos"
    folder.mkdir()
    (folder / "foto.jpg").write_bytes(jpeg())
    f = the(run_rules(issue.folder, settings), "SUBMISSION_MISSING", "nur-fotos", None)
    assert f.severity == "error"
    assert "submission.md" in f.message("de")


def test_issue_without_submissions_is_reported(issue: IssueDir, settings: Settings) -> None:
    (issue.folder / "editorial").mkdir()
    the(run_rules(issue.folder, settings), "NO_SUBMISSIONS", None, None)


def test_system_and_lock_files_are_ignored(issue: IssueDir, settings: Settings) -> None:
    issue.add(
        "verein",
        files={
            ".DS_Store": b"\x00\x00\x00\x01Bud1",
            "Thumbs.db": b"\xd0\xcf\x11\xe0",
            "desktop.ini": "[.ShellClassInfo]",
            "._foto.jpg": b"\x00\x05\x16\x07AppleDouble",
            "~$text.docx": b"\x0bAyse",
            ".versteckt/notiz.txt": "privat",
        },
    )
    assert run_rules(issue.folder, settings) == []
    sub = read_issue(issue.folder, settings).issue.submission("verein")
    assert sub.files == ("foto.jpg", "logo.png", "submission.md")


def test_unlisted_file_is_a_warning_on_that_file(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", files={"alt-foto.jpg": jpeg()})
    findings = run_rules(issue.folder, settings)
    f = the(findings, "FILE_UNLISTED", "verein", "alt-foto.jpg")
    assert f.severity == "warning"
    assert codes(findings) == ["FILE_UNLISTED"]


def test_listed_but_absent_file_is_an_error(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", update={"logo": "vereinslogo.png", "photos": _photos("fehlt.jpg")})
    findings = run_rules(issue.folder, settings)
    f = the(findings, "FILE_MISSING", "verein", "fehlt.jpg")
    assert "fehlt.jpg" in f.message("de") and "fehlt.jpg" in f.message("en")
    the(findings, "FILE_MISSING", "verein", "vereinslogo.png")
    # the files that are there but no longer named are pointed out too
    assert {f.file for f in findings if f.code == "FILE_UNLISTED"} == {"foto.jpg", "logo.png"}


# --------------------------------------------------------------------------- leaving the folder
@pytest.mark.parametrize(
    "name", ["../draussen.jpg", "/etc/passwd", "fotos/foto.jpg", "..\\draussen.jpg"]
)
def test_paths_leaving_the_folder_are_refused(
    issue: IssueDir, settings: Settings, name: str
) -> None:
    (issue.folder / "draussen.jpg").write_bytes(jpeg())
    issue.add("verein", update={"photos": _photos(name)}, files={"fotos/foto.jpg": jpeg()})
    findings = run_rules(issue.folder, settings)
    f = the(findings, "PATH_OUTSIDE", "verein", name)
    assert f.severity == "error"
    assert name in f.message("de")
    sub = read_issue(issue.folder, settings).issue.submission("verein")
    assert sub.photos[0].file is not None and sub.photos[0].file.path is None
    # nothing was probed through the refused name
    assert not {"IMAGE_FORMAT", "PHOTO_EMAIL_TOO_SMALL"} & set(codes(findings))


def _outside(tmp_path: Path) -> Path:
    secret = tmp_path / "privat"
    secret.mkdir()
    (secret / "passwort.txt").write_text(SECRET, encoding="utf-8")
    # were it probed, this 400 x 300 photo would get PHOTO_EMAIL_TOO_SMALL
    (secret / "bild.jpg").write_bytes(jpeg(400, 300) + SECRET.encode())
    return secret


def test_symlinked_photo_and_logo_are_refused_and_never_read(
    issue: IssueDir, settings: Settings, tmp_path: Path
) -> None:
    secret = _outside(tmp_path)
    folder = issue.add("verein", default_files=False, files={"logo.png": b""})
    (folder / "logo.png").unlink()
    os.symlink(secret / "bild.jpg", folder / "foto.jpg")
    os.symlink(secret / "passwort.txt", folder / "logo.png")
    findings = run_rules(issue.folder, settings)
    the(findings, "PATH_SYMLINK", "verein", "foto.jpg")
    the(findings, "PATH_SYMLINK", "verein", "logo.png")
    assert codes(findings) == ["PATH_SYMLINK", "PATH_SYMLINK"]  # neither target was probed
    report = run_check(str(issue.folder), settings)
    dump = json.dumps(report.as_json("de"), ensure_ascii=False)
    assert SECRET not in dump
    assert SECRET not in repr(report.intake)


def test_symlinked_text_file_is_not_read_into_the_text(
    issue: IssueDir, settings: Settings, tmp_path: Path
) -> None:
    secret = _outside(tmp_path)
    folder = issue.add("verein", body="")
    os.symlink(secret / "passwort.txt", folder / "text.txt")
    findings = run_rules(issue.folder, settings)
    the(findings, "PATH_SYMLINK", "verein", "text.txt")
    intake = read_issue(issue.folder, settings)
    assert SECRET not in intake.issue.submission("verein").text
    assert SECRET not in repr(intake)


def test_symlinked_submission_md_is_refused(
    issue: IssueDir, settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "fremd.md"
    outside.write_text(submission_md(valid_front(), SECRET), encoding="utf-8")
    folder = issue.add("verein")
    (folder / "submission.md").unlink()
    os.symlink(outside, folder / "submission.md")
    findings = run_rules(issue.folder, settings)
    the(findings, "PATH_SYMLINK", "verein")
    assert SECRET not in repr(read_issue(issue.folder, settings))


def test_symlinked_submission_folder_is_refused(
    issue: IssueDir, settings: Settings, tmp_path: Path
) -> None:
    elsewhere = IssueDir(tmp_path / "anderswo")
    target = elsewhere.add("fremd", body=SECRET)
    os.symlink(target, issue.folder / "verlinkt", target_is_directory=True)
    issue.add("verein")
    findings = run_rules(issue.folder, settings)
    f = the(findings, "PATH_SYMLINK", "verlinkt")
    assert f.severity == "error"
    intake = read_issue(issue.folder, settings)
    assert [s.slug for s in intake.issue.submissions] == ["verein"]
    assert SECRET not in repr(intake)


# --------------------------------------------------------------------------- file names
def test_nfd_name_on_disk_resolves_from_nfc_in_submission_md(
    issue: IssueDir, settings: Settings
) -> None:
    nfc_name = unicodedata.normalize("NFC", "Übung-im-Grünen.jpg")
    nfd_name = unicodedata.normalize("NFD", nfc_name)
    assert nfc_name != nfd_name
    issue.add("verein", update={"photos": _photos(nfc_name)}, files={nfd_name: jpeg()})
    (issue.folder / "verein" / "foto.jpg").unlink()
    assert nfd_name in os.listdir(issue.folder / "verein")
    assert run_rules(issue.folder, settings) == []
    ref = read_issue(issue.folder, settings).issue.submission("verein").photos[0].file
    assert ref is not None and ref.path is not None and ref.path.is_file()
    assert ref.name == nfc_name


def test_nfc_name_on_disk_resolves_from_nfd_in_submission_md(
    issue: IssueDir, settings: Settings
) -> None:
    nfc_name = unicodedata.normalize("NFC", "Café-Ärger.jpg")
    nfd_name = unicodedata.normalize("NFD", nfc_name)
    issue.add("verein", update={"photos": _photos(nfd_name)}, files={nfc_name: jpeg()})
    (issue.folder / "verein" / "foto.jpg").unlink()
    assert run_rules(issue.folder, settings) == []


def test_upper_case_extension_works(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", update={"photos": _photos("FOTO.JPG")}, files={"FOTO.JPG": jpeg()})
    (issue.folder / "verein" / "foto.jpg").unlink()
    assert run_rules(issue.folder, settings) == []


def test_case_mismatch_resolves_with_a_warning(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", update={"photos": _photos("foto.jpg"), "logo": None}, default_files=False)
    (issue.folder / "verein" / "Foto.jpg").write_bytes(jpeg())
    findings = run_rules(issue.folder, settings)
    f = the(findings, "FILE_NAME_CASE", "verein", "Foto.jpg")
    assert f.severity == "warning"
    assert "foto.jpg" in f.message("de") and "Foto.jpg" in f.message("de")
    assert "FILE_UNLISTED" not in codes(findings)
    assert "FILE_MISSING" not in codes(findings)
    ref = read_issue(issue.folder, settings).issue.submission("verein").photos[0].file
    assert ref is not None and ref.path == issue.folder / "verein" / "Foto.jpg"


# --------------------------------------------------------------------------- the text
def test_text_docx_is_used_when_the_body_is_empty(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", body="", files={"text.docx": _docx()})
    assert run_rules(issue.folder, settings) == []
    sub = read_issue(issue.folder, settings).issue.submission("verein")
    assert sub.text_file == "text.docx"
    assert sub.text == (
        "## Über uns\n\n"
        "Wir sind **ehrenamtlich** in der Nordstadt aktiv.\n\n"
        "- Lernhilfe\n- Elterncafé"
    )


def test_text_txt_is_used_when_the_body_is_empty(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", body="\n\n", files={"text.txt": "\ufeffÜber uns\r\n\r\nWir helfen.\r\n"})
    assert run_rules(issue.folder, settings) == []
    sub = read_issue(issue.folder, settings).issue.submission("verein")
    assert (sub.text_file, sub.text) == ("text.txt", "Über uns\n\nWir helfen.")


def test_text_txt_in_windows_1252_gets_a_warning(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", body="", files={"text.txt": "Über uns: Grüße!".encode("cp1252")})
    findings = run_rules(issue.folder, settings)
    f = the(findings, "TEXT_ENCODING", "verein", "text.txt")
    assert f.severity == "warning"
    assert read_issue(issue.folder, settings).issue.submission("verein").text == (
        "Über uns: Grüße!"
    )


def test_text_in_two_places_is_a_warning(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", files={"text.txt": "Anderer Text"})
    findings = run_rules(issue.folder, settings)
    f = the(findings, "TEXT_TWO_SOURCES", "verein", "submission.md")
    assert "text.txt" in f.message("de")
    assert "FILE_UNLISTED" not in codes(findings)


def test_broken_word_file_is_reported(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", body="", files={"text.docx": b"PK\x03\x04 abgeschnitten"})
    findings = run_rules(issue.folder, settings)
    the(findings, "DOCX_UNREADABLE", "verein", "text.docx")
    the(findings, "TEXT_EMPTY", "verein", "text.docx")


def test_oversized_submission_md_is_not_read(issue: IssueDir, settings: Settings) -> None:
    small = settings.model_copy(
        update={"rules": settings.rules.model_copy(update={"max_text_bytes": 200})}
    )
    issue.add("verein", body="x" * 500)
    f = the(run_rules(issue.folder, small), "FILE_TOO_LARGE", "verein", "submission.md")
    assert "200 Byte" in f.message("de")


# --------------------------------------------------------------------------- issue.toml
def test_missing_issue_toml_is_reported_and_submissions_still_read(
    issue: IssueDir, settings: Settings
) -> None:
    issue.add("verein")
    (issue.folder / "issue.toml").unlink()
    findings = run_rules(issue.folder, settings)
    f = the(findings, "ISSUE_TOML_MISSING", None, "issue.toml")
    assert f.severity == "error"
    assert codes(findings, "verein") == []


def test_bad_toml_syntax_is_reported(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein")
    (issue.folder / "issue.toml").write_text('title = "Ohne Ende\nnumber = 3\n', encoding="utf-8")
    f = the(run_rules(issue.folder, settings), "ISSUE_TOML_SYNTAX", None, "issue.toml")
    assert f.message("de") == (
        "Die Datei lässt sich nicht lesen, Zeile 1: ein Anführungszeichen wird nicht geschlossen."
    )
    assert "line 1: a quotation mark is not closed" in f.message("en")


def test_wrong_types_in_issue_toml_name_their_keys(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein")
    (issue.folder / "issue.toml").write_text(
        'title = 38\nnumber = "achtunddreißig"\ndate = "bald"\n[[events]]\ndate = 2026-12-05\n',
        encoding="utf-8",
    )
    findings = run_rules(issue.folder, settings)
    keys = {f.params["key"] for f in findings if f.code == "ISSUE_TOML_FIELD"}
    assert keys == {"title", "number", "date", "events[1].title"}
    for f in findings:
        if f.code == "ISSUE_TOML_FIELD":
            assert_messages(f)
            assert f.params["key"] in f.message("de") and f.params["key"] in f.message("en")
    title = next(f for f in findings if f.params.get("key") == "title")
    assert "Text" in title.message("de")


def test_unknown_key_in_issue_toml_gets_a_suggestion(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein")
    toml = (issue.folder / "issue.toml").read_text(encoding="utf-8")
    (issue.folder / "issue.toml").write_text("deadlien = 2026-11-27\n" + toml, encoding="utf-8")
    f = the(run_rules(issue.folder, settings), "ISSUE_TOML_UNKNOWN_KEY", None, "issue.toml")
    assert f.params["key"] == "deadlien"
    assert "„deadline“" in f.message("de")
    assert "'deadline'" in f.message("en")


def test_received_for_an_unknown_folder_is_a_warning(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein")
    issue.received["vereni"] = "2026-11-20T10:00:00"
    issue.write_toml()
    f = the(run_rules(issue.folder, settings), "RECEIVED_UNKNOWN_SLUG", None, "issue.toml")
    assert "vereni" in f.message("de")


def test_missing_attachment_is_reported(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein")
    with (issue.folder / "issue.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[attachments]]\nfile = "attachments/flyer.pdf"\ntitle = "Flyer"\n')
    f = the(run_rules(issue.folder, settings), "ATTACHMENT_MISSING", None)
    assert "attachments/flyer.pdf" in f.message("de")


def test_editor_folders_are_not_submissions(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein")
    (issue.folder / "editorial").mkdir()
    (issue.folder / "editorial" / "10-treffen.md").write_text("# Treffen\n", encoding="utf-8")
    (issue.folder / "attachments").mkdir()
    (issue.folder / "attachments" / "flyer.pdf").write_bytes(b"%PDF-1.4\n")
    intake = read_issue(issue.folder, settings)
    assert [s.slug for s in intake.issue.submissions] == ["verein"]
    assert [e.name for e in intake.issue.editorials] == ["10-treffen"]
    assert run_rules(issue.folder, settings) == []


def test_reading_changes_nothing(issue: IssueDir, settings: Settings) -> None:
    issue.add("verein", files={"alt.jpg": jpeg(), "text.txt": "x"})
    issue.add("kaputt", md="---\norganisation: [\n---\n")
    before = tree_hash(issue.folder)
    run_rules(issue.folder, settings)
    assert tree_hash(issue.folder) == before
