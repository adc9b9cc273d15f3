"""Large-data paths of fit and compare: the vectorised pieces give what the row-by-row rules give.

Expected values come from independent, deliberately plain implementations written here (a full
sort and a Python loop for the FDR step; one law call per parameter for the Jacobian) or from the
simulation truth. No timing is asserted (timings belong to benchmarks/bench_large.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.stats.diagnostics import ROUT_Q, _fdr_flagged


def _fdr_by_loop(t: np.ndarray, dof: int, q: float) -> list[int]:
    """Benjamini & Hochberg (1995) as in the textbook: every p sorted ascending, a loop over all;
    the largest rank j (from 1) with p_(j) < Q·j/N and every smaller p are discoveries."""
    from scipy import stats

    n = t.size
    p = 2 * stats.t.sf(t, dof)
    order = np.argsort(p, kind="stable")
    last = 0
    for j, idx in enumerate(order, start=1):
        if p[idx] < q * j / n:
            last = j
    return sorted(order[:last].tolist())


@pytest.mark.parametrize("n_out", [0, 1, 7, 60])
@pytest.mark.parametrize("q", [ROUT_Q, 0.05])
def test_fdr_step_flags_the_rows_the_loop_flags(n_out, q):
    rng = np.random.default_rng(12 + n_out)
    n = 5000
    t = np.abs(rng.standard_t(8, n))
    planted = rng.choice(n, n_out, replace=False)
    t[planted] = rng.uniform(3.0, 12.0, n_out)  # some clear outliers, some near the cut
    flagged, p = _fdr_flagged(t, n - 2, q)
    assert flagged.tolist() == _fdr_by_loop(t, n - 2, q)
    from scipy import stats

    np.testing.assert_array_equal(p, 2 * stats.t.sf(t[flagged], n - 2))
    assert np.all(p < q)


def test_fdr_step_on_gaussian_scatter_flags_rarely_whatever_n():
    # With no outlier, BH at Q flags something in at most about a fraction Q of data sets (it
    # controls the family-wise rate under the global null); a per-point cut at Q would instead
    # flag about Q·N points in every data set. 200 data sets of 20,000 t values: expected 2.
    rng = np.random.default_rng(5)
    flagged_sets = sum(
        _fdr_flagged(np.abs(rng.standard_t(50, 20_000)), 50, ROUT_Q)[0].size > 0 for _ in range(200)
    )
    assert flagged_sets <= 8  # P(Binomial(200, 0.01) > 8) < 3e-4


def test_fdr_step_with_no_point_near_the_cut_flags_nothing():
    flagged, p = _fdr_flagged(np.full(1000, 0.5), 998, ROUT_Q)
    assert flagged.size == 0 and p.size == 0


def _mm_table(n: int, seed: int, outliers: dict[int, float] | None = None) -> dict:
    rng = np.random.default_rng(seed)
    s = rng.uniform(0.05, 20.0, n)
    v = 10.0 * s / (2.0 + s) + 0.05 * rng.standard_normal(n)  # constant SD: no weighting hint
    for i, add in (outliers or {}).items():
        v[i] += add
    return {"s_mM": s, "rate_uM_per_s": v}


def test_rout_on_twenty_thousand_rows_finds_the_planted_outliers_by_line():
    planted = {17: 3.0, 4000: -2.5, 19_999: 4.0}  # 50-80 SD
    res = mgk.fit(_mm_table(20_000, 3, planted), "michaelis_menten")
    points = res.diagnostics["outliers"]["points"]
    lines = [p["line"] for p in points]
    # a dict table numbers its rows from line 2 (line 1 is the header), like a CSV
    assert lines == [i + 2 for i in sorted(planted)]
    assert [p["residual"] for p in points] == pytest.approx([planted[i] for i in sorted(planted)], abs=0.3)
    assert res.diagnostics["runs"]["method"] == "normal approximation"
    assert res.parameters["vmax"].value == pytest.approx(10.0, rel=0.01)
    assert res.parameters["km"].value == pytest.approx(2.0, rel=0.02)


def _two_set_stacked(weights: bool):
    """The engine's stacked residuals of two MM data sets with vmax shared."""
    from mgkinetics.fitting import engine
    from mgkinetics.fitting.joint import joint_starts, keys_and_units
    from mgkinetics.fitting.problem import build_problems
    from mgkinetics.fitting.stacked import Stacked

    a, b = _mm_table(300, 1), _mm_table(200, 2)
    table = {
        "variant": ["wt"] * 300 + ["mut"] * 200,
        "s_mM": np.concatenate([a["s_mM"], b["s_mM"]]),
        "rate_uM_per_s": np.concatenate([a["rate_uM_per_s"], 0.4 * b["rate_uM_per_s"]]),
    }
    problems, _, _ = build_problems(
        table, "michaelis_menten", group="variant", weights="relative" if weights else "none"
    )
    labels = ["wt", "mut"]
    keys, units = keys_and_units(problems, labels, ["vmax"])
    starts = {"wt": {"vmax": 9.0, "km": 2.5}, "mut": {"vmax": 4.5, "km": 1.5}}
    begin, varying, typical = joint_starts(problems, labels, keys, units, {}, {}, starts, 0.95, ["vmax"])
    layout = engine.layout_for(problems, keys, begin, varying, typical)
    return Stacked(problems, layout), problems, layout


