"""`Session`: the client's lifecycle and the one request path every endpoint uses.

A request flows one way: build (the endpoint's `Call`) -> pace -> authenticate (headers from the token
lifecycle) -> send (the transport) -> decode (`wire.decode`: the result or the error the answer means) -> decide
(`retry.next_step`: replay after a rejected token, retry after a delay, or raise).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Self, TypeVar

import aiohttp

from .auth import AppTokenCache, MemoryTokenStore, TokenManager, TokenStore
from .clock import SYSTEM_CLOCK, Clock
from .endpoints._base import Auth, Call, Reply
from .endpoints.binding import BindingAPI
from .endpoints.codes import REQUEST_APP_TOKEN, CodesAPI
from .endpoints.control import ControlAPI
from .endpoints.device_details import DeviceDetailsAPI
from .endpoints.device_schedules import DeviceSchedulesAPI
from .endpoints.devices import DevicesAPI
from .endpoints.history import HistoryAPI
from .endpoints.products import ProductsAPI
from .endpoints.profile import ProfileAPI
from .endpoints.scenes import ScenesAPI
from .endpoints.scheduler import SchedulerAPI
from .endpoints.sharing import SharingAPI
from .endpoints.users import UsersAPI
from .errors import GizwitsError, SessionClosedError, TokenError, TransportError, ValidationError
from .fanout import FanoutAPI
from .group_fanout import GroupFanoutAPI
from .log import logger, redacted_headers
from .models import AppToken, Token
from .products import Product
from .push.api import PushAPI
from .retry import RetryPolicy, Step, backoff, next_step
from .shared import Shared
from .throttling import Pacer, paced_by_both
from .transport import Response, Timeout, Transport, TransportName, Verify, make_timeout, make_transport
from .transport.aiohttp_base import DEFAULT_MAX_ANSWER
from .validation import (
    check_base_url,
    check_choice,
    check_header_value,
    check_int,
    check_number,
    check_pacer,
    check_text,
)
from .wire import decode, encode_json

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")

__all__ = ["REGIONS", "Session"]

#: Accounts live in one region; the wrong one answers 9005 or an empty device list.
REGIONS = {
    "cn": "https://api.gizwits.com",
    "us": "https://usapi.gizwits.com",
    "eu": "https://euapi.gizwits.com",
}

_UNTIL_REPLACED = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def _base_url(region: str, base_url: str | None) -> str:
    if base_url is not None:
        return check_base_url(base_url)
    return REGIONS[check_choice(region, frozenset(REGIONS), "region")]


def _retry_policy(retry: RetryPolicy | int | None) -> RetryPolicy:
    if retry is None or isinstance(retry, RetryPolicy):
        return retry or RetryPolicy()
    return RetryPolicy(attempts=check_int(retry, "retry (a RetryPolicy or a number of attempts)", minimum=1))


class Session(UsersAPI, ProfileAPI, CodesAPI, DevicesAPI, DeviceDetailsAPI, BindingAPI, HistoryAPI, ControlAPI,
              SchedulerAPI, SharingAPI, DeviceSchedulesAPI, ScenesAPI, GroupFanoutAPI, FanoutAPI, ProductsAPI,
              PushAPI):
    """An async client of the Gizwits Open API for one application (``appid``).

    Safe to share between the tasks of one event loop (the first one it is used in). Use ``async with
    Session(...)`` or call `aclose`. Every call that returns a `Token` signs the session in and remembers how, so
    it renews the token by itself before expiry or after the server rejects it (9004/9006). Which method sends
    which request: docs/endpoints.md in the repository.
    """

    def __init__(
        self,
        appid: str,
        *,
        region: str = "cn",
        base_url: str | None = None,
        app_secret: str | None = None,
        timeout: float | Timeout | httpx.Timeout = 10.0,
        max_concurrency: int = 100,
        client: httpx.AsyncClient | aiohttp.ClientSession | None = None,
        token_store: TokenStore | None = None,
        retry: RetryPolicy | int | None = None,
        login_backoff: float = 300.0,
        verify: Verify = True,
        trust_env: bool = True,
        lang: str | None = "en",
        products: Iterable[Product] = (),
        rate_limiter: Pacer | None = None,
        max_answer_size: int = DEFAULT_MAX_ANSWER,
        transport: TransportName | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """Create a session; it opens its connection pool on first use.

        ``client``: send through your own `aiohttp.ClientSession` or `httpx.AsyncClient` (its settings, hooks,
        proxies and mocks apply; the session never closes it). Without one, the session owns a connection pool
        sized to ``max_concurrency``, which takes its proxy from the environment like httpx (``trust_env``) and
        verifies TLS as ``verify`` says (a bool, a CA bundle path or an `ssl.SSLContext`).
        ``timeout``: seconds per request, a `Timeout` (per request, per connect, and ``total`` for a whole call
        with its retries), or an `httpx.Timeout` (its read and connect timeouts).
        ``retry``: a `RetryPolicy` or the number of attempts in all (default 3). ``login_backoff``: seconds
        during which, after the server rejected the password, the session does not sign in again by itself.
        ``lang``: the user's language, sent with sign-ins and user creation (None: not sent).
        ``products``: datapoint schemas known in advance (no request needed), shared with `for_user` sessions.
        ``rate_limiter``: paces every request of this session and its `for_user` sessions, retries included
        (a `RedisRateLimiter` shares one budget between processes).
        ``max_answer_size``: the largest answer read, in bytes, as sent and once decompressed (default 4 MiB); a
        larger one fails as a `TransportError` without being read further.
        ``transport``: the session's own pool without a ``client``: "fast" (the default: HTTP/1.1 on asyncio,
        parsed by httptools, at a third of aiohttp's CPU per request; where the environment names a proxy for
        the server, the aiohttp pool sends instead) or "aiohttp" (aiohttp's pool).
        ``clock``: where the session reads the time and sleeps (tests pass their own).
        """
        appid = check_header_value(appid, "appid")
        base = _base_url(region, base_url)
        limit = check_int(max_concurrency, "max_concurrency", minimum=1)
        settled = make_timeout(timeout)
        shared = Shared(
            appid=appid, lang=None if lang is None else check_text(lang, "lang"), base_url=base, timeout=settled,
            retry=_retry_policy(retry), max_concurrency=limit,
            login_backoff=check_number(login_backoff, "login_backoff (seconds)", zero_ok=True), clock=clock,
            transport=make_transport(client, base_url=base, timeout=settled, pool_size=limit, verify=verify,
                                     trust_env=trust_env,
                                     max_answer=check_int(max_answer_size, "max_answer_size", minimum=1),
                                     transport=transport),
            app_signature=(hashlib.md5((appid + check_text(app_secret, "app_secret")).encode(),
                                       usedforsecurity=False).hexdigest() if app_secret is not None else None),
            base_headers={"X-Gizwits-Application-Id": appid, "Content-Type": "application/json"},
            rate_limiter=check_pacer(rate_limiter, "rate_limiter"),
        )
        shared.app_tokens = AppTokenCache(self._request_app_token, clock=clock)
        if token_store is not None and not isinstance(token_store, TokenStore):
            raise ValidationError(f"token_store must have async load() and save(), got a {type(token_store).__name__}")
        store = token_store or MemoryTokenStore()
        self._start(shared, TokenManager(store, login_backoff=shared.login_backoff, clock=clock), root=True)
        self._init_products(products)

    def _start(self, shared: Shared, auth: TokenManager, *, root: bool) -> None:
        """Set this session's own state: the user's token lifecycle and whether it is open or closed."""
        self._shared = shared
        self._auth = auth
        #: Whether closing this session closes the transport (a `for_user` session's never does).
        self._root = root
        self._user_headers_cache: tuple[Token | None, dict[str, str]] = (None, shared.base_headers)
        self._open_lock = asyncio.Lock()
        self._opened = False
        self._closed = False

    @property
    def appid(self) -> str:
        """The application id."""
        return self._shared.appid

    @property
    def lang(self) -> str | None:
        """The user's language, sent with sign-ins and user creation (None: not sent)."""
        return self._shared.lang

    @property
    def base_url(self) -> str:
        """The API's base URL (from ``region`` or ``base_url``)."""
        return self._shared.base_url

    @property
    def timeout(self) -> Timeout:
        """The session's timeouts."""
        return self._shared.timeout

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy."""
        return self._shared.retry

    @property
    def max_concurrency(self) -> int:
        """The pool size: at most this many requests of this session and its `for_user` sessions in flight."""
        return self._shared.max_concurrency

    @property
    def rate_limiter(self) -> Pacer | None:
        """The pacer of every request of this session and its `for_user` sessions, or None."""
        return self._shared.rate_limiter

    @property
    def _transport(self) -> Transport:
        return self._shared.transport

    # -- lifecycle ---------------------------------------------------------------------------------------

    async def open(self) -> None:
        """Load the token store's token. Called by ``async with`` and, if needed, by the first request."""
        self._shared.enter_loop()
        async with self._open_lock:
            if self._opened:
                return
            if self._closed:
                raise SessionClosedError("the session is closed")
            stored = await self._auth.store.load()
            if stored is not None and self._auth.token is None:
                self._auth.adopt(stored)
            self._opened = True

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool if this session opened it (never a client you passed in)."""
        self._closed = True
        if self._root:
            await self._shared.transport.aclose()

    @property
    def closed(self) -> bool:
        """Whether the session was closed (for a `for_user` session: or the pool it shares)."""
        return self._closed or self._shared.transport.closed

    def for_user(self, token: Token | tuple[str, str]) -> Session:
        """A light session signed in as another user, sharing everything `Shared` holds with this session.

        ``token`` is a `Token` or ``(token_str, uid)``. Closing it closes nothing shared. It renews itself
        only if it is given a way to (a login call on it); otherwise a rejected token raises `TokenError`.
        """
        if isinstance(token, Token):
            check_header_value(token.token, "token")
        elif isinstance(token, tuple) and len(token) == 2:
            value, uid = token
            token = Token(check_header_value(uid, "uid"), check_header_value(value, "token"), _UNTIL_REPLACED)
        else:
            raise ValidationError(f"token must be a Token or a (token, uid) pair, got a {type(token).__name__}")
        shared = self._shared
        child = Session.__new__(type(self))
        child._start(shared, TokenManager(MemoryTokenStore(token), login_backoff=shared.login_backoff,
                                          clock=shared.clock), root=False)
        child._auth.adopt(token)
        child._opened = True
        return child

    @property
    def token(self) -> Token | None:
        """The signed-in user's token, or None."""
        return self._auth.token

    @property
    def login_count(self) -> int:
        """How many times the session signed in again by itself (renewals; for monitoring)."""
        return self._auth.renewals

    def __repr__(self) -> str:
        user = self._auth.token.uid if self._auth.token else None
        return f"Session(appid={self.appid!r}, base_url={self.base_url!r}, user={user!r})"

    # -- the request path ----------------------------------------------------------------------------------

    async def _request_app_token(self) -> AppToken:
        return await self._call(REQUEST_APP_TOKEN)

    async def _exchange(self, call: Call[T], pace: Pacer | None = None, sent: list[int] | None = None) -> Reply[T]:
        """Send ``call`` until it succeeds or `next_step` gives up; return its result and the requests it took.

        ``sent`` counts the requests started, for `_within_total`, which bounds the call by ``timeout.total``.
        """
        if not self._opened or self.closed or self._shared.loop is not asyncio.get_running_loop():
            await self._enter(call)
        if sent is None and self._shared.timeout.total is not None:
            return await self._within_total(call, pace)
        sent = [0] if sent is None else sent
        limiter = self._shared.rate_limiter  # the session's budget, on top of the run's own pace
        pace = pace if limiter is None else paced_by_both(pace, limiter)
        body = None if call.json is None else encode_json(call.json)
        slots = self._shared.slots
        debug = logger.isEnabledFor(logging.DEBUG)
        failed = 0
        replayable = True
        while True:
            epoch = self._auth.epoch
            if pace is not None:
                await pace.wait()
            sent[0] += 1
            if not slots.try_take():
                await slots.take()
            # Read once the slot is ours: a call queued behind a renewal sends the new token.
            ready: tuple[dict[str, str], Token | AppToken | None] | None = self._ready_headers(call)
            if ready is None:  # a token to fetch or renew first, whose request needs a slot: not held meanwhile
                slots.give()
                ready = await self._headers(call, epoch)
                await slots.take()
            headers, credential = ready
            try:
                started = time.perf_counter() if debug else 0.0
                try:
                    response = await self._shared.transport.send(call.method, call.path, headers, body)
                    decoded = decode(call, response.status, response.body)  # the result, or the answer's error
                    result: T | GizwitsError = decoded
                except TransportError as exc:
                    response, result = None, exc
            finally:
                slots.give()
            if debug:
                self._log(call, headers, response, started, sent[0])
            if not isinstance(result, GizwitsError):
                return result, sent[0]
            failed, replayable = await self._recover(result, call, sent[0], failed, credential if replayable else None)

    async def _enter(self, call: Call[T]) -> None:
        """Before a call's first attempt: open the session (in the event loop it belongs to) unless it is closed."""
        await self.open()
        if self.closed:
            raise SessionClosedError(f"{call.method} {call.path}: the session is closed")

    async def _within_total(self, call: Call[T], pace: Pacer | None) -> Reply[T]:
        """`_exchange` bounded by ``timeout.total``: its retries, waits and any token renewal included."""
        total = self._shared.timeout.total
        sent = [0]
        try:
            async with asyncio.timeout(total):
                return await self._exchange(call, pace, sent)
        except TimeoutError:
            error = TransportError(f"{call.method} {call.path}: no result within the total timeout of {total} s",
                                   sent=sent[0] > 0)
            error.attempts = sent[0]
            raise error from None

    async def _recover(
        self, error: GizwitsError, call: Call[T], sent: int, failed: int, credential: Token | AppToken | None,
    ) -> tuple[int, bool]:
        """After a failed attempt, as `next_step` decides: raise ``error``, renew the rejected ``credential`` (the
        replay), or wait out the backoff. Returns the failed attempts so far and whether a replay is still allowed.
        A closed session ends the call.
        """
        if self.closed:
            raise SessionClosedError(f"{call.method} {call.path}: the session was closed") from error
        error.attempts = sent
        policy = self._shared.retry
        step = next_step(error, call.idempotency, failed=failed + 1, policy=policy, can_replay=credential is not None)
        if step is Step.RAISE:
            raise error
        if step is Step.REPLAY:
            await self._renew_rejected(credential, error)
            return failed, False
        await self._shared.clock.sleep(backoff(failed + 1, policy))
        return failed + 1, credential is not None

    def _ready_headers(self, call: Call[T]) -> tuple[dict[str, str], Token | None] | None:
        """A call's headers when no token has to be fetched first (the common case, without an await)."""
        if call.headers is not None:
            return None  # headers of its own: merged by `_headers`
        if call.auth is Auth.NONE:
            return self._shared.base_headers, None
        if call.auth is Auth.USER and (token := self._auth.usable()) is not None:
            return self._user_headers(token), token
        return None

    async def _headers(self, call: Call[T], epoch: int) -> tuple[dict[str, str], Token | AppToken | None]:
        """A call's headers when a token may have to be fetched or renewed first (see `_ready_headers`), with the
        call's own headers added.

        ``epoch`` is the token manager's when the attempt began: a renewal that failed since is shared.
        """
        headers, credential = await self._credential_headers(call.auth, epoch)
        return (headers if call.headers is None else {**headers, **call.headers}), credential

    async def _credential_headers(self, auth: Auth, epoch: int) -> tuple[dict[str, str], Token | AppToken | None]:
        shared = self._shared
        if auth is Auth.USER:
            token = await self._auth.current(since=epoch)
            return self._user_headers(token), token
        if auth is Auth.APP:
            app_token = await shared.app_tokens.current()
            return {**shared.base_headers, "X-Gizwits-Application-Token": app_token.token}, app_token
        if auth is Auth.NONE:
            return shared.base_headers, None
        if shared.app_signature is None:
            raise ValidationError("the app-token calls (app_token, captcha, SMS codes) need Session(app_secret=...)")
        return {**shared.base_headers, "X-Gizwits-Application-Auth": shared.app_signature}, None

    def _user_headers(self, token: Token) -> dict[str, str]:
        cached_token, headers = self._user_headers_cache
        if token is not cached_token:  # built once per token, not once per request
            headers = {**self._shared.base_headers, "X-Gizwits-User-token": token.token}
            self._user_headers_cache = (token, headers)
        return headers

    async def _renew_rejected(self, credential: Token | AppToken | None, error: GizwitsError) -> None:
        if isinstance(credential, Token) and isinstance(error, TokenError):
            await self._auth.renew_after_rejection(credential, error)
        elif isinstance(credential, AppToken):
            self._shared.app_tokens.invalidate(credential)

    @staticmethod
    def _log(call: Call[T], headers: dict[str, str], response: Response | None, started: float,
             attempt: int) -> None:
        status = "failed" if response is None else response.status
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d) headers=%s",
            call.method, call.path, status, (time.perf_counter() - started) * 1000, attempt,
            redacted_headers(headers),
        )
