"""`newsletter issue new ISSUE`: a new issue folder with an annotated issue.toml.

The number follows the highest one under submissions/; the publication date follows the
previous issue at the same interval (else a month later), and the deadline is two weeks before
it at 23:59. The editor may give both, or is asked at a terminal. Nothing is overwritten, and a
number already used is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.files import create_new
from newsletter.texts.i18n import N_
from newsletter.texts.messages import words

DEFAULT_TITLE = "Newsletter des Integrationsnetzwerks"
DEADLINE_BEFORE = dt.timedelta(days=14)
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


@dataclass(frozen=True)
class PastIssue:
    """An issue already under submissions/: its folder name, number, date and title."""

    name: str
    number: int | None
    date: dt.date | None
    title: str


@dataclass(frozen=True)
class Plan:
    """What `issue new` will write."""

    folder: Path
    title: str
    number: int
    date: dt.date
    deadline: dt.datetime  # naive: local time in settings.timezone


def past_issues(settings: Settings) -> list[PastIssue]:
    """Every issue folder with a readable issue.toml, oldest first."""
    found: list[PastIssue] = []
    root = settings.path(settings.submissions_dir)
    for toml in sorted(root.glob("*/issue.toml")) if root.is_dir() else []:
        try:
            data = tomllib.loads(toml.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # `check` reports it; a new issue does not depend on it
        number = data.get("number")
        date = data.get("date")
        found.append(
            PastIssue(
                toml.parent.name,
                number if isinstance(number, int) else None,
                date if isinstance(date, dt.date) and not isinstance(date, dt.datetime) else None,
                str(data.get("title") or ""),
            )
        )
    return sorted(found, key=lambda p: (p.date or dt.date.min, p.number or 0))


def _add_month(day: dt.date) -> dt.date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def suggest_date(name: str, past: list[PastIssue], today: dt.date) -> dt.date:
    """The previous date plus the previous interval (else a month); in the named month."""
    dates = [p.date for p in past if p.date]
    if not dates:
        guess = today + dt.timedelta(days=28)
    elif len(dates) >= 2 and (dates[-1] - dates[-2]).days >= 7:
        guess = dates[-1] + (dates[-1] - dates[-2])
    else:
        guess = _add_month(dates[-1])
    if m := re.fullmatch(r"(\d{4})-(\d{2})", name):  # `2027-01`: the issue of that month
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12 and (guess.year, guess.month) != (year, month):
            for d in (guess.day, 30, 29, 28):
                try:
                    return dt.date(year, month, d)
                except ValueError:
                    continue
    return guess


def parse_date(value: str) -> dt.date:
    """2026-12-04 or 4.12.2026; ISSUE_DATE_INVALID otherwise."""
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise NewsletterError(
        "ISSUE_DATE_INVALID",
        None,
        {"value": value, **words("expected", N_("JJJJ-MM-TT"))},
    )


def parse_deadline(value: str) -> dt.datetime:
    """A date (23:59 that day) or a date and time (2026-11-20T18:00, 20.11.2026 18:00)."""
    value = value.strip()
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M"):
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        return dt.datetime.combine(parse_date(value), dt.time(23, 59))
    except NewsletterError:
        raise NewsletterError(
            "ISSUE_DATE_INVALID",
            None,
            {
                "value": value,
                **words("expected", N_("JJJJ-MM-TT oder JJJJ-MM-TTTHH:MM")),
            },
        ) from None


def issue_folder(name: str, settings: Settings) -> Path:
    """submissions/NAME, or NAME itself when it is a path."""
    if os.sep in name or name.startswith("."):
        return Path(name)
    if not _NAME_RE.fullmatch(name):
        raise NewsletterError("ISSUE_NOT_FOUND", Path(name), {"path": name})
    return settings.path(settings.submissions_dir) / name


def plan(
    name: str,
    settings: Settings,
    *,
    date: dt.date | None = None,
    deadline: dt.datetime | None = None,
    number: int | None = None,
    today: dt.date | None = None,
) -> Plan:
    """Check everything before anything is written: folder, number, dates."""
    folder = issue_folder(name, settings)
    if (folder / "issue.toml").exists():
        raise NewsletterError("ISSUE_EXISTS", folder, {"path": folder / "issue.toml"})
    past = [p for p in past_issues(settings) if p.name != folder.name]
    numbers = {p.number: p.name for p in past if p.number is not None}
    if number is None:
        number = max(numbers, default=0) + 1
    elif number in numbers:
        raise NewsletterError(
            "ISSUE_NUMBER_USED", folder, {"number": number, "other": numbers[number]}
        )
    date = date or suggest_date(folder.name, past, today or dt.date.today())
    deadline = deadline or dt.datetime.combine(date - DEADLINE_BEFORE, dt.time(23, 59))
    if deadline.date() >= date:
        raise NewsletterError(
            "ISSUE_DEADLINE_AFTER_DATE",
            folder,
            {"deadline": deadline.isoformat(timespec="minutes"), "date": date.isoformat()},
        )
    title = next((p.title for p in reversed(past) if p.title), DEFAULT_TITLE)
    return Plan(folder, title, number, date, deadline)


def issue_toml(p: Plan, settings: Settings) -> str:
    """The annotated issue.toml: a German comment for every field (the README shows the same)."""
    deadline = p.deadline.isoformat(timespec="seconds")
    return f"""\
