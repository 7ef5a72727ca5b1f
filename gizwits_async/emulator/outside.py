"""Outside controls of the emulator: routes under ``/_emulator/`` for programs in other processes or languages.

They belong to the emulator only (the real service has nothing like them), need no appid or token, and are
neither counted in the stats nor touched by the fault knobs. A refused control answers
``{"error": "..."}`` with 400 (bad body), 404 (no such device) or 409 (the clock is not a fake one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .errors import ApiError
from .routing import Call, Reply, Route
from .state import State
from .stats import Stats
from .ws import PushServer


def _body(call: Call) -> dict[str, Any]:
    try:
        data = json.loads(call.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise _Refused(400, "the body must be a JSON object")
    return data


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


Handler = Callable[["OutsideControls", Call], Reply]


def _answering(handler: Handler) -> Handler:
    """Turn a handler's refusals into ``{"error"}`` answers (these routes bypass the API's error handling)."""
    def run(self: OutsideControls, call: Call) -> Reply:
        try:
            result: Reply = handler(self, call)
        except _Refused as refused:
            return refused.status, {"error": str(refused)}
        except ApiError as error:
            return (404 if error.code == 9014 else 400), {"error": f"{error.body()['error_message']} {error.detail}"}
        return result

    run.__doc__ = handler.__doc__
    return run


class OutsideControls:
    """The handlers of ``/_emulator/...``."""

    def __init__(self, stats: Stats, state: State, push: PushServer | None = None) -> None:
        self.stats = stats
        self.state = state
        self.push = push

    def routes(self) -> list[Route]:
        """The routes to add to the emulator's router."""
        return [
            Route("GET", "/_emulator/stats", "", self.read_stats),
            Route("POST", "/_emulator/devices/{did}/online", "", self.set_online),
            Route("POST", "/_emulator/devices/{did}/report", "", self.report),
            Route("GET", "/_emulator/clock", "", self.read_clock),
            Route("POST", "/_emulator/clock/advance", "", self.advance_clock),
            Route("GET", "/_emulator/push", "", self.read_push),
            Route("POST", "/_emulator/push/drop", "", self.drop_sockets),
            Route("POST", "/_emulator/push/expire", "", self.expire_sessions),
            Route("POST", "/_emulator/push/refuse", "", self.refuse_sockets),
        ]

    def _push(self) -> PushServer:
        if self.push is None:
            raise _Refused(409, "this emulator serves no push endpoint")
        return self.push

    @_answering
    def read_push(self, call: Call) -> Reply:
        """GET /_emulator/push: the push endpoint's counters, open sockets and subscriptions."""
        push = self._push()
        stats = push.stats
        return 200, {"sockets": len(push.sockets), "subscriptions": push.subscriptions,
                     "sockets_opened": stats.sockets_opened, "refused": stats.refused, "logins": stats.logins,
                     "login_failures": stats.login_failures, "frames_in": dict(stats.frames_in),
                     "frames_out": dict(stats.frames_out)}

    @_answering
    def drop_sockets(self, call: Call) -> Reply:
        """POST /_emulator/push/drop: close every push socket at once, as a restarting server would."""
        return 200, {"dropped": self._push().drop()}

    @_answering
    def expire_sessions(self, call: Call) -> Reply:
        """POST /_emulator/push/expire: every logged-in socket loses its session (1009, then 1003)."""
        return 200, {"expired": self._push().expire()}

    @_answering
    def refuse_sockets(self, call: Call) -> Reply:
        """POST /_emulator/push/refuse ``{"seconds": n}``: refuse new push sockets for that long."""
        seconds = _body(call).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 86400:
            raise _Refused(400, "seconds must be a number in 0..86400")
        self._push().refuse(seconds)
        return 200, {"refused_for": seconds}

    def read_stats(self, call: Call) -> Reply:
        """GET /_emulator/stats: the requests by endpoint, the logins and the failed logins."""
        return 200, self.stats.to_wire()

    @_answering
    def set_online(self, call: Call) -> Reply:
        """POST /_emulator/devices/{did}/online ``{"online": bool}``: the device comes online or goes offline."""
        online = _body(call).get("online")
        if not isinstance(online, bool):
            raise _Refused(400, "online must be true or false")
        self.state.set_online(call.params["did"], online)
        return 200, {"did": call.params["did"], "online": online}

    @_answering
    def report(self, call: Call) -> Reply:
        """POST /_emulator/devices/{did}/report ``{"attrs": {...}}``: the device reports these values now."""
        attrs = _body(call).get("attrs")
        if not isinstance(attrs, dict) or not attrs:
            raise _Refused(400, "attrs must be a non-empty object")
        return 200, {"did": call.params["did"], "attrs": self.state.report(call.params["did"], attrs)}

    def read_clock(self, call: Call) -> Reply:
        """GET /_emulator/clock: the emulator's time (Unix seconds) and whether it is a fake clock."""
        return 200, {"now": self.state.clock.now(), "fake": hasattr(self.state.clock, "advance")}

    @_answering
    def advance_clock(self, call: Call) -> Reply:
        """POST /_emulator/clock/advance ``{"seconds": n}``: move a fake clock forward; what fell due runs."""
        seconds = _body(call).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds < 10 * 365 * 86400:
            raise _Refused(400, "seconds must be a number >= 0 (less than ten years)")
        advance = getattr(self.state.clock, "advance", None)
        if advance is None:
            raise _Refused(409, "the emulator runs on the wall clock: start it with a fake clock (--fake-clock)")
        advance(seconds)
        self.state.run_due()
        return 200, {"now": self.state.clock.now()}
