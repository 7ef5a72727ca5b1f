"""The HTTP face of the emulator: a plain ASGI app translating requests to State calls and back.

No framework: one dispatcher with a small router keeps the hot paths (latest data, control) cheap and gives
the fault knobs the raw control they need (a response cut off mid-body, a proxy's HTML page).
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus
from typing import Any, NoReturn
from urllib.parse import quote

from .binding import BindingRoutes
from .errors import ApiError
from .faults import Faults, RateLimiter
from .history import HistoryRoutes
from .household_routes import HouseholdRoutes
from .limits import Rejected, check_depth, read_body
from .outside import OutsideControls
from .profiles import Profiles, is_profile_update
from .records import Endpoint, endpoint_of
from .routing import JSON, Call, Receive, Reply, Route, Router, Scope, Send, lifespan, send_response
from .scheduler import parse_schedule
from .state import State, User, iso_millis
from .stats import Stats
from .ws import PushServer

logger = logging.getLogger(__name__)

_PROXY_PAGE = (
    "<html>\r\n<head><title>{0} {1}</title></head>\r\n<body>\r\n<center><h1>{0} {1}</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_PROXY_REASONS = {503: "Service Temporarily Unavailable"}  # nginx's wording; the others are the standard ones
HTML = b"text/html; charset=utf-8"
PLAIN = b"text/plain; charset=utf-8"
_NGINX_HTML = b"text/html"


def error_page(status: int, kind: str) -> tuple[bytes, bytes]:
    """A proxy's error page for `status` ("html" or "plain"), without a Gizwits code; (body, content type)."""
    reason = _PROXY_REASONS.get(status) or HTTPStatus(status).phrase
    if kind == "plain":
        return f"{status} {reason}\n".encode(), PLAIN
    return _PROXY_PAGE.format(status, reason).encode(), _NGINX_HTML


def success_content_type(mode: str, method: str) -> bytes:
    """The Content-Type of a success answer under the `content_type` knob (errors are always JSON)."""
    if mode == "html" or (mode == "real" and method == "GET"):
        return HTML
    return JSON


class DroppedConnection(Exception):
    """Raised by the app to cut a connection without a complete response (the drop_rate knob)."""


def _users_post_id(call: Call) -> str:
    data = call.peek()
    for key, endpoint in (("phone_id", "U1"), ("authData", "U5"), ("phone", "U4"), ("email", "U3")):
        if key in data:
            return endpoint
    return "U2"


def _users_put_id(call: Call) -> str:
    data = call.peek()
    if is_profile_update(data):
        return "U12"
    if "old_pwd" in data:
        return "U8"
    if "phone" in data:
        return "U7" if "password" in data else "U10"
    return "U9" if "email" in data and "username" not in data else "U6"


