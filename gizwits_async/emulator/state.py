"""The emulated service's domain: users, tokens, codes, products, devices, bindings and schedules.

Pure Python, no HTTP: every refusal is an ApiError carrying its Gizwits code. Helpers for tests (add_user,
add_device, bind, set_online, revoke_tokens, change_password, ...) act as "something happened elsewhere".
"""

from __future__ import annotations

import hashlib
import heapq
import random
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .clock import Clock
from .config import EmulatorConfig
from .datapoints import Product, demo_product, load_product
from .device_tasks import TaskBook
from .errors import ApiError
from .groups import GroupBook
from .history import History
from .records import Endpoint, device_record
from .scenes import SceneBook
from .scheduler import Command, Schedule, iso_seconds
from .sharing import SharingDesk
from .timers import Timers

OAUTH_SOURCES = ("baidu", "sina", "qq")
#: The names seeded devices get, as users name theirs; the eleventh device is "Living room 2".
ALIASES = ("Living room", "Kitchen", "Bedroom", "Office", "Hall", "Garage", "Bathroom", "Nursery", "Attic", "Cellar")
DEMO_PRODUCT_NAME = "Demo Device"
_DID_ALPHABET = string.ascii_letters + string.digits


@dataclass
class Binding:
    """One user's binding of a device: what that user calls it and their role (all per user)."""

    remark: str = ""
    dev_alias: str = ""
    dev_label: list[str] = field(default_factory=list)
    role: str = "owner"


@dataclass
class User:
    """A Gizwits account; `bindings` maps a bound did to the user's Binding, in bind order."""

    uid: str
    username: str | None = None
    password: str | None = None
    email: str | None = None
    phone: str | None = None
    phone_id: str | None = None
    oauth: tuple[str, str] | None = None
    bindings: dict[str, Binding] = field(default_factory=dict)


@dataclass
class Token:
    """A user token, as sign-up (POST /app/users) and POST /app/login answer it."""

    token: str
    uid: str
    expire_at: float

    def to_wire(self) -> dict[str, Any]:
        """`{"uid", "token", "expire_at"}`, expire_at in whole Unix seconds."""
        return {"uid": self.uid, "token": self.token, "expire_at": int(self.expire_at)}


@dataclass
class Device:
    """A virtual device. `updated_at` is 0 until it first reports; `commands` counts accepted controls.

    `alias` is the name a binding starts with (a user changes theirs with PUT /app/bindings/{did});
    `state_last_timestamp` is when it last came online or went offline (Unix seconds). The firmware and
    protocol fields carry what real devices report.
    """

    did: str
    product_key: str
    mac: str
    passcode: str
    online: bool = True
    attrs: dict[str, Any] = field(default_factory=dict)
    updated_at: int = 0
    is_disabled: bool = False
    type: str = "normal"
    drift: bool = False
    next_drift: float = 0.0
    commands: int = 0
    last_raw: list[int] | None = None
    alias: str = ""
    state_last_timestamp: int = 0
    is_sandbox: bool = False
    protoc: int = 3
    proto_ver: str = "04"
    wifi_soft_version: str = "04020024"
    wifi_hard_version: str = "00ESP826"
    mcu_soft_version: str = "04000003"
    mcu_hard_version: str = "04000003"
    gw_did: str | None = None
    is_low_power: bool = False
    sleep_duration: int = 0
    #: Which of the push endpoint's ports serves the device (devices are spread over them in turn).
    push_slot: int = 0


