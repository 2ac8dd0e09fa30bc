"""`newsletter new`: a submission folder with the annotated template, never overwriting."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.filenames import ascii_slug
from newsletter.core.files import write_atomic
from newsletter.intake.placeholders import TEMPLATE, template_text
from newsletter.intake.reader import resolve_issue

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def propose_slug(org: str) -> str | None:
    """A folder name `new` accepts for what was typed: "Sprachcafé Mitte" -> sprachcafe-mitte."""
    slug = ascii_slug(org, fallback="", max_length=80)
    if not _SLUG.match(slug) or slug in ("editorial", "attachments"):
        return None
    return slug


def new_submission(issue: str, org: str, settings: Settings) -> Path:
    """Create ISSUE/ORG/submission.md from the template; return its path.

    SUBMISSION_SLUG_* when ORG is not a usable folder name (with a proposal where there is
    one), SUBMISSION_EXISTS when the folder is there already: nothing is overwritten.
    """
    if not _SLUG.match(org) or org in ("editorial", "attachments"):
        slug = propose_slug(org)
        if slug is None:
            raise NewsletterError("SUBMISSION_SLUG_INVALID", None, {"org": org})
        params = {"org": org, "issue": shlex.quote(issue), "slug": slug}
        raise NewsletterError("SUBMISSION_SLUG_PROPOSED", None, params)
    try:
        folder = resolve_issue(issue, settings)
    except NewsletterError:
        folder = settings.path(settings.submissions_dir) / issue  # a new issue starts here
    target = folder / org / TEMPLATE
    if target.parent.exists():
        raise NewsletterError("SUBMISSION_EXISTS", target.parent, {"path": target.parent})
    name = org.replace("-", " ").title()
    text = template_text(settings).replace("{organisation}", f'"{name}"')
    target.parent.mkdir(parents=True)
    write_atomic(target, text)
    return target
