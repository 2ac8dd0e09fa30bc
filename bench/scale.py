"""Benchmark growth: how check, build, PDF and send scale with the size of an issue.

    .venv/bin/python bench/scale.py [--sizes 10 30 100] [--subscribers 1000 10000]

For each issue size (corpus make_issue.py --clean, a fresh cache each): `check`, the cold build
(empty caches), the warm build (nothing changed, median of 3) and the PDF (a warm build whose
PDF cache was emptied, minus a warm build). For each subscriber count: `send_issue` of a small
issue through three relays (three aiosmtpd sinks, as bench/relays.py). Printed: the seconds,
and the exponent b of each curve (t ~ n^b between the first and the last size: 1 is linear,
below 1 is better than linear). The corpus has 15 photos, so an issue of 100 submissions
repeats pictures: its cold build decodes each distinct photo once (the cache is by content).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import generate_issue, make_issue_script, timed
from relays import SEND, SINK, free_port, prepare

from newsletter.check.stage import run_check
from newsletter.core.config import load_settings
from newsletter.output.build import build_issue


def issue_times(make_issue: Path, n: int) -> dict[str, float]:
    """check, cold build, warm build, PDF seconds for an issue of n submissions."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        issue = root / "submissions" / "issue"
        generate_issue(make_issue, issue, n, "--clean")
        settings = load_settings(root=root)
        check = statistics.median(timed(lambda: run_check("issue", settings)) for _ in range(3))
        cold = timed(lambda: build_issue("issue", settings))
        warm = statistics.median(timed(lambda: build_issue("issue", settings)) for _ in range(3))
        pdf_cache = settings.path(settings.cache_dir) / "pdf"

        def fresh_pdf() -> None:
            shutil.rmtree(pdf_cache, ignore_errors=True)
            build_issue("issue", settings)

        with_pdf = timed(fresh_pdf)
    return {"check": check, "cold build": cold, "warm build": warm, "PDF": with_pdf - warm}


def send_seconds(n: int) -> float:
    """send_issue to n subscribers through three sinks (in a subprocess, as the command)."""
    ports = [free_port() for _ in range(3)]
    sinks = []
    for port in ports:
        sink = subprocess.Popen(
            [sys.executable, "-c", SINK, str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert sink.stdout is not None and sink.stdout.readline().startswith("ready")
        sinks.append(sink)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            prepare(Path(tmp), n)
            here = str(Path(__file__).resolve().parent)
            run = subprocess.run(
                [sys.executable, "-c", SEND, tmp, json.dumps(ports), here, "2"],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(run.stdout.strip().splitlines()[-1])
            assert result["sent"] == n, result
            return float(result["seconds"])
    finally:
        for sink in sinks:
            assert sink.stdin is not None
            sink.stdin.close()
            sink.wait(timeout=30)


def exponent(sizes: list[int], times: list[float]) -> float:
    return math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 30, 100])
    ap.add_argument("--subscribers", type=int, nargs="+", default=[1000, 10000])
    args = ap.parse_args()
    make_issue = make_issue_script()
    if make_issue is None:
        return 2
    rows = {n: issue_times(make_issue, n) for n in args.sizes}
    stages = list(next(iter(rows.values())))
    print(f"{'submissions':<14}" + "".join(f"{s:>13}" for s in stages))
    for n, t in rows.items():
        print(f"{n:<14}" + "".join(f"{t[s]:>12.2f}s" for s in stages))
    print(
        f"{'exponent b':<14}"
        + "".join(
            f"{exponent(args.sizes, [rows[n][s] for n in args.sizes]):>13.2f}" for s in stages
        )
    )
    sends = [send_seconds(n) for n in args.subscribers]
    print(f"\n{'subscribers':<14}{'send':>13}{'msgs/s':>10}")
    for n, secs in zip(args.subscribers, sends, strict=True):
        print(f"{n:<14}{secs:>12.2f}s{n / secs:>10.0f}")
    print(f"{'exponent b':<14}{exponent(args.subscribers, sends):>13.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
