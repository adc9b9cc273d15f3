"""A units row under the header (issue 12 hold-out, edges6): ``s,rate`` then ``mM,uM/s`` (as many
instrument and spreadsheet exports write units) was an error saying the columns have no unit,
without a word about line 2 that holds them. Now the row's units are the columns' units (as with
--input-unit) and the row is not data; a units row that contradicts a column's name is an error
naming line and column."""

from __future__ import annotations

import json

import pytest
from holdout_common import TABLE, S, run

from mgkinetics.data.table import read_table

BODY = TABLE.split("\n", 1)[1]  # the made-here MM rows (s in mM, rate in uM/s)


def _fit_json(res) -> dict:
    assert res.exit_code == 0, res.output
    (fit,) = json.loads(res.stdout)["fits"]
    return {name: p["value"] for name, p in fit["parameters"].items()}


def test_a_units_row_gives_the_same_fit_as_units_in_the_names(tmp_path):
    named = tmp_path / "named.csv"
    named.write_text(TABLE, "utf-8")
    with_row = tmp_path / "row.csv"
    with_row.write_text("s,rate\nmM,uM/s\n" + BODY, "utf-8")
    want = _fit_json(run("fit", named, "--law", "michaelis_menten", "--format", "json"))
    got = _fit_json(run("fit", with_row, "--law", "michaelis_menten", "--format", "json"))
    assert got == pytest.approx(want, rel=1e-12)
    assert want["km"] == pytest.approx(2.0, rel=0.1)  # KM 2 mM made in holdout_common (2 % wobble)


def test_the_units_row_is_not_data_and_is_recorded(tmp_path):
    path = tmp_path / "row.csv"
    path.write_text("s,rate\n(mM),[uM/min]\n" + BODY, "utf-8")
    ds = read_table(path)
    assert ds.lines.tolist() == list(range(3, 3 + len(S)))
    assert ds.metadata["units_row"] == 2
    assert ds.units["rate"].label == "uM/min"


def test_a_units_row_that_contradicts_a_name_is_an_error_with_its_place(tmp_path):
    path = tmp_path / "row.csv"
    path.write_text("s_mM,rate\nuM,uM/s\n" + BODY, "utf-8")
    res = run("fit", path, "--law", "michaelis_menten")
    assert res.exit_code == 2
    assert "line 2, column 's_mM': the units row says 'uM' but the name says 'mM'" in res.stderr


def test_a_row_of_numbers_below_the_header_is_data(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("s_mM,rate_uM_per_s\n0.1,1.2\n" + BODY, "utf-8")
    ds = read_table(path)
    assert ds.lines[0] == 2 and "units_row" not in ds.metadata


@pytest.mark.parametrize("second", ["wt,1.2", "mM,x"])
def test_a_row_that_is_not_all_units_is_data_and_its_bad_cells_are_named(tmp_path, second):
    path = tmp_path / "t.csv"
    path.write_text(f"s_mM,rate_uM_per_s\n{second}\n" + BODY, "utf-8")
    with pytest.raises(ValueError, match="line 2, column '(s_mM|rate_uM_per_s)'"):
        read_table(path)
