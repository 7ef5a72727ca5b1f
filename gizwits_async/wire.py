"""The edges of a call on the wire: its JSON body out, its answer in. Plain functions, no I/O."""

from __future__ import annotations

import json
import json.encoder
import json.scanner
from collections.abc import Callable
from typing import Any, TypeVar

from .endpoints._base import Call
from .errors import APIError, error_from_response

__all__ = ["decode", "decode_json", "encode_json"]

T = TypeVar("T")

#: What a parser raises on an answer of the wrong shape (a missing key, a wrong type, a bad number...).
_SHAPE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, ArithmeticError)


def _json_encoder() -> Callable[[Any], str]:
    """One compact JSON encoder for every body.

    `json.dumps` with options, and `JSONEncoder.encode` too, build a new C encoder per call; this builds it
    once. No circular-reference check: bodies are built here, from checked values.
    """
    plain = json.JSONEncoder(separators=(",", ":"), check_circular=False)
    make: Callable[..., Callable[[Any, int], list[str]]] | None = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        return plain.encode
    encode = make(None, plain.default, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True)
    return lambda value: "".join(encode(value, 0))


_encode = _json_encoder()


def encode_json(value: Any) -> bytes:
    """``value`` as a compact JSON request body."""
    return _encode(value).encode()


#: The JSON scanner `json.loads` ends in (the C one where there is one), called directly: `json.loads` of bytes
#: guesses their encoding first, and `JSONDecoder.decode` adds two Python calls and two regex matches.
_scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # (typeshed: any decoder's settings do)
_JSON_SPACE = " \t\n\r"


def decode_json(text: str) -> Any:
    """The JSON value ``text`` holds, whitespace around it allowed (`json.loads`, for a str, minus its detours).

    Raises `json.JSONDecodeError` where `json.loads` does.
    """
    start = 0 if text[:1] not in _JSON_SPACE else len(text) - len(text.lstrip(_JSON_SPACE))
    try:
        value, end = _scan(text, start)
    except StopIteration as exc:
        raise json.JSONDecodeError("Expecting value", text, exc.value) from None
    if end != len(text) and (rest := text[end:].lstrip(_JSON_SPACE)):
        raise json.JSONDecodeError("Extra data", text, len(text) - len(rest))
    return value


def _is_json_object(body: bytes) -> bool:
    """Whether ``body`` is a JSON object (what the service answers a call with nothing to return, like ``{}``)."""
    try:
        return isinstance(decode_json(body.decode()), dict)
    except ValueError:  # (UnicodeDecodeError and JSONDecodeError are ValueErrors)
        return False


def decode(call: Call[T], status: int, body: bytes) -> T | APIError:
    """The result of ``call`` from its answer's status and body, or the `APIError` the answer means.

    An error status becomes its typed error (the Gizwits code, status and message); a success is parsed by
    ``call.parse`` (a call without one has the result None and its body is not read); an answer of the wrong
    shape is an `APIError` that does not quote the body (a login answer carries a token).
    """
    if status >= 300:
        return error_from_response(status, body, method=call.method, url=call.path)
    parse = call.parse
    if parse is None:  # a Call without parse is a Call[None]: the answer must still be the service's
        if body != b"{}" and (text := body.strip()) and text != b"{}" and not _is_json_object(text):
            return APIError(f"unexpected answer ({len(body)} bytes), not a JSON object: {body[:80]!r}",
                            status=status, method=call.method, url=call.path)
        return None  # type: ignore[return-value]  # (T is None: `typing.cast` would cost a call per request)
    try:
        return parse(decode_json(body.decode()) if body and not body.isspace() else None)
    except _SHAPE_ERRORS as exc:
        return APIError(f"unexpected answer ({len(body)} bytes): {type(exc).__name__}: {exc}",
                        status=status, method=call.method, url=call.path)
