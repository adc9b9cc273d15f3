"""Laws v = V·S/D with two constants, in the form :mod:`mgkinetics.batch.profiled` solves them.

With θ = log of the two constants, every log derivative of g = S/D up to the second is g times a
polynomial in two fractions of D, α and β:

* competitive inhibition, D = K·(1 + I/Ki) + S: α = K·(1 + I/Ki)/D, β = (K·I/Ki)/D;
  g_K = −g·α, g_Ki = g·β, g_KK = g·(2α² − α), g_KKi = g·(β − 2αβ), g_KiKi = g·(2β² − β);
* substrate inhibition, D = K + S + S²/Ksi: α = K/D, β = (S²/Ksi)/D;
  g_K = −g·α, g_Ksi = g·β, g_KK = g·(2α² − α), g_KKsi = −2g·αβ, g_KsiKsi = g·(2β² − β)

(the entries of :mod:`mgkinetics.batch.hessians` at V = 1). So the sums a profiled Newton step
needs, Σ w²y·g_· and Σ w²g·g_· and Σ w²·g_j·g_k, are fixed linear combinations of twelve sums,
Σ w²y·g·μ and Σ w²g²·μ over the monomials μ ∈ (1, α, β, α², αβ, β²): each pass over the data
computes g, α, β, their products and twelve reductions, not five derivative arrays.
tests/test_batch_profiled.py checks the combinations against the Hessian rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mgkinetics.laws import ratelaws

__all__ = ["RatioForm", "profile_sums", "ratio_form"]


@dataclass(frozen=True)
class RatioForm:
    """A law v = V·g, g = S/D, for the profiled solver.

    ``fractions(inputs, t1, t2, out)`` writes g, α and β for the constants ``t1``, ``t2``
    (arrays shaped like the inputs) into ``out`` (3, m, L). ``derivs`` (6 × 6) maps the monomial
    sums to the sums of g, g_1, g_2, g_11, g_12, g_22 (log derivatives); ``cross`` (3 × 6) maps
    the sums with weight w²g² to Σ w²·g_1², Σ w²·g_1·g_2, Σ w²·g_2².
    """

    fractions: Callable
    derivs: np.ndarray
    cross: np.ndarray


def _competitive(inputs, km, ki, out):
    s, i = inputs
    g, a, b = out
    np.multiply(km, i, out=b)
    b /= ki  # K·I/Ki
    np.add(km, b, out=a)  # K·(1 + I/Ki)
    np.add(a, s, out=g)
    np.divide(1.0, g, out=g)  # 1/D
    a *= g
    b *= g
    g *= s


def _substrate_inhibition(inputs, km, ksi, out):
    (s,) = inputs
    g, a, b = out
    np.multiply(s, s, out=b)
    b /= ksi  # S²/Ksi
    np.add(km, s, out=g)
    g += b
    np.divide(1.0, g, out=g)  # 1/D
    np.multiply(km, g, out=a)
    b *= g
    g *= s


def _form(first, second) -> tuple[np.ndarray, np.ndarray]:
    """``derivs`` and ``cross`` from g_j/g = first[j] · (α, β) and g_jk/g = second[j, k] · (α, β,
    α², αβ, β²)."""
    derivs = np.zeros((6, 6))
    derivs[0, 0] = 1.0
    for j in range(2):
        derivs[1 + j, 1:3] = first[j]
    for row, key in zip((3, 4, 5), ((0, 0), (0, 1), (1, 1)), strict=True):
        derivs[row, 1:] = second[key]
    cross = np.zeros((3, 6))
    for row, (j, k) in enumerate(((0, 0), (0, 1), (1, 1))):
        (pa, pb), (qa, qb) = first[j], first[k]
        cross[row, 3:] = (pa * qa, pa * qb + pb * qa, pb * qb)
    return derivs, cross


_FIRST = ((-1.0, 0.0), (0.0, 1.0))
_FORMS = {
    (ratelaws.competitive, ("vmax", "km", "ki")): RatioForm(
        _competitive,
        *_form(_FIRST, {(0, 0): (-1, 0, 2, 0, 0), (0, 1): (0, 1, 0, -2, 0), (1, 1): (0, -1, 0, 0, 2)}),
    ),
    (ratelaws.substrate_inhibition, ("vmax", "km", "ksi")): RatioForm(
        _substrate_inhibition,
        *_form(_FIRST, {(0, 0): (-1, 0, 2, 0, 0), (0, 1): (0, 0, 0, -2, 0), (1, 1): (0, -1, 0, 0, 2)}),
    ),
}


def ratio_form(func, param_names) -> RatioForm | None:
    """The law's ratio form, None when it has none."""
    return _FORMS.get((func, tuple(param_names)))


def profile_sums(form: RatioForm, ins, W2, W2y, U, buf):
    """The sums of one pass at log θ = ``U`` (2, m): (6, m) of Σ w²y·(g, g_1, g_2, g_11, g_12,
    g_22) (log derivatives), the same with w²g, and (3, m) of Σ w²·(g_1², g_1·g_2, g_2²).

    ``buf`` (8, ≥ m, L) is scratch space whose row 1 holds ones."""
    m, L = W2.shape
    g, mono = buf[0, :m, :L], buf[1:7, :m, :L]  # mono[0] is 1 throughout
    t1 = np.repeat(np.exp(U[0])[:, None], L, axis=1)  # whole (m, L) arrays: faster than broadcasting
    t2 = np.repeat(np.exp(U[1])[:, None], L, axis=1)
    form.fractions(ins, t1, t2, (g, mono[1], mono[2]))
    np.multiply(mono[1], mono[1], out=mono[3])
    np.multiply(mono[1], mono[2], out=mono[4])
    np.multiply(mono[2], mono[2], out=mono[5])
    wg = np.multiply(W2, g, out=buf[7, :m, :L])
    sg = np.einsum("kml,ml->km", mono, wg * g)
    np.multiply(W2y, g, out=wg)
    sy = np.einsum("kml,ml->km", mono, wg)
    return form.derivs @ sy, form.derivs @ sg, form.cross @ sg
