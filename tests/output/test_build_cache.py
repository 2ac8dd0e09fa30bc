"""A warm build does no work it did before (issue 17, goal 2): with nothing changed, no picture
is decoded, premailer does not run, WeasyPrint does not render, and the command imports none
of them; an edit still reaches the email and the PDF."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest

from newsletter.core.config import Settings, load_settings
from newsletter.images import decode as image_decode
from newsletter.output import pdf, render
from newsletter.output.build import build_issue
from tests.support import EXAMPLE_ISSUE, REPO

RENDERERS = (
    "weasyprint",
    "cairocffi",
    "cairosvg",
    "numpy",
    "premailer",
    "cssutils",
    "newsletter.images.decode",
    "newsletter.images.encode",
    "newsletter.images.ssimulacra2",
    "newsletter.output.pdf_fetch",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Settings]]:
    """A root with a copy of the example issue (as `Neue Ausgabe`), built once: cold."""
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(EXAMPLE_ISSUE, root / "submissions" / "2026-12")
    for p in (root / "submissions").rglob("*"):
        os.utime(p, (1_700_000_000, 1_700_000_000))
    settings = load_settings(root=root)
    build_issue("2026-12", settings)
    yield root, settings


class Counted:
    """Counts the calls of a function it replaces (and still calls it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
        self.calls = 0
        real = getattr(module, name)

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counting)


def outputs(outbox: Path) -> dict[str, bytes]:
    return {n: (outbox / n).read_bytes() for n in ("email.html", "email.txt", "newsletter.pdf")}


def test_warm_build_decodes_inlines_and_renders_nothing(
    built: tuple[Path, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    _root, settings = built
    outbox = settings.path(settings.outbox_dir) / "2026-12"
    before = outputs(outbox)
    decoded = Counted(monkeypatch, image_decode, "load_image")
    inlined = Counted(monkeypatch, render, "inline_css")
    rendered = Counted(monkeypatch, pdf, "_write_pdf")
    compiled = Counted(monkeypatch, jinja2.Environment, "compile")
    result = build_issue("2026-12", settings)
    assert (decoded.calls, inlined.calls, rendered.calls) == (0, 0, 0)
    # the templates' compiled code comes from the cache folder (it was most of a warm build)
    assert compiled.calls == 0
    assert result.manifest.images.made == 0
    assert outputs(outbox) == before  # the same bytes, from the caches


def test_an_edited_template_is_compiled_again(built: tuple[Path, Settings]) -> None:
    """The compiled templates are kept by the checksum of their source: the editor's own
    template (templates/ beside newsletter.toml), changed twice, is used each time."""
    root, _settings = built
    shipped = (REPO / "newsletter" / "templates" / "email.txt.j2").read_text(encoding="utf-8")
    own = root / "templates" / "email.txt.j2"
    own.parent.mkdir(exist_ok=True)
    try:
        for word in ("ERSTER GRUSS", "ZWEITER GRUSS"):
            own.write_text(shipped + word + "\n", encoding="utf-8")
            result = build_issue("2026-12", load_settings(root=root))
            text = (result.outbox / "email.txt").read_text(encoding="utf-8")
            assert word in text
    finally:
        shutil.rmtree(own.parent)


def test_warm_build_command_imports_no_renderer(built: tuple[Path, Settings]) -> None:
    root, _settings = built
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    )
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "newsletter", "build", "2026-12"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    names = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line}
    assert "newsletter.output.build" in names
    assert not {m for m in RENDERERS if m in names}


def test_an_edit_renders_the_email_and_pdf_again(
    built: tuple[Path, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, settings = built
    issue = root / "submissions" / "bearbeitet (Kopie)"
    shutil.copytree(root / "submissions" / "2026-12", issue)
    build_issue(issue.name, settings)
    md = next(issue.glob("*/submission.md"))
    md.write_text(md.read_text(encoding="utf-8") + "\nNeu: Straßenfest am 3. Juli.\n", "utf-8")
    decoded = Counted(monkeypatch, image_decode, "load_image")
    inlined = Counted(monkeypatch, render, "inline_css")
    rendered = Counted(monkeypatch, pdf, "_write_pdf")
    result = build_issue(issue.name, settings)
    assert decoded.calls == 0  # the pictures did not change
    assert inlined.calls >= 1 and rendered.calls == 1
    assert "Straßenfest" in (result.outbox / "email.html").read_text(encoding="utf-8")


def test_personal_marker_is_secret_stable_and_follows_the_inputs(
    built: tuple[Path, Settings],
) -> None:
    root, settings = built
    key = settings.path(settings.cache_dir) / "marker.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    outbox = settings.path(settings.outbox_dir) / "2026-12"
    manifest = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))
    at = manifest["personal"]["email.html"]["at"]
    assert at  # the reader's link has its places
    again = build_issue("2026-12", settings).manifest.personal["email.html"].at
    assert list(again) == at
    # no input contains the marker: it is never written anywhere a contributor can read
    from newsletter.output.build import _personal_marker

    marker = _personal_marker(settings, manifest["inputs"])
    for p in (root / "submissions").rglob("*"):
        if p.is_file():
            assert marker.encode() not in p.read_bytes()
    assert marker != _personal_marker(settings, {**manifest["inputs"], "changed": True})


def test_an_edit_inlines_each_email_once(
    built: tuple[Path, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The email is fitted twice (to pick the photos it carries, then to send): both fits use
    # the reader's marker, so the second finds every email it tries inlined already.
    root, settings = built
    issue = root / "submissions" / "einmal inline (Kopie)"
    shutil.copytree(root / "submissions" / "2026-12", issue)
    md = next(issue.glob("*/submission.md"))
    md.write_text(md.read_text(encoding="utf-8") + "\nNeu: Hoffest am 5. Juli.\n", "utf-8")
    inlined: list[str] = []
    real = render.inline_css

    def counting(html: str) -> str:
        inlined.append(html)
        return real(html)

    monkeypatch.setattr(render, "inline_css", counting)
    build_issue(issue.name, settings)
    assert inlined and len(inlined) == len(set(inlined))
    assert not [h for h in inlined if render.UNSUBSCRIBE_PLACEHOLDER in h]


def test_a_cache_folder_that_cannot_be_written_costs_only_the_compilation(
    built: tuple[Path, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compiled templates are an optimisation: when they cannot be written (a full disk,
    a read-only folder) the build still goes through. Fault injection: Jinja's cache gets
    ENOSPC for its temporary file (a permission cannot be tested as root, which CI may be)."""
    import errno
    import tempfile

    root = tmp_path / "root"
    shutil.copytree(built[0], root)
    shutil.rmtree(root / ".cache" / "templates")

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", full)  # what Jinja's cache calls
    result = build_issue("2026-12", load_settings(root=root))
    monkeypatch.undo()
    assert (result.outbox / "email.html").is_file()
    assert not any((root / ".cache" / "templates").rglob("*.cache"))
