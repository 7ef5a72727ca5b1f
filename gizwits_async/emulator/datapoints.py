"""Products and their datapoint schemas, and the checks a control command's attrs must pass.

A product comes from the service's own schema format (the answer of ``GET /app/datapoint``, which
`load_product` reads from a file) or is built in code (`demo_product`). Numbers are display values
``y = x * ratio + addition`` with ``min <= x <= max``; the checks use exact fractions, so 0.1 is 1/10.
"""

from __future__ import annotations

import json
import math
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from .errors import ApiError

DatapointType = Literal["bool", "enum", "uint8", "uint16", "uint32", "binary"]

_UINT_MAX = {"uint8": 0xFF, "uint16": 0xFFFF, "uint32": 0xFFFFFFFF}
_ON_STEP = Fraction(1, 10**9)  # how close x must be to an integer


@dataclass(frozen=True)
class Datapoint:
    """One datapoint of a product: its wire type, whether apps may write it, and its value constraints.

    `min`/`max` bound the wire value x; apps exchange y = x * ratio + addition.
    """

    name: str
    type: DatapointType
    writable: bool = True
    enum: tuple[str, ...] = ()
    min: int = 0
    max: int | None = None  # None = the type's maximum
    length: int = 0  # binary: the byte length
    default: Any = None
    ratio: Fraction = Fraction(1)
    addition: Fraction = Fraction(0)
    display_name: str = ""

    @property
    def upper(self) -> int:
        """The largest wire value x of a uint datapoint."""
        return _UINT_MAX[self.type] if self.max is None else min(self.max, _UINT_MAX[self.type])

    def display(self, x: int) -> int | float:
        """The display value of wire value `x`, as JSON carries it."""
        return _number(x * self.ratio + self.addition)

    def check(self, value: Any) -> Any:
        """Return `value` as stored, or raise 9025 when it does not fit this datapoint."""
        stored = self._accept(value)
        if stored is None:
            raise ApiError(9025, f"{self.name}: {value!r} is not a valid {self.type}")
        return stored

    def _accept(self, value: Any) -> Any:
        if self.type == "bool":
            if isinstance(value, bool) or (type(value) is int and value in (0, 1)):
                return bool(value)
        elif self.type == "enum":
            return self._enum(value)
        elif self.type == "binary":
            if isinstance(value, str) and len(value) <= 2 * self.length and _is_hex(value):
                return value.lower().ljust(2 * self.length, "0")
        elif type(value) is int and self.ratio == 1 and self.addition.denominator == 1:  # the bulk runs' case
            if self.min <= value - self.addition <= self.upper:
                return value
        elif type(value) in (int, float) and math.isfinite(value):
            x = (Fraction(repr(value)) - self.addition) / self.ratio
            nearest = round(x)
            if abs(x - nearest) <= _ON_STEP and self.min <= nearest <= self.upper:
                return value
        return None

    def _enum(self, value: Any) -> str | None:
        if type(value) is int:
            return self.enum[value] if 0 <= value < len(self.enum) else None
        if isinstance(value, str):
            wanted = unicodedata.normalize("NFC", value)
            return next((label for label in self.enum if unicodedata.normalize("NFC", label) == wanted), None)
        return None

    def nudged(self, value: Any, steps: int) -> int | float:
        """A uint reading moved by `steps` steps, kept within the range (the drift of read-only readings)."""
        x = round((Fraction(repr(value)) - self.addition) / self.ratio) + steps
        return self.display(min(max(x, self.min), self.upper))

    def initial(self) -> Any:
        """The value a new device reports first: `default`, else the lowest value of its type."""
        if self.default is not None:
            return self.default
        if self.type == "bool":
            return False
        if self.type == "enum":
            return self.enum[0] if self.enum else 0
        if self.type == "binary":
            return "00" * self.length
        return self.display(self.min)

    def to_schema(self, index: int) -> dict[str, Any]:
        """This datapoint as an entry of the schema's ``attrs`` list."""
        entry: dict[str, Any] = {
            "id": index, "name": self.name, "display_name": self.display_name or self.name, "data_type": self.type,
            "type": "status_writable" if self.writable else "status_readonly", "desc": "",
            "position": {"byte_offset": 0, "bit_offset": 0, "len": self.length or 1,
                         "unit": "byte" if self.type not in ("bool", "enum") else "bit"},
        }
        if self.type == "enum":
            entry["enum"] = list(self.enum)
        elif self.type in _UINT_MAX:
            entry["uint_spec"] = {"min": self.min, "max": self.upper, "ratio": _number(self.ratio),
                                  "addition": _number(self.addition)}
        return entry

    @classmethod
    def from_schema(cls, entry: Mapping[str, Any]) -> Datapoint:
        """From an entry of the schema's ``attrs`` list."""
        kind = entry["data_type"]
        if kind not in ("bool", "enum", "binary", *_UINT_MAX):
            raise ValueError(f"{entry.get('name')}: unknown data_type {kind!r}")
        spec = entry.get("uint_spec") or {}
        return cls(
            name=str(entry["name"]),
            type=kind,
            writable=entry.get("type") == "status_writable",
            enum=tuple(entry.get("enum") or ()),
            min=int(spec.get("min", 0)),
            max=int(spec["max"]) if "max" in spec else None,
            length=int((entry.get("position") or {}).get("len", 0)) if kind == "binary" else 0,
            ratio=Fraction(repr(spec.get("ratio", 1))),
            addition=Fraction(repr(spec.get("addition", 0))),
            display_name=str(entry.get("display_name") or ""),
        )


