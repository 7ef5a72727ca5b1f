"""``gizwits emulator``: serve the bundled emulator on loopback (the emulator's own command, see its --help)."""

from __future__ import annotations

from ..emulator.command import emulator

__all__ = ["emulator"]
