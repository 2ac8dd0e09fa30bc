"""A submission's time of receipt is recorded once, when the pipeline first sees it complete:
a correction after the deadline does not make it late; [received] in issue.toml still wins."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsletter.check.stage import run_check
from newsletter.cli.main import main
from newsletter.core.config import Settings
from newsletter.store.subscribers import SCHEMA_VERSION, open_store, schema_version
from tests.support import IssueDir, codes, the, tree_hash

BERLIN = ZoneInfo("Europe/Berlin")
ARRIVED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=BERLIN)  # a week before the deadline


def _age(folder: Path, when: dt.datetime = ARRIVED) -> None:
    """Give every file of a submission the modification time `when` (as if it came then)."""
    for p in [folder] if folder.is_file() else folder.rglob("*"):
        os.utime(p, (when.timestamp(), when.timestamp()))


def _rows(settings: Settings) -> list[tuple[str, str, str]]:
    with sqlite3.connect(settings.path(settings.subscribers.database)) as db:
        return [tuple(r) for r in db.execute("SELECT issue, slug, received_at FROM receipts")]


def test_a_correction_after_the_deadline_does_not_make_a_submission_late(
    issue: IssueDir, settings: Settings
) -> None:
    folder = issue.add("elterncafe", received=None)
    _age(folder)
    first = run_check(str(issue.folder), settings)
    assert "LATE" not in codes(first.findings)
    assert _rows(settings) == [(issue.folder.name, "elterncafe", "2026-11-20T08:30:00Z")]
    # the editor fixes a typo on 2 December (today, for the files: after the deadline)
    md = folder / "submission.md"
    md.write_text(md.read_text(encoding="utf-8").replace("gegründet", "gegründet,"), "utf-8")
    (folder / "flyer-aus-der-mail.pdf").write_bytes(b"%PDF-1.4\n")  # saved from an e-mail now
    again = run_check(str(issue.folder), settings)
    assert "LATE" not in codes(again.findings, "elterncafe")
    sub = again.intake.issue.submission("elterncafe")
    assert sub.received == ARRIVED and sub.received_from == "recorded"
    assert len(_rows(settings)) == 1


def test_check_shows_the_receipt_and_writes_nothing_under_the_issue_folder(
    issue: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _age(issue.add("elterncafe", received=None))
    issue.add("per-mail")  # its [received] entry: 20.11.2026 10:00
    before = tree_hash(issue.folder)
    assert main(["check", str(issue.folder)]) == 0
    out = capsys.readouterr().out
    assert "Eingang" in out
    assert "20.11.2026 09:30" in out and "gespeichert" in out
    assert "20.11.2026 10:00" in out and "issue.toml" in out
    assert tree_hash(issue.folder) == before
    assert (chdir_tmp / "subscribers.sqlite3").is_file()  # the project's own state
    assert main(["check", str(issue.folder), "--lang", "en"]) == 0
    assert "Received" in capsys.readouterr().out
    # --json keeps exactly its documented shape
    assert main(["check", str(issue.folder), "--json"]) == 0
    assert '"received' not in capsys.readouterr().out


def test_first_sight_takes_the_newest_file_not_the_clock(
    issue: IssueDir, settings: Settings
) -> None:
    folder = issue.add("spaet-geprueft", received=None)
    _age(folder)
    _age(folder / "logo.png", ARRIVED + dt.timedelta(hours=2))  # the logo came last
    store = settings.path(settings.subscribers.database)
    assert not store.exists()  # the editor checks for the first time after the deadline
    report = run_check(str(issue.folder), settings)
    assert "LATE" not in codes(report.findings)
    received = report.intake.issue.submission("spaet-geprueft").received
    assert received == ARRIVED + dt.timedelta(hours=2)
    with open_store(store) as db:
        assert schema_version(db) == SCHEMA_VERSION


def test_received_in_issue_toml_wins_and_needs_no_store(
    issue: IssueDir, settings: Settings
) -> None:
    _age(issue.add("per-mail", received="2026-11-28T08:00:00"))
    report = run_check(str(issue.folder), settings)
    assert the(report.findings, "LATE", "per-mail").severity == "error"
    assert not settings.path(settings.subscribers.database).exists()
    # a recorded receipt does not override issue.toml either
    issue.received.pop("per-mail")
    issue.write_toml()
    assert "LATE" not in codes(run_check(str(issue.folder), settings).findings)
    issue.received["per-mail"] = "2026-11-28T08:00:00"
    issue.write_toml()
    assert "LATE" in codes(run_check(str(issue.folder), settings).findings)


def test_an_incomplete_submission_is_not_received_until_it_is_complete(
    issue: IssueDir, settings: Settings
) -> None:
    folder = issue.add("halbfertig", update={"organisation": None}, received=None)
    _age(folder)
    run_check(str(issue.folder), settings)
    assert not settings.path(settings.subscribers.database).exists()  # nothing to record
    # completed only now, after the deadline: that is when it arrived
    issue.add("halbfertig", received=None)
    report = run_check(str(issue.folder), settings)
    assert the(report.findings, "LATE", "halbfertig").severity == "error"
    assert [r[1] for r in _rows(settings)] == ["halbfertig"]


def test_an_unusable_store_falls_back_to_the_files_with_a_warning(
    issue: IssueDir, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _age(issue.add("elterncafe", received=None))
    settings.path(settings.subscribers.database).write_bytes(b"kein SQLite " * 100)
    report = run_check(str(issue.folder), settings)
    warning = the(report.findings, "RECEIPTS_NOT_RECORDED", None)
    assert warning.severity == "warning"
    sub = report.intake.issue.submission("elterncafe")
    assert sub.received == ARRIVED and sub.received_from == "files"


def test_a_folder_fresh_from_new_has_not_arrived(
    issue: IssueDir, settings: Settings, chdir_tmp: Path
) -> None:
    assert main(["new", str(issue.folder), "neu"]) == 0  # names the organisation already
    _age(issue.folder / "neu")
    run_check(str(issue.folder), settings)
    store = settings.path(settings.subscribers.database)
    assert not store.exists() or _rows(settings) == []


def test_status_reads_recorded_receipts_and_records_nothing(
    issue: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = issue.add("elterncafe", received=None)
    _age(folder)
    store = chdir_tmp / "subscribers.sqlite3"
    assert main(["status", str(issue.folder), "--json"]) == 0
    assert not store.exists()  # status writes nothing, creates no store
    capsys.readouterr()
    assert main(["check", str(issue.folder)]) == 0  # records 20.11.2026 09:30
    md = folder / "submission.md"
    md.write_text(md.read_text(encoding="utf-8") + "\nNachtrag.\n", "utf-8")  # after the deadline
    capsys.readouterr()
    before = store.stat().st_mtime_ns
    assert main(["status", str(issue.folder), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["organisations"]
    assert [(r["slug"], r["state"]) for r in rows] == [("elterncafe", "ok")]
    assert rows[0]["received"].startswith("2026-11-20T09:30:00")
    assert store.stat().st_mtime_ns == before
