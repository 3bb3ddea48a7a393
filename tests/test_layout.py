"""The package's layout: no import cycles, small files, a short top level, one-line docstrings, a thin CLI.

Every check reads the source (the AST), not the imported modules: an import inside a function, or
under ``TYPE_CHECKING``, counts as much as one at the top of a file, since it ties the two files
together all the same.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from collections import deque
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "provenance"
MAX_LINES = 700
"""No file of the package is longer than this."""
MAX_TOP_LEVEL = 16
"""Entries (modules and packages) at the package's top level, ``__pycache__`` aside."""
CLI = "provenance.cli"
CLI_MAY_IMPORT = ("provenance.api", "provenance.errors", "provenance.version")
"""The library modules that ``provenance/cli/`` may import (besides its own, the standard library and
third-party packages): the public API, the errors it raises and the version. Everything else is
reached through ``provenance.api``."""
UI_LIBRARIES = ("typer", "rich")
"""Imported by ``provenance/cli/`` only: the library returns values and raises errors, never prints."""
FILE_SUFFIXES = ("toml", "json", "py", "parquet", "html", "md", "txt")
"""Where ``provenance.SUFFIX`` in a docstring names a file (``provenance.toml``), not a module."""
HEAVY = ("numpy", "pyarrow", "numba", "scipy", "matplotlib", "jinja2", "datasketch")
"""Not imported with the CLI's modules: ``provenance --help`` must not pay for them."""


@dataclass(frozen=True)
class Import:
    """One import statement's target, as written and as resolved to a module of the package."""

    source: str
    """The importing module."""
    line: int
    written: str
    """The imported module as written (relative imports made absolute), before resolution."""
    target: str | None
    """The package module it names (``from pkg import submodule`` gives the submodule); ``None`` for
    anything outside the package."""
    names: tuple[str, ...] = ()
    """The names a ``from`` import takes."""


@cache
def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _in_package(name: str) -> bool:
    return name == "provenance" or name.startswith("provenance.")


@cache
def imports_of(name: str) -> tuple[Import, ...]:
    """Every import in module ``name``, at any depth (functions, ``TYPE_CHECKING`` blocks)."""
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
    package = name if _is_package(name) else name.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.name if _in_package(alias.name) else None
                found.append(Import(name, node.lineno, alias.name, target))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                written = ".".join(base + ([node.module] if node.module else []))
            else:
                written = node.module or ""
            names = tuple(alias.name for alias in node.names)
            if not _in_package(written):
                found.append(Import(name, node.lineno, written, None, names))
                continue
            submodules = [f"{written}.{n}" for n in names if f"{written}.{n}" in modules()]
            plain = [n for n in names if f"{written}.{n}" not in modules()]
            found.extend(Import(name, node.lineno, written, sub, names) for sub in submodules)
            if plain or not submodules:
                found.append(Import(name, node.lineno, written, written, tuple(plain)))
    return tuple(found)


