"""Fan-out: bulk control and latest-data polling with bounded workers, a strict rate limiter and reports.

A run starts at most ``concurrency`` workers; each pulls the next input only when it is free, so a huge (async)
iterable is never materialised. Every input gets exactly one `Outcome`; a device's final failure is recorded
against it and never stops the others. Each request goes through the session's one request path, so retries
and token renewal (once for the whole run) are the same as for single calls.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sized,
)
from typing import Any, Generic, TypeVar, cast

import attrs

from .endpoints._base import Call
from .endpoints.control import Attrs, control_call
from .endpoints.devices import latest_call
from .endpoints.products import ProductsAPI
from .errors import GizwitsError, SessionClosedError, UnexpectedError, ValidationError, error_key, is_permanent
from .models import DeviceData
from .throttling import Pacer, RateLimiter
from .validation import check_did, check_flag, check_hook, check_int, check_iterable, check_number

__all__ = ["BulkError", "BulkReport", "FanoutAPI", "Outcome", "Progress"]

logger = logging.getLogger("gizwits_async")

#: ``{did: attrs}``, or an (async) iterable of ``(did, attrs)`` pairs.
Commands = Mapping[str, Attrs] | Iterable[tuple[str, Attrs]] | AsyncIterable[tuple[str, Attrs]]


T = TypeVar("T")
#: The value of a failed outcome, and of a control call, whatever its type parameter.
_NO_VALUE: Any = None


@attrs.frozen
class Outcome(Generic[T]):
    """One input's result: ``value`` (a `DeviceData` for `latest_many`, None for control) or ``error``, and the
    requests it took. ``value`` is None when the call failed: check ``ok`` (or ``error``) first."""

    did: str
    value: T = _NO_VALUE
    error: GizwitsError | None = None
    attempts: int = 0
    #: The input's position (0-based).
    index: int = 0

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None


class BulkError(GizwitsError):
    """Raised by `BulkReport.raise_for_failures`: some inputs failed; ``report`` has them all."""

    def __init__(self, report: BulkReport[Any]) -> None:
        self.report = report
        super().__init__(report.summary())


#: How many failures `str(report)` and `repr(report)` show.
_SHOWN_FAILURES = 3


@attrs.frozen(repr=False)
class BulkReport(Generic[T]):
    """Every input's `Outcome`, in input order (``BulkReport[DeviceData]`` from `latest_many`, ``BulkReport[None]``
    from `control_many`). Its repr and str are short: counts and the first failures."""

    outcomes: list[Outcome[T]]

    @property
    def succeeded(self) -> list[str]:
        """The dids that succeeded, in input order."""
        return [o.did for o in self.outcomes if o.error is None]

    @property
    def failures(self) -> list[Outcome[T]]:
        """The failed outcomes, in input order: one per failed input, a did given twice counted twice."""
        return [o for o in self.outcomes if o.error is not None]

    @property
    def failed(self) -> dict[str, GizwitsError]:
        """did -> error, one entry per did that failed at least once: its last failure.

        A did given several times appears once here, so count and loop over `failures` instead.
        """
        return {o.did: o.error for o in self.outcomes if o.error is not None}

    @property
    def errors(self) -> collections.Counter[str]:
        """Failures by kind, keyed as `Progress.errors` is (the error code's name, or the exception class)."""
        return collections.Counter(error_key(o.error) for o in self.outcomes if o.error is not None)

    def summary(self) -> str:
        """One line: how many failed, of how many, by kind ("2 of 5 failed (DEVICE_OFFLINE: 2)")."""
        errors = self.errors
        kinds = ", ".join(f"{key}: {count}" for key, count in errors.most_common())
        return f"{errors.total()} of {len(self.outcomes)} failed" + (f" ({kinds})" if kinds else "")

    def __repr__(self) -> str:
        shown = [f"{o.did}: {error_key(o.error)}" for o in self.failures[:_SHOWN_FAILURES] if o.error is not None]
        return f"<BulkReport {self.summary()}; first failures: {shown}>" if shown else f"<BulkReport {self.summary()}>"

    def __str__(self) -> str:
        failures = self.failures
        lines = [self.summary()] + [f"  {o.did}: {o.error}" for o in failures[:_SHOWN_FAILURES]]
        if len(failures) > _SHOWN_FAILURES:
            lines.append(f"  ... and {len(failures) - _SHOWN_FAILURES} more (see .failures)")
        return "\n".join(lines)

    @property
    def ok(self) -> bool:
        """Whether every input succeeded."""
        return all(o.error is None for o in self.outcomes)

    def raise_for_failures(self) -> None:
        """Raise `BulkError` if any input failed."""
        if not self.ok:
            raise BulkError(self)


@attrs.define
class Progress:
    """A progress hook that counts outcomes; pass it as ``progress=`` (any callable taking an `Outcome` works)."""

    done: int = 0
    succeeded: int = 0
    failed: int = 0
    #: Failures by kind: the Gizwits error code's name ("DEVICE_OFFLINE"), or the exception class when the error
    #: has no code ("TransportError"); see `gizwits_async.errors.error_key`.
    errors: collections.Counter[str] = attrs.field(factory=collections.Counter)

    def __call__(self, outcome: Outcome[Any]) -> None:
        self.done += 1
        if outcome.error is None:
            self.succeeded += 1
        else:
            self.failed += 1
            self.errors[error_key(outcome.error)] += 1


Inputs = Iterator[Any] | AsyncIterator[Any]


def _lazy(items: Iterable[Any] | AsyncIterable[Any]) -> Inputs:
    return aiter(items) if isinstance(items, AsyncIterable) else iter(items)


def _command_inputs(commands: Commands) -> Inputs:
    """The (did, attrs) pairs of ``commands``, iterated lazily."""
    if isinstance(commands, Mapping):
        return _lazy(commands.items())
    if isinstance(commands, AsyncIterable):
        return _lazy(commands)
    return _lazy(check_iterable(commands, "commands"))


def _did_inputs(dids: Iterable[str] | AsyncIterable[str]) -> Inputs:
    """The dids of ``dids``, iterated lazily."""
    if isinstance(dids, str):
        raise ValidationError("pass an iterable of dids, not a single string")
    return _lazy(dids if isinstance(dids, AsyncIterable) else check_iterable(dids, "dids"))


#: Takes one input's result: its index, did, value, error and attempts; returns what to await before the worker
#: goes on (a stream's full queue), or None.
Emit = Callable[[int, str, Any, GizwitsError | None, int], Awaitable[None] | None]
#: Turns one input item into the did it is about and the call to send.
Build = Callable[[Any], tuple[str, Call[Any]]]
_DONE = object()
#: A progress hook: called with each outcome as it completes.
ProgressHook = Callable[[Outcome[Any]], object] | None


class FanoutAPI(ProductsAPI):
    """The fan-out helpers of `Session`."""

    def _run_pacer(self, rate: float | None) -> RateLimiter | None:
        """A run's own ``rate`` limiter (None: no rate), on the session's clock."""
        return None if rate is None else RateLimiter(rate, clock=self._shared.clock)

    def _concurrency(self, concurrency: int | None, inputs: object) -> int:
        """How many workers to start: ``concurrency`` (default: the pool size), at most the pool size and the
        number of inputs when it is known (more workers than either would only wait)."""
        workers = (self._shared.max_concurrency if concurrency is None
                   else check_int(concurrency, "concurrency", minimum=1))
        if isinstance(inputs, Sized):
            workers = min(workers, len(inputs))
        return max(1, min(workers, self._shared.max_concurrency))

    async def _run(
        self,
        inputs: Inputs,
        build: Build,
        *,
        concurrency: int,
        pace: Pacer | None,
        emit: Emit,
    ) -> None:
        """Send ``build(item)`` for every input item on ``concurrency`` workers, emitting each outcome."""
        pull = asyncio.Lock()  # an async iterator must not be advanced by two tasks at once
        counter = 0
        sync_inputs = inputs if isinstance(inputs, Iterator) else None
        async_inputs = cast(AsyncIterator[Any], inputs)  # only used when sync_inputs is None

        async def next_item() -> Any:
            async with pull:
                return await anext(async_inputs, _DONE)

        async def worker() -> None:
            nonlocal counter
            while True:
                # A plain iterator is advanced without an await, so workers cannot interleave on it.
                item = next(sync_inputs, _DONE) if sync_inputs is not None else await next_item()
                if item is _DONE:
                    return
                index, counter = counter, counter + 1
                try:
                    did, call = build(item)
                    value, attempts = await self._exchange(call, pace)
                except GizwitsError as exc:
                    pending = emit(index, _did_of(item), None, exc, exc.attempts)
                except Exception as exc:  # one input's fault is its outcome, never the end of the run
                    pending = emit(index, _did_of(item), None, UnexpectedError(exc), 0)
                else:
                    pending = emit(index, did, value, None, attempts)
                if pending is not None:
                    await pending

        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())

    async def _collect(
        self, inputs: Inputs, build: Build, workers: int, rate: float | None, progress: ProgressHook,
    ) -> BulkReport[Any]:
        check_hook(progress, "progress")
        pace = self._run_pacer(rate)
        results = _Results()

        def emit(index: int, did: str, value: Any, error: GizwitsError | None, attempts: int) -> None:
            results.add(index, did, value, error, attempts)
            if progress is not None:
                progress(Outcome(did, value, error, attempts, index))

        hook = emit if progress is not None else results.add  # (without a hook: one call per outcome fewer)
        await self._run(inputs, build, concurrency=workers, pace=pace, emit=hook)
        return BulkReport(results.outcomes())

    async def _stream(
        self, inputs: Inputs, build: Build, workers: int, pace: Pacer | None, progress: ProgressHook,
    ) -> AsyncGenerator[Outcome[Any], None]:
        """Outcomes in completion order; holds at most ``workers`` of them (memory O(workers))."""
        queue: asyncio.Queue[Outcome[Any] | _End] = asyncio.Queue(maxsize=workers)

        def emit(index: int, did: str, value: Any, error: GizwitsError | None, attempts: int) -> Awaitable[None] | None:
            return _put(queue, Outcome(did, value, error, attempts, index))

        async def produce() -> None:
            try:
                await self._run(inputs, build, concurrency=workers, pace=pace, emit=emit)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # handed to the consumer, which re-raises it
                await queue.put(_End(exc))
                return
            await queue.put(_End(None))

        producer = asyncio.create_task(produce())
        try:
            while True:
                item = await queue.get()
                if isinstance(item, _End):
                    if item.error is not None:
                        raise item.error
                    return
                if progress is not None:
                    progress(item)
                yield item
        finally:
            if not producer.done():
                producer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await producer

    def _control_item(self, item: Any) -> tuple[str, Call[None]]:
        """One bulk command's call, its values checked as `control` checks them (a refusal is its outcome)."""
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ValidationError(f"each command must be a (did, attrs) pair, got {item!r:.60}")
        did, attrs = item
        return did, control_call(did, self.check_attrs(did, attrs))

    def _latest_item(self, did: Any) -> tuple[str, Call[DeviceData]]:
        return did, latest_call(did, self._decoder(did))

    async def control_many(
        self, commands: Commands, *, concurrency: int | None = None, rate: float | None = None,
        progress: ProgressHook = None,
    ) -> BulkReport[None]:
        """`control` for many devices: ``commands`` is ``{did: attrs}`` or an (async) iterable of ``(did, attrs)``.

        Returns every input's outcome in input order. ``rate`` caps request starts per second (retries
        included); ``progress`` is called with each outcome as it completes.
        """
        workers = self._concurrency(concurrency, commands)
        return await self._collect(_command_inputs(commands), self._control_item, workers, rate, progress)

    async def latest_many(
        self, dids: Iterable[str] | AsyncIterable[str], *, concurrency: int | None = None,
        rate: float | None = None, progress: ProgressHook = None,
    ) -> BulkReport[DeviceData]:
        """`latest` for many devices; each outcome's ``value`` is a `DeviceData`."""
        workers = self._concurrency(concurrency, dids)
        return await self._collect(_did_inputs(dids), self._latest_item, workers, rate, progress)

    async def stream_control(
        self, commands: Commands, *, concurrency: int | None = None, rate: float | None = None,
        progress: ProgressHook = None,
    ) -> AsyncGenerator[Outcome[None], None]:
        """Like `control_many`, but yields outcomes as they complete (``Outcome.index`` is the input position).

        Memory stays O(concurrency) whatever the input size. Close the iterator (or use
        ``contextlib.aclosing``) to stop early: in-flight requests are cancelled.
        """
        workers = self._concurrency(concurrency, commands)
        inputs = _command_inputs(commands)
        check_hook(progress, "progress")
        async with contextlib.aclosing(self._stream(inputs, self._control_item, workers, self._run_pacer(rate),
                                                    progress)) as outcomes:
            async for outcome in outcomes:
                yield outcome

    async def poll_latest(
        self, dids: Iterable[str], *, interval: float = 5.0, concurrency: int | None = None,
        changes_only: bool = True, on_error: Callable[[Outcome[DeviceData]], object] | None = None,
    ) -> AsyncGenerator[DeviceData, None]:
        """Every ``interval`` seconds, read every device; yield its `DeviceData` when ``updated_at`` changed.

        The first round yields every device; ``changes_only=False`` yields every reading. Requests of a round
        are spread over the interval. A failed read goes to ``on_error`` (default: a warning in the log) and
        the device is read again next round, unless the failure is permanent (`errors.is_permanent`: an unknown,
        unbound or disabled device): then it is reported once and no longer read, and the iteration ends when
        no device is left. Stops cleanly when the consumer stops iterating, and raises `SessionClosedError` once
        the session is closed.
        """
        listed = [dids] if isinstance(dids, str) else check_iterable(dids, "dids")
        devices = list(dict.fromkeys(check_did(did) for did in listed))
        if not devices:
            raise ValidationError("poll_latest needs at least one did")
        every = check_number(interval, "interval (seconds)")
        check_flag(changes_only, "changes_only")
        report_error = check_hook(on_error, "on_error") or _warn
        workers = self._concurrency(concurrency, devices)
        busy: set[str] = set()
        gone: set[str] = set()
        seen: dict[str, Any] = {}
        readings = _schedule(devices, every, busy, gone)
        async with contextlib.aclosing(self._stream(readings, self._latest_item, workers, None, None)) as outcomes:
            async for outcome in outcomes:
                busy.discard(outcome.did)
                if isinstance(outcome.error, SessionClosedError):
                    raise outcome.error  # no later round can succeed: stop instead of warning forever
                if outcome.error is not None:
                    report_error(outcome)
                    if is_permanent(outcome.error):
                        gone.add(outcome.did)  # reported once: reading it again cannot succeed
                    continue
                data: DeviceData = outcome.value
                if not changes_only or data.did not in seen or seen[data.did] != data.updated_at:
                    seen[data.did] = data.updated_at
                    yield data


