"""Products and their datapoint schemas, and the checks a control command's attrs must pass."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import ApiError

DatapointType = Literal["bool", "enum", "uint8", "uint16", "uint32", "binary"]

_UINT_MAX = {"uint8": 0xFF, "uint16": 0xFFFF, "uint32": 0xFFFFFFFF}


@dataclass(frozen=True)
class Datapoint:
    """One datapoint of a product: its wire type, whether apps may write it, and its value constraints."""

    name: str
    type: DatapointType
    writable: bool = True
    enum: tuple[str, ...] = ()
    min: int = 0
    max: int | None = None  # None = the type's maximum
    length: int = 0  # binary: the byte length
    default: Any = None

    @property
    def upper(self) -> int:
        """The largest value of a uint datapoint."""
        return _UINT_MAX[self.type] if self.max is None else self.max

    def check(self, value: Any) -> Any:
        """Return `value` as stored, or raise 9025 when it does not fit this datapoint."""
        if self.type == "bool":
            if isinstance(value, bool):
                return value
        elif self.type == "enum":
            if isinstance(value, str) and value in self.enum:
                return value
        elif self.type == "binary":
            if isinstance(value, str) and len(value) == 2 * self.length and _is_hex(value):
                return value.lower()
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and float(value).is_integer()
            and self.min <= value <= self.upper
        ):
            return int(value)
        raise ApiError(9025, f"{self.name}: {value!r} is not a valid {self.type}")


@dataclass
class Product:
    """A product: its key and its datapoints by name."""

    key: str
    datapoints: dict[str, Datapoint] = field(default_factory=dict)

    @classmethod
    def of(cls, key: str, *datapoints: Datapoint) -> Product:
        """A product with these datapoints."""
        return cls(key, {dp.name: dp for dp in datapoints})

    def default_attrs(self) -> dict[str, Any]:
        """Every datapoint at its default value."""
        return {name: dp.default for name, dp in self.datapoints.items()}

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


def demo_product(key: str = "demo-product") -> Product:
    """The default product: one datapoint of every wire type."""
    return Product.of(
        key,
        Datapoint("switch", "bool", default=False),
        Datapoint("mode", "enum", enum=("auto", "cool", "heat"), default="auto"),
        Datapoint("brightness", "uint8", max=100, default=50),
        Datapoint("temp", "uint16", writable=False, max=500, default=22),
        Datapoint("counter", "uint32", default=0),
        Datapoint("color", "binary", length=3, default="ffffff"),
    )


def _is_hex(text: str) -> bool:
    return all(c in string.hexdigits for c in text)
