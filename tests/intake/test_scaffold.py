"""`newsletter new ISSUE ORG`: the annotated template, never overwriting, and a template a
volunteer can fill in so that `check` has nothing to say."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.cli.main import main
from newsletter.core.config import Settings
from newsletter.intake.reader import read_issue
from tests.support import IssueDir, codes, jpeg, png, run_rules, the, tree_hash

FILLED = {
    'goal: ""': 'goal: "Lernhilfe und Begegnung für Kinder und Eltern"',
    'location: ""': 'location: "Nordstadt, Schulstraße 17"',
    '  name: ""': '  name: "Ayşe Beispiel"',
    '  email: ""': '  email: "info@example.org"',
    '  phone: ""': '  phone: "0231 000000"',
    '  website: ""': '  website: "https://lernimpuls-witten.example.net"',
    '    caption: ""': '    caption: "Lesefest 2026 in der Stadtbücherei"',
    '    alt: ""': '    alt: "Zwei Mädchen lesen einer Gruppe Kinder vor"',
    '    credit: ""': '    credit: "Lernimpuls Witten e.V."',
    "consent: false": "consent: true",
}
OWN_TEXT = (
    "Lernimpuls Witten hilft seit 2012 Kindern aus zugewanderten Familien beim Lernen, "
    "montags bis donnerstags von 15 bis 17 Uhr in der Schulstraße 17.\n"
)
# What a volunteer copies from the hints ("z. B. …") instead of writing their own.
HINT_EXAMPLES = {
    '  website: ""': '  website: "https://www.example.org"',
    '    caption: ""': '    caption: "Sommerfest 2026 im Stadtpark"',
    '    alt: ""': '    alt: "Kinder spielen auf einer Wiese"',
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
        "CONSENT_FALSE",
        "CONTACT_MISSING",
        "FILE_MISSING",
        "TEMPLATE_BODY",
    ]
    # foto1.jpg has no release (consent: false): it is left out, so its file does not matter
    assert {f.file for f in findings if f.code == "FILE_MISSING"} == {"logo.png"}


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
    text = text[: text.rindex("---\n") + 4] + OWN_TEXT
    target.write_text(text, encoding="utf-8")
    (target.parent / "logo.png").write_bytes(png(400, 200))
    (target.parent / "foto1.jpg").write_bytes(jpeg(1600, 1200))
    assert run_rules(issue.folder, settings) == []
    capsys.readouterr()
    assert main(["check", str(issue.folder), "--strict"]) == 0
    assert "1 Einreichung: 1 in Ordnung" in capsys.readouterr().out


def _untouched(issue: IssueDir, org: str) -> Path:
    """The template as `new` wrote it, with only an e-mail address and the files added."""
    target = _new_in(issue, org)
    text = target.read_text(encoding="utf-8").replace('  email: ""', '  email: "info@example.de"')
    target.write_text(text.replace("consent: false", "consent: true"), encoding="utf-8")
    (target.parent / "logo.png").write_bytes(png(400, 200))
    (target.parent / "foto1.jpg").write_bytes(jpeg(1600, 1200))
    return target


def test_untouched_template_does_not_pass_and_says_what_to_replace(
    chdir_tmp: Path,
    issue: IssueDir,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _untouched(issue, "verein")
    findings = run_rules(issue.folder, settings)
    body = the(findings, "TEMPLATE_BODY", "verein", "submission.md")
    assert body.severity == "error"
    assert "Hier steht Ihr Text" in body.message("de")
    assert "eigenen Text" in body.message("de") and "your own text" in body.message("en")
    capsys.readouterr()
    assert main(["check", str(issue.folder)]) == 1
    out = capsys.readouterr().out
    assert "Beispieltext der Vorlage" in out and "1 mit Fehlern" in out


def test_examples_copied_from_the_hints_are_template_text(
    chdir_tmp: Path, issue: IssueDir, settings: Settings
) -> None:
    target = _untouched(issue, "verein")
    text = target.read_text(encoding="utf-8")
    for old, new in {**FILLED, **HINT_EXAMPLES}.items():
        text = text.replace(old, new)
    target.write_text(text[: text.rindex("---\n") + 4] + OWN_TEXT, encoding="utf-8")
    findings = run_rules(issue.folder, settings)
    flagged = {f.params["key"]: f for f in findings if f.code == "TEMPLATE_TEXT"}
    assert set(flagged) == {"contact.website", "photos[1].caption", "photos[1].alt"}
    assert all(f.severity == "error" for f in flagged.values())
    assert "Sommerfest 2026 im Stadtpark" in flagged["photos[1].caption"].message("de")
    assert "TEMPLATE_BODY" not in codes(findings)
    # the volunteer's own words pass, even when they resemble the example
    text = text.replace("Sommerfest 2026 im Stadtpark", "Sommerfest 2026 im Stadtpark Witten")
    text = text.replace("https://www.example.org", "https://lernimpuls-witten.example.net")
    text = text.replace("Kinder spielen auf einer Wiese", "Kinder spielen auf einer Wiese Ball")
    target.write_text(text[: text.rindex("---\n") + 4] + OWN_TEXT, encoding="utf-8")
    assert run_rules(issue.folder, settings) == []


@pytest.mark.parametrize("name", ["text.docx", "text.txt"])
def test_template_body_gives_way_to_a_word_or_text_file(
    chdir_tmp: Path, issue: IssueDir, settings: Settings, tmp_path: Path, name: str
) -> None:
    target = _untouched(issue, "verein")
    text = target.read_text(encoding="utf-8")
    for old, new in FILLED.items():
        text = text.replace(old, new)
    target.write_text(text, encoding="utf-8")  # the template's body stays
    own = "Unser eigener Text über das Elterncafé im Stadtteil, jeden Freitag ab 10 Uhr."
    if name == "text.docx":
        import docx

        document = docx.Document()
        document.add_paragraph(own)
        document.save(str(target.parent / name))
    else:
        (target.parent / name).write_text(own + "\n", encoding="utf-8")
    intake = read_issue(issue.folder, settings)
    sub = intake.issue.submission("verein")
    assert sub.text_file == name and sub.text.strip() == own
    findings = run_rules(issue.folder, settings)
    assert "TEXT_TWO_SOURCES" not in codes(findings)
    assert findings == []
    # a body with the volunteer's own words beside the file is still two sources
    target.write_text(text[: text.rindex("---\n") + 4] + OWN_TEXT, encoding="utf-8")
    assert "TEXT_TWO_SOURCES" in codes(run_rules(issue.folder, settings))
