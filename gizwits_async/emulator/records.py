"""Device records as the real service writes them: every key of a bindings row and of the device details.

A client written for the real service reads keys the original examples leave out (`dev_alias`,
`product_name`, `protoc`, the firmware versions, `ws_port`...), so every record carries all of them. The push
address (`host`, `ws_port`, `wss_port`) is the emulator's own, never a public host: a client that follows the
record to the push endpoint stays on the emulator.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit

#: Every key of a bindings row (GET /app/bindings) and of the device details (GET /app/devices/{did}),
#: in the order the service writes them.
DEVICE_KEYS = (
    "remark", "dev_alias", "dev_label", "role", "product_key", "did", "mac", "passcode", "host", "port",
    "port_s", "ws_port", "wss_port", "is_online", "is_disabled", "is_sandbox", "type", "product_name", "protoc",
    "proto_ver", "wifi_soft_version", "wifi_hard_version", "mcu_soft_version", "mcu_hard_version", "gw_did",
    "mesh_id", "state_last_timestamp", "is_low_power", "sleep_duration",
)  # fmt: skip

#: The MQTT ports real records carry (the emulator serves no MQTT; they are there for clients that read them).
MQTT_PORT = 1883
MQTT_TLS_PORT = 8883

_WILDCARDS = ("", "0.0.0.0", "::")


class Endpoint(NamedTuple):
    """Where the emulator serves (and so where its push endpoint is): a host and a port."""

    host: str
    port: int


def endpoint_of(server: tuple[str, int | None] | None, host_header: str | None, scheme: str) -> Endpoint:
    """The address a client reached the emulator on, from the ASGI ``server`` and the Host header.

    The listening address wins; a wildcard one (0.0.0.0) is no address to connect to, so the Host header's
    host stands in for it. No port (an in-process transport on ``http://emulator``) means the scheme's default.
    """
    reached = urlsplit(f"//{host_header or ''}")
    host, port = server if server is not None else ("", None)
    if host in _WILDCARDS:
        host = reached.hostname or "127.0.0.1"
    if port is None:
        try:
            port = reached.port
        except ValueError:  # a malformed Host header
            port = None
    return Endpoint(host, port or (443 if scheme == "https" else 80))


class DeviceFields(Protocol):
    """What a record shows of a device (the emulator's `state.Device`; declared here, so that the state module,
    which builds records, and this one do not import each other)."""

    did: str
    product_key: str
    mac: str
    passcode: str
    online: bool
    is_disabled: bool
    is_sandbox: bool
    type: str
    protoc: int
    proto_ver: str
    wifi_soft_version: str
    wifi_hard_version: str
    mcu_soft_version: str
    mcu_hard_version: str
    gw_did: str | None
    state_last_timestamp: int
    is_low_power: bool
    sleep_duration: int


class BindingFields(Protocol):
    """What a record shows of one user's binding (the emulator's `state.Binding`)."""

    remark: str
    dev_alias: str
    dev_label: list[str]
    role: str


def device_record(
    device: DeviceFields, binding: BindingFields, product_name: str, endpoint: Endpoint,
) -> dict[str, Any]:
    """The record of `device` as its user sees it (remark, alias, labels and role are per user)."""
    return {
        "remark": binding.remark,
        "dev_alias": binding.dev_alias,
        "dev_label": list(binding.dev_label),
        "role": binding.role,
        "product_key": device.product_key,
        "did": device.did,
        "mac": device.mac,
        "passcode": device.passcode,
        "host": endpoint.host,
        "port": MQTT_PORT,
        "port_s": MQTT_TLS_PORT,
        "ws_port": endpoint.port,
        "wss_port": endpoint.port,
        "is_online": device.online,
        "is_disabled": device.is_disabled,
        "is_sandbox": device.is_sandbox,
        "type": device.type,
        "product_name": product_name,
        "protoc": device.protoc,
        "proto_ver": device.proto_ver,
        "wifi_soft_version": device.wifi_soft_version,
        "wifi_hard_version": device.wifi_hard_version,
        "mcu_soft_version": device.mcu_soft_version,
        "mcu_hard_version": device.mcu_hard_version,
        "gw_did": device.gw_did,
        "mesh_id": None,
        "state_last_timestamp": device.state_last_timestamp,
        "is_low_power": device.is_low_power,
        "sleep_duration": device.sleep_duration,
    }
