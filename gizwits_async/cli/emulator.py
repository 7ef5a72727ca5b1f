"""``gizwits emulator``: serve the bundled emulator on loopback (the emulator's own command line)."""

from __future__ import annotations

import click

__all__ = ["emulator"]


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def emulator(args: tuple[str, ...]) -> None:
    """Serve an emulated Gizwits Open API until Ctrl-C; prints its base URL (`gizwits emulator --help`)."""
    from ..emulator.__main__ import main

    try:
        code = main(list(args), prog="gizwits emulator")
    except OSError as exc:  # the port is taken, say
        raise click.ClickException(str(exc)) from None
    raise click.exceptions.Exit(code)
