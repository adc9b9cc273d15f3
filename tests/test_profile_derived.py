"""Exact profiles of derived quantities of one fit (stats.derived_profile), issue 12 item 5.

Every limit is compared with the independent brute-force profile of tests/profile_reference.py
(the Michaelis–Menten model restated here in numpy, the free parameter re-optimised from many
starts at every trial value) to 4 significant digits (rel 5e-5).
"""

from __future__ import annotations

import numpy as np
import pytest
from profile_reference import brute_limits, brute_profile

import mgkinetics as mgk
from mgkinetics.errors import FitError, UnitError
from mgkinetics.stats.derived_profile import DerivedQuantity, profile_derived
from mgkinetics.stats.intervals import profile_parameter

REL = 5e-5  # 4 significant digits
S_WIDE = np.array([0.25, 0.5, 1, 2, 4, 8, 16, 32.0])
S_LOW = np.array([0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2.0, 2.5, 3])  # KM (~36 mM) far beyond


def _mm_data(s, km, seed):
    rng = np.random.default_rng(seed)
    return 10 * s / (km + s) * (1 + 0.03 * rng.standard_normal(s.size))


def _brute_ratio(s, v, res, crit, rho_scale):
    """Brute force of ρ = vmax/km: vmax = ρ·km, km free (unweighted MM)."""

    def resid(rho, x):
        return v - rho * x[0] * s / (x[0] + s)

    S = brute_profile(resid, np.array([res.values["km"]]), [0.0], [np.inf], n_starts=3)
    rho = res.values["vmax"] / res.values["km"]
    return brute_limits(S, rho, rho_scale * rho, crit, lower=0.0)


@pytest.mark.parametrize("s, km_true, seed", [(S_WIDE, 2.0, 1), (S_LOW, 60.0, 2)], ids=["wide", "corr0.9998"])
def test_kcat_over_km_from_vmax_and_enzyme_matches_brute_force(s, km_true, seed):
    v = _mm_data(s, km_true, seed)
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten")
    if km_true == 60.0:  # the hard case: vmax and KM correlated beyond 0.9998
        sd = np.sqrt(np.diag(res.covariance))
        assert res.covariance[0, 1] / (sd[0] * sd[1]) > 0.9998
    eff = profile_derived(res, "kcat_per_km", enzyme="5 nM")
    # (uM/s)/(5e-3 uM) / mM = 1/(mM*s) = 1e3 1/(M*s): the factor from vmax/km is 2e5
    assert eff.unit.label == "1/(M*s)"
    assert eff.value == pytest.approx(res.values["vmax"] / res.values["km"] * 2e5, rel=1e-12)
    assert eff.ci_method.startswith("profile (kcat/km = vmax/([E]·km)")
    assert eff.low_status == eff.high_status == "closed" and eff.unsettled == 0
    low, high = _brute_ratio(s, v, res, eff.threshold, 0.02)
    assert eff.low == pytest.approx(low * 2e5, rel=REL)
    assert eff.high == pytest.approx(high * 2e5, rel=REL)


def test_kcat_side_the_data_cannot_bound_is_open():
    """KM -> infinity: kcat = Vmax/[E] has no upper limit; its lower one is Vmax's over [E]."""
    v = _mm_data(S_LOW, 60.0, 2)
    res = mgk.fit({"s_mM": S_LOW, "rate_uM_per_s": v}, "michaelis_menten")
    kcat = profile_derived(res, "kcat", enzyme=(5.0, "nM"))
    assert kcat.high is None and kcat.high_status == "open" and "upper limit is open" in kcat.note()
    assert kcat.unit.label == "1/s" and kcat.value == pytest.approx(res.values["vmax"] / 5e-3, rel=1e-12)
    vmax = profile_parameter(res, None, "vmax")
    assert kcat.low == pytest.approx(vmax["low"] / 5e-3, rel=1e-9)
    # Vmax's lower limit 2.97895 was checked against the brute force in tests/test_intervals.py
    assert kcat.low == pytest.approx(2.97895 / 5e-3, rel=1e-5)
    est = kcat.to_estimate()
    assert est.ci_high is None and est.ci_method == "profile (kcat = vmax/[E])"


