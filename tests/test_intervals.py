"""Profile-likelihood and bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest

from mgkinetics.errors import FitError
from mgkinetics.fitting.problem import build_problems
from mgkinetics.fitting.single import fit_problem
from mgkinetics.stats.intervals import apply_intervals, profile_threshold

S = np.array([0.25, 0.5, 1, 2, 4, 8, 16, 32.0])
NOISE = np.array([0.31, -0.42, 0.12, 0.55, -0.36, -0.08, 0.27, -0.3])


def _problem(law="michaelis_menten", extra=None, v=None, s=S):
    v = 10 * s / (2 + s) + NOISE[: s.size] if v is None else v
    data = {"s_mM": s, "rate_uM_per_s": v, **(extra or {})}
    (prob,), _, _ = build_problems(data, law)
    return prob


def test_threshold_matches_f_and_chi2_quantiles():
    from scipy import stats

    expected = 2 * (1 + stats.f.ppf(0.95, 1, 8) / 8)
    assert profile_threshold(2.0, 10, 2, scale_covar=True) == pytest.approx(expected)
    assert profile_threshold(2.0, 10, 2, scale_covar=False) == pytest.approx(2 + 3.841458820694124)


def test_profile_limits_sit_on_the_threshold():
    prob = _problem()
    res = fit_problem(prob)
    prof = apply_intervals(res, prob, method="profile")
    km = prof.parameters["km"]
    assert km.ci_method == "profile" and km.ci_low < km.value < km.ci_high
    # Re-optimising vmax with km fixed at a limit gives the threshold RSS (to 1e-6 relative).
    crit = profile_threshold(res.statistics.rss, prob.n, 2, scale_covar=True)
    for limit in (km.ci_low, km.ci_high):
        refit = fit_problem(prob, fix={"km": limit}, diagnostics=False)
        assert refit.statistics.rss == pytest.approx(crit, rel=1e-6)
    # For near-linear MM data the profile and asymptotic intervals agree within 15 %.
    asym = res.parameters["km"]
    assert (km.ci_high - km.ci_low) == pytest.approx(asym.ci_high - asym.ci_low, rel=0.15)


def test_profile_open_side_at_bound_and_note():
    # Rates still rising at the top: KM is bounded below but not above (profile never crosses).
    s = np.array([0.01, 0.02, 0.04, 0.08, 0.16])
    v = 10 * s / (2 + s) * (1 + np.array([0.03, -0.03, 0.02, -0.02, 0.01]))
    prob = _problem(v=v, s=s)
    prof = apply_intervals(fit_problem(prob), prob, method="profile")
    km = prof.parameters["km"]
    assert km.ci_high is None and km.ci_low is not None
    assert km.note.startswith(">")


def test_profile_of_ratio_by_substitution_brackets_estimate():
    e = np.full(S.size, 0.01)
    prob = _problem("michaelis_menten_kcat", {"enzyme_uM": e})
    res = fit_problem(prob)
    prof = apply_intervals(res, prob, method="profile")
    d = prof.derived["kcat_over_km"]
    assert d.ci_method.startswith("profile") and d.ci_low < d.value < d.ci_high
    # With kcat fixed, the ratio's profile is the profile of 1/km: limits are the reciprocal ones.
    res_fixed = fit_problem(prob, fix={"kcat": res.parameters["kcat"].value})
    p2 = apply_intervals(res_fixed, prob, method="profile")
    k = p2.parameters["km"]
    ratio = p2.derived["kcat_over_km"]
    kcat = res.parameters["kcat"].value
    assert ratio.ci_low == pytest.approx(kcat / k.ci_high * 1e3, rel=1e-6)  # 1/(mM*s) -> 1/(M*s)


def test_fixed_parameters_are_left_alone():
    prob = _problem()
    res = fit_problem(prob, fix={"vmax": 10.0})
    prof = apply_intervals(res, prob, method="profile")
    assert prof.parameters["vmax"].fixed and prof.parameters["vmax"].ci_low is None


def test_bootstrap_is_reproducible_with_seed_and_brackets_estimate():
    prob = _problem()
    res = fit_problem(prob)
    a = apply_intervals(res, prob, method="bootstrap", n_bootstrap=300, seed=7)
    b = apply_intervals(res, prob, method="bootstrap", n_bootstrap=300, seed=7)
    c = apply_intervals(res, prob, method="bootstrap", n_bootstrap=300, seed=8)
    assert a.parameters["km"].ci_low == b.parameters["km"].ci_low
    assert a.parameters["km"].ci_low != c.parameters["km"].ci_low
    assert a.parameters["km"].ci_low < res.parameters["km"].value < a.parameters["km"].ci_high


def test_residual_bootstrap_and_loop_fallback_agree_roughly():
    from mgkinetics.stats.intervals import _loop_bootstrap

    prob = _problem()
    res = fit_problem(prob)
    draws = _loop_bootstrap(prob, res.values, ["vmax", "km"], n=400, seed=1, kind="residual")
    sd = np.nanstd(draws, axis=0)
    # bootstrap SDs within 35 % of the asymptotic SEs (400 draws, 8 points)
    assert sd[1] == pytest.approx(res.parameters["km"].stderr, rel=0.35)


def test_unknown_method_is_an_error():
    prob = _problem()
    with pytest.raises(FitError):
        apply_intervals(fit_problem(prob), prob, method="jackknife")


def test_fit_passes_ci_options_through():
    import mgkinetics as mgk

    res = mgk.fit({"s_mM": S, "rate_uM_per_s": 10 * S / (2 + S) + NOISE}, "michaelis_menten",
                  ci="bootstrap", n_bootstrap=200, seed=3)
    assert res.parameters["km"].ci_method.startswith("bootstrap")
