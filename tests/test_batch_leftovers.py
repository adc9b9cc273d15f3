"""Batch edge cases of issue 12 item 9: negative rates without numpy warnings, and limit refits.

Expected values: statuses from :data:`mgkinetics.errors.STATUSES`; the rates below are monotonically
negative (a reversed sign convention, or a dead enzyme under drift), the case that made the
substrate-inhibition Jacobian divide by zero (KSI at 0 in a step) with a RuntimeWarning.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mgkinetics as mgk
from mgkinetics.errors import STATUSES

S9 = np.geomspace(0.05, 20, 9)
# seeded probe curves (numpy default_rng(0), normal noise, folded negative): each made the batch
# Jacobian or normal equations warn before the fix
NEGATIVE = (
    [-0.456, -1.236, -0.507, -0.879, -1.656, -2.23, -3.299, -3.678, -4.686],
    [-0.621, -0.798, -0.555, -0.296, -2.391, -2.591, -5.166, -4.233, -4.845],
    [1.043, -0.129, 1.366, -0.665, 0.352, 0.903, 0.094, -0.743, -0.922],
)


def _negative_frame(law):
    parts = []
    for c, v in enumerate(NEGATIVE):
        d = {"curve": f"c{c}", "s_mM": S9, "rate_uM_per_s": np.array(v)}
        if law == "competitive":
            d["i_mM"] = np.arange(9) % 3 * 1.0
        parts.append(pd.DataFrame(d))
    return pd.concat(parts, ignore_index=True)


@pytest.mark.filterwarnings("error")  # a RuntimeWarning from numpy fails the test
@pytest.mark.parametrize("law", ["substrate_inhibition", "competitive", "michaelis_menten", "hill"])
def test_negative_rates_give_statuses_not_warnings(law):
    kw = {"inhibitor": "i_mM"} if law == "competitive" else {}
    res = mgk.fit_many(_negative_frame(law), law, curve="curve", **kw)
    k = len(mgk.get_law(law).params)
    assert set(res.status) <= set(STATUSES)
    assert all(res.status_reason[i] for i in np.flatnonzero(~res.success))  # every non-success says why
    # a success has finite parameters and SEs that are not NaN
    ok = res.success
    assert np.all(np.isfinite(res.values[ok, :k]))
    assert not np.any(np.isnan(res.stderr[ok, :k]))


# ----------------------------------------------------------------------------------------------
# Limit refits: standard errors at the limit, and the double limit (Ksi and KM → ∞)

S_UM = np.array([0.5, 1, 2, 4, 8, 16, 32.0])


def _mm_like(label, vmax, km, wiggle):
    v = vmax * S_UM / (km + S_UM) * (1 + 0.02 * np.cos(wiggle * S_UM))
    return pd.DataFrame({"curve": label, "s_mM": S_UM, "rate_uM_per_s": v})


def _ses(res, i, names):
    return [res.stderr[i, res.names.index(n)] for n in names]


def test_se_of_a_curve_refitted_at_ksi_infinity_is_the_limits():
    # Michaelis–Menten data with 2 % wiggles: the least-squares Ksi is +∞ (tests/test_batch_limits.py);
    # mgk.fit iterates Ksi to ~1e15, where its covariance of (Vmax, KM) is the limit's to ~1e-9
    frame = pd.concat([_mm_like(f"c{i}", 10.0 * (i + 1), 3.0 / (i + 1), w) for i, w in enumerate((1, 1, 2))])
    many = mgk.fit_many(frame, "substrate_inhibition", curve="curve")
    for i, label in enumerate(many.curves):
        single = mgk.fit(frame[frame.curve == label].drop(columns="curve"), "substrate_inhibition")
        assert single.status == many.status[i] == "not_bounded"
        for name, se in zip(("vmax", "km"), _ses(many, i, ("vmax", "km")), strict=True):
            assert se == pytest.approx(single.parameters[name].stderr, rel=1e-6), (label, name)


def test_se_of_a_competitive_curve_refitted_at_ki_infinity_is_the_limits():
    s = np.tile([0.5, 1, 2, 4, 8, 16.0], 3)
    i = np.repeat([0.0, 1.0, 3.0], 6)
    v = 10 * s / (2 + s) * (1 + 0.01 * i) * (1 + 0.01 * np.cos(7 * s))  # Ki → +∞ (no inhibition)
    frame = pd.DataFrame({"curve": "c", "s_mM": s, "i_mM": i, "rate_uM_per_s": v})
    many = mgk.fit_many(frame, "competitive", curve="curve", inhibitor="i_mM")
    single = mgk.fit(frame.drop(columns="curve"), "competitive", inhibitor="i_mM")
    assert single.status == many.status[0] == "not_bounded"
    for name, se in zip(("vmax", "km"), _ses(many, 0, ("vmax", "km")), strict=True):
        assert se == pytest.approx(single.parameters[name].stderr, rel=1e-6), name


def test_slope_se_of_a_line_refit_is_the_exact_gauss_newton_one():
    # KM → ∞ of Michaelis–Menten: the SE of Vmax/KM by the Gauss–Newton formula of single fits at
    # the limit point b = 1/(1e6·S_max) (fitting/slope.py), written out here with the exact Jacobian
    # of v = a·S/(1 + b·S); mgk.fit's differences of the law keep ~10 digits of ∂v/∂b there (1e-5)
    s = np.array([0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28])
    frames = [
        pd.DataFrame({"curve": f"c{c}", "s_mM": s, "rate_uM_per_s": k * s * (1 + 0.02 * np.cos((9 + c) * s))})
        for c, k in enumerate((3.0, 0.5))
    ]
    frame = pd.concat(frames)
    many = mgk.fit_many(frame, "michaelis_menten", curve="curve")
    j = many.names.index("vmax_over_km")
    for i, label in enumerate(many.curves):
        v = frame[frame.curve == label]["rate_uM_per_s"].to_numpy()
        a = float(s @ v / (s @ s))  # the line through the origin
        b = 1.0 / (1e6 * s.max())
        J = np.column_stack([s / (1 + b * s), -a * s**2 / (1 + b * s) ** 2])
        sigma2 = float(np.sum((v - a * s) ** 2)) / (s.size - 2)
        se = np.sqrt(sigma2 * np.linalg.inv(J.T @ J)[0, 0]) * 1e-3  # (µM/s)/mM -> 1/s
        assert many.status[i] == "not_bounded"
        assert many.stderr[i, j] == pytest.approx(se, rel=1e-9)
        single = mgk.fit(frame[frame.curve == label].drop(columns="curve"), "michaelis_menten")
        assert many.stderr[i, j] == pytest.approx(single.derived["vmax_over_km"].stderr, rel=1e-5)


def _double_limit_curves():
    """Hard substrate-inhibition curves (benchmarks/hard_curves.py, seeded) whose Ksi runs away on
    data that rise almost linearly: c11 and c112 are the line through the origin (Ksi and KM both
    at infinity); c1141 has a shallow dip before that limit, at KM ≈ 614 mM (8,300 × the highest S)."""
    from test_batch_hard import hard_curves

    frame = hard_curves.make_hard("substrate_inhibition", 2000)  # the benchmark's curves
    return frame, ["c11", "c112", "c1141"]


def test_ksi_and_km_both_to_infinity_is_the_line_through_the_origin():
    frame, labels = _double_limit_curves()
    sub = frame[frame.curve.isin(labels)]
    many = mgk.fit_many(sub, "substrate_inhibition", curve="curve")
    j = many.names.index("vmax_over_km")
    for i, label in enumerate(many.curves):
        one = sub[sub.curve == label]
        s, v = one["s_mM"].to_numpy(), one["rate_uM_per_s"].to_numpy()
        slope = float(s @ v / (s @ s))  # least squares through the origin (numpy), the double limit
        line = float(np.sum((v - slope * s) ** 2))
        single = mgk.fit(one.drop(columns="curve"), "substrate_inhibition")
        assert many.status[i] == single.status == "not_bounded", label
        # mgk.fit ends on the flat valley with the RSS of its lowest point: the line's, or (c1141)
        # 7.8e-7 below it in the dip; fit_many finds the same
        assert many.rss[i] == pytest.approx(single.statistics.rss, rel=1e-9), label
        assert many.rss[i] <= line * (1 + 1e-12)
        if label == "c1141":
            assert many.rss[i] < line * (1 - 5e-7)
            for name in ("vmax", "km"):  # the dip's KM: a flat valley, so to 1e-3
                assert many.values[i, many.names.index(name)] == pytest.approx(
                    single.parameters[name].value, rel=1e-3
                )
            continue
        assert many.rss[i] == pytest.approx(line, rel=1e-9)
        assert many.values[i, j] == pytest.approx(slope * 1e-3, rel=1e-9)  # (µM/s)/mM -> 1/s
        # there (KM/S_max > 1e3) its Vmax/KM is the line's up to O(S_max/KM)
        km_fit = single.parameters["km"].value
        assert km_fit > 1e3 * s.max()
        rel = 10 * s.max() / km_fit
        assert many.values[i, j] == pytest.approx(single.derived["vmax_over_km"].value, rel=rel)
