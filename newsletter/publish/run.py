"""`newsletter publish ISSUE… [--to TARGET] [--dry-run] [--unpublish]`: the network's website.

1. One publish at a time (a lock in `[publish] state_dir`).
2. Each named issue must be built and current (output.inputs.outdated, as `send` checks it); its
   allowlisted files (published.PUBLIC, URL-safe names, bytes as the build recorded them) and
   what the site needs to know are kept under state_dir/issues/ISSUE/. `--unpublish` removes
   the issue from there instead.
3. Every kept issue with a photo release withdrawn since (withdraw.py) is rebuilt from its
   sources without the photo: web version and PDF.
4. The whole site is assembled in a new local folder (site.py) and uploaded as a new release;
   the served link is switched in one rename (publish_target.py). A failed upload leaves the
   old site whole. Nothing changed since the last publish to the same target: nothing is done.
5. After the switch, one image of each issue is fetched from publisher.base_url: from then on
   `[sender] images = "auto"` sends that issue with its photos loaded from the site.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.files import write_atomic
from newsletter.core.net import is_reserved
from newsletter.core.resources import template_folders
from newsletter.intake.reader import resolve_issue
from newsletter.intake.withdrawals import read_withdrawals, withdrawn_pairs
from newsletter.output.inputs import outdated
from newsletter.publish import published, site
from newsletter.publish import target as tg

FORMAT = 1  # bump when the site's layout changes: the next publish rebuilds it


@dataclass
class PublishReport:
    """What a publish did."""

    target: str
    release: str | None = None
    unchanged: bool = False
    dry_run: bool = False
    issues: list[str] = field(default_factory=list)  # every issue on the site
    rebuilt: list[str] = field(default_factory=list)  # rebuilt without withdrawn photos
    files: int = 0
    bytes: int = 0
    hosted: list[str] = field(default_factory=list)  # issues whose images were reached
    seconds: float = 0.0
    site: Path | None = None  # the assembled folder (dry run: kept to look at)


def state_dir(settings: Settings) -> Path:
    """Where publish keeps what it has published (not a cache: keep it)."""
    path = settings.path(settings.publish.state_dir)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@contextlib.contextmanager
def publish_lock(state: Path) -> Iterator[None]:
    """PUBLISH_RUNNING while another publish holds the lock."""
    path = state / "publish.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NewsletterError("PUBLISH_RUNNING", path, {"path": str(path)}) from None
        yield
    finally:
        os.close(fd)


def _current_build(issue_arg: str, settings: Settings) -> tuple[Path, Path, dict[str, Any]]:
    folder = resolve_issue(issue_arg, settings)
    outbox = settings.path(settings.outbox_dir) / folder.name
    manifest = published.manifest_of(outbox)
    changes = outdated(manifest, folder, settings)
    if changes:
        shown = ", ".join(changes[:8]) + (f" (+{len(changes) - 8})" if len(changes) > 8 else "")
        raise NewsletterError("PUBLISH_OUTDATED", outbox, {"issue": folder.name, "changes": shown})
    return folder, outbox, manifest


def _keep(state: Path, folder: Path, outbox: Path, manifest: dict[str, Any], s: Settings) -> None:
    """Copy one built issue into the state (skipped when the kept copy is of this build)."""
    issue = folder.name
    files = published.public_files(outbox, manifest, issue)
    digest = hashlib.sha256(json.dumps(manifest.get("files"), sort_keys=True).encode()).hexdigest()
    meta_path = state / "issues" / issue / "meta.json"
    try:
        old = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    if old.get("manifest_sha256") == digest and old.get("source") == str(folder):
        return
    meta = published.issue_meta(folder, outbox, manifest, s)
    published.write_snapshot(state, outbox, files, meta)


def _apply_withdrawals(state: Path, settings: Settings) -> list[str]:
    """Rebuild every kept issue whose withdrawn photos differ from what it was built without."""
    from newsletter.output.build import build_issue

    withdrawals = read_withdrawals(settings.path(settings.subscribers.database))
    rebuilt = []
    for meta in published.read_metas(state):
        issue = meta["issue"]
        pairs = withdrawn_pairs(withdrawals, issue)
        if {tuple(p) for p in meta.get("withdrawn") or []} == set(pairs):
            continue
        folder = Path(meta.get("source") or "")
        root = state / "rebuild"
        try:
            result = build_issue(
                str(folder), settings, force=True, outbox_root=root, withdrawn=pairs
            )
        except NewsletterError as exc:
            raise NewsletterError(
                "PUBLISH_SOURCES_GONE",
                folder,
                {"issue": issue, "path": str(folder), "detail": exc.code},
            ) from None
        _keep(state, folder, result.outbox, result.manifest.as_json(), settings)
        shutil.rmtree(result.outbox, ignore_errors=True)
        rebuilt.append(issue)
    return rebuilt


def _fingerprint(metas: list[dict[str, Any]], settings: Settings, today: dt.date) -> str:
    """Everything the site is made of: a publish with the same fingerprint changes nothing."""
    h = hashlib.sha256(f"{FORMAT}|{today}".encode())
    h.update(json.dumps(metas, sort_keys=True).encode())
    for folder in reversed(template_folders(settings, "site")):
        if folder.is_dir():
            for p in sorted(folder.glob("*.j2")):
                h.update(p.name.encode() + p.read_bytes())
    dump = settings.model_dump(mode="json")
    for key in ("publisher", "publish"):
        h.update(json.dumps(dump[key], sort_keys=True).encode())
    h.update(settings.sender.from_name.encode())
    return h.hexdigest()


def _record(state: Path, name: str) -> dict[str, Any]:
    try:
        data = json.loads((state / name).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save(state: Path, name: str, data: dict[str, Any]) -> None:
    write_atomic(state / name, json.dumps(data, ensure_ascii=False, indent=1))


def images_digest(files: list[Any]) -> str:
    """A digest of an issue's published images (paths and hashes)."""
    pairs = sorted((str(f[0]), str(f[1])) for f in files if str(f[0]).startswith("images/"))
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()


