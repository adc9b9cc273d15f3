"""Hold-out cases (edges7, issue 12 "binding traps"): an expression name that is one column's exact
name and another column's unit-stripped stem.

Before: with columns ``S`` (a sample number 1..6) and ``S_mM`` (the substrate), ``expr:
vmax*S/(km + S)`` bound ``S`` to the sample number without a word (exact name first). Expected:
an error listing both candidates; bound with ``--column S=S_mM``, the fit of the built-in
Michaelis–Menten law on ``S_mM``.
"""

from __future__ import annotations

import json
import math

from holdout_common import TABLE, run

EXPR = "expr: vmax*S/(km + S)"


def _table(tmp_path):
    rows = TABLE.splitlines()[1:]
    text = "S,S_mM,rate_uM_per_s\n" + "".join(f"{i + 1},{row}\n" for i, row in enumerate(rows))
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_name_matching_one_column_exactly_and_another_by_stem_is_ambiguous(tmp_path):
    res = run("fit", _table(tmp_path), "--law", EXPR, "--init", "vmax=5", "--init", "km=1")
    assert res.exit_code == 2
    assert "expression input 'S' matches several columns (candidates: 'S', 'S_mM')" in res.stderr
    assert "--column S=COLUMN" in res.stderr


def test_bound_explicitly_it_is_the_michaelis_menten_fit_of_that_column(tmp_path):
    path = _table(tmp_path)
    args = ("--init", "vmax=5", "--init", "km=1", "--column", "S=S_mM", "--format", "json")
    res = run("fit", path, "--law", EXPR, *args)
    assert res.exit_code == 0, res.output
    mine = json.loads(res.stdout)["fits"][0]["parameters"]
    res = run("fit", path, "--law", "michaelis_menten", "--x", "S_mM", "--format", "json")
    assert res.exit_code == 0, res.output
    builtin = json.loads(res.stdout)["fits"][0]["parameters"]
    for name in ("vmax", "km"):
        assert math.isclose(mine[name]["value"], builtin[name]["value"], rel_tol=1e-6)
