"""Starting values from data (pure numpy).

A guess rule takes the law's inputs (a dict of arrays, already in the fit's working units) and
the observed rates, and returns a starting value for every parameter it knows. Rules never see
fitting machinery, so they are reused by the lmfit path and the batched engine alike.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = [
    "hyperbola",
    "michaelis_menten",
    "michaelis_menten_kcat",
    "substrate_inhibition",
    "hill",
    "inhibition",
    "mixed_inhibition",
]


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope and intercept in closed form (cheaper than polyfit, and silent)."""
    xm, ym = float(np.sum(x)) / x.size, float(np.sum(y)) / y.size
    dx = x - xm
    sxx = float(dx @ dx)
    slope = float(dx @ (y - ym)) / sxx if sxx > 0 else float("nan")
    return slope, ym - slope * xm


def hyperbola(s: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """Vmax and KM from a Hanes–Woolf regression (S/v against S), guarded for bad data.

    Hanes–Woolf weights the points more evenly than Lineweaver–Burk; the guard falls back to
    (1.1·max v, median S) when the regression gives non-positive values.

    Examples
    --------
    >>> s = np.array([1.0, 2.0, 4.0, 8.0]); v = 10 * s / (2 + s)
    >>> [round(x, 6) for x in hyperbola(s, v)]
    [10.0, 2.0]
    """
    s = np.asarray(s, dtype=float)
    v = np.asarray(v, dtype=float)
    ok = (s > 0) & (v > 0) & np.isfinite(s) & np.isfinite(v)
    s_ok = s[ok]
    if s_ok.size >= 2 and s_ok.max() > s_ok.min():
        slope, intercept = _line(s_ok, s_ok / v[ok])
        if slope > 0 and intercept > 0:
            return float(1.0 / slope), float(intercept / slope)
    # the fallback, only when the regression has nothing
    vmax_fallback = 1.1 * float(np.nanmax(np.abs(v))) if v.size else 1.0
    pos = s[s > 0]
    km_fallback = float(np.median(pos)) if pos.size else 1.0
    if vmax_fallback <= 0:
        vmax_fallback = 1.0
    return vmax_fallback, km_fallback


def michaelis_menten(inputs: Mapping[str, np.ndarray], rate: np.ndarray) -> dict[str, float]:
    """Vmax, KM for the Vmax-form Michaelis–Menten law."""
    vmax, km = hyperbola(inputs["substrate"], rate)
    return {"vmax": vmax, "km": km}


def michaelis_menten_kcat(inputs: Mapping[str, np.ndarray], rate: np.ndarray) -> dict[str, float]:
    """kcat, KM: the hyperbola fitted to v/[E] so rows at different [E] line up."""
    enzyme = np.asarray(inputs["enzyme"], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        turnover = np.where(enzyme > 0, rate / enzyme, np.nan)
    kcat, km = hyperbola(inputs["substrate"], turnover)
    return {"kcat": kcat, "km": km}


def substrate_inhibition(inputs: Mapping[str, np.ndarray], rate: np.ndarray) -> dict[str, float]:
    """Vmax, KM from the rising limb; Ksi from where the rate peaks (S_peak² = KM·Ksi)."""
    s = np.asarray(inputs["substrate"], dtype=float)
    v = np.asarray(rate, dtype=float)
    peak = float(s[np.nanargmax(v)]) if v.size else 1.0
    rising = s <= peak
    vmax, km = hyperbola(s[rising], v[rising]) if np.count_nonzero(rising) >= 3 else hyperbola(s, v)
    vmax *= 1.5  # inhibition depresses the observed plateau below Vmax
    ksi = peak**2 / km if peak > 0 and km > 0 else 10.0 * float(np.nanmax(s))
    ksi = max(ksi, float(np.nanmax(s)) if s.size else 1.0)
    return {"vmax": vmax, "km": km, "ksi": ksi}


def hill(inputs: Mapping[str, np.ndarray], rate: np.ndarray) -> dict[str, float]:
    """Vmax, K½ from the hyperbola; n from the slope of the Hill plot between 10 and 90 %."""
    s = np.asarray(inputs["substrate"], dtype=float)
    v = np.asarray(rate, dtype=float)
    vmax, k_half = hyperbola(s, v)
    vmax = max(vmax, 1.05 * float(np.nanmax(v)))
    frac = v / vmax
    ok = (s > 0) & (frac > 0.1) & (frac < 0.9)
    n = 1.0
    if np.count_nonzero(ok) >= 2 and np.ptp(s[ok]) > 0:
        slope, intercept = _line(np.log(s[ok]), np.log(frac[ok] / (1 - frac[ok])))
        if 0.2 < slope < 10:
            n = float(slope)
            k_half = float(np.exp(-intercept / slope))
    return {"vmax": vmax, "k_half": k_half, "n": n}


def _uninhibited(inputs: Mapping[str, np.ndarray], rate: np.ndarray) -> tuple[float, float]:
    s = np.asarray(inputs["substrate"], dtype=float)
    i = np.asarray(inputs["inhibitor"], dtype=float)
    low = i <= np.nanmin(i) if i.size else np.ones_like(s, dtype=bool)
    if np.count_nonzero(low & (s > 0)) >= 2:
        return hyperbola(s[low], rate[low])
    return hyperbola(s, rate)


def inhibition(inputs: Mapping[str, np.ndarray], rate: np.ndarray) -> dict[str, float]:
    """Vmax, KM from the rows at the lowest inhibitor level; Ki at the median inhibitor level."""
    vmax, km = _uninhibited(inputs, rate)
    i = np.asarray(inputs["inhibitor"], dtype=float)
    pos = i[i > 0]
    ki = float(np.median(pos)) if pos.size else 1.0
    return {"vmax": vmax, "km": km, "ki": ki}


def mixed_inhibition(inputs: Mapping[str, np.ndarray], rate: np.ndarray) -> dict[str, float]:
    """As :func:`inhibition`, with α = 1 (noncompetitive) to start."""
    return {**inhibition(inputs, rate), "alpha": 1.0}
