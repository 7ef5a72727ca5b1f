"""Input checks that run before any request leaves the machine; each failure is a `ValidationError`."""

from __future__ import annotations

import datetime as dt
import inspect
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from yarl import URL

from .errors import ValidationError
from .models import ScheduledCommand

__all__ = [
    "OAUTH_SOURCES",
    "WEEKDAYS",
    "check_base_url",
    "check_did",
    "check_raw",
    "check_segment",
    "check_text",
    "encode_attrs",
    "schedule_date",
    "schedule_repeat",
    "schedule_time",
]

OAUTH_SOURCES = frozenset({"baidu", "sina", "qq"})
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RETRY_TASKS = frozenset({"all", "failed"})
MAX_RETRY_COUNT = 60

_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: A plain URL path segment: RFC 3986 unreserved characters only, so that no URL library rewrites it (drops,
#: escapes or resolves it); "." and ".." are excluded below, being the segments a URL library resolves.
_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
_DOT_SEGMENTS = frozenset({".", ".."})
_SENT_AS_IS = frozenset({bool, str})
#: Integer datapoint values the service can hold (64-bit); larger ones JSON may not even encode.
_INT_RANGE = range(-(2**63), 2**64)
#: Characters no HTTP header value may carry (they would split or end the header).
_NOT_IN_HEADER = re.compile(r"[\x00-\x1f\x7f]")
#: The largest count a paging parameter may ask for (the service's own limits are far below).
MAX_PAGE = 2**31 - 1
_HUGE = 1e300


def check_text(value: Any, name: str) -> str:
    """A required, non-blank string argument."""
    if not isinstance(value, str) or not value.strip():
        # Only the type of a non-string: the value may be a password or a token passed as bytes.
        shown = _show(value) if isinstance(value, str) else type(value).__name__
        raise ValidationError(f"{name} must be a non-empty string, got {shown}")
    return value


def check_header_value(value: Any, name: str) -> str:
    """A non-blank string sent in an HTTP header (appid, token): no control characters such as CR, LF or NUL.

    The value itself is never shown: it may be a token.
    """
    text = check_text(value, name)
    if _NOT_IN_HEADER.search(text) or not text.isascii():
        raise ValidationError(f"{name} must be printable ASCII (it is sent in a header)")
    return text


def check_iterable(value: Any, name: str) -> Any:
    """An iterable of items (not a string, bytes or a mapping mistaken for one)."""
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Iterable):
        raise ValidationError(f"{name} must be an iterable, got {_show(value)}")
    return value


def check_flag(value: Any, name: str) -> bool:
    """A bool argument (0/1 and other truthy objects are refused: they are usually a misplaced argument)."""
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be True or False, got {_show(value)}")
    return value


def check_hook(value: Any, name: str) -> Any:
    """An optional callable (a progress or error hook)."""
    if value is not None and not callable(value):
        raise ValidationError(f"{name} must be a callable or None, got {_show(value)}")
    return value


def check_choice(value: Any, choices: frozenset[str], name: str) -> str:
    """One of a few fixed strings."""
    if not isinstance(value, str) or value not in choices:
        raise ValidationError(f"{name} must be one of {', '.join(sorted(choices))}, got {_show(value)}")
    return value


def check_segment(value: Any, name: str) -> str:
    """An id that becomes one URL path segment: ASCII letters, digits, '-', '_', '.' or '~', not "." or ".."."""
    if not isinstance(value, str) or not _SEGMENT.fullmatch(value) or value in _DOT_SEGMENTS:
        raise ValidationError(f"{name} must be letters, digits, '-', '_', '.' or '~' (not '.' or '..'), "
                              f"got {_show(value)}")
    return value


def check_base_url(base_url: Any) -> str:
    """An http(s) URL with a host (http only because it was asked for explicitly: the emulator on loopback)."""
    try:
        url = URL(check_header_value(base_url, "base_url"))
    except ValueError:
        url = URL()
    if url.scheme not in ("http", "https") or not url.host:
        raise ValidationError(f"base_url must be an http(s) URL with a host, got {_show(base_url)}")
    return str(base_url).rstrip("/")


