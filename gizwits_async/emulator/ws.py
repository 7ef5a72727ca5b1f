"""The emulator's push endpoint: the Gizwits M2M WebSocket protocol at ``/ws/app/v1``, its fault knobs, its stats.

Served by the same ASGI app (and port) as the REST API. A socket logs in (``login_req``) with a user token, then
subscribes devices; every state change of a subscribed device (REST control, socket write, drift, a schedule)
is pushed as ``s2c_noti``, online changes as ``s2c_online_status``, binds and unbinds as ``s2c_binding_changed``.
The server enforces the heartbeat: no ``ping`` within the declared ``heartbeat_interval`` -> 1011 and a close.

Binary datapoints travel as arrays of byte values on the socket (hex strings in the REST API). The emulated
device answers every ``c2s_raw`` with an ``s2c_raw`` echoing the bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .datapoints import Datapoint
from .errors import ApiError
from .routing import Receive, Scope, Send
from .state import State, User

PATH = "/ws/app/v1"

#: s2c_invalid_msg codes (the field's texts for 1003, 1009, 1011; 1000 is this emulator's "bad frame").
BAD_FRAME = 1000
NOT_LOGGED_IN = 1003
SESSION_CLOSED = 1009
NO_HEARTBEAT = 1011
_TEXTS = {
    BAD_FRAME: "invalid message",
    NOT_LOGGED_IN: "Websocket client not login!",
    SESSION_CLOSED: "M2M socket has closed, please login again!",
    NO_HEARTBEAT: "No heartbeat!",
}
#: WebSocket close codes: a server going away (a dropped socket), and the heartbeat close.
CLOSE_DROPPED = 1012
CLOSE_NO_HEARTBEAT = 1011
MAX_HEARTBEAT = 180

Message = dict[str, Any]


@dataclass
class PushFaults:
    """Knobs of the push endpoint, read on every frame; change them at any time.

    ``frame_delay``: seconds the server waits before sending each frame. ``drop_rate`` / ``expire_rate``:
    probability, per frame received, of closing the socket / losing its session (1009, then 1003 to everything
    but ``login_req``). ``swallow_pings``: pings are ignored (no pong, no heartbeat credit, so 1011 follows).
    ``silent``: the server sends nothing at all (a half-dead socket). ``login_delay``: seconds before a
    ``login_res`` is sent.
    """

    frame_delay: float = 0.0
    login_delay: float = 0.0
    drop_rate: float = 0.0
    expire_rate: float = 0.0
    swallow_pings: bool = False
    silent: bool = False
    seed: int | None = None
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def roll(self, probability: float) -> bool:
        """True with the given probability."""
        return probability > 0 and self._rng.random() < probability


@dataclass
class PushStats:
    """What the push endpoint saw: sockets opened, refused connection attempts (and when every attempt came,
    in loop time), socket logins (failed ones apart), frames by command in each direction."""

    sockets_opened: int = 0
    refused: int = 0
    logins: int = 0
    login_failures: int = 0
    frames_in: Counter[str] = field(default_factory=Counter)
    frames_out: Counter[str] = field(default_factory=Counter)
    attempts: list[float] = field(default_factory=list)

    def reset(self) -> None:
        """Forget everything recorded so far."""
        self.sockets_opened = self.refused = self.logins = self.login_failures = 0
        self.frames_in.clear()
        self.frames_out.clear()
        self.attempts.clear()


class Socket:
    """One client socket: who logged in on it, what it subscribed, when its pings arrived and every command it
    received, in order, with the loop time it arrived at."""

    def __init__(self, number: int, port: int, loop: asyncio.AbstractEventLoop) -> None:
        self.number = number
        self.port = port
        self.user: User | None = None
        self.heartbeat_interval = MAX_HEARTBEAT
        self.last_ping = loop.time()
        self.pings: list[float] = []
        self.received: list[tuple[float, str]] = []
        self.logins = 0
        self.subscribed: set[str] = set()
        self.outbox: asyncio.Queue[str | bytes | int] = asyncio.Queue()

    @property
    def logged_in(self) -> bool:
        """Whether the socket has a live session."""
        return self.user is not None

    def __repr__(self) -> str:
        return f"Socket(#{self.number}, port={self.port}, logged_in={self.logged_in}, devices={len(self.subscribed)})"


class PushServer:
    """The push endpoint over a `State`: sockets, subscriptions, the knobs (`faults`) and counters (`stats`)."""

    def __init__(self, state: State, faults: PushFaults | None = None) -> None:
        self.state = state
        self.faults = faults or PushFaults(seed=state.config.seed)
        self.stats = PushStats()
        self.sockets: list[Socket] = []
        self._by_did: dict[str, set[Socket]] = {}
        self._refuse_until = 0.0
        self._numbered = 0
        self._ticker: asyncio.Task[None] | None = None
        state.listeners.append(self._on_change)

    # -- outside controls ------------------------------------------------------------------------------
    @property
    def subscriptions(self) -> int:
        """Current (socket, device) subscriptions."""
        return sum(len(s.subscribed) for s in self.sockets)

    def drop(self, sockets: Iterable[Socket] | None = None) -> int:
        """Close these sockets (default: all) at once, as a restarting server would; returns how many."""
        chosen = list(self.sockets if sockets is None else sockets)
        for sock in chosen:
            _discard_pending(sock.outbox)
            sock.outbox.put_nowait(CLOSE_DROPPED)
        return len(chosen)

    def expire(self, sockets: Iterable[Socket] | None = None) -> int:
        """Lose the session of these sockets (default: all): 1009, then 1003 until they log in again."""
        chosen = [s for s in (self.sockets if sockets is None else sockets) if s.logged_in]
        for sock in chosen:
            self._expire(sock)
        return len(chosen)

    def refuse(self, seconds: float) -> None:
        """Refuse new connections (the upgrade fails) for ``seconds`` from now."""
        self._refuse_until = asyncio.get_running_loop().time() + seconds

    def inject(self, frame: str | bytes, sockets: Iterable[Socket] | None = None) -> int:
        """Send ``frame`` as it is (text, or a binary frame for bytes) on these sockets (default: all), to see
        how a client copes with frames it does not expect; returns how many sockets got it."""
        chosen = list(self.sockets if sockets is None else sockets)
        for sock in chosen:
            sock.outbox.put_nowait(frame)
        return len(chosen)

    def burst(self, did: str, count: int) -> int:
        """Push ``count`` notifications of ``did`` at once (its ``counter`` datapoint, when it has one, counting
        up); returns how many frames were queued."""
        device = self.state.device(did)
        sent = 0
        for _ in range(count):
            if "counter" in device.attrs:
                device.attrs["counter"] = (device.attrs["counter"] + 1) % 0x100000000
            sent += self._notify_attrs(did, {"counter": device.attrs["counter"]} if "counter" in device.attrs
                                       else device.attrs)
        return sent

    # -- ASGI ------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one WebSocket connection of the ASGI server."""
        if (await receive())["type"] != "websocket.connect":
            return
        loop = asyncio.get_running_loop()
        self.stats.attempts.append(loop.time())
        if scope.get("path") != PATH or loop.time() < self._refuse_until:
            self.stats.refused += scope.get("path") == PATH
            await send({"type": "websocket.close", "code": 1013})
            return
        await send({"type": "websocket.accept"})
        self._numbered += 1
        sock = Socket(self._numbered, int((scope.get("server") or ("", 0))[1] or 0), loop)
        self.sockets.append(sock)
        self.stats.sockets_opened += 1
        self._start_ticker()
        writer = asyncio.create_task(self._write(sock, send))
        try:
            await self._read(sock, receive, writer)
        finally:
            self._forget(sock)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def _read(self, sock: Socket, receive: Receive, writer: asyncio.Task[None]) -> None:
        loop = asyncio.get_running_loop()
        while not writer.done():
            wait = sock.last_ping + sock.heartbeat_interval - loop.time() if sock.logged_in else None
            try:
                message = await asyncio.wait_for(receive(), wait)
            except TimeoutError:
                self._send(sock, {"cmd": "s2c_invalid_msg", "data": _invalid(NO_HEARTBEAT)})
                sock.outbox.put_nowait(CLOSE_NO_HEARTBEAT)
                sock.user = None
                continue
            if message["type"] == "websocket.disconnect":
                return
            self._on_frame(sock, message.get("text"))

    async def _write(self, sock: Socket, send: Send) -> None:
        while True:
            item = await sock.outbox.get()
            if isinstance(item, int):
                await send({"type": "websocket.close", "code": item})
                return
            if self.faults.frame_delay > 0:
                await asyncio.sleep(self.faults.frame_delay)
            await send({"type": "websocket.send", "bytes": item} if isinstance(item, bytes)
                       else {"type": "websocket.send", "text": item})

    def _forget(self, sock: Socket) -> None:
        self.sockets.remove(sock)
        for did in sock.subscribed:
            self._by_did.get(did, set()).discard(sock)
        sock.subscribed.clear()
        if not self.sockets and self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    # -- frames in -------------------------------------------------------------------------------------
    def _on_frame(self, sock: Socket, text: str | None) -> None:
        frame = _decode(text)
        if frame is None:
            self.stats.frames_in["?"] += 1
            self._send(sock, {"cmd": "s2c_invalid_msg", "data": _invalid(BAD_FRAME)})
            return
        cmd = frame["cmd"]
        self.stats.frames_in[cmd] += 1
        sock.received.append((asyncio.get_running_loop().time(), cmd))
        if self.faults.roll(self.faults.drop_rate):
            self.drop([sock])
            return
        if sock.logged_in and self.faults.roll(self.faults.expire_rate):
            self._expire(sock)
            return
        if cmd == "login_req":
            self._login(sock, frame.get("data"))
            return
        if sock.user is None:
            self._send(sock, {"cmd": "s2c_invalid_msg", "data": _invalid(NOT_LOGGED_IN)})
            return
        handler = self._handlers.get(cmd)
        if handler is None:
            self._send(sock, {"cmd": "s2c_invalid_msg", "data": _invalid(BAD_FRAME, f"unknown command {cmd!r}")})
            return
        try:
            handler(self, sock, sock.user, frame)
        except ApiError as error:
            self._send(sock, {"cmd": "s2c_invalid_msg", "data": {"error_code": error.code, "msg": str(error)}})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self._send(sock, {"cmd": "s2c_invalid_msg", "data": _invalid(BAD_FRAME, f"{cmd}: {exc!r}")})

    def _login(self, sock: Socket, data: Any) -> None:
        user = self._check_login(data)
        if user is None:
            self.stats.login_failures += 1
            self._send(sock, {"cmd": "login_res", "data": {"success": False}})
            return
        delay = self.faults.login_delay
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, self._logged_in, sock, user, data)
        else:
            self._logged_in(sock, user, data)

    def _logged_in(self, sock: Socket, user: User, data: Message) -> None:
        if sock not in self.sockets:
            return  # closed while its login was delayed
        self.stats.logins += 1
        sock.logins += 1
        sock.user = user
        sock.heartbeat_interval = data["heartbeat_interval"]
        sock.last_ping = asyncio.get_running_loop().time()
        self._send(sock, {"cmd": "login_res", "data": {"success": True}})
        if data.get("auto_subscribe", True):
            self._subscribe_all(sock, user.bindings)

    def _check_login(self, data: Any) -> User | None:
        if not isinstance(data, dict) or data.get("appid") != self.state.config.appid:
            return None
        interval = data.get("heartbeat_interval")
        if isinstance(interval, bool) or not isinstance(interval, int) or not 1 <= interval <= MAX_HEARTBEAT:
            return None
        if data.get("p0_type") not in ("attrs_v4", "custom"):
            return None
        try:
            user = self.state.user_for_token(data.get("token"))
        except ApiError:
            return None
        return user if user.uid == data.get("uid") else None

    def _expire(self, sock: Socket) -> None:
        sock.user = None
        self._send(sock, {"cmd": "s2c_invalid_msg", "data": _invalid(SESSION_CLOSED)})

    def _subscribe_all(self, sock: Socket, dids: Iterable[str]) -> tuple[list[Message], list[Message]]:
        user = sock.user
        assert user is not None
        success, failed = [], []
        for did in dids:
            if did in user.bindings:
                sock.subscribed.add(did)
                self._by_did.setdefault(did, set()).add(sock)
                success.append({"did": did, "error_code": 0, "msg": "ok"})
            else:
                failed.append({"did": did, "error_code": 9017, "msg": "device not bound"})
        return success, failed

    def _subscribe(self, sock: Socket, user: User, frame: Message) -> None:
        dids = [str(item["did"]) for item in frame["data"]]
        success, failed = self._subscribe_all(sock, dids)
        self._send(sock, {"cmd": "subscribe_res", "data": {"success": success, "failed": failed}})

    def _read_device(self, sock: Socket, user: User, frame: Message) -> None:
        did = str(frame["data"]["did"])
        device = self.state.device(did)
        if did not in user.bindings:
            raise ApiError(9017, did)
        self._send(sock, _noti(did, self._socket_attrs(device.product_key, device.attrs)))

    def _write_device(self, sock: Socket, user: User, frame: Message) -> None:
        data = frame["data"]
        did = str(data["did"])
        attrs = data["attrs"]
        if not isinstance(attrs, dict) or not attrs:
            raise ApiError(9015, "attrs must be a non-empty object")
        product = self.state.products[self.state.device(did).product_key]
        self.state.control(user, did, {name: _rest_value(product.datapoints.get(name), value)
                                       for name, value in attrs.items()})

    def _raw(self, sock: Socket, user: User, frame: Message) -> None:
        data = frame["data"]
        did, raw = str(data["did"]), data["raw"]
        if not (isinstance(raw, list) and raw and all(type(b) is int and 0 <= b <= 255 for b in raw)):
            raise ApiError(9015, "raw must be a non-empty list of integers 0..255")
        self.state.control_raw(user, did, raw)
        self._send(sock, {"cmd": "s2c_raw", "data": {"did": did, "raw": raw}})

    def _ping(self, sock: Socket, user: User, frame: Message) -> None:
        if self.faults.swallow_pings:
            return
        sock.last_ping = asyncio.get_running_loop().time()
        sock.pings.append(sock.last_ping)
        self._send(sock, {"cmd": "pong"})

    def _ack(self, sock: Socket, user: User, frame: Message) -> None:
        """c2s_ack: the client acknowledged a notification; nothing to do."""

    _handlers: ClassVar[dict[str, Callable[[PushServer, Socket, User, Message], None]]] = {
        "subscribe_req": _subscribe,
        "c2s_read": _read_device,
        "c2s_write": _write_device,
        "c2s_raw": _raw,
        "ping": _ping,
        "c2s_ack": _ack,
    }

    # -- frames out ------------------------------------------------------------------------------------
    def _send(self, sock: Socket, frame: Message) -> None:
        if self.faults.silent:
            return
        self.stats.frames_out[frame["cmd"]] += 1
        sock.outbox.put_nowait(json.dumps(frame, separators=(",", ":")))

    def _socket_attrs(self, product_key: str, attrs: dict[str, Any]) -> dict[str, Any]:
        datapoints = self.state.products[product_key].datapoints
        return {name: _socket_value(datapoints.get(name), value) for name, value in attrs.items()}

    def _notify_attrs(self, did: str, attrs: dict[str, Any]) -> int:
        sockets = self._by_did.get(did)
        if not sockets:
            return 0
        device = self.state.devices[did]
        frame = _noti(did, self._socket_attrs(device.product_key, attrs))
        for sock in sockets:
            if sock.logged_in:
                self._send(sock, frame)
        return len(sockets)

    def _on_change(self, did: str, what: str, value: Any) -> None:
        """A State listener: push what changed to whoever should hear it."""
        if what == "attrs":
            self._notify_attrs(did, value)
        elif what == "online":
            device = self.state.devices[did]
            data = {"did": did, "passcode": device.passcode, "mac": device.mac, "online": value}
            for sock in list(self._by_did.get(did, ())):
                if sock.logged_in:
                    self._send(sock, {"cmd": "s2c_online_status", "data": data})
        elif what == "bound":
            uid, bound = value
            for sock in self.sockets:
                if sock.user is not None and sock.user.uid == uid:
                    self._send(sock, {"cmd": "s2c_binding_changed", "data": {"did": did, "bind": bound}})
                    if not bound:
                        sock.subscribed.discard(did)
                        self._by_did.get(did, set()).discard(sock)

    # -- drift -----------------------------------------------------------------------------------------
    def _start_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        """While sockets are open, let subscribed drifting devices drift (each change is then pushed)."""
        while True:
            await asyncio.sleep(min(1.0, self.state.config.drift_interval / 2))
            self.state.drift_devices(list(self._by_did))


