"""Which file a URL or href of the PDF names: inside the outbox or fonts folder, and its type.

Shared by the PDF's checks (pdf.py) and the URL fetcher WeasyPrint uses (pdf_fetch.py), which
imports WeasyPrint and is therefore loaded only when a PDF is rendered.
"""

from __future__ import annotations

import posixpath
from pathlib import Path


def inside(root: Path, href: str) -> Path | None:
    """`root / href` if `href` stays inside `root` (no absolute path, no `..` out), else None.

    Judged on the name, not on the resolved file: the pipeline may link renditions into the
    outbox from its cache, and an href is written by the pipeline, not by a contributor.
    """
    rel = posixpath.normpath(href)
    if rel.startswith(("/", "../")) or rel == ".." or "\0" in rel:
        return None
    return root / rel


def mime(path: Path) -> str:
    return {
        ".css": "text/css",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".png": "image/png",
        ".webp": "image/webp",
        ".svg": "image/svg+xml",
        ".ttf": "font/ttf",
        ".otf": "font/otf",
    }.get(path.suffix.lower(), "application/octet-stream")
