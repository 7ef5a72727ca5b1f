"""Emulator throughput on loopback with a raw aiohttp client (not a test; run by hand).

    python benchmarks/emulator_throughput.py [--concurrency 100] [--requests 5000]

Starts `python -m gizwits_async.emulator --port 0` in a subprocess (its own process, as in the benchmarks),
then measures D1 latest and C1 control in requests per second.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import subprocess
import sys
import time

import aiohttp

HEADERS = {"X-Gizwits-Application-Id": "demo-appid", "Content-Type": "application/json"}


async def measure(
    session: aiohttp.ClientSession, method: str, urls: list[str], body: bytes | None, concurrency: int, total: int
) -> tuple[float, int]:
    counter = itertools.count()
    errors = 0

    async def worker() -> None:
        nonlocal errors
        for i in counter:
            if i >= total:
                return
            async with session.request(method, urls[i % len(urls)], data=body) as response:
                await response.read()
                errors += response.status != 200

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started), errors


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(base_url: str, concurrency: int, total: int, server_pid: int) -> None:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url, headers=HEADERS, connector=connector) as session:
        async with session.post("/app/login", json={"username": "demo", "password": "demo-password"}) as r:
            token = (await r.json())["token"]
        session.headers["X-Gizwits-User-token"] = token
        async with session.get("/app/bindings?limit=100") as r:
            dids = [d["did"] for d in (await r.json())["devices"]]
        for name, method, template, body in (
            ("latest", "GET", "/app/devdata/{}/latest", None),
            ("control", "POST", "/app/control/{}", b'{"attrs": {"switch": true, "brightness": 42}}'),
        ):
            urls = [template.format(did) for did in dids]
            await measure(session, method, urls, body, concurrency, 500)  # warm-up
            cpu = cpu_seconds(server_pid)
            rate, errors = await measure(session, method, urls, body, concurrency, total)
            per_request = (cpu_seconds(server_pid) - cpu) / total
            print(
                f"{name:8s} C={concurrency} N={total}: {rate:8.0f} req/s, {errors} non-200; "
                f"server CPU {per_request * 1e6:.0f} us/request (~{1 / per_request:.0f} req/s per core)"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "gizwits_async.emulator", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        match = re.search(r"http://\S+", server.stdout.readline())
        assert match, "the emulator did not print its URL"
        asyncio.run(run(match.group(0), args.concurrency, args.requests, server.pid))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
