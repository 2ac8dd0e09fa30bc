"""axe-core (from npm, node_modules/) run on a page in Chromium: one helper for every test."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page

from tests.support import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
MISSING = "axe-core is missing: run scripts/setup (npm ci)"

_RUN = """async (options) => {
  const r = await axe.run(document, options);
  return r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n =>
    n.target.join(' ') + ': ' + ((n.any[0] || n.all[0] || n.none[0] || {}).message || ''))}));
}"""


def axe_violations(
    page: Page, *, iframes: bool = True, ignore: frozenset[str] = frozenset()
) -> dict[str, list[str]]:
    """axe-core's violations on the loaded page: rule id -> the offending nodes (`ignore`: rule
    ids a kind of page cannot satisfy, said where it is passed)."""
    page.add_script_tag(path=str(AXE))
    options = {"iframes": iframes, "resultTypes": ["violations"]}
    found: list[dict[str, Any]] = page.evaluate(_RUN, json.loads(json.dumps(options)))
    return {v["id"]: v["nodes"] for v in found if v["id"] not in ignore}
