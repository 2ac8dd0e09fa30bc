"""Benchmark `newsletter check` on a 30-submission issue (goal: under 2 s; it reads headers).

    .venv/bin/python bench/check.py [--n 30] [--repeat 7]

The issue is written by the corpus's make_issue.py (corpus at $NEWSLETTER_CORPUS, default
../shared/corpus). Printed: medians of
- `check` in-process (intake + rules),
- `newsletter check` as a command (with interpreter start-up and imports),
and the ratio of each to a baseline measured in the same run: decoding every photo and logo
fully with Pillow, which is what a check that read pixels instead of headers would cost; the
command also against `python -c "import pydantic"` (the start-up baseline of bench/startup.py;
issue 17's goal: the command in at most 0.5 s here).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, byte_compile_package, generate_issue, make_issue_script, median_seconds
from PIL import Image

from newsletter.check.stage import run_check
from newsletter.core.config import load_settings

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".tif", ".tiff"}


def decode_all(issue: Path) -> None:
    """Baseline: decode every image of the issue in full."""
    Image.MAX_IMAGE_PIXELS = None
    for p in issue.rglob("*"):
        if p.suffix.lower() in IMAGE_SUFFIXES:
            with Image.open(p) as img:
                img.load()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=30, help="submissions in the issue")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    make_issue = make_issue_script()
    if make_issue is None:
        return 2
    byte_compile_package()  # as an installed package is
    with tempfile.TemporaryDirectory() as tmp:
        issue = Path(tmp) / "issue"
        generate_issue(make_issue, issue, args.n)
        photos = sum(1 for p in issue.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        settings = load_settings(root=Path(tmp))
        report = run_check(str(issue), settings)
        cli = [str(ROOT / ".venv" / "bin" / "newsletter"), "check", str(issue)]
        if not Path(cli[0]).exists():
            cli = [sys.executable, "-m", "newsletter", "check", str(issue)]

        pydantic = [sys.executable, "-c", "import pydantic"]
        t_pydantic = median_seconds(
            lambda: subprocess.run(pydantic, capture_output=True, cwd=tmp, check=False),
            args.repeat,
        )
        t_base = median_seconds(lambda: decode_all(issue), max(3, args.repeat // 2))
        t_check = median_seconds(lambda: run_check(str(issue), settings), args.repeat)
        t_cli = median_seconds(
            lambda: subprocess.run(cli, capture_output=True, cwd=tmp, check=False), args.repeat
        )
    print(f"issue: {args.n} submissions, {photos} images, {len(report.findings)} findings")
    print(f"{'what':<40} {'median s':>9} {'vs baseline':>12}")
    print(f"{'baseline: decode every image (Pillow)':<40} {t_base:>9.3f} {1.0:>11.2f}x")
    print(f"{'check in-process (intake + rules)':<40} {t_check:>9.3f} {t_check / t_base:>11.3f}x")
    print(f"{'newsletter check (command, start-up)':<40} {t_cli:>9.3f} {t_cli / t_base:>11.3f}x")
    print(f"{'start-up baseline: import pydantic':<40} {t_pydantic:>9.3f}")
    print(f"{'newsletter check / import pydantic':<40} {'':>9} {t_cli / t_pydantic:>11.2f}x")
    print(f"goal: command under 2 s -> {'met' if t_cli < 2 else 'NOT met'}")
    print(f"goal: command at most 0.5 s (issue 17) -> {'met' if t_cli <= 0.5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
