"""The `check` stage: read an issue folder and judge it; the report the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from newsletter.check.receipts import apply_receipts
from newsletter.check.rules import check_issue
from newsletter.core.config import Settings
from newsletter.core.models import Finding, Intake, status_of
from newsletter.intake.reader import read_issue, resolve_issue


@dataclass(frozen=True)
class CheckReport:
    """Every finding of an issue, and the submissions they belong to."""

    intake: Intake
    findings: list[Finding]

    @property
    def slugs(self) -> list[str]:
        """Every submission folder, readable or not, in name order."""
        return sorted({s.slug for s in self.intake.issue.submissions} | self.intake.unreadable)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def status(self, slug: str) -> str:
        """ok, warning or error for one submission."""
        return status_of([f for f in self.findings if f.submission == slug])

    def receipts_shown(self, tz: tzinfo, lang: str = "de") -> dict[str, str]:
        """slug -> its time of receipt as the editor reads it, with where it comes from."""
        source = {
            "issue.toml": ("issue.toml", "issue.toml"),
            "recorded": ("gespeichert", "recorded"),
            "files": ("Dateidatum", "file date"),
        }
        out = {}
        for sub in self.intake.issue.submissions:
            if sub.received is not None:
                de, en = source[sub.received_from]
                when = sub.received.astimezone(tz).strftime("%d.%m.%Y %H:%M")
                out[sub.slug] = f"{when} ({en if lang == 'en' else de})"
        return out

    def as_json(self, lang: str) -> dict[str, Any]:
        """The --json shape other tools rely on (see the README)."""
        return {
            "findings": [
                {
                    "severity": f.severity,
                    "code": f.code,
                    "submission": f.submission,
                    "file": f.file,
                    "message": f.message(lang),
                }
                for f in self.findings
            ],
            "submissions": [{"slug": s, "status": self.status(s)} for s in self.slugs],
        }


def run_check(issue_arg: str, settings: Settings, *, record: bool = True) -> CheckReport:
    """Read and judge the issue named by `issue_arg` (a name under submissions/ or a path).

    Submissions seen complete for the first time get their receipt recorded (receipts.py);
    `record=False` only reads what was recorded before.
    """
    folder = resolve_issue(issue_arg, settings)
    intake, notes = apply_receipts(read_issue(folder, settings), settings, record=record)
    return CheckReport(intake=intake, findings=notes + check_issue(intake, settings))
