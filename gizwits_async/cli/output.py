"""Shared output: rich for people, JSON for scripts (``--json``), and the bulk progress bar."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from .. import fanout

__all__ = ["BulkProgress", "Output", "to_json"]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(value: Any) -> str:
    """``value`` as one line of JSON (datetimes as ISO-8601, bytes as hex)."""
    return json.dumps(value, default=_plain, ensure_ascii=False)


class Output:
    """Where a command writes: tables and lines on stdout, or JSON when ``--json`` was given.

    Progress bars and notes go to stderr so that stdout stays parseable.
    """

    def __init__(self, as_json: bool = False) -> None:
        self.as_json = as_json
        self.out = Console(highlight=False)
        self.err = Console(stderr=True, highlight=False)

    def result(self, payload: Any, human: RenderableType | None = None) -> None:
        """Print a command's result: ``payload`` as JSON, or ``human`` (default: ``payload``) for people."""
        if self.as_json:
            click.echo(to_json(payload))
        else:
            self.out.print(payload if human is None else human)

    @staticmethod
    def warn(message: str) -> None:
        """A plain line on stderr (a per-device failure, say), printed as is."""
        click.echo(message, err=True)

    def note(self, message: RenderableType) -> None:
        """Something for people: on stdout, or on stderr under ``--json``."""
        (self.err if self.as_json else self.out).print(message)

    @staticmethod
    def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> Table:
        """A simple table of ``rows`` (cells rendered with str, None as empty); no header when ``columns`` is empty."""
        table = Table(title=title, title_justify="left", show_header=bool(columns))
        for i, name in enumerate(columns or ("", "")):
            # The first column holds ids (dids, schedule ids): never wrapped, so they can be copied.
            table.add_column(name, no_wrap=i == 0, style="bold" if not columns and i == 0 else "")
        for row in rows:
            table.add_row(*(cell if isinstance(cell, Text) else "" if cell is None else str(cell) for cell in row))
        return table

    @contextmanager
    def progress(self, total: int, description: str) -> Iterator[BulkProgress]:
        """A live bar on stderr with rate and ETA, fed by the returned `BulkProgress` hook."""
        bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=16),
            MofNCompleteColumn(),
            TextColumn("[green]{task.fields[ok]} ok[/] [red]{task.fields[failed]} failed[/]"),
            _RateColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=self.err,
            disable=self.as_json,
        )
        with bar:
            task = bar.add_task(description, total=total, ok=0, failed=0)
            yield BulkProgress(bar, task)


class _RateColumn(ProgressColumn):
    """Completed items per second since the start."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:,.0f}/s", style="progress.data.speed")


class BulkProgress(fanout.Progress):
    """The ``progress=`` hook of the fan-out helpers: counts outcomes and advances a rich bar."""

    def __init__(self, bar: Progress, task: Any) -> None:
        super().__init__()
        self._bar = bar
        self._task = task

    def __call__(self, outcome: fanout.Outcome[Any]) -> None:
        super().__call__(outcome)
        self._bar.update(self._task, completed=self.done, ok=self.succeeded, failed=self.failed)
