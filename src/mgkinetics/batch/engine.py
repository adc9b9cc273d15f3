"""One chunk of curves through the batched solver: fit, covariance, runaway flags (numpy only).

Curves are stacked into 2-D arrays of shape ``(m, L)`` (``m`` curves padded to ``L`` points; padded
points carry weight 0 and a copy of a real point of the same curve, so the law stays finite).
:func:`fit_chunk` is the unit of work of both the numpy and the dask engines: the solve
(:mod:`mgkinetics.batch.lm`, with its Michaelis–Menten fast path in :mod:`mgkinetics.batch.hyperbola`),
a restart from rescaled starts for curves that did not converge, and the covariance inv(JᵀJ) at the
optimum, as in :func:`mgkinetics.fitting.single.fit_problem`. For laws with an analytic Jacobian
that Jacobian is used (exact; fit_problem's central differences with one Richardson step agree with
it to ~1e-9 relative); other laws use fit_problem's differences.

This module imports only numpy; it never sees units, files or the registry's catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mgkinetics.batch.gram import invert_gram
from mgkinetics.batch.hyperbola import solve_hyperbola
from mgkinetics.batch.jacobians import (
    BatchModel,
    jacobian_kind,
    model_jacobian,
    richardson_jacobian,
    weighted_jacobian,
)
from mgkinetics.batch.limits import km_line, refit_at_limits
from mgkinetics.batch.lm import SolveResult, gram, solve
from mgkinetics.batch.rowops import rows_all, rows_any, rows_sum

__all__ = [
    "BatchModel",
    "Chunk",
    "ChunkFit",
    "SolveResult",
    "solve",
    "solve_hyperbola",
    "fit_chunk",
    "model_jacobian",
    "richardson_jacobian",
    "invert_gram",
]


@dataclass(frozen=True)
class Chunk:
    """Padded arrays of a set of curves (``index`` into the batch) of one padded length.

    ``cap`` (m, K) holds, per curve and parameter, the magnitude beyond which the parameter has run
    away (an optimum at infinity); None for no cap.
    """

    index: np.ndarray
    inputs: tuple[np.ndarray, ...]
    y: np.ndarray
    w: np.ndarray
    P0: np.ndarray
    cap: np.ndarray | None = None


@dataclass(frozen=True)
class ChunkFit:
    """Fitted values, weighted RSS, convergence, runaway and covariance (``(m, k, k)``; NaN if singular).

    ``ratio_var`` (m, len(ratios)) holds the unscaled variance of each requested ratio P[a]/P[b]
    (:func:`mgkinetics.fitting.slope.slope_variance`, the formula of single fits), None when no ratio
    was asked for.
    """

    index: np.ndarray
    P: np.ndarray
    rss: np.ndarray
    ss_tot: np.ndarray
    converged: np.ndarray
    cov_unscaled: np.ndarray
    singular: np.ndarray
    runaway: np.ndarray
    ratio_var: np.ndarray | None = None
    dead: np.ndarray | None = None  # every rate of the curve is 0 (no activity)


def _at_bounds(P: np.ndarray, vary, lo, hi) -> np.ndarray:
    Pv, lo_v, hi_v = P[:, vary], np.asarray(lo, float)[vary], np.asarray(hi, float)[vary]
    with np.errstate(invalid="ignore"):
        near_lo = Pv <= lo_v + 1e-9 * np.maximum(np.abs(lo_v), 1e-290)
        near_hi = Pv >= hi_v - 1e-9 * np.abs(hi_v)
    return rows_any(near_lo | near_hi)


def _stacked_solve(model, ins, y, w, starts, vary, lo, hi, cap) -> list[SolveResult]:
    """One solver call for several start matrices of the same rows (one result per start)."""
    n = y.shape[0]
    k = len(starts)
    sub = solve(
        model,
        [np.concatenate([x] * k) for x in ins],
        np.concatenate([y] * k),
        np.concatenate([w] * k),
        np.concatenate(starts),
        vary,
        lo,
        hi,
        cap=None if cap is None else np.concatenate([cap] * k),
        _general=True,
    )
    return [
        SolveResult(
            *(a[t * n : (t + 1) * n] for a in (sub.P, sub.cost, sub.converged, sub.iterations, sub.runaway))
        )
        for t in range(k)
    ]


def _log_columns(P, vary, lo, hi) -> np.ndarray:
    """The columns :func:`~mgkinetics.batch.lm.solve` fits in log space from the starts ``P``."""
    lo_v, hi_v = np.asarray(lo, float)[vary], np.asarray(hi, float)[vary]
    return (lo_v >= 0) & np.all(np.clip(P[:, vary], lo_v, hi_v) > 0, axis=0)


def _restart(model, chunk: Chunk, res: SolveResult, vary, lo, hi) -> SolveResult:
    """Curves that did not converge (and did not run away) or that stopped at a bound restart: from
    the law's start (25 iterations in linear space first: another path), and from starts scaled by
    0.1 and 10. A restart replaces the result when it is lower, or converged where it was not (the
    restarts are compared in that order). The three restarts run in one solver call (two when the
    linear-space run leaves a start at 0, which changes the columns fitted in log space)."""
    stuck = (~res.converged & ~res.runaway) | (res.converged & _at_bounds(res.P, vary, lo, hi))
    again = np.flatnonzero(stuck)
    if again.size == 0 or not vary:
        return res
    P, cost = res.P.copy(), res.cost.copy()
    conv, iters, runaway = res.converged.copy(), res.iterations.copy(), res.runaway.copy()
    ins = [np.asarray(x)[again] for x in chunk.inputs]
    cap = None if chunk.cap is None else np.asarray(chunk.cap)[again]
    y, w = chunk.y[again], chunk.w[again]
    P0 = np.asarray(chunk.P0, float)[again]
    pre = solve(
        model, ins, y, w, P0.copy(), vary, lo, hi, cap=cap, _general=True, log_space=False, max_iter=25
    )
    scaled = []
    for factor in (0.1, 10.0):
        S = P0.copy()
        S[:, vary] *= factor
        scaled.append(S)
    if np.array_equal(_log_columns(pre.P, vary, lo, hi), _log_columns(scaled[0], vary, lo, hi)):
        subs = _stacked_solve(model, ins, y, w, [pre.P, *scaled], vary, lo, hi, cap)
    else:
        subs = _stacked_solve(model, ins, y, w, [pre.P], vary, lo, hi, cap)
        subs += _stacked_solve(model, ins, y, w, scaled, vary, lo, hi, cap)
    for sub in subs:
        ok = (sub.converged | sub.runaway) & np.isfinite(sub.cost)
        better = ok & (sub.cost <= cost[again] * (1 - 1e-9)) | (
            sub.converged & ~conv[again] & ~runaway[again] & (sub.cost <= cost[again] * (1 + 1e-9))
        )
        rows = again[better]
        P[rows], cost[rows] = sub.P[better], sub.cost[better]
        conv[rows], runaway[rows] = sub.converged[better], sub.runaway[better]
        iters[again] += sub.iterations
    return SolveResult(P, cost, conv, iters, runaway)


def _slope_variances(model, chunk: Chunk, P: np.ndarray, vary, ratios) -> np.ndarray:
    """(m, len(ratios)): var of P[a]/P[b] by the formula of single fits
    (:func:`mgkinetics.fitting.slope.slope_variance`), for the curves whose P[b] lies beyond 10× its
    input's highest value (the only ones that can be ``not_bounded``); NaN elsewhere."""
    from mgkinetics.batch.starts import RUNAWAY
    from mgkinetics.fitting.slope import slope_variance

    out = np.full((P.shape[0], len(ratios)), np.nan)
    for t, (a, b) in enumerate(ratios):
        top = np.full(P.shape[0], np.inf) if chunk.cap is None else np.asarray(chunk.cap)[:, b] / RUNAWAY
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero(P[:, b] > 10.0 * top)
        if rows.size:
            inputs = [np.asarray(x)[rows] for x in chunk.inputs]

            def values(Q, inputs=inputs):
                return model.evaluate(inputs, Q)

            out[rows, t] = slope_variance(values, P[rows], chunk.w[rows], vary, a, b, den_top=top[rows])
    return out


