"""`newsletter build`: check -> renditions -> view -> email, text, web, PDF, .ics -> outbox.

Everything is written into a temporary folder beside `outbox/ISSUE/`, which is then swapped in
with one atomic rename (Linux `renameat2(RENAME_EXCHANGE)`), so readers of the outbox see the
old build or the new one, never a mixture, and an interrupted build leaves the previous output
as it was. The submissions folder is only read.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import glob
import hashlib
import hmac
import html
import json
import logging
import os
import secrets
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from newsletter.check.stage import CheckReport, run_check
from newsletter.core.config import Settings
from newsletter.core.errors import NewsletterError
from newsletter.core.filenames import ascii_slug
from newsletter.core.files import write_atomic
from newsletter.core.models import Finding, Issue
from newsletter.intake.reader import resolve_issue
from newsletter.output import ics
from newsletter.output.content import IssueView, Placed, build_view
from newsletter.output.inputs import issue_inputs
from newsletter.output.manifest import (
    CONSENT_CODES,
    MANIFEST,
    EmailRecord,
    FrameFiles,
    Manifest,
    PersonalPlaces,
    build_manifest,
)
from newsletter.output.personal import general_unsubscribe_link, place_personal
from newsletter.output.render import fit_email, render_email_html, render_text, render_web
from newsletter.output.transfer import sent_bytes
from newsletter.texts.i18n import FRAMES, SOURCE

if TYPE_CHECKING:  # images.py is imported when a build runs (it starts a process pool)
    from newsletter.images.renditions import Kind, Rendition

log = logging.getLogger(__name__)

# Issue-level problems that make a build meaningless, even with --force.
FATAL = frozenset(
    {
        "ISSUE_TOML_MISSING",
        "ISSUE_TOML_SYNTAX",
        "ISSUE_TOML_FIELD",
        "ISSUE_TOML_UNKNOWN_KEY",
        "NO_SUBMISSIONS",
    }
)
# The stages `build_issue` reports to its `stage` callback, in order.
STAGES = ("check", "images", "render", "pdf", "write")


@dataclass(frozen=True)
class Checked:
    """An issue checked for a build: the hashes of its inputs, taken before it was read (an
    edit in between makes the build look outdated, never current), and the check's report."""

    inputs: dict[str, Any]
    report: CheckReport


def check_for_build(issue_arg: str, settings: Settings) -> Checked:
    """Hash the issue's inputs, then read and judge it: what `build_issue` builds from."""
    inputs = issue_inputs(resolve_issue(issue_arg, settings), settings)
    return Checked(inputs, run_check(issue_arg, settings))


@dataclass(frozen=True)
class BuildResult:
    """Where the build went and what it did."""

    outbox: Path
    manifest: Manifest  # as written to outbox/ISSUE/manifest.json
    findings: tuple[Finding, ...]  # check's and the image pipeline's
    image_findings: tuple[Finding, ...]  # the build's own: images, email size (check cannot)
    left_out: tuple[str, ...]
    seconds: float

    @property
    def photos_left_out(self) -> list[Finding]:
        """The warnings that name each photo left out for want of a release."""
        return [
            f
            for f in self.findings
            if f.code in CONSENT_CODES and f.submission not in self.left_out
        ]


def _place(renditions: Sequence[Rendition], tmp: Path) -> dict[tuple[str, str, Kind], Placed]:
    """Copy the renditions into the build folder; where each is and how big."""
    from newsletter.images.logo_plate import needs_light_plate

    placed: dict[tuple[str, str, Kind], Placed] = {}
    for r in renditions:
        folder = "images" if r.kind == "email" else "print"
        # the pipeline names its files (filenames.py), never the contributor
        stem = ascii_slug(Path(r.source).stem, fallback="bild")
        sub_dir = ascii_slug(r.submission, fallback="einreichung")
        rel = _unique(tmp, f"{folder}/{sub_dir}/{stem}.{_ext(r.format)}")
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(r.path, tmp / rel)
        plate = r.kind == "email" and needs_light_plate(tmp / rel)
        placed[(r.submission, r.source, r.kind)] = Placed(rel, r.width, r.height, r.bytes, plate)
    return placed


