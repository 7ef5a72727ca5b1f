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

from ..errors import GizwitsError, error_key, is_permanent
from ..fanout import BulkReport
from ..session import Session
from .context import Settings, pass_settings
from .failures import describe, error_label
from .output import Output, to_json
from .values import InputError, Scalar, check_did, parse_value, shown_attrs, wire_value

__all__ = ["FAILED_SUFFIX", "Row", "bulk_control", "failed_rows_path", "read_rows"]


#: The name a failed-rows file ends with; retrying one writes the remaining failures back to the same file.
FAILED_SUFFIX = ".failed.jsonl"


@attrs.frozen
class Row:
    """One command of the file: its line number, the device, the datapoints to set and, in a failed-rows file,
    the failure recorded against it."""

    line: int
    did: str
    attrs: dict[str, Scalar]
    failure: dict[str, Any] | None = None

    @property
    def permanent(self) -> bool:
        """Whether the recorded failure is one a retry cannot fix (unknown device, refused values...)."""
        return bool(self.failure and self.failure.get("permanent"))


def failed_rows_path(source: Path) -> Path:
    """Where the failed rows of ``source`` go: ``fleet.csv`` -> ``fleet.failed.jsonl``; a failed-rows file
    itself is rewritten in place (never ``x.failed.jsonl.failed.jsonl``)."""
    if source.name.endswith(FAILED_SUFFIX):
        return source
    return source.with_name(source.name.removesuffix(source.suffix) + FAILED_SUFFIX)


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
        failure = item.get("error")
        yield _row(path, line, item["did"], attrs, failure if isinstance(failure, dict) else None)


def _at(path: Path, line: int, parse: Any, *args: Any) -> Any:
    """``parse(*args)``, with the file and line prefixed to its error."""
    try:
        return parse(*args)
    except InputError as exc:
        raise InputError(f"{path}:{line}: {exc.message}") from None


def _row(path: Path, line: int, did: str, attrs: dict[str, Scalar], failure: dict[str, Any] | None = None) -> Row:
    _at(path, line, check_did, did)
    if not attrs:
        raise InputError(f"{path}:{line}: no datapoint to set for {did}")
    return Row(line, did, attrs, failure)


@click.command("bulk-control", short_help="Control many devices from a CSV or JSONL file.")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--concurrency", default=50, show_default=True, type=click.IntRange(1, 1000),
              help="Requests in flight at once.")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), help="At most this many requests per second.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would be sent; send nothing.")
@click.option("--failed-out", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the failed rows (JSONL, can be fed back in). Default: FILE's name with "
                   "the suffix .failed.jsonl (fleet.csv -> fleet.failed.jsonl; a .failed.jsonl file is rewritten).")
@click.option("--retry-transient", is_flag=True,
              help="FILE is a failed-rows file: send only the rows whose failure a retry may fix; the permanent "
                   "ones (unknown device, refused values...) stay in the failed-rows file, unsent.")
@pass_settings
def bulk_control(settings: Settings, file: Path, concurrency: int, rate: float | None, dry_run: bool,
                 failed_out: Path | None, retry_transient: bool) -> None:
    """Control many devices from FILE: CSV (did,attr1,attr2...) or JSONL ({"did": .., "attrs": {..}}).

    Exit code 0 only if every row sent succeeded. The rows that failed are written to the failed-rows file,
    each with its error code and whether it is permanent; `--retry-transient` takes that file back.
    """
    rows = read_rows(file)
    kept = [row for row in rows if retry_transient and row.permanent]
    rows = [row for row in rows if not (retry_transient and row.permanent)]
    out = settings.output
    if dry_run:
        preview = [[row.line, row.did, to_json(shown_attrs(row.attrs))] for row in rows[:10]]
        more = f" (first 10 of {len(rows)})" if len(rows) > 10 else ""
        out.result({"rows": len(rows), "dry_run": True},
                   Output.table(["line", "did", "attrs"], preview, title=f"{len(rows)} row(s) OK, nothing sent{more}"))
        return

    async def sending(session: Session) -> tuple[BulkReport[None], float]:
        started = time.perf_counter()
        with out.progress(len(rows), "sending") as progress:
            report = await session.control_many(
                [(row.did, row.attrs) for row in rows], concurrency=concurrency, rate=rate, progress=progress)
        return report, time.perf_counter() - started

    report, elapsed = settings.call(sending, max_concurrency=concurrency) if rows else (BulkReport([]), 0.0)
    failures = [(row, o.error) for row, o in zip(rows, report.outcomes, strict=True) if o.error is not None]
    failed_path = failed_out or failed_rows_path(file)
    _write_failed_rows(failed_path, failures, kept)
    _summarize(out, len(rows), failures, kept, elapsed, failed_path)
    if failures:
        raise click.exceptions.Exit(1)


def _failed_entry(row: Row, error: GizwitsError) -> dict[str, Any]:
    """A failed row as written to the failed-rows file: the command, and why and how it failed."""
    return {"did": row.did, "attrs": shown_attrs(row.attrs), "line": row.line,
            "error": {"code": getattr(error, "code", None), "kind": error_key(error),
                      "permanent": is_permanent(error), "message": describe(error)}}


def _write_failed_rows(path: Path, failures: list[tuple[Row, GizwitsError]], kept: list[Row]) -> None:
    """Write the rows still failing (the new failures, then the permanent ones not retried); with none, remove a
    failed-rows file left by an earlier run, so that the file always lists what remains to be done."""
    entries = [_failed_entry(row, error) for row, error in failures]
    entries += [{"did": row.did, "attrs": shown_attrs(row.attrs), "line": row.line, "error": row.failure}
                for row in kept]
    if not entries:
        path.unlink(missing_ok=True)
        return
    path.write_text("".join(to_json(entry) + "\n" for entry in entries), encoding="utf-8")


def _summarize(out: Output, sent: int, failures: list[tuple[Row, GizwitsError]], kept: list[Row], elapsed: float,
               failed_path: Path) -> None:
    by_code = collections.Counter(error_label(error) for _, error in failures)
    permanent = sum(is_permanent(error) for _, error in failures)
    ok = sent - len(failures)
    rate = sent / elapsed if elapsed > 0 else 0.0
    written = bool(failures or kept)
    payload = {"total": sent, "ok": ok, "failed": len(failures), "permanent": permanent,
               "transient": len(failures) - permanent, "skipped_permanent": len(kept), "errors": dict(by_code),
               "elapsed": round(elapsed, 3), "failed_out": str(failed_path) if written else None}
    lines = [f"{sent} row(s) in {elapsed:.2f} s ({rate:,.0f}/s): [green]{ok} ok[/], [red]{len(failures)} failed[/]"
             + (f" ({permanent} permanent, {len(failures) - permanent} transient)" if failures else "")]
    lines += [f"  {count} x {label}" for label, count in by_code.most_common()]
    if kept:
        lines.append(f"{len(kept)} row(s) with a permanent failure not retried (kept in the failed-rows file)")
    if written:
        shown = escape(str(failed_path))
        lines.append(f"Failed rows written to {shown} (retry the transient ones with: "
                     f"gizwits bulk-control {shown} --retry-transient)")
    out.result(payload, "\n".join(lines))
