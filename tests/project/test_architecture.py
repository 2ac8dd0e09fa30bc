"""The package's shape (issue 16): no import cycle, dependencies point one way, modules stay short.

The imports are read statically (ast), never by importing: every `import` and `from … import`
of `newsletter`, at module level, inside functions (lazy imports run too) and under
`if TYPE_CHECKING:`. How each kind counts:

- layering: every kind. A type named under TYPE_CHECKING is still a dependency on the package
  that defines it, so it must point the allowed way too.
- cycles: module-level and lazy imports. A TYPE_CHECKING import never runs, so it cannot take
  part in an import-time cycle; it is how a module names its caller's type (web.upload_routes
  names web.app.App) without depending on it at run time.

`from newsletter.x import y` counts as an import of `newsletter.x.y` when that is a module,
else of `newsletter.x`.
"""

from __future__ import annotations

import ast
import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "newsletter"

# What each sub-package may import, as its __init__ docstring says (checked below). `cli` may
# import every package. Layers: core+texts ← store ← intake ← check ← images ← output ← publish
# ← send ← {network, mailbox}; output ← preview; images ← upload ← web (which also uses send).
LAYERS: dict[str, frozenset[str]] = {
    "core": frozenset({"texts"}),
    "texts": frozenset({"core"}),
    "store": frozenset({"core", "texts"}),
    "intake": frozenset({"core", "texts", "store"}),
    "check": frozenset({"core", "texts", "store", "intake"}),
    "images": frozenset({"core", "texts", "store", "intake", "check"}),
    "output": frozenset({"core", "texts", "store", "intake", "check", "images"}),
    "publish": frozenset({"core", "texts", "store", "intake", "check", "output"}),
    "send": frozenset({"core", "texts", "store", "intake", "check", "output", "publish"}),
    "network": frozenset({"core", "texts", "store", "intake", "check", "output", "send"}),
    "mailbox": frozenset({"core", "texts", "store", "send"}),
    "preview": frozenset(
        {"core", "texts", "store", "intake", "check", "images", "output", "send", "publish"}
        | {"network"}
    ),
    "upload": frozenset({"core", "texts", "store", "intake", "check", "images"}),
    "web": frozenset({"core", "texts", "store", "send", "upload"}),
}
TOP = "cli"  # and the package's own __init__/__main__: may import everything

# Known to be wrong and being fixed by another change (issue 16); each entry must still be
# true, so that it leaves this list the day it is fixed.
KNOWN_WRONG_IMPORTS: dict[tuple[str, str], str] = {}
KNOWN_CYCLES: dict[frozenset[str], str] = {}

MAX_LINES = 500
MAX_MEDIAN = 250
# Tables, not logic: allowed to be long.
DATA_TABLES = {
    "newsletter/images/ssimulacra2.py": "the metric: one published algorithm, kept whole",
    "newsletter/texts/codes.py": "the table of message codes: severity and German text each",
}
# Over the limit and waiting for a split (none today); an entry must still be over.
KNOWN_LONG: dict[str, str] = {}


@dataclass(frozen=True)
class Edge:
    """One import of a `newsletter` module by another."""

    source: str
    target: str
    line: int
    kind: str  # "module", "lazy" (inside a function) or "typing" (under TYPE_CHECKING)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted name → file, for every module of the package (a package is its __init__)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


class _Imports(ast.NodeVisitor):
    def __init__(self, name: str, is_package: bool, known: dict[str, Path]) -> None:
        self.name, self.known, self.kinds = name, known, ["module"]
        self.package = name if is_package else name.rpartition(".")[0]
        self.edges: list[Edge] = []

    def _resolve(self, dotted: str) -> str | None:
        while dotted and dotted not in self.known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    def _add(self, dotted: str, line: int) -> None:
        target = self._resolve(dotted)
        if target is not None and target != self.name:
            self.edges.append(Edge(self.name, target, line, self.kinds[-1]))

    def visit_If(self, node: ast.If) -> None:
        typing = ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        self.kinds.append("typing" if typing else self.kinds[-1])
        for child in node.body:
            self.visit(child)
        self.kinds.pop()
        for child in node.orelse:
            self.visit(child)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.kinds.append("typing" if self.kinds[-1] == "typing" else "lazy")
        self.generic_visit(node)
        self.kinds.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "newsletter":
                self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            anchor = self.package.split(".")[: len(self.package.split(".")) - node.level + 1]
            base = ".".join([*anchor, *([node.module] if node.module else [])])
        if base.split(".")[0] != "newsletter":
            return
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            self._add(sub if sub in self.known else base, node.lineno)


