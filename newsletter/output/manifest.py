"""The manifest of a build: what `build_issue` made, typed, and its JSON file (manifest.json).

The file's format is what send, publish and the preview read from outbox/ISSUE/manifest.json;
`Manifest.json_bytes()` writes exactly that format and `read_manifest` reads it back (a
manifest written by an older version lacks `personal`, `frames`, `inputs`, `placed` and
`withdrawn`: they default to empty, `inputs` to None, which the send guard treats as outdated).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from newsletter.check.stage import CheckReport
from newsletter.core.config import Settings
from newsletter.core.models import Finding, Frozen, Severity
from newsletter.output.content import Placed

if TYPE_CHECKING:
    from newsletter.images.renditions import Kind, RenditionSet

MANIFEST = "manifest.json"
# Photos without a release: left out of every output, the rest of the submission goes in.
CONSENT_CODES = frozenset({"CONSENT_MISSING", "CONSENT_FALSE", "CONSENT_NOT_BOOL"})


class FileRecord(Frozen):
    """One file of the build: its path in the outbox, size and SHA-256."""

    path: str
    bytes: int
    sha256: str


class PhotoLeftOut(Frozen):
    """A photo left out for want of a release."""

    submission: str | None
    file: str | None
    code: str


class EmailRecord(Frozen):
    """The German email's HTML size, as written and as sent, against the limit."""

    html_bytes: int
    html_bytes_sent: int
    limit_bytes: int
    shortened: bool


class FindingRecord(Frozen):
    """A finding as the manifest records it: with its message in the editor's language."""

    severity: Severity
    code: str
    submission: str | None
    file: str | None
    message: str


class RenditionRecord(Frozen):
    """One rendition as the manifest records it (images.renditions.Rendition without the cache
    path, which is not part of the output)."""

    submission: str
    source: str
    role: Literal["photo", "logo"]
    kind: Literal["email", "print"]
    format: Literal["jpeg", "png"]
    width: int
    height: int
    bytes: int
    sha256: str
    quality: int | None
    score: float | None
    source_width: int
    source_height: int
    source_bytes: int


class BudgetRecord(Frozen):
    """What the email size budget did (images.renditions.BudgetReport, as recorded)."""

    budget_bytes: int
    target: float
    floor: float
    final_target: float
    bytes_at_target: int
    total_bytes: int
    tried: tuple[tuple[float, int], ...] = ()


class ImagesRecord(Frozen):
    """The image pipeline's result (images.renditions.RenditionSet, as recorded)."""

    renditions: tuple[RenditionRecord, ...]
    findings: tuple[Finding, ...]
    budget: BudgetRecord
    made: int = 0
    cached: int = 0


class PersonalPlaces(Frozen):
    """Where a frame file carries the general unsubscribe link that compose makes personal."""

    link: str
    at: tuple[int, ...]


class FrameFiles(Frozen):
    """The HTML and text file of the email in one frame language."""

    html: str
    text: str


class PlacedRecord(Frozen):
    """Where a picture went in the outbox (publish builds the directory pages from it)."""

    submission: str
    source: str
    kind: Literal["email", "print"]
    href: str
    width: int
    height: int
    bytes: int = 0
    plate: bool = False


class Manifest(Frozen):
    """Everything a build recorded about itself; the field order is the file's key order."""

    issue: str
    submissions: tuple[str, ...]
    left_out: tuple[str, ...]
    photos_left_out: tuple[PhotoLeftOut, ...]
    editorials: tuple[str, ...]
    email: EmailRecord
    files: tuple[FileRecord, ...]
    findings: tuple[FindingRecord, ...]
    images: ImagesRecord
    personal: Mapping[str, PersonalPlaces] = {}
    frames: Mapping[str, FrameFiles] = {}
    inputs: Mapping[str, Any] | None = None  # send.guard.issue_inputs, hashed before reading
    placed: tuple[PlacedRecord, ...] = ()
    withdrawn: tuple[tuple[str, str], ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The manifest as manifest.json holds it (what the readers of the file get)."""
        return self.model_dump(mode="json")

    def json_bytes(self) -> bytes:
        """The contents of manifest.json."""
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2).encode()


def read_manifest(outbox: Path) -> Manifest:
    """outbox/ISSUE/manifest.json, typed (OSError or pydantic.ValidationError if unreadable)."""
    return Manifest.model_validate_json((outbox / MANIFEST).read_bytes())


def build_manifest(
    folder: Path,
    report: CheckReport,
    findings: list[Finding],
    left_out: tuple[str, ...],
    renditions: RenditionSet,
    email: EmailRecord,
    settings: Settings,
    *,
    personal: Mapping[str, PersonalPlaces],
    frames: Mapping[str, FrameFiles],
    inputs: Mapping[str, Any],
    placed: Mapping[tuple[str, str, Kind], Placed],
    withdrawn: frozenset[tuple[str, str]],
) -> Manifest:
    """The manifest of the build in `folder` (every file there is listed with its hash)."""
    files = []
    for p in sorted(q for q in folder.rglob("*") if q.is_file()):
        data = p.read_bytes()
        files.append(
            FileRecord(
                path=p.relative_to(folder).as_posix(),
                bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
    issue = report.intake.issue
    # the cache path is not part of the output
    images = renditions.model_dump(mode="json", exclude={"renditions": {"__all__": {"path"}}})
    return Manifest(
        issue=issue.slug,
        submissions=tuple(s.slug for s in issue.submissions if s.slug not in left_out),
        left_out=left_out,
        photos_left_out=tuple(
            PhotoLeftOut(submission=f.submission, file=f.params.get("name"), code=f.code)
            for f in findings
            if f.code in CONSENT_CODES and f.submission not in left_out
        ),
        editorials=tuple(e.name for e in issue.editorials),
        email=email,
        files=tuple(files),
        findings=tuple(
            FindingRecord(
                severity=f.severity,
                code=f.code,
                submission=f.submission,
                file=f.file,
                message=f.message(settings.lang),
            )
            for f in findings
        ),
        images=ImagesRecord.model_validate(images),
        personal=personal,
        frames=frames,
        inputs=inputs,
        # where each picture went: publish builds the directory pages from it
        placed=tuple(
            PlacedRecord(submission=k[0], source=k[1], kind=k[2], **v.__dict__)
            for k, v in placed.items()
        ),
        withdrawn=tuple(sorted(withdrawn)),
    )
