"""``share`` and ``sharings``: invite other users to your devices, and answer invitations."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import click

from ..session import Session
from ..sharing_models import Sharing, SharingStatus
from .context import Settings, pass_settings
from .values import InputError, check_did

__all__ = ["share", "sharings"]

_PHONE = re.compile(r"\+?[0-9]{5,20}")
_STATUSES = {status.name.lower(): status for status in SharingStatus}


def guest_of(user: str, *, uid: bool = False) -> dict[str, str]:
    """How USER names the guest: an email (has '@'), a phone (digits, maybe '+'), else a username; or a uid."""
    if uid:
        return {"uid": user}
    if "@" in user:
        return {"email": user}
    return {"phone": user} if _PHONE.fullmatch(user) else {"username": user}


@click.command()
@click.argument("did")
@click.argument("user", required=False)
@click.option("--qr", is_flag=True, help="A QR invitation anyone can accept, instead of one for USER.")
@click.option("--uid", "by_uid", is_flag=True, help="USER is a uid.")
@click.option("--duration", type=click.IntRange(1, 1440), help="Minutes it stays open (default 24 h; QR: 15 min).")
@pass_settings
def share(settings: Settings, did: str, user: str | None, qr: bool, by_uid: bool, duration: int | None) -> None:
    """Invite USER (a username, email, phone, or with --uid a uid) to use DID; you must own DID."""
    check_did(did)
    if qr == (user is not None):
        raise InputError("give USER, or --qr for a QR invitation (not both)")

    async def sharing(session: Session) -> Sharing:
        if user is None:
            return await session.share_qr(did, duration=duration)
        return await session.share(did, duration=duration, **guest_of(user, uid=by_uid))

    sent = settings.call(sharing)
    payload = {"id": sent.id, "did": did, "type": sent.type, "qr_content": sent.qr_content}
    if sent.qr_content:
        human = f"QR invitation to {did}: {sent.qr_content}"
    else:
        human = f"Invited {user} to {did} (invitation {sent.id})."
    settings.output.result(payload, human)


def _rows(found: list[Sharing]) -> list[list[object]]:
    return [[s.id, s.did, s.type, s.status.name.lower(), s.username or s.email or s.phone or s.uid,
             s.user_alias, f"{s.expired_at:%Y-%m-%d %H:%M}" if s.expired_at else ""] for s in found]


@click.group(invoke_without_command=True)
@click.option("--received", is_flag=True, help="The invitations you received (default: the ones you sent).")
@click.option("--status", type=click.Choice(list(_STATUSES)), help="Only the invitations in this state.")
@click.option("--did", help="Only the invitations to this device.")
@click.pass_context
def sharings(ctx: click.Context, received: bool, status: str | None, did: str | None) -> None:
    """List the invitations you sent (or --received); `sharings accept|decline|cancel ID` answers one."""
    if ctx.invoked_subcommand is not None:
        return
    settings = ctx.find_object(Settings)
    assert settings is not None

    async def listing(session: Session) -> list[Sharing]:
        return [s async for s in session.iter_sharings(
            as_owner=not received, status=_STATUSES[status] if status else None,
            did=check_did(did) if did else None)]

    found = settings.call(listing)
    payload = [{"id": s.id, "did": s.did, "type": s.type, "status": s.status.name.lower(), "uid": s.uid,
                "username": s.username, "email": s.email, "phone": s.phone, "user_alias": s.user_alias,
                "expired_at": s.expired_at} for s in found]
    other = "owner" if received else "guest"
    settings.output.result(payload, settings.output.table(
        ["id", "did", "type", "status", other, "alias", "expires (UTC)"], _rows(found), f"{len(found)} invitation(s)"))


def _answer(verb: str, send: Callable[[Session, int], Awaitable[None]], help: str) -> click.Command:
    @click.command(verb, help=help)
    @click.argument("sharing_id", type=int)
    @pass_settings
    def answer(settings: Settings, sharing_id: int) -> None:
        settings.call(lambda session: send(session, sharing_id))
        settings.output.result({"id": sharing_id, verb: True}, f"{verb.capitalize()}: invitation {sharing_id}.")

    return answer


for _command in (
    _answer("accept", Session.accept_sharing, "Accept an invitation you received: the device is bound to you."),
    _answer("decline", Session.decline_sharing, "Refuse an invitation you received."),
    _answer("cancel", Session.cancel_sharing,
            "Withdraw an invitation you sent (an accepted one: the guest loses the device)."),
):
    sharings.add_command(_command)
