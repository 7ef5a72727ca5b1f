"""The emulator's command line (`gizwits emulator`, `python -m gizwits_async.emulator`): serve until a signal."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..log import LEVELS, configure
from .clock import FakeClock
from .config import CONTENT_TYPES, EmulatorConfig, SeedUser, load_users
from .core import Emulator
from .datapoints import load_product
from .faults import ERROR_PAGES, Faults

__all__ = ["emulator"]

_RATE = click.FloatRange(0, 1)


def _users(ctx: click.Context, param: click.Parameter, path: Path | None) -> tuple[SeedUser, ...]:
    if path is None:
        return ()
    try:
        return load_users(path)
    except ValueError as exc:  # json.JSONDecodeError included
        raise click.BadParameter(str(exc), ctx, param) from None


def _product(ctx: click.Context, param: click.Parameter, path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        load_product(path)  # refuse a bad file here, with its reason, rather than when the server starts
    except (ValueError, KeyError, TypeError) as exc:  # json.JSONDecodeError included
        raise click.BadParameter(f"not a datapoint schema: {exc!r}", ctx, param) from None
    return str(path)


def _appids(config: EmulatorConfig) -> str:
    if config.any_appid:
        return "any appid"
    names = (config.appid, *config.appids)
    return f"appid{'s' if len(names) > 1 else ''} {', '.join(names)}"


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 picks a free port.")
@click.option("--appid", "appids", multiple=True, metavar="APPID",
              help="An application id to accept (repeatable; default demo-appid). The first one's app secret is "
                   "demo-secret, shared by the others.")
@click.option("--any-appid", is_flag=True, help="Accept every application id.")
@click.option("--devices", type=click.IntRange(0), default=EmulatorConfig.devices, show_default=True,
              help="Devices bound to the demo user.")
@click.option("--users", "users", type=click.Path(exists=True, dir_okay=False, path_type=Path), callback=_users,
              help='More users from a JSON file: [{"username", "password", "devices"?, "email"?, "phone"?}].')
@click.option("--product", "product_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              callback=_product, help="The devices' product, from a JSON datapoint schema (as GET /app/datapoint "
                                      "answers it); default: the demo product.")
@click.option("--content-type", type=click.Choice(CONTENT_TYPES), default="json", show_default=True,
              help="Success answers' Content-Type: JSON, HTML, or the real service's mix (data read by a GET as "
                   "text/html, the rest as JSON).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of dids, passcodes, tokens and faults.")
@click.option("--token-ttl", type=click.FloatRange(min=0, min_open=True), default=EmulatorConfig.token_ttl,
              help="Token lifetime in seconds.")
@click.option("--drift", is_flag=True, help="Read-only readings change over time.")
@click.option("--drift-interval", type=click.FloatRange(min=0, min_open=True), default=EmulatorConfig.drift_interval,
              show_default=True, help="Seconds between two changes of a drifting device's readings.")
@click.option("--fake-clock", is_flag=True,
              help="Time starts now and moves only when told to (POST /_emulator/clock/advance): schedules and "
                   "scene delays then run when a test says so.")
@click.option("--offline", type=click.IntRange(0), default=0, show_default=True,
              help="How many of the demo user's devices (the last ones) start offline; "
                   "POST /_emulator/devices/{did}/online changes it later.")
@click.option("--latency-ms", type=click.FloatRange(0), default=0.0, help="Added to every response.")
@click.option("--jitter-ms", type=click.FloatRange(0), default=0.0, help="Uniform random extra latency.")
@click.option("--rate-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Requests/s per token, then 9041/429.")
@click.option("--error-rate", type=_RATE, default=0.0, help="Probability of a proxy's 5xx page.")
@click.option("--error-status", "error_statuses", type=click.IntRange(500, 599), multiple=True,
              help="Statuses of those pages, in turn (repeatable; default 502 and 503).")
@click.option("--error-page", type=click.Choice(ERROR_PAGES), default="html", show_default=True,
              help="Those pages as HTML or plain text.")
@click.option("--drop-rate", type=_RATE, default=0.0, help="Probability of a dropped connection.")
@click.option("--malformed-rate", type=_RATE, default=0.0, help="Probability of truncated JSON.")
@click.option("--log-level", envvar="GIZWITS_LOG", type=click.Choice(LEVELS, case_sensitive=False),
              help="Print the log lines at this level on stderr (env GIZWITS_LOG).")
@click.option("--push-ports", type=click.IntRange(1, 16), default=EmulatorConfig.push_ports, show_default=True,
              help="Ports the push endpoint (/ws/app/v1) listens on, --port first; devices are spread over them.")
def emulator(
    host: str, port: int, appids: tuple[str, ...], any_appid: bool, devices: int, users: tuple[SeedUser, ...],
    product_file: str | None, content_type: str, seed: int, token_ttl: float, drift: bool, fake_clock: bool,
    offline: int, latency_ms: float, jitter_ms: float, rate_limit: float | None, error_rate: float,
    error_statuses: tuple[int, ...], error_page: str, drop_rate: float, malformed_rate: float, push_ports: int,
    drift_interval: float, log_level: str | None,
) -> None:
    """Serve an emulated Gizwits Open API until Ctrl-C.

    The first line printed is its base URL; on exit it prints what it served (GET /_emulator/stats while it runs).
    """
    if log_level:
        configure(log_level)
    config = EmulatorConfig(
        appid=appids[0] if appids else EmulatorConfig.appid, appids=appids[1:], any_appid=any_appid,
        devices=devices, users=users, content_type=content_type, seed=seed, token_ttl=token_ttl, drift=drift,
        product_file=product_file, push_ports=push_ports, drift_interval=drift_interval,
    )
    faults = Faults(
        latency=latency_ms / 1000, jitter=jitter_ms / 1000, rate_limit=rate_limit, error_rate=error_rate,
        drop_rate=drop_rate, malformed_rate=malformed_rate, seed=seed,
        error_statuses=error_statuses or Faults.error_statuses, error_page=error_page,
    )
    served = Emulator(config, faults=faults, clock=FakeClock(time.time()) if fake_clock else None)
    demo_devices = list(served.state.user(config.username).bindings)
    for did in demo_devices[len(demo_devices) - offline:] if offline else ():
        served.state.set_online(did, False)

    def announce(base_url: str) -> None:
        click.echo(f"Gizwits emulator serving on {base_url} ({_appids(config)}, user {config.username}/"
                   f"{config.password})")

    try:
        served.run(host, port, on_ready=announce)
    except OSError as exc:  # the port is taken, say
        raise click.ClickException(str(exc)) from None
    click.echo(f"Emulator stats: {served.stats.summary()}")
