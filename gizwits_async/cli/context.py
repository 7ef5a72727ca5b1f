"""What every command shares: the global options, opening a session, and running a coroutine with clean errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import attrs
import click

from ..errors import GizwitsError, TokenError, ValidationError
from ..session import REGIONS, Session
from ..stores import FileTokenStore
from .failures import CommandError, describe
from .output import Output
from .tokens import token_store
from .values import InputError

__all__ = ["Settings", "pass_settings", "run"]

T = TypeVar("T")


@attrs.frozen
class Settings:
    """The global options: which application, which server, and how to print."""

    appid: str | None
    region: str
    base_url: str | None
    output: Output

    @property
    def server(self) -> str:
        """The base URL requests go to."""
        return (self.base_url or REGIONS[self.region]).rstrip("/")

    def store(self) -> FileTokenStore:
        """The token file of this appid on this server."""
        return token_store(self.require_appid(), self.server)

    def require_appid(self) -> str:
        """The appid, or a one-line error saying how to give one."""
        if not self.appid:
            raise InputError("no appid: pass --appid or set GIZWITS_APPID")
        return self.appid

    def session(self, **options: Any) -> Session:
        """A session on this server whose token lives in the token file."""
        return Session(
            self.require_appid(), region=self.region, base_url=self.base_url, token_store=self.store(), **options
        )

    @asynccontextmanager
    async def signed_in(self, **options: Any) -> AsyncIterator[Session]:
        """An open session with the saved token; a one-line error when there is none."""
        async with self.session(**options) as session:
            if session.token is None:
                raise click.ClickException("not logged in: run `gizwits login USERNAME` first")
            yield session

    def call(self, action: Callable[[Session], Awaitable[T]], **options: Any) -> T:
        """``action(session)`` on a signed-in session, run with `run`'s clean errors."""

        async def main() -> T:
            async with self.signed_in(**options) as session:
                return await action(session)

        return run(main())


pass_settings = click.make_pass_decorator(Settings)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; library errors become one-line messages (exit 2 for bad input, else 1)."""
    try:
        return asyncio.run(coroutine)
    except ValidationError as exc:
        raise InputError(str(exc)) from None
    except TokenError as exc:
        raise CommandError(f"{describe(exc)} (log in again: gizwits login USERNAME)", exc) from None
    except GizwitsError as exc:
        raise CommandError(describe(exc), exc) from None
    except KeyboardInterrupt:
        raise click.exceptions.Exit(130) from None

