"""CPU per control-value check by instruction count: python benchmarks/check_cost.py

Counts, under valgrind's callgrind, the instructions of `Session.check_attrs` (what every control path runs)
for the benchmark's values, with the device's product schema unknown (type checks only) and known (the schema's
rules), once with 20,000 and once with 60,000 calls, and prints the difference per call (start-up cancels out).
Needs valgrind. Takes about a minute.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SMALL, LARGE = 20_000, 60_000
CASES = ("unknown", "known")


def instructions(case: str, n: int) -> int:
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, case, str(n)],
        capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(done.stderr[-500:])
    return int(found.group(1))


def run(case: str, n: int) -> None:
    import clients

    import gizwits_async as gizwits

    session = gizwits.Session("bench-appid", base_url="http://127.0.0.1:1", products=[clients.BENCH_PRODUCT])
    dids = [f"did{i:05d}" for i in range(1000)]
    if case == "known":
        session.remember_devices(gizwits.Device(did, product_key="bench-product") for did in dids)
    check, attrs = session.check_attrs, clients.ATTRS
    for i in range(n):
        check(dids[i % 1000], attrs)


def main() -> None:
    per = {case: (instructions(case, LARGE) - instructions(case, SMALL)) / (LARGE - SMALL) for case in CASES}
    print(f"check_attrs({clients_attrs()}): {per['unknown']:,.0f} instructions per call with the product unknown "
          f"(type checks), {per['known']:,.0f} with its schema known (+{per['known'] - per['unknown']:,.0f})")


def clients_attrs() -> str:
    import clients

    return repr(clients.ATTRS)


if __name__ == "__main__":
    if len(sys.argv) == 3:  # one measured run, inside valgrind
        run(sys.argv[1], int(sys.argv[2]))
    else:
        main()
