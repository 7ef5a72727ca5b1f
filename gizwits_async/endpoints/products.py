"""Product schemas: fetched once per product key, and the one check every control path runs.

The session learns which product a device belongs to from the device records it reads (`bindings`,
`iter_bindings`, `device`), and a product's schema from `datapoints` or ``Session(products=...)``. From then on
`check_attrs` checks that device's control values against the schema; until then only their Python types are
checked and the server decides. No control call fetches a schema by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import ValidationError
from ..models import Device
from ..products import Encoding, Product
from ..validation import check_did, check_segment, encode_attrs
from ._base import Call, Endpoints

__all__ = ["ProductsAPI"]


class ProductsAPI(Endpoints):
    """The product knowledge of `Session` (shared with its `for_user` sessions)."""

    def _init_products(self, products: Iterable[Product]) -> None:
        """Know ``products`` from the start (kept in `Shared`, so `for_user` sessions know them too)."""
        for product in products:
            if not isinstance(product, Product):
                raise ValidationError(f"products must be Product objects, got {type(product).__name__}")
            self._shared.products[product.product_key] = product

    async def datapoints(self, product_key: str) -> Product:
        """The product's datapoint schema (``GET /app/datapoint``), fetched once per session and then cached.

        From then on every control of this product's devices is checked against it before it is sent.
        """
        product = self._shared.products.get(check_segment(product_key, "product_key"))
        if product is None:
            product = await self._call(Call("GET", f"/app/datapoint?product_key={product_key}",
                                            parse=Product.from_wire))
            self._shared.products[product_key] = product
        return product

    def product_of(self, did: str) -> Product | None:
        """The schema of the device's product, when the session knows both the device's product and its schema."""
        product_key = self._shared.device_products.get(did)
        return None if product_key is None else self._shared.products.get(product_key)

    def remember_devices(self, devices: Iterable[Device]) -> None:
        """Record which product each device belongs to, so that its control values are checked from now on.

        `bindings`, `iter_bindings` and `device` do this by themselves; this is for device lists kept elsewhere.
        """
        known = self._shared.device_products
        for device in devices:
            if device.product_key:
                known[device.did] = device.product_key

    def check_attrs(
        self, did: str | None, attrs: Mapping[str, Any], *, product_key: str | None = None,
        encoding: Encoding = "rest",
    ) -> dict[str, Any]:
        """Control values in wire form, checked against the product's schema when the session knows it.

        The product is ``product_key``'s when given, else the one recorded for ``did`` (which is checked too).
        Without a known schema only the values' types are checked (the server decides the rest). A rejected value
        raises `ValidationError` naming the device, the datapoint and the rule. Every control path calls this:
        `control`, `control_many`, `stream_control` and schedules.
        """
        if did is not None:
            check_did(did)
        key = product_key if product_key is not None else self._shared.device_products.get(did) if did else None
        product = self._shared.products.get(key) if key is not None else None
        if product is None:
            return encode_attrs(attrs) if encoding == "rest" else _typed_push_values(attrs)
        return product.check(attrs, did=did, encoding=encoding)

    def _decoder(self, did: object) -> Callable[[Mapping[str, Any]], dict[str, Any]] | None:
        """How to decode the device's reported values, when its product's schema is known (None for anything
        but a str: `latest_call` refuses a bad did itself)."""
        if not self._shared.products or type(did) is not str:  # (no schema known: the usual bulk reading)
            return None
        product = self.product_of(did)
        return None if product is None else product.decode


def _typed_push_values(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Type-checked values for the push socket when no schema is known: binaries as byte lists."""
    wire = encode_attrs(attrs)
    for name, value in attrs.items():
        if isinstance(value, bytes | bytearray | memoryview):
            wire[name] = list(bytes(value))
    return wire
