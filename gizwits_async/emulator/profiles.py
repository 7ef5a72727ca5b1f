"""Users' profiles: GET /app/users, and PUT /app/users with profile fields (9999 when nothing changes)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .errors import ApiError
from .state import User

FIELDS = ("name", "gender", "birthday", "address", "lang", "remark")
GENDERS = ("M", "F", "N")


def is_profile_update(data: dict[str, Any]) -> bool:
    """Whether a PUT /app/users body changes profile fields (and no account field)."""
    return bool(data) and all(key in FIELDS for key in data)


class Profiles:
    """Each user's profile fields, by uid."""

    def __init__(self) -> None:
        self._fields: dict[str, dict[str, str]] = defaultdict(dict)

    def read(self, user: User) -> dict[str, Any]:
        """The profile as GET /app/users answers it."""
        fields = self._fields.get(user.uid, {})
        return {
            "uid": user.uid, "username": user.username or "", "email": user.email or "", "phone": user.phone or "",
            **{name: fields.get(name, "N" if name == "gender" else "") for name in FIELDS},
            "is_anonymous": user.username is None and user.email is None and user.phone is None,
        }

    def update(self, user: User, data: dict[str, Any]) -> None:
        """Change profile fields: 9015 for a bad value, 9999 when nothing would change."""
        for name, value in data.items():
            if not isinstance(value, str) or (name == "gender" and value not in GENDERS):
                raise ApiError(9015, f"{name}: {value!r}")
        current = self._fields[user.uid]
        if all(current.get(name) == value for name, value in data.items()):
            raise ApiError(9999, "nothing changed")
        current.update(data)