@pytest.mark.parametrize("weights", [False, True])
def test_stacked_residuals_are_weighted_model_minus_data_set_by_set(weights):
    stacked, problems, layout = _two_set_stacked(weights)
    theta = np.array([layout.starts[k] for k in layout.varying])
    expected = []
    for p, keys in zip(problems, layout.keys, strict=True):
        model = 1.0 * layout.starts[keys["vmax"]] * p.inputs["substrate"]
        model = model / (layout.starts[keys["km"]] + p.inputs["substrate"])
        expected.append(p.weights * (model - p.rate))
    np.testing.assert_allclose(stacked.raw(theta), np.concatenate(expected), rtol=1e-14, atol=0)


def test_stacked_residuals_replace_non_finite_values_by_big():
    from mgkinetics.fitting.stacked import BIG

    stacked, problems, layout = _two_set_stacked(False)
    theta = np.array([layout.starts[k] for k in layout.varying])
    theta[layout.varying.index("km[wt]")] = -problems[0].inputs["substrate"][5]  # km + s = 0 in row 5
    with np.errstate(all="ignore"):
        r = stacked.raw(theta)
    assert r[5] == BIG
    assert np.all(np.isfinite(r)) and np.all(np.abs(np.delete(r, 5)) < 1e6)


@pytest.mark.parametrize("weights", [False, True])
def test_complex_columns_equal_one_law_call_per_parameter(weights):
    stacked, problems, layout = _two_set_stacked(weights)
    theta = np.array([layout.starts[k] for k in layout.varying])
    idx = list(range(theta.size))
    block = stacked._complex_columns(theta, idx)
    loop = stacked._complex_loop(theta, idx)
    np.testing.assert_array_equal(block, loop)
    # a set does not depend on the other set's km: those entries are exactly zero
    wt = slice(0, problems[0].n)
    mut = slice(problems[0].n, problems[0].n + problems[1].n)
    assert np.all(block[wt, layout.varying.index("km[mut]")] == 0)
    assert np.all(block[mut, layout.varying.index("km[wt]")] == 0)
    # and they are derivatives: the Richardson central difference agrees to 1e-7 relative
    rich = stacked._richardson(theta, idx)
    np.testing.assert_allclose(block, rich, rtol=1e-7, atol=1e-9 * np.abs(rich).max())


class _TextTable:
    """The two things numeric_column reads of a Dataset, for one unitless (text) column."""

    source = "t.csv"

    def __init__(self, cells):
        self.values = {"c": np.array(cells, dtype=object)}
        self.lines = np.arange(2, len(cells) + 2)

    def is_numeric(self, column):
        return False


def test_unitless_column_parsed_in_one_pass_as_float_would_cell_by_cell():
    from mgkinetics.fitting.columns import numeric_column

    cells = ["1.5", " 2 ", "", "   ", "1e3", "nan", "-inf", "1_000", "\u0663", "0"] * 50
    expected = [float(c) if c.strip() else float("nan") for c in cells]  # Python's float, per cell
    np.testing.assert_array_equal(numeric_column(_TextTable(cells), "c"), expected)


def test_unitless_column_with_bad_cells_names_every_one_by_line():
    from mgkinetics.errors import DataFormatError
    from mgkinetics.fitting.columns import numeric_column

    with pytest.raises(DataFormatError) as info:
        numeric_column(_TextTable(["1", "x", "", "2y", "3"]), "c")
    assert [(p.line, p.column) for p in info.value.problems] == [(3, "c"), (5, "c")]
