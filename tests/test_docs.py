"""The documentation the editor reads stays in step with the code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, SecretStr

from newsletter.config import Settings
from newsletter.messages import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent


def test_newsletter_toml_documents_every_setting_with_its_default() -> None:
    text = (ROOT / "newsletter.toml").read_text(encoding="utf-8")
    # Uncommenting every "# key = value" line must give valid TOML equal to the defaults.
    uncommented = re.sub(r"^# (\w+ = .*)$", r"\1", text, flags=re.MULTILINE)
    data = tomllib.loads(uncommented)
    defaults = Settings.model_construct()
    for name, field in Settings.model_fields.items():
        if name == "root":
            continue
        assert name in data, f"newsletter.toml does not document {name}"
        default = getattr(defaults, name)
        if isinstance(default, BaseModel):
            for sub in type(default).model_fields:
                assert sub in data[name], f"newsletter.toml does not document {name}.{sub}"
                expected = getattr(default, sub)
                expected = "" if expected is None else expected  # TOML has no null
                if isinstance(expected, Path | SecretStr):
                    expected = str(expected) if isinstance(expected, Path) else ""
                assert data[name][sub] == expected, f"{name}.{sub}"
        else:
            assert str(data[name]) == str(default), name
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
