"""xlsx hold-outs (issue 12): a workbook written by a program (openpyxl, a LIMS) holds formulas whose
values were never computed; openpyxl reads such a cell as empty. The reader names the formula and
what to do instead of reporting an empty cell; a recalculated workbook (stored values) reads as is."""

from __future__ import annotations

import openpyxl
import pytest

from mgkinetics.data.table import read_table
from mgkinetics.errors import DataFormatError

S = [0.1, 0.2, 0.5, 1, 2, 5]


def test_a_formula_without_a_stored_value_is_named_not_called_empty(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["s_mM", "rate_uM_per_s"])
    for i, s in enumerate(S):
        sheet.append([s, f"=10*A{i + 2}/(2+A{i + 2})" if i in (1, 3) else 10 * s / (2 + s)])
    sheet.append([7.0, None])  # a truly empty cell stays a missing value
    book.save(tmp_path / "f.xlsx")
    with pytest.raises(DataFormatError) as info:
        read_table(tmp_path / "f.xlsx")
    text = str(info.value)
    assert "line 3, column 'rate_uM_per_s': '=10*A3/(2+A3)' is a formula without a stored value" in text
    assert "line 5, column 'rate_uM_per_s': '=10*A5/(2+A5)" in text
    assert "line 8" not in text and len(info.value.problems) == 2


def test_a_workbook_without_empty_cells_is_opened_once(tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["s_mM", "rate_uM_per_s"])
    for s in S:
        sheet.append([s, 10 * s / (2 + s)])
    book.save(tmp_path / "v.xlsx")
    opened = []
    real = openpyxl.load_workbook
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(k) or real(*a, **k))
    table = read_table(tmp_path / "v.xlsx")
    assert len(opened) == 1 and opened[0]["data_only"] is True
    assert len(table) == len(S)


# Sheets (issue 12 hold-outs, edges5): the first sheet was read even when hidden (an old run the
# user does not see: a fit of the wrong data, marked right), and a chart sheet first was an internal
# error (AttributeError, exit 3).
def _noisy(vmax: float, km: float) -> list[list]:
    return [["s_mM", "rate_uM_per_s"]] + [
        [s, vmax * s / (km + s) * (1 + 0.02 * ((i % 3) - 1))] for i, s in enumerate(S)
    ]


def _workbook(tmp_path, first: str):
    from openpyxl.chart import BarChart, Reference

    book = openpyxl.Workbook()
    old = book.active
    old.title = "old run"
    for row in _noisy(3.0, 1.0):
        old.append(row)
    if first in ("hidden", "veryHidden"):
        old.sheet_state = first
    data = book.create_sheet("data")
    for row in _noisy(10.0, 2.0):
        data.append(row)
    if first == "chart":
        chart = BarChart()
        chart.add_data(Reference(data, min_col=2, min_row=1, max_row=4))
        book.create_chartsheet("plot", 0).add_chart(chart)
        book.remove(old)
    path = tmp_path / f"{first}.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("first", ["hidden", "veryHidden", "chart"])
def test_hidden_and_chart_sheets_are_not_chosen(tmp_path, first):
    table = read_table(_workbook(tmp_path, first))
    assert table.metadata["sheet"] == "data"
    assert len(table) == len(S)
    # the visible sheet's rates (Vmax 10), not the hidden run's (Vmax 3): the last rate is ~7.3
    assert abs(table.values["rate_uM_per_s"][-1] - 10 * 5 / 7) < 0.3


def test_a_hidden_sheet_is_read_when_named_and_a_chart_sheet_named_is_an_error(tmp_path):
    table = read_table(_workbook(tmp_path, "hidden"), sheet="old run")
    assert abs(table.values["rate_uM_per_s"][-1] - 3 * 5 / 6) < 0.1
    with pytest.raises(DataFormatError, match="sheet 'plot' is a chart sheet"):
        read_table(_workbook(tmp_path, "chart"), sheet="plot")


def test_only_hidden_tables_say_how_to_read_them(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "notes"
    hidden = book.create_sheet("raw")
    for row in _noisy(10.0, 2.0):
        hidden.append(row)
    hidden.sheet_state = "hidden"
    book.save(tmp_path / "h.xlsx")
    with pytest.raises(DataFormatError, match="a hidden one is read only if named: --sheet 'raw'"):
        read_table(tmp_path / "h.xlsx")
