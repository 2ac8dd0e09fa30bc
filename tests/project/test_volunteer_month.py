"""A volunteer's month end to end: `newsletter new`, the template filled in with the usual
mistakes, `check` naming them, the fixes, a correction by the editor after the deadline,
`build`, and the preview's status line."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsletter.cli.main import main
from newsletter.core.config import load_settings
from newsletter.preview.engine import Rebuilder
from newsletter.preview.page import status_line
from tests.support import IssueDir, jpeg, png

ARRIVED = dt.datetime(2026, 11, 20, 18, 45, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()
OWN_TEXT = (
    "Im Sprachcafé Mitte üben Menschen aus vielen Ländern jeden Dienstag von 17 bis 19 Uhr "
    "Deutsch im Gespräch, bei Tee und Kuchen. Neue Gäste sind jederzeit willkommen.\n\n"
    "Mehr auf [unserer Webseite](https://sprachcafe-mitte.example.net).\n"
)


def _set(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_volunteers_month(
    issue: IssueDir, chdir_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the editor starts the month's folder for the Sprachcafé
    assert main(["new", str(issue.folder), "sprachcafe-mitte"]) == 0
    md = issue.folder / "sprachcafe-mitte" / "submission.md"
    folder = md.parent
    # the volunteer adds an address, the logo (a wide banner) and a photo without a release,
    # and leaves the template's example text where it is
    _set(md, '  email: ""', '  email: "sprachcafe@example.org"')
    _set(md, '    alt: ""', '    alt: "Zwei Frauen im Gespräch an einem Tisch"')
    (folder / "logo.png").write_bytes(png(2400, 300))
    (folder / "foto1.jpg").write_bytes(jpeg(1600, 1200))
    capsys.readouterr()
    assert main(["check", str(issue.folder)]) == 1
    out = capsys.readouterr().out
    assert "TEMPLATE_BODY" in out and "Hier steht Ihr Text" in out
    assert "CONSENT_FALSE" in out and "foto1.jpg" in out and "weggelassen" in out

    # the fix: their own words; everything as it was on 20 November
    text = md.read_text(encoding="utf-8")
    md.write_text(text[: text.rindex("---\n") + 4] + OWN_TEXT, encoding="utf-8")
    for p in folder.iterdir():
        os.utime(p, (ARRIVED, ARRIVED))
    assert main(["check", str(issue.folder)]) == 0  # the photo's warning only
    assert "20.11.2026 18:45" in capsys.readouterr().out

    # 2 December: the editor fixes a typo; the submission stays on time
    _set(md, "jeden Dienstag", "jeden Dienstag,")
    assert main(["check", str(issue.folder)]) == 0
    out = capsys.readouterr().out
    assert "LATE" not in out and "20.11.2026 18:45" in out and "gespeichert" in out

    # the build takes text and logo, leaves the photo out and says so
    assert main(["build", str(issue.folder)]) == 0
    out = capsys.readouterr().out
    assert "foto1.jpg" in out
    outbox = chdir_tmp / "outbox" / issue.folder.name
    html = (outbox / "email.html").read_text(encoding="utf-8")
    assert "Sprachcafé Mitte üben" in html and "foto1" not in html
    logo = re.search(r'<img [^>]*src="images/sprachcafe-mitte/logo[^>]*>', html)
    assert logo is not None and 'width="320" height="40"' in logo.group(0)

    # the preview says the same, in its status line
    settings = load_settings(root=chdir_tmp)
    rebuilder = Rebuilder(str(issue.folder), settings, chdir_tmp / ".vorschau")
    rebuilder.build_once()
    snap = rebuilder.snapshot()
    assert snap.good is not None and snap.failure is None
    css, sentence = status_line(snap)
    assert css == "warning" and "1 Foto ohne Freigabe weggelassen" in sentence