class EmulatorApp:
    """The ASGI application over a State, with the Faults knobs and Stats counters."""

    def __init__(self, state: State, faults: Faults, stats: Stats, push: PushServer | None = None) -> None:
        self.state = state
        self.faults = faults
        self.stats = stats
        self.push = push
        self._limiter = RateLimiter()
        self.profiles = Profiles()
        self.router = Router(
            [
                Route("GET", "/", "", self.index),
                Route("POST", "/app/users", _users_post_id, self.register, "U1-U5"),
                Route("PUT", "/app/users", _users_put_id, self.update_user, "U6-U10, U12"),
                Route("POST", "/app/login", "U11", self.login),
                Route("POST", "/app/request_token", "A1", self.request_token),
                Route("GET", "/app/verify/codes", "V1", self.captcha),
                Route("POST", "/app/verify/codes", "V2", self.send_sms_code),
                Route("PUT", "/app/verify/codes", "V3", self.verify_sms_code),
                Route(
                    "POST",
                    "/app/reset_password",
                    lambda c: "R2" if "phone" in c.peek() else "R1",
                    self.reset_password,
                    "R1-R2",
                ),
                Route("GET", "/app/devdata/{did}/latest", "D1", self.latest),
                Route("GET", "/app/bindings", "D2", self.bindings),
                Route("POST", "/app/bindings", "D3", self.bind),
                Route("DELETE", "/app/bindings", "D4", self.unbind),
                Route("PUT", "/app/bindings/{did}", "B7", self.update_binding),
                Route("GET", "/app/devices/{did}", "DV1", self.device_details),
                Route(
                    "POST",
                    "/app/control/{did}",
                    lambda c: "C2" if "raw" in c.peek() else "C1",
                    self.control,
                    "C1-C2",
                ),
                Route("POST", "/app/scheduler", "S1", self.create_schedule),
                Route("GET", "/app/scheduler", "S2", self.schedules),
                Route("DELETE", "/app/scheduler/{id}", "S3", self.delete_schedule),
                Route("GET", "/app/scheduler/{id}/logs", "S4", self.schedule_logs),
                Route("GET", "/app/datapoint", "DV2", self.datapoint),
                *HouseholdRoutes(state, self._user).routes(),
                *OutsideControls(stats, state, push).routes(),
                *HistoryRoutes(state.history, self._bound_device, state.clock.now).routes(),
                *BindingRoutes(state, self._user, self._endpoint).routes(),
                Route("GET", "/app/users", "U12", self.read_user),
            ]
        )

    # -- ASGI ------------------------------------------------------------------------------------------
    async def _not_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Lifespan events, and the push socket when the emulator serves one (other scopes are ignored)."""
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
        elif scope["type"] == "websocket" and self.push is not None:
            await self.push(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._not_http(scope, receive, send)
            return
        try:
            body = await self._read(scope, receive)
        except Rejected as refusal:
            self.stats.requests["?"] += 1
            await send_response(send, refusal.status, json.dumps(refusal.body()).encode())
            return
        route, params, known = self.router.match(scope["method"], scope["path"])
        if route is None:
            # What a generic web server answers: no Gizwits code for a route that does not exist.
            self.stats.requests["?"] += 1
            missing = HTTPStatus.METHOD_NOT_ALLOWED if known else HTTPStatus.NOT_FOUND
            await send_response(send, missing, f"{missing.value} {missing.phrase}\n".encode(), PLAIN)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        call = Call(
            scope["method"], params, headers, scope.get("query_string", b""), body,
            server=scope.get("server"), scheme=scope.get("scheme", "http"),
        )
        if not route.endpoint:
            status, payload = route.handler(call)
            await send_response(send, status, json.dumps(payload).encode())
            return
        call.endpoint = route.endpoint if isinstance(route.endpoint, str) else route.endpoint(call)
        self._record(call)
        faults = self.faults
        delay = faults.delay()
        if delay > 0:
            await asyncio.sleep(delay)
        if faults.roll(faults.drop_rate):
            await _drop(send, call)
        if faults.inject_error():
            status = faults.next_error_status()
            await self._finish(send, call, status, *error_page(status, faults.error_page))
            return
        status, raw = self._handle(route, call)
        content_type = JSON
        if 200 <= status < 300:
            content_type = success_content_type(self.state.config.content_type, call.method)
            if raw and faults.roll(faults.malformed_rate):
                raw = raw[: len(raw) // 2]
        await self._finish(send, call, status, raw, content_type)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        config = self.state.config
        declared = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-length"), None)
        body = await read_body(receive, declared, max_body=config.max_body, idle_timeout=config.idle_timeout)
        check_depth(body, config.max_json_depth)
        return body

    def _record(self, call: Call) -> None:
        stats = self.stats
        stats.requests[call.endpoint] += 1
        if call.endpoint == "U11":
            stats.logins += 1
        if call.body:
            stats.last_body[call.endpoint] = call.parsed()

    async def _finish(self, send: Send, call: Call, status: int, body: bytes, content_type: bytes) -> None:
        if call.endpoint == "U11" and status >= 400:
            self.stats.login_failures += 1
        await send_response(send, status, body, content_type)

    def _handle(self, route: Route, call: Call) -> tuple[int, bytes]:
        try:
            appid = call.headers.get("x-gizwits-application-id", "")
            if not self.state.config.accepts(appid):
                raise ApiError(9003)
            limit = self.faults.rate_limit
            if limit is not None:
                key = (
                    call.headers.get("x-gizwits-user-token") or call.headers.get("x-gizwits-application-token") or appid
                )
                if not self._limiter.allow(key, limit):
                    raise ApiError(9041)
            self.state.run_due()
            status, payload = route.handler(call)
        except ApiError as error:
            status, payload = error.status, error.body()
        except Exception:
            logger.exception("emulator handler failed")
            status, payload = 500, ApiError(9008).body()
        return status, b"" if payload is None else json.dumps(payload).encode()

    # -- handlers --------------------------------------------------------------------------------------
    def _user(self, call: Call) -> User:
        return self.state.user_for_token(call.headers.get("x-gizwits-user-token"))

    def _bound_device(self, call: Call, did: str) -> None:
        """The caller's token is valid and names a user who bound `did` (else 9004/9006, 9014, 9017)."""
        user = self._user(call)
        self.state.device(did)
        if did not in user.bindings:
            raise ApiError(9017, did)

    def _endpoint(self, call: Call) -> Endpoint:
        """Where this request reached the emulator, unless the config names another push address."""
        config = self.state.config
        served = endpoint_of(call.server, call.headers.get("host"), call.scheme)
        return Endpoint(config.m2m_host or served.host, config.m2m_port or served.port)

    def index(self, call: Call) -> Reply:
        """GET /: who is serving, for humans and for scripts waiting for the server to come up."""
        return 200, {
            "name": "gizwits-async emulator",
            "appid": self.state.config.appid,
            "endpoints": [
                {"id": r.label or r.endpoint, "method": r.method, "path": r.template}
                for r in self.router.routes
                if r.endpoint
            ],
        }

    def register(self, call: Call) -> Reply:
        """POST /app/users (sign-up in its five forms), dispatched on the body's keys."""
        state, endpoint = self.state, call.endpoint
        if endpoint == "U1":
            token = state.register_anonymous(call.text("phone_id"))
        elif endpoint == "U5":
            auth = call.data()["authData"]
            if not isinstance(auth, dict):
                raise ApiError(9015, "authData must be an object")
            call.text("token", auth)
            token = state.register_oauth(call.text("src", auth), call.text("uid", auth))
        elif endpoint == "U4":
            token = state.register_phone(call.text("phone"), call.text("password"), call.text("code"))
        elif endpoint == "U3":
            email = call.text("email")
            if "@" not in email:
                raise ApiError(9015, "email is not an address")
            token = state.register_email(email, call.text("password"))
        else:
            token = state.register_username(call.text("username"), call.text("password"))
        return 201, token.to_wire()

    def update_user(self, call: Call) -> Reply:
        """PUT /app/users (account changes in their five forms, or profile fields), dispatched on the body's keys."""
        user, state, endpoint = self._user(call), self.state, call.endpoint
        if endpoint == "U12":
            self.profiles.update(user, call.data())
        elif endpoint == "U8":
            state.update_password(user, call.text("old_pwd"), call.text("new_pwd"))
        elif endpoint == "U7":
            state.update_phone(user, call.text("phone"), call.text("code"), call.text("password"))
        elif endpoint == "U10":
            state.update_phone(user, call.text("phone"), call.text("code"))
        elif endpoint == "U9":
            state.update_email(user, call.text("email"))
        else:
            state.update_username(user, call.text("username"), call.text("password"))
        return 200, {"updatedAt": iso_millis(state.clock.now())}

    def read_user(self, call: Call) -> Reply:
        """GET /app/users: the signed-in user's profile."""
        return 200, self.profiles.read(self._user(call))

    def login(self, call: Call) -> Reply:
        """POST /app/login."""
        return 200, self.state.login(call.text("username"), call.text("password")).to_wire()

    def request_token(self, call: Call) -> Reply:
        """POST /app/request_token."""
        token, expired_at = self.state.request_app_token(
            call.headers.get("x-gizwits-application-auth"), call.headers.get("x-gizwits-application-id"))
        return 200, {"token": token, "expired_at": expired_at}

    def _app_token(self, call: Call) -> None:
        self.state.check_app_token(call.headers.get("x-gizwits-application-token"))

    def captcha(self, call: Call) -> Reply:
        """GET /app/verify/codes: the captcha "picture" is a data URL holding the configured captcha code."""
        self._app_token(call)
        url = "data:text/plain;charset=utf-8," + quote(self.state.config.captcha_code)
        return 200, {"captcha_id": self.state.new_captcha(), "captcha_url": url}

    def send_sms_code(self, call: Call) -> Reply:
        """POST /app/verify/codes."""
        self._app_token(call)
        self.state.send_sms_code(call.text("captcha_id"), call.text("captcha_code"), call.text("phone"))
        return 201, None

    def verify_sms_code(self, call: Call) -> Reply:
        """PUT /app/verify/codes."""
        self._app_token(call)
        self.state.verify_sms_code(call.text("phone"), call.text("sms_code"))
        return 200, {}

    def reset_password(self, call: Call) -> Reply:
        """POST /app/reset_password, by email or by phone."""
        if call.endpoint == "R2":
            self.state.reset_password_by_phone(call.text("phone"), call.text("code"), call.text("new_pwd"))
        else:
            self.state.reset_password_by_email(call.text("email"))
        return 200, {}

    def latest(self, call: Call) -> Reply:
        """GET /app/devdata/{did}/latest (the vendor page sends no user token)."""
        return 200, self.state.latest(call.params["did"])

    def bindings(self, call: Call) -> Reply:
        """GET /app/bindings."""
        rows = self.state.list_bindings(
            self._user(call),
            show_disabled=call.flag("show_disabled"),
            limit=call.query("limit", 20),
            skip=call.query("skip", 0),
            endpoint=self._endpoint(call),
        )
        return 200, {"devices": rows}

    def device_details(self, call: Call) -> Reply:
        """GET /app/devices/{did}."""
        return 200, self.state.device_details(self._user(call), call.params["did"], endpoint=self._endpoint(call))

    def update_binding(self, call: Call) -> Reply:
        """PUT /app/bindings/{did}: at least one of remark, dev_alias (strings) and dev_label (a list of strings)."""
        user, data = self._user(call), call.data()
        changes: dict[str, Any] = {key: data[key] for key in ("remark", "dev_alias", "dev_label") if key in data}
        if not changes:
            raise ApiError(9015, "give at least one of remark, dev_alias, dev_label")
        labels = changes.get("dev_label", [])
        if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
            raise ApiError(9015, "dev_label must be a list of strings")
        if not all(isinstance(changes.get(key, ""), str) for key in ("remark", "dev_alias")):
            raise ApiError(9015, "remark and dev_alias must be strings")
        return 200, self.state.update_binding(user, call.params["did"], changes)

    def _devices(self, call: Call) -> list[dict[str, Any]]:
        devices = call.data().get("devices")
        if not isinstance(devices, list) or not all(isinstance(d, dict) for d in devices):
            raise ApiError(9015, "devices must be a list of objects")
        return devices

    def bind(self, call: Call) -> Reply:
        """POST /app/bindings."""
        user = self._user(call)
        items = []
        for item in self._devices(call):
            remark = item.get("remark", "")
            if not isinstance(remark, str):
                raise ApiError(9015, "remark must be a string")
            items.append((call.text("did", item), call.text("passcode", item), remark))
        return 200, self.state.bind_devices(user, items)

    def unbind(self, call: Call) -> Reply:
        """DELETE /app/bindings."""
        user = self._user(call)
        return 200, self.state.unbind_devices(user, [call.text("did", item) for item in self._devices(call)])

    def control(self, call: Call) -> Reply:
        """POST /app/control/{did}: attrs or raw bytes."""
        user = self._user(call)
        data, did = call.data(), call.params["did"]
        if call.endpoint == "C2":
            raw = data["raw"]
            if not (
                isinstance(raw, list)
                and raw
                and all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in raw)
            ):
                raise ApiError(9015, "raw must be a non-empty list of integers 0..255")
            self.state.control_raw(user, did, raw)
        else:
            attrs = data.get("attrs")
            if not isinstance(attrs, dict) or not attrs:
                raise ApiError(9015, "attrs must be a non-empty object")
            self.state.control(user, did, attrs)
        return 200, {}

    def datapoint(self, call: Call) -> Reply:
        """GET /app/datapoint: a product's datapoint schema (app id only)."""
        product = self.state.products.get(call.param("product_key") or "")
        if product is None:
            raise ApiError(9002, call.param("product_key") or "")
        return 200, product.to_schema()

    def create_schedule(self, call: Call) -> Reply:
        """POST /app/scheduler."""
        user, state = self._user(call), self.state
        schedule = parse_schedule(call.data(), schedule_id=state.new_schedule_id(), uid=user.uid, now=state.clock.now())
        state.add_schedule(schedule)
        return 201, {"id": schedule.id}

    def schedules(self, call: Call) -> Reply:
        """GET /app/scheduler."""
        user = self._user(call)
        return 200, self.state.list_schedules(user, limit=call.query("limit", 20), skip=call.query("skip", 0))

    def delete_schedule(self, call: Call) -> Reply:
        """DELETE /app/scheduler/{id}."""
        self.state.delete_schedule(self._user(call), call.params["id"])
        return 200, {}

    def schedule_logs(self, call: Call) -> Reply:
        """GET /app/scheduler/{id}/logs."""
        return 200, self.state.user_schedule(self._user(call), call.params["id"]).logs


async def _drop(send: Send, call: Call) -> NoReturn:
    # Promise a body, send a piece of it, then fail: uvicorn closes the socket mid-response, and the
    # in-process transport turns the exception into httpx.RemoteProtocolError.
    start = {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]}
    await send(start)
    await send({"type": "http.response.body", "body": b'{"did": "', "more_body": True})
    raise DroppedConnection(call.endpoint)
