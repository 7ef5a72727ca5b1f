"""The token lifecycle: the current token, single-flight renewal, login protection, token stores."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol, runtime_checkable

from .clock import SYSTEM_CLOCK, Clock
from .errors import AuthenticationError, GizwitsError, TokenError
from .models import AppToken, Token

__all__ = ["AppTokenCache", "LockingTokenStore", "MemoryTokenStore", "TokenManager", "TokenStore"]

#: Renew this long before expiry at most...
MAX_RENEW_MARGIN = 60.0
#: ...and at most this share of the token's lifetime, so that a 2-second token is not renewed on every call.
RENEW_MARGIN_SHARE = 0.1


@runtime_checkable
class TokenStore(Protocol):
    """Where a session loads its user token from when it opens and saves every new one to."""

    async def load(self) -> Token | None:
        """The saved token, or None."""
        ...

    async def save(self, token: Token) -> None:
        """Remember ``token`` (replacing any earlier one)."""
        ...


@runtime_checkable
class LockingTokenStore(TokenStore, Protocol):
    """A `TokenStore` shared by several processes, with a lock they all respect.

    While one process holds ``lock()``, the others' renewals wait for it; then they load the token it saved
    instead of signing in themselves. A lock whose holder died must free itself within a bounded time.
    """

    def lock(self) -> AbstractAsyncContextManager[object]:
        """An async context manager holding the store's lock for its block."""
        ...


class MemoryTokenStore:
    """The default store: the token lives in this object only."""

    def __init__(self, token: Token | None = None) -> None:
        self.token = token

    async def load(self) -> Token | None:
        """The saved token, or None."""
        return self.token

    async def save(self, token: Token) -> None:
        """Remember ``token``."""
        self.token = token

    def __repr__(self) -> str:
        return f"MemoryTokenStore(token={self.token!r})"


def renew_margin(lifetime: float) -> float:
    """Seconds before expiry at which a token of ``lifetime`` seconds is renewed."""
    return min(MAX_RENEW_MARGIN, max(lifetime, 0.0) * RENEW_MARGIN_SHARE)


def renew_at(token: Token | AppToken, now: float) -> float:
    """The wall-clock time at which ``token``, received at ``now``, should be renewed.

    A token already dead by our clock is used as is (never: inf): the server, not a skewed clock, decides.
    """
    lifetime = token.expire_at.timestamp() - now
    return now + lifetime - renew_margin(lifetime) if lifetime > 0 else float("inf")


Renewer = Callable[[], Awaitable[Token]]


