"""A token storm: 1,000 concurrent calls on a server-side revoked token; prints the logins it caused.

Against the emulator on loopback (it checks tokens), in this process so the revocation is immediate.
"""

from __future__ import annotations

import asyncio

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, EmulatorConfig

CALLS = 1000


async def main() -> None:
    emulator = Emulator(EmulatorConfig(devices=100))
    async with emulator.serve() as base_url, gizwits.Session("demo-appid", base_url=base_url,
                                                              max_concurrency=200) as session:
        await session.login("demo", "demo-password")
        dids = [device.did async for device in session.iter_bindings()]
        emulator.state.revoke_tokens("demo")
        before = emulator.stats.logins
        results = await asyncio.gather(
            *(session.control(dids[i % len(dids)], {"switch": True}) for i in range(CALLS)), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        logins = emulator.stats.logins - before
        print(f"| {CALLS} concurrent `control` calls on a revoked token | logins: **{logins}** | "
              f"failed calls: {len(failures)} |")
        if logins != 1 or failures:
            raise SystemExit(f"storm: {logins} logins, {len(failures)} failures: {failures[:3]}")


if __name__ == "__main__":
    asyncio.run(main())
