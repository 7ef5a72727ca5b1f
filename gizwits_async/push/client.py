"""`Push`: the M2M WebSocket push API of one session, over one socket per m2m endpoint of its devices."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

import aiohttp

from ..errors import APIError, GizwitsError, SessionClosedError, TokenError, ValidationError
from ..models import Device, Token
from ..transport.base import OpensWebSockets
from ..validation import check_did, check_raw
from . import frames
from .buffer import EventBuffer
from .connection import Connection, PushSettings
from .events import AttrsEvent, PushEvent, PushStats, SubscribeResult

if TYPE_CHECKING:
    from ..session import Session

__all__ = ["Push", "socket_url"]

PATH = "/ws/app/v1"


def socket_url(device: Device, *, secure: bool) -> str:
    """Where ``device``'s news are pushed: ``wss://host:wss_port/ws/app/v1`` (``ws://host:ws_port`` when not
    ``secure``), from the device's own record."""
    port = device.wss_port if secure else device.ws_port
    if not device.host or port is None:
        raise ValidationError(f"device {device.did} has no push address (host and {'wss' if secure else 'ws'}_port)")
    host = f"[{device.host}]" if ":" in device.host and not device.host.startswith("[") else device.host  # IPv6
    return f"{'wss' if secure else 'ws'}://{host}:{port}{PATH}"


