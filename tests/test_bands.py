"""Confidence and prediction bands by the delta method."""

from __future__ import annotations

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.errors import FitError
from mgkinetics.stats.bands import bands

S = np.array([0.25, 0.5, 1, 2, 4, 8, 16, 32.0])
NOISE = np.array([0.31, -0.42, 0.12, 0.55, -0.36, -0.08, 0.27, -0.3])


def test_linear_model_bands_match_textbook_formula():
    # For y = a*x + b (an expression law, linear in the parameters) the delta method is exact:
    # se_fit^2 = s^2 * x0' (X'X)^-1 x0, prediction adds s^2 (Draper & Smith 1998, eq. 3.1.x).
    from scipy import stats

    x = np.arange(1.0, 9.0)
    y = 2 * x + 1 + NOISE
    res = mgk.fit({"x": x, "y": y}, "expr: a*x + b", init={"a": 1, "b": 0})
    x0 = np.array([0.5, 4.0, 12.0])
    b = bands(res, x=x0)
    X = np.column_stack([x, np.ones_like(x)])
    beta, rss, *_ = np.linalg.lstsq(X, y, rcond=None)
    s2 = rss[0] / (x.size - 2)
    X0 = np.column_stack([x0, np.ones_like(x0)])
    se = np.sqrt(s2 * np.einsum("ij,jk,ik->i", X0, np.linalg.inv(X.T @ X), X0))
    t = stats.t.ppf(0.975, x.size - 2)
    assert b["fit"] == pytest.approx(X0 @ beta, rel=1e-9)
    assert b["conf_high"] - b["fit"] == pytest.approx(t * se, rel=1e-6)
    assert b["pred_high"] - b["fit"] == pytest.approx(t * np.sqrt(se**2 + s2), rel=1e-6)


def test_mm_bands_are_ordered_and_narrowest_inside_the_data():
    res = mgk.fit({"s_mM": S, "rate_uM_per_s": 10 * S / (2 + S) + NOISE}, "michaelis_menten")
    b = bands(res, substrate=np.array([2.0, 500.0]))
    assert np.all(b["pred_low"] < b["conf_low"]) and np.all(b["conf_high"] < b["pred_high"])
    width = b["conf_high"] - b["conf_low"]
    assert width[1] > width[0]  # extrapolation far beyond 32 mM is less certain


def test_bands_need_inputs():
    res = mgk.fit({"s_mM": S, "rate_uM_per_s": 10 * S / (2 + S) + NOISE}, "michaelis_menten")
    with pytest.raises(FitError, match="substrate"):
        bands(res, inhibitor=[1.0])


def test_a_speciated_law_uses_its_closed_form_jacobian():
    """mgatp_mm (a speciated Mg law) carries ``law.func.jacobian``; the band's gradient is that one,
    which an independent Richardson central difference (error ~h⁴) matches to 1e-7 relative per column, Kd
    (through the mass balance) included."""
    from mgkinetics.fitting.numerics import richardson_jacobian
    from mgkinetics.stats.bands import _gradient

    atp = np.array([0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10.0])
    mg = atp.copy()  # 1:1 Mg:ATP: the MgATP fraction moves along the series, so Kd is determined
    kd = 0.0672
    mgatp = 0.5 * ((atp + mg + kd) - np.sqrt((atp + mg + kd) ** 2 - 4 * atp * mg))  # 1:1 binding only
    rate = 50 * mgatp / (0.3 + mgatp) * (1 + 0.01 * np.cos(7 * atp))
    data = {"atp_total_mM": atp, "mg_total_mM": mg, "enzyme_nM": np.full(8, 10.0), "rate_uM_per_s": rate}
    res = mgk.fit(data, "mgatp_mm", init={"kd_mgatp": 0.05})
    assert hasattr(res.law.func, "jacobian") and "kd_mgatp" in res.covariance_names
    arrays = {"atp_total": np.geomspace(0.01, 20, 40), "mg_total": np.geomspace(0.01, 20, 40)}
    arrays = {n: arrays.get(n, np.asarray(res.data[n][:1]).repeat(40)) for n in res.law.input_names}
    names = list(res.covariance_names)
    values = dict(res.values)
    g = _gradient(res.law, arrays, values, names)

    def f(theta):
        return res.law.evaluate(arrays, {**values, **dict(zip(names, theta))})

    # a step of 1e-3 keeps the solver's round-off (~1e-12 / step) below the h⁴ error
    numeric = richardson_jacobian(f, np.array([values[n] for n in names]), rel_step=1e-3)
    assert g.shape == numeric.shape == (40, len(names))
    assert np.all(np.abs(g - numeric).max(axis=0) <= 1e-7 * np.abs(numeric).max(axis=0))
    b = bands(res, **arrays)
    assert np.all(b["conf_low"] < b["fit"]) and np.all(b["fit"] < b["conf_high"])
