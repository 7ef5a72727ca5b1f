"""Sharing a device with other users: invitations by user or QR code, their answers, ownership transfer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from ..errors import ValidationError
from ..retry import Idempotency
from ..sharing_models import QrInvitation, Sharing, SharingStatus, qr_code, sharings_from_wire
from ..validation import check_did, check_page, check_segment, check_text
from ._base import Auth, Call, Endpoints

_SHARING = "/app/sharing"
#: The longest invitation the service accepts, in minutes.
MAX_DURATION = 1440


def check_duration(duration: Any) -> int | None:
    """An invitation's lifetime in whole minutes, 1..1440 (None: the service's default)."""
    if duration is None:
        return None
    if isinstance(duration, bool) or not isinstance(duration, int) or not 1 <= duration <= MAX_DURATION:
        raise ValidationError(f"duration must be whole minutes in 1..{MAX_DURATION}, got {duration!r}")
    return duration


def guest_field(uid: str | None, username: str | None, email: str | None, phone: str | None) -> tuple[str, str]:
    """The one way the guest is named: ("uid" | "username" | "email" | "phone", value)."""
    given = [(key, value) for key, value in (("uid", uid), ("username", username), ("email", email),
                                             ("phone", phone)) if value is not None]
    if len(given) != 1:
        raise ValidationError("name the guest by exactly one of uid, username, email or phone")
    key, value = given[0]
    return key, check_text(value, key)


def _sharing_id(sharing_id: Any) -> int:
    if isinstance(sharing_id, bool) or not isinstance(sharing_id, int) or sharing_id < 0:
        raise ValidationError(f"sharing_id must be an int >= 0 (Sharing.id), got {sharing_id!r}")
    return sharing_id


class SharingAPI(Endpoints):
    """Invitations to use a device, as its owner or as a guest."""

    async def share(self, did: str, *, uid: str | None = None, username: str | None = None,
                    email: str | None = None, phone: str | None = None, duration: int | None = None) -> Sharing:
        """Invite one user (by exactly one of uid, username, email or phone) to use ``did``; owner only.

        ``duration``: minutes the invitation stays open (1..1440; the service's default is 24 hours).
        """
        key, value = guest_field(uid, username, email, phone)
        body: dict[str, Any] = {"type": 0, "did": check_did(did), key: value}
        if (minutes := check_duration(duration)) is not None:
            body["duration"] = minutes
        result: Sharing = await self._call(Call(
            "POST", _SHARING, Auth.USER, json=body, idempotency=Idempotency.UNSAFE,
            parse=lambda data: Sharing.created(data, did=did, kind="user", uid=uid or "", username=username or "")))
        return result

    async def share_qr(self, did: str, *, duration: int | None = None) -> Sharing:
        """Create a QR invitation to ``did`` (owner only): draw ``.qr_content`` as a QR code for the guest to scan.

        ``duration``: minutes it stays open (1..1440; the service's default is 15 minutes).
        """
        body: dict[str, Any] = {"type": 1, "did": check_did(did)}
        if (minutes := check_duration(duration)) is not None:
            body["duration"] = minutes
        result: Sharing = await self._call(Call(
            "POST", _SHARING, Auth.USER, json=body, idempotency=Idempotency.UNSAFE,
            parse=lambda data: Sharing.created(data, did=did, kind="qr")))
        return result

    async def sharings(self, *, as_owner: bool = True, status: SharingStatus | int | None = None,
                       did: str | None = None, limit: int = 20, skip: int = 0) -> list[Sharing]:
        """One page of the invitations the user sent (``as_owner=True``) or received, newest first."""
        result, _ = await self._sharings_page(as_owner, status, did, limit, skip)
        return result

    async def iter_sharings(self, *, as_owner: bool = True, status: SharingStatus | int | None = None,
                            did: str | None = None, page_size: int = 100) -> AsyncIterator[Sharing]:
        """Every invitation the user sent (or received), page after page."""
        skip = 0
        while True:
            page, total = await self._sharings_page(as_owner, status, did, page_size, skip)
            for sharing in page:
                yield sharing
            skip += len(page)
            if not page or skip >= total:
                return

    async def _sharings_page(self, as_owner: bool, status: SharingStatus | int | None, did: str | None,
                             limit: int, skip: int) -> tuple[list[Sharing], int]:
        limit, skip = check_page(limit, skip)
        query = f"?sharing_type={0 if as_owner else 1}&limit={limit}&skip={skip}"
        if status is not None:
            try:
                query += f"&status={SharingStatus(status).value}"
            except ValueError:
                raise ValidationError(f"status must be a SharingStatus (0..3), got {status!r}") from None
        if did is not None:
            query += f"&did={check_did(did)}"
        result: tuple[list[Sharing], int] = await self._call(
            Call("GET", _SHARING + query, Auth.USER, parse=sharings_from_wire))
        return result

    async def accept_sharing(self, sharing_id: int) -> None:
        """Accept an invitation you received: the device is bound to you as a guest."""
        await self._answer(sharing_id, SharingStatus.ACCEPTED)

    async def decline_sharing(self, sharing_id: int) -> None:
        """Refuse an invitation you received."""
        await self._answer(sharing_id, SharingStatus.REFUSED)

    async def _answer(self, sharing_id: int, status: SharingStatus) -> None:
        # Not repeated after it may have reached the server: a second answer would be refused (9089).
        await self._call(Call("PUT", f"{_SHARING}/{_sharing_id(sharing_id)}?status={status.value}", Auth.USER,
                              idempotency=Idempotency.UNSAFE))

    async def cancel_sharing(self, sharing_id: int) -> None:
        """Withdraw an invitation you sent; an accepted one is revoked (the guest loses the device)."""
        await self._call(Call("DELETE", f"{_SHARING}/{_sharing_id(sharing_id)}", Auth.USER,
                              idempotency=Idempotency.UNSAFE))

    async def qr_sharing(self, code: str) -> QrInvitation:
        """What a QR invitation offers (``code`` or the whole ``qr_content``); for the guest, not the owner."""
        result: QrInvitation = await self._call(
            Call("GET", f"{_SHARING}/code/{_code(code)}", Auth.USER, parse=QrInvitation.from_wire))
        return result

    async def accept_qr_sharing(self, code: str) -> None:
        """Accept a QR invitation (``code`` or the whole ``qr_content``): the device is bound to you as a guest."""
        await self._call(Call("POST", f"{_SHARING}/code/{_code(code)}", Auth.USER, idempotency=Idempotency.UNSAFE))

    async def set_sharing_alias(self, sharing_id: int, alias: str) -> None:
        """Name the other party of an invitation (the guest for an owner, the owner for a guest)."""
        alias = quote(check_text(alias, "alias"), safe="")
        await self._call(Call("PUT", f"{_SHARING}/{_sharing_id(sharing_id)}/alias?user_alias={alias}", Auth.USER))

    async def transfer_ownership(self, did: str, uid: str) -> None:
        """Hand the ownership of ``did`` to ``uid``, one of its guests; you become a guest."""
        uid = quote(check_text(uid, "uid"), safe="")
        await self._call(Call("POST", f"{_SHARING}/{check_did(did)}/transfer?uid={uid}", Auth.USER,
                              idempotency=Idempotency.UNSAFE))


def _code(code: Any) -> str:
    return check_segment(qr_code(check_text(code, "code")), "code")
