"""Users and sign-in (/app/users, /app/login, /app/reset_password).

Every call that returns a `Token` also signs the session in.
"""

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


def _with_lang(body: dict[str, object], lang: str | None) -> dict[str, object]:
    """The body of a sign-in or user creation, with the user's language when there is one."""
    return body if lang is None else {**body, "lang": lang}


def _login_call(username: str, password: str, lang: str | None) -> Call[Token]:
    body: dict[str, object] = {"username": check_text(username, "username"),
                               "password": check_text(password, "password")}
    return Call("POST", _LOGIN, json=_with_lang(body, lang), parse=Token.from_wire)


def _register_call(body: dict[str, object], lang: str | None) -> Call[Token]:
    return Call("POST", _USERS, json=_with_lang(body, lang), parse=Token.from_wire, idempotency=_UNSAFE)


def update_call(body: dict[str, object]) -> Call[dt.datetime]:
    return Call("PUT", _USERS, Auth.USER, json=body, parse=updated_at_from_wire, idempotency=_UNSAFE)


class UsersAPI(Endpoints):
    """Sign-up, login, account changes and password resets."""

    async def _sign_in(self, call: Call[Token], renew_with: Call[Token]) -> Token:
        """Send a Token-returning ``call``, then sign in with its token, renewing later with ``renew_with``."""
        token: Token = await self._call(call)
        await self._auth.signed_in(token, *self._renewal(renew_with))
        return token

    def _renewal(self, call: Call[Token]) -> tuple[Renewer, str | None]:
        login_name = call.json["username"] if call.path == _LOGIN else None
        return functools.partial(self._call, call), login_name

    def _renew_by_password(self, username: str, password: str) -> None:
        self._auth.remember(*self._renewal(_login_call(username, password, self._shared.lang)))

    async def login(self, username: str, password: str) -> Token:
        """POST /app/login: sign in; ``username`` may be a username, an email or a phone number."""
        call = _login_call(username, password, self._shared.lang)
        return await self._sign_in(call, call)

    async def ensure_login(self, username: str, password: str) -> Token:
        """Sign in only when needed: keep the usable token, else adopt the token store's, else POST /app/login.

        With a store that has a lock (`RedisTokenStore`, `FileTokenStore`), the check and the login run under
        it, so many processes starting together sign in once. Renewals later use these credentials.
        """
        call = _login_call(username, password, self._shared.lang)
        await self.open()
        renewer, login_name = self._renewal(call)
        return await self._auth.ensure(renewer, login_name)

    async def login_anonymous(self, phone_id: str) -> Token:
        """POST /app/users: sign in as the anonymous user of ``phone_id`` (any stable id), creating it if new."""
        body = _with_lang({"phone_id": check_text(phone_id, "phone_id")}, self._shared.lang)
        call = Call("POST", _USERS, json=body, parse=Token.from_wire)
        return await self._sign_in(call, call)

    async def register(self, username: str, password: str) -> Token:
        """POST /app/users: create a user with a username and sign in as it."""
        call = _register_call({"username": check_text(username, "username"),
                               "password": check_text(password, "password")}, self._shared.lang)
        return await self._sign_in(call, _login_call(username, password, self._shared.lang))

    async def register_email(self, email: str, password: str) -> Token:
        """POST /app/users: create a user with an email (the server mails them) and sign in as it."""
        call = _register_call({"email": check_text(email, "email"), "password": check_text(password, "password")},
                              self._shared.lang)
        return await self._sign_in(call, _login_call(email, password, self._shared.lang))

    async def register_phone(self, phone: str, password: str, code: str) -> Token:
        """POST /app/users: create a user with a phone number and the SMS code sent to it (see `send_sms_code`)."""
        call = _register_call({"phone": check_text(phone, "phone"), "password": check_text(password, "password"),
                               "code": check_text(code, "code")}, self._shared.lang)
        return await self._sign_in(call, _login_call(phone, password, self._shared.lang))

    async def register_oauth(self, src: str, uid: str, token: str) -> Token:
        """POST /app/users: create (or find) the user of a Baidu, Sina or QQ OAuth identity and sign in as it."""
        check_choice(src, OAUTH_SOURCES, "src")
        auth_data = {"src": src, "uid": check_text(uid, "uid"), "token": check_text(token, "token")}
        call = _register_call({"authData": auth_data}, self._shared.lang)
        return await self._sign_in(call, call)

    async def upgrade_anonymous(self, username: str, password: str) -> dt.datetime:
        """PUT /app/users: give the signed-in anonymous user a username and password; returns ``updatedAt``."""
        updated: dt.datetime = await self._call(update_call(
            {"username": check_text(username, "username"), "password": check_text(password, "password")}))
        self._renew_by_password(username, password)
        return updated

    async def upgrade_anonymous_phone(self, phone: str, password: str, code: str) -> dt.datetime:
        """PUT /app/users: give the signed-in anonymous user a phone number (SMS code first) and password."""
        updated: dt.datetime = await self._call(update_call(
            {"phone": check_text(phone, "phone"), "password": check_text(password, "password"),
             "code": check_text(code, "code")}))
        self._renew_by_password(phone, password)
        return updated

    async def change_password(self, old_password: str, new_password: str) -> dt.datetime:
        """PUT /app/users: change the signed-in user's password; later automatic sign-ins use the new one."""
        updated: dt.datetime = await self._call(update_call(
            {"old_pwd": check_text(old_password, "old_password"),
             "new_pwd": check_text(new_password, "new_password")}))
        username = self._auth.password_login_name
        if username is not None:
            self._renew_by_password(username, new_password)
        return updated

    async def change_email(self, email: str) -> dt.datetime:
        """PUT /app/users: change the signed-in user's email."""
        result: dt.datetime = await self._call(update_call({"email": check_text(email, "email")}))
        return result

    async def change_phone(self, phone: str, code: str) -> dt.datetime:
        """PUT /app/users: change the signed-in user's phone (SMS code to the new phone first)."""
        result: dt.datetime = await self._call(update_call(
            {"phone": check_text(phone, "phone"), "code": check_text(code, "code")}))
        return result

    async def reset_password_by_email(self, email: str) -> None:
        """POST /app/reset_password: the server mails the user a link to reset the password."""
        await self._call(Call("POST", "/app/reset_password", json={"email": check_text(email, "email")},
                              idempotency=_UNSAFE))

    async def reset_password_by_phone(self, phone: str, code: str, new_password: str) -> None:
        """POST /app/reset_password: reset the password with an SMS code sent to the phone."""
        body = {"phone": check_text(phone, "phone"), "code": check_text(code, "code"),
                "new_pwd": check_text(new_password, "new_password")}
        await self._call(Call("POST", "/app/reset_password", json=body, idempotency=_UNSAFE))
