"""Standard errors of curves refitted in a limit (:mod:`mgkinetics.batch.limits`), at the limit (numpy only).

A curve whose Ki-like constant ran away is refitted with that constant at +∞, but its covariance
used to be taken at the stopped value (about 10⁶ × the data), where the other parameters' SEs are
still off by the stopped constant's remaining effect (~1e-6 relative). Here it is taken at the
limit itself, in the coordinate c = 1/K (K the runaway constant), in which the law is regular at
c = 0: the Jacobian of the other parameters is the law's at K = +∞, that of c a one-sided
Richardson difference in c from 0. The block of the other parameters is unchanged by the choice of
coordinate for K, so their SEs are those of the limit; K's own row and column are mapped back by
dK/dc = −K² at the stopped K (its SE is that of a lower bound, and huge).

For a curve refitted as the line through the origin (KM → ∞), the variance of the initial slope
a = Vmax/KM is the Gauss–Newton ``inv(JᵀJ)[a, a]`` of v = a·x/(1 + b·S) with the exact Jacobian,
at the limit point b = 1/(:data:`~mgkinetics.fitting.slope.LIMIT_POINT` × the highest S) of
:func:`mgkinetics.fitting.slope.slope_variance` (the formula of single fits, whose differences of
the law keep only ~10 digits of ∂v/∂b there).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mgkinetics.batch.jacobians import jacobian_kind, richardson_jacobian, weighted_jacobian
from mgkinetics.batch.linalg import gram

__all__ = ["limit_covariance", "line_slope_variance"]

_C_STEP = 1e-4  # c·S at the first Richardson point: truncation ~(1e-4)², rounding ~1e-12


def _c_column(model, ins, P, w, j, top) -> np.ndarray:
    """w·∂f/∂c at c = 1/P[:, j] = 0, by a one-sided Richardson difference (second order)."""
    h = _C_STEP / np.where(top > 0, top, 1.0)

    def f(c):
        Q = P.copy()
        with np.errstate(divide="ignore"):
            Q[:, j] = 1.0 / c
        return np.asarray(model.evaluate(ins, Q), dtype=float)

    f0 = f(np.zeros(P.shape[0]))
    d1 = (f(h) - f0) / h[:, None]
    d2 = (f(h / 2) - f0) / (h[:, None] / 2)
    return w * (2.0 * d2 - d1)


def limit_covariance(model, chunk, P: np.ndarray, vary: Sequence[int], rows, fixed, tops) -> np.ndarray:
    """JᵀJ of the rows ``rows`` at the limit P[:, fixed] = +∞ (the constant in coordinate c = 1/K),
    in the order of ``vary``; ``tops`` (len(rows), len(fixed)): the highest value of each fixed
    constant's input. Returns (Gram matrix, dK/dc at the stopped K per fixed column)."""
    vary = list(vary)
    ins = [np.asarray(x)[rows] for x in chunk.inputs]
    w = chunk.w[rows]
    at = np.array(P[rows], dtype=float, copy=True)
    stopped = at[:, fixed].copy()
    at[:, fixed] = np.inf
    others = [j for j in vary if j not in fixed]
    with np.errstate(all="ignore"):
        if jacobian_kind(model, ins, at, others) == "analytic":
            cols = weighted_jacobian(model, ins, at, others, "analytic", w)
        else:
            cols = richardson_jacobian(model, ins, at, others, w)
        by_col = dict(zip(others, cols, strict=True))
        for t, j in enumerate(fixed):
            by_col[j] = _c_column(model, ins, at, w, j, tops[:, t])
        A = gram([by_col[j] for j in vary])
    return A, -(stopped**2)


def line_slope_variance(model, chunk, P: np.ndarray, rows, fixed, num: int, den: int, top) -> np.ndarray:
    """Unscaled var(a) of a = P[num]/P[den] for rows refitted as the line through the origin: the
    exact Gauss–Newton inv(JᵀJ)[a, a] of v = a·x/(1 + b·S) at the limit point (module docstring);
    ``x`` is the law's regressor in the limit (P[num] = P[den] → ∞, ``fixed`` at +∞), S its first
    input, ``top`` the highest S."""
    from mgkinetics.fitting.slope import LIMIT_POINT

    ins = [np.asarray(x)[rows] for x in chunk.inputs]
    w = chunk.w[rows]
    unit = np.array(P[rows], dtype=float, copy=True)
    unit[:, fixed] = np.inf
    unit[:, num] = unit[:, den] = 1e150  # K·x/(K + x) = x in floating point
    with np.errstate(all="ignore"):
        x = np.asarray(model.evaluate(ins, unit), dtype=float)
        a = P[rows, num] / P[rows, den]
        b = np.fmax(1.0 / P[rows, den], 1.0 / (LIMIT_POINT * top))
        s = np.asarray(ins[0], dtype=float)
        q = 1.0 / (1.0 + b[:, None] * s)
        ja = w * x * q
        jb = -w * a[:, None] * x * s * q * q
        A11, A12, A22 = (np.sum(p, axis=1) for p in (ja * ja, ja * jb, jb * jb))
        det = A11 * A22 - A12 * A12
        var = A22 / det
    return np.where(np.isfinite(var) & (var >= 0) & (det > 0), var, np.nan)
