"""The batched engine: agreement with the lmfit path, bad curves, row accounting, dask, CLI."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import mgkinetics as mgk
from mgkinetics.batch import many as batch
from mgkinetics.fitting import problem
from mgkinetics.fitting import single as fitting
from mgkinetics.fitting.numerics import information_criteria

REL = 1e-6


def curves(n_curves, *, seed=0, law="michaelis_menten", sd=False, enzyme=False):
    """Long-format MM curves, 8–12 points, 5 % noise; optional SD and per-row enzyme columns."""
    rng = np.random.default_rng(seed)
    npts = rng.integers(8, 13, n_curves)
    cid = np.repeat(np.arange(n_curves), npts)
    km = rng.uniform(0.5, 5.0, n_curves)[cid]
    top = rng.uniform(1.0, 100.0, n_curves)[cid]
    frac = np.concatenate([np.linspace(0, 1, k) for k in npts])
    s = km * np.exp(np.log(0.2) + frac * np.log(50)) * rng.uniform(0.9, 1.1, cid.size)
    e = rng.choice([0.5, 1.0, 2.0], cid.size) if enzyme else np.ones(cid.size)
    v = top * e * s / (km + s) * (1 + 0.05 * rng.standard_normal(cid.size))
    data = {"curve": np.char.add("c", cid.astype(str)), "s_mM": s, "rate_uM_per_s": v}
    if sd:
        data["sd_uM_per_s"] = 0.05 * np.abs(v) + 0.01
    if enzyme:
        data["enzyme_nM"] = e * 1000.0  # 0.5–2 uM, given in nM: converted to the rate's unit
    return pd.DataFrame(data)


def reference(frame, law, **kw):
    problems, _, _ = problem.build_problems(
        frame, law, group="curve", weights=kw.pop("weights", "none"), columns=kw.pop("columns", None)
    )
    return {p.group["curve"]: fitting.fit_problem(p, **kw) for p in problems}


def assert_agree(res, ref, *, min_checked):
    checked = 0
    for i, label in enumerate(res.curves):
        r = ref[label]
        if r.warnings or res.warnings[i]:
            continue  # flagged curves (at a bound ...) are compared by flag only
        assert res.success[i]
        for j, name in enumerate(r.law.param_names):
            e = r.parameters[name]
            assert res.values[i, j] == pytest.approx(e.value, rel=REL)
            if e.stderr is not None:
                assert res.stderr[i, j] == pytest.approx(e.stderr, rel=REL)
                assert res.ci_low[i, j] == pytest.approx(e.ci_low, rel=REL)
            else:
                assert np.isnan(res.stderr[i, j])
        st = r.statistics
        assert res.n[i] == st.n and res.dof[i] == st.dof
        for attr in ("rss", "redchi", "r2", "aicc", "bic"):
            assert getattr(res, attr)[i] == pytest.approx(getattr(st, attr), rel=REL, abs=1e-12)
        checked += 1
    assert checked >= min_checked


@pytest.mark.parametrize("weights", ["none", "relative", "sd:sd_uM_per_s"])
def test_agrees_with_fit_problem(weights):
    frame = curves(60, seed=1, sd=True)
    res = mgk.fit_many(frame, "michaelis_menten", curve="curve", weights=weights)
    assert_agree(res, reference(frame, "michaelis_menten", weights=weights), min_checked=52)


def test_agrees_kcat_law_with_per_row_enzyme():
    frame = curves(60, seed=2, enzyme=True)
    res = mgk.fit_many(frame, "michaelis_menten_kcat", curve="curve", enzyme="enzyme_nM")
    ref = reference(frame, "michaelis_menten_kcat", columns={"enzyme": "enzyme_nM"})
    assert_agree(res, ref, min_checked=52)
    assert "kcat_over_km" in res.names and res.units["kcat"] == "1/s"
    i = 0
    d = ref[res.curves[i]].derived["kcat_over_km"]
    j = res.names.index("kcat_over_km")
    assert res.values[i, j] == pytest.approx(d.value, rel=REL)
    assert res.stderr[i, j] == pytest.approx(d.stderr, rel=REL)


def test_generic_law_and_fix():
    """A law without the analytic fast path (complex-step Jacobian), and a fixed parameter."""
    rng = np.random.default_rng(3)
    rows = []
    for c in range(25):
        s = np.geomspace(0.1, 50, 10)
        v = 20 * s / (2 + s * (1 + s / 30)) * (1 + 0.03 * rng.standard_normal(10))
        rows += [(f"k{c}", a, b) for a, b in zip(s, v, strict=False)]
    frame = pd.DataFrame(rows, columns=["curve", "s_mM", "rate_uM_per_s"])
    res = mgk.fit_many(frame, "substrate_inhibition", curve="curve")
    assert_agree(res, reference(frame, "substrate_inhibition"), min_checked=20)
    fixed = mgk.fit_many(frame, "substrate_inhibition", curve="curve", fix={"ksi": "30mM"})
    assert_agree(fixed, reference(frame, "substrate_inhibition", fix={"ksi": "30mM"}), min_checked=20)
    assert np.all(fixed.values[:, 2] == 30.0) and np.all(np.isnan(fixed.stderr[:, 2]))
    assert fixed.fixed == ("ksi",)


def test_bad_curves_are_flagged_and_rows_accounted():
    good = curves(3, seed=4)
    bad = pd.DataFrame(
        {
            "curve": ["few", "few", "zero", "zero", "zero", "nan", "nan", "nan", "nan", ""],
            "s_mM": [1.0, 2.0, 0.0, 0.0, 0.0, 1.0, np.nan, 2.0, 3.0, 1.0],
            "rate_uM_per_s": [1.0, 2.0, 1.0, 1.0, 1.0, np.nan, 1.0, np.nan, np.nan, 1.0],
        }
    )
    frame = pd.concat([good, bad], ignore_index=True)
    res = mgk.fit_many(frame, "michaelis_menten", curve="curve")
    by = dict(zip(res.curves, range(len(res)), strict=False))
    assert list(res.curves[:3]) == list(dict.fromkeys(good["curve"]))  # file order
    assert res.success[:3].all()
    assert not res.success[by["few"]]
    assert "2 usable points for 2 fitted parameters" in res.warnings[by["few"]][0]
    assert not res.success[by["zero"]]
    assert "every substrate concentration is zero" in res.warnings[by["zero"]][0]
    assert not res.success[by["nan"]] and "no usable rows (all 4 excluded)" in res.warnings[by["nan"]][0]
    assert np.isnan(res.values[by["nan"]]).all()
    # every input row is used, excluded with a reason, or unassigned
    assert int(res.n.sum()) + len(res.excluded) + len(res.unassigned) == len(frame)
    reasons = {e.line: e.reason for c, e in res.excluded if c == "nan"}
    assert reasons[len(good) + 2 + 6] == "empty 's_mM'"
    assert res.unassigned[0].line == len(frame) + 1
    ex = res.exclusions_frame()
    assert list(ex.columns) == ["curve", "line", "reason"] and len(ex) == 5


def test_to_frame_columns_and_csv(tmp_path):
    res = mgk.fit_many(curves(5), "michaelis_menten", curve="curve")
    frame = res.to_frame()
    expected = ["curve"]
    for p in ("vmax_uM_per_s", "km_mM"):  # parameter columns carry their unit
        expected += [p, f"{p}_stderr", f"{p}_ci_low", f"{p}_ci_high"]
    expected += [
        "n_points",
        "dof",
        "rss",
        "redchi",
        "r2",
        "aicc",
        "bic",
        "status",
        "status_reason",
        "success",
        "warnings",
        "warning_codes",
    ]
    assert list(frame.columns) == expected
    assert list(frame["status"]) == ["converged"] * 5 and frame["success"].all()
    path = tmp_path / "out.csv"
    res.to_csv(path)
    back = pd.read_csv(path)
    assert list(back.columns) == expected and len(back) == 5
    with pytest.raises(AttributeError):
        res.law = "x"  # frozen
    with pytest.raises(ValueError):
        res.values[0, 0] = 1.0  # read-only arrays


def test_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    res = mgk.fit_many(curves(5), "michaelis_menten", curve="curve")
    res.write(tmp_path / "out.parquet")
    back = pd.read_parquet(tmp_path / "out.parquet")
    assert list(back.columns) == res.columns


def test_bootstrap_fits():
    frame = curves(1, seed=5)
    (p,), _, _ = problem.build_problems(frame, "michaelis_menten")
    best = fitting.fit_problem(p).values
    for kind in ("case", "residual"):
        a = batch.bootstrap_fits(p, best, n=300, seed=7, kind=kind)
        b = batch.bootstrap_fits(p, best, n=300, seed=7, kind=kind)
        assert a.shape == (300, 2)
        np.testing.assert_array_equal(a, b)
        ok = np.isfinite(a).all(axis=1)
        assert ok.mean() > 0.9
        lo, hi = np.percentile(a[ok, 1], [2.5, 97.5])
        assert lo < best["km"] < hi
    bc = batch.bootstrap_curve(frame, "michaelis_menten", n=200, seed=1)
    assert bc.ci["km"][0] < bc.best["km"] < bc.ci["km"][1]
    assert bc.best["km"] == pytest.approx(best["km"], rel=REL)


def test_dask_engine_identical():
    distributed = pytest.importorskip("dask.distributed")
    frame = curves(60, seed=6)
    ref = mgk.fit_many(frame, "michaelis_menten", curve="curve", chunk_size=16)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        res = mgk.fit_many(
            frame,
            "michaelis_menten",
            curve="curve",
            engine="dask",
            scheduler=cluster.scheduler_address,
            chunk_size=16,
        )
    np.testing.assert_array_equal(res.values, ref.values)
    np.testing.assert_array_equal(res.stderr, ref.stderr)
    np.testing.assert_array_equal(res.success, ref.success)
    assert res.engine == "dask"


def test_numpy_engine_does_not_import_dask():
    code = (
        "import sys, mgkinetics as mgk, pandas as pd;"
        "mgk.fit_many({'curve': ['a'] * 4, 's_mM': [1., 2, 4, 8], 'rate_uM_per_s': [1., 1.6, 2.2, 2.7]},"
        "'michaelis_menten', curve='curve');"
        "print('dask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_batch(tmp_path):
    from click.testing import CliRunner
    from mgkinetics_cli.main import cli

    path = tmp_path / "curves.csv"
    curves(4).to_csv(path, index=False)
    out = tmp_path / "fits.csv"
    r = CliRunner().invoke(
        cli, ["batch", str(path), "--law", "michaelis_menten", "--curve", "curve", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    back = pd.read_csv(out)
    assert list(back.columns)[:3] == ["curve", "vmax_uM_per_s", "vmax_uM_per_s_stderr"] and len(back) == 4
    r = CliRunner().invoke(cli, ["batch", str(path), "--law", "michaelis_menten", "--curve", "nope"])
    assert r.exit_code == 2 and "no curve column 'nope'" in r.output


def test_help_stays_light():
    code = (
        "import sys; from click.testing import CliRunner; from mgkinetics_cli.main import cli;"
        "r = CliRunner().invoke(cli, ['--help']); assert 'batch' in r.output, r.output;"
        "print(sorted(m for m in ('numpy', 'pandas', 'lmfit') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_information_criteria_match_fitting():
    n = np.array([3, 4, 5, 10, 12, 0])
    rss = np.array([0.5, 1.0, 0.0, 2.0, 3.5, 1.0])
    for scale in (True, False):
        log_w = np.linspace(-3.0, 2.0, 6)
        aicc, bic = batch._information_criteria_many(n, 2, rss, scale, np.ones(6, bool), log_w)
        for i in range(6):
            ref = information_criteria(int(n[i]), 2, float(rss[i]), scale, log_weights=log_w[i])
            np.testing.assert_allclose([aicc[i], bic[i]], ref, rtol=1e-14)


def test_hyperbola_fast_path_matches_general_solver_and_hands_over_hard_curves():
    """The variable-projection path agrees with the general LM; curves it cannot settle go there."""
    from mgkinetics.batch import engine as batch_engine
    from mgkinetics.laws import ratelaws

    rng = np.random.default_rng(11)
    m, L = 200, 10
    s = np.geomspace(0.2, 20, L)[None, :] * rng.uniform(0.9, 1.1, (m, L))
    km = rng.uniform(0.5, 5, m)[:, None]
    vmax = rng.uniform(1, 100, m)[:, None]
    y = vmax * s / (km + s) * (1 + 0.05 * rng.standard_normal((m, L)))
    y[0] = 0.3 * s[0]  # a straight line: KM runs off to infinity
    y[1] = -y[1]  # negative rates: the best Vmax is not positive
    w = np.ones_like(y)
    w[2, -3:] = 0.0  # padding
    P0 = np.column_stack([vmax[:, 0] * 1.3, km[:, 0] * 0.7])
    model = batch_engine.BatchModel(ratelaws.michaelis_menten, ("vmax", "km"))
    lo, hi = np.zeros(2), np.full(2, np.inf)
    fast = batch_engine.solve(model, (s,), y, w, P0, [0, 1], lo, hi)
    general = batch_engine.solve(model, (s,), y, w, P0, [0, 1], lo, hi, _general=True)
    A, K, done, _ = batch_engine.solve_hyperbola((s,), y, w, P0[:, 1])
    assert not done[0] and not done[1] and done[2:].all()
    # handed over, same answer. Both rows lie on flat valleys (KM → ∞: only Vmax/KM is determined;
    # negative rates: Vmax → 0), where the stopping point depends on rounding, and the two rows are
    # solved as a batch of 2 here and inside a batch of 200 there (few rows take LAPACK solves
    # instead of closed-form ones): what the data determine must agree
    scale = np.sum(y[0] ** 2)  # row 0 is an exact line: both fit it to rounding
    assert fast.cost[0] < 1e-12 * scale and general.cost[0] < 1e-12 * scale
    np.testing.assert_allclose(fast.cost[1], general.cost[1], rtol=1e-12)
    np.testing.assert_allclose(fast.P[0, 0] / fast.P[0, 1], general.P[0, 0] / general.P[0, 1], rtol=1e-9)
    assert fast.P[0, 1] > 1e3 * s[0].max() and general.P[0, 1] > 1e3 * s[0].max()
    assert fast.P[1, 0] < 1e-200 and general.P[1, 0] < 1e-200
    ok = general.converged
    np.testing.assert_allclose(fast.P[ok], general.P[ok], rtol=1e-7)
    np.testing.assert_allclose(fast.cost[ok], general.cost[ok], rtol=1e-10)
    assert fast.converged[2:].all()


def test_curve_ids_numeric_padded_and_interleaved():
    frame = curves(12, seed=8)
    ref = mgk.fit_many(frame, "michaelis_menten", curve="curve")
    as_int = frame.assign(curve=frame["curve"].str[1:].astype(int))
    res = mgk.fit_many(as_int, "michaelis_menten", curve="curve")
    assert list(res.curves) == [c[1:] for c in ref.curves]
    np.testing.assert_array_equal(res.values, ref.values)
    padded = frame.assign(curve=[c + " " * (i % 2) for i, c in enumerate(frame["curve"])])
    res = mgk.fit_many(padded, "michaelis_menten", curve="curve")
    assert list(res.curves) == list(ref.curves)
    np.testing.assert_array_equal(res.values, ref.values)
    shuffled = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    res = mgk.fit_many(shuffled, "michaelis_menten", curve="curve")
    assert list(res.curves) == list(dict.fromkeys(shuffled["curve"]))
    by = {c: i for i, c in enumerate(ref.curves)}
    order = [by[c] for c in res.curves]
    np.testing.assert_allclose(res.values, ref.values[order], rtol=1e-9)
    np.testing.assert_allclose(res.stderr, ref.stderr[order], rtol=1e-7)
    plain = mgk.fit_many({k: frame[k].to_numpy() for k in frame.columns}, "michaelis_menten", curve="curve")
    np.testing.assert_array_equal(plain.values, ref.values)


def test_jacobian_kind_depends_on_which_parameters_vary():
    """A law whose function casts one parameter to float (speciation casts Kd) is complex-safe in
    kcat and KM but not in Kd: the complex step verified with Kd fixed must not be reused when Kd
    is fitted (its derivative would silently be zero)."""
    import numpy as np

    from mgkinetics.batch import engine as batch_engine
    from mgkinetics.batch import jacobians as batch_jacobians
    from mgkinetics.laws.registry import get_law

    law = get_law("mgatp_mm")
    model = batch_engine.BatchModel(law.func, law.param_names)
    n = 12
    atp = np.geomspace(0.01, 1, n)[None, :]
    ones = np.ones_like(atp)
    zeros = np.zeros_like(atp)
    inputs = [atp, 2 * ones, 2e-3 * ones, zeros, zeros, zeros, ones, 0.71 * ones, 16.2 * ones, 5.5 * ones]
    P = np.array([[330.0, 0.06, 0.067]])
    assert batch_jacobians.jacobian_kind(model, inputs, P, [0, 1]) == "complex"
    assert batch_jacobians.jacobian_kind(model, inputs, P, [0, 1, 2]) == "central"
