"""Push benchmarks: latency against polling, throughput and CPU per event, memory per device, recovery.

    python benchmarks/push.py latency [--devices 300] [--every 0.1]
    python benchmarks/push.py throughput [--devices 10000] [--drift-interval 1] [--seconds 20]
    python benchmarks/push.py memory --devices 10000          # one process per figure (run.py style)
    python benchmarks/push.py recovery [--devices 10000] [--rounds 3]
    python benchmarks/push.py all [--write]                   # everything, RESULTS.md section with --write

The emulator always runs in its own process (`python -m gizwits_async.emulator`), on its two push ports. Wall
times are noisy on a shared 2-core machine (client, emulator and other work share it); latencies are reported
as percentiles of one run where push and both pollings watch the same controls at the same time, so they share
the same noise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import plots
from memory import peak_rss_kib
from sections import write_section

import gizwits_async as gizwits

SECTION = "## Push (emulator in its own process)"


@contextlib.contextmanager
def emulator(devices: int, *options: str) -> Iterator[str]:
    """An emulator process with ``devices`` devices bound to demo; yields its base URL."""
    command = [sys.executable, "-m", "gizwits_async.emulator", "--port", "0", "--devices", str(devices), *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    found = re.search(r"http://[\d.]+:\d+", process.stdout.readline())
    try:
        if found is None:
            raise SystemExit("the emulator did not start")
        yield found.group(0)
    finally:
        process.kill()
        process.wait()


@contextlib.asynccontextmanager
async def signed_in(base_url: str) -> AsyncIterator[gizwits.Session]:
    async with gizwits.Session("demo-appid", base_url=base_url, max_concurrency=100, timeout=60) as session:
        await session.login("demo", "demo-password")
        yield session


async def records(session: gizwits.Session) -> list[gizwits.Device]:
    return [device async for device in session.iter_bindings(page_size=1000)]


async def first_reads(push: gizwits.Push, count: int) -> None:
    """Consume events until every device's state arrived once (the reads after subscribing)."""
    seen: set[str] = set()
    async for event in push:
        if isinstance(event, gizwits.AttrsEvent):
            seen.add(event.did)
            if len(seen) == count:
                return


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# -- latency -----------------------------------------------------------------------------------------------


async def latency(devices: int, every: float) -> dict[str, Any]:
    """Each device is set once to a value of its own, one every ``every`` seconds; push and polling at 1 s and
    5 s watch at the same time; the time from the start of each control to each watcher's first sight of it."""
    with emulator(devices) as base_url:
        async with signed_in(base_url) as session, session.push() as push:
            fleet = await records(session)
            await push.subscribe(fleet)
            await first_reads(push, len(fleet))
            dids = [device.did for device in fleet]
            sent: dict[str, float] = {}
            seen: dict[str, dict[str, float]] = {"push": {}, "poll 1 s": {}, "poll 5 s": {}}
            expected = {did: 1 + n % 100 for n, did in enumerate(dids)}  # brightness 1..100, not the default 50
            expected = {did: value if value != 50 else 51 for did, value in expected.items()}

            def saw(watcher: str, did: str, value: Any) -> None:
                if did in sent and value == expected[did] and did not in seen[watcher]:
                    seen[watcher][did] = time.perf_counter() - sent[did]

            async def by_push() -> None:
                async for event in push:
                    if isinstance(event, gizwits.AttrsEvent):
                        saw("push", event.did, event.attrs.get("brightness"))

            async def by_polling(interval: float) -> None:
                async for data in session.poll_latest(dids, interval=interval, changes_only=False):
                    saw(f"poll {interval:g} s", data.did, data.attrs.get("brightness"))

            watchers = [asyncio.create_task(by_push()), asyncio.create_task(by_polling(1.0)),
                        asyncio.create_task(by_polling(5.0))]
            await asyncio.sleep(6)  # the pollers' first rounds
            controls = []
            for did in dids:
                sent[did] = time.perf_counter()
                controls.append(asyncio.create_task(session.control(did, {"brightness": expected[did]})))
                await asyncio.sleep(every)
            await asyncio.gather(*controls)
            for _ in range(120):
                if all(len(found) == len(dids) for found in seen.values()):
                    break
                await asyncio.sleep(0.1)
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
    result = {}
    for watcher, found in seen.items():
        values = list(found.values())
        result[watcher] = {"seen": len(values), "of": len(dids), "p50_ms": percentile(values, 0.5) * 1000,
                           "p99_ms": percentile(values, 0.99) * 1000}
    return result


