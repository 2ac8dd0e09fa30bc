"""One published issue as publish keeps it: an allowlisted copy of its build and what the site
needs to know about it (meta.json), under `[publish] state_dir`/issues/ISSUE/.

Only these files of a build are ever published (PUBLIC): the web version, the PDF, the email
renditions of the pictures, the attachments and the calendar files. Never manifest.json,
email.html/.txt, print renditions or anything else that may lie in outbox/ISSUE/, and never a
file whose bytes differ from what the build recorded. Every published name must be URL-safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.filenames import ascii_slug
from newsletter.intake.reader import read_issue
from newsletter.output.build import swap_into_place, without_photos
from newsletter.output.content import Placed, build_view

PUBLIC = re.compile(
    r"^(web/index\.html|newsletter\.pdf|images/.+\.(jpg|png|webp|svg)|anlagen/[^/]+"
    r"|termine/[^/]+\.ics)$"
)
URL_SAFE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def url_safe(rel: str) -> bool:
    """True when every segment of `rel` is lower-case ASCII letters, digits, . _ -."""
    return all(URL_SAFE.match(part) for part in rel.split("/"))


def manifest_of(outbox: Path) -> dict[str, Any]:
    """The build's manifest.json (NOT_BUILT if there is none)."""
    try:
        data = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NewsletterError("NOT_BUILT", outbox, {"path": str(outbox)}) from None
    if not isinstance(data, dict):
        raise NewsletterError("NOT_BUILT", outbox, {"path": str(outbox)})
    return data


def public_files(outbox: Path, manifest: dict[str, Any], issue: str) -> list[tuple[str, str]]:
    """(relative path, sha256) of the files to publish; refuses unsafe names and changed bytes."""
    if not url_safe(issue):
        raise NewsletterError("PUBLISH_NAME_UNSAFE", None, {"issue": issue, "name": issue})
    out = []
    for entry in manifest.get("files") or []:
        rel = str(entry.get("path", ""))
        if not PUBLIC.match(rel):
            continue
        if not url_safe(rel):
            raise NewsletterError("PUBLISH_NAME_UNSAFE", None, {"issue": issue, "name": rel})
        path = outbox / rel
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = ""
        if digest != entry.get("sha256"):
            raise NewsletterError("PUBLISH_OUTDATED", outbox, {"issue": issue, "changes": rel})
        out.append((rel, digest))
    return out


def _picture(p: Any) -> dict[str, Any] | None:
    if p is None or p.email is None:
        return None
    return {
        "href": p.email.href,
        "width": p.width,
        "height": p.height,
        "alt": p.alt,
        "caption": p.caption,
        "credit": p.credit,
    }


def issue_meta(
    folder: Path, outbox: Path, manifest: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """What the archive, the directory and the feeds need to know about one built issue."""
    intake = read_issue(folder, settings)
    withdrawn = frozenset((str(a), str(b)) for a, b in manifest.get("withdrawn") or [])
    issue = without_photos(intake.issue, withdrawn)
    placed = {
        (str(p["submission"]), str(p["source"]), p["kind"]): Placed(
            str(p["href"]), int(p["width"]), int(p["height"]), int(p.get("bytes", 0))
        )
        for p in manifest.get("placed") or []
    }
    if not placed and manifest.get("images", {}).get("renditions"):
        # built by a version that did not record where pictures went: build again
        raise NewsletterError(
            "PUBLISH_OUTDATED", outbox, {"issue": issue.slug, "changes": "manifest.json (placed)"}
        )
    include = frozenset(manifest.get("submissions") or [s.slug for s in issue.submissions])
    view = build_view(issue, settings, placed, include=include)
    orgs = []
    for s in view.submissions:
        orgs.append(
            {
                "slug": s.slug,
                "page": ascii_slug(s.slug, "organisation"),
                "anchor": s.anchor,
                "name": s.organisation,
                "goal": s.goal,
                "location": s.location,
                "location_href": s.location_href,
                "contacts": [[c.label, c.href] for c in s.contacts],
                "contact_name": s.contact_name,
                "language": s.language,
                "dir": s.dir,
                "html": s.html,
                "text": s.text_md,
                "logo": _picture(s.logo),
                "photos": [x for x in (_picture(p) for p in s.photos) if x],
            }
        )
    events = [
        {
            "date": e.date.isoformat(),
            "time": e.time,
            "end_time": e.end_time,
            "title": e.title,
            "location": e.location,
            "description": e.description,
            "url": e.url,
        }
        for e in issue.events
    ]
    return {
        "issue": issue.slug,
        "source": str(folder),
        "title": view.title,
        "heading": view.heading,
        "number": view.number,
        "date": view.date.isoformat() if view.date else None,
        "date_label": view.date_label,
        "preheader": view.preheader,
        "organisations": orgs,
        "events": events,
        "withdrawn": sorted([a, b] for a, b in withdrawn),
        "manifest_sha256": hashlib.sha256(
            json.dumps(manifest.get("files"), sort_keys=True).encode()
        ).hexdigest(),
    }


def write_snapshot(
    state: Path, outbox: Path, files: list[tuple[str, str]], meta: dict[str, Any]
) -> Path:
    """Copy the allowlisted files and meta.json into state/issues/ISSUE/, atomically."""
    root = state / "issues"
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{meta['issue']}.", dir=root))
    try:
        for rel, _digest in files:
            dest = tmp / "files" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(outbox / rel, dest)
        meta = {**meta, "files": [[rel, digest] for rel, digest in files]}
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
        os.chmod(tmp, 0o755)
        swap_into_place(tmp, root / meta["issue"])
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root / str(meta["issue"])


def read_metas(state: Path) -> list[dict[str, Any]]:
    """Every published issue's meta.json, newest first (date, then number, then name)."""
    metas = []
    root = state / "issues"
    if root.is_dir():
        for d in root.iterdir():
            if d.name.startswith("."):
                continue
            try:
                metas.append(json.loads((d / "meta.json").read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
    metas.sort(key=lambda m: (m.get("date") or "", m.get("number") or 0, m["issue"]), reverse=True)
    return metas
