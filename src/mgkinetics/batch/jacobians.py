"""Model Jacobians for the batched solver: analytic (the classic laws), complex step, central differences.

Curves are stacked as ``(m, L)`` arrays and parameters as an ``(m, K)`` matrix; the law's function
broadcasts, so one evaluation covers every curve. The complex step is used only for laws where it
was verified against central differences on the data at hand.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mgkinetics.laws import ratelaws

__all__ = ["BatchModel", "jacobian_kind", "model_jacobian", "richardson_jacobian", "weighted_jacobian"]


@dataclass(frozen=True)
class BatchModel:
    """A law's function seen by the batched solver.

    ``func(*inputs, **params)`` with inputs of shape ``(m, L)`` and each parameter ``(m, 1)``.
    """

    func: Callable
    param_names: tuple[str, ...]

    def evaluate(self, inputs: Sequence[np.ndarray], P: np.ndarray) -> np.ndarray:
        """Model values, shape ``(m, L)``, for the parameter matrix ``P`` of shape ``(m, K)``.

        The classic laws (element-wise functions) get each parameter as a whole ``(m, L)`` array
        (:func:`param_columns`: the same values, faster); other laws ``(m, 1)`` columns."""
        if self.func in _ANALYTIC and inputs:
            cols = param_columns(P, inputs[0])
        else:
            cols = [P[:, j : j + 1] for j in range(len(self.param_names))]
        return self.func(*inputs, **dict(zip(self.param_names, cols, strict=True)))


def param_columns(P: np.ndarray, like) -> list[np.ndarray]:
    """The columns of ``P`` (m, K), each as a contiguous array of the shape of ``like`` when that is
    (m, L) with L > 1 (else as (m, 1) columns, broadcast).

    An element-wise operation between two (m, L) arrays runs as one loop over all m·L elements;
    with an (m, 1) column numpy broadcasts it row by row, about four times slower on rows of ten
    points. Each element sees the same operations either way: the values are the same, bit for bit.

    Examples
    --------
    >>> [c.tolist() for c in param_columns(np.array([[1.0, 2.0]]), np.zeros((1, 3)))]
    [[[1.0, 1.0, 1.0]], [[2.0, 2.0, 2.0]]]
    """
    shape = np.shape(like)
    if len(shape) == 2 and shape[0] == P.shape[0] and shape[1] > 1:
        return list(np.repeat(P.T[:, :, None], shape[1], axis=2))
    return [P[:, j : j + 1] for j in range(P.shape[1])]


# --------------------------------------------------------------------------------------------
# Jacobians of the model (unweighted), shape (m, L, len(idx))


def _mm(inputs, P):
    s = np.asarray(inputs[0], dtype=float)
    a, km = param_columns(P, s)
    denom = 1.0 / (km + s)
    da = s * denom
    return [da, -a * da * denom]


def _mm_kcat(inputs, P):
    s, e = np.asarray(inputs[0], dtype=float), np.asarray(inputs[1], dtype=float)
    a, km = param_columns(P, s)
    denom = 1.0 / (km + s)
    da = e * s * denom
    return [da, -a * da * denom]


def _substrate_inhibition(inputs, P):
    s = np.asarray(inputs[0], dtype=float)
    v, km, ksi = param_columns(P, s)
    inv = 1.0 / (km + s * (1.0 + s / ksi))
    dv = s * inv
    t = v * dv * inv  # -t is -v·dv·inv exactly (a negation rounds nothing)
    return [dv, -t, t * s * s / (ksi * ksi)]


def _competitive(inputs, P):
    s, i = np.asarray(inputs[0], dtype=float), np.asarray(inputs[1], dtype=float)
    v, km, ki = param_columns(P, s)
    # the operations of 1/(KM·(1 + I/Ki) + S) etc. in their order, with fewer temporaries (in place)
    c = i / ki
    c += 1.0
    inv = km * c + s
    np.divide(1.0, inv, out=inv)
    dv = s * inv
    t = v * dv
    t *= inv  # -t·c is -v·dv·inv·c exactly (a negation rounds nothing)
    dkm = t * c
    np.negative(dkm, out=dkm)
    dki = t * km
    dki *= i
    dki /= ki * ki
    return [dv, dkm, dki]


def _hill(inputs, P):
    s = np.asarray(inputs[0], dtype=float)
    v, k, n = param_columns(P, s)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        ratio = np.where(s > 0, k / np.where(s > 0, s, 1.0), np.inf)
        q = 1.0 / (1.0 + ratio**n)  # f = v·q
        inner = (q > 0) & (q < 1)
        qq = np.where(inner, q * (1.0 - q), 0.0)
        dk = np.where(inner, -v * n * qq / k, 0.0)
        dn = np.where(inner, -v * qq * np.log(np.where(inner, ratio, 1.0)), 0.0)
    return [q, dk, dn]


# law function -> (parameter names, exact Jacobian columns of every parameter)
_ANALYTIC = {
    ratelaws.michaelis_menten: (("vmax", "km"), _mm),
    ratelaws.michaelis_menten_kcat: (("kcat", "km"), _mm_kcat),
    ratelaws.substrate_inhibition: (("vmax", "km", "ksi"), _substrate_inhibition),
    ratelaws.competitive: (("vmax", "km", "ki"), _competitive),
    ratelaws.hill: (("vmax", "k_half", "n"), _hill),
}


def _has_analytic(model: BatchModel) -> bool:
    entry = _ANALYTIC.get(model.func)
    return entry is not None and entry[0] == tuple(model.param_names)


def _analytic(model: BatchModel, inputs, P, idx):
    # a constant at 0 or a denominator through 0 (negative rates can take a fit there) gives
    # inf or NaN entries, without a warning: the solver zeroes non-finite entries of its normal
    # equations, and a curve whose parameters end non-finite is reported as failed
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        cols = _ANALYTIC[model.func][1](inputs, P)
    return [cols[j] for j in idx]


def _complex_step(model: BatchModel, inputs, P, idx):
    h = 1e-30
    out = []
    # Fixed parameters travel as complex with zero imaginary part; a law that casts one to float
    # (speciation does, for Kd) warns although nothing is lost. A varied parameter cast that way
    # would lose its step, which jacobian_kind's check against central differences detects.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        for j in idx:
            Pc = P.astype(complex)
            Pc[:, j] += 1j * h
            out.append(np.imag(model.evaluate(inputs, Pc)) / h)
    return out


def _central(model: BatchModel, inputs, P, idx):
    out = []
    for j in idx:
        h = 6e-6 * np.maximum(np.abs(P[:, j]), 1e-8)
        Pp, Pm = P.copy(), P.copy()
        Pp[:, j] += h
        Pm[:, j] -= h
        diff = np.asarray(model.evaluate(inputs, Pp), float) - np.asarray(model.evaluate(inputs, Pm), float)
        out.append(diff / (2 * h[:, None]))
    return out


_JAC_KIND: dict[tuple, str] = {}


def jacobian_kind(model: BatchModel, inputs, P, idx) -> str:
    """'analytic', 'complex' (verified against central differences on these data) or 'central'."""
    if _has_analytic(model):
        return "analytic"
    key = (model.func, tuple(int(j) for j in idx))  # safe for some parameters need not mean all
    kind = _JAC_KIND.get(key)
    if kind is None:
        sub = slice(0, min(64, P.shape[0]))
        probe_in = [np.asarray(x)[sub] for x in inputs]
        try:
            with np.errstate(all="ignore"):
                jc = np.stack(_complex_step(model, probe_in, P[sub], idx), axis=-1)
            jd = np.stack(_central(model, probe_in, P[sub], idx), axis=-1)
            both = np.isfinite(jc) & np.isfinite(jd)
            scale = np.nanmax(np.where(both, np.abs(jd), 0.0), axis=1, keepdims=True) + 1e-300
            tol = 1e-5 * np.broadcast_to(scale, jd.shape)
            agree = both.any() and np.all(np.abs(jc - jd)[both] <= tol[both])
            kind = "complex" if agree else "central"
        except (TypeError, ValueError):
            kind = "central"
        _JAC_KIND[key] = kind
    return kind


def model_jacobian(
    model: BatchModel, inputs, P: np.ndarray, idx: Sequence[int], kind: str
) -> list[np.ndarray]:
    """Columns d f / d P[:, j] for j in ``idx``, each ``(m, L)``, by the method ``kind``."""
    if kind == "analytic":
        return _analytic(model, inputs, P, idx)
    if kind == "complex":
        with np.errstate(all="ignore"):
            jac = _complex_step(model, inputs, P, idx)
        bad = [~np.isfinite(c) for c in jac]
        if any(b.any() for b in bad):  # e.g. a power at S = 0: fall back entry by entry
            cen = _central(model, inputs, P, idx)
            jac = [np.where(b, c2, c1) for b, c1, c2 in zip(bad, jac, cen, strict=False)]
        return jac
    return _central(model, inputs, P, idx)


def richardson_jacobian(
    model: BatchModel, inputs, P: np.ndarray, idx: Sequence[int], w: np.ndarray
) -> list[np.ndarray]:
    """Weighted Jacobian by central differences with one Richardson step (as fitting._jacobian)."""
    cols = []
    for j in idx:
        x0 = P[:, j]
        h = 1e-4 * np.maximum(np.abs(x0), 1e-12)

        def f(step, j=j, x0=x0):
            trial = P.copy()
            trial[:, j] = x0 + step
            return np.asarray(model.evaluate(inputs, trial), dtype=float)

        hc = h[:, None]
        d1 = (f(h) - f(-h)) / (2 * hc)
        d2 = (f(h / 2) - f(-h / 2)) / hc
        cols.append(w * (d2 + (d2 - d1) / 3.0))
    return cols


def weighted_jacobian(model: BatchModel, inputs, P, vary, kind, w) -> list[np.ndarray]:
    """Columns of the weighted Jacobian w·∂f/∂P[:, j], each ``(m, L)`` (new arrays)."""
    cols = model_jacobian(model, inputs, P, vary, kind)
    if kind == "analytic" and all(np.shape(c) == np.shape(w) for c in cols):
        for col in cols:  # the analytic rules return new arrays: weighted in place, no temporaries
            col *= w
        return cols
    return [w * col for col in cols]
