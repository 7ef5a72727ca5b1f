"""CPU per request by instruction count, which the machine's noise does not move:
python benchmarks/instructions.py [--concurrency C]

Runs raw aiohttp and `Session.control_many` / `latest_many` (also with every device's product schema known, so
that control values are checked against it) under valgrind's callgrind against nginx (0 ms), at
concurrency C (default 50), once with 500 and once with 1,500 requests, and prints the difference per request:
start-up costs cancel out.
Needs valgrind and nginx with the echo module. Takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import clients  # noqa: E402
import servers  # noqa: E402

RUNNERS = {"raw aiohttp": clients.raw_aiohttp, "Session": clients.session_default,
           "Session, schema-checked": clients.session_checked}
SMALL, LARGE = 500, 1500


def instructions(url: str, runner: str, kind: str, n: int, concurrency: int) -> int:
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, url, runner,
         kind, str(n), str(concurrency)], capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(done.stderr[-500:])
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU per request by instruction count (callgrind)")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight (default 50)")
    concurrency = parser.parse_args().concurrency
    with servers.nginx([0]) as urls:
        for kind in ("control", "latest"):
            per = {runner: (instructions(urls[0], runner, kind, LARGE, concurrency)
                            - instructions(urls[0], runner, kind, SMALL, concurrency)) / (LARGE - SMALL)
                   for runner in RUNNERS}
            counts = ", ".join(f"{runner} {count / 1000:,.0f}k" for runner, count in per.items())
            checked = per["Session, schema-checked"] - per["Session"]
            print(f"{kind}, C={concurrency}: {counts} instructions/request; Session costs"
                  f" {per['Session'] / per['raw aiohttp']:.2f}x; schema checks add {checked / 1000:,.1f}k"
                  f" ({checked / per['Session']:.1%})", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 6:  # one measured run, inside valgrind
        url, runner, kind, count, in_flight = sys.argv[1:]
        target = clients.Target(url, [f"did{i:05d}" for i in range(1000)])
        asyncio.run(RUNNERS[runner](target, kind, int(count), int(in_flight)))
    else:
        main()
