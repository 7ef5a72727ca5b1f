"""Fixtures of the examples' tests: the examples' environment and module loading.

The emulator's fixtures (`gizwits_emulator`, `gizwits_emulator_url`) come from the plugin the root conftest loads.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from gizwits_async.emulator import Emulator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def example() -> Callable[[str], ModuleType]:
    """``example("fastapi_app")``: import ``examples/fastapi_app.py`` afresh."""

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # pydantic resolves the module's annotations through sys.modules
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def example_env(gizwits_emulator_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The examples' settings pointing at the emulator on loopback; returns its URL."""
    for name, value in {"GIZWITS_APPID": "demo-appid", "GIZWITS_BASE_URL": gizwits_emulator_url,
                        "GIZWITS_USERNAME": "demo", "GIZWITS_PASSWORD": "demo-password"}.items():
        monkeypatch.setenv(name, value)
    return gizwits_emulator_url


@pytest.fixture
def dids(gizwits_emulator: Emulator) -> list[str]:
    """The demo user's devices."""
    return list(gizwits_emulator.state.user("demo").bindings)
