"""Batch curves whose KM runs away (``not_bounded``) report the initial slope Vmax/KM with SE and CI.

Expected values are computed here independently of the batch engine:
* the slope: ordinary least squares of v on S through the origin (the KM → ∞ limit of the law),
  which the batched fit approaches to ~S/KM ≈ 1e-6 relative at its stopping point;
* its SE: the delta method at the batch's own (Vmax, KM), evaluated in the parametrisation
  (r = Vmax/KM, log KM) with a central-difference Jacobian and ``numpy.linalg.lstsq``, SE scaled by
  the residual variance (n − 2 degrees of freedom), as the covariance of a single fit is;
* name and unit: those of ``mgk.fit`` on the same curve (``vmax_over_km``, 1/s).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

import mgkinetics as mgk
from mgkinetics.report.batch_text import batch_rows, status_counts

S_MM = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5])
# (Vmax µM/s, KM mM): c0 and c2 have KM ≥ 2000 × the highest S (linear data), c1 is an ordinary curve
TRUTH = [(1e4, 1e4), (10.0, 1.0), (5e3, 2e3)]


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for c, (vmax, km) in enumerate(TRUTH):
        v = vmax * S_MM / (km + S_MM) * (1 + 0.03 * rng.standard_normal(S_MM.size))
        rows += [(f"c{c}", s, x) for s, x in zip(S_MM, v, strict=True)]
    return pd.DataFrame(rows, columns=["curve", "s_mM", "rate_uM_per_s"])


def _delta_se(s, v, vmax, km) -> float:
    """SE of r = vmax/km at (vmax, km), by central differences in (r, log km)."""
    r0, lk0 = vmax / km, np.log(km)

    def f(r, lk):
        k = np.exp(lk)
        return r * k * s / (k + s)

    h_r, h_k = 1e-6 * r0, 1e-4
    J = np.column_stack(
        [(f(r0 + h_r, lk0) - f(r0 - h_r, lk0)) / (2 * h_r), (f(r0, lk0 + h_k) - f(r0, lk0 - h_k)) / (2 * h_k)]
    )
    resid = v - f(r0, lk0)
    redchi = resid @ resid / (s.size - 2)
    return float(np.sqrt(np.linalg.inv(J.T @ J)[0, 0] * redchi))


def test_not_bounded_curves_report_the_initial_slope():
    frame = _frame()
    res = mgk.fit_many(frame, "michaelis_menten", curve="curve")
    assert list(res.status) == ["not_bounded", "converged", "not_bounded"]
    single = mgk.fit(frame[frame.curve == "c0"].drop(columns="curve"), "michaelis_menten")
    assert single.status == "not_bounded" and "vmax_over_km" in single.derived
    assert res.units["vmax_over_km"] == single.derived["vmax_over_km"].unit.label == "1/s"
    table = res.to_frame()
    col = res.column_name("vmax_over_km")
    assert col == "vmax_over_km_per_s"
    j = res.names.index("vmax_over_km")
    q = stats.t.ppf(0.975, S_MM.size - 2)
    for i in (0, 2):
        v = frame[frame.curve == f"c{i}"]["rate_uM_per_s"].to_numpy()
        slope_per_s = (S_MM @ v) / (S_MM @ S_MM) * 1e-3  # (µM/s)/mM -> 1/s
        value = table.loc[i, col]
        np.testing.assert_allclose(value, slope_per_s, rtol=1e-4)
        vmax, km = res.values[i, 0], res.values[i, 1]
        se = _delta_se(S_MM, v, vmax, km) * 1e-3
        np.testing.assert_allclose(table.loc[i, f"{col}_stderr"], se, rtol=1e-3)
        np.testing.assert_allclose(res.ci_low[i, j], value - q * res.stderr[i, j], rtol=1e-12)
        np.testing.assert_allclose(res.ci_high[i, j], value + q * res.stderr[i, j], rtol=1e-12)
    np.testing.assert_allclose(table.loc[0, col], single.derived["vmax_over_km"].value, rtol=1e-4)
    assert np.isnan(table.loc[1, col]) and np.isnan(table.loc[1, f"{col}_stderr"])  # converged: no slope


def test_no_slope_column_without_a_runaway_km():
    frame = _frame()
    res = mgk.fit_many(frame[frame.curve == "c1"], "michaelis_menten", curve="curve")
    assert list(res.status) == ["converged"]
    assert "vmax_over_km" not in res.names and not any("over_km" in c for c in res.columns)


def test_text_words_curves_by_status():
    res = mgk.fit_many(_frame(), "michaelis_menten", curve="curve")
    assert status_counts(res) == "1 converged, 2 not_bounded"
    text = str(res)
    assert "3 curves ('curve'): 1 converged, 2 not_bounded;" in text and "failed" not in text
    rows = batch_rows(res)
    assert [r[-1].split(":")[0] for r in rows[1:]] == ["not_bounded", "converged", "not_bounded"]
    assert rows[0][3] == "vmax_over_km (s⁻¹)" and rows[2][3] == "-" and "±" in rows[1][3]
