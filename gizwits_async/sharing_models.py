"""Device sharing as the service describes it: invitations (by user or QR code) and their states."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import IntEnum
from typing import Any

import attrs

from .models import KeepsRaw, _obj, _raw_field, timestamp

__all__ = ["QrInvitation", "Sharing", "SharingStatus"]

#: The prefix of an invitation's QR code content; the code follows it.
QR_PREFIX = "type=share&code="


class SharingStatus(IntEnum):
    """Where an invitation stands."""

    UNREAD = 0
    ACCEPTED = 1
    REFUSED = 2
    CANCELLED = 3


def text(value: Any) -> str:
    """A wire string that may be null, as a string ("" for null)."""
    return "" if value is None else str(value)


def qr_code(content: str) -> str:
    """The code of a QR invitation, from its full content ("type=share&code=...") or the bare code."""
    return content[len(QR_PREFIX):] if content.startswith(QR_PREFIX) else content


@attrs.frozen
class Sharing(KeepsRaw):
    """An invitation to use a device.

    ``type`` is "user" (sent to one user) or "qr" (anyone who scans ``qr_content``). In a list of sent
    invitations ``uid``/``username`` describe the guest, in a list of received ones the owner; contact fields
    arrive masked. ``id`` is None for a QR invitation just created (the service gives it none).
    """

    id: int | None
    type: str
    did: str
    status: SharingStatus = SharingStatus.UNREAD
    uid: str = ""
    username: str = ""
    user_alias: str = ""
    email: str = ""
    phone: str = ""
    product_name: str = ""
    dev_alias: str = ""
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    expired_at: dt.datetime | None = None
    qr_content: str | None = None
    _raw: Mapping[str, Any] = _raw_field()

    @property
    def code(self) -> str | None:
        """The code inside ``qr_content`` (what `accept_qr_sharing` takes), or None."""
        return qr_code(self.qr_content) if self.qr_content else None

    @classmethod
    def from_wire(cls, data: Any) -> Sharing:
        """From one invitation of a sharing list."""
        body = _obj(data)
        return cls(
            id=int(body["id"]),
            type="qr" if int(body.get("type") or 0) == 1 else "user",
            did=str(body["did"]),
            status=SharingStatus(int(body.get("status") or 0)),
            uid=text(body.get("uid")),
            username=text(body.get("username")),
            user_alias=text(body.get("user_alias")),
            email=text(body.get("email")),
            phone=text(body.get("phone")),
            product_name=text(body.get("product_name")),
            dev_alias=text(body.get("dev_alias")),
            created_at=timestamp(body.get("created_at")),
            updated_at=timestamp(body.get("updated_at")),
            expired_at=timestamp(body.get("expired_at")),
            qr_content=body.get("qr_content") or None,
            raw=body,
        )

    @classmethod
    def created(cls, data: Any, *, did: str, kind: str, uid: str = "", username: str = "") -> Sharing:
        """From the answer to creating an invitation, ``{"id", "qr_content"}``, and what was asked."""
        body = _obj(data)
        sharing_id = body.get("id")
        return cls(
            id=None if sharing_id is None else int(sharing_id),
            type=kind,
            did=did,
            uid=uid,
            username=username,
            qr_content=body.get("qr_content") or None,
            raw=body,
        )


@attrs.frozen
class QrInvitation(KeepsRaw):
    """What a QR invitation offers, as a guest sees it before accepting (the owner's name arrives masked)."""

    owner: str
    product_name: str
    dev_alias: str
    expired_at: dt.datetime | None
    _raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_wire(cls, data: Any) -> QrInvitation:
        """From ``{"owner", "product_name", "dev_alias", "expired_at"}``."""
        body = _obj(data)
        return cls(text(body.get("owner")), text(body.get("product_name")), text(body.get("dev_alias")),
                   timestamp(body.get("expired_at")), raw=body)


def sharings_from_wire(data: Any) -> tuple[list[Sharing], int]:
    """The invitations of one page of ``{"meta": {"total", ...}, "objects": [...]}`` and the total."""
    body = _obj(data)
    meta = _obj(body.get("meta") or {})
    items = [Sharing.from_wire(item) for item in body.get("objects") or []]
    return items, int(meta.get("total") or len(items))
