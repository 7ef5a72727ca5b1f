"""What the Redis-backed pieces share: key templates and what counts as a Redis outage.

Nothing here imports redis-py at import time: it is an optional dependency (the ``redis`` extra), needed only
once a Redis-backed object is built.
"""

from __future__ import annotations

import string

from .errors import ValidationError

__all__ = ["outage_errors", "redis_key"]


def redis_key(template: str, **values: str | None) -> str:
    """``template`` with its ``{name}`` fields filled from ``values``; a field without a value is an error."""
    if not isinstance(template, str) or not template:
        raise ValidationError(f"key must be a non-empty string, got {template!r:.60}")
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    unknown = sorted(fields - set(values))
    if unknown:
        raise ValidationError(f"key {template!r} has unknown fields: {', '.join(unknown)}")
    missing = sorted(name for name in fields if not values[name])
    if missing:
        raise ValidationError(f"key {template!r} needs {', '.join(f'{name}=...' for name in missing)}")
    return template.format(**values)


def outage_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean Redis cannot be used right now (down, unreachable, too slow, refusing)."""
    from redis.exceptions import RedisError

    return (RedisError, OSError, TimeoutError)
