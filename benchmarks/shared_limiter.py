"""What sharing a rate budget through Redis costs, and what 4 client processes give on this machine:
python benchmarks/shared_limiter.py [--quick]

1. Instructions per request (callgrind, which the machine's noise does not move): `Session.latest_many` against
   nginx (0 ms) with no pacer, with the in-process `RateLimiter` and with `RedisRateLimiter`, each at a rate far
   above what the client reaches (so nothing sleeps: what is measured is the pacer's own work, the Redis round
   trip included on the client's side; the redis-server's own CPU is not counted). Runs of 500 and 1,500
   requests are subtracted, so start-up costs cancel out.
2. Throughput (wall clock: noisy on a shared machine; interleaved, medians of 3): the same 8,000 requests sent by
   1 process or split over 4, each at concurrency 50, with no limiter or with one `RedisRateLimiter` shared by
   all, again at a rate above reach. Client processes and nginx share the machine's cores.

Needs nginx with the echo module, redis-server and (for 1.) valgrind.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import servers  # noqa: E402
from redis.asyncio import Redis  # noqa: E402

import gizwits_async as gizwits  # noqa: E402

UNREACHED = 1e9  # requests per second: the pacers never make anyone wait
SMALL, LARGE = 500, 1500
CONCURRENCY = 50
DIDS = [f"did{i:05d}" for i in range(1000)]
PACERS = ("none", "RateLimiter", "RedisRateLimiter")


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throw-away redis-server on a free loopback port; yields its URL."""
    port = servers.free_port()
    with tempfile.TemporaryDirectory(prefix="gizwits-bench-redis-") as workdir:
        process = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                    "--appendonly", "no", "--dir", workdir], stdout=subprocess.DEVNULL)
        try:
            servers.wait_port(port)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


def _pacer(kind: str, redis: Redis | None) -> gizwits.Pacer | None:
    if kind == "RateLimiter":
        return gizwits.RateLimiter(UNREACHED)
    if kind == "RedisRateLimiter":
        assert redis is not None
        return gizwits.RedisRateLimiter(redis, UNREACHED, key="bench:rate", margin=0)
    return None


async def read_latest(url: str, redis_url: str, pacer: str, n: int) -> float:
    """``n`` latest readings through `Session.latest_many`; seconds taken."""
    redis = Redis.from_url(redis_url, max_connections=CONCURRENCY)
    try:
        async with gizwits.Session("bench-appid", base_url=url, max_concurrency=CONCURRENCY,
                                   rate_limiter=_pacer(pacer, redis)) as session:
            user = session.for_user(("bench-token", "bench-uid"))
            started = time.perf_counter()
            report = await user.latest_many([DIDS[i % len(DIDS)] for i in range(n)], concurrency=CONCURRENCY)
            elapsed = time.perf_counter() - started
            if not report.ok:
                raise RuntimeError(f"benchmark run failed: {gizwits.BulkError(report)}")
            return elapsed
    finally:
        await redis.aclose()


def _instructions(url: str, redis_url: str, pacer: str, n: int) -> int:
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, "--one",
         url, redis_url, pacer, str(n)], capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(done.stderr[-500:])
    return int(found.group(1))


def instructions_per_request(url: str, redis_url: str) -> dict[str, float]:
    return {pacer: (_instructions(url, redis_url, pacer, LARGE) - _instructions(url, redis_url, pacer, SMALL))
            / (LARGE - SMALL) for pacer in PACERS}


def _process_run(url: str, redis_url: str, pacer: str, n: int, go: Any, results: Any) -> None:
    go.wait()
    results.put(asyncio.run(read_latest(url, redis_url, pacer, n)))


def throughput(url: str, redis_url: str, pacer: str, processes: int, total: int) -> float:
    """Requests per second of ``total`` requests split over ``processes`` processes (from the common start)."""
    spawn = multiprocessing.get_context("spawn")
    go, results = spawn.Barrier(processes + 1), spawn.Queue()
    workers = [spawn.Process(target=_process_run, args=(url, redis_url, pacer, total // processes, go, results))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    go.wait()  # every process has imported everything: the clock starts together
    longest = max(results.get(timeout=300) for _ in workers)
    for worker in workers:
        worker.join(30)
    return total / longest


SECTION = "## Many processes: the shared rate limiter (`python benchmarks/shared_limiter.py`)"


def write_section(lines: list[str]) -> None:
    """Put ``lines`` under SECTION in RESULTS.md, replacing an earlier run's (run.py rewrites the rest)."""
    results = HERE / "RESULTS.md"
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    start = text.find(SECTION)
    if start >= 0:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + (text[end + 1:] if end >= 0 else "")
    results.write_text(text.rstrip("\n") + "\n\n" + "\n".join([SECTION, "", *lines]) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description="the cost of RedisRateLimiter; 4 client processes against 1")
    parser.add_argument("--quick", action="store_true", help="throughput only, 1 repeat, 2,000 requests")
    quick = parser.parse_args().quick
    lines = [f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores shared by the "
             "client processes, nginx (0 ms) and redis-server; the machine was shared with other work, so the "
             "wall-clock figures are noisy (the instruction counts are not).", ""]
    with servers.nginx([0]) as urls, redis_server() as redis_url:
        url = urls[0]
        if not quick:
            per = instructions_per_request(url, redis_url)
            base = per["none"]
            lines += ["| pacer (at a rate never reached) | instructions per request | added |", "|---|---|---|"]
            lines += [f"| {pacer} | {count / 1000:,.0f}k | {(count - base) / 1000:+,.1f}k ({count / base - 1:+.1%}) |"
                      for pacer, count in per.items()]
            lines.append("")
        total, repeats = (2000, 1) if quick else (8000, 3)
        cells = [(pacer, processes) for pacer in ("none", "RedisRateLimiter") for processes in (1, 4)]
        measured: dict[tuple[str, int], list[float]] = {cell: [] for cell in cells}
        for repeat in range(repeats):
            for cell in cells[repeat % len(cells):] + cells[:repeat % len(cells)]:  # rotating order
                measured[cell].append(throughput(url, redis_url, cell[0], cell[1], total))
    lines += [f"| limiter | client processes | req/s, {total:,} latest readings, C=50 each (median) | runs |",
              "|---|---|---|---|"]
    lines += [f"| {pacer} | {processes} | {statistics.median(runs):,.0f} | {', '.join(f'{r:,.0f}' for r in runs)} |"
              for (pacer, processes), runs in measured.items()]
    print("\n".join(lines))
    if not quick:
        write_section(lines)

if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--one":  # one measured run, inside valgrind
        asyncio.run(read_latest(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
    else:
        main()
