"""`python -m gizwits_async.emulator`: serve the emulator until interrupted (the options of `gizwits emulator`)."""

from __future__ import annotations

from .command import emulator

if __name__ == "__main__":
    emulator(prog_name="python -m gizwits_async.emulator")
