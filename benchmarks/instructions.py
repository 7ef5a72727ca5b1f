"""CPU per request by instruction count, which the machine's noise does not move:
python benchmarks/instructions.py [--concurrency C ...] [--tls] [--loop asyncio|uvloop] [--runners NAME ...]

Runs each client (default: raw aiohttp, the floor client, pyreqwest, `Session.control_many` / `latest_many` on
its aiohttp pool and on its fast transport, and on the aiohttp pool with every device's product schema known, so
that control values are checked against it) under valgrind's callgrind against nginx (0 ms; ``--tls``: https
with a certificate of a private CA the clients trust), at each concurrency C (default 50), once with
max(500, C) and once with 1,000 more requests, and prints the difference per request: start-up costs (imports,
connections, TLS handshakes) cancel out, and the imports' garbage is collected before each run starts. Callgrind
counts every thread of the client process (pyreqwest's tokio thread included), not the kernel's work.
Needs valgrind and nginx with the echo module. Takes a few minutes per concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import clients  # noqa: E402

RUNNERS = {"raw aiohttp": clients.raw_aiohttp, "floor": clients.floor, "pyreqwest": clients.raw_pyreqwest,
           "Session": clients.session_aiohttp, "Session fast": clients.session_fast,
           "Session, schema-checked": clients.session_checked}
EXTRA = 1000
#: The first argument of the measured runs this script starts under valgrind.
ONE_RUN = "--one-run"


def instructions(target: clients.Target, runner: str, kind: str, n: int, concurrency: int, loop: str) -> int:
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, ONE_RUN,
         target.url, target.ca or "-", runner, kind, str(n), str(concurrency), loop],
        capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(done.stderr[-500:])
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU per request by instruction count (callgrind)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[50], help="requests in flight (default 50)")
    parser.add_argument("--tls", action="store_true", help="https (TLS 1.3, RSA 2048 certificate of a private CA)")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--runners", nargs="+", choices=list(RUNNERS), default=list(RUNNERS))
    parser.add_argument("--kinds", nargs="+", choices=("control", "latest"), default=["control", "latest"])
    args = parser.parse_args()
    with clients.nginx_target(args.tls) as server:
        for concurrency in args.concurrency:
            small = max(500, concurrency)
            for kind in args.kinds:
                per = {runner: (instructions(server, runner, kind, small + EXTRA, concurrency, args.loop)
                                - instructions(server, runner, kind, small, concurrency, args.loop)) / EXTRA
                       for runner in args.runners}
                counts = ", ".join(f"{runner} {count / 1000:,.0f}k" for runner, count in per.items())
                print(f"{'https' if args.tls else 'http'}, {args.loop}, {kind}, C={concurrency}: {counts}"
                      " instructions/request", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == [ONE_RUN]:  # one measured run, inside valgrind
        url, ca, runner, kind, count, in_flight, loop = sys.argv[2:]
        bench = clients.Target(url, [f"did{i:05d}" for i in range(1000)], ca=None if ca == "-" else ca)
        run = RUNNERS[runner](bench, kind, int(count), int(in_flight))
        # The garbage of the imports is collected now, not by whichever run first crosses the collector's
        # threshold for a full collection: a start-up cost that would otherwise not cancel out.
        gc.collect()
        if loop == "uvloop":
            import uvloop

            uvloop.run(run)
        else:
            asyncio.run(run)
    else:
        main()
