"""Batched Levenberg–Marquardt: many independent small least-squares fits solved at once (numpy).

Curves are stacked into 2-D arrays of shape ``(m, L)`` (``m`` curves padded to ``L`` points; padded
points carry weight 0 and a copy of a real point of the same curve, so the law stays finite).
Parameters are an ``(m, K)`` matrix; the law's function broadcasts, so it is evaluated once per
step for every curve with each parameter passed as an ``(m, 1)`` column.

The solver minimises Σ (w·(y − f))² per curve with a per-curve damping factor, projects steps onto
the parameter bounds, drops curves from the active set as they converge, and ends with one
Gauss–Newton polish step. The model Jacobian is analytic for the Michaelis–Menten laws, a complex
step for laws where that was verified against central differences, central differences otherwise.
The covariance uses exactly the central-difference Jacobian with one Richardson step that
:func:`mgkinetics.fitting.fit_problem` uses, so both paths report the same standard errors.

This module imports only numpy; it never sees units, files or the registry's catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import ratelaws

__all__ = ["BatchModel", "Chunk", "ChunkFit", "solve", "fit_chunk", "model_jacobian", "richardson_jacobian"]


@dataclass(frozen=True)
class BatchModel:
    """A law's function seen by the batched solver.

    ``func(*inputs, **params)`` with inputs of shape ``(m, L)`` and each parameter ``(m, 1)``.
    """

    func: Callable
    param_names: tuple[str, ...]

    def evaluate(self, inputs: Sequence[np.ndarray], P: np.ndarray) -> np.ndarray:
        """Model values, shape ``(m, L)``, for the parameter matrix ``P`` of shape ``(m, K)``."""
        kw = {name: P[:, j : j + 1] for j, name in enumerate(self.param_names)}
        return self.func(*inputs, **kw)


# --------------------------------------------------------------------------------------------
# Jacobians of the model (unweighted), shape (m, L, len(idx))


def _analytic_mm(model: BatchModel, inputs, P, idx):
    if model.func is ratelaws.michaelis_menten:
        s = np.asarray(inputs[0], dtype=float)
        scale = 1.0
    elif model.func is ratelaws.michaelis_menten_kcat:
        s = np.asarray(inputs[0], dtype=float)
        scale = np.asarray(inputs[1], dtype=float)
    else:
        return None
    a, km = P[:, 0:1], P[:, 1:2]
    denom = 1.0 / (km + s)
    da = scale * s * denom  # d f / d(vmax or kcat)
    cols = {0: da, 1: -a * da * denom}
    return [cols[j] for j in idx]


def _complex_step(model: BatchModel, inputs, P, idx):
    h = 1e-30
    out = []
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


_JAC_KIND: dict[Callable, str] = {}


def _jacobian_kind(model: BatchModel, inputs, P, idx) -> str:
    """'analytic', 'complex' (verified against central differences on these data) or 'central'."""
    if model.func in (ratelaws.michaelis_menten, ratelaws.michaelis_menten_kcat) and \
            model.param_names in (("vmax", "km"), ("kcat", "km")):
        return "analytic"
    kind = _JAC_KIND.get(model.func)
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
        _JAC_KIND[model.func] = kind
    return kind


def model_jacobian(model: BatchModel, inputs, P: np.ndarray, idx: Sequence[int],
                   kind: str) -> list[np.ndarray]:
    """Columns d f / d P[:, j] for j in ``idx``, each ``(m, L)``, by the method ``kind``."""
    if kind == "analytic":
        return _analytic_mm(model, inputs, P, idx)
    if kind == "complex":
        with np.errstate(all="ignore"):
            jac = _complex_step(model, inputs, P, idx)
        bad = [~np.isfinite(c) for c in jac]
        if any(b.any() for b in bad):  # e.g. a power at S = 0: fall back entry by entry
            cen = _central(model, inputs, P, idx)
            jac = [np.where(b, c2, c1) for b, c1, c2 in zip(bad, jac, cen, strict=False)]
        return jac
    return _central(model, inputs, P, idx)


def richardson_jacobian(model: BatchModel, inputs, P: np.ndarray, idx: Sequence[int],
                        w: np.ndarray) -> list[np.ndarray]:
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


# --------------------------------------------------------------------------------------------
# The solver


def _normal_equations(J: list[np.ndarray], r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """JᵀJ (m, k, k) and Jᵀr (m, k) from the Jacobian's columns (each (m, L))."""
    m, k = r.shape[0], len(J)
    A = np.empty((m, k, k))
    g = np.empty((m, k))
    for i in range(k):
        g[:, i] = np.sum(J[i] * r, axis=1)
        for j in range(i + 1):
            A[:, i, j] = A[:, j, i] = np.sum(J[i] * J[j], axis=1)
    return A, g


