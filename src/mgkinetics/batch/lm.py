"""Batched Levenberg–Marquardt: many independent small least-squares fits solved at once (numpy).

The solver minimises Σ (w·(y − f))² per curve with a per-curve damping factor, projects steps onto
the parameter bounds, drops curves from the active set as they converge (or run away past their
``cap``: an optimum at infinity), and ends with one Gauss–Newton polish step. Every linear solve is
batched: a row whose damped normal matrix is singular is solved by the pseudo-inverse in the same
batched call, never in a per-row loop.

The Michaelis–Menten laws (both parameters fitted, bounds at 0 and ∞) first go through
:func:`mgkinetics.batch.hyperbola.solve_hyperbola`; only curves it cannot settle at an interior
optimum go on to the general solver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mgkinetics.batch.hessians import log_second_derivatives
from mgkinetics.batch.hyperbola import hyperbola_applies, solve_hyperbola
from mgkinetics.batch.jacobians import BatchModel, jacobian_kind, weighted_jacobian
from mgkinetics.batch.linalg import batched_solve, freeze_at_bounds, gram, normal_equations, solve_damped
from mgkinetics.batch.trials import LAMBDA_START, damped_trials

__all__ = ["SolveResult", "batched_solve", "cost_and_residuals", "gram", "solve"]


@dataclass(frozen=True)
class SolveResult:
    """Output of :func:`solve`: parameters, weighted RSS, convergence, iterations, runaway rows."""

    P: np.ndarray
    cost: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    runaway: np.ndarray


def cost_and_residuals(model, inputs, P, y, w):
    """Weighted RSS per row and the weighted residuals."""
    with np.errstate(all="ignore"):
        r = w * (y - np.asarray(model.evaluate(inputs, P), dtype=float))
        return np.sum(r * r, axis=1), r


def _normal_finite(J, r):
    """Normal equations, zeroing non-finite Jacobian entries only when there are any."""
    A, g = normal_equations(J, r)
    if not (np.isfinite(A).all() and np.isfinite(g).all()):
        J = [np.where(np.isfinite(c), c, 0.0) for c in J]
        A, g = normal_equations(J, r)
    return A, g


@dataclass
class _State:
    """Mutable state of one :func:`solve` call (every array has one row per curve)."""

    P: np.ndarray
    cost: np.ndarray
    R: np.ndarray
    lam: np.ndarray
    converged: np.ndarray
    iters: np.ndarray
    runaway: np.ndarray
    near: np.ndarray  # an accepted step was small (:data:`NEAR`): Newton steps from then on


@dataclass(frozen=True)
class _Problem:
    model: BatchModel
    inputs: list
    y: np.ndarray
    w: np.ndarray
    vary: list
    lo: np.ndarray
    hi: np.ndarray
    kind: str
    xtol: float
    ftol: float
    logmask: np.ndarray  # (len(vary),): fitted in log space
    log_cols: np.ndarray  # columns of P fitted in log space
    all_log: bool  # every column of P is fitted in log space
    all_varied: bool  # every column of P is fitted, in order

    def varied(self, P: np.ndarray) -> np.ndarray:
        """The fitted columns of ``P`` (``P`` itself, not a copy, when every column is fitted)."""
        return P if self.all_varied else P[:, self.vary]

    def real(self, P: np.ndarray) -> np.ndarray:
        """Parameters in the law's own space (log-space columns exponentiated)."""
        if not self.logmask.any():
            return P
        with np.errstate(over="ignore"):
            if self.all_log:  # every column in log space: one exp, no copy
                return np.exp(P)
            out = P.copy()
            out[:, self.log_cols] = np.exp(P[:, self.log_cols])
        return out

    def cost(self, ins, P, y, w):
        return cost_and_residuals(self.model, ins, self.real(P), y, w)

    def jacobian(self, ins, P, w) -> list[np.ndarray]:
        """Weighted Jacobian with respect to the working parameters (log ones times the value)."""
        R = self.real(P)
        J = weighted_jacobian(self.model, ins, R, self.vary, self.kind, w)
        return [c * R[:, j : j + 1] if lg else c for c, j, lg in zip(J, self.vary, self.logmask, strict=True)]

    def ref(self, X: np.ndarray) -> np.ndarray:
        """Scale of a step: |x| for linear parameters, 1 for log-space ones (a relative change)."""
        return np.where(self.logmask, 1.0, np.abs(X))

    def rows(self, idx):
        """Inputs, y and w of the rows ``idx`` (None: all rows)."""
        if idx is None:
            return self.inputs, self.y, self.w
        return [x[idx] for x in self.inputs], self.y[idx], self.w[idx]


