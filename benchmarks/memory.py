"""Peak RSS (KiB) of `Session.stream_control` over N devices:  python benchmarks/memory.py BASE_URL N

Run in its own process by run.py, so the figure is this run's alone. The input is a generator, so nothing
but the session's O(concurrency) working set should grow with N.
"""

from __future__ import annotations

import asyncio
import re
import resource
import sys
from pathlib import Path

import gizwits_async as gizwits


def peak_rss_kib() -> int:
    """This process's peak resident memory in KiB: Linux's VmHWM, which belongs to the program now running.

    ``ru_maxrss`` is kept across exec, so in a process started by a large parent it reports the parent's size
    (run.py's 117 MiB where this program peaks at 40). Elsewhere, ``ru_maxrss`` it is.
    """
    status = Path("/proc/self/status")
    found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text()) if status.exists() else None
    return int(found.group(1)) if found else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def main(base_url: str, count: int) -> None:
    commands = ((f"bench{i:017d}", {"switch": i % 2 == 0}) for i in range(count))
    ok = 0
    async with gizwits.Session("bench-appid", base_url=base_url, max_concurrency=100) as session:
        user = session.for_user(("bench-token", "bench-uid"))
        async for outcome in user.stream_control(commands):
            ok += outcome.ok
    if ok != count:
        raise SystemExit(f"{count - ok} of {count} failed")
    print(peak_rss_kib())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
