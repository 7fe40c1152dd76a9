"""One benchmark result row, and the printer of the one table ``run.py`` shows."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

__all__ = ["Row", "format_table", "to_json"]


@dataclasses.dataclass(frozen=True)
class Row:
    """One measured thing.

    ``ours`` and ``floor`` are in ``unit``; ``floor`` is what a peer library or the bare minimum
    (the "floor") achieves on the same machine in the same run, or None when there is none.
    ``ratio`` is the comparison the target is about (e.g. our time / the floor's time). ``met`` is
    None when the row has no target; ``note`` says anything a reader needs (what was missed, what
    the numbers were measured on).
    """

    name: str
    ours: float
    unit: str
    floor: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


_HEADERS = ("name", "ours", "peer or floor", "ratio", "target", "met")


def format_table(rows: Sequence[Row]) -> str:
    """The rows as a plain-text table, with a MISSED marker on every target not met."""
    cells = [_HEADERS] + [
        (
            row.name,
            _number(row.ours, row.unit),
            "" if row.floor is None else _number(row.floor, row.unit),
            "" if row.ratio is None else f"{row.ratio:.2f}x",
            row.target,
            {None: "-", True: "yes", False: "MISSED"}[row.met],
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(_HEADERS))]
    right = {1, 2, 3}

    def render(line: Sequence[str]) -> str:
        return " | ".join(
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()

    out = [render(cells[0]), "-+-".join("-" * width for width in widths)]
    out.extend(render(line) for line in cells[1:])
    notes = [(row.name, row.note) for row in rows if row.note]
    if notes:
        out.append("")
        out.extend(f"* {name}: {note}" for name, note in notes)
    missed = [row.name for row in rows if row.met is False]
    out.append("")
    out.append(
        f"MISSED: {len(missed)} target(s): {', '.join(missed)}" if missed else "All targets met."
    )
    return "\n".join(out)


def to_json(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """The rows as JSON-ready dicts."""
    return [dataclasses.asdict(row) for row in rows]


def _number(value: float, unit: str) -> str:
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".rstrip()
