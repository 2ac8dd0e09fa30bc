"""Benchmark start-up: `newsletter --help` and `newsletter check` of a 30-submission issue.

    .venv/bin/python bench/startup.py [--n 30] [--repeat 7]

Printed, measured in the same run (medians of --repeat fresh interpreters):
- baseline: `python -c "import pydantic"` (an interpreter that loads the smallest library the
  commands cannot do without);
- `newsletter --help` (goal: at most 2x the baseline);
- `newsletter check ISSUE` on a corpus issue of --n submissions (goal: at most 0.5 s), run in
  a folder without .env (set no NEWSLETTER_* variable: they make it load pydantic-settings);
- `newsletter status --help`, `newsletter send --help` (what a command costs before it works);
and which of the heavy modules (weasyprint, cairocffi, cairosvg, numpy, Pillow's encoders)
each command imported, read from `python -X importtime`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import byte_compile_package, make_issue_script

HEAVY = ("weasyprint", "cairocffi", "cairosvg", "numpy", "PIL.JpegImagePlugin", "premailer")


def run_seconds(cmd: list[str], cwd: str, repeat: int) -> float:
    """Median wall time of `repeat` runs of a fresh process, after one warm-up run."""
    subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def heavy_imports(cmd: list[str], cwd: str) -> list[str]:
    """The heavy modules a command imports (python -X importtime on stderr)."""
    run = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]], cwd=cwd, capture_output=True, text=True
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line}
    return sorted(h for h in HEAVY if h in names)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=30, help="submissions in the issue for `check`")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    make_issue = make_issue_script()
    if make_issue is None:
        return 2
    py = sys.executable
    byte_compile_package()
    print("(our modules byte-compiled first, as an installed package is)")
    with tempfile.TemporaryDirectory() as tmp:
        issue = Path(tmp) / "submissions" / "issue"
        subprocess.run(
            [py, str(make_issue), str(issue), "--n", str(args.n)], check=True, capture_output=True
        )
        rows = [
            ('baseline: python -c "import pydantic"', [py, "-c", "import pydantic"]),
            ("newsletter --help", [py, "-m", "newsletter", "--help"]),
            (f"newsletter check, {args.n} submissions", [py, "-m", "newsletter", "check", "issue"]),
            ("newsletter status --help", [py, "-m", "newsletter", "status", "--help"]),
            ("newsletter send --help", [py, "-m", "newsletter", "send", "--help"]),
        ]
        results = []
        for label, cmd in rows:
            results.append((label, run_seconds(cmd, tmp, args.repeat), heavy_imports(cmd, tmp)))
    base = results[0][1]
    print(f"{'what':<40} {'median s':>9} {'vs baseline':>12}  heavy modules imported")
    for label, t, heavy in results:
        print(f"{label:<40} {t:>9.3f} {t / base:>11.2f}x  {', '.join(heavy) or '-'}")
    help_ratio = results[1][1] / base
    print(f"goal --help <= 2x baseline: {'met' if help_ratio <= 2 else 'NOT met'}")
    print(f"goal check <= 0.5 s: {'met' if results[2][1] <= 0.5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
