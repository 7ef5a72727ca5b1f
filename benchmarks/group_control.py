"""Bulk control of 1,000 devices in 10 groups: `control_many` against `control_many(groups=...)`.

    python benchmarks/group_control.py [--repeats 6] [--latency-ms 0 50] [--write]

The emulator runs in its own process (`python -m gizwits_async.emulator`) with 1,000 devices and the given
added latency per response. The demo user's devices are put in 10 groups of 100, and every device gets the same
value as the rest of its group (a value per group), so the group path sends one group control per group. Runs
alternate between the two ways (interleaved, the order swapped each round); requests are counted by the
emulator (GET /_emulator/stats), wall times are medians and are noisy on a shared machine. ``--write`` puts the
table into RESULTS.md (its own section, replaced on each run).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from sections import write_section

import gizwits_async as gizwits

DEVICES, GROUPS, CONCURRENCY = 1000, 10, 100
SECTION = "## Group control: 1,000 devices in 10 groups (emulator)"


async def requests_served(base_url: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}/_emulator/stats") as answer:
        stats: dict[str, Any] = await answer.json()
    return sum(stats["requests"].values())


async def make_groups(session: gizwits.Session) -> tuple[list[str], dict[str, list[str]]]:
    dids = [device.did async for device in session.iter_bindings()]
    assert len(dids) == DEVICES, len(dids)
    size = DEVICES // GROUPS
    groups = {}
    for n in range(GROUPS):
        group = await session.create_group(f"floor {n}", product_key="demo-product")
        await session.add_to_group(group, dids[n * size:(n + 1) * size])
        groups[group] = await session.group_devices(group)
    return dids, groups


async def measure(base_url: str, run: Callable[[], Awaitable[gizwits.BulkReport]]) -> tuple[float, int]:
    """(seconds, requests) of one bulk run; every device must succeed."""
    before = await requests_served(base_url)
    started = time.perf_counter()
    report = await run()
    elapsed = time.perf_counter() - started
    report.raise_for_failures()
    assert len(report.outcomes) == DEVICES
    return elapsed, await requests_served(base_url) - before


async def compare(base_url: str, repeats: int) -> dict[str, list[tuple[float, int]]]:
    async with gizwits.Session("demo-appid", base_url=base_url, max_concurrency=CONCURRENCY) as session:
        await session.login("demo", "demo-password")
        dids, groups = await make_groups(session)
        group_of = {did: n for n, members in enumerate(groups.values()) for did in members}
        runs: dict[str, list[tuple[float, int]]] = {"control_many": [], "control_many(groups=...)": []}
        for round_ in range(repeats):
            commands = {did: {"brightness": (round_ + group_of[did]) % 100} for did in dids}
            ways: list[tuple[str, Callable[[], Awaitable[gizwits.BulkReport]]]] = [
                ("control_many", functools.partial(session.control_many, commands)),
                ("control_many(groups=...)", functools.partial(session.control_many, commands, groups=groups)),
            ]
            for name, run in ways if round_ % 2 == 0 else ways[::-1]:
                runs[name].append(await measure(base_url, run))
        return runs


def serve(latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "gizwits_async.emulator", "--port", "0", "--devices", str(DEVICES),
               "--latency-ms", str(latency_ms)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    found = re.search(r"http://[\d.]+:\d+", process.stdout.readline())
    if found is None:
        process.kill()
        raise SystemExit("the emulator did not start")
    return process, found.group(0)


def table(results: dict[float, dict[str, list[tuple[float, int]]]], repeats: int) -> list[str]:
    lines = [f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `python benchmarks/group_control.py`: "
             f"the emulator in its own process, C={CONCURRENCY}, {repeats} interleaved runs each, wall times are "
             "medians (noisy: 2 cores shared by client, server and other work).", "",
             "| latency per response | way | requests | wall time (median) | time ratio to control_many |",
             "|---|---|---|---|---|"]
    for latency, runs in results.items():
        plain = statistics.median(t for t, _ in runs["control_many"])
        for name, measured in runs.items():
            counts = sorted({n for _, n in measured})
            median = statistics.median(t for t, _ in measured)
            lines.append(f"| {latency:g} ms | `{name}` | {'/'.join(f'{n:,}' for n in counts)} | "
                         f"{median * 1000:,.0f} ms | {median / plain:.2f} |")
    return lines




def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0, 50.0])
    parser.add_argument("--write", action="store_true", help="put the table into RESULTS.md")
    args = parser.parse_args()
    results = {}
    for latency in args.latency_ms:
        process, base_url = serve(latency)
        try:
            results[latency] = asyncio.run(compare(base_url, args.repeats))
        finally:
            process.kill()
            process.wait()
    lines = table(results, args.repeats)
    print("\n".join(lines))
    if args.write:
        write_section(SECTION, lines)


if __name__ == "__main__":
    main()
