"""Renditions of every approved photo and every logo of an issue: email and print, cached.

Stage: `issue_renditions(issue, settings) -> RenditionSet`. Each source picture is decoded
once (image_decode), and both renditions are made from that decode, never from each other
(image_encode). Results are cached by content hash + settings (image_cache); what misses is made
in a process pool. Then the email size budget is applied: if all email renditions together
exceed it, the perceptual target of every photo is lowered by the same amount, at most to the
floor, and a finding says what was done.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import math
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from newsletter.core import layout
from newsletter.core.config import Settings
from newsletter.core.models import Finding, Issue
from newsletter.images.cache import (
    EmailEntry,
    RenderJob,
    RenderSpec,
    SourceEntry,
    StoredFile,
    entry_dir,
    entry_key,
    failed_entry,
    guarded_email,
    guarded_source,
    no_email,
    read_entry,
    source_digest,
)

log = logging.getLogger(__name__)

Role = Literal["photo", "logo"]
Kind = Literal["email", "print"]
Progress = Callable[[int, int], None]

BUDGET_STEP = 0.5  # the lowered target moves on this grid, so budget passes hit the cache


class Rendition(BaseModel):
    """One file made from one source picture for one medium."""

    model_config = ConfigDict(frozen=True)

    submission: str
    source: str  # file name as in submission.md
    role: Role
    kind: Kind
    path: Path  # the file in the cache
    format: Literal["jpeg", "png"]
    width: int
    height: int
    bytes: int
    sha256: str
    quality: int | None  # JPEG quality
    score: float | None  # SSIMULACRA2 of the email rendition vs the resized original
    source_width: int
    source_height: int
    source_bytes: int


class BudgetReport(BaseModel):
    """What the email size budget did."""

    model_config = ConfigDict(frozen=True)

    budget_bytes: int
    target: float  # the configured SSIMULACRA2 target
    floor: float
    final_target: float  # what every email photo was made for
    bytes_at_target: int  # all email renditions (photos and logos) at the configured target
    total_bytes: int  # ... at the final target
    tried: tuple[tuple[float, int], ...] = ()  # (target, total bytes) of each pass

    @property
    def lowered(self) -> bool:
        """The target had to be lowered to fit."""
        return self.final_target < self.target

    @property
    def met(self) -> bool:
        """The email renditions fit into the budget."""
        return self.total_bytes <= self.budget_bytes


class RenditionSet(BaseModel):
    """All renditions of an issue, the problems found making them, and the budget."""

    model_config = ConfigDict(frozen=True)

    renditions: tuple[Rendition, ...]
    findings: tuple[Finding, ...]
    budget: BudgetReport
    made: int = 0  # source pictures decoded in this run
    cached: int = 0  # source pictures taken whole from the cache

    def for_source(self, submission: str, source: str, kind: Kind) -> Rendition | None:
        """The rendition of `source` (name as in submission.md) of `submission`, if any."""
        for r in self.renditions:
            if r.submission == submission and r.source == source and r.kind == kind:
                return r
        return None


@dataclasses.dataclass(frozen=True)
class _Use:
    """One place a source picture appears in the issue."""

    submission: str
    name: str
    role: Role
    index: int | None
    key: str


def _spec(settings: Settings, role: Role) -> RenderSpec:
    lay, img = settings.layout, settings.images
    logo = role == "logo"
    dots = lay.print_ppi / layout.MM_PER_INCH
    return RenderSpec(
        role=role,
        email_width=layout.email_pixel_width(lay, role),
        print_width=layout.print_pixel_width(lay, role),
        email_height=round(lay.email_logo_height * lay.email_density) if logo else 0,
        print_height=round(lay.print_logo_height_mm * dots) if logo else 0,
        target=img.ssimulacra2_target if role == "photo" else 0.0,
        print_quality=img.print_quality,
        max_bytes=settings.rules.max_image_bytes,
        max_pixels=settings.rules.max_image_pixels,
    )


# --- running jobs -----------------------------------------------------------------------------

_R = TypeVar("_R")


class _Ticker:
    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.done, self.total = progress, 0, total

    def grow(self, n: int) -> None:
        self.total += n

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)


class _Runner:
    """Runs jobs in a process pool (spawn: no inherited state), made on first need."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def __enter__(self) -> _Runner:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def run(
        self,
        fn: Callable[[RenderJob], _R],
        jobs: list[RenderJob],
        ticker: _Ticker,
        on_crash: Callable[[BaseException], _R],
    ) -> Iterator[tuple[RenderJob, _R]]:
        if self.workers <= 1 or len(jobs) <= 1:
            for job in jobs:
                result = fn(job)
                ticker.advance()
                yield job, result
            return
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        futures = {self._pool.submit(fn, job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # a worker died (segfault, out of memory)
                log.error("worker failed on %s: %r", futures[future].path, exc)
                result = on_crash(exc)
            ticker.advance()
            yield futures[future], result


# --- the stage ----------------------------------------------------------------------------------


def issue_renditions(
    issue: Issue,
    settings: Settings,
    *,
    progress: Progress | None = None,
    skip: frozenset[str] = frozenset(),
    carried: frozenset[tuple[str, str]] | None = None,
) -> RenditionSet:
    """Email and print renditions of every approved photo and every logo, budget applied.

    `carried`: the (submission, photo) pairs the email really shows (a shortened email shows
    fewer); only those count against the budget and only those are lowered. None: all.
    """
    root = settings.path(settings.cache_dir) / "images"
    specs: dict[Role, RenderSpec] = {
        "photo": _spec(settings, "photo"),
        "logo": _spec(settings, "logo"),
    }
    uses: list[_Use] = []
    jobs: dict[str, RenderJob] = {}
    for sub in issue.submissions:
        if sub.slug in skip:
            continue
        wanted: list[tuple[str, Path | None, Role, int | None]] = []
        if sub.logo is not None:
            wanted.append((sub.logo.name, sub.logo.path, "logo", None))
        for photo in sub.photos:  # a photo without a release is never even read
            if photo.publishable and photo.file is not None:
                wanted.append((photo.file.name, photo.file.path, "photo", photo.index))
        for name, path, role, index in wanted:
            if path is None or not path.is_file():
                continue  # missing or outside the folder: the rules report it
            key = entry_key(source_digest(path), dataclasses.asdict(specs[role]))
            jobs.setdefault(key, RenderJob(path=path, key=key, spec=specs[role], root=root))
            uses.append(_Use(sub.slug, name, role, index, key))

    entries: dict[str, SourceEntry] = {}
    for key in jobs:
        cached = read_entry(root, key, SourceEntry)
        if cached is not None:
            entries[key] = cached
    misses = [job for key, job in jobs.items() if key not in entries]
    ticker = _Ticker(progress, len(jobs))
    ticker.advance(len(jobs) - len(misses))
    with _Runner(settings.images.workers or os.cpu_count() or 1) as runner:
        for job, entry in runner.run(guarded_source, misses, ticker, failed_entry):
            entries[job.key] = entry
        counted = (
            uses
            if carried is None
            else [u for u in uses if u.role == "logo" or (u.submission, u.name) in carried]
        )
        budget, emails = _fit_budget(counted, entries, jobs, settings, runner, ticker)
    findings = [*_use_findings(uses, entries, settings), *_budget_findings(budget)]
    renditions = list(_renditions(uses, entries, emails, root))
    log.info(
        "renditions: %d sources, %d made, %d from the cache",
        len(jobs),
        len(misses),
        len(jobs) - len(misses),
    )
    return RenditionSet(
        renditions=tuple(renditions),
        findings=tuple(findings),
        budget=budget,
        made=len(misses),
        cached=len(jobs) - len(misses),
    )


def _fit_budget(
    uses: list[_Use],
    entries: dict[str, SourceEntry],
    jobs: dict[str, RenderJob],
    settings: Settings,
    runner: _Runner,
    ticker: _Ticker,
) -> tuple[BudgetReport, dict[str, tuple[str, StoredFile]]]:
    """Lower every photo's target evenly until all email renditions fit the budget."""
    img = settings.images
    target, floor, budget = img.ssimulacra2_target, img.ssimulacra2_floor, img.email_budget_bytes
    photos = Counter(u.key for u in uses if u.role == "photo" and entries[u.key].email)
    logos = sum(_email_bytes(entries[u.key]) for u in uses if u.role == "logo")
    base = {k: (k, e) for k in photos if (e := entries[k].email) is not None}
    at: dict[float, dict[str, tuple[str, StoredFile]]] = {target: base}
    samples = {k: dict(entries[k].samples) for k in photos}

    def total(t: float) -> int:
        return logos + sum(n * at[t][k][1].bytes for k, n in photos.items())

    def evaluate(t: float) -> int:
        made: dict[str, tuple[str, StoredFile]] = {}
        todo: list[tuple[RenderJob, str]] = []
        for k in sorted(photos):
            job = jobs[k]
            key = entry_key(k, {"email_only": True, "target": t})
            hit = read_entry(job.root, key, EmailEntry)
            if hit is not None:
                made[k] = (key, hit.email)
            else:
                todo.append((dataclasses.replace(job, key=key, target=t, known=samples[k]), k))
        source_of = {job.key: k for job, k in todo}
        ticker.grow(len(todo))
        for job, entry in runner.run(guarded_email, [j for j, _ in todo], ticker, no_email):
            source = source_of[job.key]
            made[source] = (job.key, entry.email) if entry else at[target][source]
            if entry:
                samples[source].update(entry.samples)
        at[t] = made
        return total(t)

    before = total(target)
    tried = [(target, before)]
    final = target
    if before > budget and photos and floor < target:
        lo, lo_total = floor, evaluate(floor)
        tried.append((floor, lo_total))
        final = floor
        if lo_total <= budget:
            hi, hi_total = target, before
            while hi - lo > BUDGET_STEP + 1e-9:
                guess = lo + (budget - lo_total) * (hi - lo) / max(1, hi_total - lo_total)
                t = min(
                    max(math.floor(guess / BUDGET_STEP) * BUDGET_STEP, lo + BUDGET_STEP),
                    hi - BUDGET_STEP,
                )
                t_total = evaluate(t)
                tried.append((t, t_total))
                if t_total <= budget:
                    lo, lo_total = t, t_total
                else:
                    hi, hi_total = t, t_total
            final = lo
    report = BudgetReport(
        budget_bytes=budget,
        target=target,
        floor=floor,
        final_target=final,
        bytes_at_target=before,
        total_bytes=total(final),
        tried=tuple(tried),
    )
    return report, at[final]


def _email_bytes(entry: SourceEntry) -> int:
    return entry.email.bytes if entry.email is not None else 0


def _budget_findings(budget: BudgetReport) -> Iterable[Finding]:
    if budget.lowered:
        yield Finding(
            code="BUDGET_LOWERED",
            params={
                "target": budget.target,
                "lowered_to": budget.final_target,
                "budget_bytes": budget.budget_bytes,
                "before_bytes": budget.bytes_at_target,
                "total_bytes": budget.total_bytes,
            },
        )
    if not budget.met:
        yield Finding(
            code="BUDGET_EXCEEDED",
            params={
                "floor": budget.floor,
                "budget_bytes": budget.budget_bytes,
                "total_bytes": budget.total_bytes,
            },
        )


def _use_findings(
    uses: list[_Use], entries: dict[str, SourceEntry], settings: Settings
) -> Iterable[Finding]:
    """Decode findings and size findings, worded as the rules word them (same code, params)."""
    for use in uses:
        entry = entries[use.key]
        what: dict[str, Any] = {"role": use.role, "name": use.name}
        for f in entry.findings:
            yield Finding(
                code=f.code,
                submission=use.submission,
                file=use.name,
                params={**what, **f.params},
            )
        if entry.email is None or entry.format == "SVG":
            continue
        for code, params in _size_findings(use, entry, settings):
            yield Finding(
                code=code,
                submission=use.submission,
                file=use.name,
                params=params,
            )


def _size_findings(
    use: _Use, entry: SourceEntry, settings: Settings
) -> Iterator[layout.SizeFinding]:
    yield from layout.size_findings(
        settings.layout, use.role, use.index, use.name, entry.width, entry.height
    )


def _renditions(
    uses: list[_Use],
    entries: dict[str, SourceEntry],
    emails: dict[str, tuple[str, StoredFile]],
    root: Path,
) -> Iterator[Rendition]:
    for use in uses:
        entry = entries[use.key]
        chosen: list[tuple[Kind, str, StoredFile | None]] = [
            ("email", *emails.get(use.key, (use.key, entry.email))),
            ("print", use.key, entry.print),
        ]
        for kind, key, stored in chosen:
            if stored is None:
                continue
            yield Rendition(
                submission=use.submission,
                source=use.name,
                role=use.role,
                kind=kind,
                path=entry_dir(root, key) / stored.file,
                format=stored.format,
                width=stored.width,
                height=stored.height,
                bytes=stored.bytes,
                sha256=stored.sha256,
                quality=stored.quality,
                score=stored.score,
                source_width=entry.width,
                source_height=entry.height,
                source_bytes=entry.bytes,
            )
