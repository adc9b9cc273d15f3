"""Asymptotic intervals never leave a parameter's declared range (lead, session 7).

Rates that fall as S rises drive Michaelis–Menten to km = 0 (its lower bound): the Wald interval
km ± t·SE then reaches below 0, a negative KM. The side beyond the bound is cut there and marked
``bound`` (the other side ``closed``), in single fits, global fits and fit_many alike; an interval
inside the range is unchanged (value ± t·SE, checked against scipy's t quantile).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import mgkinetics as mgk
from mgkinetics.fitting.estimates import clip_interval

S = np.array([0.5, 1, 2, 4, 8, 16, 32.0])
FALLING = np.array([9, 8.1, 7.2, 6.1, 5, 3.9, 2.2])


def test_clip_interval_cuts_only_the_side_beyond_a_bound():
    assert clip_interval(-0.5, 0.5, (0.0, np.inf)) == (0.0, 0.5, ("bound", "closed"))
    assert clip_interval(0.2, 1.5, (0.0, 1.0)) == (0.2, 1.0, ("closed", "bound"))
    assert clip_interval(0.2, 0.5, (0.0, 1.0)) == (0.2, 0.5, ("", ""))
    assert clip_interval(-1.0, 0.5, None) == (-1.0, 0.5, ("", ""))


def test_km_at_zero_has_no_negative_interval():
    res = mgk.fit({"s_mM": S, "rate_uM_per_s": FALLING}, "michaelis_menten")
    km = res.parameters["km"]
    assert res.status == "at_bound" and km.value == 0.0
    q = stats.t.ppf(0.975, res.statistics.dof)
    assert km.ci_low == 0.0 and km.ci_high == pytest.approx(q * km.stderr, rel=1e-12)
    assert (km.ci_low_status, km.ci_high_status) == ("bound", "closed")
    vmax = res.parameters["vmax"]  # inside its range: the plain Wald interval
    assert vmax.ci_low == pytest.approx(vmax.value - q * vmax.stderr, rel=1e-12)
    assert vmax.ci_low_status == ""
    assert res.to_dict()["parameters"]["km"]["ci_low_status"] == "bound"


def test_fit_many_cuts_the_same_interval():
    one = mgk.fit({"s_mM": S, "rate_uM_per_s": FALLING}, "michaelis_menten").parameters["km"]
    many = mgk.fit_many(
        {"curve": ["a"] * S.size, "s_mM": S, "rate_uM_per_s": FALLING}, "michaelis_menten", curve="curve"
    ).to_frame()
    assert many.loc[0, "km_mM_ci_low"] == 0.0
    assert many.loc[0, "km_mM_ci_high"] == pytest.approx(one.ci_high, rel=1e-6)


def test_global_fit_cuts_a_shared_km_at_its_bound():
    data = {
        "set": ["a"] * S.size + ["b"] * S.size,
        "s_mM": np.r_[S, S],
        "rate_uM_per_s": np.r_[FALLING, 1.1 * FALLING],
    }
    res = mgk.fit_shared(data, "michaelis_menten", ["km"], group="set")
    km = res.parameters["km"]
    assert km.value == 0.0 and km.ci_low == 0.0 and km.ci_low_status == "bound"
