"""The ``gizwits`` console script (extra ``cli``): ``gizwits --help``."""

from .app import cli, main

__all__ = ["cli", "main"]
