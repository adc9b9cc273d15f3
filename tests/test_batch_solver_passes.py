"""The batched solver's cheaper passes give the answers of the plain ones.

* several damping factors tried in one pass (:mod:`mgkinetics.batch.trials`) take, per row, the
  first factor that lowers the cost, exactly as trying them one at a time: fit_many results are
  bit-identical with the stacking switched off (``_STACK_ROWS = 0``: one factor per pass);
* the three restarts of stuck curves run in one solver call after the linear-space run;
* singular Gram matrices are found from ``eigvalsh`` as from the SVD (the expected flags are
  computed here from ``numpy.linalg.svd`` with the documented rule: smallest singular value
  ≤ 1e-13 × largest).

The hard curves come from benchmarks/hard_curves.py (seeded).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.batch import engine, trials

_spec = importlib.util.spec_from_file_location(
    "hard_curves", Path(__file__).resolve().parents[1] / "benchmarks" / "hard_curves.py"
)
hard_curves = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hard_curves)


@pytest.mark.parametrize("name", ["substrate_inhibition", "hill", "competitive"])
def test_stacked_damping_factors_equal_one_at_a_time(name, monkeypatch):
    # 8 curves: the straggler rule (stop a round when ≤ 10 % of the rows are pending) only fires
    # at 0 pending rows, so both schedules try the same factors and must agree bit for bit
    frame = hard_curves.make_hard(name, 8, seed=21)
    kw = {"inhibitor": "i_mM"} if name == "competitive" else {}
    from mgkinetics.batch import lm

    # competitive curves go through the profiled path first: the general solver is forced here
    monkeypatch.setattr(lm, "profiled_applies", lambda *args: False)
    stacked = mgk.fit_many(frame, name, curve="curve", **kw)
    calls = []
    real_pass = trials._trial_pass

    def counting(*args):
        calls.append(args[-1])  # n_lam of the pass
        return real_pass(*args)

    monkeypatch.setattr(trials, "_trial_pass", counting)
    monkeypatch.setattr(trials, "_STACK_ROWS", 0)
    single = mgk.fit_many(frame, name, curve="curve", **kw)
    assert set(calls) == {1}  # the switch worked: one factor per pass
    for attr in ("values", "stderr", "rss"):
        np.testing.assert_array_equal(getattr(stacked, attr), getattr(single, attr), err_msg=attr)
    np.testing.assert_array_equal(stacked.status, single.status)


def test_stacked_passes_are_used_in_the_tail(monkeypatch):
    frame = hard_curves.make_hard("substrate_inhibition", 40, seed=21)
    calls = []
    real_pass = trials._trial_pass

    def counting(*args):
        calls.append(args[-1])
        return real_pass(*args)

    monkeypatch.setattr(trials, "_trial_pass", counting)
    from mgkinetics.batch import lm

    monkeypatch.setattr(lm, "profiled_applies", lambda *args: False)  # the general solver's tail
    mgk.fit_many(frame, "substrate_inhibition", curve="curve")
    assert max(calls) == 4  # few pending rows: four damping factors in one pass


def test_restarts_run_in_one_solver_call(monkeypatch):
    frame = hard_curves.make_hard("hill", 200, seed=7)
    solves = []
    real_solve = engine.solve

    def counting(*args, **kwargs):
        solves.append((args[1][0].shape[0], kwargs.get("log_space", True)))
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(engine, "solve", counting)
    res = mgk.fit_many(frame, "hill", curve="curve")
    # the main solve, the linear-space run of the stuck curves, then one call with three copies
    assert len(solves) == 3, solves
    (n_main, _), (n_stuck, linear), (n_restart, log) = solves
    assert n_main == 200 and 0 < n_stuck < n_main and not linear and log
    assert n_restart == 3 * n_stuck
    assert res.success.mean() > 0.6


def test_singular_gram_rows_match_the_svd_rule():
    rng = np.random.default_rng(8)
    B = rng.standard_normal((300, 3, 12))
    A = B @ np.swapaxes(B, 1, 2)
    v = rng.standard_normal((40, 3))
    A[:40] = np.einsum("mi,mj->mij", v, v)  # rank 1: singular
    u = rng.standard_normal((40, 3))
    A[40:80] = np.einsum("mi,mj->mij", v, v) + np.einsum("mi,mj->mij", u, u)  # rank 2
    A[80:120] += 1e6 * np.eye(3)  # well conditioned, large scale
    A[120:160] *= 1e-8  # regular at a small scale
    A[160:170, 0, 0] = np.nan
    _, singular = engine.invert_gram(A)
    with np.errstate(invalid="ignore"):
        sv = np.full((300, 3), np.nan)
        fin = np.all(np.isfinite(A), axis=(1, 2))
        sv[fin] = np.linalg.svd(A[fin], compute_uv=False)
        expected = ~(sv[:, -1] > 1e-13 * sv[:, 0])
    np.testing.assert_array_equal(singular, expected)
    assert singular[:80].all() and not singular[80:160].any() and singular[160:170].all()
