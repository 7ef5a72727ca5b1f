"""Run every benchmark and write benchmarks/RESULTS.md:  python benchmarks/run.py [--quick]

1. The matrix: each client of clients.py, N requests, concurrency 50/200/500, server latency 0 and 50 ms, on a
   zero-cost nginx (the emulator where nginx is missing); req/s, ratio to ideal and to raw aiohttp. The fast
   clients run 3 times per cell in rotating order (median kept): single runs swung by 20-40% at C=500.
2. The bars: latency-bound (N=4,000, C=200, 50 ms) and CPU-bound (N=5,000, C=100, 0 ms), control_many against
   raw aiohttp, interleaved repetitions in alternating order in one run, medians compared.
3. One run against the emulator (a real stateful server with tokens).
4. Memory: peak RSS of stream_control over 10,000 and 100,000 devices (each in its own process).
5. A token storm on the emulator: 1,000 concurrent calls on a revoked token -> logins.
6. Group control (group_control.py): 1,000 devices in 10 groups, control_many with and without groups=...
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import clients  # noqa: E402
import group_control  # noqa: E402
import plots  # noqa: E402
import sections  # noqa: E402
import servers  # noqa: E402

DIDS = [f"bench{i:017d}" for i in range(1000)]
#: Clients too slow for the whole matrix run on fewer requests (their req/s is what is compared).
SLOW = {"raw httpx, gather + semaphore": 1000, "Session on plain httpx": 1000, "raw httpx2, gather + semaphore": 2000,
        "sequential sync client": 200}
CEILING, OURS = "raw aiohttp (ceiling)", "Session (aiohttp pool)"


def measure(name: str, target: clients.Target, kind: str, n: int, concurrency: int) -> float:
    """Requests per second of one client run, in a fresh event loop."""
    return n / asyncio.run(clients.CLIENTS[name](target, kind, n, concurrency))


def ideal_rate(n: int, concurrency: int, latency_ms: int) -> float | None:
    return n / (math.ceil(n / concurrency) * latency_ms / 1000) if latency_ms else None


@contextlib.contextmanager
def emulator_target(latency_ms: int) -> Iterator[clients.Target]:
    """The emulator in its own process, signed in as the demo user, with its devices' ids."""
    import gizwits_async as gizwits

    with servers.emulator(latency_ms, devices=1000) as url:
        async def sign_in() -> clients.Target:
            async with gizwits.Session("demo-appid", base_url=url) as session:
                token = await session.login("demo", "demo-password")
                dids = [device.did async for device in session.iter_bindings()]
                return clients.Target(url, dids, appid="demo-appid", token=token.token, uid=token.uid)

        yield asyncio.run(sign_in())


@contextlib.contextmanager
def zero_cost_targets() -> Iterator[dict[int, clients.Target]]:
    """{latency_ms: target} for 0 and 50 ms: nginx, or the emulator where nginx is missing."""
    if servers.nginx_available():
        with servers.nginx([0, 50]) as urls:
            yield {latency: clients.Target(url, DIDS) for latency, url in urls.items()}
    else:
        print("nginx with the echo module not found: using the emulator as the server", flush=True)
        with emulator_target(0) as zero, emulator_target(50) as fifty:
            yield {0: zero, 50: fifty}


