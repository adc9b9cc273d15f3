"""Batched Levenberg–Marquardt: many independent small least-squares fits solved at once (numpy).

Curves are stacked into 2-D arrays of shape ``(m, L)`` (``m`` curves padded to ``L`` points; padded
points carry weight 0 and a copy of a real point of the same curve, so the law stays finite).
Parameters are an ``(m, K)`` matrix; the law's function broadcasts, so it is evaluated once per
step for every curve with each parameter passed as an ``(m, 1)`` column.

The solver minimises Σ (w·(y − f))² per curve with a per-curve damping factor, projects steps onto
the parameter bounds, drops curves from the active set as they converge, and ends with one
Gauss–Newton polish step. The model Jacobian is analytic for the Michaelis–Menten laws, a complex
step for laws where that was verified against central differences, central differences otherwise.

The Michaelis–Menten laws (both parameters fitted, bounds at 0 and ∞) first go through
:func:`solve_hyperbola`: the linear parameter is profiled out (variable projection) and KM is found
by safeguarded Newton in log KM, typically in 2–4 passes over the data; only curves it cannot
settle at an interior optimum go on to the general solver.

The covariance is inv(JᵀJ) at the optimum, as in :func:`mgkinetics.fitting.single.fit_problem`. For laws
with an analytic Jacobian that Jacobian is used (exact; fit_problem's central differences with one
Richardson step agree with it to ~1e-9 relative); other laws use fit_problem's differences.

This module imports only numpy; it never sees units, files or the registry's catalogue.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mgkinetics.laws import ratelaws

__all__ = ["BatchModel", "Chunk", "ChunkFit", "solve", "solve_hyperbola", "fit_chunk", "model_jacobian",
           "richardson_jacobian"]


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
    # Fixed parameters travel as complex with zero imaginary part; a law that casts one to float
    # (speciation does, for Kd) warns although nothing is lost. A varied parameter cast that way
    # would lose its step, which _jacobian_kind's check against central differences detects.
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


def _jacobian_kind(model: BatchModel, inputs, P, idx) -> str:
    """'analytic', 'complex' (verified against central differences on these data) or 'central'."""
    if model.func in (ratelaws.michaelis_menten, ratelaws.michaelis_menten_kcat) and \
            model.param_names in (("vmax", "km"), ("kcat", "km")):
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


def _gram(J: list[np.ndarray]) -> np.ndarray:
    """JᵀJ, shape (m, k, k), from the Jacobian's columns (each (m, L))."""
    m, k = J[0].shape[0], len(J)
    A = np.empty((m, k, k))
    for i in range(k):
        for j in range(i + 1):
            A[:, i, j] = A[:, j, i] = np.einsum("ij,ij->i", J[i], J[j])
    return A


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
    _general: bool = False,
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

    Notes
    -----
    Michaelis–Menten laws with both parameters fitted and bounds [0, ∞) are solved by
    :func:`solve_hyperbola` first; the curves it leaves come back here (``_general=True``).
    """
    m = y.shape[0]
    vary = list(vary)
    if m and not _general and _hyperbola_applies(model, vary, lo, hi):
        return _solve_hyperbola_then_general(model, inputs, y, w, P0, vary, lo, hi, max_iter=max_iter,
                                             xtol=xtol, ftol=ftol)
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


_BLOCK = 4096  # rows per pass of solve_hyperbola: its eight (rows, L) buffers stay in cache


def _solve_hyperbola_then_general(model, inputs, y, w, P0, vary, lo, hi, **options) -> SolveResult:
    """:func:`solve_hyperbola` for every curve; the general solver for those it leaves."""
    m = y.shape[0]
    K0 = np.asarray(P0, float)[:, 1]
    parts = [solve_hyperbola([np.asarray(x)[i:i + _BLOCK] for x in inputs], y[i:i + _BLOCK],
                             w[i:i + _BLOCK], K0[i:i + _BLOCK]) for i in range(0, m, _BLOCK)]
    A, K, done, iters = (np.concatenate(z) for z in zip(*parts, strict=True))
    P = np.empty((m, 2))
    P[:, 0], P[:, 1] = A, K
    rest = np.flatnonzero(~done)
    if rest.size == 0:
        cost, _ = _cost(model, inputs, P, y, w)
        return SolveResult(P, cost, np.isfinite(cost), iters)
    sub = solve(model, [np.asarray(x)[rest] for x in inputs], y[rest], w[rest], np.asarray(P0, float)[rest],
                vary, lo, hi, _general=True, **options)
    P[rest] = sub.P
    cost, _ = _cost(model, inputs, P, y, w)
    converged = done & np.isfinite(cost)
    converged[rest] = sub.converged
    iters[rest] = sub.iterations
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
    """Solve one chunk and compute inv(JᵀJ) at the optimum (analytic Jacobian where the law has
    one, fit_problem's Richardson differences otherwise)."""
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
            if _jacobian_kind(model, chunk.inputs, res.P, list(vary)) == "analytic":
                # exact; agrees with fit_problem's Richardson differences to ~1e-9
                J = _weighted_jac(model, chunk.inputs, res.P, list(vary), "analytic", chunk.w)
            else:
                J = richardson_jacobian(model, chunk.inputs, res.P, list(vary), chunk.w)
            A = _gram(J)
        good = finite & np.all(np.isfinite(A), axis=(1, 2))
        inv = np.full((m, k, k), np.nan)
        if k == 1:
            good &= A[:, 0, 0] != 0
            inv[good] = 1.0 / A[good]
        elif k == 2:  # closed form (most batched fits are two-parameter hyperbolas)
            a, b, e = A[:, 0, 0], A[:, 0, 1], A[:, 1, 1]
            with np.errstate(all="ignore"):
                det = a * e - b * b
                good &= det != 0
                inv[:, 0, 0], inv[:, 1, 1] = e / det, a / det
                inv[:, 0, 1] = inv[:, 1, 0] = -b / det
        else:
            good[good] = np.linalg.det(A[good]) != 0
            sel = np.flatnonzero(good)
            try:
                inv[sel] = np.linalg.inv(A[sel])
            except np.linalg.LinAlgError:
                for i in sel:
                    try:
                        inv[i] = np.linalg.inv(A[i])
                    except np.linalg.LinAlgError:
                        pass
        diag = np.diagonal(inv, axis1=1, axis2=2)
        ok = good & np.all(np.isfinite(inv), axis=(1, 2)) & np.all(diag >= 0, axis=1)
        cov[ok] = inv[ok]
        singular = ~ok
    return ChunkFit(chunk.index, res.P, rss, ss_tot, res.converged, cov, singular)


# --------------------------------------------------------------------------------------------
# Fast path for the hyperbola v = A·[e]·S / (K + S) with both parameters free and bounds that
# cannot be active at an interior optimum (A, K > 0).
#
# A enters linearly, so for each K the best A is a weighted regression through the origin
# (variable projection); what is left is a 1-D problem in u = log K, solved by safeguarded Newton
# on the profiled objective h(K) = (Σ w²y·g)² / Σ w²g², g = e·S/(K + S), whose maximum is the
# least-squares minimum of the 2-D problem. From the Hanes–Woolf start this takes a handful of
# passes over the data. Curves that do not reach a clean interior optimum (A ≤ 0, K running off to
# 0 or ∞, no convergence) are reported as not done and go to the general solver.


def _hyperbola_applies(model: BatchModel, vary, lo, hi) -> bool:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    return (model.func in (ratelaws.michaelis_menten, ratelaws.michaelis_menten_kcat)
            and model.param_names in (("vmax", "km"), ("kcat", "km")) and list(vary) == [0, 1]
            and bool(np.all(lo <= 0)) and bool(np.all(np.isposinf(hi))))


def _profile(es, s, W2, W2y, K, buf):
    """h(K) = a²/b, its first two derivatives in u = log K, A = a/b and dA/du, per row."""
    m, L = s.shape
    b = buf[:, :m, :L]
    d = np.add(K[:, None], s, out=b[6])
    np.reciprocal(d, out=d)
    g = np.multiply(es, d, out=b[7])
    np.multiply(W2y, g, out=b[0])  # t = w²y·g          a   = Σ t
    np.multiply(b[0], d, out=b[1])  # t·d                a'  = -Σ t·d
    np.multiply(b[1], d, out=b[2])  # t·d²               a'' = 2 Σ t·d²
    np.multiply(W2, g, out=b[3])
    np.multiply(b[3], g, out=b[3])  # q = w²g²           b   = Σ q
    np.multiply(b[3], d, out=b[4])  # q·d                b'  = -2 Σ q·d
    np.multiply(b[4], d, out=b[5])  # q·d²               b'' = 6 Σ q·d²
    S = np.einsum("ijk->ij", b[:6])  # row sums; faster than .sum(axis=2) for short rows
    a, a1, a2, bb, b1, b2 = S[0], -S[1], 2 * S[2], S[3], -2 * S[4], 6 * S[5]
    ib = 1.0 / bb
    A = a * ib
    h = a * A
    h1 = 2 * A * a1 - A * A * b1
    h2 = 2 * ib * a1 * a1 + 2 * A * a2 - 4 * A * ib * a1 * b1 - A * A * b2 + 2 * A * A * ib * b1 * b1
    return h, K * h1, K * K * h2 + K * h1, A, K * ib * (a1 - A * b1)


def _newton_step(H1, H2):
    newton = H2 < 0
    step = np.where(newton, -H1 / np.where(newton, H2, -1.0), np.sign(H1))
    return np.clip(step, -2.0, 2.0), newton


def solve_hyperbola(inputs, y, w, K0, *, max_iter: int = 100, tol: float = 1e-7):
    """Least squares of v = A·[e]·S/(K + S) per row; returns (A, K, done, iterations).

    ``inputs`` is ``(S,)`` or ``(S, e)``, arrays (m, L); ``done`` is False where the general
    solver should take over. A curve is done when, at an accepted point, the next Newton step in
    log K is below ``tol``: that step is applied (and A moved along dA/du), leaving an error of
    order tol², far below rounding of the objective.
    """
    s = np.ascontiguousarray(inputs[0], dtype=float)
    es = s if len(inputs) == 1 else np.ascontiguousarray(s * np.asarray(inputs[1], float))
    w = np.asarray(w, float)
    W2 = w * w
    W2y = W2 * np.asarray(y, float)
    m, L = s.shape
    A_out = np.full(m, np.nan)
    K_out = np.full(m, np.nan)
    done = np.zeros(m, dtype=bool)
    iters = np.zeros(m, dtype=int)
    if m == 0:
        return A_out, K_out, done, iters
    # beyond these KM the profile is too flat for Newton in floating point (nearly a straight line,
    # or nearly constant): such curves go to the general solver
    smax = 1e3 * np.max(np.where(W2 > 0, s, 0.0), axis=1)
    smin = 1e-3 * np.min(np.where((W2 > 0) & (s > 0), s, np.inf), axis=1)
    buf = np.empty((8, m, L))
    idx = np.arange(m)  # row of the full arrays held in each working row
    K = np.array(K0, dtype=float)
    with np.errstate(all="ignore"):
        h, H1, H2, A, dA = _profile(es, s, W2, W2y, K, buf)
        step, newton = _newton_step(H1, H2)
        alive = np.isfinite(h) & np.isfinite(H1) & np.isfinite(H2) & (K > 0)
        live = np.ones(m, dtype=bool)  # working rows not finished yet
        for it in range(1, max_iter + 1):
            Kt = K * np.exp(step)
            ht, H1t, H2t, At, dAt = _profile(es, s, W2, W2y, Kt, buf)
            finite = np.isfinite(ht) & np.isfinite(H1t) & np.isfinite(H2t)
            # a Newton step this small is in the quadratic regime: it is taken without the
            # ascent test, which rounding would decide (so Newton steps are never cut short there)
            near = newton & (np.abs(step) <= 1e-6)
            acc = live & alive & finite & ((ht >= h) | near)
            K = np.where(acc, Kt, K)
            h = np.where(acc, ht, h)
            H1 = np.where(acc, H1t, H1)
            H2 = np.where(acc, H2t, H2)
            A = np.where(acc, At, A)
            dA = np.where(acc, dAt, dA)
            # rejected: halve the step; one halved to nothing gives up (general solver)
            stuck = ~acc & (np.abs(step) < 1e-12)
            new_step, new_newton = _newton_step(H1, H2)
            step = np.where(acc, new_step, 0.5 * step)
            newton = np.where(acc, new_newton, newton)
            # converged: the last (tiny) Newton step needs no new pass over the data
            fin_ok = acc & new_newton & (np.abs(new_step) <= tol)
            if fin_ok.any():
                K = np.where(fin_ok, K * np.exp(np.where(fin_ok, step, 0.0)), K)
                A = np.where(fin_ok, A + dA * step, A)
            out_of_range = ~((K >= smin) & (K <= smax) & (A > 0))
            fin_ok &= ~out_of_range
            fin = live & (fin_ok | ~alive | out_of_range | stuck | (it == max_iter))
            if fin.any():
                j = idx[fin]
                K_out[j], A_out[j], done[j], iters[j] = K[fin], A[fin], fin_ok[fin], it
                live &= ~fin
                n_live = np.count_nonzero(live)
                if n_live == 0:
                    break
                if n_live < 0.5 * live.size:  # drop finished rows from the passes over the data
                    idx, K, h, H1, H2, A, dA, step, newton, alive = (
                        x[live] for x in (idx, K, h, H1, H2, A, dA, step, newton, alive))
                    es, s, W2, W2y, smax, smin = (x[live] for x in (es, s, W2, W2y, smax, smin))
                    live = np.ones(idx.size, dtype=bool)
    return A_out, K_out, done, iters
