""" "Wer ist wer im Netzwerk": a page per organisation from its most recent published submission,
with links to every issue that presented it, and an overview A-Z that can be filtered by
district and by language without JavaScript (one static page per filter value).

    wer-ist-wer/index.html                   all, A-Z
    wer-ist-wer/SLUG/index.html              one organisation
    wer-ist-wer/stadtteil/DISTRICT/index.html
    wer-ist-wer/sprache/LANG/index.html

A district is known when one of `[publish] districts` occurs in the organisation's location.
Pictures are those of the latest issue that presented the organisation (already without any
withdrawn photo: publish rebuilt that issue without it).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale, UnknownLocaleError

from newsletter.core.config import Settings
from newsletter.core.filenames import ascii_slug
from newsletter.publish.pages import render_page

BASE = "wer-ist-wer"


def language_label(tag: str) -> str:
    """`tr` -> `Türkisch` (German names from Babel's CLDR data); the tag when unknown."""
    try:
        loc = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return tag
    name = Locale("de").languages.get(loc.language)
    return name or tag


def district_of(location: str | None, districts: list[str]) -> str | None:
    """The first configured district named in `location` (whole words, any case)."""
    if not location:
        return None
    for d in districts:
        if re.search(rf"(?<!\w){re.escape(d)}(?!\w)", location, re.IGNORECASE):
            return d
    return None


def _letter(name: str) -> str:
    base = unicodedata.normalize("NFKD", name.strip())
    first = next((c for c in base if c.isalnum()), "#").upper()
    return first if "A" <= first <= "Z" else "#"


def organisations(metas: list[dict[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """One entry per organisation: its latest submission, every issue it appeared in."""
    by_slug: dict[str, dict[str, Any]] = {}
    for m in metas:  # newest first: the first seen is the latest
        for o in m.get("organisations") or []:
            entry = by_slug.get(o["slug"])
            ref = {k: m.get(k) for k in ("issue", "number", "title", "date_label")}
            ref["anchor"] = o["anchor"]
            if entry is None:
                entry = dict(o)
                entry["issues"] = []
                entry["from_issue"] = m["issue"]
                label = f"Ausgabe {m['number']}" if m.get("number") else m.get("title", "")
                entry["from_label"] = label + (
                    f" vom {m['date_label']}" if m.get("date_label") else ""
                )
                entry["district"] = district_of(o.get("location"), settings.publish.districts)
                entry["language_label"] = language_label(o.get("language") or "de")
                by_slug[o["slug"]] = entry
            entry["issues"].append(ref)
    return sorted(by_slug.values(), key=lambda e: (e["name"].casefold(), e["slug"]))


def _groups(orgs: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for o in orgs:
        out.setdefault(_letter(o["name"]), []).append(o)
    return sorted(out.items(), key=lambda kv: (kv[0] == "#", kv[0]))


def write_pages(
    env: jinja2.Environment, settings: Settings, metas: list[dict[str, Any]], dest: Path
) -> None:
    """Every directory page into dest/wer-ist-wer/."""
    orgs = organisations(metas, settings)
    districts: dict[str, list[dict[str, Any]]] = {}
    languages: dict[str, list[dict[str, Any]]] = {}
    for o in orgs:
        if o["district"]:
            districts.setdefault(o["district"], []).append(o)
        languages.setdefault(o.get("language") or "de", []).append(o)
    district_links = [
        {"slug": ascii_slug(d, "stadtteil"), "label": d, "count": len(v)}
        for d, v in sorted(districts.items(), key=lambda kv: kv[0].casefold())
    ]
    language_links = [
        {"slug": ascii_slug(tag, "sprache"), "label": language_label(tag), "count": len(v)}
        for tag, v in sorted(languages.items(), key=lambda kv: language_label(kv[0]))
    ]
    if len(language_links) < 2:
        language_links = []  # one language is no filter

    def overview(
        path: Path, root: str, members: list[dict[str, Any]], active: str, label: str
    ) -> None:
        render_page(
            env,
            settings,
            "directory.html.j2",
            path,
            root=root,
            page_title="Wer ist wer im Netzwerk",
            current="wer",
            orgs=members,
            groups=_groups(members),
            total=len(orgs),
            districts=district_links,
            languages=language_links,
            active=active,
            active_label=label,
        )

    overview(dest / BASE / "index.html", "../", orgs, "", "")
    for link, (_d, members) in zip(
        district_links, sorted(districts.items(), key=lambda kv: kv[0].casefold()), strict=True
    ):
        folder = dest / BASE / "stadtteil" / str(link["slug"])
        overview(
            folder / "index.html",
            "../../../",
            members,
            f"stadtteil/{link['slug']}",
            f"Stadtteil {link['label']}",
        )
    if language_links:
        for tag, members in languages.items():
            slug = ascii_slug(tag, "sprache")
            overview(
                dest / BASE / "sprache" / slug / "index.html",
                "../../../",
                members,
                f"sprache/{slug}",
                f"Sprache {language_label(tag)}",
            )
    for o in orgs:
        issue = o["from_issue"]
        render_page(
            env,
            settings,
            "org.html.j2",
            dest / BASE / o["page"] / "index.html",
            root="../../",
            page_title=o["name"],
            current="wer",
            o=o,
            img=lambda href, issue=issue: f"../../{issue}/{href}",
        )
