"""``login``, ``logout``, ``whoami``: the token in the token file."""

from __future__ import annotations

import click

from ..models import Token
from .context import Settings, pass_settings, run

__all__ = ["login", "logout", "whoami"]


def _account(settings: Settings, token: Token) -> dict[str, str]:
    return {
        "uid": token.uid,
        "expire_at": token.expire_at.isoformat(),
        "appid": settings.require_appid(),
        "server": settings.server,
        "token_file": str(settings.store().path),
    }


@click.command()
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, envvar="GIZWITS_PASSWORD",
              help="Prompted for when not given (or set GIZWITS_PASSWORD).")
@pass_settings
def login(settings: Settings, username: str, password: str) -> None:
    """Log in as USERNAME (a username, email or phone) and save the token (file mode 0600)."""

    async def main() -> Token:
        async with settings.session() as session:
            return await session.login(username, password)

    token = run(main())
    settings.output.result(_account(settings, token), f"Logged in as uid {token.uid} on {settings.server} "
                                                      f"(token valid until {token.expire_at:%Y-%m-%d %H:%M} UTC)")


@click.command()
@pass_settings
def logout(settings: Settings) -> None:
    """Forget the saved token of this appid on this server."""
    removed = run(settings.store().clear())
    settings.output.result({"logged_out": removed}, "Logged out." if removed else "Was not logged in.")


@click.command()
@pass_settings
def whoami(settings: Settings) -> None:
    """Show the saved login: uid, token expiry, server and token file (never the token); exit 1 once expired."""
    store = settings.store()
    token = run(store.load())
    if token is None:
        raise click.ClickException("not logged in: run `gizwits login USERNAME` first")
    if token.expires_in() <= 0:
        raise click.ClickException(f"the saved token of uid {token.uid} expired at {token.expire_at:%Y-%m-%d %H:%M} "
                                   f"UTC: run `gizwits login USERNAME` again")
    account = _account(settings, token)
    settings.output.result(account, settings.output.table([], list(account.items()), title="Logged in"))