def _freeze_at_bounds(A, g, Pv, lo, hi):
    """Hold parameters that sit at a bound and are pushed outward (projected active set)."""
    frozen = ((Pv <= lo) & (g < 0)) | ((Pv >= hi) & (g > 0))
    if not frozen.any():
        return A, g
    A = A.copy()
    g = np.where(frozen, 0.0, g)
    m_idx, j_idx = np.nonzero(frozen)
    A[m_idx, j_idx, :] = 0.0
    A[m_idx, :, j_idx] = 0.0
    A[m_idx, j_idx, j_idx] = 1.0
    return A, g


def _solve_damped(A: np.ndarray, g: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Solve (A + λ·diag(A)) δ = g per curve; NaN where the system is singular."""
    k = A.shape[1]
    d = np.diagonal(A, axis1=1, axis2=2)
    d = np.where(d > 0, d, 1.0)
    with np.errstate(all="ignore"):
        if k == 1:
            return g / (A[:, 0, :] + lam[:, None] * d)
        if k == 2:  # closed form: most batched calls are two-parameter laws
            a = A[:, 0, 0] + lam * d[:, 0]
            b = A[:, 0, 1]
            c = A[:, 1, 0]
            e = A[:, 1, 1] + lam * d[:, 1]
            det = a * e - b * c
            return np.stack([(e * g[:, 0] - b * g[:, 1]) / det, (a * g[:, 1] - c * g[:, 0]) / det], axis=1)
    M = A.copy()
    ii = np.arange(k)
    M[:, ii, ii] += lam[:, None] * d
    try:
        return np.linalg.solve(M, g[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full_like(g, np.nan)
        for i in range(M.shape[0]):
            try:
                out[i] = np.linalg.solve(M[i], g[i])
            except np.linalg.LinAlgError:
                pass
        return out


@dataclass(frozen=True)
class SolveResult:
    """Output of :func:`solve`: parameters, weighted RSS, convergence flag and iterations."""

    P: np.ndarray
    cost: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray


def _cost(model, inputs, P, y, w):
    with np.errstate(all="ignore"):
        r = w * (y - np.asarray(model.evaluate(inputs, P), dtype=float))
        return np.sum(r * r, axis=1), r


def _weighted_jac(model, inputs, P, vary, kind, w) -> list[np.ndarray]:
    return [w * col for col in model_jacobian(model, inputs, P, vary, kind)]


def _normal_finite(J, r):
    """Normal equations, zeroing non-finite Jacobian entries only when there are any."""
    A, g = _normal_equations(J, r)
    if not (np.isfinite(A).all() and np.isfinite(g).all()):
        J = [np.where(np.isfinite(c), c, 0.0) for c in J]
        A, g = _normal_equations(J, r)
    return A, g


def solve(
    model: BatchModel,
    inputs: Sequence[np.ndarray],
    y: np.ndarray,
    w: np.ndarray,
    P0: np.ndarray,
    vary: Sequence[int],
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    max_iter: int = 200,
    xtol: float = 1e-10,
    ftol: float = 1e-15,
) -> SolveResult:
    """Batched, bounded Levenberg–Marquardt with a final Gauss–Newton polish.

    Parameters
    ----------
    model : BatchModel
    inputs : sequence of arrays (m, L)
    y, w : arrays (m, L)
        Observations and weights (0 on padding).
    P0 : array (m, K)
        Starting values of every parameter (fixed ones hold their value).
    vary : sequence of int
        Columns of ``P0`` that are fitted.
    lo, hi : arrays (K,)
        Bounds; steps are projected onto them, and a parameter at a bound that the gradient
        pushes outward is held there for the step.
    max_iter : int
        Jacobian evaluations per curve.
    xtol, ftol : float
        A curve has converged when an accepted step changes every parameter by less than
        ``xtol`` relative, or lowers the cost by less than ``ftol`` relative.

    Returns
    -------
    SolveResult
    """
    m = y.shape[0]
    vary = list(vary)
    lo_v, hi_v = np.asarray(lo, float)[vary], np.asarray(hi, float)[vary]
    P = np.array(P0, dtype=float, copy=True)
    P[:, vary] = np.clip(P[:, vary], lo_v, hi_v)
    cost, R = _cost(model, inputs, P, y, w)
    converged = np.zeros(m, dtype=bool)
    iters = np.zeros(m, dtype=int)
    if not vary or m == 0:
        return SolveResult(P, cost, np.isfinite(cost), iters)
    kind = _jacobian_kind(model, inputs, P, vary)
    lam = np.full(m, 1e-3)
    tiny = 1e-30 * np.sum((w * y) ** 2, axis=1)  # a perfect fit
    active = np.flatnonzero(np.isfinite(cost))
    for _ in range(max_iter):
        if active.size == 0:
            break
        full = active.size == m
        ins = list(inputs) if full else [x[active] for x in inputs]
        ya, wa = (y, w) if full else (y[active], w[active])
        Pa, ca, ra = P[active], cost[active], R[active]
        J = _weighted_jac(model, ins, Pa, vary, kind, wa)
        A, g = _normal_finite(J, ra)
        A, g = _freeze_at_bounds(A, g, Pa[:, vary], lo_v, hi_v)
        iters[active] += 1
        lam_a = lam[active]
        done_a = np.zeros(active.size, dtype=bool)
        newP, newc, newr = Pa.copy(), ca.copy(), ra.copy()
        pending = np.arange(active.size)
        for _inner in range(12):
            if pending.size == 0:
                break
            allp = pending.size == active.size
            step = _solve_damped(A if allp else A[pending], g if allp else g[pending], lam_a[pending])
            base = Pa if allp else Pa[pending]
            trial = base.copy()
            trial[:, vary] = np.clip(base[:, vary] + step, lo_v, hi_v)
            if allp:
                tc, tr = _cost(model, ins, trial, ya, wa)
            else:
                tc, tr = _cost(model, [x[pending] for x in ins], trial, ya[pending], wa[pending])
            ok = np.isfinite(tc) & (tc <= ca[pending])
            acc = pending[ok]
            if allp and ok.all():
                newP, newc, newr = trial, tc, tr
            else:
                newP[acc] = trial[ok]
                newc[acc] = tc[ok]
                newr[acc] = tr[ok]
            lam_a[acc] = np.maximum(lam_a[acc] * 0.2, 1e-12)
            old = base[ok][:, vary]
            dx = np.abs(trial[ok][:, vary] - old)
            small_step = np.all(dx <= xtol * (np.abs(old) + xtol), axis=1)
            small_gain = (ca[acc] - tc[ok]) <= ftol * ca[acc]
            done_a[acc] = small_step | small_gain | (tc[ok] <= tiny[active[acc]])
            rej = pending[~ok]
            lam_a[rej] *= 10.0
            # no decrease from a step below rounding, or even with a huge damping: the current
            # point is the minimum
            with np.errstate(invalid="ignore"):
                tiny_step = np.all(np.abs(step[~ok]) <= 1e-10 * (np.abs(base[~ok][:, vary]) + xtol), axis=1)
            stop = tiny_step | (lam_a[rej] > 1e12)
            done_a[rej[stop]] = True
            pending = rej[~stop]
        if active.size == m:
            P, cost, R = newP, newc, newr
        else:
            P[active] = newP
            cost[active] = newc
            R[active] = newr
        lam[active] = lam_a
        converged[active[done_a]] = True
        active = active[~done_a]
    # Gauss-Newton polish of the converged curves
    idx = np.flatnonzero(converged)
    if idx.size:
        ins = [x[idx] for x in inputs]
        Pc = P[idx]
        J = _weighted_jac(model, ins, Pc, vary, kind, w[idx])
        A, g = _normal_finite(J, R[idx])
        A, g = _freeze_at_bounds(A, g, Pc[:, vary], lo_v, hi_v)
        step = _solve_damped(A, g, np.zeros(idx.size))
        trial = Pc.copy()
        trial[:, vary] = np.clip(Pc[:, vary] + step, lo_v, hi_v)
        tc, _ = _cost(model, ins, trial, y[idx], w[idx])
        ok = np.isfinite(tc) & (tc <= cost[idx])
        P[idx[ok]] = trial[ok]
        cost[idx[ok]] = tc[ok]
    converged &= np.all(np.isfinite(P), axis=1) & np.isfinite(cost)
    return SolveResult(P, cost, converged, iters)


# --------------------------------------------------------------------------------------------
# One chunk of curves: solve + covariance; the unit of work of the numpy and dask engines


@dataclass(frozen=True)
class Chunk:
    """Padded arrays of a set of curves (``index`` into the batch) of one padded length."""

    index: np.ndarray
    inputs: tuple[np.ndarray, ...]
    y: np.ndarray
    w: np.ndarray
    P0: np.ndarray


@dataclass(frozen=True)
class ChunkFit:
    """Fitted values, weighted RSS, convergence and covariance (``(m, k, k)``; NaN if singular)."""

    index: np.ndarray
    P: np.ndarray
    rss: np.ndarray
    ss_tot: np.ndarray
    converged: np.ndarray
    cov_unscaled: np.ndarray
    singular: np.ndarray


def fit_chunk(func: Callable, param_names: tuple[str, ...], chunk: Chunk, vary: Sequence[int],
              lo: np.ndarray, hi: np.ndarray) -> ChunkFit:
    """Solve one chunk and compute inv(JᵀJ) with the Richardson Jacobian at the optimum."""
    model = BatchModel(func, tuple(param_names))
    res = solve(model, chunk.inputs, chunk.y, chunk.w, chunk.P0, vary, lo, hi)
    with np.errstate(all="ignore"):
        fitted = np.asarray(model.evaluate(chunk.inputs, res.P), dtype=float)
        wres = chunk.w * (chunk.y - fitted)
        rss = np.sum(wres**2, axis=1)
        w2 = chunk.w**2
        ybar = np.sum(w2 * chunk.y, axis=1) / np.sum(w2, axis=1)
        ss_tot = np.sum(w2 * (chunk.y - ybar[:, None]) ** 2, axis=1)
    m, k = res.P.shape[0], len(vary)
    cov = np.full((m, k, k), np.nan)
    singular = np.zeros(m, dtype=bool)
    if k:
        finite = np.all(np.isfinite(res.P), axis=1)
        with np.errstate(all="ignore"):
            J = richardson_jacobian(model, chunk.inputs, res.P, list(vary), chunk.w)
            A, _ = _normal_equations(J, np.zeros_like(chunk.w))
        good = finite & np.all(np.isfinite(A), axis=(1, 2))
        good[good] = np.linalg.det(A[good]) != 0
        sel = np.flatnonzero(good)
        inv = np.full((sel.size, k, k), np.nan)
        try:
            inv = np.linalg.inv(A[sel])
        except np.linalg.LinAlgError:
            for t, i in enumerate(sel):
                try:
                    inv[t] = np.linalg.inv(A[i])
                except np.linalg.LinAlgError:
                    pass
        diag = np.diagonal(inv, axis1=1, axis2=2)
        ok = np.all(np.isfinite(inv), axis=(1, 2)) & np.all(diag >= 0, axis=1)
        cov[sel[ok]] = inv[ok]
        singular = ~np.isin(np.arange(m), sel[ok])
    return ChunkFit(chunk.index, res.P, rss, ss_tot, res.converged, cov, singular)
