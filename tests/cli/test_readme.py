"""Every ```python block of README.md runs against the emulator (blocks after `<!-- not-run -->` are fragments).

Blocks talk to ``http://127.0.0.1:8765`` (where ``gizwits emulator`` listens); the test serves an emulator on a
free port and substitutes its URL. A block that defines ``test_`` functions is run by pytest, with the README's
``conftest.py`` block and its ``pyproject.toml`` settings, and must pass without a single warning.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
README_URL = "http://127.0.0.1:8765"
_BLOCK = re.compile(r"(?P<skip><!-- not-run -->\n)?```python\n(?P<code>.*?)```", re.DOTALL)


def _blocks() -> list[tuple[int, bool, str]]:
    """(line, runnable, code) of each python block."""
    text = README.read_text("utf-8")
    return [(text.count("\n", 0, m.start("code")) + 1, not m.group("skip"), m.group("code"))
            for m in _BLOCK.finditer(text)]


RUNNABLE = [(line, code) for line, runnable, code in _blocks() if runnable]
CONFTEST = next(code for _, code in RUNNABLE if "pytest_plugins" in code)
PYTEST_SETTINGS = next(m.group(1) for m in re.finditer(r"```toml\n(.*?)```", README.read_text("utf-8"), re.DOTALL)
                       if "[tool.pytest.ini_options]" in m.group(1))


def test_only_a_few_blocks_are_fragments() -> None:
    blocks = _blocks()
    assert len(blocks) - len(RUNNABLE) <= 3
    assert len(RUNNABLE) >= 5


@pytest.mark.parametrize(("line", "code"), RUNNABLE, ids=[f"README.md:{line}" for line, _ in RUNNABLE])
def test_readme_block_runs(line: int, code: str, emu_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert README_URL in code or "pytest_plugins" in code or "def test_" in code, "a block that talks to nothing?"
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
        exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "__main__"})
