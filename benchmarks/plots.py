"""Charts of the benchmark results, for the docs and the README:  python benchmarks/plots.py [RESULTS_JSON] [OUT_DIR]

`run.py` writes `benchmarks/results.json` beside RESULTS.md and calls `write_charts` itself; this script redraws the
charts from a results file without measuring anything. Each chart is drawn only when its figures are in the file
(the push figures come from `push_bench.py`'s part of the results), and `write_charts` returns what it wrote.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS_JSON = HERE / "results.json"
CHARTS_DIR = HERE.parent / "docs" / "img" / "bench"

Results = dict[str, Any]
#: The clients shown in the throughput charts, in the order of their bars.
FAST_CLIENTS = ["Session (fast transport, the default)", "Session (aiohttp pool)", "raw aiohttp (ceiling)",
                "Session on httpx + httpx-aiohttp", "sequential sync client", "raw httpx2, gather + semaphore",
                "raw httpx, gather + semaphore"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def _rows(results: Results, latency_ms: int) -> list[dict[str, Any]]:
    return [row for row in results.get("matrix", []) if row["latency_ms"] == latency_ms and row.get("rps")]


def throughput_chart(results: Results, out: Path) -> Path | None:
    """Requests per second by client and concurrency, at 0 ms server latency (the CPU-bound case)."""
    rows = _rows(results, 0)
    if not rows:
        return None
    plt = _pyplot()
    concurrencies = sorted({row["concurrency"] for row in rows})
    clients = [name for name in FAST_CLIENTS if any(row["client"] == name for row in rows)]
    width = 0.8 / len(clients)
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, name in enumerate(clients):
        rates = {row["concurrency"]: row["rps"] for row in rows if row["client"] == name}
        xs = [c + (i - (len(clients) - 1) / 2) * width for c in range(len(concurrencies))]
        ax.bar(xs, [rates.get(c, 0) for c in concurrencies], width, label=name)
    ax.set_xticks(range(len(concurrencies)), [f"C={c}" for c in concurrencies])
    ax.set_ylabel("requests per second")
    ax.set_title("Bulk control against a zero-cost server (0 ms), by client")
    ax.legend(fontsize=7)
    return _save(fig, out / "throughput.png")


def ideal_chart(results: Results, out: Path) -> Path | None:
    """How close each client comes to the ideal rate when the server takes 50 ms per request."""
    rows = [row for row in _rows(results, 50) if row.get("x_ideal") is not None]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for name in FAST_CLIENTS:
        points = sorted((row["concurrency"], row["x_ideal"]) for row in rows if row["client"] == name)
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=name)
    ax.axhline(1.0, color="grey", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.minorticks_off()
    concurrencies = sorted({row["concurrency"] for row in rows})
    ax.set_xticks(concurrencies, [str(c) for c in concurrencies])
    ax.set_xlabel("concurrency")
    ax.set_ylabel("achieved / ideal rate")
    ax.set_ylim(0, 1.1)
    ax.set_title("Latency-bound bulk control (50 ms per request): ratio to ideal")
    ax.legend(fontsize=7)
    return _save(fig, out / "latency-ideal.png")


def memory_chart(results: Results, out: Path) -> Path | None:
    """Peak RSS against the number of devices (`stream_control`, and push subscriptions when measured)."""
    rows = results.get("memory", []) + results.get("push_memory", [])
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for series in dict.fromkeys(row.get("series", "stream_control") for row in rows):
        points = sorted((row["devices"], row["peak_rss_mib"]) for row in rows
                        if row.get("series", "stream_control") == series)
        ax.plot(*zip(*points, strict=True), marker="o", label=series)
    ax.set_xscale("log")
    ax.set_xlabel("devices")
    ax.set_ylabel("peak RSS (MiB)")
    ax.set_ylim(0, max(row["peak_rss_mib"] for row in rows) * 1.3)
    ax.set_title("Memory against input size")
    ax.legend()
    return _save(fig, out / "memory.png")


def push_chart(results: Results, out: Path) -> Path | None:
    """Time from a REST control to seeing the change: push against polling, p50 and p99."""
    rows = results.get("push", [])
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    labels = [row["method"] for row in rows]
    xs = range(len(rows))
    ax.bar([x - 0.2 for x in xs], [row["p50_ms"] for row in rows], 0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [row["p99_ms"] for row in rows], 0.4, label="p99")
    ax.set_xticks(list(xs), labels)
    ax.set_yscale("log")
    ax.set_ylabel("time to observe a change (ms)")
    ax.set_title("Push against polling")
    ax.legend()
    return _save(fig, out / "push-vs-poll.png")


CHARTS: list[Callable[[Results, Path], Path | None]] = [throughput_chart, ideal_chart, memory_chart, push_chart]


def update_results(part: Results, path: Path = RESULTS_JSON) -> Results:
    """Merge one benchmark's figures (top-level keys) into the results file, keeping the others'."""
    results: Results = json.loads(path.read_text()) if path.exists() else {}
    results.update(part)
    path.write_text(json.dumps(results, indent=1) + "\n")
    return results


def write_charts(results: Results, out: Path = CHARTS_DIR) -> list[Path]:
    """Draw every chart whose figures are in ``results`` into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    return [path for chart in CHARTS if (path := chart(results, out)) is not None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, default=RESULTS_JSON)
    parser.add_argument("out", nargs="?", type=Path, default=CHARTS_DIR)
    args = parser.parse_args(argv)
    for path in write_charts(json.loads(args.results.read_text()), args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
