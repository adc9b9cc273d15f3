"""The exact 1:1 complex from totals: the cancellation-free quadratic root, valid up to the float range.

Used by the rate laws (MgATP from total ATP and Mg) and by :mod:`mgkinetics.speciation.equilibrium`
(its starting values), which re-exports :func:`mgatp_complex`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mgkinetics.errors import SpeciationError

__all__ = ["mgatp_complex"]


def mgatp_complex(atp_total: Any, mg_total: Any, kd: Any) -> Any:
    """Exact 1:1 complex concentration from totals (all in one unit).

    ``ML = 2·M·L / (b + √(b² − 4·M·L))``, b = M + L + Kd: the textbook root rewritten so
    that it loses no digits when M·L ≪ b² (science.md §2, eq. 1). Where b exceeds 2^500
    (≈ 3e150, where b² would overflow) b and the discriminant, written (M − L)² + Kd·(2M + 2L + Kd),
    are taken of the inputs scaled by a power of two (exact), so that the result is finite and
    correct up to the float range; below 2^500 the arithmetic is the formula above.

    Examples
    --------
    >>> round(float(mgatp_complex(1.0, 1.0, 0.067)), 4)
    0.7725
    >>> float(mgatp_complex(1e300, 2e300, 0.067))  # ≈ min(M, L) when both far exceed Kd
    1e+300
    """
    atp = np.asarray(atp_total, dtype=float)
    mg = np.asarray(mg_total, dtype=float)
    kd_ = np.asarray(kd, dtype=float)
    if np.any(np.asarray(kd) <= 0):
        raise SpeciationError("Kd must be > 0")
    with np.errstate(over="ignore"):  # b = inf only where every input is finite: the scaled branch
        b = atp + mg + kd_
    huge = ~(b <= _SCALED_ABOVE) & np.isfinite(atp) & np.isfinite(mg) & np.isfinite(kd_)
    if not huge.any():
        out = _complex_root(atp * mg, b)
        return float(out) if out.ndim == 0 else out
    atp, mg, kd_, b, huge = np.broadcast_arrays(atp, mg, kd_, b, huge)
    out = np.empty(b.shape)
    ordinary = ~huge
    out[ordinary] = _complex_root(atp[ordinary] * mg[ordinary], b[ordinary])
    out[huge] = _scaled_complex_root(atp[huge], mg[huge], kd_[huge])
    return float(out) if out.ndim == 0 else out


#: Above this b (2^500) :func:`mgatp_complex` scales its inputs: b² would overflow near 1.3e154.
_SCALED_ABOVE = 2.0**500


def _complex_root(ml: np.ndarray, b: np.ndarray) -> np.ndarray:
    disc = np.sqrt(np.maximum(b * b - 4.0 * ml, 0.0))
    return 2.0 * ml / (b + disc)


def _scaled_complex_root(atp: np.ndarray, mg: np.ndarray, kd: np.ndarray) -> np.ndarray:
    """The root for huge totals: b and the discriminant of the inputs times 2^-e (exact; e the
    exponent of the largest), ML = (2·big'/(b' + disc')) · small, where big' is the larger total
    scaled and small the smaller one as given, so that no product under- or overflows."""
    _, exponent = np.frexp(np.maximum(np.maximum(np.abs(atp), np.abs(mg)), kd))
    m, lig, k = (np.ldexp(x, -exponent) for x in (atp, mg, kd))
    disc = np.sqrt(np.maximum((m - lig) ** 2 + k * (2.0 * m + 2.0 * lig + k), 0.0))
    atp_larger = np.abs(atp) >= np.abs(mg)
    big_scaled = np.where(atp_larger, m, lig)
    small = np.where(atp_larger, mg, atp)
    return 2.0 * big_scaled / (m + lig + k + disc) * small
