"""Product schemas and the value checks: tables of accepted and refused values, decoding of reported values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from gizwits_async import Datapoint, Product, ValidationError

SCHEMA: dict[str, Any] = {
    "name": "Wave pump", "product_key": "0123456789abcdef0123456789abcdef", "protocolType": "standard",
    "entities": [{"id": 0, "name": "entity0", "attrs": [
        {"id": 0, "name": "SwitchON", "data_type": "bool", "type": "status_writable"},
        {"id": 5, "name": "Mode", "data_type": "enum", "type": "status_writable",
         "enum": ["经典", "正弦", "随机", "恒定"]},
        {"id": 6, "name": "Style", "data_type": "enum", "type": "status_writable", "enum": ["caf\u00e9", "正常"]},
        {"id": 7, "name": "rssi", "data_type": "uint8", "type": "status_readonly",
         "uint_spec": {"min": 0, "max": 100, "ratio": 1, "addition": -100}},
        {"id": 8, "name": "room_temp", "data_type": "uint16", "type": "status_writable", "display_name": "Room",
         "uint_spec": {"min": 0, "max": 800, "ratio": 0.1, "addition": -30}},
        {"id": 9, "name": "speed", "data_type": "uint8", "type": "status_writable",
         "uint_spec": {"min": 0, "max": 100, "ratio": 1, "addition": -50}},
        {"id": 10, "name": "big", "data_type": "uint8", "type": "status_writable",
         "uint_spec": {"min": 0, "max": 1000, "ratio": 1, "addition": 0}},
        {"id": 14, "name": "AutoTime00", "data_type": "binary", "type": "status_writable",
         "position": {"byte_offset": 8, "bit_offset": 0, "len": 5, "unit": "byte"}},
        {"id": 15, "name": "fault", "data_type": "bool", "type": "fault"},
    ]}],
}
PRODUCT = Product.from_wire(SCHEMA)


def test_schema_reading() -> None:
    assert PRODUCT.product_key == SCHEMA["product_key"]
    assert PRODUCT.name == "Wave pump"
    temp = PRODUCT.datapoints["room_temp"]
    assert (temp.minimum, temp.maximum, temp.step) == (Decimal(-30), Decimal(50), Decimal("0.1"))
    assert temp.display_name == "Room"
    rssi = PRODUCT.datapoints["rssi"]
    assert (rssi.minimum, rssi.maximum, rssi.writable) == (-100, 0, False)
    assert PRODUCT.datapoints["big"].maximum == 255  # min(schema max, the type's limit)
    assert PRODUCT.datapoints["AutoTime00"].length == 5
    assert PRODUCT.datapoints["Mode"].enum == ("经典", "正弦", "随机", "恒定")
    assert not PRODUCT.datapoints["fault"].writable
    assert PRODUCT.raw["protocolType"] == "standard"


ACCEPTED: dict[str, tuple[str, Any, Any]] = {
    "bool True": ("SwitchON", True, True),
    "bool 0 leniency": ("SwitchON", 0, False),
    "bool 1 leniency": ("SwitchON", 1, True),
    "enum Chinese label": ("Mode", "随机", "随机"),
    "enum index stays an index": ("Mode", 3, 3),
    "enum label in NFD form, sent as the schema spells it": ("Style", "cafe\u0301", "caf\u00e9"),
    "uint ratio 0.1 min": ("room_temp", -30, -30),
    "uint ratio 0.1 max": ("room_temp", 50, 50),
    "uint ratio 0.1 on a step": ("room_temp", 21.5, 21.5),
    "uint ratio 0.1 one step above min": ("room_temp", -29.9, -29.9),
    "uint ratio 0.1, 0.3 (not exact in binary)": ("room_temp", 0.3, 0.3),
    "uint Decimal becomes a float": ("room_temp", Decimal("21.5"), 21.5),
    "uint integral Decimal becomes an int": ("room_temp", Decimal("21.0"), 21),
    "uint addition -50 lowest": ("speed", -50, -50),
    "uint addition -50 highest": ("speed", 50, 50),
    "uint type limit": ("big", 255, 255),
    "binary bytes padded on the right": ("AutoTime00", b"\x12\x34", "1234000000"),
    "binary hex string padded (the doc's example)": ("AutoTime00", "1234567", "1234567000"),
    "binary upper-case hex lowered": ("AutoTime00", "ABCDEF0102", "abcdef0102"),
    "binary empty": ("AutoTime00", b"", "0000000000"),
}


@pytest.mark.parametrize(("name", "value", "wire"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted(name: str, value: Any, wire: Any) -> None:
    sent = PRODUCT.check({name: value})[name]
    assert sent == wire
    assert type(sent) is type(wire)


REFUSED: dict[str, tuple[str, Any, str]] = {
    "unknown name": ("nope", 1, "has no datapoint 'nope'"),
    "read-only": ("rssi", -50, "read-only"),
    "fault datapoint": ("fault", True, "read-only"),
    "bool 2": ("SwitchON", 2, "True or False"),
    "bool string": ("SwitchON", "true", "True or False"),
    "bool float": ("SwitchON", 1.0, "True or False"),
    "enum unknown label": ("Mode", "classic", "takes one of"),
    "enum index too big": ("Mode", 4, "takes one of"),
    "enum negative index": ("Mode", -1, "takes one of"),
    "enum bool": ("Mode", True, "takes one of"),
    "uint one step below min": ("room_temp", -30.1, "-30..50"),
    "uint one step above max": ("room_temp", 50.1, "-30..50"),
    "uint off the step": ("room_temp", 21.55, "steps of 0.1"),
    "uint below addition": ("speed", -51, "-50..50"),
    "uint above max": ("speed", 51, "-50..50"),
    "uint above the type limit": ("big", 256, "0..255"),
    "uint bool": ("room_temp", True, "finite number"),
    "uint string": ("room_temp", "21", "finite number"),
    "uint nan": ("room_temp", float("nan"), "finite number"),
    "uint infinite Decimal": ("room_temp", Decimal("Infinity"), "finite number"),
    "binary too long": ("AutoTime00", b"\x00" * 6, "at most 5 bytes"),
    "binary hex too long": ("AutoTime00", "12345678901", "at most 5 bytes"),
    "binary not hex": ("AutoTime00", "zz", "bytes or a hex string"),
    "binary int": ("AutoTime00", 5, "bytes or a hex string"),
}


@pytest.mark.parametrize(("name", "value", "rule"), REFUSED.values(), ids=REFUSED.keys())
def test_refused_naming_device_datapoint_and_rule(name: str, value: Any, rule: str) -> None:
    with pytest.raises(ValidationError) as refused:
        PRODUCT.check({"SwitchON": True, name: value}, did="did-1")
    message = str(refused.value)
    assert message.startswith("device did-1: ")
    assert repr(name) in message
    assert rule in message


@pytest.mark.parametrize("attrs", [{}, None, [("SwitchON", True)]])
def test_attrs_must_be_a_non_empty_mapping(attrs: Any) -> None:
    with pytest.raises(ValidationError):
        PRODUCT.check(attrs)


def test_push_encoding_sends_labels_and_byte_lists() -> None:
    wire = PRODUCT.check({"Mode": 1, "AutoTime00": b"\x01"}, encoding="push")
    assert wire == {"Mode": "正弦", "AutoTime00": [1, 0, 0, 0, 0]}


def test_decode_reported_values() -> None:
    reported = {"SwitchON": 1, "Mode": 2, "AutoTime00": "0102030405", "rssi": -40, "extra": "x", "fault": 0}
    assert PRODUCT.decode(reported) == {"SwitchON": True, "Mode": "随机", "AutoTime00": b"\x01\x02\x03\x04\x05",
                                        "rssi": -40, "extra": "x", "fault": False}
    assert PRODUCT.decode({"AutoTime00": [1, 2]}) == {"AutoTime00": b"\x01\x02"}
    assert PRODUCT.decode({"AutoTime00": "zz", "Mode": 9}) == {"AutoTime00": "zz", "Mode": 9}


def test_bad_schemas_are_refused() -> None:
    with pytest.raises(ValueError, match="data_type"):
        Datapoint.from_wire({"name": "x", "data_type": "float"})
    with pytest.raises(ValueError, match="ratio"):
        Datapoint.from_wire({"name": "x", "data_type": "uint8", "uint_spec": {"ratio": 0}})