def _errors_at_limits(model, chunk: Chunk, P, vary, lim, cov, singular, ratio_var, ratios) -> None:
    """Covariance (in place) of the rows refitted with a constant at +∞, taken at the limit, and the
    slope variance of rows refitted as the line through the origin
    (:mod:`mgkinetics.batch.limitcov`)."""
    from mgkinetics.batch.limitcov import limit_covariance, line_slope_variance
    from mgkinetics.batch.starts import RUNAWAY

    cap = np.asarray(chunk.cap, float)
    for rows, fixed in lim.inf_groups:
        A, dk_dc = limit_covariance(model, chunk, P, vary, rows, fixed, cap[rows][:, fixed] / RUNAWAY)
        inv, bad = invert_gram(A)
        for t, j in enumerate(fixed):  # back from c = 1/K to K at its stopped value
            pos = list(vary).index(j)
            inv[:, pos, :] *= dk_dc[:, t : t + 1]
            inv[:, :, pos] *= dk_dc[:, t : t + 1]
        cov[rows], singular[rows] = inv, bad
    if ratio_var is None:
        return
    for rows, fixed in lim.lines:
        for t, (a, b) in enumerate(ratios):
            if (a, b) == (0, 1):
                top = cap[rows, b] / RUNAWAY
                ratio_var[rows, t] = line_slope_variance(model, chunk, P, rows, fixed, a, b, top)