def _carried(
    email_view: IssueView, placed: Mapping[tuple[str, str, Kind], Placed]
) -> frozenset[tuple[str, str]]:
    """The (submission, photo) pairs the email shows, as the template picks them."""
    source_of = {p.href: (slug, source) for (slug, source, kind), p in placed.items()}
    out = set()
    for s in email_view.submissions:
        for pic in s.photos if not s.excerpt_html else s.photos[:1]:
            if pic.email is not None and pic.email.href in source_of:
                out.add(source_of[pic.email.href])
    return frozenset(out)


def build_issue(
    issue: str | Checked,
    settings: Settings,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    outbox_root: Path | None = None,
    with_pdf: bool = True,
    stage: Callable[[str], None] | None = None,
    withdrawn: frozenset[tuple[str, str]] | None = None,
    print_shop: bool = False,
) -> BuildResult:
    """Build everything for an issue into outbox/ISSUE/, atomically.

    `issue`: the issue's name or folder (checked here), or what `check_for_build` made of it
    when the caller has already checked it (the preview shows the report).
    `outbox_root` replaces the configured outbox (the preview builds into its own);
    `with_pdf=False` skips the slowest stage (the preview renders the PDF afterwards);
    `print_shop` adds the print shop's edition (pdf.PRINT_SHOP_PDF: PDF/X-4, bleed, crop marks).
    `stage(name)` is called as each stage begins (one of STAGES); `progress(done, total)`
    counts the pictures.
    `withdrawn` holds (slug, photo file) pairs whose release was withdrawn (withdraw.py): those
    photos are left out as if they had no release, never even decoded; None: the withdrawals
    recorded in the store for this issue.
    """
    from newsletter.images.renditions import issue_renditions

    def begin(name: str) -> None:
        if stage is not None:
            stage(name)

    started = time.perf_counter()
    if isinstance(issue, str):
        begin("check")
        issue = check_for_build(issue, settings)
    inputs, report = issue.inputs, issue.report
    left_out = _refuse_or_leave_out(report, force)
    if withdrawn is None:
        from newsletter.intake.withdrawals import read_withdrawals, withdrawn_pairs

        db = settings.path(settings.subscribers.database)
        withdrawn = withdrawn_pairs(read_withdrawals(db), report.intake.issue.slug)
    content = without_photos(report.intake.issue, withdrawn)
    begin("images")
    renditions = issue_renditions(content, settings, progress=progress, skip=frozenset(left_out))
    # the pipeline repeats some header findings of the rules (same code, file, numbers)
    findings = report.findings + [f for f in renditions.findings if f not in report.findings]

    root = outbox_root or settings.path(settings.outbox_dir)
    root.mkdir(parents=True, exist_ok=True)
    final = root / content.slug
    lock = _one_build_at_a_time(root, content.slug)
    tmp: Path | None = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{content.slug}.build-", dir=root))
        tmp.chmod(0o755)  # mkdtemp makes it private; the outbox is meant to be published
        placed = _place(renditions.renditions, tmp)
        included = frozenset(s.slug for s in content.submissions) - set(left_out)
        view = build_view(content, settings, placed, include=included, left_out=left_out)
        # The reader's own unsubscribe link goes only where the template puts it: a marker no
        # submission can contain (random, made after the content was read) marks the places,
        # the published files get the general link there, the manifest records where. The
        # email is fitted with it here already: the fit that picks the carried photos is the
        # one sent, and the fit below finds every email it tries inlined in the cache.
        marker = _personal_marker(settings, inputs)
        carried = _carried(fit_email(view, settings, unsubscribe_url=marker)[1], placed)
        shown = {(u.submission, u.source) for u in renditions.renditions if u.role == "photo"}
        if carried != shown and renditions.budget.lowered:
            # the budget was spent on photos the (shortened) email does not carry: count only
            # what the message carries, and keep the web version's photos at full quality
            renditions = issue_renditions(
                content, settings, progress=progress, skip=frozenset(left_out), carried=carried
            )
            findings = report.findings + [
                f for f in renditions.findings if f not in report.findings
            ]
            shutil.rmtree(tmp / "images", ignore_errors=True)
            shutil.rmtree(tmp / "print", ignore_errors=True)
            placed = _place(renditions.renditions, tmp)
        begin("render")
        included = frozenset(s.slug for s in content.submissions) - set(left_out)
        view = build_view(content, settings, placed, include=included, left_out=left_out)
        general = general_unsubscribe_link(settings)
        email_html, email_view = fit_email(view, settings, unsubscribe_url=marker)
        # The frame (the newsletter's own words) in every language with a catalogue, German
        # first: compose picks each reader's by the subscriber's language (i18n.FRAMES). The
        # other languages are made from the view the German email was fitted with, so every
        # reader gets the same contributions, cut the same way, with the same pictures.
        personal: dict[str, PersonalPlaces] = {}
        frames: dict[str, FrameFiles] = {}
        for lang in FRAMES:
            html_name, text_name = frame_files(lang)
            if lang != SOURCE:
                frame_html = render_email_html(
                    email_view, settings, unsubscribe_url=marker, lang=lang
                )
            else:
                frame_html = email_html
            frame_html, html_at = place_personal(frame_html, marker, html.escape(general))
            frame_text, text_at = place_personal(
                render_text(view, settings, unsubscribe_url=marker, lang=lang), marker, general
            )
            personal[html_name] = PersonalPlaces(link=html.escape(general), at=tuple(html_at))
            personal[text_name] = PersonalPlaces(link=general, at=tuple(text_at))
            frames[lang] = FrameFiles(html=html_name, text=text_name)
            size = sent_bytes(frame_html)  # as the message carries it (transfer-encoded)
            if size > settings.email.max_html_bytes:
                findings.append(
                    Finding(
                        code="EMAIL_TOO_LARGE",
                        file=html_name,
                        params={"size_bytes": size, "limit_bytes": settings.email.max_html_bytes},
                    )
                )
            _write(tmp / html_name, frame_html.encode())
            _write(tmp / text_name, frame_text.encode())
            if lang == SOURCE:
                email_html = frame_html
        _write(tmp / "web" / "index.html", render_web(view, settings).encode())
        tz = ZoneInfo(settings.timezone)
        stamp = content.date or (content.deadline.date() if content.deadline else None)
        if view.events and stamp is not None:
            for e in view.events:
                _write(tmp / e.ics, ics.calendar([e], tz, stamp, e.title))
            _write(tmp / view.ics_all_href, ics.calendar(view.events, tz, stamp, view.heading))
        for a, att in zip(view.attachments, content.attachments, strict=False):
            if att.file.path is not None:
                _write(tmp / a.href, att.file.path.read_bytes())
        if with_pdf:
            begin("pdf")
            _write(tmp / view.pdf_href, _render_pdf(view, settings, tmp))
        if print_shop:
            from newsletter.output.pdf import PRINT_SHOP_PDF, render_pdf

            _write(tmp / PRINT_SHOP_PDF, render_pdf(view, settings, tmp, print_shop=True))
        begin("write")
        email = EmailRecord(
            html_bytes=len(email_html.encode()),
            html_bytes_sent=sent_bytes(email_html),
            limit_bytes=settings.email.max_html_bytes,
            shortened=email_view.shortened,
        )
        manifest = build_manifest(
            tmp,
            report,
            findings,
            left_out,
            renditions,
            email,
            settings,
            personal=personal,
            frames=frames,
            inputs=inputs,
            placed=placed,
            withdrawn=withdrawn,
        )
        _write(tmp / MANIFEST, manifest.json_bytes())
        swap_into_place(tmp, final)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        os.close(lock)  # the lock goes with its descriptor
    return BuildResult(
        outbox=final,
        manifest=manifest,
        findings=tuple(findings),
        image_findings=tuple(findings[len(report.findings) :]),
        left_out=left_out,
        seconds=time.perf_counter() - started,
    )


