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

from newsletter.cli.main import named_command
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
    "newsletter.cli.preview",  # the parser knows only the command it is given (main.py)
    "newsletter.cli.serve",
    "newsletter.cli.subscribers",
    "newsletter.store.subscribers",  # receipts need the database, not the subscriber list
    "pillow_heif",  # only for a HEIC photo (intake/probe.py); the example issue has none
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


def loaded(args: list[str], cwd: Path) -> set[str]:
    """Every module in sys.modules when `python -m newsletter ARGS` ends. (-X importtime does
    not see a module imported with importlib.import_module, as main.py imports the commands.)"""
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    code = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: sys.stderr.write('\\nLOADED ' + ' '.join(sorted(sys.modules))))\n"
        "runpy.run_module('newsletter', run_name='__main__', alter_sys=True)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=dict(os.environ, PYTHONPATH=path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    last = run.stderr.rsplit("\n", 1)[-1]
    assert last.startswith("LOADED "), run.stderr[-2000:]
    return set(last.split()[1:])


def test_check_loads_nothing_for_what_it_does_not_meet(example_copy: Path, tmp_path: Path) -> None:
    names = loaded(["check", str(example_copy)], tmp_path)
    assert "newsletter.check.rules" in names  # it did judge the issue
    assert not {m for m in NOT_FOR_CHECK if m in names}


def test_check_with_a_dotenv_file_loads_pydantic_settings(
    example_copy: Path, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("NEWSLETTER_LANG=en\n", encoding="utf-8")
    assert "pydantic_settings" in loaded(["check", str(example_copy)], tmp_path)


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["check", "ISSUE"], "check"),
        (["--lang", "en", "-v", "--config", "x.toml", "status", "ISSUE"], "status"),
        (["--config=check", "--verbose", "send", "--help"], "send"),
        (["--config", "check", "build", "ISSUE"], "build"),  # a file named like a command
        (["--help"], None),
        (["--version"], None),
        (["--conf", "x.toml", "check", "ISSUE"], None),  # abbreviated: argparse decides
        (["chek", "ISSUE"], None),  # misspelt: the error lists every command
        (["-v"], None),
        ([], None),
    ],
)
def test_the_parser_is_built_for_the_named_command_only_when_certain(
    argv: list[str], name: str | None
) -> None:
    assert named_command(argv) == name
