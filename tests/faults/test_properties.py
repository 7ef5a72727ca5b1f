"""Property tests that tests/unit does not have yet: schedule dates, repeat days and retries accept exactly the
valid space (times, attrs round-trips, error bodies and BulkReport invariants are in tests/unit)."""

from __future__ import annotations

import datetime as dt
import re
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gizwits_async import ValidationError
from gizwits_async.validation import WEEKDAYS, schedule_date, schedule_repeat, schedule_retry

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _real_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        return False
    return True


@given(st.dates().map(dt.date.isoformat) | st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True)
       | st.text(alphabet=string.digits + "-/ T:\u0663", max_size=12))
def test_schedule_date_accepts_exactly_real_yyyy_mm_dd(text: str) -> None:
    if _real_date(text):
        assert schedule_date(text) == text
    else:
        with pytest.raises(ValidationError):
            schedule_date(text)


@given(st.dates())
def test_schedule_date_from_date_objects(value: dt.date) -> None:
    assert schedule_date(value) == value.isoformat()


_DAY_TOKENS = st.sampled_from(WEEKDAYS) | st.sampled_from([d.upper() for d in WEEKDAYS]) | st.sampled_from(
    [" mon", "tue ", "none", "", "funday", "mo", "monday", "sat,"]) | st.text(max_size=4)


@given(st.lists(_DAY_TOKENS, max_size=8), st.booleans())
def test_schedule_repeat_accepts_exactly_sets_of_weekdays(tokens: list[str], as_text: bool) -> None:
    value: Any = ",".join(tokens) if as_text else tokens
    parts = value.split(",") if as_text else tokens
    names = [part.strip().lower() for part in parts]
    if value == "none":
        assert schedule_repeat(value) == "none"
    elif names and all(name in WEEKDAYS for name in names):
        assert schedule_repeat(value) == ",".join(day for day in WEEKDAYS if day in names)
    else:
        with pytest.raises(ValidationError):
            schedule_repeat(value)


@given(st.integers(-1000, 1000) | st.booleans() | st.floats() | st.none() | st.text(max_size=3),
       st.sampled_from(["all", "failed", "ALL", "none", "", None, 1]))
def test_schedule_retry_accepts_exactly_0_to_60_and_all_or_failed(count: Any, task: Any) -> None:
    valid = type(count) is int and 0 <= count <= 60 and task in ("all", "failed")
    if valid:
        assert schedule_retry(count, task) == (count, task)
    else:
        with pytest.raises(ValidationError):
            schedule_retry(count, task)
