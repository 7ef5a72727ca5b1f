"""`Session`: the client's lifecycle and the one request path every endpoint uses.

A request flows one way: build (the endpoint's `Call`) -> authenticate (headers from the token lifecycle)
-> send (the transport) -> decode (error body or model) -> retry (the policy), with a replay after a rejected
token.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import hashlib
import json
import json.encoder
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

import aiohttp
from yarl import URL

from .auth import AppTokenCache, MemoryTokenStore, TokenManager, TokenStore
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
from .errors import (
    APIError,
    SessionClosedError,
    TokenError,
    TransportError,
    ValidationError,
    error_from_response,
)
from .fanout import FanoutAPI
from .group_fanout import GroupFanoutAPI
from .log import logger, redacted_headers
from .models import AppToken, Token
from .products import Product
from .push.api import PushAPI
from .retry import RetryPolicy, backoff, should_retry
from .throttling import Pacer
from .transport import Response, Timeout, Transport, TransportName, Verify, make_timeout, make_transport
from .transport.aiohttp_base import DEFAULT_MAX_ANSWER
from .validation import check_choice, check_header_value, check_int, check_non_negative, check_text

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



def _json_encoder() -> Callable[[Any], str]:
    """One compact JSON encoder for every body.

    `json.dumps` with options, and `JSONEncoder.encode` too, build a new C encoder per call; this builds it
    once. No circular-reference check: bodies are built here, from checked values.
    """
    plain = json.JSONEncoder(separators=(",", ":"), check_circular=False)
    make: Callable[..., Callable[[Any, int], list[str]]] | None = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        return plain.encode
    encode = make(None, plain.default, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True)
    return lambda value: "".join(encode(value, 0))


_encode_json = _json_encoder()


def _resolve_base_url(region: str, base_url: str | None) -> str:
    if base_url is None:
        return REGIONS[check_choice(region, frozenset(REGIONS), "region")]
    try:
        url = URL(check_header_value(base_url, "base_url"))
    except ValueError:
        url = URL()
    # http:// is allowed because it was asked for explicitly (the emulator on loopback); the default is https.
    if url.scheme not in ("http", "https") or not url.host:
        raise ValidationError(f"base_url must be an http(s) URL with a host, got {base_url!r}")
    return str(base_url).rstrip("/")


def _is_json_object(body: bytes) -> bool:
    """Whether ``body`` is a JSON object (what the service answers a call with nothing to return, like ``{}``)."""
    try:
        return isinstance(json.loads(body), dict)
    except ValueError:
        return False


class Session(UsersAPI, ProfileAPI, CodesAPI, DevicesAPI, DeviceDetailsAPI, BindingAPI, HistoryAPI, ControlAPI,
              SchedulerAPI, SharingAPI, DeviceSchedulesAPI, ScenesAPI, GroupFanoutAPI, FanoutAPI, ProductsAPI,
              PushAPI):
    """An async client of the Gizwits Open API for one application (``appid``).

    Safe to share between the tasks of one event loop. Use ``async with Session(...)`` or call `aclose`.
    Every call that returns a `Token` signs the session in and remembers how, so it renews the token by
    itself before expiry or after the server rejects it (9004/9006). Which method sends which request:
    docs/endpoints.md in the repository.
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
    ) -> None:
        """Create a session; it opens its connection pool on first use.

        ``client``: send through your own `aiohttp.ClientSession` or `httpx.AsyncClient` (its settings, hooks,
        proxies and mocks apply; the session never closes it). Without one, the session owns a fast aiohttp pool
        sized to ``max_concurrency``, which takes its proxy from the environment like httpx (``trust_env``) and
        verifies TLS as ``verify`` says (a bool, a CA bundle path or an `ssl.SSLContext`).
        ``timeout``: seconds per request, a `Timeout` (per request and per connect), or an `httpx.Timeout` (its
        read and connect timeouts).
        ``retry``: a `RetryPolicy` or the number of attempts in all (default 3). ``login_backoff``: seconds
        during which, after the server rejected the password, the session does not sign in again by itself.
        ``lang``: the user's language, sent with sign-ins and user creation (None: not sent).
        ``products``: datapoint schemas known in advance (no request needed), shared with `for_user` sessions.
        ``rate_limiter``: paces every request of this session and its `for_user` sessions, retries included
        (a `RedisRateLimiter` shares one budget between processes).
        ``max_answer_size``: the largest answer read, in bytes, as sent and once decompressed (default 4 MiB); a
        larger one fails as a `TransportError` without being read further.
        ``transport``: the session's own pool without a ``client``: "aiohttp" (the default) or "fast" (HTTP/1.1
        on asyncio parsed by httptools, the ``fast`` extra: a third of the CPU per request; the aiohttp pool
        stands in where the environment names a proxy).
        """
        self.appid = check_header_value(appid, "appid")
        self.lang = None if lang is None else check_text(lang, "lang")
        self.base_url = _resolve_base_url(region, base_url)
        self.max_concurrency = check_int(max_concurrency, "max_concurrency", minimum=1)
        self.timeout = make_timeout(timeout)
        if retry is None:
            retry = RetryPolicy()
        elif not isinstance(retry, RetryPolicy):
            if isinstance(retry, bool) or not isinstance(retry, int) or retry < 1:
                raise ValidationError(f"retry must be a RetryPolicy or a number of attempts >= 1, got {retry!r}")
            retry = RetryPolicy(attempts=retry)
        self.retry = retry
        self.rate_limiter = rate_limiter
        # Only the signature is kept: the secret itself is never sent, stored or shown.
        self._app_signature = (
            hashlib.md5((self.appid + check_text(app_secret, "app_secret")).encode(), usedforsecurity=False)
            .hexdigest() if app_secret is not None else None
        )
        if token_store is not None and not isinstance(token_store, TokenStore):
            raise ValidationError(f"token_store must have async load() and save(), got a {type(token_store).__name__}")
        self._transport: Transport = make_transport(
            client, base_url=self.base_url, timeout=self.timeout, pool_size=max_concurrency, verify=verify,
            trust_env=trust_env, max_answer=check_int(max_answer_size, "max_answer_size", minimum=1),
            transport=transport,
        )
        self._owns_transport = client is None
        self._auth = TokenManager(token_store or MemoryTokenStore(),
                                  login_backoff=check_non_negative(login_backoff, "login_backoff"))
        self._app_tokens = AppTokenCache(self._request_app_token)
        self._base_headers = {"X-Gizwits-Application-Id": self.appid, "Content-Type": "application/json"}
        self._user_headers_cache: tuple[Token | None, dict[str, str]] = (None, self._base_headers)
        # One slot per pooled connection for user-token calls, shared with for_user() sessions. A call that got
        # its slot after the token changed (or while it is being renewed) takes the current one, so calls queued
        # behind a renewal send the new token, not the rejected one. Sign-in calls carry no user token and take
        # no slot, so a renewal never waits for the callers that wait for it.
        self._slots = asyncio.Semaphore(max_concurrency)
        self._group_products: dict[str, str] = {}  # shared with for_user() sessions
        self._open_lock = asyncio.Lock()
        self._opened = False
        self._closed = False
        # Dicts shared (not copied) by for_user() sessions: a schema fetched by one is known to all.
        self._init_products(products)

    # -- lifecycle ---------------------------------------------------------------------------------------

    async def open(self) -> None:
        """Load the token store's token. Called by ``async with`` and, if needed, by the first request."""
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
        if self._owns_transport:
            await self._transport.aclose()

    @property
    def closed(self) -> bool:
        """Whether the session was closed (for a `for_user` session: or the pool it shares)."""
        return self._closed or self._transport.closed

    def for_user(self, token: Token | tuple[str, str]) -> Session:
        """A light session signed in as another user, sharing this session's pool, appid and settings.

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
        child = copy.copy(self)
        child._auth = TokenManager(MemoryTokenStore(token), login_backoff=self._auth.login_backoff)
        child._auth.adopt(token)
        child._owns_transport = False
        child._open_lock = asyncio.Lock()
        child._opened = True
        child._closed = False
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

    async def _exchange(self, call: Call[T], pace: Pacer | None = None) -> Reply[T]:
        """Send ``call``, retrying transient failures and replaying once after a rejected token."""
        if not self._opened:
            await self.open()
        body = None if call.json is None else _encode_json(call.json).encode()
        slots = self._slots if call.auth is Auth.USER else None
        debug = logger.isEnabledFor(logging.DEBUG)
        started = 0.0
        sent = failures = 0
        replayed = False
        while True:
            if self.closed:
                raise SessionClosedError(f"{call.method} {call.path}: the session is closed")
            epoch = self._auth.epoch
            ready = self._ready_headers(call.auth)
            headers, credential = ready if ready is not None else await self._headers(call.auth)
            if pace is not None:
                await pace.wait()
            if self.rate_limiter is not None:
                await self.rate_limiter.wait()
            sent += 1
            error: TransportError | APIError
            if slots is not None:
                await slots.acquire()  # not `async with`: two coroutines fewer per request on the bulk path
            try:
                if isinstance(credential, Token) and credential is not self._auth.token:
                    credential = await self._auth.current(since=epoch)
                    headers = self._user_headers(credential)
                if debug:
                    started = time.perf_counter()
                try:
                    if call.headers is not None:
                        headers = {**headers, **call.headers}
                    response: Response | None = await self._transport.send(call.method, call.path, headers, body)
                except TransportError as exc:
                    response, error = None, exc
            finally:
                if slots is not None:
                    slots.release()
            if debug:
                self._log(call, headers, "failed" if response is None else response.status, started, sent)
            if response is not None:
                if response.status < 300:
                    return Reply(self._parse(call, response.status, response.body), sent)
                error = error_from_response(response.status, response.body, method=call.method, url=call.path)
            if self.closed:
                raise SessionClosedError(f"{call.method} {call.path}: the session was closed") from error
            error.attempts = sent
            if isinstance(error, TokenError) and credential is not None and not replayed:
                replayed = True
                await self._renew_rejected(credential, error)
                continue
            failures += 1
            if failures >= self.retry.attempts or not should_retry(error, call.idempotency):
                raise error
            await asyncio.sleep(backoff(failures, self.retry))

    def _ready_headers(self, auth: Auth) -> tuple[dict[str, str], Token | None] | None:
        """A call's headers when no token has to be fetched first (the common case, without an await)."""
        if auth is Auth.NONE:
            return self._base_headers, None
        if auth is Auth.USER and (token := self._auth.usable()) is not None:
            return self._user_headers(token), token
        return None

    async def _headers(self, auth: Auth) -> tuple[dict[str, str], Token | AppToken | None]:
        """A call's headers when a token may have to be fetched or renewed first (see `_ready_headers`)."""
        if auth is Auth.USER:
            token = await self._auth.current()
            return self._user_headers(token), token
        if auth is Auth.APP:
            app_token = await self._app_tokens.current()
            return {**self._base_headers, "X-Gizwits-Application-Token": app_token.token}, app_token
        if self._app_signature is None:
            raise ValidationError("the app-token calls (A1, V1-V3) need Session(app_secret=...)")
        return {**self._base_headers, "X-Gizwits-Application-Auth": self._app_signature}, None

    def _user_headers(self, token: Token) -> dict[str, str]:
        cached_token, headers = self._user_headers_cache
        if token is not cached_token:  # built once per token, not once per request
            headers = {**self._base_headers, "X-Gizwits-User-token": token.token}
            self._user_headers_cache = (token, headers)
        return headers

    async def _renew_rejected(self, credential: Token | AppToken, error: TokenError) -> None:
        if isinstance(credential, Token):
            await self._auth.renew_after_rejection(credential, error)
        else:
            self._app_tokens.invalidate(credential)

    @staticmethod
    def _parse(call: Call[T], status: int, body: bytes) -> T:
        if call.parse is None:  # a Call without parse is a Call[None]: the answer must still be the service's
            if body != b"{}" and body.strip() and not _is_json_object(body):
                raise APIError(f"unexpected answer ({len(body)} bytes), not a JSON object: {body[:80]!r}",
                               status=status, method=call.method, url=call.path)
            return cast(T, None)
        try:
            data = json.loads(body) if body and not body.isspace() else None
            return call.parse(data)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, ArithmeticError) as exc:
            # The body is not quoted: a login answer carries a token.
            raise APIError(
                f"unexpected answer ({len(body)} bytes): {type(exc).__name__}: {exc}",
                status=status, method=call.method, url=call.path,
            ) from None

    @staticmethod
    def _log(call: Call[Any], headers: dict[str, str], status: int | str, started: float, attempt: int) -> None:
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d) headers=%s",
            call.method, call.path, status, (time.perf_counter() - started) * 1000, attempt,
            redacted_headers(headers),
        )
