"""Streaming readers for CSV and JSONL exports, with column mapping, that yield records.

Helpdesks and review sites export files whose columns have their own names. A *mapping* says which
source column (CSV) or dotted path (JSONL) fills which record field::

    mapping = {
        "external_id": "Ticket ID",
        "occurred_at": "Created at",
        "text": "Description",
        "customer.email": "Requester email",
        "nps": "Score",
    }

Files are read one line at a time, so a file of any size needs little memory. A line that cannot
be read (bad JSON, a bad number, bad encoding) is yielded with its error and its line number
instead of stopping the read; :meth:`Listener.ingest_file <clientvoice.Listener.ingest_file>`
turns those into rejections and goes on.

CSV cells are text, so some fields are converted, explicitly and strictly: ``nps``, ``csat`` and
``ces`` must be whole numbers (``"8"``; not ``"8.5"``); ``follow_up_requested`` accepts
true/false, yes/no, sí/no, 1/0, x or empty; ``customer.segments`` is split on ``;``;
``customer.memberships`` is ``name=level`` pairs split on ``;``. Empty cells are missing values.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import attrs

from clientvoice.channels.records import CUSTOMER_FIELDS, RECORD_FIELDS
from clientvoice.errors import ConfigurationError, ValidationError

__all__ = ["FORMATS", "SourceRecord", "read_csv", "read_jsonl", "read_records"]

FORMATS = ("csv", "jsonl")
"""File formats :func:`read_records` understands."""

MAX_LINE_BYTES = 1_000_000
"""Longer lines are rejected unread: no single piece of feedback is a megabyte."""

_INTEGER = re.compile(r"^\s*[0-9]+\s*$", re.ASCII)
_TRUE = frozenset({"true", "yes", "y", "1", "x", "si", "sí", "s", "verdadero"})
_FALSE = frozenset({"false", "no", "n", "0", "falso"})


@attrs.frozen
class SourceRecord:
    """One record read from a file, or the reason it could not be read.

    ``line`` is the 1-based line on which the record starts; ``raw`` is the line as read (bytes
    for JSONL, decoded only if the record is rejected: see :attr:`text`).
    """

    source: str
    line: int
    raw: str | bytes
    record: dict[str, Any] | None = None
    error: ValidationError | None = None

    @property
    def text(self) -> str:
        """The raw line as text (undecodable bytes replaced), without its line ending."""
        return _text(self.raw)


def read_records(
    path: str | Path,
    *,
    format: str | None = None,
    mapping: Mapping[str, str] | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
) -> Iterator[SourceRecord]:
    """Read a CSV or JSONL file; the format comes from the suffix unless ``format`` is given.

    :raises ConfigurationError: for an unknown format, a missing file or a bad mapping.
    """
    file_path = Path(path)
    chosen = (format or file_path.suffix.lstrip(".")).lower()
    if chosen in ("json", "ndjson"):
        chosen = "jsonl"
    if chosen not in FORMATS:
        raise ConfigurationError(
            f"cannot tell the format of {file_path.name!r}: pass format='csv' or format='jsonl'"
        )
    if not file_path.is_file():
        raise ConfigurationError(f"no such file: {file_path}")
    if chosen == "jsonl":
        with file_path.open("rb") as handle:
            yield from read_jsonl(handle, source=str(file_path), mapping=mapping)
    else:
        with file_path.open("r", encoding=encoding, errors="replace", newline="") as text:
            yield from read_csv(text, source=str(file_path), mapping=mapping, delimiter=delimiter)


def read_jsonl(
    lines: Iterable[bytes | str], *, source: str = "jsonl", mapping: Mapping[str, str] | None = None
) -> Iterator[SourceRecord]:
    """Read JSON Lines: one JSON object per line; blank lines are skipped.

    With a ``mapping``, each record field is taken from a dotted path in the object.
    """
    paths = _check_mapping(mapping) if mapping else None
    scan = _SCAN
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_BYTES:
            yield SourceRecord(
                source,
                number,
                _text(line[:200]),
                error=ValidationError(
                    "line", f"{len(line)} bytes", f"is longer than {MAX_LINE_BYTES} bytes"
                ),
            )
            continue
        # The common line, a JSON object in UTF-8 and its line ending, is decoded directly;
        # anything else (blank, a BOM, padding, bad JSON or bytes) takes the general path below,
        # which gives every line exactly what json.loads gives it.
        try:
            text = line.decode() if isinstance(line, (bytes, bytearray)) else line
            value, end = scan(text, 0)
        except (ValueError, TypeError, StopIteration, RecursionError):
            value = None
        else:
            if type(value) is dict and (end == len(text) or text[end:] in _LINE_ENDS):
                if paths is not None:
                    value = _apply_paths(value, paths)
                yield SourceRecord(source, number, line, record=value)
                continue
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except RecursionError:
            yield SourceRecord(
                source,
                number,
                _text(line),
                error=ValidationError("line", _text(line)[:60], "JSON is nested too deeply"),
            )
            continue
        except ValueError as error:
            yield SourceRecord(
                source,
                number,
                _text(line),
                error=ValidationError("line", _text(line)[:60], f"is not valid JSON ({error})"),
            )
            continue
        if not isinstance(value, dict):
            yield SourceRecord(
                source,
                number,
                _text(line),
                error=ValidationError("line", value, "must be a JSON object"),
            )
            continue
        if paths is not None:
            value = _apply_paths(value, paths)
        yield SourceRecord(source, number, line, record=value)


# What json.loads runs on a line, without its per-call set-up (encoding detection, padding).
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_LINE_ENDS = frozenset({"\n", "\r\n"})


def read_csv(
    text: IO[str],
    *,
    source: str = "csv",
    mapping: Mapping[str, str] | None = None,
    delimiter: str = ",",
) -> Iterator[SourceRecord]:
    """Read CSV with a header row. Without a mapping, headers must be record fields
    (``customer.email`` for customer fields)."""
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as error:
        raise ConfigurationError(f"{source}: cannot read the CSV header: {error}") from error
    columns = {name.strip(): index for index, name in enumerate(header)}
    if mapping is None:
        targets = {name: name for name in columns}
        _check_mapping(targets)
    else:
        targets = dict(mapping)
        _check_mapping(targets)
        missing = sorted(column for column in targets.values() if column not in columns)
        if missing:
            raise ConfigurationError(
                f"{source}: the mapping names columns the file does not have: "
                f"{', '.join(missing)}; columns are: {', '.join(columns)}"
            )
    plan = [(target.split("."), columns[column]) for target, column in targets.items()]
    line_end = reader.line_num
    while True:
        start = line_end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line_end = reader.line_num
            yield SourceRecord(
                source, start, "", error=ValidationError("row", "", f"is not valid CSV ({error})")
            )
            continue
        line_end = reader.line_num
        raw = delimiter.join(row)
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield SourceRecord(
                source,
                start,
                raw,
                error=ValidationError(
                    "row", len(row), f"has {len(row)} cells; the header has {len(header)}"
                ),
            )
            continue
        try:
            record: dict[str, Any] = {}
            for target, index in plan:
                cell = row[index]
                if cell.strip() == "":
                    continue
                _put(record, target, _convert_cell(".".join(target), cell))
        except ValidationError as error:
            yield SourceRecord(source, start, raw, error=error)
            continue
        yield SourceRecord(source, start, raw, record=record)


# --------------------------------------------------------------------------------------------


def _check_mapping(mapping: Mapping[str, str]) -> list[tuple[list[str], list[str]]]:
    paths = []
    for target, origin in mapping.items():
        parts = target.split(".")
        valid = (
            (len(parts) == 1 and target in RECORD_FIELDS)
            or (len(parts) == 2 and parts[0] == "customer" and parts[1] in CUSTOMER_FIELDS)
            or (len(parts) == 3 and parts[0] == "customer" and parts[1] == "contacts")
            or (len(parts) == 2 and parts[0] == "metadata")
        )
        if not valid:
            raise ConfigurationError(
                f"cannot map to {target!r}: targets are record fields "
                f"({', '.join(sorted(RECORD_FIELDS))}), customer.<field>, "
                "customer.contacts.<channel> or metadata.<name>"
            )
        if type(origin) is not str or not origin:
            raise ConfigurationError(f"mapping for {target!r} must name a source column or path")
        paths.append((parts, origin.split(".")))
    return paths


def _apply_paths(value: dict[str, Any], paths: list[tuple[list[str], list[str]]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for target, origin in paths:
        found: Any = value
        for part in origin:
            if not isinstance(found, dict) or part not in found:
                found = None
                break
            found = found[part]
        if found is not None:
            _put(record, target, found)
    return record


def _put(record: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        record = record.setdefault(part, {})
    record[path[-1]] = value


def _convert_cell(target: str, cell: str) -> Any:
    if target in ("nps", "csat", "ces"):
        if not _INTEGER.match(cell):
            raise ValidationError(target, cell, "must be a whole number")
        return int(cell)
    if target == "follow_up_requested":
        word = cell.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValidationError(target, cell, "must be yes/no, true/false, sí/no, 1/0 or x")
    if target == "customer.segments":
        return [part.strip() for part in cell.split(";") if part.strip()]
    if target == "customer.memberships":
        memberships = {}
        for pair in cell.split(";"):
            if not pair.strip():
                continue
            name, sep, level = pair.partition("=")
            if not sep or not name.strip() or not level.strip():
                raise ValidationError(target, cell, "must be name=level pairs separated by ';'")
            memberships[name.strip()] = level.strip()
        return memberships
    if target == "customer.consents":
        raise ValidationError(
            target, cell, "map customer consents column by column is not supported"
        )
    if target in ("metadata", "customer.contacts"):
        try:
            return json.loads(cell)
        except ValueError:
            raise ValidationError(target, cell, "must be a JSON object") from None
    return cell.strip() if target != "text" else cell


def _text(line: bytes | str) -> str:
    if isinstance(line, bytes):
        return line.decode("utf-8", "replace").rstrip("\r\n")
    return line.rstrip("\r\n")
