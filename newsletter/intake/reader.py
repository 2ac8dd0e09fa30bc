"""Read an issue folder into an Issue: parsing and safe file resolution, no judging.

Problems that stop something from being read (malformed YAML, a missing file, a path leaving
the folder, an encoding guess) become Findings here; whether what was read is *acceptable*
is for rules.py. Nothing under the issue folder is ever written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import stat
import tomllib
import unicodedata
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.models import (
    Attachment,
    Contact,
    Editorial,
    Event,
    FileRef,
    Finding,
    Intake,
    Issue,
    Photo,
    Submission,
)
from newsletter.intake import frontmatter, placeholders, textfiles
from newsletter.texts.messages import explain_validation
from newsletter.texts.syntax import explain_toml, loads_toml

EDITOR_FOLDERS = frozenset({"editorial", "attachments"})
# Files that operating systems and sync tools leave behind: never content, never reported.
SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "icon\r", ".directory"})
SUBMISSION_FILE = "submission.md"
TEXT_FILES = ("text.docx", "text.txt")


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


def nfc(name: str) -> str:
    """File names compare in NFC: macOS writes NFD, Windows and Linux mostly NFC."""
    return unicodedata.normalize("NFC", name)


def is_ignored(name: str) -> bool:
    """Hidden files, OS leftovers and Office lock files are not part of a submission."""
    low = name.lower()
    return name.startswith((".", "~$")) or low in SYSTEM_FILES


def resolve_issue(arg: str, settings: Settings) -> Path:
    """The issue folder: a name under submissions/ or a path; NewsletterError if absent."""
    candidates = [Path(arg)] if os.sep in arg or arg.startswith(".") else []
    candidates += [settings.path(settings.submissions_dir) / arg, Path(arg)]
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    raise NewsletterError("ISSUE_NOT_FOUND", Path(arg), {"path": arg})


def suggestion(key: str, known: list[str] | tuple[str, ...]) -> dict[str, str]:
    """{'suggestion': closest known key} for a typo, else {}."""
    close = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6)
    return {"suggestion": close[0]} if close else {}


def read_issue(folder: Path, settings: Settings) -> Intake:
    """Read the whole issue folder: issue.toml, editorial, attachments, submissions."""
    findings: list[Finding] = []
    tz = ZoneInfo(settings.timezone)
    meta = _read_issue_toml(folder, findings)
    editorials = _read_editorials(folder, findings)
    attachments = tuple(
        Attachment(file=_resolve(folder, a.file, findings, None, allow_subdirs=True), title=a.title)
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
            sub = _read_submission(sub_folder, name, received.get(name), tz, settings, findings)
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


def _visible_files(folder: Path) -> dict[str, Path]:
    """NFC name -> path of every file a contributor put into the folder (recursively)."""
    out: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = [d for d in dirnames if not is_ignored(d)]
        for f in filenames:
            if is_ignored(f):
                continue
            p = Path(dirpath) / f
            try:
                mode = p.lstat().st_mode
            except OSError:
                continue
            if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
                continue  # a pipe or device file is no upload, and reading one could hang
            out[nfc(p.relative_to(folder).as_posix())] = p
    return out


def _resolve(
    folder: Path,
    name: str,
    findings: list[Finding],
    slug: str | None,
    *,
    allow_subdirs: bool = False,
    files: dict[str, Path] | None = None,
) -> FileRef:
    """A file named in submission.md or issue.toml, resolved strictly inside `folder`."""

    def problem(code: str, **params: str) -> FileRef:
        findings.append(
            Finding(
                code=code,
                submission=slug,
                file=name,
                params={"name": name, **params},
            )
        )
        return FileRef(name=name, path=None)

    clean = nfc(name.strip())
    rel = Path(clean)
    if (
        rel.is_absolute()
        or ".." in rel.parts
        or "\\" in clean
        or (not allow_subdirs and len(rel.parts) != 1)
    ):
        return problem("PATH_OUTSIDE")
    files = files if files is not None else _visible_files(folder)
    path = files.get(rel.as_posix())
    if path is None:
        matches = [k for k in files if k.casefold() == rel.as_posix().casefold()]
        if len(matches) != 1:
            code = "ATTACHMENT_MISSING" if slug is None else "FILE_MISSING"
            findings.append(
                Finding(
                    code=code,
                    submission=slug,
                    file=name,
                    params={"name": name, "file": name},
                )
            )
            return FileRef(name=name, path=None)
        findings.append(
            Finding(
                code="FILE_NAME_CASE",
                submission=slug,
                file=matches[0],
                params={"name": name, "actual": matches[0]},
            )
        )
        path = files[matches[0]]
    if path.is_symlink():
        return problem("PATH_SYMLINK")
    try:
        if not path.resolve().is_relative_to(folder.resolve()):
            return problem("PATH_OUTSIDE")
    except OSError:
        return problem("PATH_OUTSIDE")
    return FileRef(name=nfc(path.relative_to(folder).as_posix()), path=path)


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _read_submission(
    folder: Path,
    slug: str,
    received: dt.datetime | None,
    tz: ZoneInfo,
    settings: Settings,
    findings: list[Finding],
) -> Submission | None:
    """One submission folder; None (with findings) if submission.md cannot be read."""

    def add(code: str, file: str | None = SUBMISSION_FILE, **params: Any) -> None:
        findings.append(
            Finding(
                code=code,
                submission=slug,
                file=file,
                params=params,
            )
        )

    files = _visible_files(folder)
    if not files:
        add("FOLDER_EMPTY", file=None)
        return None
    md_name = next((k for k in files if k.casefold() == SUBMISSION_FILE), None)
    if md_name is None:
        misnamed = _misnamed_submission(files)
        if misnamed:
            add("SUBMISSION_MISNAMED", file=misnamed, actual=misnamed)
        else:
            add("SUBMISSION_MISSING", file=None)
        return None
    if md_name != SUBMISSION_FILE:  # Submission.MD: used, but say how to name it
        add("SUBMISSION_NAME_CASE", file=md_name, actual=md_name)
    md_path = files[md_name]
    if md_path.is_symlink():
        add("PATH_SYMLINK", name=md_name)
        return None
    size = md_path.stat().st_size
    if size > settings.rules.max_text_bytes:
        add("FILE_TOO_LARGE", size_bytes=size, limit_bytes=settings.rules.max_text_bytes)
        return None
    raw, guessed = textfiles.decode(md_path.read_bytes())
    if guessed:
        add("TEXT_ENCODING")
    front, body, _ = frontmatter.split(raw)
    if front is None:
        add("FRONT_MATTER_MISSING")
        return None
    try:
        data = frontmatter.parse(front)
    except frontmatter.FrontMatterError as exc:
        add(exc.code, line=exc.line, detail=exc.detail, detail_en=exc.detail_en)
        return None

    named: set[str] = {md_name}
    text, text_file = body.strip(), md_name
    alternatives = [k for k in files if k.casefold() in TEXT_FILES]
    if alternatives:
        alt = sorted(alternatives, key=lambda k: TEXT_FILES.index(k.casefold()))[0]
        named.add(alt)
        if text and not placeholders.samples(settings).only_template(text):
            add("TEXT_TWO_SOURCES", other=alt)
        else:  # nothing, or only the template's example text, in submission.md
            text, text_file = _read_text_file(files[alt], alt, slug, settings, findings), alt

    def ref(value: Any, *, quiet: bool = False) -> FileRef | None:
        if not isinstance(value, str) or not value.strip():
            return None
        # a photo without a release is left out: whether its file is there does not matter
        r = _resolve(folder, value, [] if quiet else findings, slug, files=files)
        if r.path is not None:
            named.add(r.name)
        elif nfc(value.strip()) in files:  # named but refused (a link): not "unlisted" too
            named.add(nfc(value.strip()))
        return r

    contact_raw = data.get("contact")
    contact = (
        Contact(**{k: _str(contact_raw.get(k)) for k in ("name", "email", "phone", "website")})
        if isinstance(contact_raw, dict)
        else Contact()
    )
    photos_raw = data.get("photos")
    photos: list[Photo] = []
    if isinstance(photos_raw, list):
        for i, entry in enumerate(photos_raw, start=1):
            e = entry if isinstance(entry, dict) else {"file": entry}
            photos.append(
                Photo(
                    index=i,
                    file=ref(e.get("file"), quiet=e.get("consent") is not True),
                    caption=_str(e.get("caption")),
                    alt=_str(e.get("alt")),
                    credit=_str(e.get("credit")),
                    consent=e.get("consent"),
                )
            )
    logo = ref(data.get("logo"))
    for name in sorted(set(files) - named):
        add("FILE_UNLISTED", file=name)
    _suggest_unlisted(findings, slug, sorted(set(files) - named))
    received_from: Literal["issue.toml", "files"] = "issue.toml"
    if received is None:  # receipts.py replaces this with the time recorded at first sight
        newest = max(p.lstat().st_mtime for p in files.values())
        received, received_from = dt.datetime.fromtimestamp(newest, tz), "files"
    return Submission(
        slug=slug,
        folder=folder,
        front_matter=data,
        organisation=_str(data.get("organisation")),
        goal=_str(data.get("goal")),
        location=_str(data.get("location")),
        contact=contact,
        logo=logo,
        language=_str(data.get("language")) or "de",
        photos=tuple(photos),
        text=text,
        text_file=text_file,
        files=tuple(sorted(files)),
        received=received,
        received_from=received_from,
    )


def _misnamed_submission(files: dict[str, Path]) -> str | None:
    """A file that is meant to be submission.md: submission.md.txt (Windows hides the .txt),
    submission.txt, "submission (1).md", ..."""
    for name in sorted(files):
        low = name.casefold()
        if "/" not in name and low.startswith("submission") and not low.endswith(".docx"):
            return name
    return None


IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".webp", ".svg", ".heic", ".heif", ".tif", ".tiff", ".gif"}
)


def _suggest_unlisted(findings: list[Finding], slug: str, unlisted: list[str]) -> None:
    """Give FILE_MISSING a "did you mean" when an unused file in the folder is the likely one
    (logo.png named, "Logo Frauentreff.png" there)."""
    for i, f in enumerate(findings):
        if f.code != "FILE_MISSING" or f.submission != slug or "suggestion" in f.params:
            continue
        wanted = Path(str(f.params.get("name", "")))
        if wanted.suffix.casefold() in IMAGE_SUFFIXES:
            pool = [u for u in unlisted if Path(u).suffix.casefold() in IMAGE_SUFFIXES]
        else:
            pool = [u for u in unlisted if Path(u).suffix.casefold() == wanted.suffix.casefold()]
        stem = wanted.stem.casefold()
        containing = [u for u in pool if stem and stem in u.casefold()]
        if len(containing) == 1:
            best: str | None = containing[0]
        elif len(pool) == 1:
            best = pool[0]
        else:
            close = difflib.get_close_matches(wanted.name.casefold(), [u.casefold() for u in pool])
            best = next((u for u in pool if close and u.casefold() == close[0]), None)
        if best is not None:
            findings[i] = f.model_copy(update={"params": {**f.params, "suggestion": best}})


def _read_text_file(
    path: Path, name: str, slug: str, settings: Settings, findings: list[Finding]
) -> str:
    if path.is_symlink():  # never read a file from outside the folder into the text
        findings.append(
            Finding(
                code="PATH_SYMLINK",
                submission=slug,
                file=name,
                params={"name": name},
            )
        )
        return ""
    size = path.stat().st_size
    if size > settings.rules.max_text_bytes:
        findings.append(
            Finding(
                code="FILE_TOO_LARGE",
                submission=slug,
                file=name,
                params={"size_bytes": size, "limit_bytes": settings.rules.max_text_bytes},
            )
        )
        return ""
    if name.casefold().endswith(".docx"):
        try:
            return textfiles.docx_to_markdown(path)
        except textfiles.DocxError as exc:
            findings.append(
                Finding(
                    code="DOCX_UNREADABLE",
                    submission=slug,
                    file=name,
                    params={"detail": str(exc)},
                )
            )
            return ""
    text, guessed = textfiles.decode(path.read_bytes())
    if guessed:
        findings.append(Finding(code="TEXT_ENCODING", submission=slug, file=name))
    return text.strip()
