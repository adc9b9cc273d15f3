"""The laws' starting-value rules (:mod:`mgkinetics.laws.guesses`) over rows of padded arrays.

Each function takes the law's inputs and the rates as ``(m, L)`` arrays and a ``valid`` mask of the
real (not padded) points, and returns one start per row for each parameter, following the scalar
rule step by step (same subsets, same fallbacks), so a curve starts where :func:`mgkinetics.fit`
would start it. :func:`vector_guess` picks the rule of a law, or returns None when the law has no
vectorised rule (its rule then runs curve by curve).
"""

from __future__ import annotations

import numpy as np

from mgkinetics.batch.rowops import rows_any, rows_count, rows_max, rows_min, rows_sum
from mgkinetics.laws import guesses
from mgkinetics.laws.registry import RateLaw

__all__ = ["hanes_woolf", "vector_guess"]


def _line(x: np.ndarray, y: np.ndarray, mask: np.ndarray):
    """Per-row least-squares slope and intercept over the masked points (NaN where undetermined)."""
    return _masked_line(x, np.where(mask, y, 0.0), mask, rows_count(mask))


def _masked_line(x: np.ndarray, yz: np.ndarray, mask: np.ndarray, count: np.ndarray):
    """:func:`_line` of ``y`` given as ``yz`` (0 off the mask, as ``np.where(mask, y, 0.0)``) and the
    mask's count per row: the same numbers, without making them again."""
    c = np.maximum(count, 1)
    xz = np.where(mask, x, 0.0)
    xm, ym = rows_sum(xz) / c, rows_sum(yz) / c
    dx = np.where(mask, x - xm[:, None], 0.0)
    sxx = rows_sum(dx * dx)
    slope = rows_sum(dx * np.where(mask, yz - ym[:, None], 0.0)) / np.where(sxx > 0, sxx, np.nan)
    return slope, ym - slope * xm