def _check_hosted(state: Path, metas: list[dict[str, Any]], settings: Settings) -> list[str]:
    """Fetch one image of each issue from base_url; record the issues whose images are there."""
    base = settings.publisher.base_url.rstrip("/") + "/"
    hosted = _record(state, "hosted.json")
    reached: list[str] = []
    if is_reserved(urlsplit(base).hostname or ""):  # example.org: nothing to ask
        _save(state, "hosted.json", {})
        return reached
    for m in metas:
        images = [f for f in m.get("files") or [] if str(f[0]).startswith("images/")]
        hosted.pop(m["issue"], None)
        if not images:
            continue
        rel, digest = images[0]
        try:
            with urllib.request.urlopen(f"{base}{m['issue']}/{rel}", timeout=10) as resp:
                ok = hashlib.sha256(resp.read()).hexdigest() == digest
        except (OSError, ValueError):
            ok = False
        if ok:
            hosted[m["issue"]] = {"base_url": base, "images": images_digest(m["files"])}
            reached.append(m["issue"])
    _save(state, "hosted.json", hosted)
    return reached


def hosted_ready(settings: Settings, issue: str, manifest: dict[str, Any]) -> bool:
    """True when publish has put this build's images where base_url says and reached them."""
    entry = _record(settings.path(settings.publish.state_dir), "hosted.json").get(issue)
    if not isinstance(entry, dict):
        return False
    base = settings.publisher.base_url.rstrip("/") + "/"
    files = [(f.get("path"), f.get("sha256")) for f in manifest.get("files") or []]
    return bool(entry.get("base_url") == base and entry.get("images") == images_digest(files))


def publish(
    issues: list[str],
    settings: Settings,
    *,
    target: str | None = None,
    dry_run: bool = False,
    unpublish: bool = False,
    today: dt.date | None = None,
) -> PublishReport:
    """Publish (or take down) `issues` and upload the whole site to the target."""
    started = time.perf_counter()
    text = target if target is not None else settings.publish.target
    t = tg.parse_target(text, settings) if (text or not dry_run) else None
    report = PublishReport(target=t.text if t else "", dry_run=dry_run)
    today = today or dt.datetime.now(ZoneInfo(settings.timezone)).date()
    state = state_dir(settings)
    with publish_lock(state):
        builds = [] if unpublish else [_current_build(i, settings) for i in issues]
        if unpublish:
            for name in issues:
                kept = state / "issues" / Path(name).name
                if not (kept / "meta.json").is_file():
                    raise NewsletterError("PUBLISH_NOT_PUBLISHED", None, {"issue": name})
        if dry_run:  # the state stays as it is: work on a copy
            work = state / "dry-run"
            shutil.rmtree(work, ignore_errors=True)
            if (state / "issues").is_dir():
                shutil.copytree(state / "issues", work / "issues", symlinks=True)
            work_state = work
        else:
            work_state = state
        for name in issues if unpublish else []:
            shutil.rmtree(work_state / "issues" / Path(name).name)
        for folder, outbox, manifest in builds:
            _keep(work_state, folder, outbox, manifest, settings)
        report.rebuilt = _apply_withdrawals(work_state, settings)
        metas = published.read_metas(work_state)
        report.issues = [m["issue"] for m in metas]
        fingerprint = _fingerprint(metas, settings, today)
        deployed = _record(state, "deployed.json")
        previous = tg.current_release(t, settings) if t and not dry_run else None
        last = deployed.get(t.text) if t else None
        if (
            t
            and not dry_run
            and isinstance(last, dict)
            and last.get("fingerprint") == fingerprint
            and last.get("release") == previous
        ):
            report.unchanged, report.release = True, previous
            report.seconds = time.perf_counter() - started
            return report
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        release = f"{stamp}-{secrets.token_hex(3)}"
        staging = work_state / f"site-{release}"
        staging.mkdir(parents=True)
        try:
            site.assemble(work_state, metas, settings, staging, today)
            for p in staging.rglob("*"):
                if p.is_file():
                    report.files += 1
                    report.bytes += p.stat().st_size
            if dry_run:
                report.site = staging
                report.seconds = time.perf_counter() - started
                return report
            assert t is not None
            tg.upload(t, settings, staging, release, previous)
            tg.switch(t, settings, release)
            report.release = release
            keep = tg.list_releases(t, settings)[-settings.publish.keep_releases :]
            tg.prune(t, settings, keep)
            deployed[t.text] = {"fingerprint": fingerprint, "release": release}
            _save(state, "deployed.json", deployed)
        finally:
            if not dry_run:
                shutil.rmtree(staging, ignore_errors=True)
        report.hosted = _check_hosted(state, metas, settings)
    report.seconds = time.perf_counter() - started
    return report
