"""One socket to one m2m endpoint, kept alive forever: connect, log in, subscribe, read, ping, watch, re-login,
reconnect.

Order on every socket: ``login_req``, nothing else until ``login_res``; then one ``subscribe_req`` for every
wanted device, and ``c2s_read`` for each one the server accepted (the only way to learn of changes missed while
the socket was down). One ping loop per socket, pinging every ``heartbeat`` seconds once logged in. Anything
received counts as a sign of life; silence longer than the declared interval means the socket is dead.
After ``s2c_invalid_msg`` 1009/1003 (the server lost the session, the socket is still open) the connection logs in
again on the same socket; a refused login renews the user token once (through the session's single-flight
renewal) and tries again. Any other loss: reconnect after a growing, jittered delay (back to the first, 1-3 s by
default, once a socket was logged in: refused or failing connections back off, a lost healthy one returns soon).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import aiohttp
import attrs

from ..errors import APIError, GizwitsError, SessionClosedError, TokenError, TransportError
from ..log import logger
from ..models import Token
from . import frames
from .events import ConnectionEvent, PushEvent, PushStats

__all__ = ["Connection", "PushSettings"]

#: s2c_invalid_msg codes: the session behind the socket is gone (re-login), no valid heartbeat (reconnect).
SESSION_LOST = frozenset({1003, 1009})
NO_HEARTBEAT = 1011

_EVENT_COMMANDS = frozenset({"s2c_noti", "s2c_online_status", "s2c_binding_changed", "s2c_raw"})
_CLOSED = frozenset({aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED,
                     aiohttp.WSMsgType.ERROR})

_WS_TIMEOUT = aiohttp.ClientWSTimeout(ws_receive=None, ws_close=2.0)

#: One subscription request's answer: did -> None (subscribed) or why not; None for the whole request when
#: the socket was lost before the answer (ask again on the next one).
Answer = dict[str, GizwitsError | None] | None


@attrs.frozen
class PushSettings:
    """How sockets behave: ping period, login answer timeout and tries, reconnect delays, buffer size."""

    heartbeat: float = 60.0
    login_timeout: float = 10.0
    login_tries: int = 3
    reconnect_first: float = 3.0
    reconnect_cap: float = 60.0
    connect_timeout: float = 10.0
    max_events: int = 10_000

    @property
    def interval(self) -> int:
        """The ``heartbeat_interval`` declared at login (also the silence that means a dead socket)."""
        return frames.heartbeat_interval(self.heartbeat)


class Owner(Protocol):
    """What a connection needs from the `Push` that owns it."""

    settings: PushSettings
    stats: PushStats
    appid: str

    def client(self) -> aiohttp.ClientSession: ...
    def emit(self, event: PushEvent) -> None: ...
    async def token(self) -> Token: ...
    async def renew(self, rejected: Token) -> Token: ...


class _Lost(Exception):
    """Why a socket must be replaced."""

    def __init__(self, error: GizwitsError) -> None:
        super().__init__(str(error))
        self.error = error


class Connection:
    """The socket to ``url`` and the devices wanted on it. Started lazily, runs until `close`."""

    def __init__(self, url: str, owner: Owner) -> None:
        self.url = url
        self.owner = owner
        self.wanted: dict[str, None] = {}  # an ordered set
        self.ready = asyncio.Event()  # logged in on a live socket
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None
        self._logging_in = False
        self._login_deadline = 0.0
        self._login_tries = 0
        self._renewed = False
        self._token: Token | None = None
        self._healthy = False
        self._requested: dict[str, asyncio.Future[Answer]] = {}
        self._answers: deque[tuple[list[str], asyncio.Future[Answer]]] = deque()

    def start(self) -> None:
        """Open the socket in the background, if not done yet."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"gizwits push {self.url}")

    async def close(self) -> None:
        """Close the socket and stop for good."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- the caller's side -------------------------------------------------------------------------------
    async def subscribe(self, dids: Sequence[str]) -> dict[str, GizwitsError | None]:
        """Want ``dids`` on this socket and wait for the server's answer for each (asking again after a loss)."""
        for did in dids:
            self.wanted[did] = None
        self.start()
        results: dict[str, GizwitsError | None] = {}
        pending = dict.fromkeys(dids)  # an ordered set: membership tests stay O(1) for large fleets
        while pending:
            await self.ready.wait()
            ws = self._ws
            missing = [did for did in pending if did not in self._requested]
            if missing and ws is not None:
                await self._request(ws, missing)
            answers = await asyncio.gather(*{self._requested[did] for did in pending if did in self._requested})
            for answer in answers:
                results.update({did: why for did, why in (answer or {}).items() if did in pending})
            pending = {did: None for did in pending if did not in results}
        return results

    async def send(self, frame: str, wait: float) -> None:
        """Send ``frame`` once the socket is logged in (waiting up to ``wait`` seconds for that)."""
        try:
            async with asyncio.timeout(wait):
                await self.ready.wait()
        except TimeoutError:
            raise TransportError(f"push socket {self.url} is not connected", sent=False) from None
        ws = self._ws
        try:
            if ws is None:
                raise ConnectionResetError("socket closed")
            await ws.send_str(frame)
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise TransportError(f"push socket {self.url}: {exc}", sent=False, cause=exc) from exc

    # -- the socket's life -------------------------------------------------------------------------------
    async def _run(self) -> None:
        attempt = 0
        settings = self.owner.settings
        while True:
            error = await self._connect_once()
            self.owner.emit(ConnectionEvent(self.url, "lost", error))
            if isinstance(error, SessionClosedError):
                return  # nothing to reconnect with
            if self._healthy:
                attempt = 0
            delay = frames.reconnect_delay(attempt, settings.reconnect_first, settings.reconnect_cap)
            attempt += 1
            logger.info("push: %s lost (%s); reconnecting in %.1f s", self.url, error, delay)
            await asyncio.sleep(delay)
            self.owner.stats.reconnects += 1
            self.owner.emit(ConnectionEvent(self.url, "reconnecting"))

    async def _connect_once(self) -> GizwitsError:
        self._healthy = False
        try:
            client = self.owner.client()
        except GizwitsError as exc:
            return exc
        try:
            async with asyncio.timeout(self.owner.settings.connect_timeout):
                ws = await client.ws_connect(self.url, autoping=True, heartbeat=None, timeout=_WS_TIMEOUT)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return TransportError(f"could not connect to {self.url}: {exc or type(exc).__name__}", sent=False,
                                  cause=exc)
        self.owner.stats.sockets_opened += 1
        self._ws = ws
        pinger = asyncio.create_task(self._ping(ws), name=f"gizwits push ping {self.url}")
        try:
            await self._log_in(ws, renewed=False)
            return await self._receive(ws)
        except _Lost as lost:
            return lost.error
        except (aiohttp.ClientError, ConnectionError) as exc:
            return TransportError(f"push socket {self.url}: {exc}", sent=True, cause=exc)
        finally:
            self._ws = None
            self.ready.clear()
            self._forget_requests()
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger
            await ws.close()  # a cancelled task still closes: the cancellation was delivered already

    async def _ping(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """The socket's only ping loop: a ping every ``heartbeat`` seconds while logged in."""
        while True:
            await self.ready.wait()
            await asyncio.sleep(self.owner.settings.heartbeat)
            if self.ready.is_set() and not ws.closed:
                await ws.send_str(frames.PING)
                self.owner.stats.pings += 1

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> GizwitsError:
        loop = asyncio.get_running_loop()
        silence = self.owner.settings.interval
        while True:
            now = loop.time()
            wait = min(silence, self._login_deadline - now) if self._logging_in else silence
            try:
                message = await ws.receive(timeout=max(wait, 0.0))
            except TimeoutError:
                if self._logging_in and loop.time() >= self._login_deadline:
                    await self._login_timed_out(ws)
                    continue
                return TransportError(f"push socket {self.url}: nothing received for {silence} s", sent=True)
            if message.type is aiohttp.WSMsgType.TEXT:
                await self._on_text(ws, message.data)
            elif message.type in _CLOSED:
                return TransportError(f"push socket {self.url} closed ({ws.close_code})", sent=True)
            else:
                logger.debug("push: %s sent a %s frame; ignored", self.url, message.type.name)

    # -- logging in --------------------------------------------------------------------------------------
    async def _log_in(self, ws: aiohttp.ClientWebSocketResponse, *, renewed: bool) -> None:
        """Send ``login_req`` and wait for the answer (counted from now); nothing else is sent until then."""
        self.ready.clear()
        self._logging_in = True
        self._renewed = renewed
        self._login_tries = 0
        await self._send_login(ws)

    async def _send_login(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        owner = self.owner
        try:
            self._token = token = await owner.token()
        except GizwitsError as exc:
            raise _Lost(exc) from exc
        self._login_tries += 1
        # Each try waits longer for its answer: the waits are the backoff between tries.
        self._login_deadline = asyncio.get_running_loop().time() + owner.settings.login_timeout * self._login_tries
        await ws.send_str(frames.login_frame(owner.appid, token.uid, token.token, owner.settings.interval))

    async def _login_timed_out(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        if self._login_tries >= self.owner.settings.login_tries:
            raise _Lost(TransportError(f"push socket {self.url}: no login_res after {self._login_tries} tries",
                                       sent=True))
        await self._send_login(ws)

    async def _logged_in(self, ws: aiohttp.ClientWebSocketResponse, success: object) -> None:
        if success is not True:
            await self._login_refused(ws)
            return
        self._logging_in = False
        self._healthy = True  # the server took the login: a loss from now on is retried within 1-3 s
        self.owner.stats.logins += 1
        self._forget_requests()
        if self.wanted:
            await self._request(ws, list(self.wanted))
        self.ready.set()
        self.owner.emit(ConnectionEvent(self.url, "connected"))

    async def _login_refused(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """The server refused the token: renew it once (single-flight, shared with REST) and log in again."""
        refused = TokenError("the push server refused the user token (login_res success false)")
        if self._renewed or self._token is None:
            raise _Lost(refused)
        self.owner.stats.token_renewals += 1
        try:
            await self.owner.renew(self._token)
        except GizwitsError as exc:
            raise _Lost(exc) from exc
        await self._log_in(ws, renewed=True)

    # -- frames received ---------------------------------------------------------------------------------
    async def _on_text(self, ws: aiohttp.ClientWebSocketResponse, text: str) -> None:
        frame = frames.decode(text)
        if frame is None:
            logger.warning("push: %s sent an unreadable frame (%d characters); ignored", self.url, len(text))
            return
        if frame.cmd in _EVENT_COMMANDS:
            event = frames.event_of(frame, dt.datetime.now(dt.UTC))
            if event is None:
                logger.warning("push: %s sent a malformed %s; ignored", self.url, frame.cmd)
                return
            self.owner.emit(event)
            if frame.req_sn is not None and event.did is not None:
                await ws.send_str(frames.ack_frame(event.did, frame.req_sn))
            return
        handler = _HANDLERS.get(frame.cmd)
        if handler is None:
            logger.debug("push: %s sent an unknown command %r; ignored", self.url, frame.cmd)
            return
        await handler(self, ws, frame)

    async def _on_login_res(self, ws: aiohttp.ClientWebSocketResponse, frame: frames.Frame) -> None:
        if not self._logging_in:
            logger.debug("push: %s sent login_res unasked; ignored", self.url)
            return
        await self._logged_in(ws, frame.data.get("success") if isinstance(frame.data, dict) else None)

    async def _on_subscribe_res(self, ws: aiohttp.ClientWebSocketResponse, frame: frames.Frame) -> None:
        if not self._answers:
            logger.debug("push: %s sent subscribe_res unasked; ignored", self.url)
            return
        dids, future = self._answers.popleft()
        answer = _subscribe_answer(dids, frame.data)
        for did, why in answer.items():
            if why is not None:
                self.wanted.pop(did, None)
                logger.warning("push: %s refused to subscribe %s: %s", self.url, did, why)
        if not future.done():
            future.set_result(answer)
        for did, why in answer.items():
            if why is None:
                await ws.send_str(frames.read_frame(did))

    async def _on_pong(self, ws: aiohttp.ClientWebSocketResponse, frame: frames.Frame) -> None:
        """The server answered a ping: nothing to do, receiving it already counted as a sign of life."""

    async def _on_invalid(self, ws: aiohttp.ClientWebSocketResponse, frame: frames.Frame) -> None:
        code = frames.error_code(frame.data)
        message = str(frame.data.get("msg", "")) if isinstance(frame.data, dict) else ""
        if code in SESSION_LOST:
            if self._logging_in:
                return  # a ping or frame sent before the session was lost: the new login_req is on its way
            self.owner.stats.relogins += 1
            self.owner.emit(ConnectionEvent(self.url, "lost", APIError(message or "session lost", code=code)))
            await self._log_in(ws, renewed=False)
        elif code == NO_HEARTBEAT:
            raise _Lost(APIError(message or "no heartbeat", code=code))
        else:
            logger.warning("push: %s refused a frame: %s %s", self.url, code, message)

    # -- subscriptions -----------------------------------------------------------------------------------
    async def _request(self, ws: aiohttp.ClientWebSocketResponse, dids: list[str]) -> None:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        for did in dids:
            self._requested[did] = future
        self._answers.append((dids, future))
        with contextlib.suppress(aiohttp.ClientError, ConnectionError):  # the reader sees the loss and retries
            await ws.send_str(frames.subscribe_frame(dids))

    def _forget_requests(self) -> None:
        """The server forgot this socket's subscriptions: whoever waits for an answer asks again."""
        for _, future in self._answers:
            if not future.done():
                future.set_result(None)
        for future in self._requested.values():
            if not future.done():
                future.set_result(None)
        self._answers.clear()
        self._requested.clear()


Handler = Callable[[Connection, aiohttp.ClientWebSocketResponse, frames.Frame], Awaitable[None]]
_HANDLERS: dict[str, Handler] = {
    "login_res": Connection._on_login_res,
    "subscribe_res": Connection._on_subscribe_res,
    "pong": Connection._on_pong,
    "s2c_invalid_msg": Connection._on_invalid,
}


def _subscribe_answer(dids: list[str], data: object) -> dict[str, GizwitsError | None]:
    """Each asked did's outcome from ``subscribe_res`` data; a did the server did not mention is refused."""
    body = data if isinstance(data, dict) else {}
    asked = set(dids)
    answer: dict[str, GizwitsError | None] = {}
    for entry in body.get("success") or ():
        if isinstance(entry, dict) and entry.get("did") in asked:
            answer[entry["did"]] = None
    for entry in body.get("failed") or body.get("fail") or ():
        if isinstance(entry, dict) and entry.get("did") in asked:
            code = frames.error_code(entry)
            answer[entry["did"]] = APIError(str(entry.get("msg") or "subscription refused"), code=code)
    for did in dids:
        answer.setdefault(did, APIError("the server did not answer for this device's subscription"))
    return answer
