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

    res = mgk.fit(
        {"s_mM": S, "rate_uM_per_s": 10 * S / (2 + S) + NOISE},
        "michaelis_menten",
        ci="bootstrap",
        n_bootstrap=200,
        seed=3,
    )
    assert res.parameters["km"].ci_method.startswith("bootstrap")


# ---------------------------------------------------------------------------------------------
# Exact profiles: every limit against an independent brute-force 1-D profile (issue 12, item 5).
# The reference re-optimises the other parameters with scipy's least_squares from a grid of 5^k
# starts (0.1x, 1x, 10x the estimate) at every trial value, brackets the crossing on a fine
# geometric grid walking out from the estimate, and refines it with brentq on that brute-force S.


def _brute_S(prob, res, pinned):
    """min RSS over the free parameters, ``pinned(values)`` applied, from many starts (scipy TRF)."""
    import itertools

    from scipy.optimize import least_squares

    law = prob.law
    spec = {p.name: p for p in law.params}
    free = [n for n in res.covariance_names if n not in pinned({})]
    lo = np.array([spec[n].min for n in free])
    hi = np.array([spec[n].max for n in free])

    def r(th):
        vals = dict(res.values)
        vals.update(zip(free, th, strict=True))
        vals.update(pinned(vals))
        with np.errstate(all="ignore"):
            out = prob.weights * (prob.rate - np.asarray(law.evaluate(prob.inputs, vals), float))
        return np.where(np.isfinite(out), out, 1e10)

    best = np.inf
    for combo in itertools.product((0.1, 1.0, 10.0), repeat=len(free)):
        x0 = np.clip(
            [res.values[n] * f if res.values[n] else f for n, f in zip(free, combo, strict=True)], lo, hi
        )
        sol = least_squares(
            r,
            x0,
            bounds=(lo, hi),
            method="trf",
            x_scale="jac",
            xtol=1e-13,
            ftol=1e-13,
            gtol=1e-13,
            max_nfev=2000,
        )
        best = min(best, float(sol.fun @ sol.fun))
    return best


def _brute_limits(prob, res, v0, scale, crit, pinned_at, lower=0.0, sides=(-1, 1)):
    """(low, high) where the brute-force profile crosses ``crit``; None where it never does."""
    from scipy.optimize import brentq

    def S(t):
        return _brute_S(prob, res, lambda vals: pinned_at(t, vals))

    out = []
    for side in (-1, 1):
        prev, found = v0, None
        if side not in sides:
            out.append(None)
            continue
        for k in range(1, 60):
            t = v0 + side * scale * (1.3**k - 1) / 3
            if t <= lower:
                break
            if S(t) >= crit:
                found = brentq(lambda u: S(u) - crit, prev, t, xtol=1e-12 * scale, rtol=1e-12)
                break
            prev = t
        out.append(found)
    return out


def _assert_limits_agree(prof, brute):
    for mine, ref in zip((prof["low"], prof["high"]), brute, strict=True):
        if ref is None:
            assert mine is None
        else:
            assert mine == pytest.approx(ref, rel=5e-5)  # 4 significant digits


def _hard_mm_problem():
    """KM (~36 mM) far beyond the data (s <= 3 mM): vmax and KM correlated at 0.9998."""
    rng = np.random.default_rng(2)
    s = np.array([0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2.0, 2.5, 3])
    v = 10 * s / (60 + s) * (1 + 0.03 * rng.standard_normal(s.size))
    return _problem(v=v, s=s)


