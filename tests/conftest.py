"""Shared by the whole suite: the emulator's fixtures (the same plugin users load in their own tests)."""

pytest_plugins = ["gizwits_async.emulator.pytest_plugin"]
