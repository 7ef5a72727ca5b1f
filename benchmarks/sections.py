"""Putting one benchmark's section into RESULTS.md: added at the end, or replaced in place on a later run."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(title: str, lines: list[str], path: Path = RESULTS) -> None:
    """Replace the section headed ``title`` (a "## ..." line) with ``lines``, or append it when absent."""
    text = path.read_text()
    block = title + "\n\n" + "\n".join(lines) + "\n"
    start = text.find(title)
    if start < 0:
        path.write_text(text.rstrip("\n") + "\n\n" + block)
        return
    end = text.find("\n## ", start + len(title))
    path.write_text(text[:start] + block + (text[end:] if end >= 0 else ""))