class State:
    """The whole service state, seeded from an EmulatorConfig."""

    def __init__(self, config: EmulatorConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.rng = random.Random(config.seed)
        self.products: dict[str, Product] = {}
        self.product_names: dict[str, str] = {}
        self.devices: dict[str, Device] = {}
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self._user_tokens: dict[str, dict[str, Token]] = {}  # uid -> its tokens, oldest first
        self._next_sweep = 0.0
        self.app_tokens: dict[str, float] = {}
        self.captchas: set[str] = set()
        self.sms_codes: dict[str, tuple[str, float]] = {}  # phone -> (code, expires at)
        self.schedules: dict[str, Schedule] = {}
        self._due: list[tuple[float, int, str]] = []  # heap of (due, sequence, schedule id)
        self._sequence = 0
        #: Called with (did, what, value) after a device changed: "attrs" (the changed values), "online" (bool),
        #: "bound" ((uid, bool)). The push endpoint listens here.
        self.listeners: list[Callable[[str, str, Any], None]] = []
        #: The ports the emulator serves on (set when it is served): devices' push addresses spread over them.
        self.push_ports: list[int] = []
        self.timers = Timers()  # the later work of device tasks and scenes
        self.sharing = SharingDesk(self)
        self.groups = GroupBook(self)
        self.tasks = TaskBook(self)
        self.scenes = SceneBook(self)
        self.history = History()
        product = (load_product(config.product_file, secret=config.product_secret) if config.product_file
                   else demo_product(config.product_key, config.product_secret))
        self.default_product = self.add_product(product, name=None if config.product_file else DEMO_PRODUCT_NAME).key
        self.add_user(config.username, config.password)
        for _ in range(config.devices):
            self.bind(config.username, self.add_device(drift=config.drift).did)
        for seeded in config.users:
            self.add_user(seeded.username, seeded.password, email=seeded.email, phone=seeded.phone)
            for _ in range(seeded.devices):
                self.bind(seeded.username, self.add_device(drift=config.drift).did)

    # -- ids -------------------------------------------------------------------------------------------
    def _hex(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def _text(self, alphabet: str, size: int) -> str:
        return "".join(self.rng.choices(alphabet, k=size))

    # -- users and tokens ------------------------------------------------------------------------------
    def _find(self, **fields: object) -> User | None:
        ((key, value),) = fields.items()
        return next((u for u in self.users.values() if getattr(u, key) == value), None)

    def _new_user(self, **fields: Any) -> User:
        user = User(uid=self._hex(), **fields)
        self.users[user.uid] = user
        return user

    def issue_token(self, user: User) -> Token:
        """A fresh token for `user`, valid for the configured lifetime.

        Memory stays bounded: tokens expired for longer than `expired_token_grace` are forgotten, and a user
        holding `max_tokens_per_user` live tokens loses the oldest one.
        """
        now = self.clock.now()
        self._forget_expired(now)
        mine = self._user_tokens.setdefault(user.uid, {})
        live = [value for value, held in mine.items() if held.expire_at > now]
        for value in live[: max(0, len(live) - self.config.max_tokens_per_user + 1)]:
            self._forget(value)
        token = Token(self._hex(), user.uid, now + self.config.token_ttl)
        self.tokens[token.token] = token
        mine[token.token] = token
        return token

    def _forget_expired(self, now: float) -> None:
        """Forget the tokens expired for longer than the grace period (all of them at most once a period)."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.config.expired_token_grace
        cutoff = now - self.config.expired_token_grace
        for value in [value for value, token in self.tokens.items() if token.expire_at <= cutoff]:
            self._forget(value)

    def _forget(self, value: str) -> None:
        token = self.tokens.pop(value)
        mine = self._user_tokens[token.uid]
        del mine[value]
        if not mine:
            del self._user_tokens[token.uid]

    def user_for_token(self, value: str | None) -> User:
        """The user a token belongs to: 9004 when unknown or revoked, 9006 when expired."""
        token = self.tokens.get(value) if value else None
        if token is None:
            raise ApiError(9004)
        if self.clock.now() >= token.expire_at:
            raise ApiError(9006)
        return self.users[token.uid]

    def register_anonymous(self, phone_id: str) -> Token:
        """Anonymous sign-up: the same phone_id always maps to the same user."""
        user = self._find(phone_id=phone_id) or self._new_user(phone_id=phone_id)
        return self.issue_token(user)

    def register_username(self, username: str, password: str) -> Token:
        """Sign-up by username."""
        self._check_free(username=username)
        return self.issue_token(self._new_user(username=username, password=password))

    def register_email(self, email: str, password: str) -> Token:
        """Sign-up by email."""
        self._check_free(email=email)
        return self.issue_token(self._new_user(email=email, password=password))

    def register_phone(self, phone: str, password: str, code: str) -> Token:
        """Sign-up by phone: needs the SMS code sent to `phone`."""
        self._check_free(phone=phone)
        self.verify_sms_code(phone, code)
        return self.issue_token(self._new_user(phone=phone, password=password))

    def register_oauth(self, src: str, uid: str) -> Token:
        """Sign-up by OAuth: the same (src, uid) always maps to the same user."""
        if src not in OAUTH_SOURCES:
            raise ApiError(9015, f"authData.src must be one of {', '.join(OAUTH_SOURCES)}")
        user = self._find(oauth=(src, uid)) or self._new_user(oauth=(src, uid))
        return self.issue_token(user)

    def login(self, login: str, password: str) -> Token:
        """Login: `login` may be a username, an email or a phone."""
        user = self._find(username=login) or self._find(email=login) or self._find(phone=login)
        if user is None:
            raise ApiError(9005)
        if user.password is None or user.password != password:
            raise ApiError(9020)
        return self.issue_token(user)

    def _check_free(self, **fields: str) -> None:
        ((key, value),) = fields.items()
        if self._find(**fields) is not None:
            raise ApiError({"username": 9019, "email": 9022, "phone": 9018}[key], f"{key} {value!r} is taken")

    def update_username(self, user: User, username: str, password: str) -> None:
        """Name an (anonymous) user."""
        if user.username != username:
            self._check_free(username=username)
        user.username, user.password = username, password

    def update_phone(self, user: User, phone: str, code: str, password: str | None = None) -> None:
        """Give a user a phone (with a password, or changing it): needs the SMS code sent to the new phone."""
        if user.phone != phone:
            self._check_free(phone=phone)
        self.verify_sms_code(phone, code)
        user.phone = phone
        if password is not None:
            user.password = password

    def update_password(self, user: User, old: str, new: str) -> None:
        """Change the password: 9020 when `old` is wrong."""
        if user.password != old:
            raise ApiError(9020)
        user.password = new

    def update_email(self, user: User, email: str) -> None:
        """Change the email."""
        if user.email != email:
            self._check_free(email=email)
        user.email = email

    def reset_password_by_email(self, email: str) -> None:
        """Password reset by email: the emulator sends no mail; it only checks that the user exists."""
        if self._find(email=email) is None:
            raise ApiError(9005)

    def reset_password_by_phone(self, phone: str, code: str, new_password: str) -> None:
        """Password reset by phone, with the SMS code."""
        user = self._find(phone=phone)
        if user is None:
            raise ApiError(9005)
        self.verify_sms_code(phone, code)
        user.password = new_password

    # -- app token and verification codes --------------------------------------------------------------
    def request_app_token(self, signature: str | None, appid: str | None = None) -> tuple[str, int]:
        """The app token: `signature` must be md5(appid + app_secret) in lowercase hex; returns (token, expired_at).

        `appid` is the request's (default: the configured one); every accepted appid shares the app secret.
        """
        expected = hashlib.md5(((appid or self.config.appid) + self.config.app_secret).encode()).hexdigest()
        if signature != expected:
            raise ApiError(9038)
        token, expires = self._hex(), self.clock.now() + self.config.app_token_ttl
        self.app_tokens[token] = expires
        return token, int(expires)

    def check_app_token(self, value: str | None) -> None:
        """9004 when unknown, 9006 when expired."""
        expires = self.app_tokens.get(value) if value else None
        if expires is None:
            raise ApiError(9004)
        if self.clock.now() >= expires:
            raise ApiError(9006)

    def new_captcha(self) -> str:
        """A captcha id; its answer is the configured captcha code."""
        captcha_id = self._hex()
        self.captchas.add(captcha_id)
        return captcha_id

    def send_sms_code(self, captcha_id: str, captcha_code: str, phone: str) -> None:
        """Solving the captcha (single use) sends the configured SMS code to `phone`."""
        if captcha_id not in self.captchas or captcha_code != self.config.captcha_code:
            raise ApiError(9010, "wrong captcha")
        self.captchas.discard(captcha_id)
        self.issue_sms_code(phone)

    def issue_sms_code(self, phone: str) -> str:
        """Record the SMS code for `phone` as if sent now (a test helper too); returns the code."""
        self.sms_codes[phone] = (self.config.sms_code, self.clock.now() + self.config.code_ttl)
        return self.config.sms_code

    def verify_sms_code(self, phone: str, code: str) -> None:
        """Check an SMS code: 9010 when no code was sent or it differs, 9009 when it expired."""
        sent = self.sms_codes.get(phone)
        if sent is None or sent[0] != code:
            raise ApiError(9010)
        if self.clock.now() >= sent[1]:
            raise ApiError(9009)

    # -- devices and bindings --------------------------------------------------------------------------
    def device(self, did: str) -> Device:
        """The device `did`, or 9014."""
        device = self.devices.get(did)
        if device is None:
            raise ApiError(9014, did)
        return device

    def latest(self, did: str) -> dict[str, Any]:
        """The device's last report (`attr` empty and `updated_at` 0 when it never reported)."""
        device = self.device(did)
        if device.drift:
            self._drift(device)
        if not device.updated_at:
            return {"did": did, "updated_at": 0, "attr": {}}
        return {"did": did, "updated_at": device.updated_at, "attr": device.attrs}

    def _drift(self, device: Device) -> None:
        now = self.clock.now()
        if now < device.next_drift or not device.online:
            return
        changed = {}
        for dp in self.products[device.product_key].datapoints.values():
            if not dp.writable and dp.type in ("uint8", "uint16", "uint32"):
                changed[dp.name] = dp.nudged(device.attrs[dp.name], self.rng.choice((-1, 1)))
        device.attrs.update(changed)
        self.history.report(device.did, changed, now)
        device.updated_at = int(now)
        device.next_drift = now + self.config.drift_interval
        self._tell(device.did, "attrs", changed)

    def drift_devices(self, dids: Iterable[str]) -> None:
        """Let those of ``dids`` that drift and are due do so now (the push endpoint's ticker calls this)."""
        for did in dids:
            device = self.devices.get(did)
            if device is not None and device.drift:
                self._drift(device)

    def _tell(self, did: str, what: str, value: Any) -> None:
        for listener in self.listeners:
            listener(did, what, value)

    def _record(self, device: Device, binding: Binding, endpoint: Endpoint) -> dict[str, Any]:
        name = self.product_names.get(device.product_key, device.product_key)
        if endpoint.port in self.push_ports:  # reached on one of the served ports: spread devices over them
            endpoint = Endpoint(endpoint.host, self.push_ports[device.push_slot % len(self.push_ports)])
        return device_record(device, binding, name, endpoint)

    def list_bindings(
        self, user: User, *, show_disabled: bool, limit: int, skip: int, endpoint: Endpoint
    ) -> list[dict[str, Any]]:
        """The user's devices in bind order, disabled ones only with `show_disabled`.

        `endpoint` is where the emulator serves: the records' push address.
        """
        rows = []
        for did, binding in user.bindings.items():
            device = self.devices[did]
            if device.is_disabled and not show_disabled:
                continue
            rows.append(self._record(device, binding, endpoint))
        return rows[skip : skip + limit]

    def _bound(self, user: User, did: str) -> tuple[Device, Binding]:
        device = self.device(did)
        binding = user.bindings.get(did)
        if binding is None:
            raise ApiError(9017, did)
        return device, binding

    def device_details(self, user: User, did: str, *, endpoint: Endpoint) -> dict[str, Any]:
        """The record of one device the user has bound (9014 unknown, 9017 not bound)."""
        return self._record(*self._bound(user, did), endpoint)

    def update_binding(self, user: User, did: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change the user's remark, dev_alias and/or dev_label of `did`; returns the three as now set."""
        _, binding = self._bound(user, did)
        for key, value in changes.items():
            setattr(binding, key, list(value) if key == "dev_label" else value)
        return {"remark": binding.remark, "dev_alias": binding.dev_alias, "dev_label": list(binding.dev_label)}

    def bind_devices(self, user: User, requests: Iterable[tuple[str, str, str]]) -> dict[str, list[str]]:
        """Bind (did, passcode, remark) items; an unknown did or a wrong passcode lands in `failed`."""
        result: dict[str, list[str]] = {"success": [], "failed": []}
        for did, passcode, remark in requests:
            device = self.devices.get(did)
            if device is None or device.passcode != passcode:
                result["failed"].append(did)
                continue
            user.bindings[did] = Binding(remark, device.alias)
            self.sharing.bound(user, did)
            result["success"].append(did)
            self._tell(did, "bound", (user.uid, True))
        return result

    def unbind_devices(self, user: User, dids: Iterable[str]) -> dict[str, list[str]]:
        """Unbind: a did the user has not bound lands in `failed`."""
        result: dict[str, list[str]] = {"success": [], "failed": []}
        for did in dids:
            bound = user.bindings.pop(did, None) is not None
            if bound:
                self.sharing.unbound(user, did)
            result["success" if bound else "failed"].append(did)
            if bound:
                self._tell(did, "bound", (user.uid, False))
        return result

    def _controllable(self, user: User, did: str) -> Device:
        device, _ = self._bound(user, did)
        if device.is_disabled:
            raise ApiError(9023, did)
        return device

    def control(self, user: User, did: str, attrs: dict[str, Any], *, at: float | None = None) -> None:
        """Control by datapoints: checked against the product, then the device (if online) takes and reports them."""
        device = self._controllable(user, did)
        checked = self.products[device.product_key].check_write(attrs)
        if not device.online:
            raise ApiError(9042, did)
        device.attrs.update(checked)
        device.updated_at = int(self.clock.now() if at is None else at)
        device.commands += 1
        self._tell(did, "attrs", checked)
        self.history.control(did, user.uid, attrs, self.clock.now() if at is None else at)

    def control_raw(self, user: User, did: str, raw: list[int]) -> None:
        """Control by raw bytes: they reach an online bound device unchanged."""
        device = self._controllable(user, did)
        if not device.online:
            raise ApiError(9042, did)
        device.last_raw = raw
        device.commands += 1
        self.history.control(did, user.uid, raw, self.clock.now())

    # -- schedules -------------------------------------------------------------------------------------
    def new_schedule_id(self) -> str:
        """An id for a schedule about to be created."""
        return self._hex()

    def add_schedule(self, schedule: Schedule) -> None:
        """Store a parsed schedule and plan its first run."""
        self.schedules[schedule.id] = schedule
        self._plan(schedule, schedule.next_occurrence(self.clock.now()))

    def list_schedules(self, user: User, *, limit: int, skip: int) -> list[dict[str, Any]]:
        """The user's schedules in creation order."""
        mine = [s.to_wire() for s in self.schedules.values() if s.uid == user.uid]
        return mine[skip : skip + limit]

    def user_schedule(self, user: User, schedule_id: str) -> Schedule:
        """The user's schedule, or 9030."""
        schedule = self.schedules.get(schedule_id)
        if schedule is None or schedule.uid != user.uid:
            raise ApiError(9030, schedule_id)
        return schedule

    def delete_schedule(self, user: User, schedule_id: str) -> None:
        """Delete a schedule."""
        del self.schedules[self.user_schedule(user, schedule_id).id]

    def _plan(self, schedule: Schedule, when: float | None) -> None:
        schedule.due = when
        if when is not None:
            self._sequence += 1
            heapq.heappush(self._due, (when, self._sequence, schedule.id))

    def run_due(self) -> int:
        """Run every schedule (and retry) due by the clock's now, in time order; returns how many ran."""
        ran = 0
        now = self.clock.now()
        while self._due and self._due[0][0] <= now:
            when, _, schedule_id = heapq.heappop(self._due)
            schedule = self.schedules.get(schedule_id)
            if schedule is not None and schedule.due == when:
                self._fire(schedule, when)
                ran += 1
        return ran + self.timers.run_due(now)

    def _fire(self, schedule: Schedule, when: float) -> None:
        if schedule.retrying is None:
            schedule.occurrence, schedule.retries_left = when, schedule.retry_count
        commands = schedule.retrying or schedule.task
        user = self.users[schedule.uid]
        detail: dict[str, bool] = {}
        failed: list[Command] = []
        for command in commands:
            try:
                self.control(user, command.did, command.attrs, at=when)
                ok = True
            except ApiError:
                ok = False
                failed.append(command)
            detail[command.did] = detail.get(command.did, True) and ok
        status = "failed" if failed else "succeed"
        schedule.logs.append({"datetime": iso_seconds(when), "status": status, "detail": detail})
        if failed and schedule.retries_left > 0:
            schedule.retries_left -= 1
            schedule.retrying = failed if schedule.retry_task == "failed" else schedule.task
            self._plan(schedule, when + self.config.retry_interval)
        else:
            schedule.retrying = None
            self._plan(schedule, schedule.next_occurrence(schedule.occurrence + 1))

    # -- helpers for tests ("it happened elsewhere") ---------------------------------------------------
    def add_product(self, product: Product, *, name: str | None = None) -> Product:
        """Register a product (its datapoint schema); `name` is the product_name records carry (default: the
        product's own name, else its key)."""
        if name:
            product.name = name
        self.products[product.key] = product
        self.product_names[product.key] = product.name or product.key
        return product

    def add_user(self, username: str, password: str, *, email: str | None = None, phone: str | None = None) -> User:
        """Create a named user directly."""
        return self._new_user(username=username, password=password, email=email, phone=phone)

    def user(self, username: str) -> User:
        """The user with this username or uid (KeyError when none)."""
        user = self.users.get(username) or self._find(username=username)
        if user is None:
            raise KeyError(username)
        return user

    def add_device(
        self,
        did: str | None = None,
        product_key: str | None = None,
        *,
        online: bool = True,
        passcode: str | None = None,
        attrs: dict[str, Any] | None = None,
        drift: bool = False,
        alias: str | None = None,
    ) -> Device:
        """Create a device; an online one has reported its attrs (product defaults updated by `attrs`).

        `alias` is the name its bindings start with (default: a room name, numbered past the tenth device).
        """
        product = self.products[product_key or self.default_product]
        if alias is None:
            turn, index = divmod(len(self.devices), len(ALIASES))
            alias = ALIASES[index] + (f" {turn + 1}" if turn else "")
        device = Device(
            did=did or self._text(_DID_ALPHABET, 22),
            product_key=product.key,
            mac=self._text("0123456789abcdef", 12),
            passcode=passcode or self._text(string.ascii_uppercase, 10),
            online=online,
            attrs=product.default_attrs() | (attrs or {}),
            updated_at=int(self.clock.now()) if online else 0,
            drift=drift,
            next_drift=self.clock.now() + self.config.drift_interval,
            alias=alias,
            state_last_timestamp=int(self.clock.now()),
            push_slot=len(self.devices),
        )
        self.devices[device.did] = device
        return device

    def bind(self, username: str, did: str, remark: str = "", *, dev_alias: str | None = None) -> Binding:
        """Bind `did` to the user (no passcode needed); the alias defaults to the device's."""
        device = self.device(did)
        binding = Binding(remark, device.alias if dev_alias is None else dev_alias)
        user = self.user(username)
        user.bindings[did] = binding
        self._tell(did, "bound", (user.uid, True))
        self.sharing.bound(user, did)
        return binding

    def set_online(self, did: str, online: bool) -> None:
        """Bring a device on or off line; a device coming online for the first time reports."""
        device = self.device(did)
        changed = device.online != online
        if changed:
            device.state_last_timestamp = int(self.clock.now())
            self.history.online(did, online, self.clock.now())
        device.online = online
        if online and not device.updated_at:
            device.updated_at = int(self.clock.now())
        if changed:
            self._tell(did, "online", online)

    def report(self, did: str, attrs: dict[str, Any]) -> dict[str, Any]:
        """The device reports these values (read-only datapoints too), as if it sent them now: its latest data,
        its history and the push sockets watching it see them. 9025 for a value that is not one of its product's.
        Returns its attrs."""
        device = self.device(did)
        datapoints = self.products[device.product_key].datapoints
        if any(name not in datapoints for name in attrs):
            raise ApiError(9025, f"{sorted(set(attrs) - set(datapoints))}: no such datapoint")
        checked = {name: datapoints[name].check(value) for name, value in attrs.items()}
        now = self.clock.now()
        device.attrs.update(checked)
        device.updated_at = int(now)
        self.history.report(did, checked, now)
        self._tell(did, "attrs", checked)
        return device.attrs

    def set_disabled(self, did: str, disabled: bool) -> None:
        """Disable a device: hidden from the bindings unless show_disabled, refused by control (9023)."""
        self.device(did).is_disabled = disabled

    def revoke_tokens(self, user: str) -> int:
        """Revoke every token of the user (username or uid); their calls then get 9004. Returns how many."""
        dead = list(self._user_tokens.get(self.user(user).uid, ()))
        for value in dead:
            self._forget(value)
        return len(dead)

    def change_password(self, username: str, new_password: str) -> None:
        """Change a user's password behind the client's back (its tokens stay valid)."""
        self.user(username).password = new_password


def iso_millis(timestamp: float) -> str:
    """`2011-11-07T21:25:10.623Z`, the updatedAt format of PUT /app/users."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
