"""Two tables on one sheet (issue 12 leftover, edges6): a second run below the first after a blank row
stopped the read ("repeats the header line"), and a results box below or a second run beside the
data gave errors about cells of a table the user never meant to be read ("'parameter' is not a
number", "column 4 has no name"). Now a block below that repeats the header is read with the table,
and any other second table is left out with a warning naming the sheet and its cell range."""

from __future__ import annotations

import warnings

import numpy as np
import openpyxl
import pytest

from mgkinetics.data.table import read_table
from mgkinetics.errors import MgKineticsWarning

S = [0.1, 0.2, 0.5, 1, 2, 5]
HEADER = ["s_mM", "rate_uM_per_s"]


def _rate(s: float, factor: float = 1.0) -> float:
    return 10 * s / (2 + s) * factor


def _book(tmp_path, rows: list[list], cells: dict | None = None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Run 1"
    for row in rows:
        sheet.append(row)
    for ref, value in (cells or {}).items():
        sheet[ref] = value
    path = tmp_path / "two.xlsx"
    book.save(path)
    return path


def _read(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = read_table(path)
    return ds, [str(w.message) for w in caught if issubclass(w.category, MgKineticsWarning)]


def _first_run() -> list[list]:
    return [HEADER] + [[s, _rate(s)] for s in S]


def test_a_second_run_below_with_the_same_header_is_read_with_the_first(tmp_path):
    rows = _first_run() + [[], HEADER] + [[s, _rate(s, 1.1)] for s in S]
    ds, warned = _read(_book(tmp_path, rows))
    assert warned == []
    assert ds.lines.tolist() == list(range(2, 8)) + list(range(10, 16))  # the sheet's row numbers
    np.testing.assert_allclose(ds.values["rate_uM_per_s"], [_rate(s) for s in S] + [_rate(s, 1.1) for s in S])


def test_a_results_box_below_is_named_and_not_read(tmp_path):
    rows = _first_run() + [[], ["parameter", "value"], ["Vmax", 10], ["KM", 2]]
    ds, warned = _read(_book(tmp_path, rows))
    assert len(warned) == 1, warned
    assert "[sheet Run 1]: cells A9:B11 hold a second table (below a blank row" in warned[0]
    assert "'parameter', 'value'" in warned[0]
    assert ds.lines.tolist() == list(range(2, 8))


@pytest.mark.parametrize(
    "header_cell, expected", [("D1", "cells D1:E7"), ("D3", "cells D3:E9")], ids=["level", "lower"]
)
def test_a_second_run_beside_after_a_blank_column_is_named_and_not_read(tmp_path, header_cell, expected):
    top = int(header_cell[1:])
    cells = {f"D{top}": "s_mM", f"E{top}": "rate_uM_per_s"}
    for i, s in enumerate(S):
        cells[f"D{top + 1 + i}"], cells[f"E{top + 1 + i}"] = s, _rate(s, 1.1)
    ds, warned = _read(_book(tmp_path, _first_run(), cells))
    assert len(warned) == 1, warned
    assert expected in warned[0] and "right of a blank column" in warned[0]
    assert list(ds.columns) == HEADER
    np.testing.assert_allclose(ds.values["rate_uM_per_s"], [_rate(s) for s in S])


def test_a_spacer_column_and_headerless_rows_below_stay_one_table(tmp_path):
    rows = [["s_mM", None, "rate_uM_per_s"]] + [[s, None, _rate(s)] for s in S] + [[]] + [[7.0, None, 5.0]]
    rows.insert(3, ["# a note between rows is not a blank row"])
    ds, warned = _read(_book(tmp_path, rows))
    assert warned == []
    assert ds.lines.tolist() == [2, 3, 5, 6, 7, 8, 10]
    np.testing.assert_allclose(ds.values["s_mM"], S + [7.0])


def test_the_cli_shows_the_warning_and_fits_the_first_table(tmp_path):
    """In a process of its own: pytest records warnings, so an in-process runner never sees them."""
    import subprocess
    import sys

    noisy = [HEADER] + [[s, _rate(s, 1 + 0.02 * (i % 3 - 1))] for i, s in enumerate(S)]
    path = _book(tmp_path, noisy + [[], ["parameter", "value"], ["Vmax", 10]])
    code = "from mgkinetics_cli.main import cli; cli()"
    args = [sys.executable, "-c", code, "fit", str(path), "--law", "michaelis_menten"]
    res = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "cells A9:B10 hold a second table" in res.stderr
    # one line for people, not Python's "file:line: MgKineticsWarning:" form with a source line
    (line,) = res.stderr.splitlines()
    assert line.startswith("warning: ") and "MgKineticsWarning" not in line
    assert "n = 6" in res.stdout
