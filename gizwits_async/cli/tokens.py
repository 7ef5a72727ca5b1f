"""The CLI's token store: one JSON file per (appid, server) under the user's config dir, mode 0600."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import click

from ..models import Token

__all__ = ["FileTokenStore", "config_dir"]


def config_dir() -> Path:
    """``$GIZWITS_CONFIG_DIR``, else the platform's config dir for "gizwits" (``$XDG_CONFIG_HOME/gizwits``)."""
    override = os.environ.get("GIZWITS_CONFIG_DIR")
    return Path(override) if override else Path(click.get_app_dir("gizwits"))


class FileTokenStore:
    """A `TokenStore` keeping the token of one appid on one server in a private file.

    The file is written atomically with mode 0600 in a 0700 directory; the token never leaves it otherwise.
    """

    def __init__(self, appid: str, base_url: str, directory: Path | None = None) -> None:
        self.appid = appid
        self.base_url = base_url
        key = hashlib.sha256(f"{appid}\n{base_url}".encode()).hexdigest()[:16]
        self.path = (directory or config_dir()) / "tokens" / f"{key}.json"

    async def load(self) -> Token | None:
        """The saved token, or None when there is none (or the file is unreadable)."""
        return await asyncio.to_thread(self._read)

    async def save(self, token: Token) -> None:
        """Replace the saved token."""
        await asyncio.to_thread(self._write, token)

    def clear(self) -> bool:
        """Forget the token; whether there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    def _read(self) -> Token | None:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return Token(str(data["uid"]), str(data["token"]), dt.datetime.fromisoformat(data["expire_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write(self, token: Token) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        body = {
            "appid": self.appid,
            "base_url": self.base_url,
            "uid": token.uid,
            "token": token.token,
            "expire_at": token.expire_at.isoformat(),
        }
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(body, file)
        os.chmod(temporary, 0o600)  # O_CREAT's mode does not apply to a file left over from a crash
        os.replace(temporary, self.path)

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"
