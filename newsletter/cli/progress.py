"""Progress of the long commands (build, send): bars at a terminal, one line per stage without.

The stages themselves only call back (`stage(name)`, `count(done, total)`); how that is shown
is decided here, in the CLI layer. At a terminal a rich display on stderr shows each stage with
its elapsed time, a bar with counts where there is something to count (pictures, recipients)
and a moving bar where there is not (the PDF). Without a terminal (cron, CI, a pipe) each
stage prints one line to stderr as it begins, so a log shows where the time went.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from newsletter.texts.cli import N_, tr

LABELS: dict[str, str] = {
    "check": N_("Prüfen"),
    "images": N_("Bilder"),
    "render": N_("E-Mail, Text und Web-Version"),
    "pdf": N_("PDF"),
    "write": N_("Ablegen"),
    "send": N_("Versand"),
    "dry_run": N_("Nachrichten schreiben"),
    "mailbox": N_("Postfach lesen"),
    "confirmations": N_("Bestätigungsmails"),
}


class StageProgress:
    """A context manager: `stage(name)` as a stage begins, `count(done, total)` within it."""

    def __init__(self, err: Console, lang: str) -> None:
        self.err, self.lang = err, lang
        self.stage_started = self.last_line = time.perf_counter()
        self.live = err.is_terminal
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        self.current: str | None = None

    def __enter__(self) -> StageProgress:
        if self.live:
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.err,
                transient=True,
            )
            self.bar.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, exc, tb)

    def label(self, name: str) -> str:
        return tr(LABELS[name], self.lang) if name in LABELS else name

    def _seconds(self, since: float) -> str:
        text = f"{time.perf_counter() - since:.1f}"
        return text if self.lang == "en" else text.replace(".", ",")

    def _line(self, text: str) -> None:
        self.err.print(text, markup=False, highlight=False)
        self.last_line = time.perf_counter()

    def stage(self, name: str) -> None:
        """A stage begins."""
        previous, self.current = self.current, name
        if self.bar is not None:
            if self.task is not None:  # the previous stage is done: hide its line
                self.bar.update(self.task, total=1, completed=1, visible=False)
            self.task = self.bar.add_task(self.label(name), total=None)
            return
        took = (
            f" ({self.label(previous)}: {self._seconds(self.stage_started)} s)" if previous else ""
        )
        self.stage_started = time.perf_counter()
        self._line(f"{self.label(name)} …{took}")

    def count(self, done: int, total: int) -> None:
        """Within a stage: `done` of `total` things."""
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=done, total=total)
        elif self.bar is None and 0 < done < total and time.perf_counter() - self.last_line >= 5:
            label = self.label(self.current or "")
            self._line(
                tr("{label}: {done} von {total}", self.lang, label=label, done=done, total=total)
            )

    def callbacks(self) -> dict[str, Any]:
        """The keyword arguments for build_issue."""
        return {"stage": self.stage, "progress": self.count}
