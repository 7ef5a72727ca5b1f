"""Device sharing, with the binding roles enforced the way the service does.

A binding's role (`Binding.role`) says who may do what: the first user to bind a device owns it, later binders
are "normal" users. Only the owner shares (9081), by invitation to one user or by QR code; an accepted
invitation binds the guest. Only the owner cancels, or hands the ownership to one of its guests (9093); the owner
cannot check its own QR invitation (9096). When the owner unbinds, every role relation of the device ends and its
open invitations can no longer be accepted (9090). Listing and removing guests: see binding.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .scheduler import iso_seconds

if TYPE_CHECKING:
    from .state import State, User

USER, QR = 0, 1
UNREAD, ACCEPTED, REFUSED, CANCELLED = 0, 1, 2, 3
#: Default lifetimes of an invitation, in minutes.
DEFAULT_MINUTES = {USER: 24 * 60, QR: 15}
MAX_MINUTES = 1440
_CONTACTS = ("uid", "username", "email", "phone")


def mask(text: str | None) -> str | None:
    """A contact as the service shows it to the other party: "jan" -> "j***n", "jan@x.org" -> "j***@x.org"."""
    if not text:
        return text
    name, at, domain = text.partition("@")
    shown = name[0] + "***" + (name[-1] if len(name) > 1 and not at else "")
    return shown + at + domain


def iso_z(timestamp: float) -> str:
    """`2026-11-30T09:00:00Z`."""
    return iso_seconds(timestamp) + "Z"


@dataclass
class Invitation:
    """A sharing record. A QR invitation has no guest until someone accepts it."""

    id: int
    type: int
    did: str
    owner: str
    guest: str | None
    created_at: float
    expired_at: float
    code: str | None = None
    status: int = UNREAD
    updated_at: float = 0.0
    owner_alias: str = ""  # what the owner calls the guest
    guest_alias: str = ""  # what the guest calls the owner


class SharingDesk:
    """Owners, guests and invitations of every device."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.invitations: dict[int, Invitation] = {}
        self._next_id = 20517

    # -- roles -----------------------------------------------------------------------------------------
    def owner(self, did: str) -> str | None:
        """The uid of the device's owner, if it has one."""
        return next((u.uid for u in self.state.users.values()
                     if (b := u.bindings.get(did)) is not None and b.role == "owner"), None)

    def role(self, uid: str, did: str) -> str:
        """"owner", "guest" or "normal" for a user bound to ``did``."""
        return self.state.users[uid].bindings[did].role

    def bound(self, user: User, did: str) -> None:
        """A user bound ``did``: the first binder becomes its owner, later ones are normal users."""
        owner = self.owner(did)
        user.bindings[did].role = "owner" if owner in (None, user.uid) else "normal"

    def unbound(self, user: User, did: str) -> None:
        """A user unbound ``did`` (its binding is gone): an owner leaving ends every role relation of the device."""
        if self.owner(did) is None:
            for other in self.state.users.values():
                if (binding := other.bindings.get(did)) is not None and binding.role == "guest":
                    binding.role = "normal"

    def _owned(self, user: User, did: str, code: int = 9093) -> None:
        self.state.device(did)
        if did not in user.bindings:
            raise ApiError(9017, did)
        if user.bindings[did].role != "owner":
            raise ApiError(code, did)

    def _bind_guest(self, guest: User, did: str) -> None:
        if did in guest.bindings:
            raise ApiError(9083, did)
        self.state.bind(guest.uid, did).role = "guest"

    # -- invitations -----------------------------------------------------------------------------------
    def share(self, user: User, body: dict[str, Any]) -> dict[str, Any]:
        """POST /app/sharing: an invitation to one user (type 0) or by QR code (type 1); owner only."""
        kind, did = body.get("type"), body.get("did")
        if kind not in (USER, QR) or not isinstance(did, str):
            raise ApiError(9015, "type must be 0 or 1 and did a string")
        minutes = body.get("duration", DEFAULT_MINUTES[kind])
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
            raise ApiError(9015, f"duration must be minutes in 1..{MAX_MINUTES}")
        self._owned(user, did, 9081)
        now = self.state.clock.now()
        guest = self._guest(user, did, body) if kind == USER else None
        invitation = Invitation(self._next_id, kind, did, user.uid, guest, now, now + minutes * 60, updated_at=now)
        self._next_id += 1
        if kind == QR:
            invitation.code = self.state._hex()
            self.invitations[invitation.id] = invitation
            return {"id": None, "qr_content": f"type=share&code={invitation.code}"}
        self.invitations[invitation.id] = invitation
        return {"id": invitation.id, "qr_content": None}

    def _guest(self, owner: User, did: str, body: dict[str, Any]) -> str:
        named = [(key, body[key]) for key in _CONTACTS if body.get(key)]
        if len(named) != 1:
            raise ApiError(9015, "name the guest by one of uid, username, email or phone")
        key, value = named[0]
        guest = self.state.users.get(value) if key == "uid" else self.state._find(**{key: value})
        if guest is None:
            raise ApiError(9082, str(value))
        if guest.uid == owner.uid:
            raise ApiError(9080)
        if did in guest.bindings:
            raise ApiError(9083, did)
        now = self.state.clock.now()
        for other in self.invitations.values():
            if (other.did, other.guest, other.status) == (did, guest.uid, UNREAD) and other.expired_at > now:
                raise ApiError(9087, str(other.id))
        return guest.uid

    def listing(self, user: User, *, sent: bool, status: int | None, did: str | None, limit: int,
                skip: int) -> dict[str, Any]:
        """GET /app/sharing: the invitations the user sent (or received), newest first, one page with its meta."""
        mine = [
            inv for inv in self.invitations.values()
            if (inv.owner if sent else inv.guest) == user.uid
            and (status is None or inv.status == status) and (did is None or inv.did == did)
        ]
        mine.sort(key=lambda inv: inv.id, reverse=True)
        page = mine[skip: skip + limit]
        meta = {"total": len(mine), "limit": limit, "skip": skip, "previous": None, "next": None}
        return {"meta": meta, "objects": [self._to_wire(inv, sent) for inv in page]}

    def _to_wire(self, inv: Invitation, sent: bool) -> dict[str, Any]:
        other = self.state.users.get((inv.guest if sent else inv.owner) or "")
        owner = self.state.users[inv.owner]
        return {
            "id": inv.id, "type": inv.type, "status": inv.status,
            "uid": other.uid if other else None,
            "username": mask(other.username) if other else None,
            "user_alias": inv.owner_alias if sent else inv.guest_alias,
            "email": mask(other.email) if other else None,
            "phone": mask(other.phone) if other else None,
            "did": inv.did, "product_name": self._product_name(inv.did),
            "dev_alias": self._alias(owner, inv.did),
            "created_at": iso_z(inv.created_at), "updated_at": iso_z(inv.updated_at),
            "expired_at": iso_z(inv.expired_at),
        }

    def _product_name(self, did: str) -> str:
        key = self.state.devices[did].product_key
        return self.state.product_names.get(key, key)

    @staticmethod
    def _alias(owner: User, did: str) -> str:
        binding = owner.bindings.get(did)
        return binding.dev_alias if binding is not None else ""

    def _invitation(self, sharing_id: str) -> Invitation:
        invitation = self.invitations.get(int(sharing_id)) if sharing_id.isdigit() else None
        if invitation is None:
            raise ApiError(9084, sharing_id)
        return invitation

    def cancel(self, user: User, sharing_id: str) -> None:
        """DELETE /app/sharing/{id}: the owner withdraws an invitation; an accepted one is revoked (the guest is
        unbound)."""
        inv = self._invitation(sharing_id)
        if inv.owner != user.uid:
            raise ApiError(9093, sharing_id)
        if inv.status == CANCELLED:
            raise ApiError(9094, sharing_id)
        if inv.status == REFUSED or inv.type == QR:  # a QR invitation cannot be withdrawn
            raise ApiError(9089, sharing_id)
        if inv.status == ACCEPTED and inv.guest is not None:
            self.state.users[inv.guest].bindings.pop(inv.did, None)
        self._set(inv, CANCELLED)

    def answer(self, user: User, sharing_id: str, status: int) -> None:
        """PUT /app/sharing/{id}: the guest accepts (1) or refuses (2) an invitation."""
        if status not in (ACCEPTED, REFUSED):
            raise ApiError(9015, "status must be 1 or 2")
        inv = self._invitation(sharing_id)
        if inv.guest != user.uid:
            raise ApiError(9096 if inv.owner == user.uid else 9084, sharing_id)
        self._check_open(inv)
        if status == ACCEPTED:
            self._bind_guest(user, inv.did)
        self._set(inv, status)

    def _check_open(self, inv: Invitation) -> None:
        if inv.status == CANCELLED:
            raise ApiError(9094, str(inv.id))
        if inv.status != UNREAD:
            raise ApiError(9089, str(inv.id))
        if inv.expired_at <= self.state.clock.now():
            raise ApiError(9088, str(inv.id))
        if self.owner(inv.did) != inv.owner:
            raise ApiError(9090, inv.did)

    def _set(self, inv: Invitation, status: int) -> None:
        inv.status, inv.updated_at = status, self.state.clock.now()

    def _by_code(self, user: User, code: str) -> Invitation:
        inv = next((i for i in self.invitations.values() if i.code == code), None)
        if inv is None:
            raise ApiError(9084, code)
        if inv.owner == user.uid:
            raise ApiError(9096, code)
        return inv

    def qr_info(self, user: User, code: str) -> dict[str, Any]:
        """GET /app/sharing/code/{code}: what a QR invitation offers; not for its owner."""
        inv = self._by_code(user, code)
        self._check_open(inv)
        owner = self.state.users[inv.owner]
        return {"owner": mask(owner.username or owner.email or owner.phone or owner.uid),
                "product_name": self._product_name(inv.did), "dev_alias": self._alias(owner, inv.did),
                "expired_at": iso_z(inv.expired_at)}

    def qr_accept(self, user: User, code: str) -> None:
        """POST /app/sharing/code/{code}: accept a QR invitation: the user becomes a guest of the device."""
        inv = self._by_code(user, code)
        self._check_open(inv)
        self._bind_guest(user, inv.did)
        inv.guest = user.uid
        self._set(inv, ACCEPTED)

    def set_alias(self, user: User, sharing_id: str, alias: str) -> None:
        """PUT /app/sharing/{id}/alias: each party names the other; anyone else gets 9100."""
        inv = self._invitation(sharing_id)
        if user.uid == inv.owner:
            inv.owner_alias = alias
        elif user.uid == inv.guest:
            inv.guest_alias = alias
        else:
            raise ApiError(9100, sharing_id)

    def transfer(self, user: User, did: str, uid: str) -> None:
        """POST /app/sharing/{did}/transfer: the owner hands the device to one of its guests and becomes a guest."""
        self._owned(user, did)
        heir = self.state.users.get(uid)
        binding = heir.bindings.get(did) if heir is not None else None
        if binding is None or binding.role != "guest":
            raise ApiError(9096, uid)
        binding.role, user.bindings[did].role = "owner", "guest"
