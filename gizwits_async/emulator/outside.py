"""Outside controls of the emulator: routes under ``/_emulator/`` for programs in other processes or languages.

They belong to the emulator only (the real service has nothing like them), need no appid or token, and are
neither counted in the stats nor touched by the fault knobs.
"""

from __future__ import annotations

from .routing import Call, Reply, Route
from .stats import Stats


class OutsideControls:
    """The handlers of ``/_emulator/...``."""

    def __init__(self, stats: Stats) -> None:
        self.stats = stats

    def routes(self) -> list[Route]:
        """The routes to add to the emulator's router."""
        return [Route("GET", "/_emulator/stats", "", self.read_stats)]

    def read_stats(self, call: Call) -> Reply:
        """GET /_emulator/stats: the requests by endpoint, the logins and the failed logins."""
        return 200, self.stats.to_wire()
