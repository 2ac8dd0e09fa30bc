"""Benchmark `newsletter status` against `newsletter check` on a 30-organisation issue.

    .venv/bin/python bench/status.py [--n 30] [--repeat 7]

The issue is written by the corpus's make_issue.py; the register holds its N organisations
plus five that sent nothing. Printed: medians of `status` and `check`, in-process and as
commands (with interpreter start-up), and the ratio status/check of the same run
(goal: at most 1.2x, and the command under 1 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _common import ROOT, generate_issue, make_issue_script, timed

from newsletter.check.stage import run_check
from newsletter.core.config import load_settings
from newsletter.network.status import issue_status
from newsletter.store import organisations as orgs
from newsletter.store.subscribers import open_store


def alternating(
    base: Callable[[], object], other: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Medians of `base` and `other`, called in turn after one warm-up call each."""
    base(), other()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        times[0].append(timed(base))
        times[1].append(timed(other))
    return statistics.median(times[0]), statistics.median(times[1])


def command(*argv: str) -> list[str]:
    exe = ROOT / ".venv" / "bin" / "newsletter"
    return [str(exe), *argv] if exe.exists() else [sys.executable, "-m", "newsletter", *argv]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=30, help="submissions in the issue")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    make_issue = make_issue_script()
    if make_issue is None:
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        issue = Path(tmp) / "issue"
        generate_issue(make_issue, issue, args.n)
        settings = load_settings(root=Path(tmp))
        slugs = sorted(p.name for p in issue.iterdir() if (p / "submission.md").is_file())
        with open_store(settings.path(settings.subscribers.database)) as conn:
            orgs.add_many(
                conn,
                [orgs.make(s, emails=f"info@{s}.example.org") for s in slugs]
                + [orgs.make(f"fehlt-{i}", emails=f"f{i}@example.org") for i in range(5)],
            )
        rows = issue_status(str(issue), settings).rows
        env = {**os.environ, "PYTHONPATH": str(ROOT)}

        def run(*argv: str) -> None:
            subprocess.run(command(*argv), capture_output=True, cwd=tmp, check=False, env=env)

        # Alternated, so that the other agents' load on the shared cores hits both alike.
        t_check, t_status = alternating(
            lambda: run_check(str(issue), settings),
            lambda: issue_status(str(issue), settings),
            args.repeat,
        )
        t_check_cli, t_status_cli = alternating(
            lambda: run("check", str(issue)), lambda: run("status", str(issue)), args.repeat
        )
    ratio, ratio_cli = t_status / t_check, t_status_cli / t_check_cli
    print(f"issue: {args.n} submissions, {len(rows)} rows (register: {len(slugs) + 5})")
    print(f"{'what':<36} {'median s':>9} {'vs check':>9}")
    print(f"{'check in-process (baseline)':<36} {t_check:>9.3f} {1.0:>8.2f}x")
    print(f"{'status in-process':<36} {t_status:>9.3f} {ratio:>8.2f}x")
    print(f"{'newsletter check (command)':<36} {t_check_cli:>9.3f} {1.0:>8.2f}x")
    print(f"{'newsletter status (command)':<36} {t_status_cli:>9.3f} {ratio_cli:>8.2f}x")
    print(f"goal: <= 1.2x check -> {'met' if max(ratio, ratio_cli) <= 1.2 else 'NOT met'}")
    print(
        f"goal: status under 1 s -> in-process {'met' if t_status < 1 else 'NOT met'}, "
        f"command (with start-up) {'met' if t_status_cli < 1 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
