"""The push frames as tables: what goes out, what comes in, the heartbeat and reconnect arithmetic."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import gizwits_async as gizwits
from gizwits_async.push import frames
from gizwits_async.push.connection import _subscribe_answer

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DID = "AbCdEfGhIjKlMnOpQrStUv"


@pytest.mark.parametrize(
    ("heartbeat", "interval"),
    [(60.0, 180), (55.0, 165), (100.0, 180), (0.3, 1), (0.1, 1), (10.0, 30), (2.5, 7)],
)
def test_declared_heartbeat_interval(heartbeat: float, interval: int) -> None:
    assert frames.heartbeat_interval(heartbeat) == interval


@pytest.mark.parametrize(
    ("attempt", "rand", "delay"),
    [
        (0, 0.0, 1.0), (0, 0.999999, 3.0), (1, 0.0, 2.0), (1, 0.5, 4.0), (2, 0.0, 4.0),
        (5, 0.0, 20.0), (5, 0.999999, 60.0), (50, 0.5, 40.0), (10_000, 0.0, 20.0),
    ],
)
def test_reconnect_delay(attempt: int, rand: float, delay: float) -> None:
    assert frames.reconnect_delay(attempt, 3.0, 60.0, rand=rand) == pytest.approx(delay, abs=1e-4)


def test_reconnect_delay_is_random_by_default() -> None:
    delays = {frames.reconnect_delay(0, 3.0, 60.0) for _ in range(20)}
    assert len(delays) > 1 and all(1.0 <= d <= 3.0 for d in delays)


def test_outgoing_frames() -> None:
    login = json.loads(frames.login_frame("app", "uid", "tok", 180))
    assert login == {"cmd": "login_req", "data": {"appid": "app", "uid": "uid", "token": "tok",
                                                   "p0_type": "attrs_v4", "heartbeat_interval": 180,
                                                   "auto_subscribe": False}}
    assert json.loads(frames.subscribe_frame([DID, "x"])) == {"cmd": "subscribe_req",
                                                              "data": [{"did": DID}, {"did": "x"}]}
    assert json.loads(frames.read_frame(DID)) == {"cmd": "c2s_read", "data": {"did": DID}}
    assert json.loads(frames.read_frame(DID, ["a"])) == {"cmd": "c2s_read", "data": {"did": DID, "names": ["a"]}}
    assert json.loads(frames.write_frame(DID, {"m": "摄氏"})) == {"cmd": "c2s_write",
                                                               "data": {"did": DID, "attrs": {"m": "摄氏"}}}
    assert json.loads(frames.raw_frame(DID, [0, 255])) == {"cmd": "c2s_raw", "data": {"did": DID, "raw": [0, 255]}}
    assert json.loads(frames.ack_frame(DID, 7)) == {"cmd": "c2s_ack", "res_sn": 7, "did": DID}
    assert json.loads(frames.PING) == {"cmd": "ping"}


@pytest.mark.parametrize(
    ("text", "frame"),
    [
        ('{"cmd": "pong"}', frames.Frame("pong", None)),
        ('{"cmd": "s2c_noti", "req_sn": 4, "data": {"did": "d"}}', frames.Frame("s2c_noti", {"did": "d"}, 4)),
        ('{"cmd": "s2c_noti", "req_sn": "4", "data": {}}', frames.Frame("s2c_noti", {}, None)),
        ('{"cmd": "future_cmd", "data": [1]}', frames.Frame("future_cmd", [1])),
        ("not json", None),
        ("[1, 2]", None),
        ('{"data": {}}', None),
        ('{"cmd": 5}', None),
    ],
)
def test_decode(text: str, frame: frames.Frame | None) -> None:
    assert frames.decode(text) == frame


@pytest.mark.parametrize(
    ("cmd", "data", "event"),
    [
        ("s2c_noti", {"did": DID, "attrs": {"mode": "\u6444", "blob": [1, 2], "n": 5, "list": []}},
         gizwits.AttrsEvent(DID, AT, {"mode": "摄", "blob": b"\x01\x02", "n": 5, "list": []})),
        ("s2c_noti", {"did": DID, "attrs": {"ints": [1, 300]}}, gizwits.AttrsEvent(DID, AT, {"ints": [1, 300]})),
        ("s2c_noti", {"did": DID}, None),
        ("s2c_online_status", {"did": DID, "online": False, "passcode": "P"}, gizwits.OnlineEvent(DID, AT, False)),
        ("s2c_online_status", {"did": DID, "is_online": True}, None),
        ("s2c_binding_changed", {"did": DID, "bind": True}, gizwits.BindingEvent(DID, AT, True)),
        ("s2c_raw", {"did": DID + "/usr5770", "raw": [0, 0, 0, 3]}, gizwits.RawEvent(DID, AT, b"\x00\x00\x00\x03")),
        ("s2c_raw", {"did": DID, "raw": [256]}, None),
        ("s2c_noti", None, None),
        ("s2c_noti", {"did": 5, "attrs": {}}, None),
        ("pong", {"did": DID}, None),
    ],
)
def test_event_of(cmd: str, data: object, event: gizwits.PushEvent | None) -> None:
    assert frames.event_of(frames.Frame(cmd, data), AT) == event


@pytest.mark.parametrize(
    ("data", "code"),
    [({"error_code": 1009}, 1009), ({"error_code": "1003"}, 1003), ({"error_code": "x"}, None), ({}, None),
     (None, None), ({"error_code": True}, None)],
)
def test_error_code(data: object, code: int | None) -> None:
    assert frames.error_code(data) == code


def test_subscribe_answer() -> None:
    answer = _subscribe_answer(
        ["a", "b", "c", "d"],
        {"success": [{"did": "a", "error_code": 0}, {"did": "zz"}], "fail": [{"did": "b", "error_code": 9017,
                                                                               "msg": "device not bound"}],
         "failed": [{"did": "c", "error_code": "9017"}]},
    )
    assert answer["a"] is None
    assert isinstance(answer["c"], gizwits.APIError) and answer["c"].code == 9017
    assert isinstance(answer["d"], gizwits.APIError)  # not mentioned: refused, never silently "subscribed"
    assert "zz" not in answer
    only_fail = _subscribe_answer(["b"], {"success": [], "fail": [{"did": "b", "error_code": 9017}]})
    assert isinstance(only_fail["b"], gizwits.APIError) and only_fail["b"].code == 9017
