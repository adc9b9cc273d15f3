"""Hold-out cases (edges7, issue 12 "fits are invariant to the scale of the data"): scales beyond
the 1e±30 the suite tried.

Before: rates multiplied by 1e60 (RSS 5e118) were "failed: the solver ended where ... the residual
sum of squares is not finite" (the non-finite test was ``rss < 1e100``), though every estimate was
right to 1e-13; concentrations ×1e100 with rates ×1e-100 were "not identifiable" (the column norm
of the Jacobian underflowed to 0). Expected: the unscaled fit, scaled (the data are exact
multiples): same status, parameters and relative standard errors to 1e-6.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from holdout_common import TABLE

import mgkinetics as mgk
from mgkinetics.fitting.numerics import covariance

ROWS = [tuple(map(float, line.split(","))) for line in TABLE.splitlines()[1:]]


def _fit(fx: float, fy: float):
    frame = pd.DataFrame({"s_mM": [s * fx for s, _ in ROWS], "rate_uM_per_s": [v * fy for _, v in ROWS]})
    return mgk.fit(frame, "michaelis_menten")


@pytest.mark.parametrize(
    ("fx", "fy"), [(1.0, 1e60), (1.0, 1e150), (1e100, 1e-100), (1e-100, 1e100), (1e100, 1e100)]
)
def test_a_fit_of_scaled_data_is_the_scaled_fit(fx, fy):
    base, scaled = _fit(1.0, 1.0), _fit(fx, fy)
    assert scaled.status == base.status == "converged"
    for name, factor in (("vmax", fy), ("km", fx)):
        b, s = base.parameters[name], scaled.parameters[name]
        assert math.isclose(s.value / factor, b.value, rel_tol=1e-6)
        assert math.isclose(s.stderr / s.value, b.stderr / b.value, rel_tol=1e-6)


def test_covariance_of_columns_200_orders_apart():
    # J = [[1, 0], [0, 1e-200], [1, 1e-200]]: JᵀJ = [[2, 1e-200], [1e-200, 2e-400]] (not
    # representable), inverse [[2/3, -1/3e200], [-1/3e200, 2/3e400]]: variances 2/3 and 2/3·1e400·σ²
    jac = np.array([[1.0, 0.0], [0.0, 1e-200], [1.0, 1e-200]])
    cov = covariance(jac, scale=1e-300)
    assert math.isclose(cov[0, 0], 2 / 3 * 1e-300, rel_tol=1e-12)
    assert math.isclose(cov[1, 1], 2 / 3 * 1e100, rel_tol=1e-12)
    assert math.isclose(cov[0, 1], -1 / 3 * 1e-100, rel_tol=1e-12)