def check_pacer(pacer: Any, name: str) -> Any:
    """None, or an object with an async ``wait()`` (a pacer)."""
    if pacer is not None and not inspect.iscoroutinefunction(getattr(pacer, "wait", None)):
        raise ValidationError(f"{name} must have an async wait() method (a Pacer), got {_show(pacer)}")
    return pacer


def check_did(did: Any) -> str:
    """A device id (it becomes part of a URL path)."""
    if type(did) is str and did.isascii() and did.isalnum():  # what real dids are, checked without the regex
        return did
    return check_segment(did, "did")


def encode_attrs(attrs: Any) -> dict[str, Any]:
    """Check datapoint values and return them in wire form (``bytes`` -> lowercase hex).

    ``attrs`` must be a non-empty mapping of str to bool, int, float, str or bytes.
    """
    if not (type(attrs) is dict or isinstance(attrs, Mapping)) or not attrs:  # (a dict without an ABC check)
        raise ValidationError(f"attrs must be a non-empty mapping of datapoint name to value, got {_show(attrs)}")
    wire: dict[str, Any] = {}
    for name, value in attrs.items():
        if not isinstance(name, str) or not name:
            raise ValidationError(f"datapoint names must be non-empty strings, got {_show(name)}")
        kind = type(value)
        if kind in _SENT_AS_IS or (kind is int and value in _INT_RANGE):  # the usual cases first (once per command)
            wire[name] = value
        elif isinstance(value, int):  # bool is one of the types above (and cannot be subclassed)
            wire[name] = _wire_int(name, value)
        elif isinstance(value, bytes | bytearray | memoryview):
            wire[name] = bytes(value).hex()
        elif isinstance(value, str):
            wire[name] = value
        elif isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise ValidationError(f"datapoint {name!r} must be a finite number, got {value!r}")
            wire[name] = value
        else:
            raise ValidationError(
                f"datapoint {name!r} must be bool, int, float, str or bytes, got {type(value).__name__}"
            )
    return wire


def _wire_int(name: str, value: int) -> int:
    if value not in _INT_RANGE:
        raise ValidationError(f"datapoint {name!r} must fit in 64 bits, got {_show(value)}")
    return int(value)


def check_raw(data: Any) -> list[int]:
    """Raw control bytes: ``bytes`` or a non-empty sequence of ints 0..255."""
    if isinstance(data, bytes | bytearray | memoryview):
        values = list(bytes(data))
    elif isinstance(data, Sequence) and not isinstance(data, str):
        values = list(data)
        for byte in values:
            if isinstance(byte, bool) or not isinstance(byte, int) or not 0 <= byte <= 255:
                raise ValidationError(f"raw bytes must be ints in 0..255, got {_show(byte)}")
    else:
        raise ValidationError(f"raw data must be bytes or a sequence of ints 0..255, got {_show(data)}")
    if not values:
        raise ValidationError("raw data must not be empty")
    return values


def schedule_time(value: Any) -> str:
    """A UTC time of day as "HH:MM" (00:00 to 23:59), from a `datetime.time` or a string."""
    if isinstance(value, dt.time):
        if value.tzinfo is not None and value.utcoffset() != dt.timedelta(0):
            raise ValidationError("schedule time is UTC: pass a naive or UTC datetime.time")
        return value.strftime("%H:%M")
    if isinstance(value, str) and _TIME.fullmatch(value):
        return value
    raise ValidationError(f"time must be 'HH:MM' between 00:00 and 23:59 (UTC), got {_show(value)}")


