"""`newsletter check` as the editor runs it: the example issue, an issue with every bad input
at once (in-process and as a real subprocess), the --json shape, --lang, --strict, and how
ISSUE is found."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import docx
import pytest

from newsletter.cli.main import main
from tests.support import (
    CLEAN_SVG,
    EXAMPLE_ISSUE,
    IssueDir,
    image_bytes,
    jpeg,
    png_bomb,
    submission_md,
    tree_hash,
    valid_front,
)

SECRET = "GEHEIM-aus-dem-Nachbarordner"


def _photo(name: str = "foto.jpg", **kw: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"file": name, "caption": "Fest", "alt": "Kinder", "consent": True}
    entry.update(kw)
    return {k: v for k, v in entry.items() if v is not None}


def _docx() -> bytes:
    document = docx.Document()
    document.add_heading("Über uns", level=2)
    para = document.add_paragraph("Wir sind ")
    para.add_run("viele").bold = True
    document.add_paragraph("Lernhilfe", style="List Bullet")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def build_bad_issue(issue: IssueDir, tmp_path: Path) -> dict[str, set[str]]:
    """Every bad input of the checklist in one issue; slug -> codes `check` must report."""
    outside = tmp_path / "nachbar"
    outside.mkdir()
    (outside / "geheim.jpg").write_bytes(jpeg() + SECRET.encode())
    (outside / "geheim.txt").write_text(SECRET, encoding="utf-8")
    big = jpeg(1600, 1200, noise=True)
    alias = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "\n".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    expected: dict[str, set[str]] = {}

    def bad(slug: str, want: set[str], drop: tuple[str, ...] = (), **kw: Any) -> Path:
        expected[slug] = want
        folder = issue.add(slug, **kw)
        for name in drop:  # default files the changed front matter no longer names
            (folder / name).unlink()
        return folder

    bad("yaml-syntax", {"YAML_SYNTAX"}, md="---\norganisation: A\ngoal: Ziel: B\n---\nText")
    bad("yaml-tab", {"YAML_TAB"}, md="---\ncontact:\n\temail: a@example.org\n---\nText")
    bad("yaml-alias", {"YAML_ALIAS"}, md=f"---\n{alias}\n---\nText")
    front = valid_front()
    front["organisaton"] = front.pop("organisation")
    bad("unknown-key", {"UNKNOWN_KEY", "MISSING_FIELD"}, front=front)
    bad("no-contact", {"CONTACT_MISSING"}, update={"contact": {"name": "Ayşe"}})
    bad("bad-email", {"EMAIL_INVALID"}, update={"contact": {"email": "info(at)example.org"}})
    bad("js-website", {"URL_SCHEME"}, update={"contact": {"website": "javascript:alert(1)"}})
    bad("ftp-website", {"URL_SCHEME"}, update={"contact": {"website": "ftp://example.org"}})
    bad("js-link", {"URL_SCHEME"}, body="Hallo [hier](javascript:alert(1)) und so.\n")
    bad(
        "crlf-field",
        {"FIELD_CONTROL_CHAR"},
        md='---\norganisation: "A\\r\\nB"\ncontact:\n  phone: "0231"\n---\nText\n',
        default_files=False,
    )
    bad("markup-field", {"FIELD_MARKUP"}, update={"organisation": "<b>Verein</b>"})
    bad("empty-text", {"TEXT_EMPTY"}, body="")
    bad("long-text", {"TEXT_TOO_LONG"}, body="x" * 1501)
    cp_front = valid_front()
    cp_front["contact"]["name"] = "Jörg Beispiel"  # Windows-1252 has no ş
    cp = submission_md(cp_front, "Über uns: Grüße aus der Nordstadt.\n")
    bad("cp1252", {"TEXT_ENCODING"}, md=cp.encode("cp1252"))
    four = [f"f{i}.jpg" for i in range(4)]
    bad(
        "four-photos",
        {"PHOTOS_TOO_MANY", "FILE_UNLISTED"},
        update={"photos": [_photo(n) for n in four]},
        files={n: jpeg() for n in four},
    )
    bad("photo-twice", {"PHOTO_DUPLICATE"}, update={"photos": [_photo(), _photo()]})
    bad("consent-missing", {"CONSENT_MISSING"}, update={"photos": [_photo(consent=None)]})
    bad("consent-false", {"CONSENT_FALSE"}, update={"photos": [_photo(consent=False)]})
    bad("consent-ja", {"CONSENT_NOT_BOOL"}, update={"photos": [_photo(consent="ja")]})
    bad("alt-caption", {"ALT_FROM_CAPTION"}, update={"photos": [_photo(alt=None)]})
    bad("file-missing", {"FILE_MISSING"}, ("logo.png",), update={"logo": "fehlt.png"})
    bad("file-unlisted", {"FILE_UNLISTED"}, files={"extra.jpg": jpeg()})
    fj = ("foto.jpg",)
    (issue.folder / "nachbar.jpg").write_bytes(jpeg())
    bad("dotdot", {"PATH_OUTSIDE"}, fj, update={"photos": [_photo("../nachbar.jpg")]})
    bad("absolute", {"PATH_OUTSIDE"}, fj, update={"photos": [_photo("/etc/passwd")]})
    bad(
        "subfolder",
        {"PATH_OUTSIDE"},  # fotos/foto.jpg is named (refused), so not "unlisted" too
        fj,
        update={"photos": [_photo("fotos/foto.jpg")]},
        files={"fotos/foto.jpg": jpeg()},
    )
    link = bad("symlink", {"PATH_SYMLINK"}, fj, update={"photos": [_photo("geheim.jpg")]})
    os.symlink(outside / "geheim.jpg", link / "geheim.jpg")
    link_text = bad("symlink-text", {"PATH_SYMLINK", "TEXT_EMPTY"}, body="")
    os.symlink(outside / "geheim.txt", link_text / "text.txt")
    bad("pdf-photo", {"IMAGE_FORMAT"}, files={"foto.jpg": b"%PDF-1.4\n%%EOF\n"})
    bad("text-photo", {"IMAGE_FORMAT"}, files={"foto.jpg": b"kein Bild\n"})
    bad("gif-photo", {"IMAGE_FORMAT"}, files={"foto.jpg": image_bytes(1200, 900, "GIF")})
    bad("truncated", {"IMAGE_TRUNCATED"}, files={"foto.jpg": big[: len(big) * 55 // 100]})
    bad("zero-bytes", {"IMAGE_EMPTY"}, files={"foto.jpg": b""})
    bad("small-photo", {"PHOTO_EMAIL_SMALL"}, files={"foto.jpg": jpeg(640, 480)})
    bad("tiny-photo", {"PHOTO_EMAIL_TOO_SMALL"}, files={"foto.jpg": jpeg(400, 300)})
    bad("bomb", {"IMAGE_TOO_MANY_PIXELS"}, files={"foto.jpg": png_bomb()})
    bad("heavy", {"IMAGE_TOO_MANY_BYTES"}, files={"foto.jpg": big})  # limit: newsletter.toml
    bad("late", {"LATE"}, received="2026-11-28T00:00:00")
    bad("late-ok", {"LATE_ACCEPTED"}, received="2026-11-28T00:00:00")
    issue.accepted_late = ["late-ok"]
    xxe = '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' + CLEAN_SVG.split("\n")[1]
    svg_files = {"logo.svg": xxe}
    bad("svg-xxe", {"SVG_UNSAFE"}, update={"logo": "logo.svg"}, files=svg_files)
    (issue.folder / "svg-xxe" / "logo.png").unlink()
    script = CLEAN_SVG.replace("</svg>", "<script>alert(1)</script></svg>")
    bad("svg-script", {"SVG_UNSAFE"}, update={"logo": "logo.svg"}, files={"logo.svg": script})
    (issue.folder / "svg-script" / "logo.png").unlink()
    ext = CLEAN_SVG.replace("</svg>", '<image href="https://example.org/a.png"/></svg>')
    bad("svg-external", {"SVG_EXTERNAL"}, update={"logo": "logo.svg"}, files={"logo.svg": ext})
    (issue.folder / "svg-external" / "logo.png").unlink()
    bad("name-case", {"FILE_NAME_CASE"}, update={"photos": [_photo("FOTO.jpg")]})
    (issue.folder / "leer").mkdir()
    expected["leer"] = {"FOLDER_EMPTY"}
    (issue.folder / "ohne-md").mkdir()
    (issue.folder / "ohne-md" / "foto.jpg").write_bytes(jpeg())
    expected["ohne-md"] = {"SUBMISSION_MISSING"}
    # inputs that must be accepted without any finding, in the same run
    bad(
        "system-files",
        set(),
        files={".DS_Store": b"\0\0\0\1Bud1", "Thumbs.db": b"\xd0\xcf", "._foto.jpg": b"\0"},
    )
    (issue.folder / "system-files" / "~$text.docx").write_bytes(b"lock")
    bom = "\ufeff" + submission_md(valid_front()).replace("\n", "\r\n")
    bad("bom-crlf", set(), md=bom.encode())
    nfd = "U\u0308bung.jpg"  # "Übung.jpg", decomposed as macOS writes it
    bad("nfd-name", set(), update={"photos": [_photo("Übung.jpg")]}, files={nfd: jpeg()})
    (issue.folder / "nfd-name" / "foto.jpg").unlink()
    bad("upper-ext", set(), update={"photos": [_photo("FOTO.JPG")]}, files={"FOTO.JPG": jpeg()})
    (issue.folder / "upper-ext" / "foto.jpg").unlink()
    bad("word", set(), body="", files={"text.docx": _docx()})
    bad("plain-text", set(), body="", files={"text.txt": "Wir helfen.\r\n"})
    bad("svg-clean", set(), update={"logo": "logo.svg"}, files={"logo.svg": CLEAN_SVG})
    (issue.folder / "svg-clean" / "logo.png").unlink()
    bad("rotated", set(), files={"foto.jpg": jpeg(1600, 1200, orientation=6)})
    issue.received["gibt-es-nicht"] = "2026-11-20T10:00:00"  # an issue-level finding
    issue.write_toml()
    return expected


@pytest.fixture
def bad_issue(issue: IssueDir, tmp_path: Path, chdir_tmp: Path) -> tuple[Path, dict[str, set[str]]]:
    """The all-bad issue, and newsletter.toml in the working folder with a 500 kB limit."""
    expected = build_bad_issue(issue, tmp_path)
    (chdir_tmp / "newsletter.toml").write_text(
        "[rules]\nmax_image_bytes = 500_000\n", encoding="utf-8"
    )
    return issue.folder, expected


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", *args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def _by_slug(report: dict[str, Any]) -> dict[str | None, set[str]]:
    got: dict[str | None, set[str]] = {}
    for f in report["findings"]:
        got.setdefault(f["submission"], set()).add(f["code"])
    return got


# --------------------------------------------------------------------------- the example issue
def test_example_issue_passes_without_any_finding_and_is_not_changed(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree_hash(EXAMPLE_ISSUE)
    code, report = _json(capsys, str(EXAMPLE_ISSUE))
    assert code == 0
    assert report["findings"] == []
    assert len(report["submissions"]) >= 5
    assert {s["status"] for s in report["submissions"]} == {"ok"}
    assert main(["check", str(EXAMPLE_ISSUE), "--strict"]) == 0
    out = capsys.readouterr().out
    assert "0 Fehler, 0 Warnungen" in out
    assert tree_hash(EXAMPLE_ISSUE) == before


def test_example_issue_by_name_from_the_repository(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(EXAMPLE_ISSUE.parent.parent)
    before = tree_hash(EXAMPLE_ISSUE)
    assert main(["check", EXAMPLE_ISSUE.name]) == 0
    assert "Traceback" not in capsys.readouterr().out
    assert tree_hash(EXAMPLE_ISSUE) == before


# --------------------------------------------------------------------------- every bad input
def test_every_bad_input_at_once_in_process(
    bad_issue: tuple[Path, dict[str, set[str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, expected = bad_issue
    before = tree_hash(folder)
    code, report = _json(capsys, str(folder))
    assert code == 1
    got = _by_slug(report)
    for slug, codes in expected.items():
        assert got.get(slug, set()) == codes, slug
    assert got[None] == {"RECEIVED_UNKNOWN_SLUG"}
    dump = json.dumps(report, ensure_ascii=False)
    assert SECRET not in dump
    assert "root:x:0:0" not in dump
    # the readable report too, in both languages
    for lang in ("de", "en"):
        assert main(["check", str(folder), "--lang", lang]) == 1
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        assert "yaml-syntax" in captured.out and "YAML_SYNTAX" in captured.out
    assert tree_hash(folder) == before


def test_every_bad_input_at_once_in_a_real_process(
    bad_issue: tuple[Path, dict[str, set[str]]], chdir_tmp: Path
) -> None:
    folder, expected = bad_issue
    before = tree_hash(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    proc = subprocess.run(
        [sys.executable, "-m", "newsletter", "check", str(folder), "--json"],
        cwd=chdir_tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    got = _by_slug(json.loads(proc.stdout))
    for slug, codes in expected.items():
        assert got.get(slug, set()) == codes, slug
    text = subprocess.run(
        [sys.executable, "-m", "newsletter", "check", str(folder)],
        cwd=chdir_tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert text.returncode == 1
    assert "Traceback" not in text.stdout + text.stderr
    assert "mit Fehlern" in text.stdout
    assert tree_hash(folder) == before


# --------------------------------------------------------------------------- --json
def test_json_has_exactly_the_documented_shape(
    bad_issue: tuple[Path, dict[str, set[str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, expected = bad_issue
    _, report = _json(capsys, str(folder))
    assert set(report) == {"findings", "submissions"}
    assert isinstance(report["findings"], list) and report["findings"]
    for f in report["findings"]:
        assert set(f) == {"severity", "code", "submission", "file", "message"}
        assert f["severity"] in ("error", "warning")
        assert isinstance(f["code"], str) and f["code"].isupper()
        assert f["submission"] is None or isinstance(f["submission"], str)
        assert f["file"] is None or isinstance(f["file"], str)
        assert isinstance(f["message"], str) and f["message"].strip()
    slugs = [s["slug"] for s in report["submissions"]]
    assert slugs == sorted(expected)
    for s in report["submissions"]:
        assert set(s) == {"slug", "status"}
        assert isinstance(s["slug"], str)
        mine = [f["severity"] for f in report["findings"] if f["submission"] == s["slug"]]
        want = "error" if "error" in mine else "warning" if mine else "ok"
        assert s["status"] == want, s
    statuses = {s["slug"]: s["status"] for s in report["submissions"]}
    assert statuses["word"] == "ok"
    assert statuses["alt-caption"] == "warning"
    assert statuses["leer"] == "warning"
    assert statuses["yaml-tab"] == "error"


def test_lang_en_gives_english_messages(
    bad_issue: tuple[Path, dict[str, set[str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = bad_issue
    _, de = _json(capsys, str(folder))
    _, en = _json(capsys, str(folder), "--lang", "en")
    code = main(["--lang", "en", "check", str(folder), "--json"])  # before the command too
    en2 = json.loads(capsys.readouterr().out)
    assert code == 1
    assert en2 == en
    assert [(f["code"], f["file"]) for f in de["findings"]] == [
        (f["code"], f["file"]) for f in en["findings"]
    ]
    for f_de, f_en in zip(de["findings"], en["findings"], strict=True):
        assert f_de["message"] != f_en["message"], f_de["code"]
    unknown = next(f for f in en["findings"] if f["code"] == "UNKNOWN_KEY")
    assert "Did you mean 'organisation'?" in unknown["message"]
    german = next(f for f in de["findings"] if f["code"] == "UNKNOWN_KEY")
    assert "Meinten Sie „organisation“?" in german["message"]


def test_lang_from_the_settings(
    issue: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issue.add("v", update={"organisation": None})
    (chdir_tmp / "newsletter.toml").write_text('lang = "en"\n', encoding="utf-8")
    _, report = _json(capsys, str(issue.folder))
    assert "The required field 'organisation'" in report["findings"][0]["message"]


# --------------------------------------------------------------------------- exit codes
def test_clean_issue_exits_0(
    issue: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issue.add("eins")
    issue.add("zwei", update={"language": "tr"})
    assert main(["check", str(issue.folder)]) == 0
    out = capsys.readouterr().out
    assert "2 Einreichungen: 2 in Ordnung" in out
    assert "eins" in out and "zwei" in out


def test_strict_fails_on_warnings_only(
    issue: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issue.add("v", update={"photos": [_photo(alt=None)]})  # ALT_FROM_CAPTION: a warning
    assert main(["check", str(issue.folder)]) == 0
    out = capsys.readouterr().out
    assert "ALT_FROM_CAPTION" in out and "Warnung" in out
    assert main(["check", str(issue.folder), "--strict"]) == 1
    assert "ALT_FROM_CAPTION" in capsys.readouterr().out
    code, report = _json(capsys, str(issue.folder), "--strict")
    assert code == 1
    assert [f["severity"] for f in report["findings"]] == ["warning"]


def test_errors_exit_1_and_name_submission_file_and_code(
    issue: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issue.add("gut")
    issue.add("schlecht", files={"foto.jpg": jpeg(400, 300)})
    assert main(["check", str(issue.folder)]) == 1
    out = capsys.readouterr().out
    assert "schlecht" in out and "foto.jpg" in out and "PHOTO_EMAIL_TOO_SMALL" in out
    assert "400×300" in out
    assert "2 Einreichungen: 1 in Ordnung, 0 mit Warnungen, 1 mit Fehlern" in out


@pytest.mark.parametrize(
    ("toml", "code"),
    [
        (None, "ISSUE_TOML_MISSING"),
        ('title = "Ohne Ende\n', "ISSUE_TOML_SYNTAX"),
        ("title = 38\n", "ISSUE_TOML_FIELD"),
        ('title = "Newsletter"\ntitel = "Tippfehler"\n', "ISSUE_TOML_UNKNOWN_KEY"),
        (b'title = "Newsletter f\xfcr alle"\n', None),  # Windows-1252: read, no crash
    ],
)
def test_issue_toml_problems_do_not_crash_check(
    issue: IssueDir,
    chdir_tmp: Path,
    capsys: pytest.CaptureFixture[str],
    toml: str | bytes | None,
    code: str | None,
) -> None:
    issue.add("v")
    path = issue.folder / "issue.toml"
    if toml is None:
        path.unlink()
    elif isinstance(toml, bytes):
        path.write_bytes(toml)
    else:
        path.write_text(toml, encoding="utf-8")
    exit_code, report = _json(capsys, str(issue.folder))
    got = [f for f in report["findings"] if f["file"] == "issue.toml"]
    if code is None:
        assert (exit_code, got) == (0, [])
    else:
        assert exit_code == 1
        assert [f["code"] for f in got] == [code]
        assert got[0]["submission"] is None


# --------------------------------------------------------------------------- how ISSUE is found
def test_issue_by_name_under_submissions_dir_from_the_environment(
    issue: IssueDir,
    chdir_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    issue.add("v")
    monkeypatch.setenv("NEWSLETTER_SUBMISSIONS_DIR", str(issue.folder.parent))
    code, report = _json(capsys, issue.folder.name)
    assert code == 0
    assert report["submissions"] == [{"slug": "v", "status": "ok"}]


def test_issue_by_name_under_submissions_dir_from_newsletter_toml(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (chdir_tmp / "newsletter.toml").write_text('submissions_dir = "ausgaben"\n', encoding="utf-8")
    issue = IssueDir(chdir_tmp / "ausgaben" / "2027-01")
    issue.add("v")
    code, report = _json(capsys, "2027-01")
    assert code == 0
    assert [s["slug"] for s in report["submissions"]] == ["v"]


def test_issue_by_relative_and_absolute_path(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issue = IssueDir(chdir_tmp / "irgendwo" / "ausgabe")
    issue.add("v")
    for arg in ("irgendwo/ausgabe", "./irgendwo/ausgabe", str(issue.folder)):
        code, report = _json(capsys, arg)
        assert code == 0, arg
        assert [s["slug"] for s in report["submissions"]] == ["v"]


def test_nonexistent_issue_is_a_clear_message_exit_2(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "2099-01"]) == 2
    captured = capsys.readouterr()
    assert "2099-01" in captured.err and "gibt es nicht" in captured.err
    assert "Traceback" not in captured.out + captured.err
    assert main(["check", "2099-01", "--lang", "en"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_file_is_not_an_issue_folder(chdir_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (chdir_tmp / "issue.toml").write_text('title = "x"\n', encoding="utf-8")
    assert main(["check", str(chdir_tmp / "issue.toml")]) == 2
    assert "gibt es nicht" in capsys.readouterr().err


def test_nonexistent_issue_in_a_real_process(chdir_tmp: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    proc = subprocess.run(
        [sys.executable, "-m", "newsletter", "check", str(chdir_tmp / "fehlt")],
        cwd=chdir_tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "gibt es nicht" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_ctrl_c_says_what_happened_and_exits_130(
    issue: IssueDir, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C in the middle of a command: a sentence in the user's language, no traceback."""
    import newsletter.check.stage

    def interrupted(*_: Any, **__: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(newsletter.check.stage, "run_check", interrupted)
    assert main(["check", str(issue.folder)]) == 130
    err = capsys.readouterr().err
    assert "Abgebrochen" in err and "noch einmal" in err and "Traceback" not in err
    assert main(["--lang", "en", "check", str(issue.folder)]) == 130
    assert "Interrupted" in capsys.readouterr().err


def test_output_into_a_pipe_that_closes_early_is_no_error(tmp_path: Path) -> None:
    """`newsletter subscribers list | head -1`: no traceback, no "cannot be written" message."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    rows = "".join(f"person{i}@example.org;Person {i}\n" for i in range(3000))
    (tmp_path / "liste.csv").write_text("E-Mail;Name\n" + rows, encoding="utf-8")
    run = [sys.executable, "-m", "newsletter", "subscribers"]
    imported = subprocess.run(
        [*run, "import", "liste.csv", "--active"], cwd=tmp_path, env=env, capture_output=True
    )
    assert imported.returncode == 0, imported.stderr
    lister = subprocess.Popen(
        [*run, "list"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert lister.stdout is not None and lister.stderr is not None
    assert b"E-Mail" in lister.stdout.readline()
    lister.stdout.close()  # what `head -1` does after its line
    err = lister.stderr.read().decode()
    # 141 from cli.main, or 1 where rich's own broken-pipe handling ends the process first
    assert lister.wait(timeout=60) in (1, 141)
    assert "Traceback" not in err and "Broken pipe" not in err and err == ""
