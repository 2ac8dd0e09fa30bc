"""The immutable objects that flow between stages: an Issue, its Submissions, Findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

Severity = Literal["error", "warning"]
Status = Literal["ok", "warning", "error"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class Finding(Frozen):
    """One problem: where it is (submission, file) and what it is (code + parameters).

    The severity is the code's, from the one table of codes (texts/codes.py): leave it out
    (passing another is refused; "error" only for a code the table does not know).
    """

    severity: Severity = "error"
    code: str
    submission: str | None = None
    file: str | None = None
    params: Mapping[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _severity_of_code(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "code" not in data:
            return data
        from newsletter.texts.codes import severity  # texts sits above core

        table = severity(str(data["code"]))
        given = data.get("severity")
        if table is not None and given not in (None, table):
            raise ValueError(f"{data['code']} is {table!r} in texts/codes.py, not {given!r}")
        return data if table is None else {**data, "severity": table}

    def message(self, lang: str = "de") -> str:
        """The text a volunteer or the editor reads, in German or English."""
        from newsletter.texts.messages import render

        return render(self.code, lang, self.params)


class Contact(Frozen):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None


class FileRef(Frozen):
    """A file a submission names, resolved safely inside its folder (path None if unusable)."""

    name: str
    path: Path | None = None


class Photo(Frozen):
    """A photo entry of submission.md, as written (consent kept raw so rules can judge it)."""

    index: int  # 1-based, as a volunteer counts
    file: FileRef | None
    caption: str | None = None
    alt: str | None = None
    credit: str | None = None
    consent: object = None

    @property
    def publishable(self) -> bool:
        """A photo without a release (exactly `consent: true`) is never published."""
        return self.consent is True

    @property
    def alt_text(self) -> str:
        """The alt text to print: alt, else the caption, else empty."""
        return self.alt or self.caption or ""


class Submission(Frozen):
    """One organisation's self-presentation: a folder with submission.md."""

    slug: str
    folder: Path
    front_matter: Mapping[str, Any]  # as parsed, for judging unknown keys and types
    organisation: str | None = None
    goal: str | None = None
    location: str | None = None
    contact: Contact = Contact()
    logo: FileRef | None = None
    language: str = "de"
    photos: tuple[Photo, ...] = ()
    text: str = ""  # Markdown
    text_file: str = "submission.md"  # where the text came from
    files: tuple[str, ...] = ()  # every visible file in the folder, relative names (NFC)
    received: dt.datetime | None = None  # aware; None if unknown
    # where `received` comes from: issue.toml's [received], the receipt recorded when the
    # pipeline first saw the submission complete, or (not recorded) the newest file's mtime
    received_from: Literal["issue.toml", "recorded", "files"] = "files"


class Event(Frozen):
    """A date ("Termin") in issue.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")  # a typo in a key is reported

    date: dt.date
    time: str | None = None
    end_time: str | None = None
    title: str
    location: str | None = None
    description: str | None = None
    url: str | None = None


class Attachment(Frozen):
    """An attachment ("Anlage") in issue.toml."""

    file: FileRef
    title: str


class Editorial(Frozen):
    """An editorial article: editorial/NN-name.md."""

    name: str
    path: Path
    text: str


class Issue(Frozen):
    """One newsletter issue: the editor's part plus every submission that could be read."""

    slug: str
    folder: Path
    title: str = ""
    number: int | None = None
    date: dt.date | None = None
    deadline: dt.datetime | None = None  # aware
    intro: str = ""
    sections: tuple[str, ...] = ("intro", "editorial", "submissions", "events", "attachments")
    accepted_late: frozenset[str] = frozenset()
    events: tuple[Event, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    editorials: tuple[Editorial, ...] = ()
    submissions: tuple[Submission, ...] = ()

    def submission(self, slug: str) -> Submission:
        """The submission with this slug."""
        for sub in self.submissions:
            if sub.slug == slug:
                return sub
        raise KeyError(slug)


class Intake(Frozen):
    """What intake read, and what it could not read (parse problems)."""

    issue: Issue
    findings: tuple[Finding, ...] = ()
    unreadable: frozenset[str] = frozenset()  # submission slugs that could not be parsed


def status_of(findings: list[Finding] | tuple[Finding, ...]) -> Status:
    """ok, warning or error: the worst severity among findings."""
    if any(f.severity == "error" for f in findings):
        return "error"
    return "warning" if findings else "ok"