def matrix(targets: dict[int, clients.Target], n: int, concurrencies: list[int], rounds: int,
           lines: list[str], data: plots.Results) -> None:
    """Each client once per cell; the fast ones (not in SLOW) ``rounds`` times in rotating order, median kept."""
    lines += ["| latency | C | client | N | req/s | x ideal | x raw aiohttp |", "|---|---|---|---|---|---|---|"]
    fast = [name for name in clients.CLIENTS if name not in SLOW]
    for latency, target in targets.items():
        for concurrency in concurrencies:
            runs: dict[str, tuple[int, list[float]]] = {}
            for round_ in range(rounds):
                order = fast[round_ % len(fast):] + fast[:round_ % len(fast)]
                for name in order + ([name for name in clients.CLIENTS if name in SLOW] if round_ == 0 else []):
                    count = min(n, SLOW.get(name, n))
                    if name == "sequential sync client" and latency:
                        count = 40
                    try:
                        rate = measure(name, target, "control", count, concurrency)
                    except Exception as exc:  # a client that cannot finish is a result too
                        rate = 0.0
                        print(f"{name}: {type(exc).__name__}: {exc}", flush=True)
                    runs.setdefault(name, (count, []))[1].append(rate)
            rates = {name: (runs[name][0], statistics.median(runs[name][1])) for name in clients.CLIENTS}
            ceiling = rates[CEILING][1]
            for name, (count, rate) in rates.items():
                if not rate:
                    lines.append(f"| {latency} ms | {concurrency} | {name} | {count} | failed | - | - |")
                    continue
                ideal = ideal_rate(count, concurrency, latency)
                x_ideal = rate / ideal if ideal and name != "sequential sync client" else None
                vs_ideal = "-" if x_ideal is None else f"{x_ideal:.2f}"
                data.setdefault("matrix", []).append({"latency_ms": latency, "concurrency": concurrency, "client": name,
                                                      "n": count, "rps": rate, "x_ideal": x_ideal})
                lines.append(f"| {latency} ms | {concurrency} | {name} | {count} | {rate:,.0f} | {vs_ideal} |"
                             f" {rate / ceiling:.2f} |")
                print(lines[-1], flush=True)


def paired(target: clients.Target, kind: str, n: int, concurrency: int, repeats: int) -> tuple[list[float], ...]:
    """req/s of `Session` and of raw aiohttp, ``repeats`` runs each.

    Interleaved, so drifts of the machine hit both alike, and in alternating order: the second run of a pair
    measured up to ~7% slower than the first, whichever client ran second.
    """
    runs: dict[str, list[float]] = {CEILING: [], OURS: []}
    for repeat in range(repeats):
        for name in (CEILING, OURS) if repeat % 2 == 0 else (OURS, CEILING):
            runs[name].append(measure(name, target, kind, n, concurrency))
    return runs[OURS], runs[CEILING]


def bars(targets: dict[int, clients.Target], repeats: int, lines: list[str], data: plots.Results) -> None:
    lines += ["| bar | kind | Session req/s (median) | raw aiohttp req/s (median) | ratio of medians |"
              " ratio of best runs | Session time / ideal | runs |", "|---|---|---|---|---|---|---|---|"]
    for label, latency, n, concurrency in [
        ("latency-bound, N=4,000, C=200, 50 ms (bar >= 0.95)", 50, 4000, 200),
        ("CPU-bound, N=5,000, C=100, 0 ms (bar >= 0.6, goal 0.8)", 0, 5000, 100),
    ]:
        for kind in ("control", "latest"):
            ours, ceiling = paired(targets[latency], kind, n, concurrency, repeats)
            mine, theirs = statistics.median(ours), statistics.median(ceiling)
            ideal = ideal_rate(n, concurrency, latency)
            vs_ideal = f"{ideal / mine:.2f}" if ideal else "-"
            best = max(ours) / max(ceiling)
            data.setdefault("bars", []).append({"bar": label, "kind": kind, "latency_ms": latency, "n": n,
                                                "concurrency": concurrency, "session_rps": mine, "raw_rps": theirs})
            lines.append(f"| {label} | {kind} | {mine:,.0f} | {theirs:,.0f} | **{mine / theirs:.2f}** | {best:.2f} |"
                         f" {vs_ideal} | {repeats} |")
            print(lines[-1], flush=True)


def emulator_run(repeats: int, lines: list[str]) -> None:
    lines += ["| kind | N | C | Session req/s (median) | raw aiohttp req/s (median) | ratio |",
              "|---|---|---|---|---|---|"]
    with emulator_target(0) as target:
        for kind in ("control", "latest"):
            ours, ceiling = (statistics.median(runs) for runs in paired(target, kind, 5000, 100, repeats))
            lines.append(f"| {kind} | 5000 | 100 | {ours:,.0f} | {ceiling:,.0f} | {ours / ceiling:.2f} |")
            print(lines[-1], flush=True)


