"""The ``gizwits_async`` logger: one DEBUG line per request, secrets redacted.

Set ``GIZWITS_LOG=debug`` (or info, warning) in the environment to get the lines on stderr without configuring
logging yourself; libraries and services normally configure the ``gizwits_async`` logger instead.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

logger = logging.getLogger("gizwits_async")

#: Request headers whose values are credentials: shown as "***".
SECRET_HEADERS = frozenset(
    {"x-gizwits-user-token", "x-gizwits-application-token", "x-gizwits-application-auth", "x-gizwits-signature"}
)


def redacted_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with every credential replaced by "***"."""
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def configure_from_env(environ: Mapping[str, str] = os.environ) -> None:
    """Attach a stderr handler at the level named by ``GIZWITS_LOG``, if it is set."""
    level = environ.get("GIZWITS_LOG", "").strip().upper()
    if not level or not isinstance(logging.getLevelName(level), int):
        return
    if not any(getattr(h, "_gizwits_env", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        handler._gizwits_env = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)
