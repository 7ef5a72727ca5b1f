"""The emulator's settings: credentials, seeded data, lifetimes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EmulatorConfig:
    """How an Emulator is seeded. The defaults are those of PUBLIC-API.md, ready for curl.

    Lifetimes and intervals are in seconds of the emulator's clock. `seed` makes dids, passcodes, uids and
    tokens reproducible. `drift` makes the seeded devices' read-only readings change every `drift_interval`.
    Device records point their push address (`host`, `ws_port`, `wss_port`) at the emulator itself unless
    `m2m_host`/`m2m_port` say otherwise.
    """

    appid: str = "demo-appid"
    app_secret: str = "demo-secret"
    username: str = "demo"
    password: str = "demo-password"
    devices: int = 10
    product_key: str = "demo-product"
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
