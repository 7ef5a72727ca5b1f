"""benchmarks/sections.py: a benchmark script replaces its own sections of RESULTS.md and no other."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from .bench_scripts import load

RESULTS = """# Benchmark results

Run 2026-11-25 by run.py.

## The bars (interleaved, medians)

old bars

## Push (emulator)

push table

### The bars of the issue

kept
"""


def _sections() -> ModuleType:
    return load("sections")


@pytest.mark.parametrize(("title", "expected"), [
    # a heading with more words after the title is the same section; the next "## " ends it
    ("## The bars", RESULTS.replace("## The bars (interleaved, medians)\n\nold bars\n", "## The bars\n\nnew\n")),
    # a "###" heading of another section is not "## The bars"; an absent section is appended
    ("## The matrix", RESULTS + "\n## The matrix\n\nnew\n"),
    # the last section runs to the end of the text, its "###" subsection included
    ("## Push (emulator)", RESULTS.partition("## Push")[0] + "## Push (emulator)\n\nnew\n"),
    # a title that is only the start of a heading's first word is another section
    ("## Push (emu", RESULTS + "\n## Push (emu\n\nnew\n"),
])
def test_replace_section_replaces_its_own_section_only(title: str, expected: str) -> None:
    assert _sections().replace_section(RESULTS, title, ["new"]) == expected


def test_replace_section_starts_an_empty_file() -> None:
    assert _sections().replace_section("", "## The bars", ["new"]) == "## The bars\n\nnew\n"


def test_replace_preamble_keeps_every_section() -> None:
    replaced = _sections().replace_preamble(RESULTS, ["# Benchmark results", "", "Run today."])
    assert replaced == "# Benchmark results\n\nRun today.\n\n" + RESULTS[RESULTS.index("## The bars"):]
    assert _sections().replace_preamble("", ["# Benchmark results"]) == "# Benchmark results\n"


def test_write_section_writes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text(RESULTS)
    _sections().write_section("## Push (emulator)", ["new"], path)
    assert path.read_text().endswith("## Push (emulator)\n\nnew\n")
    assert "old bars" in path.read_text()
