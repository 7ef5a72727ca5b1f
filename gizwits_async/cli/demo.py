"""``gizwits demo``: what the library does, end to end, against an emulator on loopback (no account, no network)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs
import click

from ..models import Device, DeviceData, ScheduledCommand
from ..push import AttrsEvent
from ..session import Session
from .context import Settings, pass_settings, run
from .failures import error_label
from .output import Output, to_json

if TYPE_CHECKING:
    from ..emulator import Emulator, FakeClock

__all__ = ["demo"]

USERNAME = "newcomer"
PASSWORD = "newcomer-password"
BIND_BATCH = 100
#: How many devices are polled (they drift: their read-only readings change as the emulator's clock moves).
POLLED = 3
POLL_INTERVAL = 0.3
#: The polling the push step is compared with: every device read once a second.
COMPARED_POLL_INTERVAL = 1.0


@attrs.define
class Step:
    """One stage of the demo: what it did, how many requests it sent and how long it took."""

    name: str
    result: str = ""
    requests: int = 0
    seconds: float = 0.0


@attrs.define
class Steps:
    """Times the stages and counts the requests the emulator received during each."""

    emulator: Emulator
    out: Output
    done: list[Step] = attrs.field(factory=list)

    def received(self) -> int:
        """Requests the emulator received so far."""
        return sum(self.emulator.stats.requests.values())

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[Step]:
        step = Step(name)
        requests, started = self.received(), time.perf_counter()
        yield step
        step.seconds, step.requests = time.perf_counter() - started, self.received() - requests
        self.done.append(step)
        self.out.note(f"[green]✓[/] [bold]{name:<18}[/] {step.result} "
                      f"[dim]({step.requests} requests, {step.seconds:.2f} s)[/]")


@click.command(short_help="Try it all against an embedded emulator: no account, no network.")
@click.option("--devices", "count", default=1000, show_default=True, type=click.IntRange(POLLED + 2, 50_000),
              help="Devices in the emulated fleet.")
@click.option("--latency-ms", default=50.0, show_default=True, type=click.FloatRange(0, 2000),
              help="Latency the emulator adds to every answer.")
@click.option("--concurrency", default=200, show_default=True, type=click.IntRange(1, 1000),
              help="Requests in flight at once.")
@pass_settings
def demo(settings: Settings, count: int, latency_ms: float, concurrency: int) -> None:
    """Run a bulk job against an embedded emulator on loopback: sign up, bind, control, read back, poll, push
    against polling, schedule."""
    run(_demo(settings.output, count, latency_ms, concurrency))


async def _demo(out: Output, count: int, latency_ms: float, concurrency: int) -> None:
    from ..emulator import Emulator, EmulatorConfig, FakeClock, Faults

    started = time.perf_counter()
    # A fake clock starting now: the demo moves it forward to make readings drift and a schedule fire.
    clock = FakeClock(time.time())
    emulator = Emulator(EmulatorConfig(devices=0), clock=clock, faults=Faults(latency=latency_ms / 1000))
    fleet = [emulator.state.add_device(drift=i < POLLED) for i in range(count)]
    unplugged = fleet[-1].did
    emulator.state.set_online(unplugged, False)
    steps = Steps(emulator, out)
    async with emulator.serve() as base_url:
        out.note(f"Emulator on {base_url}: {count} devices (one unplugged on purpose), "
                 f"{latency_ms:g} ms latency per request.\n")
        async with Session(emulator.config.appid, base_url=base_url, max_concurrency=concurrency) as session:
            with steps.step("sign up, log in") as step:
                await session.register(USERNAME, PASSWORD)
                token = await session.login(USERNAME, PASSWORD)
                step.result = f"user {USERNAME!r}, uid {token.uid[:8]}…"

            with steps.step("bind") as step:
                batches = [fleet[i:i + BIND_BATCH] for i in range(0, count, BIND_BATCH)]
                results = await asyncio.gather(*(
                    session.bind([(d.did, d.passcode, f"lamp {n:04}") for n, d in enumerate(batch, start)])
                    for start, batch in zip(range(0, count, BIND_BATCH), batches, strict=True)))
                step.result = f"{sum(len(r.success) for r in results)} devices in {len(batches)} batches"

            with steps.step("list bindings") as step:
                devices = [d async for d in session.iter_bindings(page_size=100)]
                step.result = f"{len(devices)} devices, {sum(d.is_online for d in devices)} online"

            with steps.step("bulk control") as step:
                commands = {d.did: {"switch": True, "brightness": n % 101} for n, d in enumerate(devices)}
                with out.progress(len(commands), "switching on") as progress:
                    report = await session.control_many(commands, concurrency=concurrency, progress=progress)
                failures = collections.Counter(error_label(o.error) for o in report.failures if o.error is not None)
                why = ", ".join(f"{n} x {label}" for label, n in failures.items())
                step.result = f"{len(report.succeeded)} ok, {len(report.failures)} failed ({why})"

            with steps.step("read back") as step:
                readings = await session.latest_many(commands, concurrency=concurrency)
                confirmed = sum(o.ok and o.value.attrs.items() >= commands[o.did].items() for o in readings.outcomes)
                step.result = f"{confirmed} devices report the values sent"

            with steps.step("poll") as step:
                changes = await _watch(session, clock, [d.did for d in fleet[:POLLED]])
                step.result = f"{len(changes)} changes seen on {len({c[0] for c in changes})} devices"
            out.note(Output.table(["did", "datapoint", "before", "after"], changes, "Changes seen by polling"))

            with steps.step("watch by push") as step:
                push_seconds, changed = await _by_push(session, devices, concurrency)
                step.result = f"{changed} changes all seen by push {push_seconds:.2f} s after the bulk control began"

            with steps.step("same by polling") as step:
                poll_seconds, changed = await _by_polling(session, devices, concurrency)
                step.result = (f"{changed} changes all seen by polling every {COMPARED_POLL_INTERVAL:g} s "
                               f"{poll_seconds:.2f} s after the bulk control began")

            with steps.step("schedule") as step:
                step.result = await _schedule(session, emulator, clock, [d.did for d in fleet[:POLLED]])

    _summary(out, steps.done, time.perf_counter() - started, count, latency_ms)


async def _watch(session: Session, clock: FakeClock, dids: list[str]) -> list[tuple[str, str, str, str]]:
    """Poll ``dids`` while the emulator's clock runs fast and one device is controlled; the changes seen."""
    first: dict[str, DeviceData] = {}
    changes: list[tuple[str, str, str, str]] = []

    async def time_lapse() -> None:
        while True:
            await asyncio.sleep(POLL_INTERVAL)
            clock.advance(5)  # the emulator's drift interval: every read-only reading moves

    lapse = asyncio.create_task(time_lapse())
    readings = session.poll_latest(dids, interval=POLL_INTERVAL)
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10), contextlib.aclosing(readings):
                async for data in readings:
                    before = first.setdefault(data.did, data)
                    if before is data:
                        if len(first) == len(dids):  # everyone seen once: now a change of our own
                            await session.control(dids[0], {"brightness": 7, "mode": "cool"})
                        continue
                    changes += [(data.did, name, to_json(before.attrs.get(name)), to_json(value))
                                for name, value in sorted(data.attrs.items()) if before.attrs.get(name) != value]
                    if {c[0] for c in changes} >= set(dids):
                        break
    finally:
        lapse.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await lapse
    return changes


