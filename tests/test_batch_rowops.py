"""batch/rowops.py against numpy's own per-row reductions and gathers: identical results (the
reductions are exact, so equality, not a tolerance), on random arrays with NaN and ±inf, for every
column count from 1 to 12 (the whole-column and the transposed paths) and for no rows."""

from __future__ import annotations

import numpy as np
import pytest

from mgkinetics.batch.rowops import rows_all, rows_any, rows_count, rows_max, rows_min, rows_sum, take_rows


@pytest.mark.parametrize("k", range(1, 13))
@pytest.mark.parametrize("m", [0, 1, 37])
def test_equal_to_numpy(m, k):
    rng = np.random.default_rng(m * 100 + k)
    x = rng.standard_normal((m, k))
    x[rng.random((m, k)) < 0.05] = np.nan
    x[rng.random((m, k)) < 0.05] = np.inf
    x[rng.random((m, k)) < 0.05] = -np.inf
    b = x > 0.3
    np.testing.assert_array_equal(rows_max(x), np.max(x, axis=1))
    np.testing.assert_array_equal(rows_min(x), np.min(x, axis=1))
    np.testing.assert_array_equal(rows_all(b), np.all(b, axis=1))
    np.testing.assert_array_equal(rows_any(b), np.any(b, axis=1))
    idx = rng.integers(0, max(m, 1), 5) if m else np.zeros(0, dtype=int)
    np.testing.assert_array_equal(take_rows(x, idx), x[idx])
    assert rows_max(x).dtype == x.dtype and rows_all(b).dtype == bool


def test_inputs_are_not_modified_and_no_columns():
    x = np.array([[1.0, np.nan], [2.0, 3.0]])
    before = x.copy()
    rows_max(x), rows_min(x)
    np.testing.assert_array_equal(x, before)
    empty = np.zeros((3, 0), dtype=bool)
    assert rows_all(empty).tolist() == [True] * 3 and rows_any(empty).tolist() == [False] * 3
    with pytest.raises(ValueError):
        rows_max(np.zeros((3, 0)))


@pytest.mark.parametrize("n", [*range(0, 41), 64, 127, 128, 129, 200])
def test_rows_sum_is_numpys_sum_bit_for_bit(n):
    """rows_sum repeats numpy's pairwise order: equal bits (signed zeros too), on values of very
    different magnitudes (where another order would round differently), NaN and ±inf."""
    rng = np.random.default_rng(n)
    x = rng.standard_normal((300, n)) * np.exp(rng.uniform(-30, 30, (300, n)))
    x[rng.random(x.shape) < 0.2] = -0.0
    x[:5][rng.random((5, n)) < 0.2] = np.nan
    x[5:10][rng.random((5, n)) < 0.2] = np.inf
    x[10:15][rng.random((5, n)) < 0.2] = -np.inf
    with np.errstate(invalid="ignore"):
        got, want = rows_sum(x), np.sum(x, axis=1)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    f = np.asfortranarray(x)  # another layout: numpy's own sum (its order differs there)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(rows_sum(f), np.sum(f, axis=1))


@pytest.mark.parametrize("n", [0, 1, 5, 12, 40])
def test_rows_count_is_numpys_count(n):
    mask = np.random.default_rng(n).random((57, n)) < 0.6
    got, want = rows_count(mask), np.sum(mask, axis=1)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == want.dtype
