"""Hold-out cases (edges7, issue 12 "wrong answers marked right"): parameters held with --fix.

Before: ``--fix km=-2`` (below KM's bound of 0) ran the fit into a pole at S = 2 mM and said "the
fit did not converge ... is a value in the data near the float range?" (the wrong reason); with
every parameter fixed the status said "converged to an interior optimum with finite standard
errors", though nothing was fitted and there are no standard errors.
"""

from __future__ import annotations

import json
import math

import pytest
from holdout_common import TABLE, S, run

import mgkinetics as mgk
from mgkinetics.errors import FitError


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(TABLE, encoding="utf-8")
    return path


def test_a_fixed_value_outside_the_parameters_range_is_refused_with_the_range(table):
    res = run("fit", table, "--law", "michaelis_menten", "--fix", "km=-2")
    assert res.exit_code == 2
    assert res.stderr.strip() == "Error: km=-2: km must be >= 0 mM; hold it at a value in that range"
    res = run("fit", table, "--law", "hill", "--fix", "n=-1")
    assert res.exit_code == 2 and "n must lie within 0–20" in res.stderr
    with pytest.raises(FitError, match="km must be >= 0 mM"):
        mgk.fit(table, "michaelis_menten", fix={"km": "-2000uM"})


def test_every_parameter_fixed_is_an_evaluation_and_says_so(table):
    res = run(
        "fit", table, "--law", "michaelis_menten", "--fix", "km=2", "--fix", "vmax=10", "--format", "json"
    )
    assert res.exit_code == 0, res.output
    fit = json.loads(res.stdout)["fits"][0]
    assert fit["status_reason"].startswith("every parameter is fixed: nothing was fitted")
    assert all(p["stderr"] is None and p["fixed"] for p in fit["parameters"].values())
    # the RSS is that of the fixed curve 10*S/(2 + S) against the table's rates
    rates = [float(line.split(",")[1]) for line in TABLE.splitlines()[1:]]
    rss = sum((v - 10 * s / (2 + s)) ** 2 for s, v in zip(S, rates))
    assert math.isclose(fit["statistics"]["rss"], rss, rel_tol=1e-12)
