"""`organisations learn ISSUE`: entries for the register proposed from an issue's submissions."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.intake.reader import read_issue, resolve_issue
from newsletter.store import organisations as orgs


@dataclass(frozen=True)
class Proposal:
    """An organisation to add, and the addresses of its submission that could not be taken."""

    organisation: orgs.Organisation
    dropped: tuple[tuple[str, str, dict[str, object]], ...] = ()


def propose(conn: sqlite3.Connection, issue_arg: str, settings: Settings) -> list[Proposal]:
    """One proposal per readable submission whose slug is not in the register."""
    folder = resolve_issue(issue_arg, settings)
    intake = read_issue(folder, settings)
    known = {o.slug for o in orgs.list_all(conn)}
    proposals: list[Proposal] = []
    for sub in intake.issue.submissions:
        if sub.slug in known:
            continue
        dropped: list[tuple[str, str, dict[str, object]]] = []
        emails: tuple[str, ...] = ()
        if sub.contact.email:
            try:
                address = orgs.parse_emails(sub.contact.email)[0].normalized
                owner = orgs.owner_of(conn, address)
                if owner is not None:
                    raise NewsletterError(
                        "ORG_ADDRESS_TAKEN", None, {"address": address, "slug": owner}
                    )
                emails = (address,)
            except (NewsletterError, IndexError) as exc:
                if isinstance(exc, NewsletterError):
                    dropped.append((sub.contact.email, exc.code, exc.params))
        try:
            language = orgs.parse_tag(sub.language or "de")
        except NewsletterError:
            language = "de"
        try:
            org = orgs.make(
                sub.slug,
                name=sub.organisation or "",
                emails=emails,
                language=language,
                contact=sub.contact.name or "",
            )
        except NewsletterError as exc:  # a folder name that is no slug, a name with controls
            dropped.append((sub.slug, exc.code, exc.params))
            continue
        proposals.append(Proposal(org, tuple(dropped)))
    return proposals
