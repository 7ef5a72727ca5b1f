"""Peak RSS (KiB) of `Session.stream_control` over N devices:  python benchmarks/memory.py BASE_URL N

Run in its own process by run.py, so the figure is this run's alone. The input is a generator, so nothing
but the session's O(concurrency) working set should grow with N.
"""

from __future__ import annotations

import asyncio
import resource
import sys

import gizwits_async as gizwits


async def main(base_url: str, count: int) -> None:
    commands = ((f"bench{i:017d}", {"switch": i % 2 == 0}) for i in range(count))
    ok = 0
    async with gizwits.Session("bench-appid", base_url=base_url, max_concurrency=100) as session:
        user = session.for_user(("bench-token", "bench-uid"))
        async for outcome in user.stream_control(commands):
            ok += outcome.ok
    if ok != count:
        raise SystemExit(f"{count - ok} of {count} failed")
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
