"""How the emulator masks the other party's contact fields, as the service shows them."""

from __future__ import annotations

import pytest

from gizwits_async.emulator.sharing import mask


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("jan", "j***n"),
        ("j", "j***"),
        ("jan@example.com", "j***@example.com"),
        ("+8613800000000", "+***0"),
        ("", ""),
        (None, None),
    ],
)
def test_mask(text: str | None, shown: str | None) -> None:
    assert mask(text) == shown
