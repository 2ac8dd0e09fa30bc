"""`newsletter new`: a submission folder with the annotated template, never overwriting."""

from __future__ import annotations

import re
from pathlib import Path

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.filenames import ascii_slug
from newsletter.core.files import write_atomic
from newsletter.intake.placeholders import TEMPLATE, template_text
from newsletter.intake.reader import resolve_issue

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class SubmissionExists(Exception):
    """The folder or its submission.md is there already."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


class SlugError(ValueError):
    """ORG is not a usable folder name."""


def propose_slug(org: str) -> str | None:
    """A folder name `new` accepts for what was typed: "Sprachcafé Mitte" -> sprachcafe-mitte."""
    slug = ascii_slug(org, fallback="", max_length=80)
    if not _SLUG.match(slug) or slug in ("editorial", "attachments"):
        return None
    return slug


def new_submission(issue: str, org: str, settings: Settings) -> Path:
    """Create ISSUE/ORG/submission.md from the template; return its path."""
    if not _SLUG.match(org) or org in ("editorial", "attachments"):
        raise SlugError(org)
    try:
        folder = resolve_issue(issue, settings)
    except NewsletterError:
        folder = settings.path(settings.submissions_dir) / issue  # a new issue starts here
    target = folder / org / TEMPLATE
    if target.parent.exists():
        raise SubmissionExists(target.parent)
    name = org.replace("-", " ").title()
    text = template_text(settings).replace("{organisation}", f'"{name}"')
    target.parent.mkdir(parents=True)
    write_atomic(target, text)
    return target
