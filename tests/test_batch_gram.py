"""invert_gram (batch.gram): the adjugate path for well-conditioned 3x3 Gram matrices and the LU
path for the rest agree with numpy's LU inverse; singular rows are flagged, not inverted.

Expected values: ``np.linalg.inv`` of each matrix (LAPACK LU with pivoting); the tolerance is
1e-12 x the condition number (the forward error of either inversion)."""

from __future__ import annotations

import numpy as np
import pytest

from mgkinetics.batch.gram import _ADJUGATE_DET, invert_gram


def _gram_stack(rng, m, cond):
    """m symmetric positive-definite 3x3 matrices of condition number ``cond`` and random scales."""
    Q, _ = np.linalg.qr(rng.standard_normal((m, 3, 3)))
    eig = np.stack([np.ones(m), np.full(m, np.sqrt(cond)), np.full(m, cond)], axis=1)
    A = Q @ (eig[:, :, None] * np.swapaxes(Q, 1, 2))
    scale = 10.0 ** rng.uniform(-20, 20, (m, 3))  # parameters on scales from 1e-20 to 1e20
    return 0.5 * (A + np.swapaxes(A, 1, 2)) * scale[:, :, None] * scale[:, None, :]


@pytest.mark.parametrize("cond", [3.0, 1e2, 1e5, 1e9])
def test_inverse_matches_lu(cond):
    rng = np.random.default_rng(int(np.log10(cond)) + 7)
    A = _gram_stack(rng, 400, cond)
    inv, singular = invert_gram(A)
    assert not singular.any()
    d = np.sqrt(np.diagonal(A, axis1=1, axis2=2))
    ref = np.linalg.inv(A / d[:, :, None] / d[:, None, :]) / d[:, :, None] / d[:, None, :]
    rel = np.abs(inv - ref) / np.abs(ref).max(axis=(1, 2), keepdims=True)
    assert rel.max() <= 1e-12 * cond


def test_both_paths_are_taken_and_agree():
    """A stack mixing well- and ill-conditioned rows: the adjugate takes the first, LU the second."""
    rng = np.random.default_rng(3)
    A = np.concatenate([_gram_stack(rng, 50, 2.0), _gram_stack(rng, 50, 1e8)])
    d = np.sqrt(np.diagonal(A, axis1=1, axis2=2))
    Ae = A / d[:, :, None] / d[:, None, :]
    det = np.linalg.det(Ae)
    assert (det[:50] > _ADJUGATE_DET).all() and (det[50:] < _ADJUGATE_DET).all()
    inv, singular = invert_gram(A)
    assert not singular.any()
    eye = np.einsum("mij,mjk->mik", Ae, inv * d[:, :, None] * d[:, None, :])
    assert np.abs(eye[:50] - np.eye(3)).max() < 1e-13
    assert np.abs(eye[50:] - np.eye(3)).max() < 1e-7


def test_singular_and_non_finite_rows_are_flagged():
    A = np.tile(np.eye(3), (4, 1, 1))
    A[1] = [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]  # rank 2
    A[2, 0, 0] = np.nan
    A[3] = np.outer([1.0, 1e-7, 3.0], [1.0, 1e-7, 3.0])  # rank 1, on mixed scales
    inv, singular = invert_gram(A)
    assert singular.tolist() == [False, True, True, True]
    assert np.isnan(inv[1:]).all()
    np.testing.assert_array_equal(inv[0], np.eye(3))
