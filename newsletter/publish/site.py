"""The published site, assembled in a local folder: every published issue's files, the archive,
the directory ("Wer ist wer im Netzwerk"), the search page with its Pagefind index, the Atom
feed and the subscribable calendar. publish.py uploads the folder as one release.

    index.html                   the archive: every issue, newest first
    ISSUE/web/index.html, ISSUE/newsletter.pdf, ISSUE/images/…, ISSUE/anlagen/…, ISSUE/termine/…
    wer-ist-wer/…                directory.py
    suche/index.html, pagefind/  search (Pagefind, German stemming)
    feed.xml, termine.ics        feeds.py
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.output.render import environment
from newsletter.publish import directory, feeds
from newsletter.publish.pages import render_page


def _link_or_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def assemble(
    state: Path, metas: list[dict[str, Any]], settings: Settings, dest: Path, today: dt.date
) -> None:
    """Build the whole site into `dest` (a new, empty folder)."""
    env = environment(settings)
    for m in metas:
        files = state / "issues" / m["issue"] / "files"
        for rel, _digest in m.get("files") or []:
            _link_or_copy(files / rel, dest / m["issue"] / rel)
    render_page(
        env,
        settings,
        "archive.html.j2",
        dest / "index.html",
        root="",
        page_title="Alle Ausgaben",
        current="archiv",
        issues=metas,
    )
    render_page(
        env,
        settings,
        "search.html.j2",
        dest / "suche" / "index.html",
        root="../",
        page_title="Suche",
        current="suche",
    )
    directory.write_pages(env, settings, metas, dest)
    (dest / "feed.xml").write_bytes(feeds.atom(metas, settings))
    (dest / "termine.ics").write_bytes(feeds.calendar(metas, settings, today))
    index_search(dest, settings)


def pagefind_executable() -> str:
    """The Pagefind binary shipped in the pagefind_bin wheel (pinned in requirements.lock)."""
    try:
        import pagefind_bin

        return str(pagefind_bin.get_executable())
    except (ImportError, FileNotFoundError):
        found = shutil.which("pagefind")
        if found is None:
            raise NewsletterError(
                "PUBLISH_SEARCH_FAILED", None, {"detail": "pagefind fehlt / missing"}
            ) from None
        return found


def index_search(site: Path, settings: Settings) -> None:
    """Pagefind's index of every page into site/pagefind/, words stemmed as German."""
    cmd = [pagefind_executable(), "--site", str(site), "--force-language", "de", "--quiet"]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=settings.publish.timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NewsletterError("PUBLISH_SEARCH_FAILED", None, {"detail": str(exc)}) from None
    if proc.returncode != 0 or not (site / "pagefind" / "pagefind.js").is_file():
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        detail = lines[-1] if lines else f"exit {proc.returncode}"
        raise NewsletterError("PUBLISH_SEARCH_FAILED", None, {"detail": detail})
