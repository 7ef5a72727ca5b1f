"""The emulator's sharing, group, scheduler and scene routes refuse malformed requests as the service does (9015),
whatever client sends them; the common scheduler picks the first valid target."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Api

TASK = {"date": "2026-01-02", "time": "06:00", "repeat": "none", "attrs": {"switch": True}}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/app/sharing", {"type": 5, "did": "{did}", "username": "x"}),
        ("POST", "/app/sharing", {"type": 0, "did": "{did}", "username": "x", "duration": 0}),
        ("POST", "/app/sharing", {"type": 0, "did": "{did}"}),  # no guest named
        ("GET", "/app/sharing?sharing_type=2", None),
        ("GET", "/app/sharing?sharing_type=0&status=9", None),
        ("PUT", "/app/sharing/1?status=3", None),
        ("POST", "/app/group", {"group_name": ""}),
        ("POST", "/app/group", {"group_name": "g", "product_key": 5}),
        ("POST", "/app/devices/{did}/scheduler", TASK | {"time": "6:00"}),
        ("POST", "/app/devices/{did}/scheduler", TASK | {"repeat": "day"}),
        ("POST", "/app/devices/{did}/scheduler", TASK | {"repeat": "day", "days": [0]}),
        ("POST", "/app/devices/{did}/scheduler", TASK | {"date": ""}),  # a one-off needs a date
        ("POST", "/app/devices/{did}/scheduler", TASK | {"attrs": {}, "raw": "zz"}),
        ("POST", "/app/devices/{did}/scheduler", TASK | {"attrs": {}}),
        ("POST", "/app/common_scheduler", TASK),  # no target
        ("POST", "/app/scene", {"scene_name": "s", "tasks": []}),
        ("POST", "/app/scene", {"scene_name": "s", "tasks": [{"task_type": "delay", "time": 4000}]}),
        ("POST", "/app/scene", {"scene_name": "s", "tasks": [{"task_type": "device", "did": "{did}"}]}),
        ("POST", "/app/scene", {"scene_name": "s", "tasks": [{"task_type": "group", "group_id": "g",
                                                                "raw": "not base64!"}]}),
    ],
)
async def test_malformed_requests_are_9015(api: Api, method: str, path: str, body: Any) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    if isinstance(body, dict):
        body = {k: v.replace("{did}", did) if isinstance(v, str) else v for k, v in body.items()}
        body = {k: [{**t, "did": did} if t.get("did") == "{did}" else t for t in v] if k == "tasks" else v
                for k, v in body.items()}
    response = await api.call(method, path.replace("{did}", did), token=token, json=body)
    api.assert_error(response, 9015, 400)


async def test_group_control_needs_attrs_or_raw_bytes(api: Api) -> None:
    token = await api.login()
    created = await api.call("POST", "/app/group", token=token, json={"group_name": "g"})
    group = created.json()["id"]
    for body in ({}, {"attrs": {}}, {"raw": [256]}, {"raw": []}):
        api.assert_error(await api.call("POST", f"/app/group/{group}/control", token=token, json=body), 9015, 400)
    other = await api.call("POST", "/app/group/6a1f00c2d3e4f5a6b7c8d9e0/control", token=token,
                           json={"attrs": {"switch": True}})
    api.assert_error(other, 9015, 400)  # no such group: the service documents no code of its own


async def test_add_without_show_detail_gives_no_reasons(api: Api) -> None:
    token = await api.login()
    group = (await api.call("POST", "/app/group", token=token, json={"group_name": "g"})).json()["id"]
    answer = await api.call("POST", f"/app/group/{group}/devices", token=token, json={"dids": ["nope"]})
    assert answer.json() == {"success": [], "failed": ["nope"]}


async def test_the_common_scheduler_takes_the_first_valid_target(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    created = await api.call("POST", "/app/common_scheduler", token=token,
                             json=TASK | {"did": "", "group_id": "g1", "scene_id": "s1"})
    assert created.status_code == 201
    [task] = (await api.call("GET", "/app/common_scheduler?group_id=g1", token=token)).json()
    assert (task["did"], task["group_id"], task["scene_id"]) == ("", "g1", "")
    assert (await api.call("GET", f"/app/common_scheduler?did={did}", token=token)).json() == []
