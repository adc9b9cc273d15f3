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
