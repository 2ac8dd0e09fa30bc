#!/usr/bin/env python3
"""Extract every gettext domain's texts and bring its catalogues up to date (Babel).

    .venv/bin/python scripts/catalogues.py            # extract + update every domain
    .venv/bin/python scripts/catalogues.py --init fa  # and start Persian in the `newsletter` domain
    .venv/bin/python scripts/catalogues.py --init fa --domain web

For each domain of newsletter/texts/i18n.py (DOMAINS, sources(), KEYWORDS) this runs
`pybabel extract` into newsletter/locale/DOMAIN.pot and `pybabel update` (or `pybabel init` for
a new language) on its .po files, then `pybabel compile`. Translating is editing the .po files
(any PO editor: Poedit, Lokalize, Weblate); tests/texts/ fail on what is missing or stale.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.texts import i18n  # noqa: E402

LOCALE = "newsletter/locale"


def pybabel(*args: str) -> None:
    exe = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(exe), "-q", *args], cwd=ROOT, check=True)


def extract(domain: str) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    keywords = [arg for k in i18n.KEYWORDS for arg in ("-k", k)]
    pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "--no-default-keywords",
        *keywords,
        "--project",
        "newsletter",
        "--version",
        str(version["version"]),
        "--copyright-holder",
        "newsletter contributors",
        "--add-location=file",  # file names, no line numbers: no churn when code moves
        "-o",
        f"{LOCALE}/{domain}.pot",
        *i18n.sources(domain),
    )


def custom_headers(domain: str) -> dict[Path, list[str]]:
    """The X-... header lines of each .po (Babel drops them on update; a reviewer's status)."""
    out = {}
    for po in (ROOT / LOCALE).glob(f"*/LC_MESSAGES/{domain}.po"):
        head = po.read_text(encoding="utf-8").split("\n\n", 1)[0]
        out[po] = [line for line in head.splitlines() if line.startswith('"X-')]
    return out


def restore_headers(kept: dict[Path, list[str]]) -> None:
    for po, lines in kept.items():
        head, rest = po.read_text(encoding="utf-8").split("\n\n", 1)
        missing = [line for line in lines if line not in head.splitlines()]
        if missing:
            head = head.replace('"Generated-By:', "\n".join([*missing, '"Generated-By:']), 1)
            po.write_text(head + "\n\n" + rest, encoding="utf-8")


def _undated(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "-Creation-Date:" not in line)


def keep_dates(before: dict[Path, str]) -> None:
    """A file whose only change is the creation date keeps its old text (no churn in git)."""
    for path, old in before.items():
        if path.is_file() and _undated(path.read_text(encoding="utf-8")) == _undated(old):
            path.write_text(old, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--init", metavar="LANG", help="start a catalogue for a new language")
    parser.add_argument("--domain", default=i18n.DOMAIN, help="the domain --init starts")
    args = parser.parse_args()
    files = [*(ROOT / LOCALE).glob("*.pot"), *(ROOT / LOCALE).glob("*/LC_MESSAGES/*.po")]
    before = {path: path.read_text(encoding="utf-8") for path in files}
    for domain in i18n.DOMAINS:
        extract(domain)
        pot = f"{LOCALE}/{domain}.pot"
        if args.init and domain == args.domain:
            pybabel("init", "-i", pot, "-d", LOCALE, "-D", domain, "-l", args.init)
        kept = custom_headers(domain)
        if kept:
            pybabel("update", "-i", pot, "-d", LOCALE, "-D", domain)
            restore_headers(kept)
    keep_dates(before)
    for domain in i18n.DOMAINS:
        if list((ROOT / LOCALE).glob(f"*/LC_MESSAGES/{domain}.po")):
            pybabel("compile", "-d", LOCALE, "-D", domain)


if __name__ == "__main__":
    main()
