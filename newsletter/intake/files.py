"""The files of an issue folder: names compared in NFC, leftovers ignored, and a named file
resolved strictly inside its folder (no absolute path, no `..`, no symlink out; a case slip is
found and reported). Used for submissions (submission.py) and issue.toml (reader.py).
"""

from __future__ import annotations

import difflib
import os
import stat
import unicodedata
from pathlib import Path

from newsletter.core.models import (
    FileRef,
    Finding,
)

# Files that operating systems and sync tools leave behind: never content, never reported.
SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "icon\r", ".directory"})


def nfc(name: str) -> str:
    """File names compare in NFC: macOS writes NFD, Windows and Linux mostly NFC."""
    return unicodedata.normalize("NFC", name)


def is_ignored(name: str) -> bool:
    """Hidden files, OS leftovers and Office lock files are not part of a submission."""
    low = name.lower()
    return name.startswith((".", "~$")) or low in SYSTEM_FILES


def suggestion(key: str, known: list[str] | tuple[str, ...]) -> dict[str, str]:
    """{'suggestion': closest known key} for a typo, else {}."""
    close = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6)
    return {"suggestion": close[0]} if close else {}


def visible_files(folder: Path) -> dict[str, Path]:
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


def resolve_file(
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
    files = files if files is not None else visible_files(folder)
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
