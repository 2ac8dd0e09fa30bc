"""Benchmark `newsletter preview`: from saving one submission's text to the page showing it.

    .venv/bin/python bench/preview.py [--n 30] [--repeat 7]

The issue is written by the corpus's make_issue.py --clean (corpus at $NEWSLETTER_CORPUS,
default ../shared/corpus). After the first (cold) build, each round edits one submission's
text on disk and measures
- edit -> the new email.html served by the preview (watcher: 0.1 s polls, 0.3 s settle; then
  the build without PDF), the goal being under 2 s,
- edit -> the new PDF served (rendered afterwards, in a separate process),
and prints the medians with their ratio to baselines measured in the same run: a plain
`build_issue(..., with_pdf=False)` with nothing changed (the build the preview runs), and, for
the PDF, an edit followed by a direct `build_issue(..., with_pdf=True)` (the PDF is cached by
its content, so only a changed issue measures its rendering).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from newsletter.core.config import Settings, load_settings
from newsletter.output.build import build_issue
from newsletter.preview.server import Preview, running

ROOT = Path(__file__).resolve().parent.parent
ISSUE = "bench"


def corpus() -> Path:
    """The shared corpus folder."""
    return Path(os.environ.get("NEWSLETTER_CORPUS", ROOT.parent / "shared" / "corpus"))


def fetch(preview: Preview, path: str) -> str:
    with urllib.request.urlopen(preview.url.rstrip("/") + path, timeout=30) as answer:
        return str(answer.read().decode("utf-8"))


def wait(condition: Callable[[], bool], timeout: float = 120.0, step: float = 0.01) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the preview did not follow the edit")
        time.sleep(step)


def edit(md: Path, marker: str, offset: int) -> None:
    """Put `marker` at the start of the text; keep the receipt time (the file's mtime) early.

    The generated issue has no [received] entries, so the newest file's mtime is the time of
    receipt: an edit "now" would make the submission late. The editor's real edits are to
    submissions with [received] entries or before the deadline.
    """
    before = md.stat().st_mtime
    head, sep, body = md.read_text(encoding="utf-8").partition("\n---\n")
    body = body.split(": ", 1)[1] if body.startswith("Messpunkt ") else body
    md.write_text(f"{head}{sep}{marker}: {body}", encoding="utf-8")
    os.utime(md, (before + offset, before + offset))


def one_round(preview: Preview, md: Path, marker: str, offset: int) -> tuple[float, float]:
    """Seconds from the edit to the new email, and to the new PDF."""
    generation = preview.state_json()["generation"]
    started = time.perf_counter()
    edit(md, marker, offset)
    wait(lambda: marker in fetch(preview, "/ausgabe/email.html"))
    to_email = time.perf_counter() - started

    def built() -> bool:
        s = preview.state_json()
        return bool(s["generation"] > generation and not s["building"])

    wait(built)
    new = preview.state_json()["generation"]

    def pdf_done() -> bool:
        s = preview.state_json()
        return bool(s["pdf_generation"] >= new and not s["pdf_building"])

    wait(pdf_done, step=0.02)
    return to_email, time.perf_counter() - started


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=30, help="submissions in the issue")
    ap.add_argument("--repeat", type=int, default=7, help="edits to measure")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        root = Path(tmp)
        dest = root / "submissions" / ISSUE
        dest.parent.mkdir(parents=True)
        subprocess.run(
            [
                sys.executable,
                str(corpus() / "make_issue.py"),
                str(dest),
                "--n",
                str(args.n),
                "--clean",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        settings = load_settings(root=root)
        folders = sorted(p for p in dest.iterdir() if (p / "submission.md").is_file())
        t0 = time.perf_counter()
        with running(ISSUE, settings, port=0) as preview:
            snap = preview.wait_until_built(900)
            if snap.good is None:
                print("the first build failed:", snap.failure)
                return 1
            cold = time.perf_counter() - t0
            wait(lambda: preview.state_json()["pdf_generation"] > 0, timeout=300)
            cold_pdf = time.perf_counter() - t0
            builds, emails, pdfs = [], [], []
            for i in range(args.repeat):
                md = folders[i % len(folders)] / "submission.md"
                to_email, to_pdf = one_round(preview, md, f"Messpunkt {i}", i + 1)
                s = preview.rebuilder.snapshot()
                assert s.good is not None and not s.good.result.left_out, "an edit broke the issue"
                builds.append(s.good.result.seconds)
                emails.append(to_email)
                pdfs.append(to_pdf)
                time.sleep(0.3)
        base = median_seconds(lambda: plain_build(settings, root, pdf=False), args.repeat)
        base_pdf = statistics.median(
            edited_build(settings, root, folders[i] / "submission.md", i) for i in range(3)
        )
    email, pdf = statistics.median(emails), statistics.median(pdfs)
    print(f"preview of a {len(folders)}-submission issue, {args.repeat} edits of one text")
    print(
        f"  first build (cold, renditions made):     {cold:7.2f} s   (PDF after {cold_pdf:.2f} s)"
    )
    print(f"  edit -> new email.html served (median):  {email:7.2f} s   (goal < 2 s)")
    print(f"    of which the build itself (median):    {statistics.median(builds):7.2f} s")
    print(f"  edit -> new PDF served (median):         {pdf:7.2f} s")
    print(f"  baseline build_issue(with_pdf=False):    {base:7.2f} s")
    print(f"  baseline edit, then build_issue(PDF):    {base_pdf:7.2f} s")
    print(f"  ratio email / baseline without PDF:      {email / base:7.2f}")
    print(f"  ratio PDF / baseline with PDF:           {pdf / base_pdf:7.2f}")
    return 0 if email < 2.0 else 1


def plain_build(settings: Settings, root: Path, *, pdf: bool) -> None:
    """The baseline: the same build, called directly, with nothing changed."""
    build_issue(ISSUE, settings, force=True, outbox_root=root / "baseline", with_pdf=pdf)


def edited_build(settings: Settings, root: Path, md: Path, i: int) -> float:
    """The PDF baseline: edit one text, then the full build called directly (seconds).

    With nothing changed the PDF would come from its cache; after an edit it is rendered,
    as in the preview.
    """
    edit(md, f"Basis {i}", 100 + i)
    t0 = time.perf_counter()
    plain_build(settings, root, pdf=True)
    return time.perf_counter() - t0


if __name__ == "__main__":
    sys.exit(main())
