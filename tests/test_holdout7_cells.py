"""Hold-out cases (edges7, issue 12 "errors with a place"): infinite cells.

Before: a CSV cell ``-inf`` (read by the fast float path) was quoted as ``'np.float64(-inf)'`` in
its message, which is not what the cell holds. Expected: the cell as written, line and column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from holdout_common import run

import mgkinetics as mgk
from mgkinetics.errors import DataFormatError


def test_infinite_cells_are_quoted_as_written(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("s_mM,rate_uM_per_s\n2,-inf\n1,inf\n3,4\n4,5\n", encoding="utf-8")
    res = run("fit", path, "--law", "michaelis_menten")
    assert res.exit_code == 2
    assert res.stderr.splitlines()[1:] == [
        "  line 2, column 'rate_uM_per_s': '-inf' is not a finite number; leave the cell empty to mark "
        "a missing value",
        "  line 3, column 'rate_uM_per_s': 'inf' is not a finite number; leave the cell empty to mark "
        "a missing value",
    ]


def test_an_infinite_value_in_a_dataframe_is_named_by_row():
    frame = pd.DataFrame({"s_mM": [1, 2, 3, 4.0], "rate_uM_per_s": [1, -np.inf, 3, 4]})
    with pytest.raises(DataFormatError) as info:
        mgk.fit(frame, "michaelis_menten")
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (3, "rate_uM_per_s")
    assert problem.message.startswith("'-inf' is not a finite number")
