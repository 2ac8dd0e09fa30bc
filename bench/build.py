"""Benchmark `newsletter build` on a 30-submission issue: cold (empty cache) and warm.

    .venv/bin/python bench/build.py [--n 30] [--repeat 3]

The issue is written by the corpus's make_issue.py --clean (corpus at $NEWSLETTER_CORPUS,
default ../shared/corpus). Printed, measured in the same run:
- baseline: `check` (intake + rules), the part every build starts with;
- cold build: empty rendition cache (every photo decoded, its quality searched);
- warm build, median of --repeat: nothing changed, renditions from the cache;
- warm build without the PDF (what the preview waits for before it reloads);
with each time's ratio to the baseline, the email's size, and what the PDF took.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import generate_issue, make_issue_script, timed

from newsletter.check.stage import run_check
from newsletter.core.config import load_settings
from newsletter.output.build import build_issue


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    make_issue = make_issue_script()
    if make_issue is None:
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        issue = root / "submissions" / "issue"
        generate_issue(make_issue, issue, args.n, "--clean")
        settings = load_settings(root=root)
        base = statistics.median(timed(lambda: run_check("issue", settings)) for _ in range(5))
        cold = timed(lambda: build_issue("issue", settings))
        warm = statistics.median(
            timed(lambda: build_issue("issue", settings)) for _ in range(args.repeat)
        )
        no_pdf = statistics.median(
            timed(lambda: build_issue("issue", settings, with_pdf=False))
            for _ in range(args.repeat)
        )
        result = build_issue("issue", settings)
        cli = [sys.executable, "-m", "newsletter", "build", "issue"]
        command = statistics.median(
            timed(lambda: subprocess.run(cli, cwd=root, capture_output=True, check=True))
            for _ in range(args.repeat)
        )
        md = next(issue.glob("*/submission.md"))
        text = md.read_text(encoding="utf-8")  # one word changed, the length kept
        assert " und " in text
        stamp = md.stat()
        md.write_text(text.replace(" und ", " bzw ", 1), encoding="utf-8")
        os.utime(md, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # still received on time
        edited = timed(lambda: subprocess.run(cli, cwd=root, capture_output=True, check=True))
        photos = sum(
            1 for r in result.manifest.images.renditions if r.kind == "email" and r.role == "photo"
        )
        email = result.manifest.email
    print(
        f"issue: {args.n} submissions, {photos} photos; email {email.html_bytes / 1000:.1f} KB"
        f" (limit {email.limit_bytes / 1000:.0f} KB, shortened: {email.shortened})"
    )
    print(f"{'what':<44} {'seconds':>8} {'vs baseline':>12}")
    for label, t in (
        ("baseline: check (intake + rules)", base),
        ("cold build (empty cache)", cold),
        (f"warm build, median of {args.repeat}", warm),
        ("warm build without PDF", no_pdf),
        ("`newsletter build`, warm (command, start-up)", command),
        ("`newsletter build`, one submission edited", edited),
    ):
        print(f"{label:<44} {t:>8.2f} {t / base:>11.1f}x")
    print(f"the PDF's share of a warm build: {warm - no_pdf:.2f} s")
    print(
        f"warm / cold: in-process {warm / cold:.3f}x, command {command / cold:.3f}x (goal <= 0.15x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
