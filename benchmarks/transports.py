"""The transports compared on wall clock and CPU time, interleaved in one run:
python benchmarks/transports.py [--tls] [--loop asyncio|uvloop] [--concurrency C ...] [--repeats R]

Each client of `CLIENTS` sends N requests (default 5,000) to nginx on loopback (0 ms; ``--tls``: https with a
certificate of a private CA the clients trust), R times in rotating order; per run it records req/s and the
process's CPU time (user + system, every thread: pyreqwest's tokio thread included) per request. Prints one
markdown row per client and kind with the medians and their ratios to raw aiohttp's. Wall-clock and CPU figures
of a shared machine are noisy: compare ratios within one run, and instruction counts (instructions.py).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import clients  # noqa: E402

CLIENTS = {"raw aiohttp": clients.raw_aiohttp, "floor (Protocol + httptools)": clients.floor,
           "pyreqwest 0.15": clients.raw_pyreqwest, "Session, aiohttp pool": clients.session_aiohttp,
           "Session, fast transport": clients.session_fast}
BASELINE = "raw aiohttp"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_once(name: str, target: clients.Target, kind: str, n: int, concurrency: int, loop: str) -> tuple[float, float]:
    """(req/s, CPU µs per request) of one run in a fresh event loop."""
    coroutine = CLIENTS[name](target, kind, n, concurrency)
    gc.collect()  # the previous run's garbage is not this run's cost
    before = cpu_seconds()
    if loop == "uvloop":
        import uvloop

        elapsed = uvloop.run(coroutine)
    else:
        elapsed = asyncio.run(coroutine)
    return n / elapsed, (cpu_seconds() - before) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[200])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--kinds", nargs="+", choices=("control", "latest"), default=["control", "latest"])
    args = parser.parse_args()
    names = list(CLIENTS)
    print("| scheme, loop | kind | C | client | req/s | x raw aiohttp | CPU µs/request | x raw aiohttp | runs |")
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    with clients.nginx_target(args.tls) as server:
        for concurrency in args.concurrency:
            for kind in args.kinds:
                runs: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
                for repeat in range(args.repeats):
                    for name in names[repeat % len(names):] + names[:repeat % len(names)]:
                        runs[name].append(run_once(name, server, kind, args.n, concurrency, args.loop))
                rate = {name: statistics.median(r for r, _ in found) for name, found in runs.items()}
                cpu = {name: statistics.median(c for _, c in found) for name, found in runs.items()}
                for name in names:
                    print(f"| {'https' if args.tls else 'http'}, {args.loop} | {kind} | {concurrency} | {name} |"
                          f" {rate[name]:,.0f} | {rate[name] / rate[BASELINE]:.2f} | {cpu[name]:.0f} |"
                          f" {cpu[name] / cpu[BASELINE]:.2f} | {args.repeats} |", flush=True)


if __name__ == "__main__":
    main()
