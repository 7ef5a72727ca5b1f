"""What an endpoint method hands the session: a described call, sent by the one request path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from enum import Enum
from typing import Any, NamedTuple, TypeVar

from ..auth import AppTokenCache, TokenManager
from ..retry import Idempotency

T = TypeVar("T")


async def paginate(fetch: Callable[[int, int], Awaitable[list[T]]], page_size: int) -> AsyncIterator[T]:
    """Yield every item of a ``limit``/``skip`` paged list: ``fetch(limit, skip)``, until a short page."""
    skip = 0
    while True:
        page = await fetch(page_size, skip)
        for item in page:
            yield item
        if len(page) < page_size:
            return
        skip += len(page)


class Auth(Enum):
    """Which credential a call carries besides the application id."""

    NONE = "none"
    #: ``X-Gizwits-User-token``: the signed-in user's token.
    USER = "user"
    #: ``X-Gizwits-Application-Token``: the app token (captcha and SMS-code calls).
    APP = "app"
    #: ``X-Gizwits-Application-Auth``: md5(appid + app secret), to get the app token.
    APP_SIGNATURE = "app_signature"


class Call(NamedTuple):
    """One API call: method, path (with its query string), credential, JSON body and how to read the answer.

    ``parse`` turns the decoded JSON answer into the return value; None means the body is not read at all
    (control answers ``{}``). A NamedTuple, not an attrs class: one is built per request on the bulk path.
    """

    method: str
    path: str
    auth: Auth = Auth.NONE
    json: Any = None
    parse: Callable[[Any], Any] | None = None
    idempotency: Idempotency = Idempotency.SAFE

    def __repr__(self) -> str:
        # The body may hold a password: never show it.
        return f"Call({self.method} {self.path}, auth={self.auth.value})"


class Endpoints:
    """Base of the endpoint mixins: what they use of the session."""

    appid: str
    _auth: TokenManager
    _app_tokens: AppTokenCache

    async def _call(self, call: Call, *, pace: Any = None) -> Any:
        """Send ``call`` through the session's request path and return its parsed answer."""
        raise NotImplementedError