def _personal_marker(settings: Settings, inputs: dict[str, Any]) -> str:
    """The marker of the reader's own link: a keyed hash of the build's inputs.

    Nobody without the key (random, in the private cache folder) can know it, and it depends
    on every submission's bytes, so no submission can contain it. It stays the same while the
    inputs do, so a rebuild renders the same HTML and finds its inlined CSS in the cache.
    """
    folder = settings.path(settings.cache_dir)
    key_file = folder / "marker.key"
    try:
        key = key_file.read_bytes()
    except OSError:
        key = b""
    if len(key) < 32:
        key = secrets.token_bytes(32)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(key_file, key)
        except OSError as exc:  # no cache: a random marker, as before (no cache hit)
            log.warning("marker key not written: %s", exc)
    blob = json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode()
    return "personal-link-" + hmac.new(key, blob, hashlib.sha256).hexdigest()[:32]


def frame_files(lang: str) -> tuple[str, str]:
    """The HTML and text files of the email with its frame in `lang` (German: email.html)."""
    if lang == SOURCE:
        return "email.html", "email.txt"
    return f"email.{lang}.html", f"email.{lang}.txt"


def without_photos(issue: Issue, withdrawn: frozenset[tuple[str, str]]) -> Issue:
    """`issue` without the photos in `withdrawn` (slug, file name; compared in NFC, any case)."""
    if not withdrawn:
        return issue
    gone = {(slug, unicodedata.normalize("NFC", name).casefold()) for slug, name in withdrawn}
    subs = []
    for sub in issue.submissions:
        keep = tuple(
            p
            for p in sub.photos
            if p.file is None
            or (sub.slug, unicodedata.normalize("NFC", p.file.name).casefold()) not in gone
        )
        subs.append(sub.model_copy(update={"photos": keep}) if keep != sub.photos else sub)
    return issue.model_copy(update={"submissions": tuple(subs)})


