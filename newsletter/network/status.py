"""`newsletter status ISSUE`: who has sent what, one row per organisation, against the register.

A row per registered organisation (inactive ones only when they did send something) and per
submission folder that is not in the register. States, worst first:

    missing   no folder
    late      received after the deadline and not accepted (check's LATE)
    error     check found errors
    warning   only warnings (an accepted late submission is here: check says LATE_ACCEPTED)
    ok        nothing to say

It is `check` plus one read of the register, so it costs what `check` costs (bench/status.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from newsletter.check.stage import CheckReport, run_check
from newsletter.core.config import Settings
from newsletter.core.models import Finding
from newsletter.store import organisations as orgs

State = Literal["missing", "late", "error", "warning", "ok"]
STATES: tuple[State, ...] = ("missing", "late", "error", "warning", "ok")


@dataclass(frozen=True)
class Row:
    """One organisation's state for this issue."""

    slug: str
    name: str | None
    state: State
    received: dt.datetime | None
    errors: int
    warnings: int
    registered: bool
    organisation: orgs.Organisation | None  # the register's entry
    findings: tuple[Finding, ...]

    def as_json(self) -> dict[str, Any]:
        """The row in the --json shape (see the README)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "state": self.state,
            "received": self.received.isoformat() if self.received else None,
            "errors": self.errors,
            "warnings": self.warnings,
            "registered": self.registered,
        }


@dataclass(frozen=True)
class IssueStatus:
    """Every organisation's row, the deadline, and the check report it came from."""

    issue: str
    deadline: dt.datetime | None
    now: dt.datetime
    rows: tuple[Row, ...]
    report: CheckReport

    @property
    def days_left(self) -> int | None:
        """Whole days from today to the deadline's day (negative: past)."""
        if self.deadline is None:
            return None
        tz = self.deadline.tzinfo
        return (self.deadline.date() - self.now.astimezone(tz).date()).days

    def counts(self) -> dict[str, int]:
        """Rows per state."""
        return {s: sum(r.state == s for r in self.rows) for s in STATES}

    def as_json(self) -> dict[str, Any]:
        """Exactly the shape documented in the README."""
        return {
            "issue": self.issue,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "organisations": [r.as_json() for r in self.rows],
        }


def received_time(report: CheckReport, slug: str) -> dt.datetime | None:
    """When a submission arrived, as check knows it ([received], else the newest file)."""
    recorded = getattr(report, "received", None)  # check's own record, where it has one
    value = recorded(slug) if callable(recorded) else None
    if isinstance(recorded, Mapping):
        value = recorded.get(slug)
    if isinstance(value, dt.datetime):
        return value
    for sub in report.intake.issue.submissions:
        if sub.slug == slug:
            return sub.received
    return None


def _state(findings: list[Finding]) -> State:
    if any(f.code == "LATE" for f in findings):
        return "late"
    if any(f.severity == "error" for f in findings):
        return "error"
    return "warning" if findings else "ok"


def build_status(
    report: CheckReport,
    register: list[orgs.Organisation],
    tz: ZoneInfo,
    now: dt.datetime | None = None,
) -> IssueStatus:
    """The rows from a check report and the register."""
    issue = report.intake.issue
    per_slug: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.submission is not None:
            per_slug.setdefault(f.submission, []).append(f)
    names = {s.slug: s.organisation for s in issue.submissions}
    by_slug = {o.slug: o for o in register}
    folders = set(report.slugs)
    rows: list[Row] = []
    for slug in sorted({o.slug for o in register if o.active} | folders):
        org = by_slug.get(slug)
        findings = per_slug.get(slug, [])
        received = received_time(report, slug) if slug in folders else None
        rows.append(
            Row(
                slug=slug,
                name=(org.name if org and org.name else None) or names.get(slug),
                state=_state(findings) if slug in folders else "missing",
                received=received.astimezone(tz) if received else None,
                errors=sum(f.severity == "error" for f in findings),
                warnings=sum(f.severity == "warning" for f in findings),
                registered=org is not None,
                organisation=org,
                findings=tuple(findings),
            )
        )
    return IssueStatus(
        issue=issue.slug,
        deadline=issue.deadline.astimezone(tz) if issue.deadline else None,
        now=now or dt.datetime.now(tz),
        rows=tuple(rows),
        report=report,
    )


def read_register(settings: Settings) -> list[orgs.Organisation]:
    """The register, read-only: status writes nothing and creates no store."""
    return orgs.read_only(settings.path(settings.subscribers.database))


def issue_status(issue_arg: str, settings: Settings, now: dt.datetime | None = None) -> IssueStatus:
    """`check` the issue and set every organisation of the register against it."""
    report = run_check(issue_arg, settings, record=False)  # reads recorded receipts only
    return build_status(report, read_register(settings), ZoneInfo(settings.timezone), now)
