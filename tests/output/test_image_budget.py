"""The email's image budget counts the pictures the message carries, not those only the web
version shows."""

from __future__ import annotations

import os
import re
from pathlib import Path

from newsletter.core.config import Settings, load_settings
from newsletter.output.build import build_issue
from tests.support import IssueDir, jpeg, valid_front

LONG = ("Wir treffen uns jede Woche im Stadtteilzentrum und helfen bei Hausaufgaben. " * 18) + "\n"


def _settings(root: Path) -> Settings:
    base = load_settings(root=root)
    return base.model_copy(
        update={
            # small enough that this issue's email is shortened (one photo per organisation)
            "email": base.email.model_copy(update={"max_html_bytes": 30_000}),
            # and that its photos must be lowered to fit
            "images": base.images.model_copy(update={"email_budget_bytes": 30_000}),
        }
    )


def test_the_budget_counts_what_the_shortened_email_carries(
    issue: IssueDir, tmp_path: Path
) -> None:
    for i in range(8):
        front = valid_front()
        front["organisation"] = f"Verein {i}"
        front["photos"] = [
            {**front["photos"][0], "file": f"foto-{k}.jpg", "caption": f"Foto {k}"}
            for k in range(3)
        ]
        files: dict[str, bytes | str] = {f"foto-{k}.jpg": jpeg(1400 + k, 1000) for k in range(3)}
        issue.add(f"verein-{i}", front, LONG, files=files)
    root = tmp_path / "root"
    root.mkdir()
    settings = _settings(root)
    result = build_issue(str(issue.folder), settings)
    manifest = result.manifest
    assert manifest.email.shortened
    html = (result.outbox / "email.html").read_text("utf-8")
    carried = set(re.findall(r'src="(images/[^"]+)"', html))
    carried_bytes = sum(os.path.getsize(result.outbox / href) for href in carried)
    budget = manifest.images.budget
    assert budget.total_bytes == carried_bytes, budget.model_dump_json()
    # the web version shows photos the message does not carry: they are not counted
    web = (result.outbox / "web" / "index.html").read_text("utf-8")
    web_only = set(re.findall(r'src="\.\./(images/[^"]+\.jpg)"', web)) - carried
    assert web_only
