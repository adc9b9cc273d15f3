"""Second derivatives of the classic three-parameter laws in log coordinates, for Newton steps (numpy).

With θ = log p for every parameter, the laws' second derivatives are short products of the model
value and two ratios, so the second-order term Σ rᵢ·wᵢ·∂²fᵢ/∂θ∂θ of the cost's Hessian costs a
few element-wise operations and reductions instead of k extra Jacobians by differences. Each rule
returns the model value ``f`` and the entries ``{(a, b): ∂²f/∂θa∂θb}`` for a ≤ b of the three
parameters (0, 1, 2 in the law's order), each of shape ``(m, L)``; entries that equal ``f`` or a
first derivative are included (∂θ_V of f is f, because f is proportional to V).

Derivations (θ = log p, so ∂p/∂θ = p):

* competitive, f = V·s/D, D = K + K·i/Ki + s; with g = (K + K·i/Ki)/D, h = (K·i/Ki)/D:
  f_K = −f·g, f_Ki = f·h, f_KK = f·g·(2g − 1), f_KKi = f·h·(1 − 2g), f_KiKi = f·h·(2h − 1);
* substrate inhibition, f = V·s/D, D = K + s + s²/Ksi; with g = K/D, h = (s²/Ksi)/D:
  f_K = −f·g, f_Ksi = f·h, f_KK = f·g·(2g − 1), f_KKsi = −2·f·g·h, f_KsiKsi = f·h·(2h − 1);
* Hill, f = V·Q, Q = 1/(1 + t), t = (K/s)ⁿ, ℓ = log(K/s), z = Q·(1 − Q), c = 2Q − 1:
  f_K = −V·n·z, f_n = −V·n·ℓ·z, f_KK = −V·n²·z·c, f_Kn = −V·n·z·(1 + n·ℓ·c),
  f_nn = −V·n·ℓ·z·(1 + n·ℓ·c) (zero where Q is 0 or 1: S = 0 or saturated in floating point).

tests/test_batch_newton.py checks every entry against central differences of the law's function.
"""

from __future__ import annotations

import numpy as np

from mgkinetics.batch.jacobians import param_columns
from mgkinetics.laws import ratelaws

__all__ = ["log_second_derivatives"]


def _ratio_terms(f, g, h):
    """The K–K, K–K', K'–K' entries shared by the two laws whose denominator is linear in K."""
    return {(1, 1): f * g * (2 * g - 1), (2, 2): f * h * (2 * h - 1)}


def _competitive(inputs, P):
    s, i = np.asarray(inputs[0], float), np.asarray(inputs[1], float)
    v, km, ki = param_columns(P, s)
    # q = KM·I/Ki, 1/(KM + q + S), f = Vmax·S/(...), g = (KM + q)/(...), h = q/(...) and the
    # entries below, operation by operation as written in _ratio_terms, with fewer temporaries
    q = km * i
    q /= ki
    g = km + q
    inv = g + s
    np.divide(1.0, inv, out=inv)
    f = v * s
    f *= inv
    g *= inv
    h = q
    h *= inv
    fg, fh = f * g, f * h
    kk, ii, ki_ = 2 * g, 2 * h, 2 * g
    kk -= 1
    kk *= fg  # f·g·(2g − 1)
    ii -= 1
    ii *= fh  # f·h·(2h − 1)
    np.subtract(1, ki_, out=ki_)
    ki_ *= fh  # f·h·(1 − 2g)
    return {(1, 1): kk, (2, 2): ii, (1, 2): ki_, (0, 0): f, (0, 1): -fg, (0, 2): fh}


def _substrate_inhibition(inputs, P):
    s = np.asarray(inputs[0], float)
    v, km, ksi = param_columns(P, s)
    q = s * s / ksi
    inv = 1.0 / (km + s + q)
    f = v * s * inv
    g, h = km * inv, q * inv
    out = _ratio_terms(f, g, h)
    out[(1, 2)] = -2 * f * g * h
    out.update({(0, 0): f, (0, 1): -f * g, (0, 2): f * h})
    return out


def _hill(inputs, P):
    s = np.asarray(inputs[0], float)
    v, k, n = param_columns(P, s)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        ratio = np.where(s > 0, k / np.where(s > 0, s, 1.0), np.inf)
        q = 1.0 / (1.0 + ratio**n)
        inner = (q > 0) & (q < 1)
        z = np.where(inner, q * (1.0 - q), 0.0)
        ell = np.log(np.where(inner, ratio, 1.0))
        c = 2 * q - 1
        vnz = v * n * z
        f_k = -vnz
        f_n = -vnz * ell
        mixed = 1 + n * ell * c
        out = {
            (0, 0): v * q,
            (0, 1): f_k,
            (0, 2): f_n,
            (1, 1): -vnz * n * c,
            (1, 2): f_k * mixed,
            (2, 2): f_n * mixed,
        }
    return out


_RULES = {
    ratelaws.competitive: (("vmax", "km", "ki"), _competitive),
    ratelaws.substrate_inhibition: (("vmax", "km", "ksi"), _substrate_inhibition),
    ratelaws.hill: (("vmax", "k_half", "n"), _hill),
}


def log_second_derivatives(func, param_names, inputs, P: np.ndarray, vary) -> list[list[np.ndarray]] | None:
    """∂²f/∂θa∂θb (θ = log p) for the fitted columns ``vary``, as a k × k nested list of (m, L)
    arrays; None when the law has no analytic rule (the caller then uses differences).

    Examples
    --------
    V = 2, KM = 1, Ki = 1 at S = 1, I = 1: D = 3, f = 2/3, g = 2/3, h = 1/3, so f_KK = 4/27 and
    f_KKi = −2/27:

    >>> P = np.array([[2.0, 1.0, 1.0]])
    >>> ones = np.array([[1.0]])
    >>> H = log_second_derivatives(ratelaws.competitive, ("vmax", "km", "ki"), [ones, ones], P, [0, 1, 2])
    >>> [round(float(H[1][1][0, 0]) * 27, 12), round(float(H[1][2][0, 0]) * 27, 12)]
    [4.0, -2.0]
    """
    rule = _RULES.get(func)
    if rule is None or rule[0] != tuple(param_names):
        return None
    with np.errstate(all="ignore"):
        entries = rule[1](inputs, P)
    vary = list(vary)
    return [[entries[(min(a, b), max(a, b))] for b in vary] for a in vary]
