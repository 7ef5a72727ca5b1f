"""Where the CLI keeps its tokens: one `FileTokenStore` per (appid, server) under the user's config dir."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import click

from ..stores import FileTokenStore

__all__ = ["config_dir", "token_store"]


def config_dir() -> Path:
    """``$GIZWITS_CONFIG_DIR``, else the platform's config dir for "gizwits" (``$XDG_CONFIG_HOME/gizwits``)."""
    override = os.environ.get("GIZWITS_CONFIG_DIR")
    return Path(override) if override else Path(click.get_app_dir("gizwits"))


def token_store(appid: str, base_url: str, directory: Path | None = None) -> FileTokenStore:
    """The token file of ``appid`` on ``base_url``: ``<config dir>/tokens/<hash of both>.json``.

    The library's `FileTokenStore` (private directory and file, atomic replace, a lock shared by every
    ``gizwits`` command running at once); its errors are one-line `TokenStoreError` messages.
    """
    key = hashlib.sha256(f"{appid}\n{base_url}".encode()).hexdigest()[:16]
    return FileTokenStore((directory or config_dir()) / "tokens" / f"{key}.json")
