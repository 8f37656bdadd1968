"""The shape of the code: no import cycle in the core, short files, no database in the HTTP layer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 300


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(tree: ast.AST, package: str) -> set[str]:
    """Every module name an import statement of this file may load (function-level imports too)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _core_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in (ROOT / "pwa").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = _imported(ast.parse(path.read_text(encoding="utf-8")), package)
        graph[name] = {other for other in found if other in files and other != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = [stack.pop()]
            while component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_among_core_modules() -> None:
    assert _cycles(_core_graph()) == []


def test_no_file_over_300_lines_in_core_and_routes() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for folder in ("pwa", "routes")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def _route_sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted((ROOT / "routes").glob("*.py"))}


def test_routes_import_nothing_from_sqlmodel_or_sqlalchemy() -> None:
    offenders = sorted(
        name
        for name, source in _route_sources().items()
        if {m.split(".")[0] for m in _imported(ast.parse(source), "routes")} & {"sqlmodel", "sqlalchemy"}
    )
    assert offenders == []


def test_routes_never_handle_a_database_session() -> None:
    offenders = sorted(name for name, source in _route_sources().items() if re.search(r"\bSession\b", source))
    assert offenders == []
