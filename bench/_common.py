"""What the benchmarks share: where the repository and the shared corpus are, and timing."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus() -> Path:
    """The shared corpus folder: $NEWSLETTER_CORPUS, default ../shared/corpus beside the repo."""
    return Path(os.environ.get("NEWSLETTER_CORPUS", ROOT.parent / "shared" / "corpus"))


def make_issue_script() -> Path | None:
    """The corpus's make_issue.py; None, said on stderr, when the corpus is not there."""
    script = corpus() / "make_issue.py"
    if not script.is_file():
        print(f"corpus not found: {script} (set NEWSLETTER_CORPUS)", file=sys.stderr)
        return None
    return script


def generate_issue(script: Path, folder: Path, n: int, *options: str) -> Path:
    """Write a realistic issue of `n` submissions with the corpus's make_issue.py into `folder`."""
    subprocess.run(
        [sys.executable, str(script), str(folder), "--n", str(n), *options],
        check=True,
        capture_output=True,
    )
    return folder


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call takes."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` calls after one warm-up call."""
    fn()
    return statistics.median(timed(fn) for _ in range(repeat))


def byte_compile_package() -> None:
    """Write our modules' bytecode first, as installing the package (or any first run) does:
    with PYTHONDONTWRITEBYTECODE set, as on some shared machines, every fresh interpreter
    would otherwise compile the package's source anew, while the libraries it is compared
    with load their installed bytecode."""
    import compileall

    compileall.compile_dir(str(ROOT / "newsletter"), quiet=1)
