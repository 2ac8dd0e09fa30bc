"""One page of the published site: a template under templates/site/ rendered to a file, with
the masthead every page shares. Used by site.py (archive, search) and directory.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from newsletter.core.config import Settings


def site_name(settings: Settings) -> str:
    """The name in every page's masthead: the sender's name (the network)."""
    return settings.sender.from_name


def render_page(
    env: jinja2.Environment,
    settings: Settings,
    template: str,
    dest: Path,
    *,
    root: str,
    **context: Any,
) -> None:
    """Render `template` (under templates/site/) to `dest`."""
    html = env.get_template(f"site/{template}").render(
        root=root,
        site_name=site_name(settings),
        publisher=settings.publisher.model_dump(),
        **context,
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(html, encoding="utf-8")
