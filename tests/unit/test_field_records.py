"""Records shaped like the real service's (tests/fixtures/, written from the field descriptions), parsed by
the models: every documented field is reachable, and ``raw`` is the record as received."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from gizwits_async import Device, DeviceData

FIXTURES = Path(__file__).parent.parent / "fixtures"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def test_a_full_bindings_row_keeps_every_field() -> None:
    row = load("bindings.json")["devices"][0]
    device = Device.from_wire(row)
    assert device.raw == row
    assert (device.did, device.product_key, device.mac, device.passcode) == (
        "Q7mTz2KpW8xRbN4cV1sLhD", "9f2c41d07be34a58a6e1c0d2b3f47a19", "a4e57c1d92f0", "KXPWRMQJZT")
    assert (device.is_online, device.is_disabled, device.type) == (True, False, "normal")
    assert device.remark == "range=11|isdelete=1|gid=0|groupname=|grouprange=0"
    assert (device.dev_alias, device.dev_label, device.product_name, device.role) == ("Salon", (), "Pilote2", "owner")
    assert (device.host, device.port, device.port_s, device.ws_port, device.wss_port) == (
        "eum2m.gizwits.com", 1883, 8883, 8080, 8880)
    assert (device.is_sandbox, device.protoc, device.proto_ver) == (False, 3, "04")
    assert (device.wifi_soft_version, device.wifi_hard_version) == ("04020021", "00ESP826")
    assert (device.mcu_soft_version, device.mcu_hard_version) == ("04000003", "04000003")
    assert (device.gw_did, device.is_low_power, device.sleep_duration) == (None, False, 0)
    assert device.state_last_timestamp == at(1764493210)


def test_a_row_with_keys_the_library_does_not_model_keeps_them_in_raw() -> None:
    row = load("bindings.json")["devices"][1]
    device = Device.from_wire(row)
    assert device.raw == row
    assert device.raw["is_mesh"] is False and device.raw["mesh_id"] == ""
    assert device.dev_label == ("outdoor", "summer")
    assert (device.is_sandbox, device.is_low_power, device.sleep_duration, device.role) == (True, True, 300, "special")
    assert device.state_last_timestamp == at(1764400000.123)  # milliseconds on this one
    assert device.gw_did == ""


def test_device_details_without_alias_or_labels_say_none() -> None:
    record = load("device_details.json")
    device = Device.from_wire(record)
    assert device.raw == record
    assert (device.dev_alias, device.dev_label, device.is_sandbox) == (None, None, None)
    assert (device.wifi_soft_version, device.mcu_hard_version) == (None, None)
    assert (device.product_name, device.ws_port, device.protoc) == ("Pilote2", 8080, 3)


def test_numbers_and_flags_written_as_strings_or_ints() -> None:
    record = load("device_subdevice_strings.json")
    device = Device.from_wire(record)
    assert device.raw == record
    assert (device.port, device.port_s, device.ws_port, device.wss_port, device.protoc) == (1883, 8883, 8080, 8880, 3)
    assert (device.is_online, device.is_disabled, device.is_low_power, device.sleep_duration) == (True, False, False, 0)
    assert (device.type, device.remark, device.dev_alias) == ("sub_dev", "", "")
    assert device.gw_did == "GaTeWaY0000000000000001"
    assert device.state_last_timestamp == at(1764493210)


def test_raw_is_read_only_and_a_copy() -> None:
    row = load("bindings.json")["devices"][0]
    device = Device.from_wire(row)
    with pytest.raises(TypeError):
        device.raw["dev_alias"] = "Kitchen"  # type: ignore[index]
    row["dev_alias"] = "changed after parsing"
    assert device.raw["dev_alias"] == "Salon"


def test_raw_and_passcode_stay_out_of_repr() -> None:
    device = Device.from_wire(load("bindings.json")["devices"][0])
    assert "KXPWRMQJZT" not in repr(device)
    assert "Salon" in repr(device)


def test_devices_compare_and_hash_by_their_fields() -> None:
    row = load("device_details.json")
    assert Device.from_wire(row) == Device.from_wire(dict(row))
    assert len({Device.from_wire(row), Device.from_wire(dict(row))}) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("port", "eighty"), ("ws_port", 8080.5), ("is_sandbox", "yes"), ("dev_label", "Salon"), ("protoc", True)],
)
def test_a_field_of_the_wrong_shape_is_refused(field: str, value: Any) -> None:
    with pytest.raises(ValueError):
        Device.from_wire({**load("device_details.json"), field: value})


def test_latest_keeps_raw() -> None:
    record = load("latest.json")
    data = DeviceData.from_wire(record)
    assert data.raw == record
    assert data.updated_at == at(1764493275)
    assert data.attrs["cur_temp"] == 195


@pytest.mark.parametrize("name", ["latest_never_reported.json", "latest_missing_updated_at.json"])
def test_latest_never_reported_has_no_updated_at(name: str) -> None:
    record = load(name)
    data = DeviceData.from_wire(record)
    assert data.updated_at is None
    assert data.raw == record
