"""What a build is made from, as hashes, and what has changed since: a build must be current.

A build records its inputs in manifest.json (`issue_inputs`): the hash of every file of the
issue folder, of the templates, and of the settings that shape the output. `outdated` compares
them with today's sources and names what changed, so that a submission corrected after the
build is never sent or published in its old form without the editor knowing.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from newsletter.core.config import Settings
from newsletter.core.resources import TEMPLATES_DIR, editor_templates
from newsletter.output.personal import general_unsubscribe_link

# Files that are never content (intake ignores them too).
_IGNORED = re.compile(r"^(\..*|Thumbs\.db|desktop\.ini|~\$.*)$", re.IGNORECASE)
SETTINGS_SECTIONS = ("publisher", "layout", "email", "images", "rules")


def _files(folder: Path, prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(_IGNORED.match(part) for part in rel.parts) or not path.is_file():
            continue
        out[prefix + rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def issue_inputs(issue_folder: Path, settings: Settings) -> dict[str, Any]:
    """The hashes of everything a build of `issue_folder` is made from."""
    templates = _files(TEMPLATES_DIR, "templates/")
    templates |= _files(editor_templates(settings), "templates/")
    # the published site's own pages (templates/site/) are not part of an issue's build
    templates = {k: v for k, v in templates.items() if not k.startswith("templates/site/")}
    dump = settings.model_dump(mode="json")
    sections = {
        name: hashlib.sha256(json.dumps(dump[name], sort_keys=True).encode()).hexdigest()
        for name in SETTINGS_SECTIONS
    }
    link = general_unsubscribe_link(settings)  # the published copies show it
    sections["sender.unsubscribe_page"] = hashlib.sha256(link.encode()).hexdigest()
    return {
        "files": _files(issue_folder, ""),
        "templates": templates,
        "settings": sections,
    }


def outdated(manifest: dict[str, Any], issue_folder: Path, settings: Settings) -> list[str]:
    """What changed since the build (file names, `templates/…`, `[section]`); [] if nothing."""
    built = manifest.get("inputs")
    if not isinstance(built, dict):
        return ["manifest.json (inputs)"]  # built by an older version: nothing to compare
    now = issue_inputs(issue_folder, settings)
    changes: list[str] = []
    for kind in ("files", "templates", "settings"):
        before, after = built.get(kind) or {}, now[kind]
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                changes.append(f"[{name}]" if kind == "settings" else name)
    return changes
