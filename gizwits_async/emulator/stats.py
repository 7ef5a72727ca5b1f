"""Request introspection for tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stats:
    """What the emulator received.

    `requests` counts every request by endpoint id (the id column of docs/endpoints.md in the repository; the
    route table of `EmulatorApp` names them), faulted and refused ones included; requests to no known route
    count under "?", and GET / is not counted. `logins` counts POST /app/login requests, `login_failures`
    those answered with an error. `last_body` maps an endpoint id to its last JSON request body.
    """

    requests: Counter[str] = field(default_factory=Counter)
    logins: int = 0
    login_failures: int = 0
    last_body: dict[str, Any] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        """The counters as JSON: ``{"requests": {endpoint: count}, "logins", "login_failures"}``."""
        return {"requests": dict(self.requests), "logins": self.logins, "login_failures": self.login_failures}

    def summary(self) -> str:
        """One line for a human: logins, then the requests by endpoint, busiest first."""
        counts = ", ".join(f"{endpoint} {count}" for endpoint, count in self.requests.most_common())
        return f"logins {self.logins} ({self.login_failures} failed); requests: {counts or 'none'}"

    def reset(self) -> None:
        """Forget everything recorded so far."""
        self.requests.clear()
        self.logins = 0
        self.login_failures = 0
        self.last_body.clear()