def schedule_date(value: Any) -> str | None:
    """A date as "YYYY-MM-DD", from a `datetime.date` or a string; None stays None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        raise ValidationError("date must be a datetime.date or 'YYYY-MM-DD', not a datetime")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValidationError(f"date must be 'YYYY-MM-DD', got {_show(value)}")


def schedule_repeat(value: Any) -> str:
    """"none" or weekdays ("mon".."sun", an iterable or a comma list), sent comma-joined in week order."""
    if value is None or value == "none":
        return "none"
    days = value.split(",") if isinstance(value, str) else value
    if not isinstance(days, Iterable):
        raise ValidationError(f"repeat must be 'none' or weekdays mon..sun, got {_show(value)}")
    chosen = set()
    for day in days:
        name = day.strip().lower() if isinstance(day, str) else day
        if name not in WEEKDAYS:
            raise ValidationError(f"repeat days must be among {', '.join(WEEKDAYS)}, got {_show(day)}")
        chosen.add(name)
    if not chosen:
        raise ValidationError("repeat must name at least one weekday, or be 'none'")
    return ",".join(day for day in WEEKDAYS if day in chosen)


def schedule_retry(retry_count: Any, retry_task: Any) -> tuple[int, str]:
    """``retry_count`` in 0..60 and ``retry_task`` "all" or "failed"."""
    if isinstance(retry_count, bool) or not isinstance(retry_count, int) or not 0 <= retry_count <= MAX_RETRY_COUNT:
        raise ValidationError(f"retry_count must be an int in 0..{MAX_RETRY_COUNT}, got {_show(retry_count)}")
    return retry_count, check_choice(retry_task, RETRY_TASKS, "retry_task")


#: Checks one command's values: (did, product_key, attrs) -> the values in wire form.
CheckAttrs = Callable[[str, str, Any], dict[str, Any]]


def schedule_commands(commands: Any, check: CheckAttrs) -> list[dict[str, Any]]:
    """At least one `ScheduledCommand` (or a (did, product_key, attrs) triple), in wire form, each command's
    values passed through ``check``."""
    if isinstance(commands, str | bytes) or not isinstance(commands, Iterable):
        raise ValidationError(f"commands must be an iterable of ScheduledCommand, got {_show(commands)}")
    wire = []
    for command in commands:
        if not isinstance(command, ScheduledCommand):
            if not (isinstance(command, tuple) and len(command) == 3):
                raise ValidationError(f"each command must be a ScheduledCommand, got {_show(command)}")
            command = ScheduledCommand(*command)
        did = check_did(command.did)
        product_key = check_text(command.product_key, "product_key")
        wire.append({"did": did, "product_key": product_key, "attrs": check(did, product_key, command.attrs)})
    if not wire:
        raise ValidationError("a schedule needs at least one command")
    return wire


def check_page(limit: Any, skip: Any) -> tuple[int, int]:
    """Paging parameters: ``limit`` >= 1 and ``skip`` >= 0."""
    return check_int(limit, "limit", minimum=1, maximum=MAX_PAGE), check_int(skip, "skip", minimum=0, maximum=MAX_PAGE)


def _show(value: Any) -> str:
    """The start of ``value``'s repr for an error message (its type when it has no usable repr)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an int of {value.bit_length()} bits"  # repr() of a huge int is slow, or refused
    try:
        text = repr(value)
    except Exception:
        return f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(value: Any, name: str, *, minimum: int, maximum: int | None = None) -> int:
    """An int (not a bool) in ``minimum..maximum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (
            maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"in {minimum}..{maximum}"
        raise ValidationError(f"{name} must be an int {bounds}, got {_show(value)}")
    return value


def check_number(value: Any, name: str, *, zero_ok: bool = False) -> float:
    """A finite number (not a bool) > 0, or >= 0 when ``zero_ok``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value) if abs(value) < _HUGE else math.inf  # float() of a huge int overflows
        if (number >= 0 if zero_ok else number > 0) and number < math.inf:
            return number
    raise ValidationError(f"{name} must be a finite number {'>=' if zero_ok else '>'} 0, got {_show(value)}")


def check_seconds(value: Any, name: str, *, optional: bool = False) -> float | None:
    """A finite number of seconds > 0 (or None when ``optional``)."""
    if value is None and optional:
        return None
    return check_number(value, f"{name} (seconds)")
