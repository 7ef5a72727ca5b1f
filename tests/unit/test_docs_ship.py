"""Docs that ship: the package's docstrings and comments refer only to files of the repository, never to the
design notes' endpoint ids; docs/endpoints.md has a row for every endpoint method of `Session`; LICENSE is MIT."""

from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
from pathlib import Path

import pytest

import gizwits_async
from gizwits_async import endpoints
from gizwits_async.endpoints._base import Endpoints
from gizwits_async.fanout import FanoutAPI

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "gizwits_async"
ENDPOINTS_DOC = ROOT / "docs" / "endpoints.md"
_FILE = re.compile(r"[\w./-]+\.md\b")
#: Endpoint ids of the design notes ("D1", "U1-U11", "DV2"): meaningless to a user of the package.
_ENDPOINT_ID = re.compile(r"\b[A-Z]{1,2}[0-9]{1,2}\b")


def _texts(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every docstring and comment of a module."""
    source = path.read_text("utf-8")
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc is not None:
                found.append((node.body[0].lineno, doc))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found.append((token.start[0], token.string))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_docstrings_and_comments_cite_only_what_ships(path: Path) -> None:
    for line, text in _texts(path):
        for name in _FILE.findall(text):
            assert (ROOT / name).exists(), f"{path.name}:{line} cites {name}, which is not in the repository"
        ids = _ENDPOINT_ID.findall(text)
        assert not ids, f"{path.name}:{line} cites endpoint ids {ids} (say METHOD /path instead)"


def test_session_help_names_only_files_that_exist() -> None:
    text = inspect.getdoc(gizwits_async.Session) or ""
    assert "docs/endpoints.md" in text
    assert all((ROOT / name).exists() for name in _FILE.findall(text))


def _endpoint_methods() -> set[str]:
    names = set()
    for module in (*[getattr(endpoints, m) for m in dir(endpoints) if not m.startswith("_")], FanoutAPI):
        classes = [module] if isinstance(module, type) else [c for _, c in inspect.getmembers(module, inspect.isclass)]
        for cls in classes:
            if issubclass(cls, Endpoints) and cls is not Endpoints:
                names |= {name for name, member in vars(cls).items() if not name.startswith("_")
                          and (inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member))}
    return names


def test_every_endpoint_method_has_a_row_in_docs_endpoints() -> None:
    methods = _endpoint_methods()
    assert {"login", "latest", "control", "create_schedule", "control_many", "poll_latest"} <= methods
    text = ENDPOINTS_DOC.read_text("utf-8")
    missing = sorted(name for name in methods if f"| `{name}(" not in text)
    assert not missing, f"docs/endpoints.md has no row for {missing}"


def test_readme_links_the_endpoint_reference_and_the_license() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "(docs/endpoints.md)" in readme and "(LICENSE)" in readme
    assert (ROOT / "LICENSE").read_text("utf-8").startswith("MIT License")
