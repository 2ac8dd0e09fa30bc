"""What the editor answers at a terminal: a real pseudo-terminal on stdin, the real command."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from newsletter.store import organisations as orgs
from newsletter.store.subscribers import open_store
from tests.support import EXAMPLE_ISSUE, IssueDir, Sink, smtp_server

ROOT = Path(__file__).resolve().parents[2]


def at_terminal(cwd: Path, answers: str, *argv: str) -> tuple[int, str]:
    """Run `newsletter ARGV` with a terminal as stdin and type `answers` into it."""
    master, slave = os.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsletter", *argv],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env=env,
    )
    os.close(slave)
    try:
        os.write(master, answers.encode())
        out, _ = proc.communicate(timeout=120)
    finally:
        os.close(master)
    return proc.returncode, out.decode()


def test_issue_new_asks_for_the_dates(chdir_tmp: Path) -> None:
    shutil.copytree(EXAMPLE_ISSUE, chdir_tmp / "submissions" / "2026-12")
    code, out = at_terminal(chdir_tmp, "32.1.2027\n20.1.2027\n\n", "issue", "new", "2027-01")
    assert code == 0, out
    assert "Erscheinungsdatum [2027-01-04]" in out and "kein Datum" in out  # asked again
    data = tomllib.loads((chdir_tmp / "submissions/2027-01/issue.toml").read_text("utf-8"))
    assert data["date"] == dt.date(2027, 1, 20)
    assert data["deadline"] == dt.datetime(2027, 1, 6, 23, 59)  # the suggestion, kept by Enter


def test_issue_new_explains_a_bad_date_in_the_editors_language(chdir_tmp: Path) -> None:
    """With --lang en the question and the refusal of "32.1.2027" are English (the refusal was
    always German before)."""
    shutil.copytree(EXAMPLE_ISSUE, chdir_tmp / "submissions" / "2026-12")
    code, out = at_terminal(chdir_tmp, "32.1.2027\n\n\n", "--lang", "en", "issue", "new", "2027-01")
    assert code == 0, out
    assert "kein Datum" not in out, out
    assert "'32.1.2027' is not a date (YYYY-MM-DD)." in out, out
    assert (chdir_tmp / "submissions/2027-01/issue.toml").is_file()


def test_learn_adds_only_what_the_editor_accepts(chdir_tmp: Path) -> None:
    shutil.copytree(EXAMPLE_ISSUE, chdir_tmp / "submissions" / "2026-12")
    # al-amal (no), bewerbungscafe (yes), drk (no), elternnetz (Enter = no), kinderschutz (no),
    # kulturverein (yes), lernimpuls (No)
    code, out = at_terminal(chdir_tmp, "n\nj\nn\n\nn\ny\nN\n", "organisations", "learn", "2026-12")
    assert code == 0, out
    with open_store(chdir_tmp / "subscribers.sqlite3") as conn:
        added = [o.slug for o in orgs.list_all(conn)]
    assert added == ["bewerbungscafe-weststadt", "kulturverein-bruecke"]


def test_remind_sends_after_a_yes_at_the_terminal(chdir_tmp: Path) -> None:
    IssueDir(chdir_tmp / "submissions" / "2026-12")
    with open_store(chdir_tmp / "subscribers.sqlite3") as conn:
        orgs.add(conn, orgs.make("verein-a", emails="a@example.org", language="uk"))
    handler = Sink()
    with smtp_server(handler) as port:
        (chdir_tmp / "newsletter.toml").write_text(f"[smtp]\nport = {port}\n", encoding="utf-8")
        code, out = at_terminal(chdir_tmp, "n\n", "remind", "2026-12")
        assert code == 2 and handler.rcpts == [], out
        code, out = at_terminal(chdir_tmp, "j\n", "remind", "2026-12")
        assert code == 0, out
        assert "1 Erinnerung senden? [j/N]" in out
        assert handler.rcpts == ["a@example.org"]
