"""`newsletter issue new`: the annotated issue.toml, the next number, dates, no overwriting."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from newsletter.cli.main import main
from newsletter.core.config import load_settings
from newsletter.intake.issue_scaffold import issue_toml, plan
from newsletter.intake.reader import read_issue
from tests.support import EXAMPLE_ISSUE

ROOT = Path(__file__).resolve().parents[2]


def toml_keys(text: str) -> set[str]:
    """Top-level keys and tables, also where a `# ` comments them out (an example to enable)."""
    keys = set()
    for line in text.splitlines():
        line = line.removeprefix("# ")
        if m := re.match(r"([a-z_]+)\s*=", line):
            keys.add(m[1])
        elif m := re.match(r"\[\[?([a-z_]+)\]\]?", line):
            keys.add(f"[{m[1]}]")
    return keys


def test_readme_block_and_template_name_the_same_fields(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("`issue.toml`:\n\n```toml\n", 1)[1].split("```", 1)[0]
    settings = load_settings(root=tmp_path)
    template = issue_toml(plan("2027-01", settings, today=dt.date(2026, 12, 1)), settings)
    assert toml_keys(block) == toml_keys(template)
    assert {"title", "deadline", "[received]", "[events]", "[attachments]"} <= toml_keys(block)
    # every field has a German comment on the line before it
    lines = template.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"[a-z_]+ =|\[received\]", line):
            assert lines[i - 1].startswith("#"), line


def test_new_issue_follows_the_previous_one(
    chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLE_ISSUE, chdir_tmp / "submissions" / "2026-12")
    assert main(["issue", "new", "2027-01"]) == 0  # no terminal: the suggestions
    folder = chdir_tmp / "submissions" / "2027-01"
    data = tomllib.loads((folder / "issue.toml").read_text(encoding="utf-8"))
    assert data["number"] == 39
    assert data["date"] == dt.date(2027, 1, 4)  # a month after 2026-12-04
    assert data["deadline"] == dt.datetime(2026, 12, 21, 23, 59)  # two weeks before
    assert data["title"] == "Newsletter des Integrationsnetzwerks"
    assert (folder / "editorial").is_dir() and not any((folder / "editorial").iterdir())
    assert "Ausgabe 39" in capsys.readouterr().out
    intake = read_issue(folder, load_settings(root=chdir_tmp))
    assert [f.code for f in intake.findings] == ["NO_SUBMISSIONS"]  # issue.toml itself is fine
    before = (folder / "issue.toml").read_bytes()
    assert main(["issue", "new", "2027-01"]) == 2
    assert "nichts überschrieben" in capsys.readouterr().err
    assert (folder / "issue.toml").read_bytes() == before
    # the next one keeps the interval of the last two
    assert main(["issue", "new", "2027-02"]) == 0
    data = tomllib.loads((chdir_tmp / "submissions/2027-02/issue.toml").read_text("utf-8"))
    assert (data["number"], data["date"]) == (40, dt.date(2027, 2, 4))


def test_flags_and_refusals(chdir_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(EXAMPLE_ISSUE, chdir_tmp / "submissions" / "2026-12")
    assert main(["issue", "new", "sonder", "--number", "38"]) == 2
    assert "Die Nummer 38 hat schon die Ausgabe 2026-12" in capsys.readouterr().err
    assert main(["issue", "new", "sonder", "--date", "2027-13-01"]) == 2
    assert "kein Datum" in capsys.readouterr().err
    assert main(["issue", "new", "sonder", "--date", "1.3.2027", "--deadline", "2027-03-02"]) == 2
    assert "nicht vor dem Erscheinungsdatum" in capsys.readouterr().err
    assert not (chdir_tmp / "submissions" / "sonder").exists()  # nothing half-written
    assert main(["--lang", "en", "issue", "new", "sonder", "--date", "1.3.2027",
                 "--deadline", "2027-02-20T18:00", "--number", "100"]) == 0  # fmt: skip
    assert "Issue 100" in capsys.readouterr().out
    data = tomllib.loads((chdir_tmp / "submissions/sonder/issue.toml").read_text("utf-8"))
    assert data["deadline"] == dt.datetime(2027, 2, 20, 18, 0)


def test_first_issue_of_a_new_project(chdir_tmp: Path) -> None:
    assert main(["issue", "new", "2027-05"]) == 0
    data = tomllib.loads((chdir_tmp / "submissions/2027-05/issue.toml").read_text("utf-8"))
    assert data["number"] == 1
    assert (data["date"].year, data["date"].month) == (2027, 5)
