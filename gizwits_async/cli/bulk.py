"""``bulk-control FILE``: control many devices from a CSV or JSONL file, with progress and a failed-rows file."""

from __future__ import annotations

import collections
import csv
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import click
from rich.markup import escape

from ..fanout import BulkReport
from ..session import Session
from .context import Settings, describe, error_label, pass_settings
from .output import Output, to_json
from .values import InputError, Scalar, check_did, parse_value, shown_attrs, wire_value

__all__ = ["Row", "bulk_control", "read_rows"]


@attrs.frozen
class Row:
    """One command of the file: its line number, the device and the datapoints to set."""

    line: int
    did: str
    attrs: dict[str, Scalar]


def read_rows(path: Path) -> list[Row]:
    """Every row of a CSV (``did,attr1,attr2...`` header) or JSONL (``{"did":..,"attrs":{..}}``) file."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc.strerror if isinstance(exc, OSError) else exc}") from None
    is_jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json") or text.lstrip().startswith("{")
    rows = list(_jsonl_rows(path, text) if is_jsonl else _csv_rows(path, text))
    if not rows:
        raise InputError(f"{path}: no rows")
    return rows


def _csv_rows(path: Path, text: str) -> Iterator[Row]:
    reader = csv.reader(text.splitlines())
    header = [name.strip() for name in next(reader, [])]
    if not header or header[0] != "did" or len(header) < 2 or not all(header):
        raise InputError(f"{path}:1: the CSV header must be did,<datapoint>,<datapoint>...")
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            raise InputError(f"{path}:{line}: {len(cells)} cells for {len(header)} columns")
        did, *values = (cell.strip() for cell in cells)
        attrs = {name: _at(path, line, parse_value, value) for name, value in zip(header[1:], values, strict=False)
                 if value != ""}
        yield _row(path, line, did, attrs)


def _jsonl_rows(path: Path, text: str) -> Iterator[Row]:
    for line, content in enumerate(text.splitlines(), 1):
        if not content.strip():
            continue
        try:
            item = json.loads(content)
        except ValueError:
            raise InputError(f"{path}:{line}: not JSON") from None
        if not isinstance(item, dict) or not isinstance(item.get("did"), str) or not isinstance(
                item.get("attrs"), dict):
            raise InputError(f'{path}:{line}: expected {{"did": "...", "attrs": {{...}}}}')
        attrs = {str(k): _at(path, line, wire_value, v, v) for k, v in item["attrs"].items()}
        yield _row(path, line, item["did"], attrs)


def _at(path: Path, line: int, parse: Any, *args: Any) -> Any:
    """``parse(*args)``, with the file and line prefixed to its error."""
    try:
        return parse(*args)
    except InputError as exc:
        raise InputError(f"{path}:{line}: {exc.message}") from None


def _row(path: Path, line: int, did: str, attrs: dict[str, Scalar]) -> Row:
    _at(path, line, check_did, did)
    if not attrs:
        raise InputError(f"{path}:{line}: no datapoint to set for {did}")
    return Row(line, did, attrs)


@click.command("bulk-control", short_help="Control many devices from a CSV or JSONL file.")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--concurrency", default=50, show_default=True, type=click.IntRange(1, 1000),
              help="Requests in flight at once.")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), help="At most this many requests per second.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would be sent; send nothing.")
@click.option("--failed-out", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the failed rows (JSONL, can be fed back in). Default: FILE.failed.jsonl.")
@pass_settings
def bulk_control(settings: Settings, file: Path, concurrency: int, rate: float | None, dry_run: bool,
                 failed_out: Path | None) -> None:
    """Control many devices from FILE: CSV (did,attr1,attr2...) or JSONL ({"did": .., "attrs": {..}}).

    Exit code 0 only if every row succeeded; failed rows are written to --failed-out for a retry.
    """
    rows = read_rows(file)
    out = settings.output
    if dry_run:
        preview = [[row.line, row.did, to_json(shown_attrs(row.attrs))] for row in rows[:10]]
        more = f" (first 10 of {len(rows)})" if len(rows) > 10 else ""
        out.result({"rows": len(rows), "dry_run": True},
                   Output.table(["line", "did", "attrs"], preview, title=f"{len(rows)} row(s) OK, nothing sent{more}"))
        return
    failed_path = failed_out or file.with_name(file.name + ".failed.jsonl")

    async def sending(session: Session) -> tuple[BulkReport[None], float]:
        started = time.perf_counter()
        with out.progress(len(rows), "sending") as progress:
            report = await session.control_many(
                [(row.did, row.attrs) for row in rows], concurrency=concurrency, rate=rate, progress=progress)
        return report, time.perf_counter() - started

    report, elapsed = settings.call(sending, max_concurrency=concurrency)
    _summarize(out, rows, report, elapsed, failed_path)
    if not report.ok:
        raise click.exceptions.Exit(1)


def _summarize(out: Output, rows: list[Row], report: BulkReport[None], elapsed: float, failed_path: Path) -> None:
    failures = [(row, o.error) for row, o in zip(rows, report.outcomes, strict=True) if o.error is not None]
    by_code = collections.Counter(error_label(error) for _, error in failures)
    if failures:
        with failed_path.open("w", encoding="utf-8") as file:
            for row, error in failures:
                entry = {"did": row.did, "attrs": shown_attrs(row.attrs), "line": row.line,
                         "error": {"code": getattr(error, "code", None), "message": describe(error)}}
                file.write(to_json(entry) + "\n")
    ok = len(rows) - len(failures)
    rate = len(rows) / elapsed if elapsed > 0 else 0.0
    payload = {"total": len(rows), "ok": ok, "failed": len(failures), "errors": dict(by_code),
               "elapsed": round(elapsed, 3), "failed_out": str(failed_path) if failures else None}
    lines = [f"{len(rows)} row(s) in {elapsed:.2f} s ({rate:,.0f}/s): [green]{ok} ok[/], "
             f"[red]{len(failures)} failed[/]"]
    lines += [f"  {count} x {label}" for label, count in by_code.most_common()]
    if failures:
        shown = escape(str(failed_path))
        lines.append(f"Failed rows written to {shown} (retry with: gizwits bulk-control {shown})")
    out.result(payload, "\n".join(lines))
