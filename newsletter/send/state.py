"""A send run belongs to one build: its id, and a private copy of what its messages are made of.

The build id is the SHA-256 of the manifest's file list (every output file with its own hash),
so two builds of the same inputs have the same id and any change to what readers get gives a
new one. When an issue's first real send starts, the message inputs of the build (manifest,
email.html, email.txt and their other frame languages, the email images, the PDF) are copied into
private state beside the subscriber store, `send-state/ISSUE/BUILD/` (0700), and every run of
that issue sends from that copy. A rebuild therefore cannot change what the remaining readers
get; resuming with another build in outbox/ISSUE/ is refused until the editor picks one of the
two ways on (`--original-build`, `--new-build`). The copy is removed once nobody is pending or
unknown any more.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from newsletter.core.errors import NewsletterError
from newsletter.send import journal

log = logging.getLogger(__name__)

Choice = Literal["original", "new"] | None
_SRC = re.compile(r'<img\b[^>]*?\bsrc="([^"]+)"')


def build_id(outbox: Path) -> str:
    """The id of the build in `outbox` (NOT_BUILT if there is none)."""
    try:
        manifest = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        raise NewsletterError("NOT_BUILT", outbox, {"path": str(outbox)}) from None
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def state_root(db_path: Path) -> Path:
    """Where send runs keep their builds: beside the subscriber store, never in the outbox."""
    return db_path.parent / "send-state"


def _place(src: Path, dest: Path) -> None:
    # a copy, not a hard link: a file edited in place in outbox/ must not change the kept one
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def snapshot(outbox: Path, root: Path, issue: str, build: str) -> Path:
    """Copy the message inputs of the build in `outbox` to private state; return the folder."""
    dest = root / issue / build[:24]
    if (dest / "manifest.json").is_file():
        return dest
    tmp = root / issue / f".{build[:24]}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for folder in (root, root / issue, tmp):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
    names = ["email.html", "email.txt", "newsletter.pdf"]
    html = (outbox / "email.html").read_text(encoding="utf-8")
    names += [unquote(src) for src in _SRC.findall(html) if ":" not in src]
    # the email in the other frame languages (build.frame_files): the same pictures
    manifest = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))
    frames = manifest.get("frames") if isinstance(manifest, dict) else None
    if isinstance(frames, dict):
        names += [
            str(name)
            for files in frames.values()
            if isinstance(files, dict)
            for name in files.values()
            if re.fullmatch(r"email\.[a-z]{2,3}\.(html|txt)", str(name))
        ]
    for name in names:
        src = (outbox / name).resolve()
        if src.is_relative_to(outbox.resolve()) and src.is_file():
            _place(src, tmp / name)
    shutil.copyfile(outbox / "manifest.json", tmp / "manifest.json")  # written last: complete
    tmp.rename(dest)
    return dest


def prepare_run(
    db: sqlite3.Connection,
    db_path: Path,
    outbox: Path,
    issue: str,
    choice: Choice,
    *,
    adding: bool = False,
) -> tuple[Path, str, bool]:
    """The folder this run sends from, its build id, and whether this is the issue's first run.

    NewsletterError SEND_BUILD_CHANGED when outbox/ISSUE/ holds another build than the run
    started with and the editor has not chosen which one to send. A complete run with
    nobody to add has nothing to send, whatever the build: no question is asked then.
    """
    current = build_id(outbox)
    run = journal.get_run(db, issue)
    root = state_root(db_path)
    if run is None:
        folder = snapshot(outbox, root, issue, current)
        journal.save_run(db, issue, current, str(folder))
        return folder, current, True
    kept = Path(run.snapshot)
    if run.build_id == current:
        if not (kept / "manifest.json").is_file():
            kept = snapshot(outbox, root, issue, current)
            journal.save_run(db, issue, current, str(kept))
        return kept, current, False
    if run.finished_at is not None and choice is None and not adding:
        return outbox, current, False  # nobody is open: nothing will be sent
    if choice == "original":
        if not (kept / "manifest.json").is_file():
            raise NewsletterError("SEND_ORIGINAL_GONE", None, {"issue": issue})
        return kept, run.build_id, False
    if choice == "new":
        folder = snapshot(outbox, root, issue, current)
        journal.save_run(db, issue, current, str(folder))
        log.info("send run of %s moved from build %s to %s", issue, run.build_id, current)
        if kept != folder:
            shutil.rmtree(kept, ignore_errors=True)
        return folder, current, False
    sent = journal.summary(db, issue).counts["sent"]
    raise NewsletterError(
        "SEND_BUILD_CHANGED",
        None,
        {
            "issue": issue,
            "started": run.started_at,
            "old": run.build_id[:12],
            "new": current[:12],
            "sent": sent,
        },
    )


def release(db: sqlite3.Connection, issue: str) -> None:
    """Remove the kept build once the run is complete (nobody pending, sending or unknown)."""
    run = journal.get_run(db, issue)
    if run is not None and journal.finish_run(db, issue):
        shutil.rmtree(run.snapshot, ignore_errors=True)
