"""Row scaling of the speciation solver for totals at the ends of the float range.

The equilibrium is homogeneous of degree one in the concentrations: multiplying every total and
every Kd of a row by λ multiplies every free species and complex by λ.  With λ a power of two the
scaling is exact, so a row whose totals lie far outside the ordinary range (a total above 2^200 ≈
1.6e60 or all totals below 2^-200) is solved at totals near 1, where products such as L·m and
sums such as m + bound neither overflow nor underflow, and scaled back.  Rows inside the range are
not touched (their results are bit-for-bit those of the unscaled solver).

The exponent is the middle of the largest total's and the smallest Kd's, so that the free metal
(between them) is near 1 when scaled and keeps its digits.  A total ~1e308 times below the scale
becomes 0 when scaled: it is negligible in the mass balances of the larger species, and the free
ligands and complexes are computed from the unscaled totals (binding fractions are ratios and need
no scaling).  A Kd that the scaling would take below the smallest normal float is held there: such
a complex is formed completely and only the tiny free amounts it leaves lose digits.  Totals that
differ by more than ~1e150 with a free metal below ~1e-300 of the scale lose digits too.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ORDINARY_EXPONENT", "row_exponents", "scale_rows", "unscale_rows"]

#: Rows whose largest total has a binary exponent within ±ORDINARY_EXPONENT are solved as given.
ORDINARY_EXPONENT = 200

_SMALLEST_NORMAL = float(np.finfo(float).tiny)


def row_exponents(totals: list[np.ndarray], kds: list[np.ndarray]) -> np.ndarray:
    """Binary exponent e per row (0 for ordinary rows): the row is solved at concentrations × 2^-e.

    e is the middle of the exponents of the row's largest total and its smallest Kd (free metal
    lies between them in the cases that matter), but never so low that the largest scaled total
    exceeds 2^900 (sums of totals stay finite).

    Examples
    --------
    >>> row_exponents([np.array([1.0, 1e200, 1e-300, 0.0]), np.array([2.0, 1e200, 0.0, 0.0])],
    ...               [np.full(4, 0.067)]).tolist()
    [0, 331, -500, 0]
    """
    largest = np.max([np.abs(np.asarray(t, dtype=float)) for t in totals], axis=0)
    smallest_kd = np.min([np.asarray(k, dtype=float) for k in kds], axis=0) if kds else largest
    _, e_max = np.frexp(largest)
    _, e_kd = np.frexp(np.where(np.isfinite(smallest_kd) & (smallest_kd > 0), smallest_kd, largest))
    outside = (largest > 0) & np.isfinite(largest) & (np.abs(e_max) > ORDINARY_EXPONENT)
    middle = np.maximum((e_max.astype(np.int64) + e_kd.astype(np.int64)) // 2, e_max.astype(np.int64) - 900)
    return np.where(outside, middle, 0).astype(np.int64)


def scale_rows(values: list[np.ndarray], exponents: np.ndarray, *, is_kd: bool = False) -> list[np.ndarray]:
    """Each array times 2^-e row by row (exact); Kds are held at or above the smallest normal float."""
    out = []
    for v in values:
        with np.errstate(over="ignore", under="ignore"):
            s = np.ldexp(v, -exponents)
        if is_kd:
            s = np.where(exponents != 0, np.maximum(s, _SMALLEST_NORMAL), v)
        out.append(s)
    return out


def unscale_rows(values: list[np.ndarray], exponents: np.ndarray) -> list[np.ndarray]:
    """Each array times 2^e row by row: the solution of the scaled rows in the caller's unit."""
    with np.errstate(over="ignore", under="ignore"):
        return [np.ldexp(v, exponents) for v in values]
