"""Datapoint checks, as properties over their whole input range."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gizwits_async.emulator import ApiError
from gizwits_async.emulator.datapoints import demo_product

DATAPOINTS = demo_product().datapoints


@given(st.integers(min_value=-(2**40), max_value=2**40))
def test_uint_range(value: int) -> None:
    for name, upper in (("brightness", 100), ("counter", 2**32 - 1)):
        if 0 <= value <= upper:
            assert DATAPOINTS[name].check(value) == value
        else:
            with pytest.raises(ApiError) as refused:
                DATAPOINTS[name].check(value)
            assert refused.value.code == 9025


@given(st.binary(max_size=6))
def test_binary_up_to_the_declared_length_padded_on_the_right(data: bytes) -> None:
    color = DATAPOINTS["color"]
    if len(data) <= 3:
        assert color.check(data.hex().upper()) == data.hex().ljust(6, "0")
    else:
        with pytest.raises(ApiError):
            color.check(data.hex())
