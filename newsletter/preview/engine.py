"""The preview's engine: rebuild the email on request, render the PDF in the background.

The threads share one immutable `Snapshot`, replaced whole under a condition variable, so a
reader (the HTTP server's threads) always sees one consistent state:

- the watcher (preview_watch.py) asks for a build once the issue folder, `templates/` and the
  config file have changed and been quiet for a moment;
- the builder runs one build at a time, with `force=True` into the preview's own outbox
  (`outbox/` only changes when the editor runs `newsletter build`), without the PDF, so the email
  is back within a second; `build_issue` swaps the folder in atomically, so the old output is
  served until the new one is complete, and a failed build leaves it in place;
- the PDF thread then has the full build, PDF included, made in a separate process into a
  second folder. WeasyPrint needs seconds and the GIL; in a process it neither slows the next
  email build nor has to be waited for: a newer email terminates it. The process that made the
  last PDF stays for the next one, and a standby with WeasyPrint imported replaces a terminated
  one, so a PDF costs little more than its rendering.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import multiprocessing
import multiprocessing.connection
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsletter.check.stage import CheckReport
from newsletter.core.config import Settings
from newsletter.core.errors import ConfigError, NewsletterError
from newsletter.output.build import BuildResult, build_issue, check_for_build
from newsletter.texts.cli import ntr, tr
from newsletter.texts.messages import render

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GoodBuild:
    """The last email build that succeeded: what the page shows."""

    generation: int
    result: BuildResult
    report: CheckReport
    settings: Settings
    finished: dt.datetime


@dataclass(frozen=True)
class Failure:
    """Why the latest build failed, in words for the editor."""

    message: str
    details: tuple[str, ...]
    at: dt.datetime


@dataclass(frozen=True)
class PdfBuild:
    """The last PDF that was rendered, and which email build it was started for."""

    path: Path
    generation: int
    finished: dt.datetime
    seconds: float


@dataclass(frozen=True)
class Snapshot:
    """Everything the page shows at one moment."""

    seq: int = 0  # bumps on every change (the live-reload stream waits for it)
    page: int = 0  # bumps when the page must reload: an email build finished or failed
    pdf_seq: int = 0  # bumps when the PDF panel changes
    good: GoodBuild | None = None
    failure: Failure | None = None
    building: bool = False
    progress: str = ""
    pdf: PdfBuild | None = None
    pdf_building: bool = False
    pdf_error: str | None = None


def describe_error(exc: BaseException, lang: str, report: CheckReport | None) -> Failure:
    """A failed build as the editor reads it (in `lang`): a sentence and the details behind it."""
    import jinja2

    now = dt.datetime.now()
    if isinstance(exc, ConfigError):
        texts = exc.english if lang == "en" else [msg for _key, msg in exc.problems]
        return Failure(
            ntr(  # as `newsletter` itself says it (cli/main.py)
                "Die Einstellungen in {path} enthalten {n} Fehler:",
                "Die Einstellungen in {path} enthalten {n} Fehler:",
                len(exc.problems),
                lang,
                path=exc.path,
            ),
            tuple(
                f"{key or tr('(Datei)', lang)}: {msg}"
                for (key, _msg), msg in zip(exc.problems, texts, strict=True)
            ),
            now,
        )
    if isinstance(exc, NewsletterError):
        details: tuple[str, ...] = ()
        if report is not None and exc.code == "BUILD_FATAL":
            details = tuple(  # a message never repeats its file: it is shown beside it
                f"{f.file}: {f.message(lang)}" if f.file else f.message(lang)
                for f in report.findings
                if f.severity == "error" and f.submission is None
            )
        elif report is not None and exc.code == "BUILD_EMPTY":  # what keeps each one out
            details = tuple(
                f"{f.submission}: {f.message(lang)}"
                for f in report.findings
                if f.severity == "error" and f.submission is not None
            )
        return Failure(render(exc.code, lang, exc.params), details, now)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Failure(
            tr(
                "Fehler in der Vorlage {name}, Zeile {line}: {detail}",
                lang,
                name=exc.name or exc.filename,
                line=exc.lineno,
                detail=exc.message,
            ),
            (tr("Datei: {path}", lang, path=exc.filename),) if exc.filename else (),
            now,
        )
    if isinstance(exc, jinja2.TemplateError):
        return Failure(tr("Fehler in einer Vorlage: {detail}", lang, detail=exc), (), now)
    return Failure(
        tr(
            "Die Vorschau konnte nicht gebaut werden: {kind}: {detail}",
            lang,
            kind=type(exc).__name__,
            detail=exc,
        ),
        (tr("Ein unerwarteter Fehler; die Einzelheiten stehen im Terminal.", lang),),
        now,
    )


def pdf_worker(conn: Any) -> None:
    """In a child process: import the slow parts, then run full builds as they come."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's: it ends us cleanly
    import newsletter.output.pdf  # noqa: F401  (WeasyPrint: imported while waiting, not after the edit)

    while True:
        try:
            issue_arg, settings, root, lang = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = build_issue(issue_arg, settings, force=True, outbox_root=root, with_pdf=True)
            conn.send(("ok", str(result.outbox / "newsletter.pdf"), result.seconds))
        except Exception as exc:
            conn.send(("error", describe_error(exc, lang, None).message, 0.0))


