"""What the upload page does on disk: drafts, the check, and the one-step swap into place.

Everything sent lands first in the project's private state (`state_dir/upload/`), never under
`submissions/`:

    drafts/LINK/ID/       the files of one sent form (logo, photo-1..3; raw bytes, meta.json)
    work/RANDOM/ISSUE/    a whole issue folder for one check: issue.toml + SLUG/ as `check` reads it
    previous/ISSUE/SLUG/STAMP/   the version an "Absenden" replaced

Each POST makes a new draft (files kept from the last one are hard links), so two tabs never
write into the same folder. "Prüfen" and "Absenden" both build `work/…/ISSUE/SLUG/` the way the
folder will look — submission.md written from the form, files under the pipeline's own names —
and run intake and rules on it (the same code as `check`). "Absenden" then renames that folder
into `submissions/ISSUE/SLUG` in one step (renameat2 RENAME_EXCHANGE where Linux has it), moves
the replaced version to `previous/`, and records the receipt as `check` does (receipts.py).
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from newsletter.check.receipts import apply_receipts
from newsletter.check.rules import check_issue
from newsletter.core.config import Settings
from newsletter.core.filenames import ascii_slug
from newsletter.core.files import atomic_binary, exchange, fsync_dir, write_atomic
from newsletter.core.models import Finding
from newsletter.intake.probe import ProbeError, probe
from newsletter.intake.reader import read_issue
from newsletter.store.upload_links import state_dir

log = logging.getLogger(__name__)

SLOTS = ("logo", "photo-1", "photo-2", "photo-3")
DRAFT_ID = re.compile(r"^[0-9a-f]{20}$")
DRAFT_HOURS = 24.0  # a draft older than this is removed (the page then asks for files again)
DRAFTS_PER_LINK = 20
_EXT = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic", "TIFF": ".tif"}
_EXT["SVG"] = ".svg"


@dataclass
class PhotoFields:
    """One photo slot of the form."""

    caption: str = ""
    alt: str = ""
    credit: str = ""
    consent: bool = False


@dataclass
class FormData:
    """The form's fields (files are in the draft)."""

    organisation: str = ""
    goal: str = ""
    location: str = ""
    contact: dict[str, str] = field(default_factory=dict)
    language: str = "de"
    text: str = ""
    photos: list[PhotoFields] = field(default_factory=lambda: [PhotoFields() for _ in range(3)])


@dataclass(frozen=True)
class Draft:
    """One sent form's files: slot -> (path, shown name, size in bytes)."""

    id: str
    folder: Path
    files: dict[str, tuple[Path, str, int]]


def upload_root(settings: Settings) -> Path:
    root = state_dir(settings) / "upload"
    root.mkdir(exist_ok=True, mode=0o700)
    return root


def _link_dir(settings: Settings, link_hash: str) -> Path:
    return upload_root(settings) / "drafts" / link_hash[:32]


def new_draft(settings: Settings, link_hash: str) -> Path:
    """An empty draft folder of this link (old drafts of the link are pruned)."""
    base = _link_dir(settings, link_hash)
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    olds = sorted(base.iterdir(), key=lambda p: p.stat().st_mtime)
    cutoff = time.time() - DRAFT_HOURS * 3600
    for i, old in enumerate(olds):
        if old.stat().st_mtime < cutoff or i < len(olds) - DRAFTS_PER_LINK:
            shutil.rmtree(old, ignore_errors=True)
    folder = base / secrets.token_hex(10)
    folder.mkdir(mode=0o700)
    return folder


def open_draft(settings: Settings, link_hash: str, draft_id: str) -> Draft | None:
    """A draft of this link (never another link's), or None."""
    if not DRAFT_ID.match(draft_id):
        return None
    folder = _link_dir(settings, link_hash) / draft_id
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = {}
    for slot, shown in meta.items():
        path = folder / slot
        if slot in SLOTS and path.is_file():
            files[slot] = (path, str(shown), path.stat().st_size)
    return Draft(draft_id, folder, files)


def put_file(folder: Path, slot: str, shown: str, source: Path | None, data: Any = None) -> None:
    """Add a file to a draft being made: a hard link to `source`, or `data` (a stream) copied."""
    target = folder / slot
    if source is not None:
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    elif _incoming(data):  # spooled into the state already (incoming_file): just move it
        data.flush()
        os.rename(data.name, target)
    else:
        with atomic_binary(target) as out:
            shutil.copyfileobj(data, out, 1 << 20)
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    meta[slot] = shown
    write_atomic(meta_path, json.dumps(meta))


def incoming_file(settings: Settings) -> IO[bytes]:
    """A file for one uploaded part, in the state (Werkzeug writes the upload into it); the
    ones no draft takes are removed with the request (`drop_incoming`) or within the hour."""
    folder = upload_root(settings) / "incoming"
    folder.mkdir(exist_ok=True, mode=0o700)
    return tempfile.NamedTemporaryFile(dir=folder, prefix="part-", delete=False)


def _incoming(data: Any) -> bool:
    name = getattr(data, "name", None)
    return isinstance(name, str) and Path(name).parent.name == "incoming" and Path(name).exists()


def drop_incoming(settings: Settings, streams: list[Any]) -> None:
    """Remove what this request spooled and no draft took, and strays older than an hour."""
    for s in streams:
        if _incoming(s):
            s.close()
            Path(s.name).unlink(missing_ok=True)
    folder = upload_root(settings) / "incoming"
    cutoff = time.time() - 3600
    for p in folder.glob("part-*") if folder.is_dir() else []:
        if p.stat().st_mtime < cutoff:
            p.unlink(missing_ok=True)


