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


ROOT = PACKAGE.parent


def code_files() -> list[Path]:
    """The library, the dashboard's modules and the app (tests may import private names)."""
    return sorted(PACKAGE.rglob("*.py")) + sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def private_imports(source: str, module: str, package: str) -> list[str]:
    """The private names ``source`` (the text of ``module``, in ``package``) imports from another
    module, and the private modules it imports from outside the package that holds them.

    The underscore of a module directly in ``pages/`` is Streamlit's mark for "not a page" (the
    app's pages are the others), not privacy: those modules are the dashboard's shared code."""
    found = []
    for name in imported_modules(source, package):
        parts = name.split(".")
        if not is_module(name):  # an attribute: `from m import _x` reads m's private name
            if is_private(parts[-1]) and ".".join(parts[:-1]) != module:
                found.append(name)
            continue
        for i, part in enumerate(parts):
            owner = ".".join(parts[:i])
            if is_private(part) and owner != "pages" and not (module + ".").startswith(owner + "."):
                found.append(name)
                break
    return found


@pytest.mark.parametrize("path", code_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_is_imported_across_modules(path):
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = private_imports(path.read_text(), module, package)
    assert not found, f"{path.name} imports {found}: make them public where they belong"


def test_private_imports_are_seen():
    source = "from pages._cached_explanations import _chunk, rows\ndef f():\n    from ..figures._style import x\n"
    assert private_imports(source, "lstmfcn.provenance", "lstmfcn") == [
        "pages._cached_explanations._chunk",
        "lstmfcn.figures._style",
    ]
    inside = "from ._style import apply_style\nfrom ..explain._common import ArrayLike\n"
    assert private_imports(inside, "lstmfcn.figures.maps", "lstmfcn.figures") == ["lstmfcn.explain._common"]
    assert private_imports("from pages import _page\nfrom pages._cached_explanations import rows\n", "app", "") == []


def only_reexports(source: str) -> bool:
    """Whether a module is a facade: every top-level statement an import (or its docstring, or
    ``__all__``).

    A facade gives a name two homes: a page reads it through one, a test replaces it in the other,
    and the replacement misses the page."""
    body = ast.parse(source).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return bool(body) and all(isinstance(node, (ast.Import, ast.ImportFrom)) or names_all(node) for node in body)


def names_all(node: ast.stmt) -> bool:
    """Whether ``node`` is ``__all__ = [...]``: a facade's list of what it re-exports."""
    return isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["__all__"]


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_no_pages_module_only_reexports(path):
    assert not only_reexports(path.read_text()), (
        f"{path.name} only re-exports: import each name from the module that defines it"
    )


def test_a_facade_is_seen():
    facade = (
        '"""The caches, in one name."""\nfrom __future__ import annotations\nfrom pages._cached_views import features\n'
    )
    assert only_reexports(facade)
    assert only_reexports(facade + '__all__ = ["features"]\n')
    assert not only_reexports(facade + "\ndef shown(x):\n    return features(x)\n")
    assert not only_reexports('"""Nothing yet."""\n')


def library_imports() -> dict[str, set[str]]:
    """Module of ``lstmfcn/`` → the modules of ``lstmfcn/`` it imports, anywhere in it. A package's
    ``__init__`` is left out: importing a package's submodule through it is how packages work."""
    files = {
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts): p
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.name != "__init__.py"
    }
    return {
        name: {m for m in imported_modules(path.read_text(), name.rsplit(".", 1)[0]) if m in files and m != name}
        for name, path in files.items()
    }


def test_no_import_circle_in_the_library():
    """No module of ``lstmfcn/`` reaches itself through imports, those inside functions included
    (``data.npz_format`` once imported ``data.archives`` inside a function, which reads files through
    ``data.formats``, which imports ``data.npz_format``)."""
    graph = library_imports()
    circles = sorted({" -> ".join(c) for m in graph if (c := circle_through(m, graph))})
    assert not circles, circles
