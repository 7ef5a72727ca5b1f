"""examples/bulk_control.py against the emulator."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

from gizwits_async.emulator import Emulator


@pytest.mark.usefixtures("example_env")
async def test_bulk_control_script(example: Callable[[str], ModuleType], gizwits_emulator: Emulator,
                                   dids: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    script = example("bulk_control")
    gizwits_emulator.state.set_online(dids[0], False)  # skipped: the script controls online devices only
    assert await script.main(['{"switch": true, "mode": "heat"}', "--concurrency", "3", "--rate", "100"]) == 0
    assert capsys.readouterr().out.strip() == "9 ok, 0 failed {}"
    devices = gizwits_emulator.state.devices
    assert all(devices[did].attrs["mode"] == "heat" for did in dids[1:])
    assert devices[dids[0]].attrs["mode"] == "auto"


@pytest.mark.usefixtures("example_env")
async def test_bulk_control_script_reports_failures(example: Callable[[str], ModuleType], dids: list[str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert await example("bulk_control").main(['{"brightness": 1000}']) == 1
    captured = capsys.readouterr()
    assert captured.out.strip() == "0 ok, 10 failed {'ATTR_INVALID': 10}"
    assert dids[0] in captured.err
