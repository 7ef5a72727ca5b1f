"""The app token and verification codes (/app/request_token, /app/verify/codes)."""

from __future__ import annotations

from ..models import AppToken, Captcha
from ..retry import Idempotency
from ..validation import check_text
from ._base import Auth, Call, Endpoints

_CODES = "/app/verify/codes"

#: POST /app/request_token: the app token, signed with md5(appid + app secret) by the request path.
REQUEST_APP_TOKEN = Call("POST", "/app/request_token", Auth.APP_SIGNATURE, parse=AppToken.from_wire)


class CodesAPI(Endpoints):
    """The app token, captcha and SMS-code calls. They need the session's ``app_secret``."""

    async def app_token(self) -> AppToken:
        """POST /app/request_token: the application token, fetched once and reused until close to expiry."""
        return await self._shared.app_tokens.current()

    async def captcha(self) -> Captcha:
        """GET /app/verify/codes: a picture captcha to show the user before an SMS code is sent."""
        result: Captcha = await self._call(Call("GET", _CODES, Auth.APP, parse=Captcha.from_wire))
        return result

    async def send_sms_code(self, phone: str, captcha_id: str, captcha_code: str) -> None:
        """POST /app/verify/codes: have the server text an SMS code to ``phone``, once the user solved the captcha."""
        body = {"captcha_id": check_text(captcha_id, "captcha_id"),
                "captcha_code": check_text(captcha_code, "captcha_code"), "phone": check_text(phone, "phone")}
        await self._call(Call("POST", _CODES, Auth.APP, json=body, idempotency=Idempotency.UNSAFE))

    async def verify_sms_code(self, phone: str, sms_code: str) -> None:
        """PUT /app/verify/codes: check an SMS code; raises `APIError` (9010 invalid, 9009 expired) when it is wrong."""
        body = {"sms_code": check_text(sms_code, "sms_code"), "phone": check_text(phone, "phone")}
        await self._call(Call("PUT", _CODES, Auth.APP, json=body))
