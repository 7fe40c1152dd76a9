"""CSV exports: every row, and cells a spreadsheet would run as formulas neutralised."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from clientvoice.reports import export_cases, export_feedback, safe_cell
from clientvoice.reports.export import CASE_COLUMNS, FEEDBACK_COLUMNS

from .conftest import record

TRIGGERS = "=+-@\t\r"


def test_formula_cells_are_neutralised_and_numbers_kept():
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    for first in TRIGGERS:
        assert safe_cell(f"{first}1+1") == f"'{first}1+1"
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5
    assert safe_cell(None) == "" and safe_cell(True) == "true"
    assert safe_cell("hola") == "hola"


@given(st.text())
def test_no_text_cell_ever_starts_like_a_formula(text):
    cell = safe_cell(text)
    assert not cell.startswith(tuple(TRIGGERS))
    assert cell in (text, "'" + text)


def test_feedback_and_cases_export_every_row_safely(worked, tmp_path):
    worked.hear("email", record(9, "Mallory", '=cmd|"/c calc"!A1', worked.clock.now()))
    out = io.StringIO(newline="")
    assert export_feedback(worked.store, out) == 7
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == FEEDBACK_COLUMNS
    texts = [row[FEEDBACK_COLUMNS.index("text")] for row in rows[1:]]
    assert '\'=cmd|"/c calc"!A1' in texts
    assert all(not row[-1].startswith(tuple(TRIGGERS)) for row in rows[1:])
    path = tmp_path / "out" / "cases.csv"
    assert export_cases(worked.store, path) == 2
    with path.open(encoding="utf-8", newline="") as file:
        cases = list(csv.DictReader(file))
    assert list(cases[0]) == list(CASE_COLUMNS)
    assert sorted(c["breaches"] for c in cases) == ["", "acknowledge resolve"]
    assert {c["gesture_cost"] for c in cases} == {"", "8.0"}