@pytest.mark.parametrize("dependent", ["vmax", "km"])
def test_any_smooth_function_by_numeric_reparametrisation(dependent):
    """The rate at S = 1 mM, vmax/(km + 1): the constraint solved numerically for either parameter."""
    v = _mm_data(S_LOW, 60.0, 2)
    res = mgk.fit({"s_mM": S_LOW, "rate_uM_per_s": v}, "michaelis_menten")
    q = DerivedQuantity(
        "rate_at_1mM", value=lambda p: p["vmax"] / (p["km"] + 1.0), dependent=dependent, lower=0.0
    )
    prof = profile_derived(res, q)
    assert prof.ci_method == f"profile ({dependent} solved from rate_at_1mM = t)"

    def resid(t, x):  # vmax = t·(km + 1), km free
        return v - t * (x[0] + 1.0) * S_LOW / (x[0] + S_LOW)

    S = brute_profile(resid, np.array([res.values["km"]]), [0.0], [np.inf], n_starts=3)
    low, high = brute_limits(S, prof.value, 0.02 * prof.value, prof.threshold, lower=0.0)
    assert (prof.low, prof.high) == (pytest.approx(low, rel=REL), pytest.approx(high, rel=REL))


def test_ratio_with_km_at_its_bound_is_profiled_through_the_reciprocal():
    """Rates falling slightly with s: KM = 0 (its bound), kcat/KM = ∞. The lower limit of the
    ratio is 1/(upper limit of KM/kcat); the upper side reaches the bound and is open."""
    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    v = 10 + np.array([0.3, 0.2, 0.25, -0.1, 0.05, -0.1])
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": v, "enzyme_nM": np.full(6, 5.0)}, "michaelis_menten_kcat")
    assert res.values["km"] == 0.0
    eff = profile_derived(res, "kcat_over_km")
    assert eff.high is None and eff.high_status == "bound" and eff.low_status == "closed"
    e_uM = 5e-3

    def resid(u, x):  # km = u·kcat, kcat free
        return v - x[0] * e_uM * s / (u * x[0] + s)

    S = brute_profile(resid, np.array([res.values["kcat"]]), [0.0], [np.inf], n_starts=3)
    _, u_high = brute_limits(S, 0.0, 1e-7, eff.threshold, lower=0.0, sides=(1,))
    assert eff.low == pytest.approx(1 / u_high * 1e3, rel=REL)  # 1/(mM*s) -> 1/(M*s)


def test_fit_with_ci_profile_states_the_method_of_every_derived_quantity():
    v = _mm_data(S_LOW, 60.0, 2)
    res = mgk.fit({"s_mM": S_LOW, "rate_uM_per_s": v}, "michaelis_menten", ci="profile")
    assert res.status == "not_bounded"
    ratio = res.derived["vmax_over_km"]  # KM -> ∞: only Vmax/KM is determined, with its profile CI
    assert ratio.ci_method == "profile (vmax = ρ·km)" and ratio.note == ""
    low, high = _brute_ratio(S_LOW, v, res, profile_derived(res, "vmax_over_km").threshold, 0.02)
    factor = 1e-3  # (uM/s)/mM -> 1/s
    assert ratio.ci_low == pytest.approx(low * factor, rel=REL)
    assert ratio.ci_high == pytest.approx(high * factor, rel=REL)
    assert res.to_dict()["derived"]["vmax_over_km"]["ci_method"] == "profile (vmax = ρ·km)"
    kcat_fit = mgk.fit(
        {"s_mM": S_WIDE, "rate_uM_per_s": _mm_data(S_WIDE, 2.0, 1), "enzyme_nM": np.full(8, 5.0)},
        "michaelis_menten_kcat",
        ci="profile",
    )
    assert kcat_fit.derived["kcat_over_km"].ci_method == "profile (kcat = ρ·km)"


def test_unknown_quantity_and_enzyme_without_unit_are_errors():
    res = mgk.fit({"s_mM": S_WIDE, "rate_uM_per_s": _mm_data(S_WIDE, 2.0, 1)}, "michaelis_menten")
    with pytest.raises(FitError, match="no derived quantity 'kcat_over_ki'.*A_over_B"):
        profile_derived(res, "kcat_over_ki")
    with pytest.raises(FitError, match="kcat / kcat_over_km with enzyme"):
        profile_derived(res, "kcat")  # no [E] given for a Vmax-form law
    with pytest.raises(UnitError, match="has no unit"):
        profile_derived(res, "kcat", enzyme=5.0)


def test_dead_enzyme_gets_no_interval_rather_than_a_zero_width_one():
    """Every rate 0: S_min = 0 and the threshold is 0, so every profile point 'reaches' it. No
    side may be reported closed (before, kcat got [0, 0] and KM [3, 3] as ordinary limits)."""
    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    data = {"s_mM": s, "rate_uM_per_s": np.zeros(6), "enzyme_nM": np.full(6, 5.0)}
    res = mgk.fit(data, "michaelis_menten_kcat", ci="profile")
    assert res.status == "not_identifiable"
    for est in [*res.parameters.values(), *res.derived.values()]:
        assert est.ci_low is None and est.ci_high is None, est.name
        assert "all residuals are 0" in est.note