# -- throughput --------------------------------------------------------------------------------------------


async def throughput(devices: int, drift_interval: float, seconds: float) -> dict[str, Any]:
    """Every device drifts (one reading changes every ``drift_interval`` s): events consumed per second and the
    client's CPU time per event, over ``seconds`` of steady state."""
    with emulator(devices, "--drift", "--drift-interval", str(drift_interval)) as base_url:
        async with signed_in(base_url) as session, session.push() as push:
            fleet = await records(session)
            await push.subscribe(fleet)
            await first_reads(push, len(fleet))
            await asyncio.sleep(1)
            while push.stats.buffered:  # start from an empty buffer
                await anext(push)
            events, coalesced = push.stats.events, push.stats.coalesced
            cpu, wall = time.process_time(), time.perf_counter()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    async for _ in push:
                        pass
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            consumed = push.stats.events - events
            return {"devices": devices, "offered_per_s": devices / drift_interval, "drift_interval": drift_interval,
                    "events_per_s": consumed / wall, "cpu_us_per_event": cpu / consumed * 1e6, "cpu_share": cpu / wall,
                    "coalesced": push.stats.coalesced - coalesced}


# -- memory ------------------------------------------------------------------------------------------------


def rss_kib() -> int:
    """This process's resident memory now (not the peak), after a full collection."""
    gc.collect()
    status = Path("/proc/self/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert found is not None
    return int(found.group(1))


async def memory(devices: int) -> dict[str, Any]:
    """Resident memory with the device records loaded, then with every device subscribed and read, and the
    process's peak (in this process)."""
    with emulator(devices) as base_url:
        async with signed_in(base_url) as session:
            fleet = await records(session)
            before = rss_kib()
            async with session.push() as push:
                result = await push.subscribe(fleet)
                assert len(result.success) == devices, result.failed
                await first_reads(push, devices)
                after = rss_kib()
                peak = peak_rss_kib()
    return {"devices": devices, "rss_records_kib": before, "rss_subscribed_kib": after, "peak_kib": peak,
            "push_bytes_per_device": (after - before) * 1024 / devices}


def memory_in_process(devices: int) -> dict[str, Any]:
    output = subprocess.run([sys.executable, __file__, "memory", "--devices", str(devices)], capture_output=True,
                            text=True, check=True).stdout
    found: dict[str, Any] = json.loads(output.splitlines()[-1])
    return found


# -- recovery ----------------------------------------------------------------------------------------------


async def recovery(devices: int, rounds: int) -> dict[str, Any]:
    """The emulator drops every socket (POST /_emulator/push/drop): the time until every device's state arrived
    again over a new socket (default reconnect settings: a first delay of 1-3 s)."""
    times = []
    with emulator(devices) as base_url:
        async with signed_in(base_url) as session, session.push() as push, aiohttp.ClientSession() as http:
            fleet = await records(session)
            await push.subscribe(fleet)
            await first_reads(push, devices)
            for _ in range(rounds):
                await asyncio.sleep(3)  # healthy again: the next loss is retried within about 3 s
                while push.stats.buffered:
                    await anext(push)
                started = time.perf_counter()
                async with http.post(f"{base_url}/_emulator/push/drop") as answer:
                    assert (await answer.json())["dropped"] == 2
                await first_reads(push, devices)
                times.append(time.perf_counter() - started)
    return {"devices": devices, "seconds": times, "median_s": statistics.median(times)}


# -- report ------------------------------------------------------------------------------------------------


def table(figures: dict[str, Any]) -> list[str]:
    lines = [f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `python benchmarks/push.py all`: the "
             "emulator in its own process (two push ports, so two sockets), wall-clock figures (noisy: 2 cores "
             "shared by client, emulator and other work).", ""]
    lat = figures["latency"]
    lines += ["Time from the start of a REST control to the client seeing the new value (each device set once, "
              "one control every 100 ms; push and both pollings watching the same controls at the same time):", "",
              "| watcher | seen | p50 | p99 |", "|---|---|---|---|"]
    for watcher, row in lat.items():
        lines.append(f"| {watcher} | {row['seen']}/{row['of']} | {row['p50_ms']:,.0f} ms | {row['p99_ms']:,.0f} ms |")
    thr = figures["throughput"]
    lines += ["", f"Throughput: {thr['devices']:,} subscribed devices, each drifting every {thr['drift_interval']:g} s "
              f"or so (at most {thr['offered_per_s']:,.0f} changes/s; the emulator's own pace limits it): "
              f"{thr['events_per_s']:,.0f} events/s consumed, {thr['cpu_us_per_event']:.1f} us of client CPU per "
              f"event ({thr['cpu_share']:.0%} of one core), {thr['coalesced']:,} coalesced.", "",
              "| subscribed devices | peak RSS | RSS, records loaded | RSS, subscribed and read "
              "| push memory per device |",
              "|---|---|---|---|---|"]
    for row in figures["memory"]:
        lines.append(f"| {row['devices']:,} | {row['peak_kib'] / 1024:,.1f} MiB | "
                     f"{row['rss_records_kib'] / 1024:,.1f} MiB | {row['rss_subscribed_kib'] / 1024:,.1f} MiB | "
                     f"{row['push_bytes_per_device']:,.0f} B |")
    small, large = figures["memory"]
    ratio = large["push_bytes_per_device"] / small["push_bytes_per_device"]
    rec = figures["recovery"]
    lines += ["", f"Per-device push memory at {large['devices']:,} devices is {ratio:.2f}x that at "
              f"{small['devices']:,} (the bar: at most 1.3x).", "",
              f"Recovery: after the emulator dropped both sockets, every one of {rec['devices']:,} devices was "
              f"resynced in {', '.join(f'{s:.1f}' for s in rec['seconds'])} s (median {rec['median_s']:.1f} s; "
              "the first reconnect waits 1-3 s by design)."]
    return lines




def chart_figures(figures: dict[str, Any]) -> plots.Results:
    """The part of ``figures`` the charts draw: time to observe by watcher, and memory by subscribed devices."""
    return {
        "push": [{"method": watcher, "p50_ms": row["p50_ms"], "p99_ms": row["p99_ms"]}
                 for watcher, row in figures["latency"].items()],
        "push_memory": [{"series": "push subscriptions", "devices": row["devices"],
                         "peak_rss_mib": row["peak_kib"] / 1024} for row in figures["memory"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("what", choices=["latency", "throughput", "memory", "recovery", "all"])
    parser.add_argument("--devices", type=int)
    parser.add_argument("--every", type=float, default=0.1)
    parser.add_argument("--drift-interval", type=float, default=0.5)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="put the figures into RESULTS.md")
    args = parser.parse_args()
    if args.what == "latency":
        print(json.dumps(asyncio.run(latency(args.devices or 300, args.every))))
    elif args.what == "throughput":
        print(json.dumps(asyncio.run(throughput(args.devices or 10_000, args.drift_interval, args.seconds))))
    elif args.what == "memory":
        print(json.dumps(asyncio.run(memory(args.devices or 10_000))))
    elif args.what == "recovery":
        print(json.dumps(asyncio.run(recovery(args.devices or 10_000, args.rounds))))
    else:
        figures = {
            "latency": asyncio.run(latency(300, args.every)),
            "throughput": asyncio.run(throughput(10_000, args.drift_interval, args.seconds)),
            "memory": [memory_in_process(10_000), memory_in_process(100_000)],
            "recovery": asyncio.run(recovery(10_000, args.rounds)),
        }
        print(json.dumps(figures))
        lines = table(figures)
        print("\n".join(lines))
        if args.write:
            write_section(SECTION, lines)
            plots.write_charts(plots.update_results(chart_figures(figures)))


if __name__ == "__main__":
    main()
