"""`newsletter status`: one row per organisation against the register, and the --json shape."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsletter.cli.main import main
from newsletter.core.config import load_settings
from newsletter.network.status import issue_status
from newsletter.store import organisations as orgs
from newsletter.store.subscribers import open_store
from tests.support import IssueDir

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")


def register(root: Path, *entries: orgs.Organisation) -> None:
    with open_store(root / "subscribers.sqlite3") as conn:
        orgs.add_many(conn, entries)


@pytest.fixture
def network(chdir_tmp: Path, issue: IssueDir) -> IssueDir:
    """Six registered organisations in every state, one unregistered folder, one inactive."""
    register(
        chdir_tmp,
        orgs.make("fehlt-noch", name="Fehlt noch e.V.", emails="a@example.org"),
        orgs.make("zu-spaet", name="Zu spät", emails="b@example.org"),
        orgs.make("mit-fehler", name="Mit Fehler", emails="c@example.org"),
        orgs.make("angenommen", name="Angenommen", emails="d@example.org"),
        orgs.make("alles-gut", name="Alles gut", emails="e@example.org"),
        orgs.make("ohne-adresse", name="Ohne Adresse"),
        orgs.make("ruht", name="Ruht gerade", active=False),
    )
    issue.add("zu-spaet", received="2026-11-28T09:00:00")
    issue.add("mit-fehler", update={"organisation": None})
    issue.add("angenommen", received="2026-11-28T10:00:00")
    issue.accepted_late.append("angenommen")
    issue.add("alles-gut")
    issue.add("neu-dabei", update={"organisation": "Neu dabei (Initiative)"})
    return issue


def test_states_rows_and_json_shape(
    network: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(network.folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["issue", "deadline", "organisations"]
    assert data["issue"] == "issue-2026-12"
    assert data["deadline"] == "2026-11-27T23:59:00+01:00"
    rows = {r["slug"]: r for r in data["organisations"]}
    for r in rows.values():
        assert list(r) == ["slug", "name", "state", "received", "errors", "warnings", "registered"]
    assert {s: r["state"] for s, r in rows.items()} == {
        "alles-gut": "ok",
        "angenommen": "warning",
        "fehlt-noch": "missing",
        "mit-fehler": "error",
        "neu-dabei": "ok",
        "ohne-adresse": "missing",
        "zu-spaet": "late",
    }  # "ruht" is inactive and sent nothing: not listed
    assert rows["fehlt-noch"] == {
        "slug": "fehlt-noch",
        "name": "Fehlt noch e.V.",
        "state": "missing",
        "received": None,
        "errors": 0,
        "warnings": 0,
        "registered": True,
    }
    assert rows["zu-spaet"]["received"] == "2026-11-28T09:00:00+01:00"
    assert rows["zu-spaet"]["errors"] == 1
    assert rows["mit-fehler"]["errors"] >= 1 and rows["mit-fehler"]["name"] == "Mit Fehler"
    assert rows["neu-dabei"]["registered"] is False
    assert rows["neu-dabei"]["name"] == "Neu dabei (Initiative)"


def test_table_days_left_and_summary(
    network: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(network.folder)]) == 0
    out = capsys.readouterr().out
    assert "Einsendeschluss 27.11.2026 23:59" in out
    assert "7 Organisationen: 2 fehlen, 1 verspätet, 1 mit Fehlern, 1 mit Warnungen, 2 in" in out
    assert "nicht im Verzeichnis" in out and "keine Adresse" in out
    assert "28.11.2026 09:00" in out
    assert "organisations learn" in out
    settings = load_settings(root=chdir_tmp)
    before = issue_status(
        str(network.folder), settings, now=dt.datetime(2026, 11, 24, 12, tzinfo=BERLIN)
    )
    assert before.days_left == 3
    assert main(["--lang", "en", "status", str(network.folder)]) == 0
    out = capsys.readouterr().out
    assert "deadline 2026-11-27 23:59" in out and "2 missing, 1 late" in out


def test_without_a_register_every_folder_is_a_row_and_no_store_is_made(
    issue: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issue.add("verein-a")
    assert main(["status", str(issue.folder), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["organisations"]
    assert [(r["slug"], r["registered"]) for r in rows] == [("verein-a", False)]
    assert not (chdir_tmp / "subscribers.sqlite3").exists()
    # one of each is said in the singular
    assert main(["status", str(issue.folder)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "1 Organisation: 0 fehlen" in out and "1 Einreichung ist nicht im Verzeichnis" in out


def test_an_issue_that_does_not_exist(chdir_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "2099-01"]) == 2
    assert "gibt es nicht" in capsys.readouterr().err
