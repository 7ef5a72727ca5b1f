"""The wire edges as plain functions: request bodies out (`encode_json`), answers in (`decode`), as tables."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gizwits_async import (
    APIError,
    AuthenticationError,
    DeviceData,
    DeviceOfflineError,
    ServerError,
    ThrottledError,
    TokenError,
)
from gizwits_async.endpoints._base import Auth, Call
from gizwits_async.wire import _json_encoder, decode, decode_json, encode_json

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(JSON)
def test_bodies_are_compact_ascii_json(value: Any) -> None:
    assert encode_json(value) == json.dumps(value, separators=(",", ":")).encode()


def test_the_encoder_without_the_c_accelerator_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    body = {"attrs": {"switch": True, "level": 2.5, "name": "客厅", "hex": "0a"}}
    assert _json_encoder()(body) == encode_json(body).decode() == json.dumps(body, separators=(",", ":"))
    with pytest.raises(TypeError):
        encode_json({"when": object()})


LATEST = Call("GET", "/app/devdata/d1/latest", Auth.USER, parse=DeviceData.from_wire)
CONTROL = Call("POST", "/app/control/d1", Auth.USER, json={"attrs": {"on": True}})
READING = b'{"did": "d1", "updated_at": 1700000000, "attr": {"on": true}}'


def error_body(code: int | str, message: str = "m") -> bytes:
    return json.dumps({"error_code": code, "error_message": message}).encode()


@pytest.mark.parametrize(
    ("call", "status", "body", "expected"),
    [
        (CONTROL, 200, b"{}", None),
        (CONTROL, 200, b"{}\n", None),
        (CONTROL, 200, b'{"ok": 1}', None),
        (CONTROL, 200, b"[]", APIError),
        (CONTROL, 200, b"{}x", APIError),
        (CONTROL, 204, b"", None),
        (LATEST, 200, READING, "d1"),
        (LATEST, 400, error_body(9042), DeviceOfflineError),
        (LATEST, 400, error_body(9004), TokenError),
        (LATEST, 400, error_body(9020), AuthenticationError),
        (LATEST, 429, b"", ThrottledError),
        (LATEST, 503, b"<html>busy</html>", ServerError),
        (LATEST, 500, error_body("9008"), ServerError),
        (LATEST, 200, b"[]", APIError),
        (LATEST, 200, b"", APIError),
        (LATEST, 200, b"not json", APIError),
        (LATEST, 200, b'{"did": "d1", "updated_at": "yesterday"}', APIError),
    ],
)
def test_decode_is_the_result_or_the_error_the_answer_means(
    call: Call[Any], status: int, body: bytes, expected: object,
) -> None:
    result = decode(call, status, body)
    if isinstance(expected, type):
        assert type(result) is expected or (expected is ServerError and isinstance(result, ServerError))
        assert isinstance(result, APIError) and result.status == status and result.method == call.method
    elif expected is None:
        assert result is None
    else:
        assert isinstance(result, DeviceData) and result.did == expected


def test_decode_never_quotes_an_unreadable_success_body() -> None:
    login = Call("POST", "/app/login", parse=lambda data: data["uid"])
    result = decode(login, 200, b'{"token": "secret-token-value"}')
    assert isinstance(result, APIError) and "KeyError" in str(result) and "secret-token-value" not in str(result)


def _parsed(parse: Any, text: str) -> tuple[Any, ...]:
    try:
        return ("value", parse(text))
    except json.JSONDecodeError as exc:
        return ("error", exc.msg, exc.pos)


@pytest.mark.parametrize("text", [
    '{"a":1}', ' {"a":1} \n', "\t\r\n[1, {\"b\": null}]\r\n", '"x"', "1", " 1 ", "null", '"\\u00e9"', "-0.5e3",
    "", " ", "\n", "{", "tru", '{"a":1} x', "1 2", '{"a":1}\n\n{}', "\u00a0{}", "{}\u00a0", "\x0b1",
])
def test_decode_json_reads_what_json_loads_reads_and_refuses_the_same(text: str) -> None:
    assert _parsed(decode_json, text) == _parsed(json.loads, text)


@given(JSON, st.sampled_from(["", " ", "\n", "\r\n\t "]), st.sampled_from(["", " ", "\n"]))
def test_decode_json_round_trips_any_value_with_json_whitespace_around(
    value: Any, before: str, after: str
) -> None:
    assert decode_json(before + json.dumps(value) + after) == value
