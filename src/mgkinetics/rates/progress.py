"""Integrated Michaelis–Menten progress curves in closed form, and their global fit across wells.

The substrate left at time t solves Km·ln(S₀/S) + (S₀ − S) = V·t (Schnell & Mendoza 1997). Written
with the Wright omega function, S = Km·ω(ln(S₀/Km) + (S₀ − V·t)/Km), the form stays finite where
the Lambert-W form ``Km·W((S₀/Km)·exp((S₀ − V·t)/Km))`` overflows (S₀/Km ≳ 700); see
``shared/traces.md`` §2.2. Competitive product inhibition, −dS/dt = V·S/(Km·(1 + P/Ki) + S) with
P = S₀ − S, has a closed form of the same kind (traces.md §2.3). The math functions take the time
first and the parameters as keywords and import only numpy and scipy.special.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mm_substrate", "mm_substrate_jacobian", "mm_product"]


def _omega(y):
    from scipy.special import wrightomega

    return np.real(wrightomega(np.asarray(y, dtype=float)))


def _inhibited_substrate(t, s0, vmax, km, ki):
    """Competitive product inhibition: a·(S₀ − S) + b·ln(S₀/S) = V·t (traces.md §2.3)."""
    from scipy.special import lambertw

    a = 1.0 - km / ki
    b = km * (1.0 + s0 / ki)
    a_b = np.broadcast_arrays(np.asarray(t, dtype=float), a, b, s0, vmax)
    t, a, b, s0, vmax = (np.asarray(x, dtype=float) for x in a_b)
    out = np.empty_like(t)
    pos, neg, zero = a > 0, a < 0, a == 0
    with np.errstate(divide="ignore"):
        out[pos] = (b[pos] / a[pos]) * _omega(
            np.log(a[pos] * s0[pos] / b[pos]) + (a[pos] * s0[pos] - vmax[pos] * t[pos]) / b[pos]
        )
    # a < 0 (Ki < Km): the argument lies in (−1/e, 0), where W₀ is the physical branch
    z = (a[neg] * s0[neg] / b[neg]) * np.exp((a[neg] * s0[neg] - vmax[neg] * t[neg]) / b[neg])
    out[neg] = (b[neg] / a[neg]) * np.real(lambertw(z, 0))
    out[zero] = s0[zero] * np.exp(-vmax[zero] * t[zero] / b[zero])
    return out


def mm_substrate(t, s0=1.0, vmax=1.0, km=1.0, ki_product=np.inf):
    """Substrate left at time t under Michaelis–Menten kinetics (closed form, no ODE).

    Parameters
    ----------
    t : array_like
        Time since mixing, in the time unit of ``vmax``. Negative times extrapolate backwards
        along the same curve (S > S₀), which is how a lag is modelled.
    s0, vmax, km : float or array_like
        Initial substrate, maximal rate (concentration per time) and Michaelis constant, in one
        concentration unit; broadcast against ``t``.
    ki_product : float, optional
        Competitive inhibition constant of the product (same concentration unit); ``inf`` (default)
        means no product inhibition.

    Returns
    -------
    numpy.ndarray
        S(t) in the unit of ``s0``.

    Examples
    --------
    >>> round(float(mm_substrate(0.0, s0=5.0, vmax=1.0, km=2.0)), 12)
    5.0
    >>> s = float(mm_substrate(3.0, s0=5.0, vmax=1.0, km=2.0))  # Km·ln(S0/S) + S0 − S = V·t
    >>> round(float(2.0 * np.log(5.0 / s) + 5.0 - s), 10)
    3.0
    """
    t = np.asarray(t, dtype=float)
    if np.all(np.isinf(ki_product)):
        y = np.log(np.divide(s0, km)) + (np.asarray(s0, dtype=float) - np.multiply(vmax, t)) / km
        return np.asarray(km * _omega(y), dtype=float)
    return _inhibited_substrate(t, s0, vmax, km, ki_product)


def mm_product(t, s0=1.0, vmax=1.0, km=1.0, ki_product=np.inf):
    """Product formed by time t, P = S₀ − S(t); absolute accuracy about 1e-15·S₀.

    Examples
    --------
    >>> round(float(mm_product(1e-6, s0=1e4, vmax=2.0, km=1.0)) / 1e-6, 5)  # ≈ v₀·t, v₀ = V·S₀/(Km+S₀)
    1.9998
    """
    s = mm_substrate(t, s0=s0, vmax=vmax, km=km, ki_product=ki_product)
    return np.asarray(s0, dtype=float) - s


def mm_substrate_jacobian(t, s0=1.0, vmax=1.0, km=1.0):
    """Analytic derivatives of :func:`mm_substrate` (no product inhibition).

    With y = ln(S₀/Km) + (S₀ − V·t)/Km and S = Km·ω(y), dω/dy = ω/(1 + ω), so
    ∂S/∂V = −t·ω/(1 + ω), ∂S/∂Km = ω + Km·ω/(1 + ω)·(−1/Km − (S₀ − V·t)/Km²),
    ∂S/∂t = −V·ω/(1 + ω) (traces.md §2.2).

    Returns
    -------
    dict
        ``{"s": S, "dvmax": ∂S/∂V, "dkm": ∂S/∂Km, "dt": ∂S/∂t}``, arrays broadcast like ``t``.

    Examples
    --------
    >>> d = mm_substrate_jacobian(0.0, s0=5.0, vmax=1.0, km=2.0)
    >>> round(float(d["dt"]), 12)  # −v₀ = −V·S₀/(Km + S₀)
    -0.714285714286
    """
    t = np.asarray(t, dtype=float)
    s0 = np.asarray(s0, dtype=float)
    y = np.log(s0 / km) + (s0 - vmax * t) / km
    w = _omega(y)
    dw = w / (1.0 + w)
    return {
        "s": km * w,
        "dvmax": -t * dw,
        "dkm": w + km * dw * (-1.0 / km - (s0 - vmax * t) / km**2),
        "dt": -vmax * dw,
    }
