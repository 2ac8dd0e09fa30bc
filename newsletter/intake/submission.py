"""One submission folder into a `Submission`: submission.md's front matter and body, the text
file (text.docx or text.txt) when there is one, its photos and logo resolved inside the folder,
and the hints for a misnamed submission.md or a file named differently than it is listed.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from newsletter.core.config import Settings
from newsletter.core.models import (
    Contact,
    FileRef,
    Finding,
    Photo,
    Submission,
)
from newsletter.intake import frontmatter, placeholders, textfiles
from newsletter.intake.files import nfc, resolve_file, visible_files

SUBMISSION_FILE = "submission.md"
TEXT_FILES = ("text.docx", "text.txt")


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_submission(
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

    files = visible_files(folder)
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
        r = resolve_file(folder, value, [] if quiet else findings, slug, files=files)
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
