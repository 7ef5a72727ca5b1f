"""The emulator's plumbing: ASGI types, the request as handlers see it, a small router, ASGI I/O helpers."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .errors import ApiError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Reply = tuple[int, Any]  # HTTP status and a JSON payload (None: an empty body)

JSON = b"application/json"
_UNSET: Any = object()


@dataclass(slots=True)
class Call:
    """One request as the handlers see it."""

    method: str
    params: dict[str, str]
    headers: dict[str, str]
    query_string: bytes
    body: bytes
    endpoint: str = ""
    #: The ASGI ``server`` (the address the request arrived on) and URL scheme.
    server: tuple[str, int | None] | None = None
    scheme: str = "http"
    _data: Any = field(default=_UNSET)

    def parsed(self) -> Any:
        """The parsed JSON body; None when the body is empty or not JSON."""
        if self._data is _UNSET:
            try:
                self._data = json.loads(self.body) if self.body else None
            except ValueError:
                self._data = None
        return self._data

    def data(self) -> dict[str, Any]:
        """The JSON body as an object, or 9015."""
        data = self.parsed()
        if not isinstance(data, dict):
            raise ApiError(9015, "the body must be a JSON object")
        return data

    def peek(self) -> dict[str, Any]:
        """The JSON body as an object, or {} when it is not one."""
        try:
            return self.data()
        except ApiError:
            return {}

    def text(self, name: str, source: dict[str, Any] | None = None) -> str:
        """A required non-empty string field of the body (or of `source`), or 9015."""
        value = (self.data() if source is None else source).get(name)
        if not isinstance(value, str) or not value:
            raise ApiError(9015, f"{name} must be a non-empty string")
        return value

    def query(self, name: str, default: int) -> int:
        """A non-negative integer query parameter, or 9015."""
        for key, value in parse_qsl(self.query_string.decode("latin-1")):
            if key == name:
                if not (value.isascii() and value.isdigit() and len(value) <= 18):
                    raise ApiError(9015, f"{name} must be a non-negative integer")
                return int(value)
        return default

    def param(self, name: str) -> str | None:
        """A query parameter as text (None when absent)."""
        return next((v for k, v in parse_qsl(self.query_string.decode("latin-1")) if k == name), None)

    def flag(self, name: str) -> bool:
        """A boolean query parameter (1/true)."""
        pairs = parse_qsl(self.query_string.decode("latin-1"))
        return any(k == name and v.lower() in ("1", "true") for k, v in pairs)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    """A method and path template, the endpoint id(s) it serves (docs/endpoints.md), and its handler."""

    method: str
    template: str
    endpoint: str | Callable[[Call], str]  # "" for the index, which is neither counted nor faulted
    handler: Handler
    label: str = ""


class Router:
    """Static paths by dict lookup, templated ones by regex."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self._static: dict[str, dict[str, Route]] = {}
        self._dynamic: list[tuple[re.Pattern[str], dict[str, Route]]] = []
        patterns: dict[str, dict[str, Route]] = {}
        for route in routes:
            if "{" in route.template:
                patterns.setdefault(route.template, {})[route.method] = route
            else:
                self._static.setdefault(route.template, {})[route.method] = route
        for template, methods in patterns.items():
            regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
            self._dynamic.append((re.compile(regex + "$"), methods))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, path params, whether the path exists at all)."""
        methods = self._static.get(path)
        if methods is not None:
            return methods.get(method), {}, True
        for regex, methods in self._dynamic:
            found = regex.match(path)
            if found:
                return methods.get(method), found.groupdict(), True
        return None, {}, False


async def send_response(send: Send, status: int, body: bytes, content_type: bytes = JSON) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
