"""Logging is the programs' business: `gizwits --log-level` (or GIZWITS_LOG) and the emulator's command configure the
``gizwits_async`` logger; importing the library configures nothing (tests/unit/test_imports.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from gizwits_async.emulator import Emulator
from gizwits_async.emulator.command import emulator
from gizwits_async.log import configure


@pytest.fixture(autouse=True)
def restore_the_logger() -> Iterator[None]:
    logger = logging.getLogger("gizwits_async")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.mark.parametrize("how", ["option", "environment"])
def test_log_level_prints_one_redacted_line_per_request(logged_in: Any, how: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if how == "environment":
        monkeypatch.setenv("GIZWITS_LOG", "debug")
        result = logged_in("devices")
    else:
        result = logged_in("--log-level", "DEBUG", "devices")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "gizwits_async DEBUG" in line]
    assert len(lines) == 1 and "GET /app/bindings?" in lines[0] and "-> 200 in" in lines[0]
    assert "'X-Gizwits-User-token': '***'" in lines[0]


def test_without_a_level_nothing_is_logged(logged_in: Any, dids: list[str]) -> None:
    result = logged_in("latest", dids[0])
    assert result.exit_code == 0 and "gizwits_async" not in result.stderr
    assert logging.getLogger("gizwits_async").handlers == []


def test_a_bad_level_is_bad_input(logged_in: Any) -> None:
    assert logged_in("--log-level", "loud", "whoami").exit_code == 2


@pytest.mark.parametrize(("args", "env", "level"), [(["--log-level", "info"], None, logging.INFO),
                                                   ([], "WARNING", logging.WARNING), ([], None, logging.NOTSET)])
def test_the_emulator_command_takes_a_level_from_its_option_or_the_environment(
    args: list[str], env: str | None, level: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    served: list[int] = []
    monkeypatch.setattr(Emulator, "run", lambda *_args, **_kwargs: served.append(1))  # configure, serve nothing
    result = CliRunner().invoke(emulator, args, env={"GIZWITS_LOG": env})
    assert result.exit_code == 0 and served == [1], result.output
    assert logging.getLogger("gizwits_async").level == level


def test_configure_keeps_one_handler() -> None:
    configure("info")
    configure("debug")
    logger = logging.getLogger("gizwits_async")
    assert [h.get_name() for h in logger.handlers] == ["gizwits-cli"] and logger.level == logging.DEBUG
    with pytest.raises(ValueError, match="log level"):
        configure("loud")
