"""Batched small linear algebra for the solver: normal equations, bound freezing, damped solves.

Every function works on stacks (one row per curve) in single numpy calls: a singular row is solved
by the batched pseudo-inverse, never in a per-row loop.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SMALL_STACK", "batched_solve", "freeze_at_bounds", "gram", "normal_equations", "solve_damped"]


SMALL_STACK = 64  # up to this many rows, one stacked LAPACK/matmul call beats element-wise formulas


def normal_equations(J: list[np.ndarray], r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """JᵀJ (m, k, k) and Jᵀr (m, k) from the Jacobian's columns (each (m, L)).

    Few rows (≤ :data:`SMALL_STACK`, the solver's tail): two batched matmuls on the stacked
    columns, where the per-pair reductions would cost more in call overhead than in arithmetic."""
    m, k = r.shape[0], len(J)
    if m <= SMALL_STACK:
        Js = np.stack(J, axis=1)
        return Js @ np.swapaxes(Js, 1, 2), (Js @ r[..., None])[..., 0]
    A = np.empty((m, k, k))
    g = np.empty((m, k))
    for i in range(k):
        g[:, i] = np.einsum("ij,ij->i", J[i], r)
        for j in range(i + 1):
            A[:, i, j] = A[:, j, i] = np.einsum("ij,ij->i", J[i], J[j])
    return A, g


def gram(J: list[np.ndarray]) -> np.ndarray:
    """JᵀJ, shape (m, k, k), from the Jacobian's columns (each (m, L))."""
    m, k = J[0].shape[0], len(J)
    A = np.empty((m, k, k))
    for i in range(k):
        for j in range(i + 1):
            A[:, i, j] = A[:, j, i] = np.einsum("ij,ij->i", J[i], J[j])
    return A


def freeze_at_bounds(A, g, Pv, lo, hi):
    """Hold parameters that sit at a bound and are pushed outward (projected active set)."""
    frozen = ((Pv <= lo) & (g < 0)) | ((Pv >= hi) & (g > 0))
    if not frozen.any():
        return A, g
    A = A.copy()
    g = np.where(frozen, 0.0, g)
    m_idx, j_idx = np.nonzero(frozen)
    A[m_idx, j_idx, :] = 0.0
    A[m_idx, :, j_idx] = 0.0
    A[m_idx, j_idx, j_idx] = 1.0
    return A, g


def batched_solve(M: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve M x = g for every row of a stack, (m, k, k) and (m, k), without a per-row loop.

    Rows with non-finite entries give NaN; if any row is singular the whole stack is solved by the
    batched pseudo-inverse (the minimum-norm least-squares solution for the singular rows, the exact
    solution for the others).
    """
    k = M.shape[1]
    bad = ~(np.isfinite(M).all(axis=(1, 2)) & np.isfinite(g).all(axis=1))
    if bad.any():
        M = np.where(bad[:, None, None], np.eye(k), M)
        g = np.where(bad[:, None], 0.0, g)
    try:
        x = np.linalg.solve(M, g[..., None])[..., 0]
    except np.linalg.LinAlgError:
        x = np.einsum("mij,mj->mi", np.linalg.pinv(M), g)
    if bad.any():
        x[bad] = np.nan
    return x


def solve_damped(A: np.ndarray, g: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Solve (A + λ·diag(A)) δ = g per curve (A symmetric); NaN where the system is singular (k ≤ 2).

    Three parameters: the scaled adjugate (:func:`_solve_symmetric3`) for many rows, one batched
    LAPACK solve (:func:`batched_solve`) for at most :data:`SMALL_STACK` rows."""
    k = A.shape[1]
    d = np.diagonal(A, axis1=1, axis2=2)
    d = np.where(d > 0, d, 1.0)
    with np.errstate(all="ignore"):
        if k == 1:
            return g / (A[:, 0, :] + lam[:, None] * d)
        if k == 2:  # closed form: most batched calls are two-parameter laws
            a = A[:, 0, 0] + lam * d[:, 0]
            b = A[:, 0, 1]
            c = A[:, 1, 0]
            e = A[:, 1, 1] + lam * d[:, 1]
            det = a * e - b * c
            return np.stack([(e * g[:, 0] - b * g[:, 1]) / det, (a * g[:, 1] - c * g[:, 0]) / det], axis=1)
        if k == 3 and A.shape[0] > SMALL_STACK:
            return _solve_symmetric3(A, lam[:, None] * d, g)
        M = A.copy()
        ii = np.arange(k)
        M[:, ii, ii] += lam[:, None] * d
        return batched_solve(M, g)


def _solve_symmetric3(A: np.ndarray, damp: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve symmetric 3×3 systems (A + diag(damp)) x = g by the adjugate after Jacobi scaling (unit
    diagonal): a few dozen element-wise operations instead of a LAPACK call per stack (the
    three-parameter laws spend a third of their solve time here otherwise), without forming the
    damped matrices. Rows that are singular or ill-conditioned after scaling (|det| ≤ 1e-10, or
    non-finite) are solved by :func:`batched_solve` (LU with pivoting, the pseudo-inverse when
    singular), in one call for all of them."""
    with np.errstate(all="ignore"):
        m00, m11, m22 = A[:, 0, 0] + damp[:, 0], A[:, 1, 1] + damp[:, 1], A[:, 2, 2] + damp[:, 2]
        # column by column (the same element-wise operations as on the stacked (m, 3) arrays,
        # without the stacking: fewer temporaries and calls)
        s0, s1, s2 = (1.0 / np.sqrt(np.where(m > 0, m, 1.0)) for m in (m00, m11, m22))
        a, b, c = m00 * s0**2, A[:, 0, 1] * s0 * s1, A[:, 0, 2] * s0 * s2
        d, e, f = m11 * s1**2, A[:, 1, 2] * s1 * s2, m22 * s2**2
        g0, g1, g2 = g[:, 0] * s0, g[:, 1] * s1, g[:, 2] * s2
        c00, c01, c02 = d * f - e * e, c * e - b * f, b * e - c * d
        c11, c12, c22 = a * f - c * c, b * c - a * e, a * d - b * b
        det = a * c00 + b * c01 + c * c02
        x = np.empty((A.shape[0], 3))
        x[:, 0] = (c00 * g0 + c01 * g1 + c02 * g2) * (s0 / det)
        x[:, 1] = (c01 * g0 + c11 * g1 + c12 * g2) * (s1 / det)
        x[:, 2] = (c02 * g0 + c12 * g1 + c22 * g2) * (s2 / det)
        finite = np.isfinite(x[:, 0]) & np.isfinite(x[:, 1]) & np.isfinite(x[:, 2])
    hard = ~(np.abs(det) > 1e-10) | ~finite
    if hard.any():
        M = A[hard]
        ii = np.arange(3)
        M[:, ii, ii] += damp[hard]
        x[hard] = batched_solve(M, g[hard])
    return x
