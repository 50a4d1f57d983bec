"""No upward arrow: the library's lower floors never import the dashboard's adapters (issue #27).

The dashboard (``lstmfcn/dashboard``) builds on data, models, explanations, importance, sweeps and
figures; a function those need and the dashboard also uses lives down with them (e.g.
``lstmfcn.data.subsets``), so that a sweep or a What matters run never pulls the dashboard in.
Imports inside functions count too: they are read from the source, not from ``sys.modules``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lstmfcn"
#: The floors below the dashboard: folders, and the top-level modules they are built from.
LOWER_FOLDERS = ("data", "models", "explain", "importance", "importers", "sweep", "figures")
LOWER_MODULES = (
    "cache_folder", "checkpoint", "checkpoint_checks", "compare", "counterfactual", "device", "errors",
    "evaluation", "inputs", "neighbours", "pass_size", "training", "training_state", "whatif",
    "workflow", "words", "zoo",
)  # fmt: skip


def lower_files() -> list[Path]:
    files = [PACKAGE / f"{name}.py" for name in LOWER_MODULES]
    return files + sorted(f for folder in LOWER_FOLDERS for f in (PACKAGE / folder).rglob("*.py"))


def imported_modules(source: str, package: str) -> list[str]:
    """Every module ``source`` (the text of a module of ``package``) imports, anywhere in it, as an
    absolute dotted name (``from ..x import y`` gives ``lstmfcn.x`` and ``lstmfcn.x.y``)."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return names


@pytest.mark.parametrize("path", lower_files(), ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_a_lower_floor_never_imports_the_dashboard(path):
    package = ".".join(path.relative_to(PACKAGE.parent).parts[:-1])
    found = imported_modules(path.read_text(), package)
    upward = [m for m in found if m == "lstmfcn.dashboard" or m.startswith("lstmfcn.dashboard.")]
    assert not upward, f"{path.name} imports {upward}: move what it needs down to where it belongs"


def test_imports_inside_functions_and_relative_ones_are_seen():
    # What lstmfcn/importance/on_dataset.py had: a relative import inside a function.
    source = "def rows():\n    from ..dashboard.explanations import subset_indices\n"
    assert "lstmfcn.dashboard.explanations" in imported_modules(source, "lstmfcn.importance")
    assert "lstmfcn.dashboard" in imported_modules("from . import dashboard", "lstmfcn")
    assert imported_modules("from .subsets import chunks", "lstmfcn.data") == [
        "lstmfcn.data.subsets",
        "lstmfcn.data.subsets.chunks",
    ]


PAGES = PACKAGE.parent / "pages"


def page_imports() -> dict[str, set[str]]:
    """Module → the modules of ``pages/`` it imports, anywhere in it (inside functions too)."""
    files = {f"pages.{p.stem}": p for p in sorted(PAGES.glob("*.py"))}
    return {
        name: {m for m in imported_modules(path.read_text(), "pages") if m in files and m != name}
        for name, path in files.items()
    }


def circle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path of imports from ``start`` back to itself, or None."""
    paths, seen = [[start]], set()
    while paths:
        path = paths.pop()
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                paths.append([*path, nxt])
    return None


@pytest.mark.parametrize("module", sorted(page_imports()))
def test_no_import_circle_among_the_pages_modules(module):
    circle = circle_through(module, page_imports())
    assert circle is None, " -> ".join(circle) + ": move what both need down to the lower module"


def test_a_circle_is_found_through_imports_inside_functions():
    graph = {
        "pages.a": {"pages.b"},
        "pages.b": set(imported_modules("def f():\n    from pages.a import x\n", "pages")),
        "pages.c": {"pages.a"},
    }
    assert circle_through("pages.a", graph) == ["pages.a", "pages.b", "pages.a"]
    assert circle_through("pages.c", graph) is None  # it reaches a circle, it is on none
