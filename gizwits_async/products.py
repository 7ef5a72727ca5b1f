"""A product's datapoint schema, and the checks a control value must pass before it is sent.

The service publishes each product's datapoints (``GET /app/datapoint``): their names, whether apps may write
them, their types and value ranges. Numbers are exchanged as display values ``y = x * ratio + addition``,
where ``x`` is the unsigned value on the wire and the schema's ``min``/``max`` bound ``x``: the display range
is ``[min * ratio + addition, max * ratio + addition]`` in steps of ``ratio``. Ratios such as 0.1 are not exact
in binary floats, so ranges and steps are checked in decimal arithmetic.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

import attrs

from .errors import ValidationError
from .models import KeepsRaw, _obj, _raw_field

__all__ = ["DATA_TYPES", "Datapoint", "Encoding", "Product"]

DATA_TYPES = ("bool", "enum", "uint8", "uint16", "uint32", "binary")
#: Where values go: the REST wire (control, schedules, groups) or the push socket (``c2s_write``).
Encoding = Literal["rest", "push"]

_UINT_LIMIT = {"uint8": 0xFF, "uint16": 0xFFFF, "uint32": 0xFFFFFFFF}
#: A value whose x = (y - addition) / ratio is this close to an integer is on a step.
_STEP_TOLERANCE = Decimal("1e-9")
_HEX = frozenset("0123456789abcdefABCDEF")
_WRITABLE = "status_writable"


def _decimal(value: Any, what: str) -> Decimal:
    """A schema number as a Decimal (from its shortest text form, so 0.1 is 0.1)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{what} must be a number, got {value!r}")
    number = Decimal(repr(value) if isinstance(value, float) else value)
    if not number.is_finite():
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


def _wire_number(value: Any) -> int | float | None:
    """A control number as it goes on the JSON wire (a `Decimal` as an int or a float), or None when ``value``
    is not a finite number (bools are not numbers here)."""
    kind = type(value)
    if kind is int or kind is float:
        return value if kind is int or math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int | float) and not isinstance(value, bool):  # an IntEnum, a float subclass
        return _wire_number(int(value) if isinstance(value, int) else float(value))
    return None