def memory(target: clients.Target, counts: list[int], lines: list[str], data: plots.Results) -> None:
    lines += ["| devices streamed | peak RSS (MiB) | ratio to the first |", "|---|---|---|"]
    first = None
    for count in counts:
        done = subprocess.run([sys.executable, str(HERE / "memory.py"), target.url, str(count)],
                              capture_output=True, text=True, check=True)
        rss = float(done.stdout.strip().splitlines()[-1])
        first = first or rss
        data.setdefault("memory", []).append({"series": "stream_control", "devices": count, "peak_rss_mib": rss / 1024})
        lines.append(f"| {count:,} | {rss / 1024:.1f} | {rss / first:.2f} |")
        print(lines[-1], flush=True)


def group_control_run(quick: bool, lines: list[str]) -> None:
    repeats = ["--repeats", "2", "--latency-ms", "0"] if quick else []
    done = subprocess.run([sys.executable, str(HERE / "group_control.py"), *repeats], capture_output=True, text=True,
                          check=True)
    lines.append(done.stdout.strip())
    print(lines[-1], flush=True)


def storm(lines: list[str]) -> None:
    done = subprocess.run([sys.executable, str(HERE / "storm.py")], capture_output=True, text=True, check=True)
    lines.append(done.stdout.strip())
    print(lines[-1], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller N and fewer repeats (a smoke run)")
    args = parser.parse_args()
    n, repeats, rounds, concurrencies = (1000, 2, 1, [50, 200]) if args.quick else (5000, 10, 3, [50, 200, 500])
    import aiohttp
    import httpx

    server = f"{servers.nginx_version()} (1 worker, echo module)" if servers.nginx_available() else "emulator"
    preamble = [
        "# Benchmark results",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `python benchmarks/run.py"
        f"{' --quick' if args.quick else ''}` on {platform.machine()} with {os.cpu_count()} cores shared by client"
        f" and server; Python {platform.python_version()}, aiohttp {aiohttp.__version__}, httpx {httpx.__version__};"
        f" zero-cost server: {server}. It writes six sections (the bars, the matrix, memory, the emulator, the"
        " token storm, group control); the others were written by the other scripts of benchmarks/ and stay as"
        " they were.",
    ]
    data: plots.Results = {"run": {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                   "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                                   "python": platform.python_version(), "server": server}}
    written: list[tuple[str, list[str]]] = []
    with zero_cost_targets() as targets:
        written.append(("## The bars", ["Interleaved runs in alternating order, medians.", ""]))
        bars(targets, repeats, written[-1][1], data)
        written.append(("## The matrix", [f"Control, N={n} or as noted; the fast clients: median of {rounds} runs in"
                                          " rotating order, the slow ones: one run.", ""]))
        matrix(targets, n, concurrencies, rounds, written[-1][1], data)
        written.append(("## Memory: `stream_control`, 0 ms latency, C=100", []))
        memory(targets[0], [10_000, 100_000] if not args.quick else [2_000, 20_000], written[-1][1], data)
    written.append(("## Against the emulator (its own process, 0 ms latency)", []))
    emulator_run(2 if args.quick else 6, written[-1][1])
    written.append(("## Token storm (emulator)", []))
    storm(written[-1][1])
    written.append((group_control.SECTION, []))
    group_control_run(args.quick, written[-1][1])
    results = HERE / "RESULTS.md"
    text = sections.replace_preamble(results.read_text() if results.exists() else "", preamble)
    for title, body in written:  # each replaced in place: the other scripts' sections stay
        text = sections.replace_section(text, title, body)
    results.write_text(text)
    previous = json.loads(plots.RESULTS_JSON.read_text()) if plots.RESULTS_JSON.exists() else {}
    data.update({key: previous[key] for key in previous.keys() - data.keys()})  # figures other scripts measured
    plots.RESULTS_JSON.write_text(json.dumps(data, indent=1) + "\n")
    print(f"\nwritten to {HERE / 'RESULTS.md'} and {plots.RESULTS_JSON}")
    try:
        charts = plots.write_charts(data)
    except ImportError as exc:  # matplotlib comes with the `bench` extra
        print(f"no charts: {exc} (pip install -e '.[bench]')")
    else:
        print("charts:", *charts)


if __name__ == "__main__":
    main()
