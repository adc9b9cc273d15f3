"""fit_many on hard curves: vectorised starts, singular solves, statuses, column names, parity with fit.

The hard curves come from benchmarks/hard_curves.py (8–12 points, 5–15 % noise, KM beyond the data
for a quarter of the curves, outliers, substrate inhibition), seeded. Expected values come from the
scalar code paths they must equal (the laws' own guess rules, ``numpy.linalg``, ``mgk.fit``) or
from a per-curve ``scipy.optimize.curve_fit`` from the law's starting rule.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.batch import lm
from mgkinetics.batch.guesses import vector_guess
from mgkinetics.laws.registry import get_law

_spec = importlib.util.spec_from_file_location(
    "hard_curves", Path(__file__).resolve().parents[1] / "benchmarks" / "hard_curves.py"
)
hard_curves = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hard_curves)

CLASSIC = (
    "michaelis_menten",
    "substrate_inhibition",
    "hill",
    "competitive",
    "uncompetitive",
    "noncompetitive",
    "mixed",
)


def _curves(frame, law):
    ids = frame["curve"].to_numpy()
    edges = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    s = np.split(frame["s_mM"].to_numpy(), edges)
    v = np.split(frame["rate_uM_per_s"].to_numpy(), edges)
    i = np.split(frame["i_mM"].to_numpy(), edges) if "i_mM" in frame else [None] * len(s)
    return s, i, v


@pytest.mark.parametrize("name", CLASSIC)
def test_vector_guess_equals_the_laws_rule(name):
    law = get_law(name)
    frame = hard_curves.make_hard("competitive" if "inhibitor" in law.input_names else name, 60, seed=3)
    S, INH, V = _curves(frame, law)
    L = max(len(s) for s in S)
    pad = lambda parts: np.array([np.r_[p, np.full(L - len(p), p[-1])] for p in parts])  # noqa: E731
    valid = np.array([np.arange(L) < len(s) for s in S])
    ins = {"substrate": pad(S)} | ({"inhibitor": pad(INH)} if "inhibitor" in law.input_names else {})
    got = vector_guess(law, ins, pad(V), valid)
    for c in range(len(S)):
        one = {"substrate": S[c]} | ({"inhibitor": INH[c]} if "inhibitor" in law.input_names else {})
        ref = law.guess(one, V[c])
        for p in law.param_names:
            assert got[p][c] == pytest.approx(ref[p], rel=1e-10), (c, p)


def test_batched_solve_with_singular_rows_is_one_call(monkeypatch):
    rng = np.random.default_rng(1)
    B = rng.standard_normal((500, 3, 3))
    M = B @ np.swapaxes(B, 1, 2) + 0.1 * np.eye(3)
    M[7] = np.outer([1.0, 2, 3], [1.0, 2, 3])  # rank 1
    M[42, :, 2] = M[42, :, 1]  # rank 2
    M[42, 2, :] = M[42, 1, :]
    g = rng.standard_normal((500, 3))
    calls = []
    real_solve = np.linalg.solve

    def counting(*a, **k):
        calls.append(1)
        return real_solve(*a, **k)

    monkeypatch.setattr(np.linalg, "solve", counting)
    x = lm.batched_solve(M, g)
    assert len(calls) <= 1  # one batched attempt, no per-row loop
    regular = np.setdiff1d(np.arange(500), [7, 42])
    np.testing.assert_allclose(
        np.einsum("mij,mj->mi", M[regular], x[regular]), g[regular], rtol=1e-8, atol=1e-8
    )
    for i in (7, 42):  # the minimum-norm least-squares solution, as numpy.linalg.lstsq gives it
        ref = np.linalg.lstsq(M[i], g[i], rcond=None)[0]
        np.testing.assert_allclose(x[i], ref, rtol=1e-6, atol=1e-9)


def test_km_beyond_the_data_is_not_bounded():
    s = np.tile([0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28], 2)
    slope = np.r_[np.full(8, 3.0), np.full(8, 5.0)]
    rng = np.random.default_rng(4)
    v = slope * s * (1 + 0.02 * rng.standard_normal(s.size))  # straight lines: KM → ∞
    res = mgk.fit_many(
        {"curve": ["a"] * 8 + ["b"] * 8, "s_mM": s, "rate_uM_per_s": v}, "michaelis_menten", curve="curve"
    )
    assert list(res.status) == ["not_bounded", "not_bounded"] and not res.success.any()
    for reason in res.status_reason:
        assert "KM → ∞" in reason and "vmax/km" in reason and "--init" not in reason
    # the runaway was stopped at 10⁶ × the data's scale, not iterated to the limit
    assert np.all(res.values[:, 1] > 1e6 * 1.28)


def test_hill_coefficient_and_point_count_do_not_collide():
    frame = hard_curves.make_hard("hill", 20, seed=5)
    res = mgk.fit_many(frame, "hill", curve="curve")
    table = res.to_frame()
    assert len(set(table.columns)) == len(table.columns)
    np.testing.assert_array_equal(table["n"].to_numpy(), res.values[:, 2])  # Hill n (dimensionless)
    np.testing.assert_array_equal(table["n_points"].to_numpy(), frame.groupby("curve", sort=False).size())
    assert {"vmax_uM_per_s", "k_half_mM", "n_stderr", "status", "status_reason"} <= set(table.columns)
    # a curve column named like a parameter column: the parameter's column is prefixed
    renamed = mgk.fit_many(frame.rename(columns={"curve": "n"}), "hill", curve="n")
    cols = list(renamed.to_frame().columns)
    assert cols[0] == "n" and "param_n" in cols and "param_n_stderr" in cols and len(set(cols)) == len(cols)


def _loop_best_rss(law, S, INH, V):
    """Best RSS inside the law's bounds of curve_fit (LM unbounded, TRF bounded) from the law's start."""
    from scipy.optimize import curve_fit

    lo = np.array([p.min for p in law.params])
    hi = np.array([p.max for p in law.params])
    best = np.full(len(S), np.inf)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for c, (s, i, v) in enumerate(zip(S, INH, V, strict=True)):
            x = s if i is None else np.vstack([s, i])
            f = (lambda x, *p: law.func(x, *p)) if i is None else (lambda x, *p: law.func(x[0], x[1], *p))
            g = law.guess({"substrate": s} | ({} if i is None else {"inhibitor": i}), v)
            p0 = np.array([g[p] for p in law.param_names])
            for kw in ({}, {"bounds": (lo, hi), "method": "trf"}):
                start = p0 if not kw else np.clip(p0, np.nextafter(lo, 1), np.nextafter(hi, 0))
                try:
                    p, _ = curve_fit(f, x, v, p0=start, **kw)
                except (RuntimeError, ValueError):
                    continue
                if np.all(np.isfinite(p)) and np.all(p >= lo) and np.all(p <= hi):
                    best[c] = min(best[c], float(np.sum((v - f(x, *p)) ** 2)))
    return best


@pytest.mark.parametrize("name", hard_curves.LAWS)
def test_hard_curves_no_wrong_success(name):
    law = get_law(name)
    frame = hard_curves.make_hard(name, 60, seed=11)
    kw = {"inhibitor": "i_mM"} if "inhibitor" in law.input_names else {}
    res = mgk.fit_many(frame, name, curve="curve", **kw)
    S, INH, V = _curves(frame, law)
    assert set(res.status) <= {"converged", "at_bound", "not_bounded", "not_identifiable", "failed"}
    np.testing.assert_array_equal(res.success, np.isin(res.status, ["converged", "at_bound"]))
    # no success with a parameter above 10⁶ × the data's scale
    top_s = np.array([s.max() for s in S])
    for j, p in enumerate(law.params):
        if p.unit == "substrate":
            assert not np.any(res.success & (res.values[:, j] > 1e6 * top_s)), p.name
    # no success with an RSS worse than the loop's best feasible fit
    best = _loop_best_rss(law, S, INH, V)
    worse = res.success & (res.rss > best * (1 + 1e-6))
    assert not worse.any(), np.flatnonzero(worse)
    assert res.success.mean() > 0.6  # most hard curves are still fitted


@pytest.mark.parametrize("name", hard_curves.LAWS)
def test_hard_curves_equal_fit_where_both_succeed(name):
    law = get_law(name)
    frame = hard_curves.make_hard(name, 10, seed=13)
    kw = {"inhibitor": "i_mM"} if "inhibitor" in law.input_names else {}
    res = mgk.fit_many(frame, name, curve="curve", **kw)
    compared = 0
    for i, label in enumerate(res.curves):
        ref = mgk.fit(frame[frame["curve"] == label].drop(columns="curve"), name, **kw)
        if not (ref.success and res.success[i]):
            continue
        assert res.rss[i] == pytest.approx(ref.statistics.rss, rel=1e-9), label
        # values are compared where the data determine them (relative SE below 100 %): along a flat
        # valley (correlation 1.0000, SE of 3000 %) two optimisers legitimately stop 1e-5 apart
        # with RSS equal to 15 digits
        est = [ref.parameters[p] for p in law.param_names]
        if not all(np.isfinite(e.stderr) and e.stderr < abs(e.value) for e in est):
            continue
        compared += 1
        for j, (p, e) in enumerate(zip(law.param_names, est, strict=True)):
            assert res.values[i, j] == pytest.approx(e.value, rel=1e-6), (label, p)
            assert res.stderr[i, j] == pytest.approx(e.stderr, rel=1e-4), (label, p)
    assert compared >= 4


def test_dask_engine_is_bit_identical_to_in_process_over_several_chunks():
    """Same chunks, same code per chunk: every number equal, not merely close (5 chunks, 2 workers)."""
    distributed = pytest.importorskip("dask.distributed")
    frame = hard_curves.make_hard("competitive", 300, seed=13)
    kw = dict(curve="curve", inhibitor="i_mM", chunk_size=64)
    ref = mgk.fit_many(frame, "competitive", **kw)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        res = mgk.fit_many(frame, "competitive", engine="dask", scheduler=cluster.scheduler_address, **kw)
    assert res.engine == "dask" and len(res) == 300
    for name in ("values", "stderr", "ci_low", "ci_high", "rss", "aicc", "bic"):
        np.testing.assert_array_equal(getattr(res, name), getattr(ref, name), err_msg=name)
    assert list(res.status) == list(ref.status) and res.names == ref.names


def test_cli_batch_lists_excluded_rows_and_statuses(tmp_path):
    import pandas as pd
    from click.testing import CliRunner
    from mgkinetics_cli.main import cli

    s = np.tile([0.5, 1, 2, 4, 8, 16.0], 2)
    v = np.r_[10 * s[:6] / (2 + s[:6]), 3 * s[6:]]  # curve b is a straight line: KM → ∞
    v *= 1 + 1e-6 * np.tile([1, -1, 1, -1, -1, 1], 2)  # not exact: rounding-level SEs are not_identifiable
    frame = pd.DataFrame({"curve": ["a"] * 6 + ["b"] * 6, "s_mM": s, "rate_uM_per_s": v})
    frame.loc[3, "rate_uM_per_s"] = np.nan
    path = tmp_path / "curves.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "fits.csv"
    r = CliRunner().invoke(
        cli, ["batch", str(path), "--law", "michaelis_menten", "--curve", "curve", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    side = tmp_path / "fits.excluded.csv"
    assert f"(line and reason of each: {side})" in r.output and "not_bounded 1" in r.output
    ex = pd.read_csv(side)
    assert list(ex.columns) == ["curve", "line", "reason"] and ex["line"].tolist() == [5]  # header is line 1
    back = pd.read_csv(out)
    assert back["status"].tolist() == ["converged", "not_bounded"]
    r = CliRunner().invoke(cli, ["batch", str(path), "--law", "michaelis_menten", "--curve", "curve"])
    assert r.exit_code == 0 and "excluded: line 5 (curve 'a'): " in r.output


@pytest.mark.parametrize(
    "name", ["michaelis_menten", "michaelis_menten_kcat", "substrate_inhibition", "competitive", "hill"]
)
def test_analytic_jacobians_equal_central_differences(name):
    from mgkinetics.batch import jacobians

    law = get_law(name)
    model = jacobians.BatchModel(law.func, law.param_names)
    rng = np.random.default_rng(2)
    s = np.c_[np.zeros((30, 1)), rng.uniform(0.01, 10, (30, 7))]  # S = 0 included
    inputs = [s] + [rng.uniform(0.0, 3.0, (30, 8)) for _ in law.input_names[1:]]
    P = rng.uniform(0.3, 4.0, (30, len(law.params)))
    idx = list(range(len(law.params)))
    assert jacobians.jacobian_kind(model, inputs, P, idx) == "analytic"
    exact = jacobians.model_jacobian(model, inputs, P, idx, "analytic")
    ref = jacobians.richardson_jacobian(model, inputs, P, idx, np.ones_like(s))
    for a, b in zip(exact, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)
