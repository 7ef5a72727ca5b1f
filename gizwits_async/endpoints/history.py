"""A device's communication log and online records (GET /app/devices/{did}/raw_data), read in full."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import AsyncIterator
from typing import Any

from ..errors import ValidationError
from ..history import MAX_DEPTH, PAGE, check_range, split, windows
from ..models import RawRecord
from ..validation import check_did
from ._base import Auth, Call, Endpoints

KINDS = ("cmd", "online")


def _page_from_wire(data: Any) -> tuple[int, list[RawRecord]]:
    return int(data["meta"]["total"]), [RawRecord.from_wire(item) for item in data["objects"]]


class HistoryAPI(Endpoints):
    """Device history."""

    async def raw_data(
        self, did: str, *, start: dt.datetime | float, end: dt.datetime | float, kind: str = "cmd"
    ) -> AsyncIterator[RawRecord]:
        """Every record of the device from ``start`` (included) to ``end`` (excluded), oldest first, each once.

        ``kind``: "cmd" (the communication log: commands sent and reports received) or "online" (online and
        offline events). ``start``/``end``: aware datetimes or Unix seconds; an end in the future is clamped to
        now, a start older than the 7 days the service keeps (or not before the end) raises `ValidationError`.
        The range is read in the windows and pages the service allows (GET /app/devices/{did}/raw_data).
        Products on sale need the service to enable this log: expect an `APIError` otherwise.
        """
        check_did(did)
        if kind not in KINDS:
            raise ValidationError(f"kind must be 'cmd' or 'online', got {kind!r:.60}")
        first, last = check_range(start, end, time.time())
        for window in windows(first, last):
            async for record in self._raw_window(did, kind, *window):
                yield record

    async def _raw_window(self, did: str, kind: str, start: float, end: float) -> AsyncIterator[RawRecord]:
        """The records of ``[start, end)``: paged, or halved when the window holds more than paging reaches."""
        # Compared as datetimes: a record's timestamp went through the same rounding to microseconds.
        low, high = dt.datetime.fromtimestamp(start, dt.UTC), dt.datetime.fromtimestamp(end, dt.UTC)
        skip, total = 0, 1
        while skip < total:
            total, records = await self._call(self._raw_page(did, kind, start, end, skip))
            if total > MAX_DEPTH:
                halves = split(start, end)
                if halves is not None:
                    for half in halves:
                        async for record in self._raw_window(did, kind, *half):
                            yield record
                    return
                total = MAX_DEPTH  # one second holding more than 5000 entries: read what paging reaches
            for record in records:
                if low <= record.timestamp < high:  # the query's whole seconds reach a bit wider
                    yield record
            if not records:
                return
            skip += len(records)

    @staticmethod
    def _raw_page(did: str, kind: str, start: float, end: float, skip: int) -> Call[tuple[int, list[RawRecord]]]:
        limit = min(PAGE, MAX_DEPTH - skip)
        query = (f"type={kind}&start_time={math.floor(start)}&end_time={math.ceil(end)}"
                 f"&sort=asc&limit={limit}&skip={skip}")
        return Call("GET", f"/app/devices/{did}/raw_data?{query}", Auth.USER, parse=_page_from_wire)
