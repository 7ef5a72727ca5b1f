"""What an endpoint method hands the session: a described call, sent by the one request path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from enum import Enum
from typing import Any, Generic, TypeVar, overload

from ..auth import TokenManager
from ..retry import Idempotency
from ..shared import Shared
from ..throttling import Pacer

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


class Call(Generic[T]):
    """One API call: method, path (with its query string), credential, JSON body and how to read the answer.

    ``parse`` turns the decoded JSON answer into the call's result, a ``T``; without it the body is not read
    and the result is None (control answers ``{}``), so ``Call(...)`` without ``parse`` is a ``Call[None]``.
    A slotted class, not an attrs class: one is built per request on the bulk path.
    """

    __slots__ = ("auth", "headers", "idempotency", "json", "method", "parse", "path")

    @overload
    def __init__(
        self: Call[None], method: str, path: str, auth: Auth = ..., json: Any = ..., parse: None = ...,
        idempotency: Idempotency = ..., headers: Mapping[str, str] | None = ...,
    ) -> None: ...

    @overload
    def __init__(
        self: Call[T], method: str, path: str, auth: Auth = ..., json: Any = ..., *, parse: Callable[[Any], T],
        idempotency: Idempotency = ..., headers: Mapping[str, str] | None = ...,
    ) -> None: ...

    def __init__(
        self, method: str, path: str, auth: Auth = Auth.NONE, json: Any = None,
        parse: Callable[[Any], T] | None = None, idempotency: Idempotency = Idempotency.SAFE,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.auth = auth
        self.json = json
        self.parse = parse
        self.idempotency = idempotency
        #: Headers of this call only (a signed request's), added to the session's.
        self.headers = headers

    def __repr__(self) -> str:
        # The body may hold a password: never show it.
        return f"Call({self.method} {self.path}, auth={self.auth.value})"


#: A call's parsed answer and how many requests it took (a plain tuple: one is built per request).
Reply = tuple[T, int]


class Endpoints:
    """Base of the endpoint mixins: what they use of the session."""

    #: What the session shares with its `for_user` sessions (settings, transport, app token...).
    _shared: Shared
    #: The session's user token lifecycle.
    _auth: TokenManager

    async def _exchange(self, call: Call[T], pace: Pacer | None = None) -> Reply[T]:
        """Send ``call`` (after ``pace`` lets each attempt start), retrying as the session's policy says."""
        raise NotImplementedError  # the session's request path

    async def _call(self, call: Call[T]) -> T:
        """Send ``call`` through the session's request path and return its parsed answer."""
        return (await self._exchange(call))[0]

    async def open(self) -> None:
        """Load the token store's token (the session's own)."""
        raise NotImplementedError
