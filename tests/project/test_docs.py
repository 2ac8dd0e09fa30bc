"""The documentation the editor reads stays in step with the code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from newsletter.core.config import Settings
from newsletter.texts.messages import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]


def _documented(text: str) -> tuple[dict[str, dict[str, Any]], dict[str, set[str]]]:
    """(section -> key -> default shown in a `# key = value` comment, section -> keys set)."""
    shown: dict[str, dict[str, Any]] = {"": {}}
    set_keys: dict[str, set[str]] = {"": set()}
    section = ""
    for line in text.splitlines():
        if m := re.match(r"^\[(\w+)\]", line):
            section = m.group(1)
            shown.setdefault(section, {})
            set_keys.setdefault(section, set())
        elif m := re.match(r"^# (\w+) = (.*)$", line):
            shown[section][m.group(1)] = tomllib.loads(f"v = {m.group(2)}")["v"]
        elif m := re.match(r"^(\w+)\s*=", line):
            set_keys[section].add(m.group(1))
    return shown, set_keys


def test_newsletter_toml_documents_every_setting_with_its_default() -> None:
    # Every setting appears in newsletter.toml: as a comment showing its default, or set by
    # the editor (then the value is theirs to choose and is not compared here).
    shown, set_keys = _documented((ROOT / "newsletter.toml").read_text(encoding="utf-8"))
    defaults = Settings.model_construct()
    for name, field in Settings.model_fields.items():
        if name == "root":
            continue
        default = getattr(defaults, name)
        if isinstance(default, BaseModel):
            for sub in type(default).model_fields:
                if sub in set_keys.get(name, set()):
                    continue
                assert sub in shown.get(name, {}), f"newsletter.toml does not document {name}.{sub}"
                expected = getattr(default, sub)
                expected = "" if expected is None else expected  # TOML has no null
                if isinstance(expected, Path | SecretStr):
                    expected = str(expected) if isinstance(expected, Path) else ""
                assert shown[name][sub] == expected, f"{name}.{sub}"
        elif name not in set_keys[""]:
            assert name in shown[""], f"newsletter.toml does not document {name}"
            assert str(shown[""][name]) == str(default), name
        doc = field.description or (type(default).__doc__ if isinstance(default, BaseModel) else "")
        assert doc, f"Settings.{name} has no description"


def test_readme_lists_every_message_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [code for code in CATALOGUE if f"`{code}`" not in readme]
    assert not missing, f"README.md does not list: {missing}"


def test_readme_states_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme
    assert "make test" in readme