def _decode(text: str | None) -> Message | None:
    if text is None:
        return None
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    return frame if isinstance(frame, dict) and isinstance(frame.get("cmd"), str) else None


def _invalid(code: int, message: str | None = None) -> Message:
    return {"error_code": code, "msg": message or _TEXTS[code]}


def _noti(did: str, attrs: dict[str, Any]) -> Message:
    return {"cmd": "s2c_noti", "data": {"did": did, "attrs": attrs}}


def _socket_value(datapoint: Datapoint | None, value: Any) -> Any:
    """A stored (REST-form) value as the socket carries it: binary hex -> a list of byte values."""
    if datapoint is not None and datapoint.type == "binary" and isinstance(value, str):
        return list(bytes.fromhex(value))
    return value


def _rest_value(datapoint: Datapoint | None, value: Any) -> Any:
    """A socket value in REST form for the state's checks: a list of byte values -> hex."""
    if datapoint is not None and datapoint.type == "binary" and isinstance(value, list):
        if not all(type(b) is int and 0 <= b <= 255 for b in value):
            raise ApiError(9025, f"{datapoint.name}: {value!r} is not a list of bytes")
        return bytes(value).hex()
    return value


def _discard_pending(queue: asyncio.Queue[str | bytes | int]) -> None:
    while not queue.empty():
        queue.get_nowait()
