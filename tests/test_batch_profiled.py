"""The profiled (variable projection) fast path of the batched solver, :mod:`mgkinetics.batch.profiled`.

* the ratio forms' sums (competitive, substrate inhibition) are the log-coordinate derivatives of
  :mod:`mgkinetics.batch.hessians` (checked entry by entry on random points, to 1e-12 relative);
* the profile's gradient and Hessian are those of h(u) = (Σ w²y·g)²/Σ w²g² by central differences
  (to 1e-6 relative);
* on the benchmark's hard competitive curves (benchmarks/hard_curves.py, seeded) the fast path and
  the general solver agree on which curves converge and which run away, with the same optimum where
  both converge (parameters to 1e-6 relative, which is the general solver's own tolerance on the
  flat valleys of these curves; RSS to 1e-9) and no higher a cost where a curve runs away;
* fit_many equals mgk.fit on hard curves of the four common laws, through the profiled path
  (competitive, substrate inhibition, also weighted), the hyperbola's (MM) and the general solver
  (Hill): statuses and their reasons on every curve, parameters to 1e-6 where the data determine
  them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.batch import lm, profiled
from mgkinetics.batch.hessians import log_second_derivatives
from mgkinetics.batch.jacobians import BatchModel
from mgkinetics.batch.lmstep import cost_and_residuals
from mgkinetics.batch.ratioforms import profile_sums, ratio_form
from mgkinetics.batch.starts import runaway_caps
from mgkinetics.laws import ratelaws
from mgkinetics.laws.registry import get_law

_spec = importlib.util.spec_from_file_location(
    "hard_curves", Path(__file__).resolve().parents[1] / "benchmarks" / "hard_curves.py"
)
hard_curves = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hard_curves)

NAMES = ("vmax", "km", "ki")


def _random_problem(m=50, L=9, seed=3):
    rng = np.random.default_rng(seed)
    s = np.exp(rng.uniform(-3, 2, (m, L)))
    i = rng.choice([0.0, 0.5, 2.0], (m, L))
    w = rng.uniform(0.5, 2.0, (m, L))
    y = rng.uniform(0.1, 5.0, (m, L))
    U = rng.uniform(-2, 2, (2, m))
    return [s, i], y, w, U


def _buffer(W2):
    buf = np.empty((8, *W2.shape))
    buf[1] = 1.0
    return buf


FORMS = [
    pytest.param(ratelaws.competitive, NAMES, 2, id="competitive"),
    pytest.param(ratelaws.substrate_inhibition, ("vmax", "km", "ksi"), 1, id="substrate_inhibition"),
]


@pytest.mark.parametrize(("func", "names", "n_inputs"), FORMS)
def test_monomial_sums_are_the_hessian_rules_derivatives(func, names, n_inputs):
    ins, y, w, U = _random_problem()
    ins = ins[:n_inputs]
    W2 = w * w
    form = ratio_form(func, names)
    dy, dg, cross = profile_sums(form, ins, W2, W2 * y, U, _buffer(W2))
    P = np.column_stack([np.ones(U.shape[1]), np.exp(U.T)])
    H = log_second_derivatives(func, names, ins, P, [0, 1, 2])
    g = H[0][0]
    entries = [g, H[0][1], H[0][2], H[1][1], H[1][2], H[2][2]]  # g, g_1, g_2, g_11, g_12, g_22
    for k, d in enumerate(entries):
        np.testing.assert_allclose(dy[k], np.sum(W2 * y * d, axis=1), rtol=1e-12, err_msg=f"w²y·{k}")
        np.testing.assert_allclose(dg[k], np.sum(W2 * g * d, axis=1), rtol=1e-12, err_msg=f"w²g·{k}")
    for t, (a, b) in enumerate(((1, 1), (1, 2), (2, 2))):
        np.testing.assert_allclose(cross[t], np.sum(W2 * entries[a] * entries[b], axis=1), rtol=1e-12)


@pytest.mark.parametrize(("func", "names", "n_inputs"), FORMS)
def test_profile_gradient_and_hessian_by_central_differences(func, names, n_inputs):
    ins, y, w, U = _random_problem(m=20)
    ins = ins[:n_inputs]
    W2 = w * w
    form = ratio_form(func, names)
    buf = _buffer(W2)

    def h_at(Uq):
        return profiled._profile(form, ins, W2, W2 * y, Uq, buf)[0]

    h, grad, hess, V, dV = profiled._profile(form, ins, W2, W2 * y, U, buf)
    # V is the weighted regression through the origin at these constants, and h = Σ w²y² − RSS
    P = np.column_stack([V, np.exp(U.T)])
    rss, _ = cost_and_residuals(BatchModel(func, names), ins, P, y, w)
    np.testing.assert_allclose(np.sum(W2 * y * y, axis=1) - rss, h, rtol=1e-10)
    step = 1e-5
    for j in range(2):
        e = np.zeros((2, 1))
        e[j] = step
        np.testing.assert_allclose(grad[j], (h_at(U + e) - h_at(U - e)) / (2 * step), rtol=1e-6)
        gp = profiled._profile(form, ins, W2, W2 * y, U + e, buf)[1]
        gm = profiled._profile(form, ins, W2, W2 * y, U - e, buf)[1]
        col = (gp - gm) / (2 * step)
        for t, (a, b) in enumerate(((0, 0), (0, 1), (1, 1))):
            if b == j:
                np.testing.assert_allclose(hess[t], col[a], rtol=1e-6, atol=1e-9 * np.abs(hess[t]).max())


def _hard_problem(n, seed=20261201):
    law = get_law("competitive")
    frame = hard_curves.make_hard("competitive", n, seed=seed)
    groups = [g for _, g in frame.groupby("curve", sort=False)]
    L = max(len(g) for g in groups)
    s, i, y, w = (np.zeros((n, L)) for _ in range(4))
    P0 = np.empty((n, 3))
    for r, g in enumerate(groups):
        k = len(g)
        s[r, :k], i[r, :k] = g["s_mM"], g["i_mM"]
        y[r, :k], w[r, :k] = g["rate_uM_per_s"], 1.0
        guess = law.guess({"substrate": s[r, :k], "inhibitor": i[r, :k]}, y[r, :k])
        P0[r] = [guess[p] for p in NAMES]
    cap = runaway_caps(law, {"substrate": s, "inhibitor": i}, y, w > 0)
    lo = np.array([p.min for p in law.params])
    hi = np.array([p.max for p in law.params])
    return BatchModel(law.func, NAMES), [s, i], y, w, P0, lo, hi, cap


def test_profiled_path_agrees_with_the_general_solver():
    model, ins, y, w, P0, lo, hi, cap = _hard_problem(600)
    fast = lm.solve(model, ins, y, w, P0, [0, 1, 2], lo, hi, cap=cap)
    general = lm.solve(model, ins, y, w, P0, [0, 1, 2], lo, hi, cap=cap, _general=True)
    np.testing.assert_array_equal(fast.converged, general.converged)
    np.testing.assert_array_equal(fast.runaway, general.runaway)
    assert fast.converged.sum() > 500 and fast.runaway.sum() > 30  # both kinds are exercised
    c = fast.converged
    np.testing.assert_allclose(fast.cost[c], general.cost[c], rtol=1e-9)
    np.testing.assert_allclose(fast.P[c], general.P[c], rtol=1e-6)
    r = fast.runaway
    assert np.all(fast.cost[r] <= general.cost[r] * (1 + 1e-6))


def test_profiled_path_runs_away_in_few_passes(monkeypatch):
    """Steps that keep their size and direction grow: curves whose constant runs to its cap
    (10⁶ × the data's scale) get there in fewer passes than without growth, at a point beyond
    the cap."""
    model, ins, y, w, P0, lo, hi, cap = _hard_problem(300)
    args = (model, ins, y, w, P0, cap[:, 1:] * 1e-12, cap[:, 1:])
    P, done, runaway, iters = profiled.solve_profiled(*args)
    assert runaway.sum() > 10
    assert np.all(np.any(P[runaway, 1:] >= cap[runaway, 1:], axis=1))
    monkeypatch.setattr(profiled, "_MAX_GROWTH", 1.0)
    P1, done1, runaway1, iters1 = profiled.solve_profiled(*args)
    np.testing.assert_array_equal(runaway1, runaway)
    with_growth, without = iters[runaway].mean(), iters1[runaway].mean()
    assert with_growth < 0.8 * without, (with_growth, without)
    assert iters[runaway].max() < iters1[runaway].max()


@pytest.mark.parametrize(
    ("name", "kw", "n"),
    [
        ("competitive", {"inhibitor": "i_mM"}, 80),
        ("competitive", {"inhibitor": "i_mM", "weights": "relative"}, 40),  # w² in the profile's sums
        ("substrate_inhibition", {}, 30),
        ("michaelis_menten", {}, 60),  # the hyperbola's path
        ("hill", {}, 30),  # the general solver
    ],
)
def test_fit_many_with_the_profiled_path_equals_fit(name, kw, n):
    """Statuses and their reasons on every curve, and parameters to 1e-6 where the data determine
    them (relative SE below 100 %), equal mgk.fit's on hard curves of a seed the solver was not
    tuned on (before, a curve that ran past its caps said "vmax ran away beyond 10⁶ × the data's
    scale" where the single fit names K½)."""
    frame = hard_curves.make_hard(name, n, seed=5)
    many = mgk.fit_many(frame, name, curve="curve", **kw)
    names = get_law(name).param_names
    compared = 0
    for i, label in enumerate(many.curves):
        one = frame[frame.curve == label].drop(columns="curve")
        ref = mgk.fit(one, name, **kw)
        assert many.status[i] == ref.status, label
        # the same reason text (a single fit adds lmfit's message when its solver stopped early)
        assert many.status_reason[i] == ref.status_reason.split(" (the solver stopped")[0], label
        est = [ref.parameters[p] for p in names]
        if ref.success and all(e.stderr < abs(e.value) for e in est):
            compared += 1
            np.testing.assert_allclose(many.values[i, : len(names)], [e.value for e in est], rtol=1e-6)
    assert compared >= n // 4


def test_km_and_ki_both_past_their_caps_is_the_line_through_the_origin():
    """Three of the benchmark's hard competitive curves (found by tracing refit_at_limits) leave
    the profiled path with KM and Ki both beyond their caps: no inhibition is seen and the rate is
    still rising linearly. Their limit is the line through the origin (the Michaelis–Menten
    sub-model at Ki = ∞ with KM → ∞): the RSS is the line's (numpy here) and mgk.fit's."""
    frame = hard_curves.make_hard("competitive", 2000)
    labels = ["c576", "c1347", "c1902"]
    sub = frame[frame.curve.isin(labels)]
    many = mgk.fit_many(sub, "competitive", curve="curve", inhibitor="i_mM")
    for i, label in enumerate(many.curves):
        one = sub[sub.curve == label]
        s, v = one["s_mM"].to_numpy(), one["rate_uM_per_s"].to_numpy()
        slope = float(s @ v / (s @ s))
        single = mgk.fit(one.drop(columns="curve"), "competitive", inhibitor="i_mM")
        assert many.status[i] == single.status == "not_bounded", label
        assert many.rss[i] == pytest.approx(float(np.sum((v - slope * s) ** 2)), rel=1e-9)
        assert many.rss[i] == pytest.approx(single.statistics.rss, rel=1e-9)
        j = many.names.index("vmax_over_km")
        assert many.values[i, j] == pytest.approx(slope * 1e-3, rel=1e-9)  # (µM/s)/mM -> 1/s


def test_profiled_path_only_with_the_bounds_it_holds():
    """The path has no bounds of its own: a constant bounded away from 0 or ∞ (a law declared with
    other limits) goes to the general solver, which projects steps onto the bounds."""
    names, vary = NAMES, [0, 1, 2]
    free = (np.array([0.0, 0.0, 0.0]), np.full(3, np.inf))
    assert profiled.profiled_applies(ratelaws.competitive, names, vary, *free)
    assert not profiled.profiled_applies(
        ratelaws.competitive, names, vary, [0.0, 0.0, 0.0], [np.inf, 5.0, np.inf]
    )
    assert not profiled.profiled_applies(
        ratelaws.competitive, names, vary, [0.0, 0.1, 0.0], np.full(3, np.inf)
    )
    assert not profiled.profiled_applies(ratelaws.competitive, names, [0, 1], *free)
    assert not profiled.profiled_applies(ratelaws.michaelis_menten, ("vmax", "km"), [0, 1], *free)
