"""A Prism-style table (issue 12 hold-out, edges6): a title row with the Y unit over the replicate
columns, then ``X, Y1, Y2, Y3``. The read stopped with 'column 2 has no name but holds data' for
each titled column and "'Y1' is not a number" for each name of the real header, never saying that
line 1 is a title. Now one problem says so and what to do; done, the replicates are read as the
wide layout (3 rows per concentration)."""

from __future__ import annotations

import pytest
from holdout_common import S, run


def _rate(s: float, i: int) -> float:  # made here: Vmax 10 uM/s, KM 2 mM, 2 % deterministic wobble
    return 10 * s / (2 + s) * (1 + 0.02 * ((i % 3) - 1))


ROWS = "".join(f"{s},{_rate(s, i)!r},{_rate(s, i + 1)!r},{_rate(s, i + 2)!r}\n" for i, s in enumerate(S))


def test_a_title_row_above_the_header_is_named_as_such(tmp_path):
    path = tmp_path / "prism.csv"
    path.write_text(",Rate (uM/s),,\n[S] (mM),Y1,Y2,Y3\n" + ROWS, "utf-8")
    res = run("fit", path, "--law", "michaelis_menten")
    assert res.exit_code == 2
    assert "1 problem" in res.stderr, res.stderr  # not one per titled column and per name
    assert "line 1: looks like a title row above the header: line 2 holds only names" in res.stderr
    assert "'Y1', 'Y2', 'Y3'" in res.stderr


def test_without_the_title_row_the_replicates_are_read_wide(tmp_path):
    path = tmp_path / "prism.csv"
    path.write_text("[S] (mM),Y1,Y2,Y3\n" + ROWS, "utf-8")
    res = run("fit", path, "--law", "michaelis_menten", "--input-unit", "Y=uM/s", "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = [line.split(",") for line in res.stdout.splitlines()[1:]]
    values = {r[2]: float(r[3]) for r in rows}
    assert {r[11] for r in rows} == {str(3 * len(S))}  # n: every replicate is a row
    assert values["km"] == pytest.approx(2.0, rel=0.05) and values["vmax"] == pytest.approx(10.0, rel=0.05)


def test_a_table_whose_header_has_a_nameless_data_column_keeps_its_own_message(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("s_mM,,rate_uM_per_s\n" + "".join(f"{s},1,{_rate(s, 0)}\n" for s in S), "utf-8")
    res = run("fit", path, "--law", "michaelis_menten")
    assert res.exit_code == 2
    assert "column 2 has no name but holds data" in res.stderr and "title row" not in res.stderr
