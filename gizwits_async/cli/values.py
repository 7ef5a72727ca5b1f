"""Parsing what people type: dids, ``key=value`` datapoints, hex bytes. Bad input raises `InputError` (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import click

from .. import validation
from ..errors import ValidationError

__all__ = [
    "InputError", "Scalar", "check_did", "parse_assignments", "parse_hex", "parse_value", "shown_attrs", "wire_value",
]

Scalar = bool | int | float | str | bytes

_HEX_PREFIX = "hex:"
#: Text that was meant as JSON when it does not parse (a bare word is taken as a string instead).
_JSON_START = tuple('"[{-0123456789')


class InputError(click.ClickException):
    """Bad input from the command line or a file: one line on stderr, exit code 2."""

    exit_code = 2


def check_did(did: str) -> str:
    """``did`` if it is a device id the library accepts (one rule for the library and the command line)."""
    try:
        return validation.check_did(did)
    except ValidationError:
        raise InputError(f"not a device id: {did!r} (expected letters, digits, '-', '_', '.' or '~')") from None


def parse_hex(text: str) -> bytes:
    """Bytes from hex ("0102", "01 02", optionally prefixed "hex:")."""
    digits = text.removeprefix(_HEX_PREFIX).replace(" ", "").replace(":", "")
    try:
        data = bytes.fromhex(digits)
    except ValueError:
        raise InputError(f"not hex bytes: {text!r}") from None
    if not data:
        raise InputError("no bytes given")
    return data


def parse_value(text: str) -> Scalar:
    """A datapoint value: a JSON scalar (``true``, ``12``, ``1.5``, ``"on"``), ``hex:0102`` for bytes, or a word."""
    if text.startswith(_HEX_PREFIX):
        return parse_hex(text)
    try:
        value = json.loads(text)
    except ValueError:
        if text.startswith(_JSON_START) or not text:
            raise InputError(f"cannot parse value {text!r} (use JSON: true, 12, 1.5, \"text\", or hex:0102)") from None
        return text
    return wire_value(value, text)


def wire_value(value: Any, shown: object) -> Scalar:
    """A decoded JSON value as a datapoint value: scalars as they are, ``"hex:..."`` strings as bytes."""
    if isinstance(value, str):
        return parse_hex(value) if value.startswith(_HEX_PREFIX) else value
    if isinstance(value, bool | int | float):
        return value
    raise InputError(f"value {shown!r} is not a scalar (bool, number, string or hex:...)")


def parse_assignments(items: Iterable[str]) -> dict[str, Scalar]:
    """``["switch=true", "mode=cool"]`` -> ``{"switch": True, "mode": "cool"}``."""
    attrs: dict[str, Scalar] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise InputError(f"expected NAME=VALUE, got {item!r}")
        attrs[name] = parse_value(text)
    if not attrs:
        raise InputError("give at least one NAME=VALUE")
    return attrs


def shown_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Attrs as written back to a file or shown: bytes as ``"hex:..."`` so they read back the same."""
    return {k: _HEX_PREFIX + v.hex() if isinstance(v, bytes) else v for k, v in attrs.items()}
