"""The URL fetcher WeasyPrint renders the PDF with: only the outbox and the fonts folder.

A module of its own so that importing newsletter.pdf (for its cache) does not import WeasyPrint.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

from newsletter.output.pdf_paths import inside, mime

log = logging.getLogger("newsletter.pdf")


class SandboxFetcher(URLFetcher):  # type: ignore[misc]
    """Serves files under the outbox and the fonts folder; refuses every other URL."""

    def __init__(self, roots: Mapping[str, Path]) -> None:
        super().__init__(allowed_protocols=("https",), fail_on_errors=False)
        self.roots = dict(roots)
        self.refused: list[str] = []

    def path_for(self, url: str) -> Path | None:
        """The file a virtual URL stands for, or None if it lies outside every root."""
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            return None
        for base, root in self.roots.items():
            if url.startswith(base):
                path = inside(root, unquote(url[len(base) :]))
                return path if path is not None and path.is_file() else None
        return None

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        path = self.path_for(url)
        if path is None:
            self.refused.append(url)
            log.warning("PDF: refused to fetch %s (only the outbox and the fonts are served)", url)
            raise ValueError(f"refused: {url}")
        return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": mime(path)})
