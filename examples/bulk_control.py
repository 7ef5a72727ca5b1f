"""Send one command to every online device of an account, streaming the devices in and the outcomes out.

    python examples/bulk_control.py '{"switch": true}' --concurrency 100 --rate 200

Settings come from the environment: GIZWITS_APPID, GIZWITS_USERNAME, GIZWITS_PASSWORD, and GIZWITS_BASE_URL
or GIZWITS_REGION. The exit code is 0 only if every device took the command. (For commands read from a file,
with a progress bar and a file of failed rows, see `gizwits bulk-control`.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Mapping
from typing import Any

import gizwits_async as gizwits


async def send_to_all(
    session: gizwits.Session, attrs: Mapping[str, Any], *, concurrency: int, rate: float | None
) -> gizwits.Progress:
    """Send ``attrs`` to every online bound device; failures are printed as they come; returns the counts."""

    async def commands() -> AsyncIterator[tuple[str, Mapping[str, Any]]]:
        async for device in session.iter_bindings():  # pages are fetched as the workers need more devices
            if device.is_online:
                yield device.did, attrs

    progress = gizwits.Progress()
    async for outcome in session.stream_control(commands(), concurrency=concurrency, rate=rate, progress=progress):
        if outcome.error is not None:
            print(f"{outcome.did}: {outcome.error}", file=sys.stderr)
    return progress


async def main(argv: list[str]) -> int:
    """Parse ``argv``, sign in, send, print a summary; the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("attrs", type=json.loads, help='datapoints as JSON, e.g. \'{"switch": true}\'')
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--rate", type=float, default=None, help="at most this many requests per second")
    args = parser.parse_args(argv)
    env = os.environ
    async with gizwits.Session(
        env["GIZWITS_APPID"], region=env.get("GIZWITS_REGION", "cn"), base_url=env.get("GIZWITS_BASE_URL")
    ) as session:
        await session.login(env["GIZWITS_USERNAME"], env["GIZWITS_PASSWORD"])
        progress = await send_to_all(session, args.attrs, concurrency=args.concurrency, rate=args.rate)
    print(f"{progress.succeeded} ok, {progress.failed} failed {dict(progress.errors)}")
    return 0 if progress.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