def _render_pdf(view: IssueView, settings: Settings, outbox: Path) -> bytes:
    from newsletter.output.pdf import render_pdf

    return render_pdf(view, settings, outbox)


def _refuse_or_leave_out(report: CheckReport, force: bool) -> tuple[str, ...]:
    """The submissions to leave out; NewsletterError if the build must not go on."""
    fatal = [f for f in report.findings if f.severity == "error" and f.code in FATAL]
    if fatal:
        raise NewsletterError("BUILD_FATAL", None, {"codes": ", ".join(f.code for f in fatal)})
    bad = sorted(
        {
            f.submission
            for f in report.findings
            if f.severity == "error" and f.submission is not None
        }
        | set(report.intake.unreadable)
    )
    if bad and not force:
        raise NewsletterError("BUILD_REFUSED", None, {"slugs": ", ".join(bad), "count": len(bad)})
    issue = report.intake.issue
    if not issue.editorials and not {s.slug for s in issue.submissions} - set(bad):
        # --force must not turn "everything is broken" into an empty newsletter
        raise NewsletterError("BUILD_EMPTY", None, {"slugs": ", ".join(bad), "count": len(bad)})
    return tuple(bad)


def _ext(fmt: str) -> str:
    return "jpg" if fmt == "jpeg" else fmt


def _unique(root: Path, rel: str) -> str:
    """`rel`, or `stem-2.ext` ... if two sources share a stem (foto.png and foto.jpg)."""
    candidate, n = rel, 1
    while (root / candidate).exists():
        n += 1
        stem, dot, ext = rel.rpartition(".")
        candidate = f"{stem}-{n}{dot}{ext}"
    return candidate


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(rc == 0)


def _one_build_at_a_time(root: Path, slug: str) -> int:
    """Wait for any other build into `root` (a second command, the preview), then remove what a
    killed build of this issue left behind: its `.ISSUE.build-…` folder (kill -9 runs no
    cleanup). The lock is on the outbox folder itself, so it leaves no file of its own; it is
    held until the returned descriptor is closed."""
    fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        for stale in root.glob(f".{glob.escape(slug)}.build-*"):
            shutil.rmtree(stale, ignore_errors=True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def swap_into_place(new: Path, final: Path) -> None:
    """Make `new` the folder at `final`; the old content is removed afterwards."""
    if not final.exists():
        os.replace(new, final)
        return
    if _exchange(new, final):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the previous build
        return
    # Fallback (no renameat2): two renames; a crash in between leaves `.old` to recover from.
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)
