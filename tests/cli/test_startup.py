"""Start only what a command needs (issue 17, goal 1): which modules each command imports,
read from `python -X importtime` in a real subprocess (a structural test, not a timing).

`newsletter --help` builds every command's parser and must load none of the working modules;
`check`, `status` and `send` must not load the PDF, SVG and image-encoding stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO

# never for check/status/send/--help: they render no PDF, SVG or rendition
HEAVY = (
    "weasyprint",
    "cairocffi",
    "cairosvg",
    "numpy",
    "premailer",
    "newsletter.pdf",
    "newsletter.images.encode",
    "newsletter.images.renditions",
    "newsletter.images.ssimulacra2",
)
# not for --help either: the parser needs none of them
WORKING = (
    "pydantic",
    "pydantic_settings",
    "PIL",
    "pillow_heif",
    "jinja2",
    "babel",
    "email_validator",
    "aiosmtplib",
    "markdown_it",
    "rich.console",
    "newsletter.core.config",
    "newsletter.check.stage",
    "newsletter.send.deliver",
    "newsletter.store.subscribers",
)

# not for `check` either, each needed only on a rarer path
NOT_FOR_CHECK = (
    "pydantic_settings",  # reads .env and NEWSLETTER_* (core/config_env.py): here there are none
    "newsletter.core.config_env",
)


def imported(args: list[str], cwd: Path) -> set[str]:
    """The modules `python -X importtime -m newsletter ARGS` imported."""
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path)
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "newsletter", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line}
    assert "newsletter.cli.main" in names, run.stderr[-2000:]
    return names


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["send", "--help"]])
def test_help_loads_no_working_module(args: list[str], tmp_path: Path) -> None:
    names = imported(args, tmp_path)
    assert not {m for m in HEAVY + WORKING if m in names}


@pytest.mark.parametrize(
    "args",
    [["check", "ISSUE"], ["status", "ISSUE"], ["send", "ISSUE", "--dry-run"]],
    ids=["check", "status", "send"],
)
def test_commands_load_no_pdf_svg_or_encoder(
    args: list[str], example_copy: Path, tmp_path: Path
) -> None:
    names = imported([str(example_copy) if a == "ISSUE" else a for a in args], tmp_path)
    assert "newsletter.intake.reader" in names  # it did read the issue
    assert not {m for m in HEAVY if m in names}


def test_check_loads_nothing_for_what_it_does_not_meet(example_copy: Path, tmp_path: Path) -> None:
    names = imported(["check", str(example_copy)], tmp_path)
    assert "newsletter.check.rules" in names  # it did judge the issue
    assert not {m for m in NOT_FOR_CHECK if m in names}


def test_check_with_a_dotenv_file_loads_pydantic_settings(
    example_copy: Path, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("NEWSLETTER_LANG=en\n", encoding="utf-8")
    assert "pydantic_settings" in imported(["check", str(example_copy)], tmp_path)
