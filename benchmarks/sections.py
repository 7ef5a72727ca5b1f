"""Putting benchmark sections into RESULTS.md: each script replaces its own sections in place (or appends them
the first time) and leaves every other section as it was."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def _heading(text: str, title: str) -> re.Match[str] | None:
    """The line that heads ``title``'s section: ``title`` alone, or followed by a space and more words."""
    return re.search(rf"^{re.escape(title)}(?: .*)?$", text, re.MULTILINE)


def replace_section(text: str, title: str, lines: list[str]) -> str:
    """``text`` with the section headed ``title`` (a "## ..." line) replaced by ``lines``, or with it appended."""
    block = title + "\n\n" + "\n".join(lines) + "\n"
    found = _heading(text, title)
    if found is None:
        return (text.rstrip("\n") + "\n\n" if text.strip() else "") + block
    end = text.find("\n## ", found.end())
    return text[:found.start()] + block + (text[end:] if end >= 0 else "")


def replace_preamble(text: str, lines: list[str]) -> str:
    """``text`` with what comes before its first "## " section replaced by ``lines``."""
    first = re.search(r"^## ", text, re.MULTILINE)
    rest = text[first.start():] if first is not None else ""
    return "\n".join(lines) + "\n" + ("\n" + rest if rest else "")


def write_section(title: str, lines: list[str], path: Path = RESULTS) -> None:
    """Replace the section headed ``title`` in ``path`` with ``lines``, or append it when absent."""
    path.write_text(replace_section(path.read_text() if path.exists() else "", title, lines))