async def _schedule(devices: list[str], interval: float, busy: set[str], gone: set[str]) -> AsyncIterator[str]:
    """Each device at its own time in each round: device ``i`` of ``n`` at ``i * interval / n`` into the round.

    A device whose previous reading has not come back (it is in ``busy``) skips its turn, so a slow device
    delays only itself. Rounds follow the clock from the first one, not the end of the previous one, so the
    interval holds whatever the latency. Devices in ``gone`` are no longer read; the schedule ends with the
    round in which none is left.
    """
    loop = asyncio.get_running_loop()
    spacing = interval / len(devices)
    started = loop.time()
    for round_ in itertools.count():
        if len(gone) == len(devices):
            return
        for position, did in enumerate(devices):
            if did in gone:
                continue
            delay = started + round_ * interval + position * spacing - loop.time()
            if delay > 0.001:  # below a millisecond, waking up costs more than starting a little early
                await asyncio.sleep(delay)
            if did not in busy and did not in gone:  # (it may have gone while this slept)
                busy.add(did)
                yield did


class _Results:
    """A run's results, kept as plain values until the run ends, then turned into outcomes in input order.

    One outcome object per input kept alive while hundreds of requests are in flight made the garbage
    collector's young-generation passes cost 2-3% of a bulk run (measured at C=200); plain values in a few
    lists add no tracked objects, and the outcomes are built once the requests' objects are gone.
    """

    __slots__ = ("_attempts", "_dids", "_errors", "_indexes", "_values")

    def __init__(self) -> None:
        self._indexes: list[int] = []
        self._dids: list[str] = []
        self._values: list[Any] = []
        self._errors: list[GizwitsError | None] = []
        self._attempts: list[int] = []

    def add(self, index: int, did: str, value: Any, error: GizwitsError | None, attempts: int) -> None:
        """Record one input's result."""
        self._indexes.append(index)
        self._dids.append(did)
        self._values.append(value)
        self._errors.append(error)
        self._attempts.append(attempts)

    def outcomes(self) -> list[Outcome[Any]]:
        """Every recorded result as an `Outcome`, in input order."""
        ordered: list[Outcome[Any] | None] = [None] * len(self._indexes)
        for index, did, value, error, attempts in zip(
            self._indexes, self._dids, self._values, self._errors, self._attempts, strict=True
        ):
            ordered[index] = Outcome(did, value, error, attempts, index)
        return cast(list[Outcome[Any]], ordered)


def _put(queue: asyncio.Queue[Outcome[Any] | _End], item: Outcome[Any]) -> Awaitable[None] | None:
    """Put ``item`` on ``queue`` at once when there is room; else return what to await (the consumer is behind)."""
    if queue.full():
        return queue.put(item)
    queue.put_nowait(item)
    return None


class _End:
    """The end of a stream, with the error that ended it, if any."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


def _did_of(item: Any) -> str:
    """The did of an input, for its outcome (its type in brackets when the input names no did)."""
    if isinstance(item, str):
        return item
    if isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str):
        return item[0]
    return f"<{type(item).__name__}>"


def _warn(outcome: Outcome[DeviceData]) -> None:
    logger.warning("polling %s failed: %s", outcome.did, outcome.error)
