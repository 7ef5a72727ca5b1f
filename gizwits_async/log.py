"""The ``gizwits_async`` logger: one DEBUG line per request, secrets redacted.

The library configures nothing: applications configure the ``gizwits_async`` logger like any other. The
``gizwits`` and emulator commands call `configure` (``--log-level``, or ``GIZWITS_LOG`` in the environment).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import TextIO

logger = logging.getLogger("gizwits_async")

#: Request headers whose values are credentials: shown as "***".
SECRET_HEADERS = frozenset(
    {"x-gizwits-user-token", "x-gizwits-application-token", "x-gizwits-application-auth", "x-gizwits-signature"}
)

#: The level names `configure` takes.
LEVELS = ("debug", "info", "warning", "error")


def redacted_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with every credential replaced by "***"."""
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def configure(level: str, stream: TextIO | None = None) -> None:
    """For the command-line programs: send the ``gizwits_async`` logger's lines at ``level`` to stderr.

    Calling it again changes the level and the stream (default: the current ``sys.stderr``), keeping one handler.
    """
    if level.lower() not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}, got {level!r}")
    handler = next((h for h in logger.handlers if h.get_name() == "gizwits-cli"), None)
    if not isinstance(handler, logging.StreamHandler):
        handler = logging.StreamHandler()
        handler.set_name("gizwits-cli")
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    handler.setStream(stream or sys.stderr)
    logger.setLevel(level.upper())