async def _by_push(session: Session, devices: list[Device], concurrency: int) -> tuple[float, int]:
    """Subscribe every device, control them all, and time until every change arrived as an `AttrsEvent`."""
    async with session.push() as push:
        await push.subscribe(devices)
        read = set()
        async for event in push:  # each device's current state first (the reads after subscribing)
            if isinstance(event, AttrsEvent):
                read.add(event.did)
                if len(read) == len(devices):
                    break
        started = time.perf_counter()
        report = await session.control_many({d.did: {"brightness": 33} for d in devices}, concurrency=concurrency)
        pending = set(report.succeeded)
        async with asyncio.timeout(60):
            async for event in push:
                if isinstance(event, AttrsEvent) and event.attrs.get("brightness") == 33:
                    pending.discard(event.did)
                    if not pending:
                        break
        return time.perf_counter() - started, len(report.succeeded)


async def _by_polling(session: Session, devices: list[Device], concurrency: int) -> tuple[float, int]:
    """Control every device, and time until polling every `COMPARED_POLL_INTERVAL` seconds saw every change."""
    started = time.perf_counter()
    report = await session.control_many({d.did: {"brightness": 66} for d in devices}, concurrency=concurrency)
    pending = set(report.succeeded)
    readings = session.poll_latest([d.did for d in devices], interval=COMPARED_POLL_INTERVAL, changes_only=False,
                                   concurrency=concurrency)
    async with asyncio.timeout(60), contextlib.aclosing(readings):
        async for data in readings:
            if data.attrs.get("brightness") == 66:
                pending.discard(data.did)
                if not pending:
                    break
    return time.perf_counter() - started, len(report.succeeded)


async def _schedule(session: Session, emulator: Emulator, clock: FakeClock, dids: list[str]) -> str:
    """Create a schedule two minutes ahead, move the emulator's clock there, and read the schedule's log."""
    now = dt.datetime.fromtimestamp(clock.now(), dt.UTC)
    at = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=2)
    product = emulator.config.product_key
    schedule_id = await session.create_schedule(
        time=at.time(), date=at.date(), commands=[ScheduledCommand(did, product, {"switch": False}) for did in dids])
    clock.set(at)  # the emulator runs what is due as its clock moves
    logs = await session.schedule_logs(schedule_id)
    after = await session.latest_many(dids)
    off = sum(o.ok and o.value.attrs.get("switch") is False for o in after.outcomes)
    status = logs[-1].status if logs else "not run"
    return f"switch-off at {at:%H:%M} UTC, emulator clock moved there: run {status!r}, {off}/{len(dids)} off"


def _summary(out: Output, steps: list[Step], elapsed: float, count: int, latency_ms: float) -> None:
    total = sum(s.requests for s in steps)
    rows: list[list[Any]] = [[s.name, s.requests, f"{s.seconds:.2f}", _rate(s.requests, s.seconds)] for s in steps]
    rows.append(["total (wall clock)", total, f"{elapsed:.2f}", _rate(total, elapsed)])
    payload = {
        "devices": count,
        "latency_ms": latency_ms,
        "steps": [{"name": s.name, "result": s.result, "requests": s.requests, "seconds": round(s.seconds, 3)}
                  for s in steps],
        "requests": total,
        "seconds": round(elapsed, 3),
    }
    out.result(payload, Output.table(["step", "requests", "seconds", "requests/s"], rows, "\nSummary"))


def _rate(requests: int, seconds: float) -> str:
    return f"{requests / seconds:,.0f}" if seconds > 0 else "-"
