"""`plan_group_control` as a table: which inputs one group control can stand for."""

from __future__ import annotations

from typing import Any

import pytest

from gizwits_async.group_fanout import plan_group_control

ON, OFF = {"switch": True}, {"switch": False}


def batches(items: list[Any], groups: dict[str, list[str]]) -> list[tuple[str, list[int]]]:
    plan = plan_group_control(items, groups)
    covered = sorted(i for b in plan.batches for i, _ in b.members)
    assert sorted(covered + [i for i, _ in plan.singles]) == list(range(len(items)))  # each input exactly once
    return [(b.group_id, [i for i, _ in b.members]) for b in plan.batches]


@pytest.mark.parametrize(
    ("items", "groups", "expected"),
    [
        # every member asked for with the same attrs: one group control
        ([("a", ON), ("b", ON)], {"g": ["a", "b"]}, [("g", [0, 1])]),
        # a member missing from the input: the group would reach a device not asked for
        ([("a", ON)], {"g": ["a", "b"]}, []),
        # different attrs within the group
        ([("a", ON), ("b", OFF)], {"g": ["a", "b"]}, []),
        # True and 1 go out differently on the wire
        ([("a", ON), ("b", {"switch": 1})], {"g": ["a", "b"]}, []),
        # a device asked for twice
        ([("a", ON), ("b", ON), ("a", ON)], {"g": ["a", "b"]}, []),
        # a device in two groups: only the first group that covers it
        ([("a", ON), ("b", ON), ("c", ON)], {"g": ["a", "b"], "h": ["b", "c"]}, [("g", [0, 1])]),
        # an empty group, and a malformed member command
        ([("a", ON), ("b", {})], {"e": [], "g": ["a", "b"]}, []),
        # members listed twice count once; input order does not matter
        ([("b", OFF), ("x", ON), ("a", OFF)], {"g": ["a", "b", "a"]}, [("g", [2, 0])]),
        # not a pair at all
        (["junk", ("a", ON)], {"g": ["a"]}, [("g", [1])]),
    ],
)
def test_plan(items: list[Any], groups: dict[str, list[str]], expected: list[tuple[str, list[int]]]) -> None:
    assert batches(items, groups) == expected


def test_the_batch_carries_the_wire_form() -> None:
    plan = plan_group_control([("a", {"color": b"\x01\xff"})], {"g": ["a"]})
    assert plan.batches[0].wire == {"color": "01ff"} and plan.batches[0].attrs == {"color": b"\x01\xff"}
