"""The benchmark charts, drawn from a tiny synthetic result set: they cannot silently break."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from .bench_scripts import BENCHMARKS, load

pytest.importorskip("matplotlib")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _plots() -> ModuleType:
    return load("plots")


def _matrix() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for latency in (0, 50):
        for concurrency in (50, 200):
            for client, rps in (("Session (aiohttp pool)", 3000.0), ("raw aiohttp (ceiling)", 2900.0)):
                ideal = concurrency / 0.05 if latency else None
                rows.append({"latency_ms": latency, "concurrency": concurrency, "client": client, "n": 1000,
                             "rps": rps, "x_ideal": rps / ideal if ideal else None})
    return rows


SYNTHETIC = {
    "matrix": _matrix(),
    "memory": [{"series": "stream_control", "devices": 1000, "peak_rss_mib": 60.0},
               {"series": "stream_control", "devices": 10000, "peak_rss_mib": 61.0}],
    "push_memory": [{"series": "push subscriptions", "devices": 1000, "peak_rss_mib": 70.0},
                    {"series": "push subscriptions", "devices": 10000, "peak_rss_mib": 80.0}],
    "push": [{"method": "push", "p50_ms": 3.0, "p99_ms": 9.0},
             {"method": "poll 1 s", "p50_ms": 520.0, "p99_ms": 1010.0}],
}


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_every_chart_is_drawn_from_a_full_result_set(tmp_path: Path) -> None:
    written = _plots().write_charts(SYNTHETIC, tmp_path)
    assert sorted(path.name for path in written) == [
        "latency-ideal.png", "memory.png", "push-vs-poll.png", "throughput.png"]
    for path in written:
        width, height = _png_size(path)
        assert width >= 400 and height >= 250, (path.name, width, height)


def test_charts_without_their_figures_are_left_out(tmp_path: Path) -> None:
    written = _plots().write_charts({"memory": SYNTHETIC["memory"]}, tmp_path)
    assert [path.name for path in written] == ["memory.png"]
    assert _plots().write_charts({}, tmp_path / "none") == []


def test_the_command_redraws_from_a_results_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"matrix": SYNTHETIC["matrix"]}))
    assert _plots().main([str(results), str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out.split()
    assert [Path(line).name for line in printed] == ["throughput.png", "latency-ideal.png"]


def test_the_committed_results_draw_the_charts_the_docs_show(tmp_path: Path) -> None:
    plots = _plots()
    names = {path.name for path in plots.write_charts(json.loads(plots.RESULTS_JSON.read_text()), tmp_path)}
    root = BENCHMARKS.parent
    pages = [root / "README.md", *(root / "docs").rglob("*.md")]
    shown = {name for page in pages for name in re.findall(r"img/bench/([\w.-]+\.png)", page.read_text("utf-8"))}
    assert {"throughput.png", "latency-ideal.png", "memory.png"} <= shown
    assert shown <= names, f"pages show charts the results cannot draw: {shown - names}"
    assert all((root / "docs" / "img" / "bench" / name).is_file() for name in shown)
