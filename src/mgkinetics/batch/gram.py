"""Inverse of stacks of small Gram matrices JᵀJ (covariances), with a batched singularity test.

One function, :func:`invert_gram`, serves the covariance of every batched fit and the variance of
the initial slope (:mod:`mgkinetics.fitting.slope`, single fits too). It imports only numpy.
"""

from __future__ import annotations

import numpy as np

from mgkinetics.batch.rowops import rows_all

__all__ = ["invert_gram"]

#: Unit-diagonal 3×3 rows with a determinant above this are inverted by the adjugate: their
#: condition number is below 7e3 (eigenvalues ≤ 3, product of the two largest ≤ 2.25), so the
#: closed form is as accurate as LU (~1e-12 relative) at a fiftieth of the cost of a LAPACK call
#: per matrix; the other regular rows go to ``np.linalg.inv``.
_ADJUGATE_DET = 1e-3


def _minors3(A: np.ndarray):
    """Entries of the symmetric (m, 3, 3) stack ``A``, its cofactors and determinant."""
    a, b, c = A[:, 0, 0], A[:, 0, 1], A[:, 0, 2]
    d, e, f = A[:, 1, 1], A[:, 1, 2], A[:, 2, 2]
    cof = (d * f - e * e, c * e - b * f, b * e - c * d, a * f - c * c, b * c - a * e, a * d - b * b)
    det = a * cof[0] + b * cof[1] + c * cof[2]
    return (a, b, c, d, e, f), cof, det


def _clearly_regular3(A: np.ndarray, det: np.ndarray) -> np.ndarray:
    """Rows of a stack of unit-diagonal positive semi-definite 3×3 matrices that pass
    :func:`invert_gram`'s test (smallest eigenvalue > 1e-13 × largest) on their determinant alone.

    Leading principal minors all positive (Sylvester) make the matrix positive definite; with a unit
    diagonal its eigenvalues then sum to 3, so the largest is at most 3 and the product of
    the two largest at most 2.25: det > 1e-11 gives a smallest eigenvalue above 4e-12 > 1e-13 × 3,
    with a margin of 15 over the rounding of either computation. The other rows (about one in ten
    on hard curves) go to the eigenvalues."""
    a, b, d = A[:, 0, 0], A[:, 0, 1], A[:, 1, 1]
    return (a > 0) & (a * d - b * b > 0) & (det > 1e-11)


def _invert3(A: np.ndarray, good: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """Invert the regular rows of a unit-diagonal 3×3 stack into ``inv``; returns which were."""
    _, cof, det = _minors3(A)
    regular = good & _clearly_regular3(A, det)
    unsure = good & ~regular
    if unsure.any():
        sv = np.abs(np.linalg.eigvalsh(A[unsure]))
        regular[np.flatnonzero(unsure)[sv.min(axis=1) > 1e-13 * sv.max(axis=1)]] = True
    closed = regular & (det > _ADJUGATE_DET)
    c00, c01, c02, c11, c12, c22 = (c / det for c in cof)
    for (i, j), c in zip(((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)), (c00, c01, c02, c11, c12, c22)):
        inv[:, i, j] = inv[:, j, i] = np.where(closed, c, np.nan)
    lu = np.flatnonzero(regular & ~closed)
    if lu.size:
        inv[lu] = np.linalg.inv(A[lu])
    return regular


def invert_gram(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """inv(A) for a stack of symmetric matrices (m, k, k), and which rows are singular.

    Batched throughout: singularity is decided from the singular values (smallest ≤ 1e-13 × largest,
    or non-finite; for these symmetric matrices the absolute eigenvalues, which ``eigvalsh`` gives
    in about half the time of an SVD), and only regular rows are inverted.

    Examples
    --------
    >>> A = np.array([[[4.0, 2.0], [2.0, 3.0]], [[1.0, 1.0], [1.0, 1.0]]])
    >>> inv, singular = invert_gram(A)
    >>> bool(np.allclose(inv[0] @ A[0], np.eye(2))), singular.tolist()
    (True, [False, True])
    """
    m, k = A.shape[0], A.shape[1]
    inv = np.full((m, k, k), np.nan)
    good = rows_all(np.isfinite(A).reshape(m, k * k))  # np.all over axes (1, 2), faster
    # equilibrated (unit diagonal) before the singularity test and the inversion, and scaled back
    # after: the test is then invariant to the parameters' scales (rates or concentrations of 1e-30)
    with np.errstate(all="ignore"):
        d = np.sqrt(np.abs(np.diagonal(A, axis1=1, axis2=2)))
        d = np.where((d > 0) & np.isfinite(d), d, 1.0)
        A = A / d[:, :, None] / d[:, None, :]
        if k == 1:
            good &= A[:, 0, 0] != 0
            inv[good] = 1.0 / A[good]
        elif k == 2:  # closed form (most batched fits are two-parameter hyperbolas)
            a, b, e = A[:, 0, 0], A[:, 0, 1], A[:, 1, 1]
            det = a * e - b * b
            good &= det != 0
            inv[:, 0, 0], inv[:, 1, 1] = e / det, a / det
            inv[:, 0, 1] = inv[:, 1, 0] = -b / det
        elif k == 3 and good.any():
            good = _invert3(A, good, inv)
        elif good.any():
            sv = np.abs(np.linalg.eigvalsh(A[good]))
            sel = np.flatnonzero(good)[sv.min(axis=1) > 1e-13 * sv.max(axis=1)]
            good[:] = False
            good[sel] = True
            if sel.size:
                inv[sel] = np.linalg.inv(A[sel])
        # overflow: a row whose variance is not finite is singular
        inv = inv / d[:, :, None] / d[:, None, :]
        diag = np.diagonal(inv, axis1=1, axis2=2)
        ok = good & rows_all(np.isfinite(inv).reshape(m, k * k)) & rows_all(diag >= 0)
    inv[~ok] = np.nan
    return inv, ~ok
