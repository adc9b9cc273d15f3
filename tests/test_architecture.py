"""The house rules, checked on the source tree itself (issue 9).

* no import cycle between modules, counting imports inside functions;
* no private name (``_x``) imported from another wing;
* pure-math wings (laws, speciation) import nothing from data, fitting, stats, batch, report, ak;
* no module over 400 lines.

The graph is built from the source with :mod:`ast`, so a test here fails when a change adds a
cycle or a crossing, whatever the import's position in the file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "mgkinetics"
PURE_WINGS = {"laws", "speciation"}
DOWNSTREAM = {"data", "fitting", "stats", "batch", "report", "ak", "rates"}
MAX_MODULE_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".")
    if not MODULES[module].name == "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> list[tuple[str, str]]:
    """(imported module, imported name or '') for every import in ``module``, at any depth."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.startswith("mgkinetics")]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if not target.startswith("mgkinetics"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((sub, "") if sub in MODULES else (target, alias.name))
    return found


def _wing(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module in MODULES:
        deps = set()
        for target, _ in _imports(module):
            while target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]
            # importing a package's submodule runs the package's __init__, but a wing __init__ holds
            # no logic, so only the submodule is an edge
            if target != module and target != "mgkinetics":
                deps.add(target)
        graph[module] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_graph_sees_known_edges():
    # the checker itself must see imports, or every rule below passes vacuously
    graph = _graph()
    assert "mgkinetics.errors" in graph["mgkinetics.units"]
    assert sum(len(d) for d in graph.values()) > 50


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_no_private_name_crosses_a_wing():
    crossings = []
    for module in MODULES:
        for target, name in _imports(module):
            private = name.startswith("_") or any(p.startswith("_") for p in target.split(".")[1:])
            if private and not name.startswith("__") and _wing(target) != _wing(module):
                crossings.append(f"{module} imports {target}:{name}")
    assert crossings == []


@pytest.mark.parametrize("wing", sorted(PURE_WINGS))
def test_pure_math_wings_import_nothing_downstream(wing):
    bad = [
        f"{m} -> {t}" for m in MODULES if _wing(m) == wing for t, _ in _imports(m) if _wing(t) in DOWNSTREAM
    ]
    assert bad == []


def test_modules_are_small():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}


MAX_FUNCTION_LINES = 80


def test_functions_are_short():
    long = {}
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # the body, without the docstring: a long numpydoc docstring is not a long function
                body = node.body[1:] if ast.get_docstring(node) else node.body
                n = body[-1].end_lineno - body[0].lineno + 1 if body else 0
                if n > MAX_FUNCTION_LINES:
                    long[f"{module}.{node.name}"] = n
    assert long == {}


def test_every_subpackage_is_installed():
    # setuptools installs only the packages pyproject names: a wing missing there works in an
    # editable install and is absent from a real one
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    pyproject = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    assert packages - listed == set()
