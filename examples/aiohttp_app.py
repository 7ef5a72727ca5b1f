"""An aiohttp web app that shares one gizwits-async Session between all its requests.

The session is opened (and signed in) by a `cleanup_ctx` generator and closed when the app stops. Settings
come from the environment: GIZWITS_APPID, GIZWITS_USERNAME, GIZWITS_PASSWORD, and GIZWITS_BASE_URL or
GIZWITS_REGION.

    gizwits emulator &        # or use your own appid and account
    GIZWITS_APPID=demo-appid GIZWITS_BASE_URL=http://127.0.0.1:8765 GIZWITS_USERNAME=demo \\
    GIZWITS_PASSWORD=demo-password python examples/aiohttp_app.py      # on 127.0.0.1:8080 (HOST, PORT)
    curl localhost:8080/devices
    curl -X POST localhost:8080/devices/DID/control -H 'Content-Type: application/json' \\
         -d '{"attrs": {"switch": true, "brightness": 80}}'

Library errors become answers by what they mean for the caller: a bad command (a bad did or value, or values
the server refused: 9025) is 422, an unknown device 404, an offline or disabled device 409, throttling 429,
the Gizwits service failing 502 (unreachable: 504). A body that is not JSON is 400.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

import gizwits_async as gizwits
from gizwits_async.errors import error_key, http_status

SESSION = web.AppKey("gizwits_session", gizwits.Session)

routes = web.RouteTableDef()


async def gizwits_session(app: web.Application) -> AsyncIterator[None]:
    """Open the one session of the app, signed in, for as long as the app runs."""
    env = os.environ
    async with gizwits.Session(
        env["GIZWITS_APPID"], region=env.get("GIZWITS_REGION", "cn"), base_url=env.get("GIZWITS_BASE_URL")
    ) as session:
        await session.login(env["GIZWITS_USERNAME"], env["GIZWITS_PASSWORD"])
        app[SESSION] = session
        yield


@web.middleware
async def gizwits_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A library error as a JSON answer with the Gizwits code; anything unexpected upstream is a 502."""
    try:
        return await handler(request)
    except gizwits.GizwitsError as error:
        body = {"error": str(error), "kind": error_key(error), "code": getattr(error, "code", None)}
        return web.json_response(body, status=http_status(error))


@routes.get("/devices")
async def devices(request: web.Request) -> web.Response:
    """The devices bound to the account."""
    session = request.app[SESSION]
    return web.json_response([
        {"did": d.did, "product_key": d.product_key, "is_online": d.is_online, "remark": d.remark}
        async for d in session.iter_bindings()
    ])


@routes.get("/devices/{did}")
async def device(request: web.Request) -> web.Response:
    """A device's latest reported data."""
    data = await request.app[SESSION].latest(request.match_info["did"])
    updated_at = data.updated_at.isoformat() if data.updated_at else None
    return web.json_response({"did": data.did, "updated_at": updated_at, "attrs": data.attrs})


@routes.post("/devices/{did}/control")
async def control(request: web.Request) -> web.Response:
    """Set datapoints of a device: the body is ``{"attrs": {name: value}}``."""
    did = request.match_info["did"]
    try:
        body = await request.json()
    except ValueError:
        return web.json_response({"error": "the body is not JSON"}, status=400)
    attrs = body.get("attrs") if isinstance(body, dict) else None
    if not isinstance(attrs, dict):
        return web.json_response({"error": 'expected {"attrs": {...}}'}, status=422)
    await request.app[SESSION].control(did, attrs)
    return web.json_response({"did": did, "ok": True})


def create_app() -> web.Application:
    """The application: routes, the error middleware and the session's cleanup context."""
    app = web.Application(middlewares=[gizwits_errors])
    app.cleanup_ctx.append(gizwits_session)
    app.add_routes(routes)
    return app


def main() -> None:
    """Serve the app on HOST:PORT (default 127.0.0.1:8080: loopback only, until you choose otherwise)."""
    web.run_app(create_app(), host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8080")))


if __name__ == "__main__":
    main()