def finish_draft(folder: Path) -> Draft:
    """The draft just made."""
    if not (folder / "meta.json").exists():
        (folder / "meta.json").write_text("{}", encoding="utf-8")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    files = {s: (folder / s, str(n), (folder / s).stat().st_size) for s, n in meta.items()}
    return Draft(folder.name, folder, files)


def file_name(slot: str, path: Path) -> str:
    """The pipeline's name for a slot's file: `logo.png`, `foto-2.jpg` (by content, not by the
    name the browser sent; `.bin` when it is no image, which the check then says)."""
    try:
        ext = _EXT.get(probe(path).format, ".bin")
    except (ProbeError, OSError):
        ext = ".bin"
    stem = "logo" if slot == "logo" else ascii_slug(slot.replace("photo", "foto"))
    return stem + ext


# --- the folder as it will be, and its check --------------------------------------------------


def submission_text(form: FormData, logo: str | None, photos: list[str | None]) -> str:
    """submission.md for the form: YAML front matter (only what was filled in) + the text."""
    front: dict[str, Any] = {"organisation": form.organisation}
    for key in ("goal", "location"):
        if getattr(form, key):
            front[key] = getattr(form, key)
    contact = {k: v for k, v in form.contact.items() if v}
    if contact:
        front["contact"] = contact
    if logo:
        front["logo"] = logo
    front["language"] = form.language or "de"
    entries = []
    for name, p in zip(photos, form.photos, strict=True):
        if name is None:
            continue
        entry: dict[str, Any] = {"file": name}
        for key in ("caption", "alt", "credit"):
            if getattr(p, key):
                entry[key] = getattr(p, key)
        entry["consent"] = p.consent
        entries.append(entry)
    if entries:
        front["photos"] = entries
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{dumped}---\n{form.text.strip()}\n"


@dataclass(frozen=True)
class Checked:
    """A folder built for one check, and what the rules said about it."""

    work: Path  # work/RANDOM (removed by `discard` or moved by `publish`)
    folder: Path  # work/RANDOM/ISSUE/SLUG
    findings: list[Finding]
    names: dict[str, str]  # slot -> file name in the folder (also for photos left out)


def build_and_check(
    settings: Settings, issue_folder: Path, slug: str, form: FormData, draft: Draft
) -> Checked:
    """Write the folder as it would be submitted into the state, and run `check`'s rules on it."""
    work = upload_root(settings) / "work" / secrets.token_hex(8)
    issue_copy = work / issue_folder.name
    folder = issue_copy / slug
    folder.mkdir(parents=True, mode=0o700)
    toml = issue_folder / "issue.toml"
    if toml.is_file():
        shutil.copyfile(toml, issue_copy / "issue.toml")
    names: dict[str, str] = {}
    for slot, (path, _, _) in draft.files.items():
        names[slot] = file_name(slot, path)
    photos: list[str | None] = []
    for i, p in enumerate(form.photos, start=1):
        slot = f"photo-{i}"
        photos.append(names.get(slot))
        # a photo without a ticked release is kept out: named (the check says so), not written
        if slot in names and p.consent:
            os.link(draft.files[slot][0], folder / names[slot])
    if "logo" in names:
        os.link(draft.files["logo"][0], folder / names["logo"])
    text = submission_text(form, names.get("logo"), photos)
    (folder / "submission.md").write_text(text, encoding="utf-8")
    intake = read_issue(issue_copy, settings)
    findings = [
        f
        for f in check_issue(intake, settings)
        if f.submission == slug and f.code != "RECEIVED_UNKNOWN_SLUG"
    ]
    return Checked(work, folder, findings, names)


def discard(checked: Checked) -> None:
    shutil.rmtree(checked.work, ignore_errors=True)


# --- the swap ---------------------------------------------------------------------------------


@contextmanager
def _locked(settings: Settings, issue: str, slug: str) -> Iterator[None]:
    """One swap of one organisation's folder at a time, across threads and processes."""
    locks = upload_root(settings) / "locks"
    locks.mkdir(exist_ok=True, mode=0o700)
    with (locks / f"{ascii_slug(issue)}--{ascii_slug(slug)}.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_tree(folder: Path) -> None:
    for p in folder.iterdir():
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fsync_dir(folder)


def publish(settings: Settings, checked: Checked, issue_folder: Path, slug: str) -> Path | None:
    """Put the checked folder at submissions/ISSUE/SLUG in one step; the version it replaces
    goes to previous/ (returned). Then the receipt is recorded as `check` records it."""
    target = issue_folder / slug
    staging = checked.folder
    _fsync_tree(staging)
    if staging.stat().st_dev != issue_folder.stat().st_dev:  # another file system: copy
        hidden = issue_folder / f".einreichen-{secrets.token_hex(6)}"  # intake skips dot-names
        shutil.copytree(staging, hidden)
        _fsync_tree(hidden)
        staging = hidden
    previous: Path | None = None
    with _locked(settings, issue_folder.name, slug):
        if target.is_symlink():
            raise OSError(errno.ELOOP, "symlink", str(target))
        if target.exists():
            if not exchange(staging, target):
                aside = issue_folder / f".einreichen-alt-{secrets.token_hex(6)}"
                target.rename(aside)
                staging.rename(target)
                staging = aside
            stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{secrets.token_hex(3)}"
            previous = upload_root(settings) / "previous" / issue_folder.name / slug / stamp
            previous.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.move(staging, previous)  # `staging` now holds the replaced version
        else:
            staging.rename(target)
        fsync_dir(issue_folder)
    discard(checked)
    intake = read_issue(issue_folder, settings)
    only = [s for s in intake.issue.submissions if s.slug == slug]
    apply_receipts(
        intake.model_copy(update={"issue": intake.issue.model_copy(update={"submissions": only})}),
        settings,
    )
    log.info("upload: %s/%s written (previous version: %s)", issue_folder.name, slug, previous)
    return previous
