"""Every ```python block of README.md and of the docs' pages runs against the emulator.

Blocks after `<!-- not-run -->` are fragments.

Blocks talk to ``http://127.0.0.1:8765`` (where ``gizwits emulator`` listens); the test serves an emulator on a
free port and substitutes its URL. A block that defines ``test_`` functions is run by pytest, with the
``conftest.py`` block and the ``pyproject.toml`` settings the pages give, and must pass without a single warning.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
README_URL = "http://127.0.0.1:8765"
_BLOCK = re.compile(r"(?P<skip><!-- not-run -->\n)?```python\n(?P<code>.*?)```", re.DOTALL)


def _blocks(page: Path) -> list[tuple[str, bool, str]]:
    """(where, runnable, code) of each python block of ``page``."""
    text = page.read_text("utf-8")
    name = page.relative_to(ROOT).as_posix()
    return [(f"{name}:{text.count(chr(10), 0, m.start('code')) + 1}", not m.group("skip"), m.group("code"))
            for m in _BLOCK.finditer(text)]


BLOCKS = [block for page in PAGES for block in _blocks(page)]
RUNNABLE = [(where, code) for where, runnable, code in BLOCKS if runnable]
CONFTEST = next(code for _, code in RUNNABLE if "pytest_plugins" in code)
PYTEST_SETTINGS = next(m.group(1) for page in PAGES
                       for m in re.finditer(r"```toml\n(.*?)```", page.read_text("utf-8"), re.DOTALL)
                       if "[tool.pytest.ini_options]" in m.group(1))


def test_only_a_few_blocks_are_fragments() -> None:
    assert len(BLOCKS) - len(RUNNABLE) <= 3 + len(PAGES) // 2
    assert len(RUNNABLE) >= 5
    assert any(where.startswith("docs/") for where, _ in RUNNABLE), "the docs' code blocks are not collected"


@pytest.mark.parametrize(("where", "code"), RUNNABLE, ids=[where for where, _ in RUNNABLE])
def test_code_block_runs(where: str, code: str, emu_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    talks_to = README_URL in code or ".serve()" in code or "pytest_plugins" in code or "def test_" in code
    assert talks_to, "a block that talks to nothing?"
    code = code.replace(README_URL, emu_url)
    monkeypatch.chdir(tmp_path)
    if "def test_" in code:
        (tmp_path / "pyproject.toml").write_text(PYTEST_SETTINGS)
        (tmp_path / "conftest.py").write_text(CONFTEST)
        (tmp_path / "test_from_readme.py").write_text(code)
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                                capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "warning" not in (result.stdout + result.stderr).lower(), result.stdout + result.stderr
    else:
        exec(compile(code, where, "exec"), {"__name__": "__main__"})