@dataclass
class Product:
    """A product: its key, name and datapoints by name, and the secret its owner signs bind_mac calls with."""

    key: str
    datapoints: dict[str, Datapoint] = field(default_factory=dict)
    name: str = ""
    secret: str = ""

    @classmethod
    def of(cls, key: str, *datapoints: Datapoint, name: str = "", secret: str = "") -> Product:
        """A product with these datapoints."""
        return cls(key, {dp.name: dp for dp in datapoints}, name, secret)

    def default_attrs(self) -> dict[str, Any]:
        """Every datapoint at its initial value."""
        return {name: dp.initial() for name, dp in self.datapoints.items()}

    def check_write(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """Validate a control command's attrs (only writable datapoints); raise 9025 on the first bad one."""
        checked: dict[str, Any] = {}
        for name, value in attrs.items():
            dp = self.datapoints.get(name)
            if dp is None:
                raise ApiError(9025, f"{name}: no such datapoint")
            if not dp.writable:
                raise ApiError(9025, f"{name}: read-only")
            checked[name] = dp.check(value)
        return checked

    def to_schema(self) -> dict[str, Any]:
        """The answer of ``GET /app/datapoint?product_key=`` for this product."""
        return {
            "name": self.name or self.key, "product_key": self.key, "protocolType": "standard",
            "packetVersion": "0x00000004",
            "entities": [{"id": 0, "name": "entity0", "display_name": "entity0",
                          "attrs": [dp.to_schema(i) for i, dp in enumerate(self.datapoints.values())]}],
            "ui": {"object": {"version": 4, "showEditButton": False}, "sections": []},
        }

    @classmethod
    def from_schema(cls, data: Mapping[str, Any], *, secret: str = "") -> Product:
        """From a schema as ``GET /app/datapoint`` answers it (entities[0].attrs)."""
        points = [Datapoint.from_schema(entry) for entity in data.get("entities") or () for entry in entity["attrs"]]
        return cls.of(str(data["product_key"]), *points, name=str(data.get("name") or ""), secret=secret)


def load_product(path: str | Path, *, secret: str = "") -> Product:
    """A product from a JSON file holding its datapoint schema (the answer of ``GET /app/datapoint``)."""
    return Product.from_schema(json.loads(Path(path).read_text(encoding="utf-8")), secret=secret)


def demo_product(key: str = "demo-product", secret: str = "") -> Product:
    """The default product: one datapoint of every wire type."""
    return Product.of(
        key,
        Datapoint("switch", "bool", default=False),
        Datapoint("mode", "enum", enum=("auto", "cool", "heat"), default="auto"),
        Datapoint("brightness", "uint8", max=100, default=50),
        Datapoint("temp", "uint16", writable=False, max=500, default=22),
        Datapoint("counter", "uint32", default=0),
        Datapoint("color", "binary", length=3, default="ffffff"),
        secret=secret,
    )


def _number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def _is_hex(text: str) -> bool:
    return all(c in string.hexdigits for c in text)