@attrs.frozen
class Datapoint(KeepsRaw):
    """One datapoint of a product.

    ``minimum``/``maximum`` are the display values ``min * ratio + addition`` and ``max * ratio + addition``
    and ``step`` the ratio (uint types; None otherwise); ``length`` is a binary datapoint's byte length;
    ``enum`` its labels for an enum. Only ``writable`` datapoints may be controlled.
    """

    name: str
    data_type: str
    writable: bool = True
    display_name: str = ""
    enum: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    step: Decimal | None = None
    length: int = 0
    #: The schema's ``uint_spec`` values: x = (y - addition) / ratio, bounded by x_min..x_max.
    ratio: Decimal = Decimal(1)
    addition: Decimal = Decimal(0)
    x_min: int = 0
    x_max: int = 0
    _raw: Mapping[str, Any] = _raw_field()
    _labels: dict[str, str] = attrs.field(init=False, repr=False, eq=False)
    #: Whole-number shortcut: ratio 1 and an integral addition make x = y - addition for an int y.
    _int_offset: int | None = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_labels", {unicodedata.normalize("NFC", label): label for label in self.enum})
        integral = self.ratio == 1 and self.addition == self.addition.to_integral_value()
        object.__setattr__(self, "_int_offset", int(self.addition) if integral else None)

    @classmethod
    def from_wire(cls, data: Any) -> Datapoint:
        """From one entry of a schema's ``entities[0].attrs``."""
        body = _obj(data)
        name, data_type = str(body["name"]), str(body["data_type"])
        if data_type not in DATA_TYPES:
            raise ValueError(f"datapoint {name!r}: unknown data_type {data_type!r}")
        writable = body.get("type") == _WRITABLE
        display_name = str(body.get("display_name") or "")
        raw = body
        if data_type in _UINT_LIMIT:
            return cls._uint_from_wire(name, data_type, writable, display_name, raw)
        labels = tuple(str(label) for label in body.get("enum") or ()) if data_type == "enum" else ()
        length = int(_obj(body.get("position") or {}).get("len") or 0) if data_type == "binary" else 0
        return cls(name, data_type, writable, display_name, enum=labels, length=length, raw=raw)

    @classmethod
    def _uint_from_wire(
        cls, name: str, data_type: str, writable: bool, display_name: str, raw: Mapping[str, Any]
    ) -> Datapoint:
        spec = _obj(raw.get("uint_spec") or {})
        ratio = _decimal(spec.get("ratio", 1), f"{name} ratio")
        addition = _decimal(spec.get("addition", 0), f"{name} addition")
        if ratio <= 0:
            raise ValueError(f"datapoint {name!r}: ratio must be > 0, got {ratio}")
        x_min = max(0, int(spec.get("min", 0)))
        x_max = min(int(spec.get("max", _UINT_LIMIT[data_type])), _UINT_LIMIT[data_type])
        return cls(name, data_type, writable, display_name, minimum=x_min * ratio + addition,
                   maximum=x_max * ratio + addition, step=ratio, ratio=ratio, addition=addition,
                   x_min=x_min, x_max=x_max, raw=raw)

    def check(self, value: Any, encoding: Encoding = "rest") -> Any:
        """``value`` as it goes on the wire, or `ValidationError` naming this datapoint and the rule broken."""
        if not self.writable:
            raise ValidationError(f"datapoint {self.name!r} is read-only")
        data_type = self.data_type
        if data_type == "bool":
            return self._bool(value)
        if data_type == "enum":
            return self._enum(value, encoding)
        if data_type == "binary":
            return self._binary(value, encoding)
        return self._uint(value)

    def _bool(self, value: Any) -> bool:
        # 0 and 1 are accepted too: field clients send them and the service takes them.
        if type(value) is bool:
            return value
        if type(value) is int and value in (0, 1):
            return bool(value)
        raise ValidationError(f"datapoint {self.name!r} (bool) takes True or False (or 0/1), got {value!r:.60}")

    def _enum(self, value: Any, encoding: Encoding) -> str | int:
        if isinstance(value, str):
            label = self._labels.get(unicodedata.normalize("NFC", value))
            if label is not None:
                return label
        elif type(value) is int and 0 <= value < len(self.enum):
            # The REST wire takes the index as given; the push socket wants the label.
            return self.enum[value] if encoding == "push" else value
        labels = ", ".join(repr(label) for label in self.enum)
        raise ValidationError(f"datapoint {self.name!r} (enum) takes one of {labels} or an index "
                              f"0..{len(self.enum) - 1}, got {value!r:.60}")

    def _binary(self, value: Any, encoding: Encoding) -> str | list[int]:
        if isinstance(value, bytes | bytearray | memoryview):
            text = bytes(value).hex()
        elif isinstance(value, str) and all(c in _HEX for c in value):
            text = value.lower()
        else:
            raise ValidationError(f"datapoint {self.name!r} (binary) takes bytes or a hex string, "
                                  f"got {type(value).__name__}")
        if len(text) > 2 * self.length:
            raise ValidationError(f"datapoint {self.name!r} (binary) holds at most {self.length} bytes, "
                                  f"got {(len(text) + 1) // 2}")
        padded = text.ljust(2 * self.length, "0")  # the service pads on the right with zero bytes too
        return list(bytes.fromhex(padded)) if encoding == "push" else padded

    def _uint(self, value: Any) -> int | float:
        offset = self._int_offset
        if offset is not None and type(value) is int:  # the usual case, without decimal arithmetic
            if self.x_min <= value - offset <= self.x_max:
                return value
            raise self._out_of_range(value)
        wire = _wire_number(value)
        if wire is None:
            raise ValidationError(f"datapoint {self.name!r} ({self.data_type}) takes a finite number, "
                                  f"got {value!r:.60}")
        # A float goes on the wire in its shortest form (repr): that is the value the server sees.
        number = Decimal(wire) if type(wire) is int else Decimal(repr(wire))
        x = (number - self.addition) / self.ratio
        whole = x.to_integral_value()
        if abs(x - whole) > _STEP_TOLERANCE:
            raise ValidationError(f"datapoint {self.name!r} ({self.data_type}) takes values from "
                                  f"{_plain(self.minimum)} in steps of {_plain(self.ratio)}, "
                                  f"got {value!r:.60}")
        if not self.x_min <= whole <= self.x_max:
            raise self._out_of_range(value)
        return wire

    def _out_of_range(self, value: Any) -> ValidationError:
        return ValidationError(f"datapoint {self.name!r} ({self.data_type}) takes "
                               f"{_plain(self.minimum)}..{_plain(self.maximum)}, "
                               f"got {value!r:.60}")

    def decode(self, value: Any) -> Any:
        """A reported value in Python form: bool from 0/1, an enum index as its label, binary as bytes.

        A value that does not fit the schema is returned unchanged.
        """
        data_type = self.data_type
        if data_type == "bool" and type(value) is int and value in (0, 1):
            return bool(value)
        if data_type == "enum" and type(value) is int and 0 <= value < len(self.enum):
            return self.enum[value]
        if data_type == "binary":
            if isinstance(value, str) and len(value) % 2 == 0 and all(c in _HEX for c in value):
                return bytes.fromhex(value)
            if isinstance(value, list) and all(type(b) is int and 0 <= b <= 255 for b in value):
                return bytes(value)
        return value


