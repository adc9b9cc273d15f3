"""Hold-out case (edges7, issue 12 "errors with a place"): a workbook whose formulas have no stored
values (written by a program, never recalculated).

Before: the message quoted the formula and its advice as one cell text, cut at 80 characters, so
every such line ended "... open and sa... (101 characters)' is not a number": the advice was lost.
Expected: the formula quoted (shortened only when it is itself long), the advice whole.
"""

from __future__ import annotations

import openpyxl
import pytest
from holdout_common import S, run

ADVICE = (
    "is a formula without a stored value: open and save the workbook in a spreadsheet program "
    "(which stores each value), or write the values"
)


@pytest.mark.parametrize("formula", ["=10*A{r}/(2+A{r})", "=10*A{r}/(2+A{r})" + "+0*A{r}" * 20])
def test_every_formula_cell_gets_the_whole_advice(tmp_path, formula):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["s_mM", "rate_uM_per_s"])
    for r, s in enumerate(S, start=2):
        sheet.append([s, formula.format(r=r)])
    book.save(tmp_path / "f.xlsx")
    res = run("fit", tmp_path / "f.xlsx", "--law", "michaelis_menten")
    assert res.exit_code == 2
    lines = res.stderr.splitlines()[1:]
    assert len(lines) == len(S)
    for r, line in enumerate(lines, start=2):
        assert line.strip().startswith(f"line {r}, column 'rate_uM_per_s': '=10*A{r}/(2+A{r})")
        assert line.endswith(ADVICE)
