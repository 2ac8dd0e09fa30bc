"""`newsletter new ISSUE ORG`: the annotated template, never overwriting, and a template a
volunteer can fill in so that `check` has nothing to say."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import IssueDir, jpeg, png, run_rules, tree_hash

from newsletter.cli import main
from newsletter.config import Settings

FILLED = {
    'goal: ""': 'goal: "Lernhilfe und Begegnung für Kinder und Eltern"',
    'location: ""': 'location: "Nordstadt, Schulstraße 17"',
    '  name: ""': '  name: "Ayşe Beispiel"',
    '  email: ""': '  email: "info@example.org"',
    '  phone: ""': '  phone: "0231 000000"',
    '  website: ""': '  website: "https://www.example.org"',
    '    caption: ""': '    caption: "Sommerfest 2026 im Stadtpark"',
    '    alt: ""': '    alt: "Kinder spielen auf einer Wiese"',
    '    credit: ""': '    credit: "Lernimpuls Witten e.V."',
    "consent: false": "consent: true",
}


def _new(*args: str) -> int:
    return main(["new", *args])


def test_new_creates_the_folder_with_the_template(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new("2027-01", "lernimpuls-witten") == 0
    target = chdir_tmp / "submissions" / "2027-01" / "lernimpuls-witten" / "submission.md"
    assert target.is_file()
    assert str(target) in capsys.readouterr().out.replace("\n", "")
    text = target.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    assert 'organisation: "Lernimpuls Witten"' in text
    assert "{organisation}" not in text
    assert "Fotofreigabe" in text and "consent: false" in text
    assert sorted(p.name for p in target.parent.iterdir()) == ["submission.md"]


def test_new_refuses_to_overwrite_and_changes_nothing(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new("2027-01", "verein") == 0
    target = chdir_tmp / "submissions" / "2027-01" / "verein" / "submission.md"
    target.write_text("---\norganisation: Schon ausgefüllt\n---\nUnser Text.\n", encoding="utf-8")
    (target.parent / "foto.jpg").write_bytes(jpeg())
    capsys.readouterr()
    before = tree_hash(chdir_tmp)
    assert _new("2027-01", "verein") == 2
    err = capsys.readouterr().err  # a refusal (exit 2) goes to stderr
    assert "gibt es schon" in err and "nichts überschrieben" in err
    assert tree_hash(chdir_tmp) == before
    assert _new("2027-01", "verein", "--lang", "en") == 2
    assert "exists already" in capsys.readouterr().err
    assert tree_hash(chdir_tmp) == before


def test_new_refuses_an_existing_folder_without_submission_md(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = chdir_tmp / "submissions" / "2027-01" / "verein"
    folder.mkdir(parents=True)
    (folder / "foto.jpg").write_bytes(jpeg())
    before = tree_hash(chdir_tmp)
    assert _new("2027-01", "verein") == 2
    assert tree_hash(chdir_tmp) == before


@pytest.mark.parametrize(
    "org",
    [
        "Mein Verein",
        "../draussen",
        "verein/unter",
        "Verein",
        "ünlü",
        "verein_ev",
        "editorial",
        "",
        "v" * 81,
    ],
)
def test_new_refuses_a_bad_folder_name(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str], org: str
) -> None:
    before = tree_hash(chdir_tmp)
    assert _new("2027-01", org) == 2
    captured = capsys.readouterr()
    assert "kein guter Ordnername" in captured.err
    assert "Traceback" not in captured.out + captured.err
    assert tree_hash(chdir_tmp) == before
    assert not (chdir_tmp / "submissions").exists()


def test_new_takes_the_issue_as_a_path(
    chdir_tmp: Path, issue: IssueDir, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(str(issue.folder), "verein") == 0
    assert (issue.folder / "verein" / "submission.md").is_file()
    assert not (chdir_tmp / "submissions").exists()


def test_editor_can_adapt_the_template(chdir_tmp: Path) -> None:
    (chdir_tmp / "templates").mkdir()
    (chdir_tmp / "templates" / "submission.md").write_text(
        "---\norganisation: {organisation}\n# Vorlage der Redaktion\n---\n", encoding="utf-8"
    )
    assert _new("2027-01", "verein") == 0
    text = (chdir_tmp / "submissions" / "2027-01" / "verein" / "submission.md").read_text(
        encoding="utf-8"
    )
    assert text == '---\norganisation: "Verein"\n# Vorlage der Redaktion\n---\n'


def _new_in(issue: IssueDir, org: str) -> Path:
    issue.deadline = None  # the files are written now: no deadline to miss
    issue.write_toml()
    assert _new(str(issue.folder), org) == 0
    return issue.folder / org / "submission.md"


def test_unfilled_template_gets_plain_findings_not_yaml_errors(
    chdir_tmp: Path, issue: IssueDir, settings: Settings
) -> None:
    _new_in(issue, "verein")
    findings = run_rules(issue.folder, settings)
    assert sorted({f.code for f in findings}) == [
        "ALT_MISSING",
        "CONSENT_FALSE",
        "CONTACT_MISSING",
        "FILE_MISSING",
    ]
    assert {f.file for f in findings if f.code == "FILE_MISSING"} == {"logo.png", "foto1.jpg"}


def test_filled_in_template_passes_check(
    chdir_tmp: Path,
    issue: IssueDir,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = _new_in(issue, "lernimpuls-witten")
    text = target.read_text(encoding="utf-8")
    for old, new in FILLED.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    target.write_text(text, encoding="utf-8")
    (target.parent / "logo.png").write_bytes(png(400, 200))
    (target.parent / "foto1.jpg").write_bytes(jpeg(1600, 1200))
    assert run_rules(issue.folder, settings) == []
    capsys.readouterr()
    assert main(["check", str(issue.folder), "--strict"]) == 0
    assert "1 Einreichung: 1 in Ordnung" in capsys.readouterr().out