def _span(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return rows_max(np.where(mask, x, -np.inf)) - rows_min(np.where(mask, x, np.inf))


def hanes_woolf(s: np.ndarray, v: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`mgkinetics.laws.guesses.hyperbola` over rows of padded arrays.

    ``valid`` marks the points to use. Returns (Vmax, KM) per row, with the same fallbacks
    (1.1·max |v| and the median positive S).

    Examples
    --------
    >>> s = np.array([[1.0, 2.0, 4.0, 8.0]]); v = 10 * s / (2 + s)
    >>> [round(float(x[0]), 6) for x in hanes_woolf(s, v, np.ones_like(s, bool))]
    [10.0, 2.0]
    """
    s = np.asarray(s, dtype=float)
    v = np.asarray(v, dtype=float)
    with np.errstate(all="ignore"):
        ok = valid & (s > 0) & (v > 0) & np.isfinite(s) & np.isfinite(v)
        vmax_fb = 1.1 * rows_max(np.where(valid & ~np.isnan(v), np.abs(v), -np.inf))
        vmax_fb = np.where(np.isneginf(vmax_fb), np.nan, vmax_fb)
        vmax_fb = np.where(vmax_fb <= 0, 1.0, vmax_fb)
        count = rows_count(ok)
        slope, intercept = _masked_line(s, np.where(ok, s / v, 0.0), ok, count)  # s/v is 0 off ok
        good = (count >= 2) & (_span(s, ok) > 0) & (slope > 0) & (intercept > 0)
        vmax = np.where(good, 1.0 / slope, vmax_fb)
        km = np.where(good, intercept / slope, 1.0)
        pos = valid & (s > 0)
        need = np.flatnonzero(~good & rows_any(pos))
        if need.size:  # np.nanmedian of the positive S, by one sort (nanmedian's masked path is slow)
            km[need] = _masked_median(s[need], pos[need])
    return vmax, km


def _masked_median(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-row median of the masked entries (each row has at least one), as ``np.median`` gives it
    (the mean of the two middle values for an even count), by one sort instead of ``nanmedian``."""
    srt = np.sort(np.where(mask, x, np.inf), axis=1)
    c = rows_count(mask)
    r = np.arange(x.shape[0])
    return (srt[r, (c - 1) // 2] + srt[r, c // 2]) / 2


def _masked_max(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return rows_max(np.where(mask & ~np.isnan(x), x, -np.inf))


def substrate_inhibition(ins, v, valid) -> dict[str, np.ndarray]:
    """:func:`mgkinetics.laws.guesses.substrate_inhibition` per row."""
    s = ins["substrate"]
    first = np.argmax(np.where(valid & ~np.isnan(v), v, -np.inf), axis=1)
    peak = s[np.arange(s.shape[0]), first]
    rising = valid & (s <= peak[:, None])
    use = np.where((rows_count(rising) >= 3)[:, None], rising, valid)
    vmax, km = hanes_woolf(s, v, use)
    smax = _masked_max(s, valid)
    with np.errstate(all="ignore"):
        ksi = np.where((peak > 0) & (km > 0), peak**2 / km, 10.0 * smax)
    return {"vmax": 1.5 * vmax, "km": km, "ksi": np.maximum(ksi, smax)}


def hill(ins, v, valid) -> dict[str, np.ndarray]:
    """:func:`mgkinetics.laws.guesses.hill` per row."""
    s = ins["substrate"]
    vmax, k_half = hanes_woolf(s, v, valid)
    vmax = np.maximum(vmax, 1.05 * _masked_max(v, valid))
    with np.errstate(all="ignore"):
        frac = v / vmax[:, None]
        ok = valid & (s > 0) & (frac > 0.1) & (frac < 0.9)
        logit = np.log(np.where(ok, frac / (1 - frac), 1.0))
        slope, intercept = _line(np.log(np.where(ok, s, 1.0)), logit, ok)
        use = (rows_count(ok) >= 2) & (_span(s, ok) > 0) & (slope > 0.2) & (slope < 10)
        n = np.where(use, slope, 1.0)
        k_half = np.where(use, np.exp(-intercept / slope), k_half)
    return {"vmax": vmax, "k_half": k_half, "n": n}


def inhibition(ins, v, valid) -> dict[str, np.ndarray]:
    """:func:`mgkinetics.laws.guesses.inhibition` per row (Vmax, KM at the lowest inhibitor level)."""
    s, i = ins["substrate"], ins["inhibitor"]
    lowest = rows_min(np.where(valid & ~np.isnan(i), i, np.inf))
    low = valid & (i <= lowest[:, None])
    use = np.where((rows_count(low & (s > 0)) >= 2)[:, None], low, valid)
    vmax, km = hanes_woolf(s, v, use)
    pos = valid & (i > 0) & ~np.isnan(i)
    ki = np.ones(s.shape[0])
    has = np.flatnonzero(rows_any(pos))
    if has.size:
        ki[has] = _masked_median(i[has], pos[has])
    return {"vmax": vmax, "km": km, "ki": ki}


def mixed_inhibition(ins, v, valid) -> dict[str, np.ndarray]:
    """:func:`mgkinetics.laws.guesses.mixed_inhibition` per row (α = 1 to start)."""
    return {**inhibition(ins, v, valid), "alpha": np.ones(v.shape[0])}


def _mm(ins, v, valid):
    vmax, km = hanes_woolf(ins["substrate"], v, valid)
    return {"vmax": vmax, "km": km}


def _mm_kcat(ins, v, valid):
    e = ins["enzyme"]
    with np.errstate(all="ignore"):
        turnover = np.where(e > 0, v / e, np.nan)
    kcat, km = hanes_woolf(ins["substrate"], turnover, valid)
    return {"kcat": kcat, "km": km}


_RULES = {
    guesses.michaelis_menten: _mm,
    guesses.michaelis_menten_kcat: _mm_kcat,
    guesses.substrate_inhibition: substrate_inhibition,
    guesses.hill: hill,
    guesses.inhibition: inhibition,
    guesses.mixed_inhibition: mixed_inhibition,
}


def vector_guess(law: RateLaw, inputs: dict[str, np.ndarray], v: np.ndarray, valid: np.ndarray):
    """Starts for a padded block by the law's rule, vectorised; None if the law has no such rule."""
    rule = _RULES.get(law.guess)
    return None if rule is None else rule(inputs, v, valid)