class Push:
    """Live news of a session's devices over the M2M WebSocket API: ``async with session.push() as push``.

    One socket per (host, port) of the subscribed devices, opened on the first subscription to it and kept
    alive (ping, silence watchdog, re-login, reconnect with backoff, resubscribe and re-read) until the
    ``async with`` block ends. ``async for event in push`` yields `PushEvent`s in arrival order; a consumer
    slower than the pushes gets the newest state per device instead of an ever-growing backlog (see
    `stats`: ``coalesced`` and ``dropped``).
    """

    def __init__(self, session: Session, settings: PushSettings) -> None:
        self.session = session
        self.settings = settings
        self.appid = session.appid
        self.stats = PushStats()
        self._buffer = EventBuffer(settings.max_events, self.stats)
        self._secure = session.base_url.startswith("https:")
        self._connections: dict[str, Connection] = {}
        self._by_did: dict[str, Connection] = {}
        self._records: dict[str, Device] = {}
        self._client: aiohttp.ClientSession | None = None
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every socket, stop every task, end ``async for``; no connection is attempted afterwards."""
        self._closed = True
        connections = list(self._connections.values())
        self._connections.clear()
        self._by_did.clear()
        try:
            await asyncio.gather(*(connection.close() for connection in connections))
        finally:
            self._buffer.close()
            client, self._client = self._client, None
            if client is not None:
                await client.close()

    @property
    def connected(self) -> bool:
        """Whether every socket this push needs is logged in."""
        return all(connection.ready.is_set() for connection in self._connections.values())

    def is_live(self, did: str) -> bool:
        """Whether ``did``'s socket is logged in (its news arrive as they happen)."""
        connection = self._by_did.get(did)
        return connection is not None and connection.ready.is_set()

    def record(self, did: str) -> Device | None:
        """The device record ``did`` was subscribed with (given, or read from the bindings list), or None."""
        return self._records.get(did)

    def url_of(self, did: str) -> str | None:
        """The socket URL ``did`` is subscribed on, or None."""
        connection = self._by_did.get(did)
        return connection.url if connection is not None else None

    # -- what connections need -----------------------------------------------------------------------------
    def client(self) -> aiohttp.ClientSession:
        """The aiohttp session the sockets are opened with: the transport's (the aiohttp pool, the one lent to
        the session, or the fast transport's, with its TLS setting); one of this push's own when the session
        sends through an httpx client."""
        if self.session.closed:
            raise SessionClosedError("the session is closed")
        transport = self.session._transport
        if isinstance(transport, OpensWebSockets):
            return transport.websocket_client()
        if self._client is None:
            self._client = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        return self._client

    def emit(self, event: PushEvent) -> None:
        """Hand an event to the consumer; datapoint values decoded by the product's schema when the session knows
        it, as REST readings are."""
        if isinstance(event, AttrsEvent):
            product = self.session.product_of(event.did)
            if product is not None:
                event = AttrsEvent(event.did, event.at, product.decode(event.attrs))
        self._buffer.put(event)

    async def token(self) -> Token:
        """The session's user token (renewed first when it is due)."""
        return await self.session._auth.current()

    async def renew(self, rejected: Token) -> Token:
        """The push server refused ``rejected``: renew it through the session's single-flight renewal."""
        return await self.session._auth.renew_after_rejection(
            rejected, TokenError("the push server refused the user token", code=None))

    # -- subscriptions -------------------------------------------------------------------------------------
    async def subscribe(self, devices: Iterable[Device | str]) -> SubscribeResult:
        """Receive the news of ``devices`` (records, or dids looked up in the bindings list); returns after the
        servers answered, with the refused devices in ``failed``. Each accepted device's current state follows
        as an `AttrsEvent`. While a socket cannot be opened this waits for it (bound it with `asyncio.timeout`,
        or use `want`)."""
        targets, failed = await self._place(devices)
        answers = await asyncio.gather(*(connection.subscribe(dids) for connection, dids in targets.items()))
        success = []
        for answer in answers:
            for did, why in answer.items():
                if why is None:
                    success.append(did)
                else:
                    failed[did] = why
                    self._by_did.pop(did, None)
        return SubscribeResult(success, failed)

    async def want(self, devices: Iterable[Device | str]) -> SubscribeResult:
        """Like `subscribe`, without waiting for the servers: returns the devices that have no push address."""
        targets, failed = await self._place(devices)
        for connection, dids in targets.items():
            connection.wanted.update(dict.fromkeys(dids))
            connection.start()
        return SubscribeResult([did for dids in targets.values() for did in dids], failed)

    async def _place(
        self, devices: Iterable[Device | str]
    ) -> tuple[dict[Connection, list[str]], dict[str, GizwitsError]]:
        if self._closed:
            raise SessionClosedError("the push is closed")
        items = [devices] if isinstance(devices, str | Device) else list(devices)
        records = [item for item in items if isinstance(item, Device)]
        dids = [check_did(item) for item in items if not isinstance(item, Device)]
        for record in records:
            self._records[record.did] = record
        if any(did not in self._records for did in dids):
            self._records.update({device.did: device async for device in self.session.iter_bindings()})
        targets: dict[Connection, list[str]] = {}
        failed: dict[str, GizwitsError] = {}
        for did in [record.did for record in records] + dids:
            known = self._records.get(did)
            if known is None:
                failed[did] = APIError("the device is not bound to this user", code=9017)
                continue
            try:
                url = socket_url(known, secure=self._secure)
            except ValidationError as exc:
                failed[did] = exc
                continue
            connection = self._connections.get(url)
            if connection is None:
                connection = self._connections[url] = Connection(url, self)
            self._by_did[did] = connection
            targets.setdefault(connection, []).append(did)
        return targets, failed

    # -- commands ------------------------------------------------------------------------------------------
    def _connection(self, did: str) -> Connection:
        connection = self._by_did.get(check_did(did))
        if connection is None:
            raise ValidationError(f"device {did} is not subscribed on this push: subscribe() it first")
        return connection

    def _wait(self) -> float:
        """How long a command waits for its socket to be logged in: the session's read timeout."""
        return self.session.timeout.request or 10.0

    async def read(self, did: str, names: Sequence[str] | None = None) -> None:
        """``c2s_read``: ask for ``did``'s current values (``names`` only: for variable-length products); the
        answer arrives as an `AttrsEvent`."""
        if names is not None and (isinstance(names, str) or not all(isinstance(n, str) and n for n in names)):
            raise ValidationError(f"names must be a sequence of datapoint names, got {names!r}")
        await self._connection(did).send(frames.read_frame(did, names), self._wait())

    async def write(self, did: str, attrs: Mapping[str, Any]) -> None:
        """``c2s_write``: set datapoints, with the same checks as `Session.control`; the device's new state
        arrives as an `AttrsEvent`."""
        connection = self._connection(did)
        wire = self.session.check_attrs(did, attrs, encoding="push")
        await connection.send(frames.write_frame(did, wire), self._wait())

    async def write_raw(self, did: str, data: bytes | Sequence[int]) -> None:
        """``c2s_raw``: send transparent bytes to the device."""
        connection = self._connection(did)
        await connection.send(frames.raw_frame(did, check_raw(data)), self._wait())

    # -- events --------------------------------------------------------------------------------------------
    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> PushEvent:
        return await self._buffer.get()

    def __repr__(self) -> str:
        return f"Push(sockets={len(self._connections)}, devices={len(self._by_did)}, connected={self.connected})"