def imports(package: Path = PACKAGE) -> list[Edge]:
    """Every import of one of the package's modules by another, read from the source."""
    known = modules(package)
    edges: list[Edge] = []
    for name, path in known.items():
        visitor = _Imports(name, path.name == "__init__.py", known)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        edges += visitor.edges
    return edges


def cycles(edges: list[Edge]) -> list[list[str]]:
    """The import cycles: strongly connected groups of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        if e.kind != "typing":
            graph.setdefault(e.source, set()).add(e.target)
            graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                on_stack.discard(w)
                group.append(w)
            on_stack.discard(v)
            if group:
                found.append(sorted([v, *group]))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else TOP


def wrong_imports(edges: list[Edge]) -> Iterator[Edge]:
    """Imports of a package that the importing package may not import (LAYERS)."""
    for e in edges:
        source, target = _package(e.source), _package(e.target)
        if source != target and source != TOP and target not in LAYERS.get(source, frozenset()):
            yield e


def line_counts(package: Path = PACKAGE) -> dict[str, int]:
    """Lines per module (repository-relative path → count)."""
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in modules(package).values()
    }


# --- the tests ------------------------------------------------------------------------------


def test_the_import_reader_sees_every_kind_of_import() -> None:
    edges = {(e.source, e.target, e.kind) for e in imports()}
    assert ("newsletter.store.subscribers", "newsletter.store.database", "module") in edges
    assert ("newsletter.cli.send", "newsletter.send.deliver", "lazy") in edges
    assert ("newsletter.web.upload_routes", "newsletter.web.app", "typing") in edges
    assert all(e.target.startswith("newsletter") for e in imports())


def test_no_import_cycle() -> None:
    found = cycles(imports())
    unknown = [c for c in found if frozenset(c) not in KNOWN_CYCLES]
    assert not unknown, "import cycles:\n" + "\n".join(" → ".join(c) for c in unknown)
    stale = set(KNOWN_CYCLES) - {frozenset(c) for c in found}
    assert not stale, f"fixed, take them off KNOWN_CYCLES: {stale}"


def test_the_layering_table_is_what_the_package_docstrings_say() -> None:
    for name in [*LAYERS, TOP]:
        doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text())) or ""
        m = re.search(r"May import (.*?)(?:\n\n|$)", doc, re.S)
        assert m, f"newsletter/{name}/__init__.py does not say what it may import"
        if name == TOP:
            assert m.group(1).startswith("every package"), m.group(1)
            continue
        first = m.group(1).split(":", 1)[0]  # the list; an explanation may follow a colon
        said = set(re.findall(r"`(\w+)`", first))
        assert said == LAYERS[name], f"{name}: docstring {sorted(said)} ≠ {sorted(LAYERS[name])}"
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert packages == {*LAYERS, TOP}, "a package without a row in LAYERS"


def test_the_layering_has_no_cycle_of_its_own_beyond_core_and_texts() -> None:
    as_edges = [
        Edge(f"newsletter.{a}.x", f"newsletter.{b}.x", 0, "module")
        for a, allowed in LAYERS.items()
        for b in allowed
        if {a, b} != {"core", "texts"}
    ]
    assert cycles(as_edges) == []


def test_every_import_points_the_allowed_way() -> None:
    found = list(wrong_imports(imports()))
    unknown = [e for e in found if (e.source, e.target) not in KNOWN_WRONG_IMPORTS]
    assert not unknown, "imports against the layering (newsletter/*/__init__.py):\n" + "\n".join(
        f"{e.source}:{e.line} imports {e.target} ({e.kind})" for e in unknown
    )
    stale = set(KNOWN_WRONG_IMPORTS) - {(e.source, e.target) for e in found}
    assert not stale, f"fixed, take them off KNOWN_WRONG_IMPORTS: {stale}"


def test_modules_stay_short() -> None:
    counts = line_counts()
    long = {path: n for path, n in counts.items() if n > MAX_LINES and path not in DATA_TABLES}
    unknown = {path: n for path, n in long.items() if path not in KNOWN_LONG}
    assert not unknown, f"modules over {MAX_LINES} lines (split them along a real seam): {unknown}"
    stale = set(KNOWN_LONG) - set(long)
    assert not stale, f"short now, take them off KNOWN_LONG: {stale}"
    assert set(DATA_TABLES) <= set(counts), "a data table that no longer exists"
    median = statistics.median(counts.values())
    assert median < MAX_MEDIAN, f"median module length {median} lines (at most {MAX_MEDIAN - 1})"