class TokenManager:
    """Holds the user token and renews it once for everyone who needs it.

    ``renewer`` is how the session signs in again (a closure over the remembered credentials, which are kept
    nowhere else). Renewal is single-flight: callers that find the token stale queue on one lock and re-check
    it once inside, so one login serves them all; when that login fails, the callers queued behind it get its
    error instead of each trying again. When the store is a `LockingTokenStore`, renewal is also single-flight
    across every process sharing it: inside the store's lock the saved token is loaded first, and adopted
    instead of signing in when another process saved a newer one. After the server rejects a password,
    automatic renewal is refused for ``login_backoff`` seconds with that same `AuthenticationError`, so an
    account is never hammered; an explicit login (`signed_in`, `ensure`) lifts the block.
    """

    def __init__(self, store: TokenStore, *, login_backoff: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self._clock = clock
        self.login_backoff = login_backoff
        self.token: Token | None = None
        self._renewer: Renewer | None = None
        #: The username of the remembered password login, so a password change can update it.
        self.password_login_name: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()
        self._blocked_until = 0.0
        self._block_error: AuthenticationError | None = None
        #: How many renewal attempts have finished (why the last one failed is ``_failure``, None if it
        #: succeeded), so that the callers that waited on an attempt share its failure. Pass it to `current` as
        #: ``since`` after waiting elsewhere. (A plain attribute: it is read once per request.)
        self.epoch = 0
        self._failure: GizwitsError | None = None
        #: How many automatic renewals were attempted (for tests and benchmarks).
        self.renewals = 0
        #: How many tokens were taken over from the store, saved there by another session or process.
        self.adopted = 0

    def adopt(self, token: Token | None) -> None:
        """Use ``token`` from now on (the way to renew it stays as it is)."""
        self.token = token
        if token is not None:
            self._renew_at = renew_at(token, self._clock.time())

    def remember(self, renewer: Renewer | None, login_name: str | None = None) -> None:
        """Renew with ``renewer`` from now on; ``login_name`` is the username when it is a password login."""
        self._renewer = renewer
        self.password_login_name = login_name

    async def signed_in(self, token: Token, renewer: Renewer | None, login_name: str | None = None) -> None:
        """An explicit sign-in succeeded: adopt and save the token, remember how, lift any login block."""
        self.adopt(token)
        self.remember(renewer, login_name)
        self._lift_block()
        await self.store.save(token)

    async def ensure(self, renewer: Renewer, login_name: str | None = None) -> Token:
        """The current token while fresh, else the store's, else a sign-in with ``renewer``; from then on
        (unless it failed) renew with ``renewer``.

        Under the store's lock when it has one, so that sessions starting together sign in once in all.
        """
        token = self._fresh()
        if token is None:
            async with self._lock:
                token = self._fresh() or await self._adopt_or_sign_in(renewer, self.token)
        self.remember(renewer, login_name)
        self._lift_block()
        return token

    async def current(self, since: int | None = None) -> Token:
        """The token to send now, renewed first when it is expired or close to expiry.

        ``since`` is the `epoch` at which the caller last took a token: a renewal that failed after it is
        shared with this caller instead of being tried again.
        """
        token = self.usable()
        if token is not None:
            return token
        finished = self.epoch if since is None else since
        async with self._lock:
            token = self.usable()  # another task may have renewed it while this one waited
            if token is not None:
                return token
            return await self._renew_locked(finished, self.token)

    def usable(self) -> Token | None:
        """The token if it can be sent as it is (no renewal due, or no way to renew), else None."""
        token = self.token
        if token is not None and (self._clock.time() < self._renew_at or self._renewer is None):
            return token
        return None

    def _fresh(self) -> Token | None:
        """The token when no renewal is due and our clock does not call it expired (no request that must fail)."""
        token = self.token
        now = self._clock.time()
        if token is not None and now < self._renew_at and token.expire_at.timestamp() > now:
            return token
        return None

    async def renew_after_rejection(self, rejected: Token, error: TokenError) -> Token:
        """The server rejected ``rejected`` (9004/9006): renew, unless someone already replaced it."""
        finished = self.epoch
        async with self._lock:
            current = self.token
            if current is not None and current != rejected:
                return current  # compare-and-invalidate: a newer token already exists
            if self._renewer is None:
                raise error
            self.token = None
            return await self._renew_locked(finished, rejected)

    async def _renew_locked(self, finished: int, stale: Token | None) -> Token:
        """Sign in again; ``finished`` is how many attempts had finished when the caller queued on the lock."""
        renewer = self._renewer
        if renewer is None:
            raise TokenError("not signed in: call login() (or another sign-in method) first")
        # A shared error is raised afresh (no traceback), or its traceback would grow with every caller.
        if self._block_error is not None and self._clock.monotonic() < self._blocked_until:
            raise self._block_error.with_traceback(None)
        if self._failure is not None and self.epoch != finished:
            raise self._failure.with_traceback(None)  # the renewal this caller waited on failed
        self._failure = None
        try:
            return await self._adopt_or_sign_in(renewer, stale)
        except GizwitsError as exc:
            self._failure = exc
            raise
        finally:
            self.epoch += 1

    async def _adopt_or_sign_in(self, renewer: Renewer, stale: Token | None) -> Token:
        """The store's token when another session saved a newer one than ``stale``, else a new sign-in.

        With a `LockingTokenStore`, under its lock: the processes that wait there adopt the first one's token.
        """
        if not isinstance(self.store, LockingTokenStore):
            return await self._sign_in_again(renewer)
        async with self.store.lock():
            stored = await self.store.load()
            if stored is not None and stored != stale and stored.expire_at.timestamp() > self._clock.time():
                self.adopted += 1
                self.adopt(stored)
                return stored
            return await self._sign_in_again(renewer)

    async def _sign_in_again(self, renewer: Renewer) -> Token:
        self.renewals += 1
        try:
            token = await renewer()
        except AuthenticationError as exc:  # a rejected password: do not try again for a while
            self._blocked_until = self._clock.monotonic() + self.login_backoff
            self._block_error = exc
            raise
        self.adopt(token)
        await self.store.save(token)
        return token

    def _lift_block(self) -> None:
        self._blocked_until, self._block_error = 0.0, None


class AppTokenCache:
    """The application token (POST /app/request_token), fetched once for all callers and kept until close to expiry."""

    def __init__(self, fetch: Callable[[], Awaitable[AppToken]], *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._fetch = fetch
        self._clock = clock
        self.token: AppToken | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self) -> AppToken | None:
        return self.token if self._clock.time() < self._renew_at else None

    async def current(self) -> AppToken:
        """A valid app token, fetched when there is none or it is close to expiry."""
        token = self._fresh()
        if token is not None:
            return token
        async with self._lock:
            token = self._fresh()
            if token is None:
                token = self.token = await self._fetch()
                self._renew_at = renew_at(token, self._clock.time())
            return token

    def invalidate(self, rejected: AppToken) -> None:
        """The server rejected ``rejected``: forget it unless a newer one replaced it already."""
        if self.token == rejected:
            self.token = None

