"""One golden test of a whole build: the example issue's email (HTML and text) and the PDF's text
against the files in tests/golden/. After an intended change: `UPDATE_GOLDEN=1 pytest
tests/project/test_golden.py`, then read the diff of tests/golden/ before committing it.

The build is deterministic: two builds of the example in different folders, minutes apart,
give the same bytes (no clock, no random number, no absolute path reaches these three files:
the personal-link marker is replaced by the general link, file names come from the slugs, the
PDF's dates from the issue date). So nothing is stripped as "changes per run". Normalised,
for the reader of a diff and for the tools only:

- email.html: a line break between adjacent tags (`>` `<`), so a diff shows the tag that
  changed, not one 3,000-character line of inlined styles;
- the PDF's text (`pdftotext -layout`): trailing blanks dropped, every run of two or more
  blanks shortened to two and every dot leader of the contents to four dots: where a column
  starts and how many dots fill a line depend on the font's metrics and poppler's version;
  the words, their order, the lines and the page breaks (form feeds) do not.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.core.config import Settings, load_settings
from newsletter.core.resources import TEMPLATES_DIR
from newsletter.output.build import build_issue

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "submissions" / "2026-12"
GOLDEN = ROOT / "tests" / "golden"
# output file -> golden file
FILES = {
    "email.html": "2026-12-email.html",
    "email.txt": "2026-12-email.txt",
    "newsletter.pdf": "2026-12-newsletter.pdf.txt",
}


def normalised(outbox: Path) -> dict[str, str]:
    """The three outputs as the golden files hold them."""
    html = (outbox / "email.html").read_text(encoding="utf-8")
    pdf = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(outbox / "newsletter.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        "email.html": re.sub(r">[ \t]*<", ">\n<", html),
        "email.txt": (outbox / "email.txt").read_text(encoding="utf-8"),
        "newsletter.pdf": "\n".join(_layout_free(line) for line in pdf.split("\n")),
    }


def _layout_free(line: str) -> str:
    return re.sub(r"\.{4,}", "....", re.sub(r" {2,}", "  ", line)).rstrip()


def differing(outbox: Path) -> dict[str, str]:
    """The outputs that differ from their golden file, each with the start of its diff."""
    out = {}
    for name, text in normalised(outbox).items():
        golden = (GOLDEN / FILES[name]).read_text(encoding="utf-8")
        if text != golden:
            diff = difflib.unified_diff(golden.splitlines(), text.splitlines(), FILES[name], name)
            out[name] = "\n".join(list(diff)[:20])
    return out


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Path]]:
    """A root with a copy of the example issue, built once."""
    root = tmp_path_factory.mktemp("golden")
    shutil.copytree(EXAMPLE, root / "submissions" / "2026-12")
    for p in (root / "submissions").rglob("*"):  # keep receipt order as in the repo
        os.utime(p, (1_700_000_000, 1_700_000_000))
    settings = load_settings(root=root)
    yield settings, build_issue("2026-12", settings).outbox


def test_a_whole_build_matches_the_golden_files(example: tuple[Settings, Path]) -> None:
    _settings, outbox = example
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        for name, text in normalised(outbox).items():
            (GOLDEN / FILES[name]).write_text(text, encoding="utf-8")
    changed = differing(outbox)
    assert not changed, (
        "the build's output changed; if intended: UPDATE_GOLDEN=1 pytest "
        "tests/project/test_golden.py, and read the diff of tests/golden/\n"
        + "\n".join(changed.values())
    )


def test_one_changed_template_word_fails_each_golden_file(
    example: tuple[Settings, Path], tmp_path: Path
) -> None:
    """The golden test can fail: one word of each template changed (as an editor's override
    in templates/), and each of the three files differs, at that word."""
    settings, _outbox = example
    editor = settings.path(Path("templates"))
    edits = {
        "email.html.j2": ('t("In dieser Ausgabe")', 't("In diesem Heft")'),
        "email.txt.j2": ('t("In dieser Ausgabe")', 't("In diesem Heft")'),
        "pdf.html.j2": ('section-title">Termine<', 'section-title">Verabredungen<'),
    }
    editor.mkdir()
    try:
        for name, (old, new) in edits.items():
            template = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
            assert old in template, (name, old)
            (editor / name).write_text(template.replace(old, new), encoding="utf-8")
        outbox = build_issue("2026-12", settings, outbox_root=tmp_path).outbox
    finally:
        shutil.rmtree(editor)
    changed = differing(outbox)
    assert list(changed) == list(FILES)
    assert "+<h2 " in changed["email.html"] and "In diesem Heft" in changed["email.html"]
    assert "+IN DIESEM HEFT" in changed["email.txt"]
    assert "verabredungen" in changed["newsletter.pdf"].casefold()  # the CSS may set capitals
