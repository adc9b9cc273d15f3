"""Row scaling of the speciation solver for totals at the ends of the float range.

The equilibrium is homogeneous of degree one in the concentrations: multiplying every total and
every Kd of a row by λ multiplies every free species and complex by λ.  With λ a power of two the
scaling is exact, so a row whose totals lie far outside the ordinary range (a total above 2^200 ≈
1.6e60 or all totals below 2^-200) is solved at totals near 1, where products such as L·m and
sums such as m + bound neither overflow nor underflow, and scaled back.  Rows inside the range are
not touched (their results are bit-for-bit those of the unscaled solver).

The exponent puts the free metal near 1 when scaled (:func:`row_exponents`), so that it keeps
its digits.  A total ~1e308 times below the scale becomes 0 when scaled: it is negligible in the
mass balances of the larger species, and the free ligands and complexes are computed from the
unscaled totals (binding fractions are ratios and need no scaling).  A Kd that the scaling would
take below the smallest normal float is held there: such a complex is formed completely and only
the tiny free amounts it leaves lose digits.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ORDINARY_EXPONENT", "all_ordinary", "row_exponents", "scale_rows", "unscale_rows"]

#: Rows whose largest total has a binary exponent within ±ORDINARY_EXPONENT are solved as given.
ORDINARY_EXPONENT = 200

_SMALLEST_NORMAL = float(np.finfo(float).tiny)
_LARGEST = float(np.finfo(float).max)


def all_ordinary(totals: list[np.ndarray]) -> bool:
    """Whether every row's largest total is 0 or within 2^±ORDINARY_EXPONENT (two passes over the
    rows, against about a dozen for :func:`row_exponents`): then no row is scaled."""
    largest = np.maximum.reduce([np.abs(t) for t in totals]) if len(totals) > 1 else np.abs(totals[0])
    low, high = 2.0**-ORDINARY_EXPONENT, 2.0**ORDINARY_EXPONENT
    return bool(np.all(((largest >= low) & (largest <= high)) | (largest == 0)))


def row_exponents(
    metal_totals: list[np.ndarray], ligand_totals: list[np.ndarray], kds: list[np.ndarray]
) -> np.ndarray:
    """Binary exponent e per row (0 for ordinary rows): the row is solved at concentrations × 2^-e.

    e is the middle of the exponents of the largest metal total M and of a lower bound of the free
    metal, M / (1 + Σ L_T / min Kd) (exponents only, so nothing overflows), so that the free metal,
    between them, keeps its digits when scaled; but never so low that the largest scaled total
    exceeds 2^960 (sums of totals stay finite).

    Examples
    --------
    >>> totals = np.array([2.0, 2e200, 2e-300, 0.0])
    >>> row_exponents([totals], [totals / 2], [np.full(4, 0.067)]).tolist()
    [0, 332, -995, 0]
    """
    metal = np.max([np.abs(np.asarray(t, dtype=float)) for t in metal_totals], axis=0)
    ligand_sum = np.sum([np.abs(np.asarray(t, dtype=float)) for t in ligand_totals], axis=0)
    largest = np.maximum(metal, np.max([np.abs(np.asarray(t, dtype=float)) for t in ligand_totals], axis=0))
    smallest_kd = np.min([np.asarray(k, dtype=float) for k in kds], axis=0) if kds else np.ones_like(largest)
    e_max, e_metal, e_ligands, e_kd = (
        np.frexp(np.where(np.isfinite(x) & (x > 0), x, 1.0))[1].astype(np.int64)
        for x in (largest, metal, ligand_sum, smallest_kd)
    )
    e_free_low = e_metal - np.maximum(0, e_ligands - e_kd)
    middle = np.where(metal > 0, (e_metal + e_free_low) // 2, e_max)
    outside = (largest > 0) & np.isfinite(largest) & (np.abs(e_max) > ORDINARY_EXPONENT)
    return np.where(outside, np.maximum(middle, e_max - 960), 0).astype(np.int64)


def scale_rows(values: list[np.ndarray], exponents: np.ndarray, *, is_kd: bool = False) -> list[np.ndarray]:
    """Each array times 2^-e row by row (exact); Kds are held within the normal floats (a Kd beyond
    the largest float binds nothing at these totals, one below the smallest binds completely)."""
    out = []
    for v in values:
        with np.errstate(over="ignore", under="ignore"):
            s = np.ldexp(v, -exponents)
        if is_kd:
            s = np.where(exponents != 0, np.clip(s, _SMALLEST_NORMAL, _LARGEST), v)
        out.append(s)
    return out


def unscale_rows(values: list[np.ndarray], exponents: np.ndarray) -> list[np.ndarray]:
    """Each array times 2^e row by row: the solution of the scaled rows in the caller's unit."""
    with np.errstate(over="ignore", under="ignore"):
        return [np.ldexp(v, exponents) for v in values]