NEWTON_AFTER = 25  # iterations of Gauss–Newton steps before the second-order term is added
NEAR = 0.01  # a row whose accepted step moved every parameter by less than this (relative) takes Newton steps


def _second_order(pb: _Problem, ins, P, w, r, J) -> np.ndarray:
    """Σ rᵢ ∂²(w·fᵢ)/∂θa∂θb, (m, k, k): analytic when every fitted column is in log space and the
    law has a rule (:mod:`mgkinetics.batch.hessians`), else forward differences of the Jacobian
    (symmetrised)."""
    k = len(pb.vary)
    if pb.logmask.all():
        H = log_second_derivatives(pb.model.func, pb.model.param_names, ins, pb.real(P), pb.vary)
        if H is not None:
            wr = w * r
            S = np.empty((P.shape[0], k, k))
            for a in range(k):
                for b in range(a + 1):
                    S[:, a, b] = S[:, b, a] = np.einsum("ij,ij->i", H[a][b], wr)
            return S
    S = np.zeros((P.shape[0], k, k))
    for b, j in enumerate(pb.vary):
        h = 1e-6 * np.maximum(np.abs(P[:, j]), 1.0)
        Ph = P.copy()
        Ph[:, j] += h
        Jh = pb.jacobian(ins, Ph, w)
        for a in range(k):
            S[:, a, b] = np.einsum("ij,ij->i", (Jh[a] - J[a]) / h[:, None], r)
    return 0.5 * (S + np.swapaxes(S, 1, 2))


def _iterate(
    pb: _Problem, st: _State, active: np.ndarray, tiny: np.ndarray, cap_w: np.ndarray, sub=None
) -> np.ndarray:
    """One outer Levenberg–Marquardt iteration over the active rows; returns which are done.

    ``sub``: the inputs, y and w of the active rows when the caller has them (the loop keeps them
    while the active set does not change). Rows still iterating after :data:`NEWTON_AFTER`
    iterations (a large-residual problem, where Gauss–Newton converges only linearly), and rows
    whose last accepted step was below :data:`NEAR` (close to the optimum, where Newton converges
    quadratically: 10.1 -> 7.0 iterations per hard competitive curve), add the second-order term
    (analytic for the classic laws, :mod:`mgkinetics.batch.hessians`): a damped Newton step.
    """
    every = active.size == st.P.shape[0]  # all rows: views instead of copies
    if sub is None:
        sub = pb.rows(None if every else active)
    if every:
        Pa, ca, ra = st.P, st.cost.copy(), st.R
    else:
        Pa, ca, ra = st.P[active], st.cost[active], st.R[active]
    J = pb.jacobian(sub[0], Pa, sub[2])
    A, g = _normal_finite(J, ra)
    slow = np.flatnonzero((st.iters[active] >= NEWTON_AFTER) | st.near[active])
    if slow.size:
        pick = (lambda a: a) if slow.size == Pa.shape[0] else (lambda a: a[slow])  # all rows: no gathers
        with np.errstate(all="ignore"):
            S = _second_order(
                pb, [pick(x) for x in sub[0]], pick(Pa), pick(sub[2]), pick(ra), [pick(c) for c in J]
            )
        A[slow] -= np.where(np.isfinite(S), S, 0.0)
    A, g = freeze_at_bounds(A, g, pb.varied(Pa), pb.lo, pb.hi)
    st.iters[active] += 1
    lam_a = st.lam[active]
    newP, newc, newr, changed, done = damped_trials(pb, A, g, Pa, ca, lam_a, sub, cap_w[active])
    if every:  # masked copies instead of gathers and scatters (rows not changed hold Pa, ca)
        old = pb.varied(Pa)
        with np.errstate(all="ignore"):
            moved = np.max(np.abs(pb.varied(newP) - old) / pb.ref(old), axis=1)
        st.near |= changed & (moved < NEAR)
        np.copyto(st.P, newP, where=changed[:, None])
        np.copyto(st.cost, newc, where=changed)
        np.copyto(st.R, newr, where=changed[:, None])
    else:
        ch = active[changed]
        old = Pa[changed][:, pb.vary]
        with np.errstate(all="ignore"):
            moved = np.max(np.abs(newP[changed][:, pb.vary] - old) / pb.ref(old), axis=1)
        st.near[ch] |= moved < NEAR
        st.P[ch], st.cost[ch], st.R[ch] = newP[changed], newc[changed], newr[changed]
    st.lam[active] = lam_a
    return done | (st.cost[active] <= tiny[active])


