"""The emulator's settings: credentials, seeded data, lifetimes, and the users a file may add."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: What success answers say they are: always JSON, always HTML, or the real service's mix (data read by a
#: GET says text/html, everything else, errors included, application/json).
CONTENT_TYPES = ("json", "html", "real")


@dataclass(frozen=True)
class SeedUser:
    """A user the emulator starts with, and how many fresh devices are bound to it."""

    username: str
    password: str
    devices: int = 0
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class EmulatorConfig:
    """How an Emulator is seeded. The defaults are the README's (appid demo-appid, user demo), ready for curl.

    Lifetimes and intervals are in seconds of the emulator's clock. `seed` makes dids, passcodes, uids and
    tokens reproducible. `drift` makes the seeded devices' read-only readings change every `drift_interval`.
    Device records point their push address (`host`, `ws_port`, `wss_port`) at the emulator itself unless
    `m2m_host`/`m2m_port` say otherwise.

    `appid` (whose app secret is `app_secret`) and `appids` are accepted; `any_appid` accepts every appid.
    `users` are seeded besides `username`, who gets `devices` devices. `content_type` is one of CONTENT_TYPES.
    """

    appid: str = "demo-appid"
    app_secret: str = "demo-secret"
    username: str = "demo"
    password: str = "demo-password"
    devices: int = 10
    product_key: str = "demo-product"
    #: A JSON file with a product's datapoint schema (as GET /app/datapoint answers it): the seeded devices are of
    #: that product instead of the demo one.
    product_file: str | None = None
    #: The product secret that signs bind_mac calls (for the seeded product).
    product_secret: str = "demo-product-secret"
    sms_code: str = "123456"
    captcha_code: str = "123456"
    token_ttl: float = 7 * 24 * 3600
    app_token_ttl: float = 24 * 3600
    code_ttl: float = 300
    retry_interval: float = 60
    drift: bool = False
    drift_interval: float = 5
    seed: int = 0
    #: The push address device records carry; None: where the emulator serves (its host, its port).
    m2m_host: str | None = None
    m2m_port: int | None = None
    #: How many ports the push endpoint listens on when served (the REST port and more): devices are spread
    #: over them, as the real service spreads them over m2m hosts, so a client needs one socket per port.
    push_ports: int = 2
    appids: tuple[str, ...] = ()
    any_appid: bool = False
    users: tuple[SeedUser, ...] = ()
    content_type: str = "json"
    #: Live tokens one user may hold; issuing one more revokes the oldest.
    max_tokens_per_user: int = 100
    #: Seconds an expired token is still recognised (answered 9006, not 9004) before it is forgotten.
    expired_token_grace: float = 3600
    #: Largest request body in bytes (a bigger one is answered 413) and deepest JSON nesting (else 400).
    max_body: int = 1024 * 1024
    max_json_depth: int = 64
    #: Wall-clock seconds a client has to finish a request's headers, and to send the next body chunk.
    header_timeout: float = 10.0
    idle_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.content_type not in CONTENT_TYPES:
            raise ValueError(f"content_type must be one of {', '.join(CONTENT_TYPES)}, got {self.content_type!r}")

    def accepts(self, appid: str) -> bool:
        """Whether requests with this application id are served (others, and none, get 9003)."""
        return bool(appid) and (self.any_appid or appid == self.appid or appid in self.appids)


def load_users(path: str | Path) -> tuple[SeedUser, ...]:
    """Users from a JSON file: a list of ``{"username", "password", "devices"?, "email"?, "phone"?}``.

    Raises ValueError naming the file and the entry when one is malformed.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of users")
    return tuple(_seed_user(entry, f"{path}: user {index}") for index, entry in enumerate(data))


def _seed_user(entry: Any, where: str) -> SeedUser:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected an object")
    unknown = set(entry) - {"username", "password", "devices", "email", "phone"}
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("username", "password"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise ValueError(f"{where}: {key} must be a non-empty string")
    devices = entry.get("devices", 0)
    if isinstance(devices, bool) or not isinstance(devices, int) or devices < 0:
        raise ValueError(f"{where}: devices must be a whole number >= 0")
    for key in ("email", "phone"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise ValueError(f"{where}: {key} must be a string")
    return SeedUser(entry["username"], entry["password"], devices, entry.get("email"), entry.get("phone"))
