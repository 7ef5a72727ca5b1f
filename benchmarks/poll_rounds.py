"""Does `poll_latest` keep its interval?  python benchmarks/poll_rounds.py [--devices 10000] [--interval 5]

Polls N devices (changes_only=False, so every reading comes back) against the zero-cost nginx server (the
emulator stands in without it) at 0 ms and 50 ms latency, for a few rounds. Round k is over when N*k readings
have arrived; the figure is how long after its scheduled start (k-1)*interval that happened, and how many
readings each interval-long window of the run received. The bar: every round within interval + 10%.
The pool has 200 connections: at 50 ms, 2,000 reads a second keep 100 in flight, so 100 would leave no headroom.
Wall-clock figures on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import servers

import gizwits_async as gizwits


async def poll(base_url: str, devices: int, interval: float, rounds: int) -> tuple[list[float], list[int]]:
    """(seconds each round took from its scheduled start, readings per interval-long window)."""
    dids = [f"bench{i:017d}" for i in range(devices)]
    arrivals: list[float] = []
    async with gizwits.Session("bench-appid", base_url=base_url, max_concurrency=200) as session:
        started = time.monotonic()
        readings = session.poll_latest(dids, interval=interval, changes_only=False)
        async with contextlib.aclosing(readings), asyncio.timeout(rounds * interval * 4):
            async for _ in readings:
                arrivals.append(time.monotonic() - started)
                if len(arrivals) == devices * rounds:
                    break
    took = [arrivals[devices * k - 1] - (k - 1) * interval for k in range(1, rounds + 1)]
    windows = [sum(1 for t in arrivals if k * interval <= t < (k + 1) * interval) for k in range(rounds)]
    return took, windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    latencies = [0, 50]
    with contextlib.ExitStack() as stack:
        if servers.nginx_available():
            urls = stack.enter_context(servers.nginx(latencies))
        else:
            urls = {ms: stack.enter_context(servers.emulator(ms, devices=options.devices)) for ms in latencies}
        print(f"| latency | devices | interval | each round took (s) | readings per {options.interval:g} s window |"
              f" within interval + 10% |")
        print("|---|---|---|---|---|---|")
        for latency in latencies:
            took, windows = asyncio.run(poll(urls[latency], options.devices, options.interval, options.rounds))
            ok = all(t <= options.interval * 1.1 for t in took)
            print(f"| {latency} ms | {options.devices:,} | {options.interval:g} s | "
                  f"{', '.join(f'{t:.2f}' for t in took)} | {', '.join(f'{w:,}' for w in windows)} | "
                  f"{'yes' if ok else 'no'} |")


if __name__ == "__main__":
    main()
