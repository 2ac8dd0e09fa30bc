"""Files shipped inside the package — templates, fonts, colour profiles, catalogues — found here.

The editor's own `templates/` folder (beside newsletter.toml, or where `[paths]` puts the
project root) overrides any shipped template of the same name: `template_folders` lists where
to look, the editor's folder first. Nothing else in the package builds a path to these files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsletter.core.config import Settings

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
FONTS_DIR = PACKAGE_DIR / "fonts"
ICC_DIR = PACKAGE_DIR / "icc"
LOCALE_DIR = PACKAGE_DIR / "locale"


def editor_templates(settings: Settings) -> Path:
    """The editor's `templates/` folder (it need not exist)."""
    return settings.path(Path("templates"))


def template_folders(settings: Settings, sub: str = "") -> list[Path]:
    """Where templates are looked up, in order: the editor's folder, then the shipped one."""
    folders = [editor_templates(settings), TEMPLATES_DIR]
    return [f / sub if sub else f for f in folders if (f / sub).is_dir()]


def find_template(settings: Settings, name: str) -> Path:
    """The file `name` from the first folder that has it (else the shipped path, to name it)."""
    for folder in template_folders(settings):
        if (folder / name).is_file():
            return folder / name
    return TEMPLATES_DIR / name
