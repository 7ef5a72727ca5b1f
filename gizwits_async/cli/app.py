"""The root ``gizwits`` command: global options and the command groups."""

from __future__ import annotations

import click

from .. import __version__, log
from ..session import REGIONS
from .account import login, logout, whoami
from .bulk import bulk_control
from .context import Settings
from .demo import demo
from .device_schedules import device_schedules
from .devices import control, devices, latest, poll, raw
from .emulator import emulator
from .failures import failure_json
from .groups import groups
from .output import Output
from .products import datapoints, device, history, rename
from .schedules import schedules
from .sharing import share, sharings
from .watch import watch

__all__ = ["cli", "main"]


class _Commands(click.Group):
    """The root group: under ``--json``, a command's failure is one JSON object on stderr."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.ClickException as failure:
            settings = ctx.find_object(Settings)
            if settings is None or not settings.output.as_json:
                raise
            click.echo(failure_json(failure), err=True)
            raise click.exceptions.Exit(failure.exit_code) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--appid", envvar="GIZWITS_APPID", help="Your application id (env GIZWITS_APPID).")
@click.option("--region", envvar="GIZWITS_REGION", default="cn", show_default=True, type=click.Choice(list(REGIONS)),
              help="The account's region (env GIZWITS_REGION).")
@click.option("--base-url", envvar="GIZWITS_BASE_URL",
              help="Another server, e.g. the emulator: http://127.0.0.1:8765 (env GIZWITS_BASE_URL).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of tables.")
@click.option("--log-level", envvar="GIZWITS_LOG", type=click.Choice(log.LEVELS, case_sensitive=False),
              help="Print the library's log lines at this level on stderr (env GIZWITS_LOG).")
@click.version_option(__version__, prog_name="gizwits")
@click.pass_context
def cli(
    ctx: click.Context, appid: str | None, region: str, base_url: str | None, as_json: bool, log_level: str | None,
) -> None:
    """Gizwits (机智云) Open API from the shell.

    Try it without an account: `gizwits demo`, or `gizwits emulator` in one terminal and
    `gizwits --appid demo-appid --base-url http://127.0.0.1:8765 login demo` in another (password: demo-password).
    """
    if log_level:
        log.configure(log_level)
    ctx.obj = Settings(appid, region, base_url, Output(as_json))


for command in (login, logout, whoami, devices, device, rename, latest, control, raw, bulk_control, poll, history,
                datapoints, schedules, share, sharings, groups, watch, emulator, demo):
    cli.add_command(command)
schedules.add_command(device_schedules)


def main() -> None:
    """The console script's entry point."""
    cli(prog_name="gizwits")
