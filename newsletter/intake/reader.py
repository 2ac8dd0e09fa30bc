"""Read an issue folder into an Issue: issue.toml, editorials, attachments, and each submission
(submission.py), every named file resolved inside the folder (files.py); no judging.

Problems that stop something from being read (malformed YAML, a missing file, a path leaving
the folder, an encoding guess) become Findings here; whether what was read is *acceptable*
is for rules.py. Nothing under the issue folder is ever written.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.models import (
    Attachment,
    Editorial,
    Event,
    Finding,
    Intake,
    Issue,
    Submission,
)
from newsletter.intake import textfiles
from newsletter.intake.files import is_ignored, nfc, resolve_file, suggestion
from newsletter.intake.submission import read_submission
from newsletter.texts.messages import explain_validation
from newsletter.texts.syntax import explain_toml, loads_toml

EDITOR_FOLDERS = frozenset({"editorial", "attachments"})


class _AttachmentToml(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    title: str


class IssueToml(BaseModel):
    """The schema of issue.toml: what make_issue.py writes, plus accepted_late and received."""

    model_config = ConfigDict(extra="forbid")
    title: str
    number: int | None = None
    date: dt.date | None = None
    deadline: dt.datetime | None = None
    intro: str = ""
    sections: list[str] = ["intro", "editorial", "submissions", "events", "attachments"]
    accepted_late: list[str] = []
    received: dict[str, dt.datetime] = {}
    events: list[Event] = []
    attachments: list[_AttachmentToml] = []


def resolve_issue(arg: str, settings: Settings) -> Path:
    """The issue folder: a name under submissions/ or a path; NewsletterError if absent."""
    candidates = [Path(arg)] if os.sep in arg or arg.startswith(".") else []
    candidates += [settings.path(settings.submissions_dir) / arg, Path(arg)]
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    raise NewsletterError("ISSUE_NOT_FOUND", Path(arg), {"path": arg})


def read_issue(folder: Path, settings: Settings) -> Intake:
    """Read the whole issue folder: issue.toml, editorial, attachments, submissions."""
    findings: list[Finding] = []
    tz = ZoneInfo(settings.timezone)
    meta = _read_issue_toml(folder, findings)
    editorials = _read_editorials(folder, findings)
    attachments = tuple(
        Attachment(
            file=resolve_file(folder, a.file, findings, None, allow_subdirs=True), title=a.title
        )
        for a in (meta.attachments if meta else [])
    )
    received = {k: _aware(v, tz) for k, v in (meta.received if meta else {}).items()}
    submissions: list[Submission] = []
    unreadable: set[str] = set()
    for sub_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
        name = nfc(sub_folder.name)
        if name in EDITOR_FOLDERS or is_ignored(name):
            continue
        if sub_folder.is_symlink():  # its files would lie outside the issue folder
            findings.append(Finding(code="PATH_SYMLINK", submission=name, params={"name": name}))
            unreadable.add(name)
            continue
        try:
            sub = read_submission(sub_folder, name, received.get(name), tz, settings, findings)
        except OSError as exc:  # permissions, a file vanishing mid-read: report, go on
            findings.append(
                Finding(
                    code="FILE_UNREADABLE",
                    submission=name,
                    file=Path(exc.filename).name if exc.filename else None,
                    params={"detail": exc.strerror or type(exc).__name__},
                )
            )
            sub = None
        if sub is None:
            unreadable.add(name)
        else:
            submissions.append(sub)
    known = {s.slug for s in submissions} | unreadable
    for slug in sorted(
        set(meta.received if meta else {}) | set(meta.accepted_late if meta else [])
    ):
        if slug not in known:
            findings.append(
                Finding(
                    code="RECEIVED_UNKNOWN_SLUG",
                    file="issue.toml",
                    params={"slug": slug},
                )
            )
    if not known:
        findings.append(Finding(code="NO_SUBMISSIONS"))
    issue = Issue(
        slug=nfc(folder.name),
        folder=folder,
        title=meta.title if meta else "",
        number=meta.number if meta else None,
        date=meta.date if meta else None,
        deadline=_aware(meta.deadline, tz) if meta and meta.deadline else None,
        intro=meta.intro if meta else "",
        sections=tuple(meta.sections) if meta else Issue.model_fields["sections"].default,
        accepted_late=frozenset(meta.accepted_late if meta else ()),
        events=tuple(meta.events if meta else ()),
        attachments=attachments,
        editorials=editorials,
        submissions=tuple(submissions),
    )
    return Intake(issue=issue, findings=tuple(findings), unreadable=frozenset(unreadable))


def _aware(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _read_issue_toml(folder: Path, findings: list[Finding]) -> IssueToml | None:
    path = folder / "issue.toml"
    if not path.is_file():
        findings.append(Finding(code="ISSUE_TOML_MISSING", file="issue.toml"))
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        findings.append(
            Finding(
                code="FILE_UNREADABLE",
                file="issue.toml",
                params={"detail": exc.strerror or type(exc).__name__},
            )
        )
        return None
    try:
        data = loads_toml(textfiles.decode(raw)[0])  # a deadline without seconds is fine
    except tomllib.TOMLDecodeError as exc:
        findings.append(
            Finding(
                code="ISSUE_TOML_SYNTAX",
                file="issue.toml",
                params=explain_toml(exc),
            )
        )
        return None
    try:
        return IssueToml.model_validate(data)
    except ValidationError as exc:
        nested = {"events": list(Event.model_fields), "attachments": ["file", "title"]}
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            # events.0.zeit -> events[1].zeit: the editor counts tables from one
            key = (
                ".".join(loc).replace(f"{loc[0]}.{loc[1]}.", f"{loc[0]}[{int(loc[1]) + 1}].")
                if len(loc) > 2 and loc[1].isdigit()
                else ".".join(loc)
            )
            if err["type"] == "extra_forbidden":
                known = nested.get(loc[0], []) if len(loc) > 1 else list(IssueToml.model_fields)
                findings.append(
                    Finding(
                        code="ISSUE_TOML_UNKNOWN_KEY",
                        file="issue.toml",
                        params={"key": key, **suggestion(loc[-1], known)},
                    )
                )
                continue
            de, en = explain_validation(err)
            findings.append(
                Finding(
                    code="ISSUE_TOML_FIELD",
                    file="issue.toml",
                    params={"key": key, "detail": de, "detail_en": en},
                )
            )
        return None


def _read_editorials(folder: Path, findings: list[Finding]) -> tuple[Editorial, ...]:
    ed = folder / "editorial"
    if not ed.is_dir():
        return ()
    out = []
    for p in sorted(ed.iterdir(), key=lambda q: q.name):
        if not p.is_file() or p.is_symlink() or is_ignored(p.name) or p.suffix.lower() != ".md":
            continue
        try:
            text, guessed = textfiles.decode(p.read_bytes())
        except OSError as exc:
            findings.append(
                Finding(
                    code="FILE_UNREADABLE",
                    file=f"editorial/{p.name}",
                    params={"detail": exc.strerror or type(exc).__name__},
                )
            )
            continue
        if guessed:
            findings.append(Finding(code="EDITORIAL_ENCODING", file=f"editorial/{p.name}"))
        out.append(Editorial(name=nfc(p.stem), path=p, text=text))
    return tuple(out)
