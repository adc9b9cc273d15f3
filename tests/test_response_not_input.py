"""The response is never an input, and the message says which binding took it (lead, session 7).

With ``--column s=rate_uM_per_s`` (or an expression name ``rate`` whose stem is the rate column's),
the only rate column was bound to an input and the error said "no rate column ... among 's_mM',
'rate_uM_per_s'", as if the file had none (hold-out found by edges7). It now names that column
and says why it cannot be both.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

import mgkinetics as mgk
from mgkinetics.errors import DataFormatError

DATA = {"s_mM": [0.5, 1, 2, 4, 8, 16.0], "rate_uM_per_s": [2.0, 3.3, 5.0, 6.6, 8.0, 8.9]}
INIT = {"vmax": 10.0, "km": 1.0}


@pytest.mark.parametrize(
    ("law", "columns"),
    [("expr: vmax*s/(km+s)", {"s": "rate_uM_per_s"}), ("expr: vmax*rate/(km+rate)", None)],
)
def test_the_rate_column_bound_to_an_input_is_named(law, columns):
    with pytest.raises(DataFormatError) as info:
        mgk.fit(DATA, law, init=INIT, columns=columns)
    (problem,) = info.value.problems
    assert problem.column == "rate_uM_per_s" and "response is never an input" in problem.message


def test_the_cli_says_it_in_one_line(tmp_path):
    path = tmp_path / "mm.csv"
    path.write_text("s_mM,rate_uM_per_s\n0.5,2.0\n1,3.3\n2,5.0\n4,6.6\n8,8.0\n16,8.9\n", encoding="utf-8")
    res = CliRunner().invoke(
        cli,
        ["fit", str(path), "--law", "expr: vmax*s/(km+s)", "--init", "vmax=10", "--init", "km=1"]
        + ["--column", "s=rate_uM_per_s"],
    )
    assert res.exit_code == 2
    assert "column 'rate_uM_per_s': is the only rate column but is bound to an input" in res.output
