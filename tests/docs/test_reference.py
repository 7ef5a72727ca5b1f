"""The API reference pages document every public name, and the guides are all in the site's navigation."""

from __future__ import annotations

import re
from pathlib import Path

import gizwits_async

DOCS = Path(__file__).resolve().parents[2] / "docs"
MKDOCS = DOCS.parent / "mkdocs.yml"
#: Names that are not API objects: the version string and the dict of region URLs.
NOT_OBJECTS = {"__version__", "REGIONS"}


def _documented() -> set[str]:
    pages = (DOCS / "reference").glob("*.md")
    return {match for page in pages for match in re.findall(r"^::: gizwits_async\.(\w+)\s*$", page.read_text(), re.M)}


def test_every_public_name_has_a_reference_entry() -> None:
    public = set(gizwits_async.__all__) - NOT_OBJECTS
    missing = public - _documented()
    assert not missing, f"add these to a page of docs/reference/: {sorted(missing)}"


def test_reference_entries_name_public_objects() -> None:
    stale = _documented() - set(gizwits_async.__all__)
    assert not stale, f"docs/reference/ documents names the package no longer exports: {sorted(stale)}"


def test_every_page_is_in_the_navigation() -> None:
    nav = MKDOCS.read_text()
    pages = {page.relative_to(DOCS).as_posix() for page in DOCS.rglob("*.md")}
    assert pages == {page for page in pages if f": {page}" in nav}, sorted(p for p in pages if f": {p}" not in nav)
