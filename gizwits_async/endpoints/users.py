"""Users and sign-in (U1-U11, R1-R2): every call that returns a `Token` also signs the session in."""

from __future__ import annotations

import datetime as dt
import functools

from ..auth import Renewer
from ..models import Token, updated_at_from_wire
from ..retry import Idempotency
from ..validation import OAUTH_SOURCES, check_choice, check_text
from ._base import Auth, Call, Endpoints

_USERS = "/app/users"
_LOGIN = "/app/login"
_UNSAFE = Idempotency.UNSAFE


def _login_call(username: str, password: str) -> Call:
    body = {"username": check_text(username, "username"), "password": check_text(password, "password")}
    return Call("POST", _LOGIN, json=body, parse=Token.from_wire)


def _register_call(body: dict[str, object]) -> Call:
    return Call("POST", _USERS, json=body, parse=Token.from_wire, idempotency=_UNSAFE)


def _update_call(body: dict[str, object]) -> Call:
    return Call("PUT", _USERS, Auth.USER, json=body, parse=updated_at_from_wire, idempotency=_UNSAFE)


class UsersAPI(Endpoints):
    """U1-U11 and R1-R2 of ENDPOINTS.md."""

    async def _sign_in(self, call: Call, renew_with: Call) -> Token:
        """Send a Token-returning ``call``, then sign in with its token, renewing later with ``renew_with``."""
        token: Token = await self._call(call)
        await self._auth.signed_in(token, *self._renewal(renew_with))
        return token

    def _renewal(self, call: Call) -> tuple[Renewer, str | None]:
        login_name = call.json["username"] if call.path == _LOGIN else None
        return functools.partial(self._call, call), login_name

    def _renew_by_password(self, username: str, password: str) -> None:
        self._auth.remember(*self._renewal(_login_call(username, password)))

    async def login(self, username: str, password: str) -> Token:
        """U11: sign in; ``username`` may be a username, an email or a phone number."""
        call = _login_call(username, password)
        return await self._sign_in(call, call)

    async def login_anonymous(self, phone_id: str) -> Token:
        """U1: sign in as the anonymous user of ``phone_id`` (any stable id of yours), creating it if new."""
        call = Call("POST", _USERS, json={"phone_id": check_text(phone_id, "phone_id")}, parse=Token.from_wire)
        return await self._sign_in(call, call)

    async def register(self, username: str, password: str) -> Token:
        """U2: create a user with a username and sign in as it."""
        call = _register_call({"username": check_text(username, "username"),
                               "password": check_text(password, "password")})
        return await self._sign_in(call, _login_call(username, password))

    async def register_email(self, email: str, password: str) -> Token:
        """U3: create a user with an email (the server mails them) and sign in as it."""
        call = _register_call({"email": check_text(email, "email"), "password": check_text(password, "password")})
        return await self._sign_in(call, _login_call(email, password))

    async def register_phone(self, phone: str, password: str, code: str) -> Token:
        """U4: create a user with a phone number and the SMS code sent to it (see `send_sms_code`)."""
        call = _register_call({"phone": check_text(phone, "phone"), "password": check_text(password, "password"),
                               "code": check_text(code, "code")})
        return await self._sign_in(call, _login_call(phone, password))

    async def register_oauth(self, src: str, uid: str, token: str) -> Token:
        """U5: create (or find) the user of a Baidu, Sina or QQ OAuth identity and sign in as it."""
        check_choice(src, OAUTH_SOURCES, "src")
        auth_data = {"src": src, "uid": check_text(uid, "uid"), "token": check_text(token, "token")}
        call = _register_call({"authData": auth_data})
        return await self._sign_in(call, call)

    async def upgrade_anonymous(self, username: str, password: str) -> dt.datetime:
        """U6: give the signed-in anonymous user a username and password; returns ``updatedAt``."""
        updated: dt.datetime = await self._call(_update_call(
            {"username": check_text(username, "username"), "password": check_text(password, "password")}))
        self._renew_by_password(username, password)
        return updated

    async def upgrade_anonymous_phone(self, phone: str, password: str, code: str) -> dt.datetime:
        """U7: give the signed-in anonymous user a phone number (SMS code first) and password."""
        updated: dt.datetime = await self._call(_update_call(
            {"phone": check_text(phone, "phone"), "password": check_text(password, "password"),
             "code": check_text(code, "code")}))
        self._renew_by_password(phone, password)
        return updated

    async def change_password(self, old_password: str, new_password: str) -> dt.datetime:
        """U8: change the signed-in user's password; later automatic sign-ins use the new one."""
        updated: dt.datetime = await self._call(_update_call(
            {"old_pwd": check_text(old_password, "old_password"),
             "new_pwd": check_text(new_password, "new_password")}))
        username = self._auth.password_login_name
        if username is not None:
            self._renew_by_password(username, new_password)
        return updated

    async def change_email(self, email: str) -> dt.datetime:
        """U9: change the signed-in user's email."""
        result: dt.datetime = await self._call(_update_call({"email": check_text(email, "email")}))
        return result

    async def change_phone(self, phone: str, code: str) -> dt.datetime:
        """U10: change the signed-in user's phone (SMS code to the new phone first)."""
        result: dt.datetime = await self._call(_update_call(
            {"phone": check_text(phone, "phone"), "code": check_text(code, "code")}))
        return result

    async def reset_password_by_email(self, email: str) -> None:
        """R1: the server mails the user a link to reset the password."""
        await self._call(Call("POST", "/app/reset_password", json={"email": check_text(email, "email")},
                              idempotency=_UNSAFE))

    async def reset_password_by_phone(self, phone: str, code: str, new_password: str) -> None:
        """R2: reset the password with an SMS code sent to the phone."""
        body = {"phone": check_text(phone, "phone"), "code": check_text(code, "code"),
                "new_pwd": check_text(new_password, "new_password")}
        await self._call(Call("POST", "/app/reset_password", json=body, idempotency=_UNSAFE))