def import_graph() -> dict[str, dict[str, int]]:
    """``graph[a][b]``: the first line at which module ``a`` imports module ``b`` of the package."""
    graph: dict[str, dict[str, int]] = {name: {} for name in modules()}
    for name in modules():
        for imp in imports_of(name):
            if imp.target is not None and imp.target != name and imp.target in modules():
                graph[name].setdefault(imp.target, imp.line)
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def shortest_cycle(graph: dict[str, dict[str, int]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, inside the component."""
    start, members = component[0], set(component)
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child not in members:
                continue
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    raise AssertionError(f"{component} is not a cycle")


def describe_cycle(graph: dict[str, dict[str, int]], cycle: list[str]) -> str:
    """``a (line 3) -> b (line 5) -> a``: each module with the line where it imports the next."""
    steps = [f"{a} (line {graph[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False)]
    return " -> ".join([*steps, cycle[-1]])


def describe_component(graph: dict[str, dict[str, int]], component: list[str]) -> str:
    """The modules tied together, and a shortest cycle among them."""
    cycle = describe_cycle(graph, shortest_cycle(graph, component))
    return f"{', '.join(component)}\n    for example {cycle}"


def _path(name: str) -> str:
    return modules()[name].relative_to(PACKAGE.parent).as_posix()


def test_the_graph_sees_every_kind_of_import() -> None:
    """The graph builder itself: lazy and relative imports, and ``from pkg import submodule``."""
    readers = {imp.target for imp in imports_of("provenance.readers")}
    assert "provenance.readers.fastjsonl" in readers  # from provenance.readers import fastjsonl
    evaluate = {imp.target for imp in imports_of("provenance.check.evaluate")}
    assert "provenance.licenses" in evaluate  # from provenance import licenses
    cli = {imp.target for imp in imports_of("provenance.cli.report")}
    assert "provenance.api" in cli  # inside the command's function
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert describe_cycle(graph, shortest_cycle(graph, ["a", "b", "c"])) == (
        "a (line 1) -> b (line 2) -> c (line 3) -> a"
    )


def test_no_import_cycles() -> None:
    """No module imports a module that imports it back, directly or through others."""
    graph = import_graph()
    cycles = [describe_component(graph, component) for component in strongly_connected(graph)]
    assert not cycles, "modules that import each other (directly or through the others):\n  " + "\n  ".join(
        cycles
    )


def test_every_import_of_the_package_names_a_module_that_exists() -> None:
    """A lazy import of a moved module fails only when it runs: the source is checked instead."""
    stale = [
        f"{_path(imp.source)}:{imp.line}: {imp.written}"
        for name in modules()
        for imp in imports_of(name)
        if imp.target is not None and imp.target not in modules()
    ]
    assert not stale, "imports of modules that do not exist:\n  " + "\n  ".join(stale)


def test_no_file_is_too_long() -> None:
    lengths = {_path(n): len(p.read_text(encoding="utf-8").splitlines()) for n, p in modules().items()}
    long = sorted(f"{path}: {n} lines" for path, n in lengths.items() if n > MAX_LINES)
    assert not long, f"files over {MAX_LINES} lines:\n  " + "\n  ".join(long)


def test_the_top_level_is_short() -> None:
    entries = sorted(p.name for p in PACKAGE.iterdir() if p.name != "__pycache__")
    assert len(entries) <= MAX_TOP_LEVEL, f"{len(entries)} entries in provenance/: {', '.join(entries)}"


def test_every_module_says_its_role_in_a_first_line() -> None:
    """A module docstring whose first line is a whole sentence on its own: a summary line, then
    nothing or a blank line."""
    bad = []
    for name, path in modules().items():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
        lines = (doc or "").split("\n")
        if not doc:
            bad.append(f"{_path(name)}: no module docstring")
        elif not lines[0].strip() or lines[0] != lines[0].strip():
            bad.append(f"{_path(name)}: the docstring does not start on its first line")
        elif len(lines) > 1 and lines[1].strip():
            bad.append(f"{_path(name)}: the first line runs on: {lines[0]!r} / {lines[1].strip()!r}")
    assert not bad, "\n  ".join(["module docstrings:", *bad])


def _defines(module: str, attribute: str) -> bool:
    """Whether ``module``'s source binds ``attribute`` at its top level."""
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == attribute:
            return True
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == attribute for t in targets):
            return True
        if isinstance(node, ast.Import | ast.ImportFrom):
            if any((a.asname or a.name.split(".")[0]) == attribute for a in node.names):
                return True
    return False


def test_module_docstrings_name_modules_that_exist() -> None:
    """A dotted ``provenance.x.y`` in a module docstring names a module, or a name defined in one
    (docstrings that still say ``provenance.writers`` after a move are caught here)."""
    stale = []
    for name, path in modules().items():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        for dotted in re.findall(r"\bprovenance(?:\.\w+)+", doc):
            if dotted.rpartition(".")[2] in FILE_SUFFIXES:  # provenance.toml: a file, not a module
                continue
            parent, _, attribute = dotted.rpartition(".")
            if dotted not in modules() and not (parent in modules() and _defines(parent, attribute)):
                stale.append(f"{_path(name)}: {dotted}")
    assert not stale, "module docstrings naming what does not exist:\n  " + "\n  ".join(stale)


def test_the_cli_imports_only_the_public_api() -> None:
    """``provenance/cli/`` reaches the library through ``provenance.api`` (and its errors and
    version), and takes only the names ``provenance.api`` exports."""
    from provenance import api

    bad = []
    for name in modules():
        if name != CLI and not name.startswith(CLI + "."):
            continue
        for imp in imports_of(name):
            if imp.target is None or imp.target == CLI or imp.target.startswith(CLI + "."):
                continue
            if imp.target not in CLI_MAY_IMPORT:
                bad.append(f"{_path(name)}:{imp.line}: imports {imp.target}")
            elif imp.target == "provenance.api" and (unknown := set(imp.names) - set(api.__all__)):
                bad.append(f"{_path(name)}:{imp.line}: {sorted(unknown)} not in provenance.api.__all__")
    assert not bad, f"the CLI may import only {', '.join(CLI_MAY_IMPORT)}:\n  " + "\n  ".join(bad)


def test_only_the_cli_imports_typer_or_rich() -> None:
    bad = [
        f"{_path(name)}:{imp.line}: imports {imp.written}"
        for name in modules()
        if name != CLI and not name.startswith(CLI + ".")
        for imp in imports_of(name)
        if imp.written.split(".")[0] in UI_LIBRARIES
    ]
    assert not bad, "\n  ".join(["typer and rich belong to provenance/cli/ only:", *bad])


def test_the_cli_modules_import_no_library_stage() -> None:
    """Importing the CLI (what ``provenance --help`` does) loads no stage of the library and none of
    the heavy libraries: each command imports what it needs when it runs."""
    code = (
        "import sys, provenance.cli\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in sys.argv[1:]"
        " or (m.startswith('provenance.') and not m.startswith(('provenance.cli', 'provenance.api',"
        " 'provenance.errors', 'provenance.version'))))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code, *HEAVY], capture_output=True, text=True, check=True, cwd=PACKAGE.parent
    ).stdout.split()
    assert loaded == []


# --- the public API ---------------------------------------------------------------------------


def _type_checking_imports() -> dict[str, tuple[str, str]]:
    """The names ``provenance/api.py`` imports under ``TYPE_CHECKING``, as ``_EXPORTS`` spells them."""
    tree = ast.parse(modules()["provenance.api"].read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    )
    return {
        alias.asname or alias.name: (node.module, alias.name)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_the_api_exports_what_it_lists() -> None:
    """``__all__``, the lazy table and the imports for type checkers list the same names, and every
    name can be read."""
    from provenance import api

    assert sorted(api.__all__) == sorted(api._EXPORTS)
    assert _type_checking_imports() == api._EXPORTS
    for name, (module, attribute) in api._EXPORTS.items():
        assert getattr(api, name) is getattr(importlib.import_module(module), attribute)


def test_the_package_re_exports_the_api() -> None:
    """``provenance.NAME`` is ``provenance.api.NAME`` for every name, and no name is also a module of
    the package (the module would hide it once imported)."""
    import provenance
    from provenance import api

    assert set(dir(provenance)) == {*api.__all__, "__version__"}
    for name in api.__all__:
        assert getattr(provenance, name) is getattr(api, name)
    assert not {f"provenance.{name}" for name in api.__all__} & set(modules())
    with pytest.raises(AttributeError):
        provenance.no_such_name  # noqa: B018
