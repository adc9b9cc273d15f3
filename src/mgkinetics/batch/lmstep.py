"""One outer iteration of the batched Levenberg–Marquardt (:mod:`mgkinetics.batch.lm`) on its working set.

:class:`Problem` is what stays fixed during a solve (the law, the data of every row, bounds and
tolerances, which columns are fitted in log space); :class:`Work` holds the state of the rows still
iterating, compacted: its arrays have one row per active curve, so an iteration works on whole
arrays (views and masked copies, no gathers and scatters), and rows that converge or run away
leave it in one gather (:meth:`Work.keep`) instead of being indexed out on every later pass. The
compacted rows see the same operations on the same values as before, so the results do not depend
on which other rows are active.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mgkinetics.batch.hessians import log_second_derivatives
from mgkinetics.batch.jacobians import BatchModel, param_columns, weighted_jacobian
from mgkinetics.batch.linalg import freeze_at_bounds, normal_equations
from mgkinetics.batch.rowops import rows_max, rows_sum, take_rows
from mgkinetics.batch.trials import damped_trials

__all__ = [
    "NEAR",
    "NEWTON_AFTER",
    "QUADRATIC",
    "ZIGZAG_AFTER",
    "Problem",
    "Work",
    "cost_and_residuals",
    "iterate",
    "normal_finite",
]

NEWTON_AFTER = 25  # iterations of Gauss–Newton steps before the second-order term is added
QUADRATIC = 1e-6  # an accepted Newton step below this (relative) leaves an error of its square: done
NEAR = 0.01  # a row whose accepted step moved every parameter by less than this (relative) takes Newton steps
ZIGZAG_AFTER = 8  # from this iteration on, a row whose accepted steps zig-zag takes Newton steps:
ZIGZAG_TURNS = 3  # its last three accepted steps each reversed the one before,
ZIGZAG_COS = -0.5  # i.e. the cosine between them was below this


def cost_and_residuals(model, inputs, P, y, w):
    """Weighted RSS per row and the weighted residuals."""
    with np.errstate(all="ignore"):
        r = y - np.asarray(model.evaluate(inputs, P), dtype=float)
        r *= w  # w·(y − f), without a second temporary
        return rows_sum(r * r), r


def normal_finite(J, r):
    """Normal equations, zeroing non-finite Jacobian entries only when there are any (the first
    try's inf·0 or inf − inf is not warned about: it is what the second try is for)."""
    with np.errstate(all="ignore"):
        A, g = normal_equations(J, r)
        if not (np.isfinite(A).all() and np.isfinite(g).all()):
            J = [np.where(np.isfinite(c), c, 0.0) for c in J]
            A, g = normal_equations(J, r)
    return A, g


@dataclass(frozen=True)
class Problem:
    """The fixed part of one solve: the law, every row's data, working-space bounds, tolerances."""

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
        """Weighted RSS and residuals at the working parameters ``P``."""
        return cost_and_residuals(self.model, ins, self.real(P), y, w)

    def jacobian(self, ins, P, w, R=None) -> list[np.ndarray]:
        """Weighted Jacobian with respect to the working parameters (log ones times the value);
        ``R``: ``real(P)`` when the caller has it."""
        R = self.real(P) if R is None else R
        with np.errstate(all="ignore"):  # non-finite entries are the normal equations' to handle
            J = weighted_jacobian(self.model, ins, R, self.vary, self.kind, w)  # new arrays
            if self.logmask.any():
                full = param_columns(R, w)  # whole (m, L) arrays: the same products, faster
                for c, j, lg in zip(J, self.vary, self.logmask, strict=True):
                    if lg:
                        c *= full[j]
            return J

    def ref(self, X: np.ndarray) -> np.ndarray:
        """Scale of a step: |x| for linear parameters, 1 for log-space ones (a relative change)."""
        return np.where(self.logmask, 1.0, np.abs(X))

    def rows(self, idx):
        """Inputs, y and w of the rows ``idx`` (None: all rows)."""
        if idx is None:
            return self.inputs, self.y, self.w
        return [x[idx] for x in self.inputs], self.y[idx], self.w[idx]


@dataclass
class Work:
    """State of the rows still iterating, one array row per active curve (``rows``: their index
    in the solve). ``real`` is ``Problem.real(P)``, kept up to date with ``P``."""

    rows: np.ndarray
    ins: list
    y: np.ndarray
    w: np.ndarray
    P: np.ndarray
    real: np.ndarray
    cost: np.ndarray
    R: np.ndarray
    lam: np.ndarray
    iters: np.ndarray
    near: np.ndarray  # an accepted step was small (:data:`NEAR`): Newton steps from then on
    last: np.ndarray  # the last accepted step (working space, relative), for :data:`ZIGZAG_AFTER`
    turns: np.ndarray  # how many accepted steps in a row reversed the one before
    cap_w: np.ndarray  # steps stop here (working space)
    cap_v: np.ndarray  # |real value| beyond this has run away
    tiny: np.ndarray  # a cost this low is a perfect fit

    def keep(self, mask: np.ndarray) -> Work:
        """The rows ``mask`` selects (one gather per array, by index: :func:`take_rows`)."""
        idx = np.flatnonzero(mask)
        return Work(
            self.rows[idx],
            [take_rows(x, idx) for x in self.ins],
            *(
                take_rows(a, idx)
                for a in (
                    self.y,
                    self.w,
                    self.P,
                    self.real,
                    self.cost,
                    self.R,
                    self.lam,
                    self.iters,
                    self.near,
                    self.last,
                    self.turns,
                    self.cap_w,
                    self.cap_v,
                    self.tiny,
                )
            ),
        )


def _second_order(pb: Problem, ins, P, R, w, r, J) -> np.ndarray:
    """Σ rᵢ ∂²(w·fᵢ)/∂θa∂θb, (m, k, k): analytic when every fitted column is in log space and the
    law has a rule (:mod:`mgkinetics.batch.hessians`), else forward differences of the Jacobian
    (symmetrised). ``R`` is ``pb.real(P)``."""
    k = len(pb.vary)
    if pb.logmask.all():
        H = log_second_derivatives(pb.model.func, pb.model.param_names, ins, R, pb.vary)
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


def _zigzag(wk: Work, rel: np.ndarray, changed: np.ndarray) -> None:
    """Count the accepted steps that reverse the one before (cosine < :data:`ZIGZAG_COS`), from
    iteration ``ZIGZAG_AFTER - ZIGZAG_TURNS + 1`` on; a row whose last :data:`ZIGZAG_TURNS`
    accepted steps all did takes Newton steps from :data:`ZIGZAG_AFTER` on.

    Gauss–Newton on a large-residual curve zig-zags across a curved valley and converges only
    linearly (hard competitive curves: up to 29 iterations, Newton only at :data:`NEWTON_AFTER`);
    the second-order term ends that in a few steps. Rows that converge by iteration
    :data:`ZIGZAG_AFTER` (nearly all) see exactly the same steps as without this rule. All rows of
    a working set started together, so ``iters`` is one number."""
    t = int(wk.iters[0]) if wk.iters.size else 0
    if t >= ZIGZAG_AFTER - ZIGZAG_TURNS + 1:
        with np.errstate(all="ignore"):
            dot = np.einsum("ij,ij->i", rel, wk.last)
            cos = dot / np.sqrt(np.einsum("ij,ij->i", rel, rel) * np.einsum("ij,ij->i", wk.last, wk.last))
        wk.turns = np.where(changed, np.where(cos < ZIGZAG_COS, wk.turns + 1, 0), wk.turns)
        if t >= ZIGZAG_AFTER:
            wk.near |= wk.turns >= ZIGZAG_TURNS
    np.copyto(wk.last, rel, where=changed[:, None])


def iterate(pb: Problem, wk: Work) -> np.ndarray:
    """One outer Levenberg–Marquardt iteration over the working rows; returns which are done.

    Rows still iterating after :data:`NEWTON_AFTER` iterations (a large-residual problem, where
    Gauss–Newton converges only linearly), and rows whose last accepted step was below
    :data:`NEAR` (close to the optimum, where Newton converges quadratically: 10.1 -> 7.0
    iterations per hard competitive curve), add the second-order term (analytic for the classic
    laws, :mod:`mgkinetics.batch.hessians`): a damped Newton step. A row whose accepted Newton
    step moved every parameter by less than :data:`QUADRATIC` is done: what is left is of the order
    of that step squared, below ``xtol``, and the pass that would confirm it is saved (6.9 -> 6.2
    row-iterations per hard competitive curve; values move by <= 2e-8 relative).
    """
    P, ca = wk.P, wk.cost.copy()
    sub = (wk.ins, wk.y, wk.w)
    J = pb.jacobian(wk.ins, P, wk.w, wk.real)
    A, g = normal_finite(J, wk.R)
    slow = np.flatnonzero((wk.iters >= NEWTON_AFTER) | wk.near)
    if slow.size:
        pick = (lambda a: a) if slow.size == P.shape[0] else (lambda a: take_rows(a, slow))  # all: no gathers
        with np.errstate(all="ignore"):
            S = _second_order(
                pb,
                [pick(x) for x in wk.ins],
                pick(P),
                pick(wk.real),
                pick(wk.w),
                pick(wk.R),
                [pick(c) for c in J],
            )
        A[slow] -= np.where(np.isfinite(S), S, 0.0)
    A, g = freeze_at_bounds(A, g, pb.varied(P), pb.lo, pb.hi)
    wk.iters += 1
    newP, newc, newr, changed, done = damped_trials(pb, A, g, P, ca, wk.lam, sub, wk.cap_w)
    old = pb.varied(P)  # masked copies (rows not changed hold P and the cost)
    with np.errstate(all="ignore"):
        rel = (pb.varied(newP) - old) / pb.ref(old)
        moved = rows_max(np.abs(rel))
    wk.near |= changed & (moved < NEAR)
    if slow.size:  # quadratic convergence: the confirming step (< xtol) needs no further pass
        newton = np.zeros(P.shape[0], dtype=bool)
        newton[slow] = True
        done |= changed & newton & (moved < QUADRATIC)
    _zigzag(wk, rel, changed)
    np.copyto(wk.P, newP, where=changed[:, None])
    np.copyto(wk.cost, newc, where=changed)
    np.copyto(wk.R, newr, where=changed[:, None])
    wk.real = pb.real(wk.P)
    return done | (wk.cost <= wk.tiny)
