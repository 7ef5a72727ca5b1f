"""``groups``: the service's device groups, and group control (one request, the service fans it out)."""

from __future__ import annotations

import click

from ..automation_models import Group, GroupChange
from ..session import Session
from .context import Settings, pass_settings
from .failures import describe
from .output import Output
from .values import check_did, parse_assignments, shown_attrs

__all__ = ["groups"]


@click.group(invoke_without_command=True)
@click.pass_context
def groups(ctx: click.Context) -> None:
    """List your device groups; `groups create|add|control` manage and drive them."""
    if ctx.invoked_subcommand is not None:
        return
    settings = ctx.find_object(Settings)
    assert settings is not None

    async def listing(session: Session) -> list[tuple[Group, list[str]]]:
        return [(group, await session.group_devices(group.id)) for group in await session.groups()]

    found = settings.call(listing)
    payload = [{"id": g.id, "name": g.name, "product_key": g.product_key, "dids": dids} for g, dids in found]
    rows = [[g.id, g.name, g.product_key or "(mixed)", len(dids)] for g, dids in found]
    settings.output.result(payload, Output.table(["id", "name", "product", "devices"], rows,
                                                  f"{len(found)} group(s)"))


@groups.command()
@click.argument("name")
@click.option("--product-key", help="A group of this product only (default: devices of any product).")
@pass_settings
def create(settings: Settings, name: str, product_key: str | None) -> None:
    """Create a group called NAME; prints its id."""
    group_id = settings.call(lambda session: session.create_group(name, product_key=product_key))
    settings.output.result({"id": group_id, "name": name}, f"Created group {group_id}.")


@groups.command()
@click.argument("group_id")
@click.argument("dids", metavar="DID...", nargs=-1, required=True)
@pass_settings
def add(settings: Settings, group_id: str, dids: tuple[str, ...]) -> None:
    """Add devices to the group GROUP_ID (exit 1 if the service refused some, each with its reason)."""
    result: GroupChange = settings.call(lambda session: session.add_to_group(group_id, map(check_did, dids)))
    failed = {did: describe(error) if (error := result.errors.get(did)) else "refused" for did in result.failed}
    settings.output.result({"added": result.success, "failed": failed},
                           f"Added {len(result.success)} device(s) to {group_id}.")
    for did, reason in failed.items():
        Output.warn(f"{did}: {reason}")
    if result.failed:
        raise click.exceptions.Exit(1)


@groups.command()
@click.argument("group_id")
@click.argument("assignments", metavar="NAME=VALUE...", nargs=-1, required=True)
@pass_settings
def control(settings: Settings, group_id: str, assignments: tuple[str, ...]) -> None:
    """Set NAME=VALUE... on every device of GROUP_ID in one request (exit 1 if some device did not take it)."""
    attrs = parse_assignments(assignments)
    applied: dict[str, bool] = settings.call(lambda session: session.control_group(group_id, attrs))
    missed = [did for did, ok in applied.items() if not ok]
    payload = {"group_id": group_id, "attrs": shown_attrs(attrs), "applied": applied}
    rows = [[did, "ok" if ok else "not applied (offline, or no such datapoint)"] for did, ok in applied.items()]
    settings.output.result(payload, Output.table(
        ["did", "result"], rows, f"{len(applied) - len(missed)} of {len(applied)} device(s) took it"))
    if missed:
        raise click.exceptions.Exit(1)