@attrs.frozen
class Product(KeepsRaw):
    """A product's datapoint schema: ``datapoints`` by name, and `check` for control values."""

    product_key: str
    name: str = ""
    datapoints: dict[str, Datapoint] = attrs.field(factory=dict)
    _raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_wire(cls, data: Any) -> Product:
        """From the answer of ``GET /app/datapoint?product_key=`` (the datapoints of its one entity)."""
        body = _obj(data)
        points: dict[str, Datapoint] = {}
        for entity in body.get("entities") or ():
            for item in _obj(entity).get("attrs") or ():
                point = Datapoint.from_wire(item)
                points[point.name] = point
        return cls(str(body["product_key"]), str(body.get("name") or ""), points, body)

    def check(self, attrs: Any, *, did: str | None = None, encoding: Encoding = "rest") -> dict[str, Any]:
        """The values of ``attrs`` exactly as they go on the wire, or `ValidationError` naming the device (when
        ``did`` is given), the datapoint and the rule broken.

        On the REST wire binaries are lowercase hex padded to the datapoint's length, enum labels stay labels
        and indexes stay indexes, numbers are sent as given (a `Decimal` as an int or a float); on the push
        socket (``encoding="push"``) binaries are byte lists and enum indexes become labels.
        """
        if not isinstance(attrs, Mapping) or not attrs:
            raise ValidationError(_about(did, f"attrs must be a non-empty mapping of datapoint name to value, "
                                              f"got {attrs!r:.60}"))
        points = self.datapoints
        wire: dict[str, Any] = {}
        for name, value in attrs.items():
            point = points.get(name)
            try:
                if point is None:
                    raise ValidationError(f"product {self.product_key} has no datapoint {name!r:.60}")
                wire[name] = point.check(value, encoding)
            except ValidationError as exc:
                if did is None:
                    raise
                raise ValidationError(_about(did, str(exc))) from None
        return wire

    def decode(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """Reported values in Python form (see `Datapoint.decode`); names the schema lacks pass unchanged."""
        points = self.datapoints
        return {name: points[name].decode(value) if name in points else value for name, value in attrs.items()}


def _plain(number: Decimal | None) -> str:
    """A decimal as people write it: -30, 21.5 (not -30.0 or 1E+2)."""
    return "?" if number is None else format(number.normalize(), "f")


def _about(did: str | None, message: str) -> str:
    return message if did is None else f"device {did}: {message}"
