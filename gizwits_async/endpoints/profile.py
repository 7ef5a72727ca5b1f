"""The signed-in user's profile: GET and PUT /app/users."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import APIError, ErrorCode, ValidationError
from ..models import User
from ._base import Auth, Call, Endpoints
from .users import update_call

#: The profile fields `update_user` takes (account fields have their own methods: change_email, ...).
PROFILE_FIELDS = ("name", "gender", "birthday", "address", "lang", "remark")
GENDERS = ("M", "F", "N")


def profile_changes(fields: dict[str, Any]) -> dict[str, object]:
    """The body of a profile update: known fields, strings (``gender`` M/F/N, ``birthday`` a date or
    "YYYY-MM-DD"), at least one."""
    if not fields:
        raise ValidationError(f"update_user needs at least one of {', '.join(PROFILE_FIELDS)}")
    body: dict[str, object] = {}
    for name, value in fields.items():
        if name not in PROFILE_FIELDS:
            raise ValidationError(f"update_user takes {', '.join(PROFILE_FIELDS)}, not {name!r:.40}")
        if name == "birthday" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = value.isoformat()
        if not isinstance(value, str):
            raise ValidationError(f"{name} must be a string, got {type(value).__name__}")
        if name == "gender" and value not in GENDERS:
            raise ValidationError(f"gender must be one of M, F, N, got {value!r:.20}")
        body[name] = value
    return body


class ProfileAPI(Endpoints):
    """The user's profile."""

    async def user(self) -> User:
        """GET /app/users: the signed-in user's profile (also the cheapest check that a token works)."""
        return await self._call(Call("GET", "/app/users", Auth.USER, parse=User.from_wire))

    async def update_user(self, **fields: str | dt.date) -> dt.datetime | None:
        """PUT /app/users: change profile fields (name, gender, birthday, address, lang, remark).

        Returns the service's ``updatedAt``, or None when it answers that nothing changed (9999).
        """
        try:
            return await self._call(update_call(profile_changes(fields)))
        except APIError as error:
            if error.code == ErrorCode.RESERVED:
                return None
            raise
