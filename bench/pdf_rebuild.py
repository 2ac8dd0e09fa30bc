"""One submission edited: what `newsletter build` then pays for the PDF, with and without the
memo of WeasyPrint's text measurements (newsletter/output/pdf_memo.py; issue 17, goal 2).

    .venv/bin/python bench/pdf_rebuild.py [--n 30] [--repeat 3]

The issue is written by the corpus's make_issue.py --clean and built once (cold, not timed).
Then, alternately without the memo (the baseline: pdf_memo told that WeasyPrint's version does
not fit, so it renders as before) and with it, measured in the same run:

- `newsletter build` after one submission's text was edited (a new word each time, so neither
  the PDF nor the inlined email comes from a cache): wall time and the command's CPU time;
- the PDF alone (pdf._write_pdf on the built view, as a cache miss renders it): wall and CPU;

medians of --repeat, and each "with" as a ratio to its "without". Then one profiled render
(cProfile, so the shares are indicative): where the PDF's time goes. `uptime` load is printed
before and after: the machine is shared, compare ratios.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from _common import ROOT, generate_issue, make_issue_script

from newsletter.core.config import load_settings
from newsletter.output import build as build_module
from newsletter.output import pdf

# the command, in a fresh process; argv[1] "off" makes the memo decline (a version that does
# not fit), which is how WeasyPrint rendered before the memo
COMMAND = """
import sys
import newsletter.output.pdf_memo as memo
if sys.argv[1] == "off":
    memo.WEASYPRINT_MAJOR = "none"
from newsletter.cli.main import main
sys.exit(main(["build", "issue"]))
"""

# (label, function name as cProfile prints it): the stages of a WeasyPrint render
STAGES = (
    ("HTML parse (tinyhtml5)", "tinyhtml5/parser.py", "parse"),
    ("CSS cascade (computed styles)", "css/__init__.py", "get_all_computed_styles"),
    ("box tree", "formatting_structure/build.py", "build_formatting_structure"),
    ("layout, all pages", "layout/__init__.py", "layout_document"),
    ("  of which the facts' shrink-to-fit", "layout/inline.py", "inline_block_width"),
    ("  of which the contents' two columns", "layout/column.py", "columns_layout"),
    ("  of which text lines (split_first_line)", "text/line_break.py", "split_first_line"),
    ("drawing the pages", "draw/__init__.py", "draw_page"),
    ("images (embedding)", "weasyprint/images.py", "get_image_from_uri"),
    ("fonts (subsetting)", "pdf/fonts.py", "build_fonts_dictionary"),
    ("PDF/UA tags (structure tree)", "pdf/tags.py", "add_tags"),
    ("writing the file (pydyf)", "pydyf/__init__.py", "write"),
    ("XMP (our finisher)", "newsletter/output/pdf.py", "_write_xmp"),
)


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def measured(fn: Callable[[], object], clock: Callable[[], float]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (on `clock`) of one call."""
    c, t = clock(), time.perf_counter()
    fn()
    return time.perf_counter() - t, clock() - c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    make_issue = make_issue_script()
    if make_issue is None:
        return 2
    print("load before:", load())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        issue = root / "submissions" / "issue"
        generate_issue(make_issue, issue, args.n, "--clean")
        settings = load_settings(root=root)
        build_module.build_issue("issue", settings)  # cold: renditions and caches, not timed
        md = sorted(issue.glob("*/submission.md"))[0]
        original = md.read_text(encoding="utf-8")
        assert " und " in original
        stamp = md.stat()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "bench")]))
        edits = iter(range(1000))

        def edited_build(mode: str) -> None:
            md.write_text(original.replace(" und ", f" und{next(edits):03d} ", 1), "utf-8")
            os.utime(md, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # still on time
            cmd = [sys.executable, "-c", COMMAND, mode]
            subprocess.run(cmd, cwd=root, env=env, capture_output=True, check=True)

        command: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
        for _ in range(args.repeat):
            for mode in ("off", "on"):
                command[mode].append(measured(partial(edited_build, mode), cpu_children))

        # the view of the last build, and its outbox, for the PDF alone
        seen: dict[str, Any] = {}
        keep = root / "outbox-copy"

        def capture(view: Any, settings: Any, outbox: Path) -> bytes:
            seen["view"] = view
            shutil.copytree(outbox, keep, dirs_exist_ok=True)
            return b"%PDF-"

        real = build_module._render_pdf
        build_module._render_pdf = capture
        try:
            build_module.build_issue("issue", settings)
        finally:
            build_module._render_pdf = real
        view = seen["view"]
        html = pdf.render_html(view, settings)
        css = pdf._stylesheet(settings)
        from newsletter.output.pdf_memo import remembered

        def render(mode: str) -> bytes:
            if mode == "on":
                with remembered():
                    return pdf._write_pdf(view, html, css, keep.resolve())
            return pdf._write_pdf(view, html, css, keep.resolve())

        assert render("off") == render("on"), "the memo must not change a byte"
        alone: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
        for _ in range(args.repeat):
            for mode in ("off", "on"):
                alone[mode].append(measured(partial(render, mode), cpu_self))
        profile = cProfile.Profile()
        profile.runcall(render, "on")
    print("load after: ", load())

    def med(runs: list[tuple[float, float]], i: int) -> float:
        return statistics.median(r[i] for r in runs)

    print(f"\n{args.n} submissions, one edited; medians of {args.repeat}, alternating")
    print(f"{'what':<46} {'without':>8} {'with':>8} {'ratio':>6}")
    for label, runs in (("`newsletter build` after an edit", command), ("the PDF alone", alone)):
        for i, kind in ((0, "wall s"), (1, "CPU s")):
            off, on = med(runs["off"], i), med(runs["on"], i)
            print(f"{label + ', ' + kind:<46} {off:>8.2f} {on:>8.2f} {on / off:>5.2f}x")
    stats = pstats.Stats(profile)
    total = max(v[3] for v in stats.stats.values())  # type: ignore[attr-defined]
    print(f"\nwhere the PDF's time goes (one profiled render with the memo, {total:.1f} s):")
    for label, path, name in STAGES:
        cum = sum(
            v[3]
            for (file, _line, func), v in stats.stats.items()  # type: ignore[attr-defined]
            if func == name and file.endswith(path)
        )
        print(f"  {label:<44} {cum:6.2f} s {100 * cum / total:5.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