def fit_chunk(
    func: Callable,
    param_names: tuple[str, ...],
    chunk: Chunk,
    vary: Sequence[int],
    lo: np.ndarray,
    hi: np.ndarray,
    ratios: Sequence[tuple[int, int]] = (),
    inf_columns: Sequence[int] = (),
) -> ChunkFit:
    """Solve one chunk and compute inv(JᵀJ) at the optimum (analytic Jacobian where the law has
    one, fit_problem's Richardson differences otherwise), and the variance of each ratio
    P[a]/P[b] in ``ratios`` (both fitted; e.g. Vmax/KM, reported when KM runs away: computed for
    the curves whose P[b] is beyond its cap, NaN on the others; for every curve without caps).

    Curves whose constant ran past its cap are refitted in the limit
    (:func:`mgkinetics.batch.limits.refit_at_limits`: ``inf_columns``, the Ki-like constants, at
    +∞; KM → ∞ of a hyperbola as the line through the origin); their RSS is the limit's."""
    model = BatchModel(func, tuple(param_names))
    vary = list(vary)
    res = solve(model, chunk.inputs, chunk.y, chunk.w, chunk.P0, vary, lo, hi, cap=chunk.cap)
    res = _restart(model, chunk, res, vary, lo, hi)
    lim = refit_at_limits(model, chunk, res, vary, lo, hi, inf_columns, km_line(model, vary, lo, hi))
    res = lim.res
    with np.errstate(all="ignore"):
        fitted = np.asarray(model.evaluate(chunk.inputs, res.P), dtype=float)
        fitted[lim.rows] = lim.fitted
        wres = chunk.w * (chunk.y - fitted)
        rss = rows_sum(wres**2)
        w2 = chunk.w**2
        ybar = rows_sum(w2 * chunk.y) / rows_sum(w2)
        ss_tot = rows_sum(w2 * (chunk.y - ybar[:, None]) ** 2)
    m, k = res.P.shape[0], len(vary)
    cov = np.full((m, k, k), np.nan)
    singular = np.zeros(m, dtype=bool)
    if k:
        with np.errstate(all="ignore"):
            if jacobian_kind(model, chunk.inputs, res.P, vary) == "analytic":
                # exact; agrees with fit_problem's Richardson differences to ~1e-9
                J = weighted_jacobian(model, chunk.inputs, res.P, vary, "analytic", chunk.w)
            else:
                J = richardson_jacobian(model, chunk.inputs, res.P, vary, chunk.w)
            A = gram(J)
        A[~rows_all(np.isfinite(res.P))] = np.nan
        cov, singular = invert_gram(A)
    ratio_var = None
    if ratios and k:
        ratio_var = _slope_variances(model, chunk, res.P, vary, ratios)
    if k and (lim.inf_groups or lim.lines):
        _errors_at_limits(model, chunk, res.P, vary, lim, cov, singular, ratio_var, ratios)
    dead = rows_all((chunk.y == 0) | (chunk.w == 0))  # padding has weight 0
    return ChunkFit(
        chunk.index, res.P, rss, ss_tot, res.converged, cov, singular, res.runaway, ratio_var, dead
    )
