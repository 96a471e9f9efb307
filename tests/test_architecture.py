"""The layout's rules, read from the source: no import cycle, no import hidden in a function
(except the command line's, for its start-up time), no file over 600 lines, and a core that
never imports Streamlit.

pyproject.toml's import-linter contracts keep the layers; these keep what a contract cannot
say. A file that the redesign is still splitting is named in ``STILL_SPLITTING`` with the rule
it breaks today; an entry whose file keeps the rule again fails, so the list only shrinks.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from ddq import db, metrics
from ddq.catalog import DEFAULT_CATALOG

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ddq"
MAX_LINES = 600  # a file a newcomer can read in one sitting; more is two domain words

CYCLES, INNER_IMPORTS, LONG_FILES, STREAMLIT = "cycles", "inner imports", "long files", "streamlit"

# Files breaking a rule today because another part of this redesign step is splitting them.
# The merge of that part removes its entries; the list ends empty.
STILL_SPLITTING: dict[str, dict[str, str]] = {
    INNER_IMPORTS: {},
    LONG_FILES: {},
    CYCLES: {},
    STREAMLIT: {},
}


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported: not in a function, not for types only."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node):
                pending += node.body
            pending += node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                pending += handler.body
        elif isinstance(node, ast.With):
            pending += node.body


def _resolve(imported: str, modules: set[str]) -> str | None:
    """The ddq module an import names (its longest known prefix), or None outside ddq."""
    while imported and imported not in modules:
        imported = imported.rpartition(".")[0]
    return imported or None


def _package_of(path: Path) -> str:
    module = _module(path)
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


@cache
def _graph() -> dict[str, set[str]]:
    """Each ddq module and the ddq modules its module-level imports load."""
    paths = {_module(p): p for p in _sources()}
    modules = set(paths)
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        found: set[str] = set()
        for node in _module_level_imports(_tree(path)):
            if isinstance(node, ast.Import):
                targets = [_resolve(alias.name, modules) for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    package = _package_of(path).split(".")
                    package = package[: len(package) - node.level + 1]
                    base = ".".join([*package, base] if base else package)
                # ``from ddq import meeting`` loads the module ddq.meeting; ``from ddq.db
                # import rows`` loads ddq.db.
                targets = [
                    f"{base}.{alias.name}"
                    if f"{base}.{alias.name}" in modules
                    else _resolve(base, modules)
                    for alias in node.names
                ]
            found |= {t for t in targets if t and t != module}
        graph[module] = found
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_one_cycle(graph, set(group)) for group in groups]


def _one_cycle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & group):
                if nxt == start:
                    return [*paths[node], start]
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    following.append(nxt)
        frontier = following
    return sorted(group)


def _files_in_cycles() -> set[str]:
    paths = {_module(p): _name(p) for p in _sources()}
    return {paths[m] for cycle in _cycles(_graph()) for m in cycle}


def _inner_imports(path: Path) -> list[int]:
    """Lines of imports inside a function."""
    lines = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    lines.append(inner.lineno)
    return sorted(set(lines))


def _is_cli(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] in ("cli", "cli.py")


def _has_reason(path: Path, line: int) -> bool:
    """A comment at the end of the import's line or on the line before it."""
    text = path.read_text(encoding="utf-8").splitlines()
    return "#" in text[line - 1] or text[line - 2].strip().startswith("#")


def _inner_import_offences(path: Path) -> list[str]:
    lines = _inner_imports(path)
    if _is_cli(path):  # allowed for start-up time, each with a comment saying why
        lines = [line for line in lines if not _has_reason(path, line)]
    return [f"{_name(path)}:{line}" for line in lines]


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _imports_streamlit(path: Path) -> bool:
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "streamlit" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
            return True
    return False


def _is_core(path: Path) -> bool:
    return path.relative_to(PACKAGE).parts[0] != "ui"


def _breaking(rule: str) -> set[str]:
    """The files that break a rule today."""
    if rule == CYCLES:
        return _files_in_cycles()
    if rule == INNER_IMPORTS:
        return {_name(p) for p in _sources() if _inner_import_offences(p)}
    if rule == LONG_FILES:
        return {_name(p) for p in _sources() if _line_count(p) > MAX_LINES}
    if rule == STREAMLIT:
        return {_name(p) for p in _sources() if _is_core(p) and _imports_streamlit(p)}
    raise ValueError(rule)


def test_no_import_cycle_among_ddq_modules() -> None:
    allowed = set(STILL_SPLITTING[CYCLES])
    cycles = [c for c in _cycles(_graph()) if not all(_module_path(m) in allowed for m in c)]
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _module_path(module: str) -> str:
    return next(_name(p) for p in _sources() if _module(p) == module)


def test_the_graph_sees_the_imports() -> None:
    """The cycle test reads real edges (a graph without them would pass any code)."""
    graph = _graph()
    assert "ddq.db" in graph["ddq.metrics"]
    assert "ddq.schema" in graph["ddq.db"]
    assert "ddq.ui.state" in graph["ddq.ui.write"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_inside_a_function_except_the_clis_with_a_reason() -> None:
    allowed = set(STILL_SPLITTING[INNER_IMPORTS])
    found = [o for p in _sources() if _name(p) not in allowed for o in _inner_import_offences(p)]
    assert not found, (
        "imports inside functions (move them to the top; in the CLI, say why on the line "
        "or the line before): " + ", ".join(found)
    )


def test_no_file_over_600_lines() -> None:
    allowed = set(STILL_SPLITTING[LONG_FILES])
    found = [
        f"{_name(p)} ({_line_count(p)} lines)"
        for p in _sources()
        if _name(p) not in allowed and _line_count(p) > MAX_LINES
    ]
    assert not found, "files over 600 lines: " + ", ".join(found)


def test_the_core_never_imports_streamlit() -> None:
    allowed = set(STILL_SPLITTING[STREAMLIT])
    found = [
        _name(p)
        for p in _sources()
        if _is_core(p) and _name(p) not in allowed and _imports_streamlit(p)
    ]
    assert not found, "core modules importing streamlit: " + ", ".join(found)


@pytest.mark.parametrize("rule", sorted(STILL_SPLITTING))
def test_the_allow_list_names_only_files_that_still_break_the_rule(rule: str) -> None:
    stale = sorted(set(STILL_SPLITTING[rule]) - _breaking(rule))
    assert not stale, f"{rule}: these files keep the rule now, remove them from the list: {stale}"


def test_the_streamlit_contract_names_every_core_module() -> None:
    """import-linter's forbidden contract lists its modules: a new core module must join it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(
        c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "core-knows-no-screen"
    )
    core = {
        "ddq." + (p.stem if p.is_file() else p.name)
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    } - {"ddq.ui", "ddq.cli"}
    assert set(contract["source_modules"]) == core


def test_the_first_migration_holds_the_default_catalog(tmp_path: Path) -> None:
    """Migration 1 writes its metrics as data (it no longer reads ddq.catalog, which may
    change); today the two still agree."""
    with db.connect(tmp_path / "new.duckdb") as con:
        assert metrics.catalog(con) == list(DEFAULT_CATALOG)