def test_profile_with_correlation_09998_matches_brute_force():
    from mgkinetics.stats.intervals import profile_parameter

    prob = _hard_mm_problem()
    res = fit_problem(prob)
    sd = np.sqrt(np.diag(res.covariance))
    assert res.covariance[0, 1] / (sd[0] * sd[1]) > 0.9998
    for name in ("vmax", "km"):
        prof = profile_parameter(res, prob, name)
        assert prof["unsettled"] == 0
        assert prof["high"] is None and prof["high_kind"] == "open"  # KM -> infinity: no upper limit
        brute = _brute_limits(
            prob,
            res,
            res.values[name],
            res.parameters[name].stderr,
            prof["threshold"],
            lambda t, vals, name=name: {name: t},
        )
        _assert_limits_agree(prof, brute)
    # the limit the continuation-only profile got wrong (3.216): the exact one is 2.979
    assert profile_parameter(res, prob, "vmax")["low"] == pytest.approx(2.97895, rel=1e-5)
    out = apply_intervals(res, prob, method="profile").parameters["vmax"]
    assert out.ci_high is None and "open" in out.note


def test_three_parameter_profile_matches_brute_force():
    """Substrate inhibition: 2-D inner optimisations; Ksi is bounded below only."""
    from mgkinetics.stats.intervals import profile_parameter

    v = 10 * S / (2 + S) * (1 + np.array([0.03, -0.03, 0.02, -0.02, 0.01, 0.02, -0.01, 0.0]))
    prob = _problem("substrate_inhibition", v=v)
    res = fit_problem(prob)
    prof = profile_parameter(res, prob, "km")
    brute = _brute_limits(
        prob, res, res.values["km"], res.parameters["km"].stderr, prof["threshold"], lambda t, vals: {"km": t}
    )
    _assert_limits_agree(prof, brute)
    ksi = profile_parameter(res, prob, "ksi")  # the brute force checks the closed side only (time)
    brute = _brute_limits(
        prob,
        res,
        res.values["ksi"],
        res.parameters["ksi"].stderr,
        ksi["threshold"],
        lambda t, vals: {"ksi": t},
        sides=(-1,),
    )
    assert ksi["low"] == pytest.approx(brute[0], rel=5e-5)
    assert ksi["high"] is None and ksi["high_kind"] == "open"


def test_parameter_at_its_bound_is_open_on_that_side():
    """Rates falling slightly with s: KM = 0 (its lower bound). The lower side is open ('bound')."""
    from mgkinetics.stats.intervals import profile_parameter

    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    prob = _problem(v=10 + np.array([0.3, 0.2, 0.25, -0.1, 0.05, -0.1]), s=s)
    res = fit_problem(prob)
    assert res.values["km"] == 0.0
    prof = profile_parameter(res, prob, "km")
    assert prof["low"] is None and prof["low_kind"] == "bound"
    brute = _brute_limits(
        prob, res, 0.0, res.parameters["km"].stderr, prof["threshold"], lambda t, vals: {"km": t}, lower=0.0
    )
    assert brute[0] is None  # nothing below the bound
    assert prof["high"] == pytest.approx(brute[1], rel=5e-5)
    vm = profile_parameter(res, prob, "vmax")
    _assert_limits_agree(
        vm,
        _brute_limits(
            prob,
            res,
            res.values["vmax"],
            res.parameters["vmax"].stderr,
            vm["threshold"],
            lambda t, vals: {"vmax": t},
        ),
    )


def test_derived_ratio_profile_matches_brute_force():
    """kcat/KM by substitution (kcat = rho*KM), against the brute force of the same constraint."""
    from mgkinetics.stats.intervals import profile_parameter

    rng = np.random.default_rng(5)
    v = 10 * S / (6 + S) * (1 + 0.04 * rng.standard_normal(S.size))
    prob = _problem("michaelis_menten_kcat", {"enzyme_uM": np.full(S.size, 0.01)}, v=v)
    res = fit_problem(prob)
    prof = profile_parameter(res, prob, "kcat_over_km", ratio=("kcat", "km"))
    rho = res.values["kcat"] / res.values["km"]
    brute = _brute_limits(
        prob,
        res,
        rho,
        0.1 * rho,
        prof["threshold"],
        lambda t, vals: {"kcat": t * vals.get("km", res.values["km"])},
    )
    _assert_limits_agree(prof, brute)