# Ausgabe {p.number} des Newsletters. Jede Zeile mit „#“ ist ein Kommentar und wird nicht gelesen.
# Prüfen mit: newsletter check {p.folder.name}

# Titel des Newsletters (Betreff der E-Mail, Kopf von Web-Version und PDF)
title = {json.dumps(p.title, ensure_ascii=False)}
# Laufende Nummer der Ausgabe (jede Nummer nur einmal)
number = {p.number}
# Erscheinungsdatum (JJJJ-MM-TT)
date = {p.date.isoformat()}
# Einsendeschluss: Datum und Uhrzeit, Ortszeit {settings.timezone} (oder mit Versatz, z. B. +01:00)
deadline = {deadline}
# Einleitung der Redaktion (Markdown, mehrere Zeilen zwischen den drei Anführungszeichen)
intro = \"\"\"
\"\"\"
# Reihenfolge der Teile: intro, editorial, submissions, events, attachments
sections = ["intro", "editorial", "submissions", "events", "attachments"]
# Kürzel verspäteter Einreichungen, die die Redaktion trotzdem aufnimmt, z. B. ["verein-a"]
accepted_late = []

# Eingangszeit je Einreichung, wo das Datum der Dateien es nicht sagt (z. B. kam sie per E-Mail):
[received]
# lernimpuls-nordstadt = 2026-11-18T16:40:00

# Termine: je Termin ein Block [[events]] mit date, title und nach Bedarf time, end_time,
# location, description, url. Zum Benutzen die „#“ vor den Zeilen entfernen.
# [[events]]
#   date = {p.date.isoformat()}
#   time = "14:00"
#   title = "Internationaler Wintermarkt"
#   location = "Stadtteilzentrum Nordstadt, Lindenstraße 40"
#   description = "Stände von rund 20 Vereinen, Musik und Kinderprogramm."

# Anlagen: je Datei ein Block [[attachments]]; die Datei liegt im Ordner attachments/.
# [[attachments]]
#   file = "attachments/flyer.pdf"
#   title = "Flyer zum Wintermarkt"
"""


def write_issue(p: Plan, settings: Settings) -> Path:
    """Create the folder, an empty editorial/ and issue.toml (never overwriting it)."""
    p.folder.mkdir(parents=True, exist_ok=True)
    (p.folder / "editorial").mkdir(exist_ok=True)
    path = p.folder / "issue.toml"
    if not create_new(path, issue_toml(p, settings), mode=0o644):  # someone was quicker
        raise NewsletterError("ISSUE_EXISTS", p.folder, {"path": path})
    return path
