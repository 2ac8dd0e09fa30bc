"""The command line as a German volunteer or editor meets it (issue 11, items 8-11): argparse's
own texts, parser problems in words, plain numbers and plurals, hints, exit codes, progress.
The CLI runs in-process through `main` and, where the exit code and streams matter, as a real
subprocess."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from newsletter.cli.main import main
from newsletter.cli.progress import StageProgress
from tests.support import IssueDir, jpeg, png, submission_md, valid_front

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    environment |= {"PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "200"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "newsletter", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- item 8: argparse in German, English with --lang en -----------------------------------

ENGLISH_ARGPARSE = (
    "usage:",
    "positional arguments",
    "options:",
    "show this help message and exit",
    "the following arguments are required",
    "invalid choice",
    "unrecognized arguments",
    "error:",
    "not allowed with argument",
)


@pytest.mark.parametrize(
    ("argv", "german"),
    [
        (["--help"], ["Aufruf: newsletter", "Optionen:", "diese Hilfe zeigen und beenden"]),
        (["check", "--help"], ["Aufruf: newsletter check", "AUSGABE", "Angaben:"]),
        (["subscribers", "import", "--help"], ["DATEI.csv", "--active", "--send-confirmations"]),
        (["check"], ["Fehler: Es fehlt die Angabe: AUSGABE"]),
        (["bogus"], ["ungültige Wahl: 'bogus'"]),
        (["check", "x", "--foo"], ["unbekannte Angaben: --foo"]),
        (["send", "x", "--test", "a@example.org", "--dry-run"], ["nicht zusammen mit --test"]),
        (["preview", "x", "--port", "abc"], ["ungültiger Wert: 'abc'"]),
    ],
)
def test_argparse_speaks_german_and_english_with_lang_en(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str], argv: list[str], german: list[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == (0 if "--help" in argv else 2)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    for phrase in german:
        assert phrase in text
    assert not [p for p in ENGLISH_ARGPARSE if p in text], text

    with pytest.raises(SystemExit):
        main([*argv, "--lang", "en"] if argv[0] != "bogus" else ["--lang", "en", *argv])
    captured = capsys.readouterr()
    english = captured.out + captured.err
    assert "Aufruf" not in english and "Fehler" not in english and "Angaben" not in english
    assert "usage:" in english


def test_help_in_english_translates_our_own_texts(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["--help"], ["subscribers", "--help"], ["new", "--help"], ["preview", "--help"]):
        with pytest.raises(SystemExit):
            main(["--lang", "en", *argv])
        out = capsys.readouterr().out
        assert not any(w in out for w in (" und ", " oder ", "Ordner", "Ausgabe", "prüfen")), out


def _help_texts(parser: argparse.ArgumentParser, seen: set[int]) -> list[str]:
    texts = [parser.description] if parser.description else []
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            texts.append(action.help)
        if isinstance(action.metavar, str):
            texts.append(action.metavar)
        if isinstance(action, argparse._SubParsersAction):
            texts += [c.help for c in action._choices_actions if c.help]
            for sub in action.choices.values():
                if id(sub) not in seen:
                    seen.add(id(sub))
                    texts += _help_texts(sub, seen)
    return texts


def test_every_help_text_of_every_command_has_an_english_translation() -> None:
    """A command added later must bring its English help along (cli_i18n.HELP_EN)."""
    from newsletter.cli.i18n import ARGPARSE_DE, HELP_EN
    from newsletter.cli.main import build_parser

    texts = _help_texts(build_parser(), set())
    assert len(texts) > 50
    assert sorted({t for t in texts if t not in HELP_EN and t not in ARGPARSE_DE}) == []


def test_language_from_the_settings_reaches_argparse_too(chdir_tmp: Path) -> None:
    (chdir_tmp / "newsletter.toml").write_text('lang = "en"\n', encoding="utf-8")
    done = run_cli("check", cwd=chdir_tmp)
    assert done.returncode == 2
    assert "the following arguments are required: ISSUE" in done.stderr
    done = run_cli("check", cwd=chdir_tmp, env={"NEWSLETTER_LANG": "de"})
    assert "Es fehlt die Angabe: AUSGABE" in done.stderr


# --- item 8: parser problems in words, no file name twice, plain numbers, plurals ---------


@pytest.mark.parametrize(
    ("front", "line", "words"),
    [
        ("organisation: A\ngoal: Ziel: Begegnung\n", 3, "in Anführungszeichen setzen"),
        ('organisation: A\ngoal: "Ziel\n', 3, "Anführungszeichen wird nicht geschlossen"),
        ("organisation: A\ncontact:\n  email: a@example.org\n phone: 0231\n", 5, "Einrückung"),
        ("organisation: A\ngoal: @verein\n", 3, "„@“"),
        ('organisation: A\ngoal: "Text" und mehr\n', 3, "noch Text"),
    ],
)
def test_yaml_problems_are_explained_in_german_with_the_line(
    issue: IssueDir, capsys: pytest.CaptureFixture[str], front: str, line: int, words: str
) -> None:
    issue.add("verein", md=f"---\n{front}---\nText\n")
    assert main(["check", str(issue.folder)]) == 1
    out = capsys.readouterr().out
    message = next(ln.strip() for ln in out.splitlines() if ln.strip().startswith("Zeile"))
    assert message.startswith(f"Zeile {line}: ") and words in message
    for english in ("mapping", "scalar", "expected", "token", "block", "stream"):
        assert english not in out
    assert "Angabenblock" not in out
    assert out.count("submission.md") == 1  # once as the file, not again in the message
    main(["check", str(issue.folder), "--lang", "en"])
    assert f"Line {line}: " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("title = Newsletter\n", "Text gehört in Anführungszeichen"),
        ('title = "N"\nnumber = 38 x\n', "nach dem Wert steht noch etwas"),
        ('title = "N"\n[received\n', "schließende eckige Klammer"),
    ],
)
def test_toml_problems_are_explained_in_german_with_the_line(
    issue: IssueDir, capsys: pytest.CaptureFixture[str], toml: str, words: str
) -> None:
    issue.add("verein")
    (issue.folder / "issue.toml").write_text(toml, encoding="utf-8")
    assert main(["check", str(issue.folder)]) == 1
    out = capsys.readouterr().out
    assert words in out and f"Zeile {toml.count(chr(10))}" in out
    assert "Expected" not in out and "Invalid" not in out and "(at line" not in out


@pytest.mark.parametrize("deadline", ["2026-11-27T23:59", "2026-11-27 23:59", '"2026-11-27 23:59"'])
def test_a_deadline_without_seconds_is_accepted(
    issue: IssueDir, capsys: pytest.CaptureFixture[str], deadline: str
) -> None:
    issue.add("verein")
    (issue.folder / "issue.toml").write_text(
        f'title = "Newsletter"\nnumber = 38\ndate = 2026-12-04\ndeadline = {deadline}  # Uhr\n',
        encoding="utf-8",
    )
    main(["check", str(issue.folder), "--json"])
    out = capsys.readouterr().out
    assert "ISSUE_TOML" not in out


def test_ports_are_not_counted_and_smtp_problems_are_explained(
    chdir_tmp: Path, issue: IssueDir
) -> None:
    """A refused connection on port 1025: "127.0.0.1:1025", not "1.025", and no English."""
    issue.add("verein")
    (chdir_tmp / "newsletter.toml").write_text(
        '[smtp]\nhost = "127.0.0.1"\nport = 1025\nsecurity = "none"\ntimeout = 3\n',
        encoding="utf-8",
    )
    done = run_cli("send", str(issue.folder), "--test", "a@example.org", cwd=chdir_tmp)
    assert done.returncode == 2
    if "1025" not in done.stderr:  # not built yet: build first, then try again
        assert "newsletter build" in done.stderr
        assert run_cli("build", str(issue.folder), cwd=chdir_tmp).returncode == 0
        done = run_cli("send", str(issue.folder), "--test", "a@example.org", cwd=chdir_tmp)
    assert done.returncode == 2
    assert "127.0.0.1:1025" in done.stderr and "1.025" not in done.stderr
    assert "nimmt keine Verbindung an" in done.stderr and "Connect call failed" not in done.stderr
    assert "Traceback" not in done.stderr
    english = run_cli(
        "send", str(issue.folder), "--test", "a@example.org", "--lang", "en", cwd=chdir_tmp
    )
    assert "accepts no connection" in english.stderr


def test_one_submission_is_one_einreichung(
    issue: IssueDir, capsys: pytest.CaptureFixture[str]
) -> None:
    issue.add("verein")
    main(["check", str(issue.folder)])
    out = capsys.readouterr().out
    assert "1 Einreichung:" in out and "1 Einreichungen" not in out
    main(["check", str(issue.folder), "--lang", "en"])
    assert "1 submission:" in capsys.readouterr().out


def test_messages_use_the_singular_for_one() -> None:
    from newsletter.texts.messages import render

    assert "1 Einreichung hat Fehler" in render("BUILD_REFUSED", "de", {"count": 1, "slugs": "a"})
    assert "2 Einreichungen haben" in render("BUILD_REFUSED", "de", {"count": 2, "slugs": "a"})
    assert "1 Bild (" in render("TEXT_IMAGE", "de", {"count": 1})
    assert "3 pictures (" in render("TEXT_IMAGE", "en", {"count": 3})
    assert "(" + "en)" not in render("BUILD_REFUSED", "de", {"count": 1, "slugs": "a"})


def test_svg_style_references_are_described_in_words(
    issue: IssueDir, capsys: pytest.CaptureFixture[str]
) -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300"><style>'
        b"@import url(https://fonts.example.org/x.css);</style><rect width='10' height='10'/></svg>"
    )
    folder = issue.add("verein", update={"logo": "logo.svg"}, files={"logo.svg": svg})
    (folder / "logo.png").unlink()
    main(["check", str(issue.folder)])
    out = capsys.readouterr().out
    assert "SVG_EXTERNAL" in out and "Schriften oder Bilder außerhalb der Datei" in out
    assert "@import" not in out and "url()" not in out


# --- item 9: hints --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["submission.md.txt", "Submission.md.TXT", "submission.txt"])
def test_a_misnamed_submission_says_what_to_rename(
    issue: IssueDir, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    folder = issue.add("verein")
    (folder / "submission.md").rename(folder / name)
    assert main(["check", str(issue.folder)]) == 1
    out = capsys.readouterr().out
    assert "SUBMISSION_MISNAMED" in out and name in out and "„submission.md“ umbenennen" in out


def test_an_upper_case_submission_md_is_used_with_a_rename_hint(
    issue: IssueDir, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = issue.add("verein")
    (folder / "submission.md").rename(folder / "Submission.MD")
    assert main(["check", str(issue.folder)]) == 0
    out = capsys.readouterr().out
    assert "SUBMISSION_NAME_CASE" in out and "Submission.MD" in out and "umbenennen" in out


def test_a_missing_logo_suggests_the_unused_file(
    issue: IssueDir, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = issue.add("verein")
    (folder / "logo.png").rename(folder / "Logo Frauentreff.png")
    assert main(["check", str(issue.folder)]) == 1
    out = capsys.readouterr().out
    assert "Meinten Sie „Logo Frauentreff.png“?" in out
    main(["check", str(issue.folder), "--lang", "en"])
    assert "Did you mean 'Logo Frauentreff.png'?" in capsys.readouterr().out


def test_new_proposes_the_folder_name_it_would_accept(chdir_tmp: Path) -> None:
    done = run_cli("new", "2027-01", "Sprachcafé Mitte", cwd=chdir_tmp)
    assert done.returncode == 2
    assert "newsletter new 2027-01 sprachcafe-mitte" in done.stderr
    assert not (chdir_tmp / "submissions").exists()
    done = run_cli("new", "2027-01", "Frauentreff Süd & Große Straße", cwd=chdir_tmp)
    assert "frauentreff-sued-grosse-strasse" in done.stderr
    assert run_cli("new", "2027-01", "sprachcafe-mitte", cwd=chdir_tmp).returncode == 0


# --- item 10: exit codes ----------------------------------------------------------------------


def test_exit_codes_are_the_readmes(chdir_tmp: Path, issue: IssueDir) -> None:
    """0 fine, 1 findings, 2 usage or configuration: each command, as a real process."""
    good = issue.add("verein")
    cases: list[tuple[list[str], int]] = [
        (["check", str(issue.folder)], 0),
        (["check", str(issue.folder), "--json"], 0),
        (["--help"], 0),
        (["check"], 2),
        (["check", "gibt-es-nicht"], 2),
        (["build", "gibt-es-nicht"], 2),
        (["send", "gibt-es-nicht", "--dry-run"], 2),
        (["preview", str(issue.folder), "--host", "0.0.0.0"], 2),
        (["new", "2027-01", "Kein Name"], 2),
        (["subscribers", "remove", "niemand@example.org"], 2),
        (["subscribers", "list"], 0),
    ]
    for argv, code in cases:
        done = run_cli(*argv, cwd=chdir_tmp)
        assert done.returncode == code, (argv, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
    (good / "submission.md").write_text(
        submission_md(valid_front() | {"contact": {"email": "kaputt"}}), encoding="utf-8"
    )
    assert run_cli("check", str(issue.folder), cwd=chdir_tmp).returncode == 1
    refused = run_cli("build", str(issue.folder), cwd=chdir_tmp)
    assert refused.returncode == 1 and "Nicht gebaut" in refused.stderr  # findings, like check
    (chdir_tmp / "newsletter.toml").write_text("[rules]\nmax_photos = -1\n", encoding="utf-8")
    for argv in (["check", str(issue.folder)], ["subscribers", "list"], ["serve"]):
        done = run_cli(*argv, cwd=chdir_tmp)
        assert done.returncode == 2 and "rules.max_photos" in done.stderr, argv


def test_a_folder_that_cannot_be_written_is_a_message_not_a_traceback(
    chdir_tmp: Path, issue: IssueDir
) -> None:
    issue.add("verein", files={"foto.jpg": jpeg(1600, 1200), "logo.png": png(800, 400)})
    (chdir_tmp / "outbox").write_text("a file where the outbox folder should be")
    done = run_cli("build", str(issue.folder), cwd=chdir_tmp)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "outbox" in done.stderr


# --- item 11: progress ------------------------------------------------------------------------


def test_progress_at_a_terminal_shows_every_stage_with_a_bar() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100, color_system=None)
    with StageProgress(console, "de") as progress:
        progress.stage("images")
        for i in range(3):
            progress.count(i + 1, 3)
            time.sleep(0.15)
        progress.stage("pdf")
        time.sleep(0.5)  # the PDF has nothing to count: a moving bar and the time
    shown = stream.getvalue()
    assert "Bilder" in shown and "3/3" in shown and "PDF" in shown and "0:00:0" in shown


def test_progress_without_a_terminal_is_one_line_per_stage() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=False, width=100)
    with StageProgress(console, "en") as progress:
        progress.stage("images")
        progress.count(1, 3)
        progress.stage("pdf")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "Pictures …" and lines[1].startswith("PDF … (Pictures: 0.")
    assert len(lines) == 2
