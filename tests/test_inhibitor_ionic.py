"""One column, two meanings: ``I_mM`` is ionic strength by the conditions' rule and, for a law with
an inhibitor input and no other inhibitor column, the inhibitor (tests/test_holdout_ionic_suffix.py).
A law that takes an inhibitor and reads the conditions for its speciation would read the same
numbers as both; that is an error naming the column and saying what to do.

The law here is competitive inhibition declared as reading the conditions (registered once under a
name of its own); its rates are made here: Vmax 10 uM/s, KM 2 mM, Ki 2 mM, 1 % deterministic wobble.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

import mgkinetics as mgk
from mgkinetics.errors import DataFormatError, LawError
from mgkinetics.laws.registry import get_law, register

NAME = "competitive_at_conditions_test"
GRID = [(s, i) for i in (0.0, 1, 4) for s in (0.5, 1, 2, 4, 8)]


def _law():
    try:
        return get_law(NAME)
    except LawError:
        return register(replace(get_law("competitive"), name=NAME, uses_conditions=True))


def _rates() -> np.ndarray:
    return np.array(
        [10 * s / (2 * (1 + i / 2) + s) * (1 + 0.01 * (k % 3 - 1)) for k, (s, i) in enumerate(GRID)]
    )


def _table(inhibitor: str, ionic: str | None = None) -> pd.DataFrame:
    df = pd.DataFrame(
        {"s_mM": [s for s, _ in GRID], inhibitor: [i for _, i in GRID], "rate_uM_per_s": _rates()}
    )
    if ionic is not None:
        df[ionic] = 100.0  # mM: 0.1 M
    return df


@pytest.mark.parametrize("columns", [None, {"inhibitor": "I_mM"}])
def test_a_column_that_would_be_inhibitor_and_ionic_strength_is_an_error(columns):
    with pytest.raises(DataFormatError) as err:
        mgk.fit(_table("I_mM"), _law(), columns=columns)
    (problem,) = err.value.problems
    assert problem.column == "I_mM" and problem.line == 1
    message = problem.message
    assert f"would be both the inhibitor concentration of law '{NAME}' and the ionic strength" in message
    assert "'inhibitor_mM' if it holds the inhibitor concentration" in message
    assert "--ionic-strength" in message and "--inhibitor" in message and "'ionic_strength_mM'" in message


def test_a_law_without_conditions_still_takes_I_mM_as_its_inhibitor():
    res = mgk.fit(_table("I_mM"), "competitive")
    assert res.columns["inhibitor"] == "I_mM" and res.parameters["ki"].value == pytest.approx(2.0, rel=0.05)


def test_renamed_columns_are_each_read_once():
    res = mgk.fit(_table("inhibitor_mM", ionic="I_mM"), _law())
    assert res.columns["inhibitor"] == "inhibitor_mM"
    assert res.conditions["ionic_strength_M"] == pytest.approx(0.1, rel=1e-12)
    assert "ionic_strength_M from column 'I_mM'" in res.conditions["source"]
    assert res.parameters["ki"].value == pytest.approx(2.0, rel=0.05)


def test_the_cli_says_it_in_one_line_and_exits_2(tmp_path):
    _law()
    path = tmp_path / "ci.csv"
    _table("I_mM").to_csv(path, index=False)
    res = CliRunner().invoke(cli, ["fit", str(path), "--law", NAME])
    assert res.exit_code == 2
    lines = [line for line in res.stderr.splitlines() if "I_mM" in line]
    assert len(lines) == 1 and "line 1, column 'I_mM': would be both" in lines[0]
    assert "ci.csv" in res.stderr
    assert "Traceback" not in res.output
