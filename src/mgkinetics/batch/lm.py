"""Batched Levenberg–Marquardt: many independent small least-squares fits solved at once (numpy).

The solver minimises Σ (w·(y − f))² per curve with a per-curve damping factor, projects steps onto
the parameter bounds, drops curves from the active set as they converge (or run away past their
``cap``: an optimum at infinity), and ends with one Gauss–Newton polish step. Every linear solve is
batched: a row whose damped normal matrix is singular is solved by the pseudo-inverse in the same
batched call, never in a per-row loop.

The Michaelis–Menten laws (both parameters fitted, bounds at 0 and ∞) first go through
:func:`mgkinetics.batch.hyperbola.solve_hyperbola`, and competitive and substrate inhibition
(every parameter fitted, free bounds) through :func:`mgkinetics.batch.profiled.solve_profiled`:
both profile Vmax out; only curves they neither settle at an interior optimum nor see run away go
on to the general solver, from their original start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mgkinetics.batch.hyperbola import hyperbola_applies, solve_hyperbola
from mgkinetics.batch.jacobians import BatchModel, jacobian_kind
from mgkinetics.batch.linalg import batched_solve, freeze_at_bounds, gram, solve_damped
from mgkinetics.batch.lmstep import Problem, Work, cost_and_residuals, iterate, normal_finite
from mgkinetics.batch.profiled import profiled_applies, solve_profiled
from mgkinetics.batch.rowops import rows_all, rows_any, rows_max, rows_sum, take_rows
from mgkinetics.batch.trials import LAMBDA_START

__all__ = ["SolveResult", "batched_solve", "cost_and_residuals", "gram", "solve"]


@dataclass(frozen=True)
class SolveResult:
    """Output of :func:`solve`: parameters, weighted RSS, convergence, iterations, runaway rows."""

    P: np.ndarray
    cost: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    runaway: np.ndarray


@dataclass
class _State:
    """Final state of every row of one :func:`solve` call (written as rows leave the working set)."""

    P: np.ndarray
    cost: np.ndarray
    R: np.ndarray
    converged: np.ndarray
    iters: np.ndarray
    runaway: np.ndarray

    def store(self, wk: Work, mask: np.ndarray) -> None:
        """Write the working rows ``mask`` back (their parameters, cost, residuals, iterations)."""
        idx = np.flatnonzero(mask)
        r = wk.rows[idx]
        self.P[r], self.cost[r], self.R[r], self.iters[r] = (
            take_rows(wk.P, idx),
            wk.cost[idx],
            take_rows(wk.R, idx),
            wk.iters[idx],
        )


def _run(pb: Problem, st: _State, wk: Work, max_iter: int) -> None:
    """Iterate until every working row has converged, run away or used ``max_iter`` iterations;
    rows leave the working set (compacted) as they finish."""
    vary = pb.vary
    for _ in range(max_iter):
        if wk.rows.size == 0:
            return
        done = iterate(pb, wk)
        gone = rows_any(np.abs(wk.real[:, vary]) > wk.cap_v)
        leave = done | gone
        if leave.any():
            st.store(wk, leave)
            st.converged[wk.rows[done]] = True
            st.runaway[wk.rows[gone]] = True
            wk = wk.keep(~leave)
    st.store(wk, np.ones(wk.rows.size, dtype=bool))


def _polish(pb: Problem, st: _State) -> None:
    """One Gauss–Newton step for the converged rows, kept where it lowers the cost."""
    idx = np.flatnonzero(st.converged)
    if not idx.size:
        return
    ins, y, w = pb.rows(idx)
    Pc = st.P[idx]
    J = pb.jacobian(ins, Pc, w)
    A, g = normal_finite(J, st.R[idx])
    A, g = freeze_at_bounds(A, g, Pc[:, pb.vary], pb.lo, pb.hi)
    step = solve_damped(A, g, np.zeros(idx.size))
    trial = Pc.copy()
    trial[:, pb.vary] = np.clip(Pc[:, pb.vary] + step, pb.lo, pb.hi)
    tc, _ = pb.cost(ins, trial, y, w)
    ok = np.isfinite(tc) & (tc <= st.cost[idx])
    st.P[idx[ok]] = trial[ok]
    st.cost[idx[ok]] = tc[ok]


def solve(
    model: BatchModel,
    inputs: Sequence[np.ndarray],
    y: np.ndarray,
    w: np.ndarray,
    P0: np.ndarray,
    vary: Sequence[int],
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    cap: np.ndarray | None = None,
    max_iter: int = 200,
    xtol: float = 1e-10,
    ftol: float = 1e-15,
    log_space: bool = True,
    _general: bool = False,
) -> SolveResult:
    """Batched, bounded Levenberg–Marquardt with a final Gauss–Newton polish.

    Parameters
    ----------
    model : BatchModel
    inputs : sequence of arrays (m, L)
    y, w : arrays (m, L)
        Observations and weights (0 on padding).
    P0 : array (m, K)
        Starting values of every parameter (fixed ones hold their value).
    vary : sequence of int
        Columns of ``P0`` that are fitted.
    lo, hi : arrays (K,)
        Bounds; steps are projected onto them, and a parameter at a bound that the gradient
        pushes outward is held there for the step.
    cap : array (m, K), optional
        Magnitudes beyond which a parameter has run away (the optimum lies at infinity): such a
        row stops iterating, with ``runaway=True`` and ``converged=False``.
    max_iter : int
        Jacobian evaluations per curve.
    xtol, ftol : float
        A curve has converged when an accepted step changes every parameter by less than
        ``xtol`` relative, or lowers the cost by less than ``ftol`` relative.
    log_space : bool
        Fit parameters with a lower bound ≥ 0 (and positive starts) as log p. The optimum is the
        same; a parameter whose optimum lies at infinity reaches its ``cap`` in a few steps.

    Returns
    -------
    SolveResult
    """
    m = y.shape[0]
    vary = list(vary)
    if m and not _general and hyperbola_applies(model, vary, lo, hi):
        return _hyperbola_then_general(
            model, inputs, y, w, P0, vary, lo, hi, cap=cap, max_iter=max_iter, xtol=xtol, ftol=ftol
        )
    fast = m and not _general and cap is not None
    if fast and profiled_applies(model.func, model.param_names, vary, lo, hi):
        return _profiled_then_general(
            model, inputs, y, w, P0, vary, lo, hi, cap=cap, max_iter=max_iter, xtol=xtol, ftol=ftol
        )
    P = np.array(P0, dtype=float, copy=True)
    lo_v, hi_v = np.asarray(lo, float)[vary], np.asarray(hi, float)[vary]
    P[:, vary] = np.clip(P[:, vary], lo_v, hi_v)
    cost, R = cost_and_residuals(model, inputs, P, y, w)
    st = _State(P, cost, R, np.zeros(m, bool), np.zeros(m, int), np.zeros(m, bool))
    if not vary or m == 0:
        return SolveResult(P, cost, np.isfinite(cost), st.iters, st.runaway)
    # positive parameters are fitted as log p: a run to infinity (or 0) takes a few steps, not hundreds
    logmask = (lo_v >= 0) & np.all(P[:, vary] > 0, axis=0) if log_space else np.zeros(len(vary), bool)
    cols = np.asarray(vary)[logmask]
    with np.errstate(divide="ignore"):
        P[:, cols] = np.log(P[:, cols])
        lo_w = np.where(logmask, np.log(np.maximum(lo_v, 0)), lo_v)
        hi_w = np.where(logmask, np.log(hi_v), hi_v)
    kind = jacobian_kind(model, inputs, P0, vary)
    all_varied = vary == list(range(P.shape[1]))
    all_log = bool(logmask.all()) and all_varied
    pb = Problem(
        model, list(inputs), y, w, vary, lo_w, hi_w, kind, xtol, ftol, logmask, cols, all_log, all_varied
    )
    cap_v = np.full((m, len(vary)), np.inf) if cap is None else np.asarray(cap, float)[:, vary]
    with np.errstate(divide="ignore"):  # steps stop at 10 × cap (the cap test then ends the row)
        cap_w = np.where(logmask, np.log(cap_v) + np.log(10.0), 10.0 * cap_v)
    tiny = 1e-30 * rows_sum((w * y) ** 2)  # a perfect fit
    ok = np.isfinite(cost)
    wk = Work(
        np.arange(m),
        pb.inputs,
        y,
        w,
        P.copy(),
        pb.real(P),
        cost.copy(),
        R.copy(),
        np.full(m, LAMBDA_START),
        np.zeros(m, int),
        np.zeros(m, bool),
        np.zeros((m, len(vary))),
        np.zeros(m, int),
        cap_w,
        cap_v,
        tiny,
    )
    _run(pb, st, wk if ok.all() else wk.keep(ok), max_iter)
    st.converged &= ~st.runaway
    _polish(pb, st)
    P = pb.real(st.P)
    st.converged &= rows_all(np.isfinite(P[:, vary])) & np.isfinite(st.cost)  # fixed: may be ±inf
    return SolveResult(P, st.cost, st.converged, st.iters, st.runaway)


_BLOCK = 4096  # rows per pass of solve_hyperbola: its eight (rows, L) buffers stay in cache


def _km_to_infinity(model, inputs, y, w, P, left, cap_km) -> np.ndarray:
    """Rows the hyperbola left with KM ≥ 100 × the highest S whose profiled cost is lower still at
    1.5 × the KM cap: the optimum lies at KM → ∞. Their P is set there (best A for that KM) and they
    are returned as runaway, without a run of the general solver up to the cap."""
    s = np.asarray(inputs[0], float)
    top = rows_max(np.where(w > 0, s, 0.0))
    cand = np.flatnonzero(
        left & np.isfinite(P[:, 1]) & (P[:, 0] > 0) & (P[:, 1] >= 100 * top) & np.isfinite(cap_km)
    )
    out = np.zeros(P.shape[0], dtype=bool)
    if cand.size == 0:
        return out
    ins = [np.asarray(x)[cand] for x in inputs]
    yc, wc = y[cand], w[cand]
    big = np.stack([np.ones(cand.size), 1.5 * cap_km[cand]], axis=1)
    with np.errstate(all="ignore"):
        g = np.asarray(model.evaluate(ins, big), float)
        big[:, 0] = np.sum(wc * wc * yc * g, axis=1) / np.sum(wc * wc * g * g, axis=1)
        now, _ = cost_and_residuals(model, ins, P[cand], yc, wc)
        there, _ = cost_and_residuals(model, ins, big, yc, wc)
    lower = np.isfinite(there) & (there <= now) & (big[:, 0] > 0)
    P[cand[lower]] = big[lower]
    out[cand[lower]] = True
    return out


def _hyperbola_then_general(model, inputs, y, w, P0, vary, lo, hi, *, cap, **options) -> SolveResult:
    """:func:`solve_hyperbola` for every curve; the general solver for those it leaves."""
    m = y.shape[0]
    K0 = np.asarray(P0, float)[:, 1]
    parts = [
        solve_hyperbola(
            [np.asarray(x)[i : i + _BLOCK] for x in inputs],
            y[i : i + _BLOCK],
            w[i : i + _BLOCK],
            K0[i : i + _BLOCK],
        )
        for i in range(0, m, _BLOCK)
    ]
    A, K, done, iters = (np.concatenate(z) for z in zip(*parts, strict=True))
    P = np.empty((m, 2))
    P[:, 0], P[:, 1] = A, K
    runaway = np.zeros(m, dtype=bool)
    if cap is not None:
        runaway = _km_to_infinity(model, inputs, y, w, P, ~done, np.asarray(cap, float)[:, 1])
    return _general_for_rest(model, inputs, y, w, P0, vary, lo, hi, P, done, iters, runaway, cap, options)


def _profiled_then_general(model, inputs, y, w, P0, vary, lo, hi, *, cap, **options) -> SolveResult:
    """:func:`~mgkinetics.batch.profiled.solve_profiled` for every curve (its range: 10⁻¹² × the
    data's scale, below which a constant leaves the path, to the cap, 10⁶ × that scale, beyond
    which it has run away; the valley KM → ∞, Ksi → 0 of substrate inhibition reaches the cap
    first); the general solver for the curves it leaves."""
    from mgkinetics.batch.starts import RUNAWAY

    cap_t = np.asarray(cap, float)[:, 1:]
    lo_t = np.where(np.isfinite(cap_t), cap_t / RUNAWAY**3, 0.0)
    P, done, runaway, iters = solve_profiled(model, inputs, y, w, P0, lo_t, cap_t)
    return _general_for_rest(model, inputs, y, w, P0, vary, lo, hi, P, done, iters, runaway, cap, options)


def _general_for_rest(model, inputs, y, w, P0, vary, lo, hi, P, done, iters, runaway, cap, options):
    """The result of a fast path (``P``, ``done``, ``runaway``, ``iters``), with the general solver
    from ``P0`` for the curves it neither settled nor saw run away."""
    rest = np.flatnonzero(~done & ~runaway)
    if rest.size == 0:
        cost, _ = cost_and_residuals(model, inputs, P, y, w)
        return SolveResult(P, cost, done & np.isfinite(cost), iters, runaway)
    sub = solve(
        model,
        [np.asarray(x)[rest] for x in inputs],
        y[rest],
        w[rest],
        np.asarray(P0, float)[rest],
        vary,
        lo,
        hi,
        cap=None if cap is None else np.asarray(cap)[rest],
        _general=True,
        **options,
    )
    P[rest] = sub.P
    cost, _ = cost_and_residuals(model, inputs, P, y, w)
    converged = done & np.isfinite(cost)
    converged[rest] = sub.converged  # runaway rows stay not converged
    iters[rest] = sub.iterations
    runaway[rest] = sub.runaway
    return SolveResult(P, cost, converged, iters, runaway)
