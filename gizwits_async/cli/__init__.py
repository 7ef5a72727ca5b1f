"""The ``gizwits`` console script (extra ``cli``): ``gizwits --help``.

Importing this package needs nothing beyond the base install, so that ``gizwits`` without the ``cli`` extra can
say which extra to install instead of failing with a traceback.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import cli

__all__ = ["MISSING_EXTRA", "cli", "main"]

#: The top-level modules the ``cli`` extra brings (the emulator's server included, for `gizwits demo`).
_EXTRA_MODULES = frozenset({"click", "rich"})
#: What ``gizwits`` prints when the ``cli`` extra is not installed.
MISSING_EXTRA = "gizwits: the command line needs the 'cli' extra: pip install 'gizwits-async[cli]'"


def main() -> None:
    """The console script's entry point: one line naming the extra when click or rich is missing."""
    try:
        from .app import main as run
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in _EXTRA_MODULES:
            raise
        sys.exit(MISSING_EXTRA)
    run()


def __getattr__(name: str) -> Any:
    if name == "cli":  # the click group, imported on first use so that `main` can report a missing extra
        from .app import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
