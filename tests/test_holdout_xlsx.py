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
    assert "line 3, column 'rate_uM_per_s': '=10*A3/(2+A3) (a formula without a stored value" in text
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