@dataclass
class _Worker:
    """A PDF process and the pipe to it; cancelling a job is terminating its process."""

    proc: Any
    conn: Any

    @classmethod
    def start(cls, ctx: Any) -> _Worker:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=pdf_worker, args=(child,), name="newsletter-pdf")
        proc.start()
        child.close()
        return cls(proc, parent)

    def give(self, job: tuple[str, Settings, Path, str]) -> bool:
        try:
            self.conn.send(job)
            return True
        except OSError:  # it died while starting: result() tells how
            return False

    def result(self, lang: str) -> tuple[str, str, float]:
        try:
            if self.conn.poll():
                kind, text, seconds = self.conn.recv()
                return str(kind), str(text), float(seconds)
        except (EOFError, OSError):
            pass
        self.proc.join(5)
        code = self.proc.exitcode
        text = tr("Der PDF-Prozess wurde unerwartet beendet (Code {code}).", lang, code=code)
        return ("error", text, 0.0)

    def end(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


class Rebuilder:
    """Owns the snapshot; builds the email on request and the PDF after it."""

    def __init__(
        self,
        issue_arg: str,
        settings: Settings,
        preview_root: Path,
        *,
        reload_settings: Callable[[], Settings] | None = None,
        lang: str = "de",
    ) -> None:
        self.issue_arg = issue_arg
        self.settings = settings
        self.reload_settings = reload_settings
        self.lang = lang
        self.email_root = preview_root / "email"
        self.pdf_root = preview_root / "pdf"
        self._cond = threading.Condition()
        self._snap = Snapshot()
        self._generation = 0
        self._wanted = threading.Event()
        self._pdf_wanted = threading.Event()
        self._pdf_request: tuple[int, Settings] = (0, settings)

    # -- the shared state --------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The current state (immutable)."""
        with self._cond:
            return self._snap

    def _update(self, *, new_page: bool = False, new_pdf: bool = False, **changes: Any) -> None:
        with self._cond:
            s = self._snap
            self._snap = dataclasses.replace(
                s,
                seq=s.seq + 1,
                page=s.page + new_page,
                pdf_seq=s.pdf_seq + new_pdf,
                **changes,
            )
            self._cond.notify_all()

    def wait_for_change(self, seen: int, timeout: float) -> Snapshot:
        """The snapshot once its `seq` differs from `seen` (or after `timeout` seconds)."""
        with self._cond:
            self._cond.wait_for(lambda: self._snap.seq != seen, timeout)
            return self._snap

    def wake_all(self) -> None:
        """Wake every waiting reader (at shutdown)."""
        self._update()

    # -- email builds -------------------------------------------------------------------------
    def request(self) -> None:
        """Ask for a build (several requests during one build give one more build)."""
        self._wanted.set()

    def run_builds(self, stop: threading.Event) -> None:
        """The builder thread: one build at a time, whenever one was requested."""
        while not stop.is_set():
            if self._wanted.wait(0.2):
                self._wanted.clear()
                self.build_once()

    def build_once(self) -> None:
        """Build the email now; on success ask for a PDF, on failure keep the last good one."""
        self._update(building=True, progress=tr("Wird gebaut …", self.lang))
        report: CheckReport | None = None
        try:
            if self.reload_settings is not None:
                self.settings = self.reload_settings()
            settings = self.settings
            checked = check_for_build(self.issue_arg, settings)  # once: the page shows it
            report = checked.report
            result = build_issue(
                checked,
                settings,
                force=True,
                progress=self._progress,
                outbox_root=self.email_root,
                with_pdf=False,
            )
        except Exception as exc:
            if not isinstance(exc, NewsletterError):
                log.exception("preview build failed")
            failure = describe_error(exc, self.lang, report)
            self._update(new_page=True, building=False, progress="", failure=failure)
            return
        assert report is not None
        self._generation += 1
        good = GoodBuild(self._generation, result, report, settings, dt.datetime.now())
        log.info("preview built in %.2f s", result.seconds)
        self._update(new_page=True, building=False, progress="", failure=None, good=good)
        with self._cond:
            self._pdf_request = (good.generation, settings)
        self._pdf_wanted.set()

    def _progress(self, done: int, total: int) -> None:
        self._update(progress=tr("Bilder: {done} von {total}", self.lang, done=done, total=total))

    # -- the PDF, in a process ----------------------------------------------------------------
    def run_pdfs(self, stop: threading.Event) -> None:
        """The PDF thread: render the newest request; a newer one cancels the running one.

        The process that rendered the last PDF stays for the next one (WeasyPrint's fonts
        are loaded by then); a standby process with WeasyPrint imported replaces one that had
        to be cancelled. Either saves a second or more per PDF.
        """
        ctx = multiprocessing.get_context("spawn")  # no inherited threads or locks
        warm: _Worker | None = None
        standby: _Worker | None = None
        running: _Worker | None = None
        generation = 0
        try:
            while not stop.is_set():
                if running is None:
                    if standby is None:  # ready for when the warm one must be cancelled
                        standby = _Worker.start(ctx)
                    if not self._pdf_wanted.wait(0.2):
                        continue
                    self._pdf_wanted.clear()
                    with self._cond:
                        generation, settings = self._pdf_request
                    # a cancelled (terminated) build's `.ISSUE.build-…` folder is removed by
                    # the next build_issue into the same root
                    if warm is not None:
                        running, warm = warm, None
                    else:
                        running, standby = standby, None
                    running.give((self.issue_arg, settings, self.pdf_root, self.lang))
                    self._update(new_pdf=True, pdf_building=True)
                    continue
                ready = multiprocessing.connection.wait(
                    [running.conn, running.proc.sentinel], timeout=0.2
                )
                if self._pdf_wanted.is_set():  # a newer email: this PDF is outdated already
                    running.end()
                    running = None
                    continue
                if ready:
                    outcome = running.result(self.lang)
                    if running.proc.is_alive():
                        warm = running
                    else:
                        running.end()
                    running = None
                    self._pdf_done(outcome, generation)
        finally:
            for worker in (running, warm, standby):
                if worker is not None:
                    worker.end()

    def _pdf_done(self, outcome: tuple[str, str, float], generation: int) -> None:
        kind, text, seconds = outcome
        if kind == "ok":
            pdf = PdfBuild(Path(text), generation, dt.datetime.now(), seconds)
            self._update(new_pdf=True, pdf=pdf, pdf_building=False, pdf_error=None)
        else:
            self._update(new_pdf=True, pdf_building=False, pdf_error=text)