def _polish(pb: _Problem, st: _State) -> None:
    """One Gauss–Newton step for the converged rows, kept where it lowers the cost."""
    idx = np.flatnonzero(st.converged)
    if not idx.size:
        return
    ins, y, w = pb.rows(idx)
    Pc = st.P[idx]
    J = pb.jacobian(ins, Pc, w)
    A, g = _normal_finite(J, st.R[idx])
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
    P = np.array(P0, dtype=float, copy=True)
    lo_v, hi_v = np.asarray(lo, float)[vary], np.asarray(hi, float)[vary]
    P[:, vary] = np.clip(P[:, vary], lo_v, hi_v)
    cost, R = cost_and_residuals(model, inputs, P, y, w)
    st = _State(
        P,
        cost,
        R,
        np.full(m, LAMBDA_START),
        np.zeros(m, bool),
        np.zeros(m, int),
        np.zeros(m, bool),
        np.zeros(m, bool),
    )
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
    pb = _Problem(
        model, list(inputs), y, w, vary, lo_w, hi_w, kind, xtol, ftol, logmask, cols, all_log, all_varied
    )
    cap_v = np.full((m, len(vary)), np.inf) if cap is None else np.asarray(cap, float)[:, vary]
    with np.errstate(divide="ignore"):  # steps stop at 10 × cap (the cap test then ends the row)
        cap_w = np.where(logmask, np.log(cap_v) + np.log(10.0), 10.0 * cap_v)
    tiny = 1e-30 * np.sum((w * y) ** 2, axis=1)  # a perfect fit
    active = np.flatnonzero(np.isfinite(cost))
    sub, sub_rows = None, -1
    for _ in range(max_iter):
        if active.size == 0:
            break
        if active.size != sub_rows:  # the active set only shrinks: same size, same rows
            sub, sub_rows = pb.rows(None if active.size == m else active), active.size
        done = _iterate(pb, st, active, tiny, cap_w, sub)
        st.converged[active[done]] = True
        gone = np.any(np.abs(pb.real(st.P[active])[:, vary]) > cap_v[active], axis=1)
        st.runaway[active[gone]] = True
        active = active[~(done | gone)]
    st.converged &= ~st.runaway
    _polish(pb, st)
    P = pb.real(st.P)
    st.converged &= np.all(np.isfinite(P[:, vary]), axis=1) & np.isfinite(st.cost)  # fixed: may be ±inf
    return SolveResult(P, st.cost, st.converged, st.iters, st.runaway)


_BLOCK = 4096  # rows per pass of solve_hyperbola: its eight (rows, L) buffers stay in cache


def _km_to_infinity(model, inputs, y, w, P, left, cap_km) -> np.ndarray:
    """Rows the hyperbola left with KM ≥ 100 × the highest S whose profiled cost is lower still at
    1.5 × the KM cap: the optimum lies at KM → ∞. Their P is set there (best A for that KM) and they
    are returned as runaway, without a run of the general solver up to the cap."""
    s = np.asarray(inputs[0], float)
    top = np.max(np.where(w > 0, s, 0.0), axis=1)
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
    rest = np.flatnonzero(~done & ~runaway)
    if rest.size == 0:
        cost, _ = cost_and_residuals(model, inputs, P, y, w)
        return SolveResult(P, cost, np.isfinite(cost), iters, runaway)
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
