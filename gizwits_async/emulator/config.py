"""The emulator's settings: credentials, seeded data, lifetimes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EmulatorConfig:
    """How an Emulator is seeded. The defaults are those of PUBLIC-API.md, ready for curl.

    Lifetimes and intervals are in seconds of the emulator's clock. `seed` makes dids, passcodes, uids and
    tokens reproducible. `drift` makes the seeded devices' read-only readings change every `drift_interval`.
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
    m2m_host: str = "m2m.gizwits.com"
    m2m_port: int = 3128
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
