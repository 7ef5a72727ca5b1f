"""How a command reports a failure: one line for people, one JSON object on stderr under ``--json``."""

from __future__ import annotations

from typing import Any

import click

from ..errors import APIError, GizwitsError, TransportError, error_key
from .output import to_json

__all__ = ["CommandError", "describe", "error_fields", "error_label", "failure_json"]


def error_label(error: GizwitsError) -> str:
    """What kind of failure: the Gizwits code and its name ("9042 DEVICE_OFFLINE"), else the exception class."""
    if isinstance(error, APIError) and error.code is not None:
        name = error.error_code.name if error.error_code is not None else "unknown code"
        return f"{error.code} {name}"
    return type(error).__name__


def describe(error: GizwitsError) -> str:
    """One line for an error: the Gizwits code and its name first when the server gave one."""
    if isinstance(error, APIError):
        detail = f": {error.brief_detail}" if error.brief_detail else ""
        return f"Gizwits error {error_label(error)} (HTTP {error.status}) {error.message}{detail}"
    if isinstance(error, TransportError):
        return f"cannot reach the server: {error}"
    return str(error)


def error_fields(error: GizwitsError) -> dict[str, Any]:
    """An error as JSON fields: its kind, its one-line description and, from the server, code and status."""
    fields: dict[str, Any] = {"kind": error_key(error), "type": type(error).__name__, "message": describe(error)}
    if isinstance(error, APIError):
        fields |= {"code": error.code, "status": error.status}
    return fields


class CommandError(click.ClickException):
    """A command failed: ``message`` for people; ``error``, the library error behind it if any, for ``--json``."""

    def __init__(self, message: str, error: GizwitsError | None = None) -> None:
        super().__init__(message)
        self.error = error


def failure_json(failure: click.ClickException) -> str:
    """A command's failure as one line of JSON: ``{"error": {"message": ..., "exit_code": ..., ...}}``."""
    error = failure.error if isinstance(failure, CommandError) else None
    fields = error_fields(error) if error is not None else {}
    return to_json({"error": fields | {"message": failure.format_message(), "exit_code": failure.exit_code}})
