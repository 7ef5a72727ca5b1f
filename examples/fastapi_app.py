"""A FastAPI app that shares one gizwits-async Session between all its requests.

The session is opened (and signed in) in the app's lifespan and closed when the app stops. Settings come from
the environment: GIZWITS_APPID, GIZWITS_USERNAME, GIZWITS_PASSWORD, and GIZWITS_BASE_URL or GIZWITS_REGION.

    gizwits emulator &        # or use your own appid and account
    GIZWITS_APPID=demo-appid GIZWITS_BASE_URL=http://127.0.0.1:8765 GIZWITS_USERNAME=demo \\
    GIZWITS_PASSWORD=demo-password uvicorn examples.fastapi_app:app --port 8000   # on 127.0.0.1 only
    curl localhost:8000/devices
    curl -X POST localhost:8000/devices/DID/control -H 'Content-Type: application/json' \\
         -d '{"attrs": {"switch": true, "brightness": 80}}'

Library errors become answers by what they mean for the caller: a bad command (a bad did or value, or values
the server refused: 9025) is 422, an unknown device 404, an offline or disabled device 409, throttling 429,
the Gizwits service failing 502 (unreachable: 504). A body that is not JSON is 400.

Many worker processes (``uvicorn --workers 4``, or replicas): set GIZWITS_REDIS_URL (redis://host:6379/0). The
workers then share one token through Redis, and `ensure_login` signs in once for all of them; optionally
GIZWITS_RATE (requests per second) caps all workers together with one shared budget.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.asyncio import Redis

import gizwits_async as gizwits
from gizwits_async.errors import error_key, http_status


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the one session of this worker, signed in, for as long as the app runs."""
    env = os.environ
    appid, username = env["GIZWITS_APPID"], env["GIZWITS_USERNAME"]
    async with contextlib.AsyncExitStack() as stack:
        token_store, rate_limiter = None, None
        if env.get("GIZWITS_REDIS_URL"):  # shared by every worker process
            redis = Redis.from_url(env["GIZWITS_REDIS_URL"])
            stack.push_async_callback(redis.aclose)
            token_store = gizwits.RedisTokenStore(redis, appid=appid, username=username)
            if env.get("GIZWITS_RATE"):
                rate_limiter = gizwits.RedisRateLimiter(redis, float(env["GIZWITS_RATE"]), appid=appid)
        session = await stack.enter_async_context(gizwits.Session(
            appid, region=env.get("GIZWITS_REGION", "cn"), base_url=env.get("GIZWITS_BASE_URL"),
            token_store=token_store, rate_limiter=rate_limiter,
        ))
        # Adopts the token another worker saved, or signs in (once for all workers, under the store's lock).
        await session.ensure_login(username, env["GIZWITS_PASSWORD"])
        app.state.session = session
        yield


app = FastAPI(title="Gizwits devices", lifespan=lifespan)


def get_session(request: Request) -> gizwits.Session:
    """The app's session (a dependency)."""
    session: gizwits.Session = request.app.state.session
    return session


SessionDep = Annotated[gizwits.Session, Depends(get_session)]


class Command(BaseModel):
    """The body of a control request, ``{"attrs": {"switch": true, "brightness": 80}}``: datapoint -> value."""

    attrs: dict[str, bool | int | float | str]


@app.exception_handler(gizwits.GizwitsError)
async def gizwits_error(request: Request, error: gizwits.GizwitsError) -> JSONResponse:
    """A library error as a JSON answer with the Gizwits code; anything unexpected upstream is a 502."""
    body = {"error": str(error), "kind": error_key(error), "code": getattr(error, "code", None)}
    return JSONResponse(body, status_code=http_status(error))


@app.exception_handler(RequestValidationError)
async def bad_request(request: Request, error: Exception) -> JSONResponse:
    """A body that is not JSON is 400; JSON of the wrong shape stays FastAPI's 422."""
    problems = error.errors() if isinstance(error, RequestValidationError) else []
    status = 400 if any(problem.get("type") == "json_invalid" for problem in problems) else 422
    return JSONResponse({"error": "the body is not JSON" if status == 400 else "bad request",
                         "detail": [problem.get("msg") for problem in problems]}, status_code=status)


@app.get("/devices")
async def devices(session: SessionDep) -> list[dict[str, Any]]:
    """The devices bound to the account."""
    return [
        {"did": d.did, "product_key": d.product_key, "is_online": d.is_online, "remark": d.remark}
        async for d in session.iter_bindings()
    ]


@app.get("/devices/{did}")
async def device(did: str, session: SessionDep) -> dict[str, Any]:
    """A device's latest reported data."""
    data = await session.latest(did)
    return {"did": data.did, "updated_at": data.updated_at, "attrs": data.attrs}


@app.post("/devices/{did}/control")
async def control(did: str, command: Command, session: SessionDep) -> dict[str, Any]:
    """Set datapoints of a device."""
    await session.control(did, command.attrs)
    return {"did": did, "ok": True}
