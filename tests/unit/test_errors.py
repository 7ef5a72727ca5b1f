"""Error answers: body parsing, the exception class mapping, ErrorCode, and that errors never show a token."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from gizwits_async import (
    APIError,
    AttrInvalidError,
    AuthenticationError,
    DeviceDisabledError,
    DeviceNotBoundError,
    DeviceNotFoundError,
    DeviceOfflineError,
    ErrorCode,
    GizwitsError,
    MemoryTokenStore,
    PermissionDeniedError,
    ServerError,
    Session,
    ThrottledError,
    TokenError,
    TransportError,
    ValidationError,
)
from gizwits_async.errors import (
    error_from_response,
    error_key,
    http_status,
    is_permanent,
    page_summary,
    parse_error_body,
)

from .conftest import APPID, SECRET, USER_TOKEN, error_body, stored_token

ERRORS_MD = Path("/work/shared/reference/ERRORS.md")


def parse(status: int, body: bytes | str, method: str = "POST", url: str = "/app/control/d1") -> APIError:
    raw = body.encode() if isinstance(body, str) else body
    return error_from_response(status, raw, method=method, url=url)


# -- parsing the body -----------------------------------------------------------------------------------------


def test_int_error_code() -> None:
    error = parse(400, '{"error_code": 9004, "error_message": "token invalid", "detail_message": null}')
    assert (error.code, error.message, error.detail, error.status) == (9004, "token invalid", None, 400)


def test_str_error_code() -> None:
    error = parse(400, '{"error_code": "9015", "error_message": "form invalid!", "detail": ""}')
    assert error.code == 9015 and isinstance(error.code, int)
    assert error.message == "form invalid!"
    assert error.detail is None  # an empty detail is no detail


@pytest.mark.parametrize("key", ["detail_message", "detail", "detail_msg"])
def test_each_detail_key(key: str) -> None:
    error = parse(400, json.dumps({"error_code": 9025, "error_message": "attr invalid!", key: "temp is read-only"}))
    assert error.detail == "temp is read-only"
    assert "temp is read-only" in str(error)


def test_json_served_as_text_html_is_parsed() -> None:
    # The Content-Type is not even looked at: a session answer with text/html is parsed as JSON.
    error = parse(400, b'{"error_code": 9042, "error_message": "device offline!"}')
    assert isinstance(error, DeviceOfflineError)
    assert error.code == 9042


async def test_json_served_as_text_html_through_the_session(client: httpx.AsyncClient) -> None:
    with respx.mock(base_url="https://api.gizwits.com") as mock:
        mock.post("/app/control/d1").respond(
            400, content=b'{"error_code": 9042, "error_message": "device offline!", "detail_message": "d1"}',
            headers={"Content-Type": "text/html; charset=utf-8"})
        async with Session(APPID, client=client, token_store=MemoryTokenStore(stored_token())) as session:
            with pytest.raises(DeviceOfflineError) as caught:
                await session.control("d1", {"on": True})
    assert (caught.value.code, caught.value.message, caught.value.detail) == (9042, "device offline!", "d1")


def test_html_502_page_keeps_its_text() -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
    error = parse(502, page, method="GET", url="/app/bindings")
    assert isinstance(error, ServerError)
    assert error.code is None
    assert error.status == 502
    assert error.detail == page
    assert "502 Bad Gateway" in str(error)


def test_html_page_gives_its_title_as_the_message_and_keeps_the_body() -> None:
    page = ("<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
            "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>")
    error = parse(503, page, method="GET", url="/app/bindings")
    assert (type(error), error.message, error.detail) == (ServerError, "503 Service Temporarily Unavailable", page)
    assert str(error) == "HTTP 503 503 Service Temporarily Unavailable (GET /app/bindings)"
    assert "<" not in str(error) and error.brief_detail is None


def test_long_page_is_kept_up_to_64_kib() -> None:
    error = parse(502, "<p>" + "x" * 100_000 + "</p>")
    assert error.detail is not None and len(error.detail) == 65_536
    assert len(str(error)) < 300


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        ("<html><head><TITLE> 502 Bad\n Gateway </TITLE></head></html>", "502 Bad Gateway"),
        ("<html><body>\n\n<h1>Oops &amp; sorry</h1>\n<p>later</p>", "Oops & sorry"),
        ("Bad Gateway\nupstream reset", "Bad Gateway"),
        ("<title></title>\nfirst line", "first line"),
        ("<p></p>\n  \n", None),
        ("", None),
        ("y" * 500, "y" * 199 + "…"),
    ],
)
def test_page_summary(text: str, summary: str | None) -> None:
    assert page_summary(text) == summary


@pytest.mark.parametrize(
    ("detail", "shown"),
    [
        ("temp is read-only", True),
        (None, False),
        ("the message", False),  # the same as the message: said once
        ("line one\nline two", False),
        ("<html>page</html>", False),
        ("z" * 201, False),
    ],
)
def test_brief_detail_is_a_short_line(detail: str | None, shown: bool) -> None:
    error = APIError("the message", code=9025, detail=detail, status=400)
    assert error.brief_detail == (detail if shown else None)
    assert (f": {detail}" in str(error)) is shown


@pytest.mark.parametrize(
    ("error", "key", "permanent"),
    [
        (DeviceOfflineError("m", code=9042), "DEVICE_OFFLINE", False),
        (ThrottledError("m", code=9041), "REQUEST_THROTTLED", False),
        (ThrottledError("m", status=429), "ThrottledError", False),
        (ServerError("m", status=502), "ServerError", False),
        (ServerError("m", code=9008), "SERVER_ERROR", False),
        (APIError("m", code=12345), "CODE_12345", False),
        (TransportError("reset", sent=True), "TransportError", False),
        (DeviceNotFoundError("m", code=9014), "DEVICE_NOT_FOUND", True),
        (AttrInvalidError("m", code=9025), "ATTR_INVALID", True),
        (DeviceNotBoundError("m", code=9017), "DEVICE_NOT_BOUND", True),
        (DeviceDisabledError("m", code=9023), "DEVICE_DISABLED", True),
        (APIError("m", code=9016), "DID_PASSCODE_INVALID", True),
        (APIError("m", code=9015), "FORM_INVALID", True),
        (ValidationError("bad did"), "ValidationError", True),
        (PermissionDeniedError("m", code=9093), "ONLY_OWNER_CAN_OPERATE", True),
        (TokenError("m", code=9004), "TOKEN_INVALID", False),
    ],
)
def test_error_key_and_permanence(error: GizwitsError, key: str, permanent: bool) -> None:
    assert (error_key(error), is_permanent(error)) == (key, permanent)


@pytest.mark.parametrize("body", [b"", b"   \n", b"null", b"[]", b'"text"', b"42"])
def test_empty_or_non_object_body(body: bytes) -> None:
    error = parse(400, body)
    assert type(error) is APIError
    assert error.code is None
    assert error.message  # a default message, never empty


def test_garbage_bytes() -> None:
    error = parse(500, b"\xff\xfe\x00garbage\x80")
    assert isinstance(error, ServerError)
    assert error.code is None
    assert error.detail is not None and "garbage" in error.detail


@pytest.mark.parametrize("code", [None, True, "abc", "", 9.5, [9004], {"a": 1}])
def test_odd_error_code_values_are_no_code(code: object) -> None:
    error = parse(400, json.dumps({"error_code": code, "error_message": "m"}))
    assert error.code is None
    assert type(error) is APIError


def test_missing_message_gets_a_default_from_the_code() -> None:
    error = parse(400, '{"error_code": 9042}')
    assert error.message == "device offline"


def test_parse_error_body_triple() -> None:
    assert parse_error_body(b'{"error_code": "9016", "error_message": "x", "detail_msg": "y"}') == (9016, "x", "y")


# -- the exception classes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        (9005, 400, AuthenticationError),
        (9020, 400, AuthenticationError),
        (9004, 400, TokenError),
        (9006, 400, TokenError),
        (9041, 429, ThrottledError),
        (9041, 400, ThrottledError),
        (None, 429, ThrottledError),
        (9042, 400, DeviceOfflineError),
        (9014, 404, DeviceNotFoundError),
        (9008, 500, ServerError),
        (9008, 400, ServerError),
        (None, 500, ServerError),
        (None, 502, ServerError),
        (None, 503, ServerError),
        (None, 504, ServerError),
        (9015, 400, APIError),
        (9016, 400, APIError),
        (9017, 401, DeviceNotBoundError),
        (9023, 400, DeviceDisabledError),
        (9025, 400, AttrInvalidError),
        (9999, 400, APIError),
        (12345, 400, APIError),
        (None, 400, APIError),
        (None, 404, APIError),
    ],
)
def test_exception_class_mapping(code: int | None, status: int, cls: type[APIError]) -> None:
    body = b"" if code is None else json.dumps(error_body(code, "the message", detail_message="the detail")).encode()
    error = parse(status, body, method="POST", url="/app/control/d1")
    assert type(error) is cls
    assert isinstance(error, GizwitsError)
    assert error.code == code
    assert error.status == status
    assert error.method == "POST"
    assert error.url == "/app/control/d1"
    if code is not None:
        assert (error.message, error.detail) == ("the message", "the detail")
    assert "POST /app/control/d1" in str(error)  # the message names the method and path


def test_code_wins_over_status() -> None:
    assert type(parse(500, json.dumps(error_body(9042)))) is DeviceOfflineError
    assert type(parse(429, json.dumps(error_body(9004)))) is TokenError


def test_error_code_property() -> None:
    assert parse(400, json.dumps(error_body(9004))).error_code is ErrorCode.TOKEN_INVALID
    assert parse(400, json.dumps(error_body(12345))).error_code is None
    assert parse(400, b"").error_code is None


# -- never a token ----------------------------------------------------------------------------------------------


async def test_error_messages_never_contain_a_token(client: httpx.AsyncClient) -> None:
    with respx.mock(base_url="https://api.gizwits.com") as mock:
        mock.post("/app/control/d1").respond(400, json=error_body(9004, "token invalid"))
        mock.post("/app/request_token").respond(400, json=error_body(9038, "X-Gizwits-Application-Auth invalid!"))
        giz = Session(APPID, client=client, app_secret=SECRET, token_store=MemoryTokenStore(stored_token()))
        async with giz.for_user((USER_TOKEN, "uid")) as alice:
            with pytest.raises(TokenError) as token_error:
                await alice.control("d1", {"on": True})
        async with giz:
            with pytest.raises(APIError) as auth_error:
                await giz.app_token()
    for error in (token_error.value, auth_error.value):
        text = f"{error} {error!r} {error.args} {error.message} {error.detail} {error.url}"
        assert USER_TOKEN not in text
        assert SECRET not in text


async def test_malformed_login_answer_does_not_quote_the_token(client: httpx.AsyncClient) -> None:
    with respx.mock(base_url="https://api.gizwits.com") as mock:
        mock.post("/app/login").respond(200, json={"uid": "u", "token": "SECRET-TOKEN-VALUE"})  # no expire_at
        async with Session(APPID, client=client) as session:
            with pytest.raises(APIError) as caught:
                await session.login("bob", "123456")
    assert "SECRET-TOKEN-VALUE" not in f"{caught.value} {caught.value!r} {caught.value.detail}"
    assert caught.value.status == 200


# -- ErrorCode --------------------------------------------------------------------------------------------------


def test_error_code_names() -> None:
    assert ErrorCode.TOKEN_INVALID == 9004
    assert ErrorCode.TOKEN_EXPIRED == 9006
    assert ErrorCode.REQUEST_THROTTLED == 9041
    assert ErrorCode.DEVICE_OFFLINE == 9042
    assert ErrorCode(9020) is ErrorCode.USERNAME_PASSWORD_ERROR


@pytest.mark.skipif(not ERRORS_MD.exists(), reason="ERRORS.md is not on this machine")
def test_error_code_covers_every_code_of_errors_md() -> None:
    codes = {int(code) for code in re.findall(r"^\|\s*(\d{4})\s*\|", ERRORS_MD.read_text(), re.MULTILINE)}
    assert len(codes) > 60  # the table was found
    missing = sorted(codes - {member.value for member in ErrorCode})
    assert missing == []


# -- never raises -------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(alphabet=string.printable),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@given(status=st.integers(min_value=0, max_value=999), body=st.binary(max_size=300))
def test_error_from_response_never_raises_on_bytes(status: int, body: bytes) -> None:
    error = error_from_response(status, body, method="GET", url="/app/bindings")
    assert isinstance(error, APIError)
    assert error.status == status
    assert isinstance(error.message, str) and error.message


@settings(max_examples=60)
@given(
    status=st.sampled_from([200, 400, 401, 404, 429, 500, 502, 503, 504]),
    code=json_values | st.integers(min_value=9000, max_value=9999) | st.from_regex(r" ?[0-9]{1,5} ?", fullmatch=True),
    message=json_values,
    detail_key=st.sampled_from(["detail_message", "detail", "detail_msg", "other"]),
    detail=json_values,
)
def test_error_from_response_never_raises_on_json(
    status: int, code: object, message: object, detail_key: str, detail: object
) -> None:
    body = json.dumps({"error_code": code, "error_message": message, detail_key: detail}).encode()
    error = error_from_response(status, body, method="GET", url="/app/bindings")
    assert isinstance(error, APIError)
    assert error.code is None or isinstance(error.code, int)
    assert isinstance(error.message, str)


@pytest.mark.parametrize("code", ["²", "0\x1f", "9" * 5000], ids=["superscript", "unit-separator", "5000-digits"])
def test_error_from_response_never_raises_on_odd_digit_strings(code: str) -> None:
    error = error_from_response(400, json.dumps({"error_code": code}).encode(), method="GET", url="/x")
    assert isinstance(error, APIError)


@pytest.mark.parametrize(("error", "status"), [
    (ValidationError("bad did"), 422),
    (AttrInvalidError("attr invalid!", code=9025), 422),
    (DeviceNotFoundError("device not found!", code=9014), 404),
    (DeviceNotBoundError("device not bound!", code=9017), 404),
    (DeviceOfflineError("device offline!", code=9042), 409),
    (DeviceDisabledError("device is disabled!", code=9023), 409),
    (ThrottledError("request was throttled", code=9041), 429),
    (ServerError("502 Bad Gateway", status=502), 502),
    (TransportError("connection reset", sent=True), 504),
    (PermissionDeniedError("permission denied, you are not owner!", code=9093), 403),
    (TokenError("token invalid", code=9004), 502),  # the app's own account failing: upstream's fault
    (APIError("odd", code=12345), 502),
])
def test_http_status_by_meaning(error: GizwitsError, status: int) -> None:
    assert http_status(error) == status
