#!/usr/bin/env python3
"""Regenerate the documentation that mirrors the code: newsletter.toml and the README's rules.

    .venv/bin/python scripts/gen_docs.py

tests/project/test_docs.py fails when either is out of date.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from newsletter.core.config import Settings
from newsletter.texts.codes import CATALOGUE
from newsletter.texts.messages import text

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def toml_value(v: Any) -> str:
    if v is None:  # TOML has no null: an empty string means "not set"
        return '""'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v:_}"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def settings_toml() -> str:
    lines = [
        "# Settings of the newsletter pipeline. Every key is optional; shown are the defaults.",
        "# Environment variables override this file: NEWSLETTER_<KEY>, nested with a double",
        "# underscore, e.g. NEWSLETTER_RULES__MAX_TEXT_CHARS=2000. A .env file works the same way.",
        "# Every problem in this file is reported at once, with its key.",
        "# (Generated from newsletter/core/config.py by scripts/gen_docs.py.)",
        "",
    ]
    defaults = Settings.model_construct()
    sections = []
    for name, field in Settings.model_fields.items():
        if name == "root":
            continue
        value = getattr(defaults, name)
        if isinstance(value, BaseModel):
            sections.append((name, value))
            continue
        lines += [f"# {field.description}", f"# {name} = {toml_value(value)}"]
    for name, section in sections:
        doc = (type(section).__doc__ or "").strip()
        lines += ["", f"[{name}]  # {doc}"]
        for key, field in type(section).model_fields.items():
            lines += [f"# {field.description}", f"# {key} = {toml_value(getattr(section, key))}"]
    return "\n".join(lines) + "\n"


def rules_table() -> str:
    """The README's table of codes: severity and English text from texts/codes.py's table."""
    rows = [
        "| code | severity | English text (German is the default; parameters in ‹›) |",
        "| --- | --- | --- |",
    ]
    for code, message in CATALOGUE.items():
        english = text(message, "en")  # a counted text in its plural form
        first = re.split(r"(?<=[.!?])\s", english, maxsplit=1)[0]
        first = first.replace("{", "‹").replace("}", "›").replace("|", "\\|")
        rows.append(f"| `{code}` | {message.severity} | {first} |")
    return "\n".join(rows)


def main() -> None:
    (ROOT / "newsletter.toml").write_text(settings_toml(), encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = readme.index(START) + len(START), readme.index(END)
    readme = readme[:start] + "\n" + rules_table() + "\n" + readme[end:]
    (ROOT / "README.md").write_text(readme, encoding="utf-8")


if __name__ == "__main__":
    main()
