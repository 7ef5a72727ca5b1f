"""The library's local value checks and the emulator's 9025 answers agree, for generated schemas and values.

Both read the same schema JSON; the library checks in decimal arithmetic, the emulator in fractions. For every
generated value: the library accepts it exactly when the emulator accepts what a client without the schema
would send (the type-free wire form), and the emulator accepts what the library sends.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gizwits_async import Product, ValidationError
from gizwits_async.emulator import ApiError
from gizwits_async.emulator import Product as EmulatorProduct
from gizwits_async.validation import encode_attrs

RATIOS = ("1", "0.1", "0.5", "0.01", "2", "0.25", "0.001")
UINT_LIMIT = {"uint8": 255, "uint16": 65535, "uint32": 4294967295}
LABELS = st.text(alphabet=st.sampled_from("abcé正弦随机恒定e\u0301 "), min_size=1, max_size=4)


@st.composite
def datapoints(draw: st.DrawFn, name: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["bool", "enum", "uint8", "uint16", "uint32", "binary"]))
    entry: dict[str, Any] = {"name": name, "data_type": kind,
                             "type": draw(st.sampled_from(["status_writable"] * 4 + ["status_readonly", "alert"]))}
    if kind == "enum":
        entry["enum"] = draw(st.lists(LABELS, min_size=1, max_size=5, unique=True))
    elif kind == "binary":
        entry["position"] = {"byte_offset": 0, "bit_offset": 0, "len": draw(st.integers(1, 8)), "unit": "byte"}
    elif kind in UINT_LIMIT:
        low = draw(st.integers(0, min(300, UINT_LIMIT[kind])))
        entry["uint_spec"] = {
            "min": low, "max": draw(st.integers(low, UINT_LIMIT[kind] + 10)),
            "ratio": json.loads(draw(st.sampled_from(RATIOS))),
            "addition": draw(st.integers(-200, 200)) / draw(st.sampled_from([1, 10, 2])),
        }
    return entry


SCHEMAS = st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True).flatmap(
    lambda names: st.tuples(*(datapoints(name) for name in names))
).map(lambda points: {"product_key": "pk", "name": "generated",
                      "entities": [{"id": 0, "name": "entity0", "attrs": list(points)}]})


def near_values(entry: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that probe the datapoint's rules: its labels and indexes, steps and their neighbours, lengths."""
    kind = entry["data_type"]
    if kind == "enum":
        labels = entry["enum"]
        return st.one_of(st.sampled_from(labels), st.integers(-1, len(labels)), LABELS)
    if kind == "binary":
        size = entry["position"]["len"]
        return st.one_of(st.binary(max_size=size + 2),
                         st.text(alphabet="0123456789abcdefABCDEFg", max_size=2 * size + 3))
    if kind in UINT_LIMIT:
        spec = entry["uint_spec"]
        ratio, addition = Decimal(repr(spec["ratio"])), Decimal(repr(spec["addition"]))
        x = st.integers(spec["min"] - 2, min(spec["max"], UINT_LIMIT[kind]) + 2)
        on_step = x.map(lambda n: n * ratio + addition)
        half_step = x.map(lambda n: (n + Decimal("0.5")) * ratio + addition)
        as_wire = st.one_of(on_step, half_step).map(lambda d: int(d) if d == d.to_integral_value() else float(d))
        return st.one_of(as_wire, st.integers(-300, 300))
    return st.one_of(st.booleans(), st.integers(-1, 2))


ANY_VALUE = st.one_of(st.booleans(), st.integers(-(2**33), 2**33), st.floats(allow_nan=False, allow_infinity=False),
                      st.text(max_size=6), st.binary(max_size=4))


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], str, Any]:
    schema = draw(SCHEMAS)
    points = schema["entities"][0]["attrs"]
    entry = draw(st.sampled_from(points))
    value = draw(st.one_of(near_values(entry), ANY_VALUE))
    name = draw(st.sampled_from([entry["name"]] * 9 + ["unknown"]))
    return schema, name, value


def emulator_accepts(product: EmulatorProduct, attrs: dict[str, Any]) -> Any:
    """What the emulator stores for attrs sent as JSON, or None when it answers 9025."""
    try:
        return product.check_write(json.loads(json.dumps(attrs)))
    except ApiError as refused:
        assert refused.code == 9025
        return None


@settings(max_examples=600, deadline=None)
@given(cases())
def test_library_accepts_exactly_what_the_emulator_accepts(case: tuple[dict[str, Any], str, Any]) -> None:
    schema, name, value = case
    try:
        typed = encode_attrs({name: value})  # what a client without the schema sends
    except ValidationError:
        assume(False)
    library, emulator = Product.from_wire(schema), EmulatorProduct.from_schema(schema)
    try:
        sent = library.check({name: value})
    except ValidationError:
        sent = None
    stored = emulator_accepts(emulator, typed)
    assert (sent is not None) == (stored is not None), (name, value, sent, stored)
    if sent is not None:
        assert emulator_accepts(emulator, sent) == stored  # what the library sends means the same
