"""The package's modules import each other without a cycle, and ``import gizwits_async`` neither loads httpx nor
configures logging.

In the client library a cycle hidden behind ``if TYPE_CHECKING:`` counts too (the session and the fan-out once had
one). Two parts still refer back to their owner in type annotations only, so there only cycles that run count: the
emulator's state and the desks it owns (sharing, groups, scenes, device tasks), and the push package and the
session that opens it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import gizwits_async

PACKAGE = Path(gizwits_async.__file__).parent


#: Packages that name their owner in type annotations only (see the module's docstring).
TYPE_ONLY_BACK_REFERENCES = ("gizwits_async.emulator", "gizwits_async.push")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """The statements under ``if TYPE_CHECKING:``."""
    hidden: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            hidden.update(inner for statement in node.body for inner in ast.walk(statement))
    return hidden


def imported(path: Path, modules: set[str], *, typing_too: bool = True) -> set[str]:
    """The package's modules that ``path`` imports, wherever the import statement is (``typing_too=False``: but
    not under ``if TYPE_CHECKING:``)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = set() if typing_too else _type_checking_only(tree)
    for node in ast.walk(tree):
        if node in hidden:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:  # `from . import x` imports the module x when there is one
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {module for module in found if module in modules and module != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle, found by a depth-first walk (each reported once, from its first module)."""
    found: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                found.append([*trail[trail.index(target):], node, target] if target in trail else [node, target])
            elif target not in state:
                visit(target, [*trail, node])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def test_no_import_cycle() -> None:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    # A submodule importing its own package's __init__ back shows up as an edge to the package's name.
    running = {module_name(path): imported(path, modules, typing_too=False) for path in paths}
    assert running["gizwits_async.session"] >= {"gizwits_async.fanout", "gizwits_async.transport"}  # the probe works
    assert cycles(running) == []
    library = [path for path in paths if not module_name(path).startswith(TYPE_ONLY_BACK_REFERENCES)]
    typed = {module_name(path): imported(path, modules) & {module_name(p) for p in library} for path in library}
    assert cycles(typed) == []


def test_type_checking_imports_are_told_apart() -> None:
    tree = ast.parse("from typing import TYPE_CHECKING\nimport os\nif TYPE_CHECKING:\n    import sys\n")
    assert {type(node).__name__ for node in _type_checking_only(tree)} >= {"Import", "alias"}
    assert not any(isinstance(node, ast.Import) and node.names[0].name == "os" for node in _type_checking_only(tree))


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def test_importing_the_package_loads_no_httpx_and_configures_no_logging() -> None:
    probe = ("import logging, sys; import gizwits_async; "
             "print('httpx' in sys.modules, logging.getLogger('gizwits_async').handlers, "
             "logging.getLogger('gizwits_async').level)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          env={"GIZWITS_LOG": "debug", "PATH": ""})
    assert done.stdout.split() == ["False", "[]", "0"]
