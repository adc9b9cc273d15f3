"""Curves whose constant ran past its cap, refitted at the limit the solver was heading for (numpy only).

The batched solver stops a parameter that runs beyond its cap (10⁶ × the data's scale): the optimum
lies at infinity. It stops in a few log-space steps, so the other parameters are not at their
values in the limit (substrate inhibition on Michaelis–Menten data: Vmax 9.62 where the limit, and
:func:`mgkinetics.fit`, give 10.03). These curves are refitted, vectorised, in the limit:

* a Ki-like constant (Ki, Ksi: ``inf_columns``) → ∞ is the law with that constant at +∞ (no
  inhibition: the Michaelis–Menten sub-model), fitted for the other parameters;
* KM → ∞ of the hyperbola v = Vmax·x/(KM + x), and of substrate inhibition at its stopped Ksi,
  is the line v = (Vmax/KM)·x, whose slope is a weighted regression through the origin; Vmax is
  reported as slope × the stopped KM (:func:`km_line` says which laws);

* a Ki-like constant → ∞ whose Michaelis–Menten sub-model's KM runs away as well (substrate
  inhibition on data still rising linearly at the highest S), or that passed its cap together with
  KM, is the line through the origin of the sub-model: the slope as above, KM set beyond its cap
  (1.5 × cap) and Vmax = slope × KM.

The runaway constant keeps its stopped value (a lower bound on it); the curve's fitted values, and
so its RSS, are those of the limit. A refit replaces the stopped result only where it converged to
a cost no higher than the stopped one (it is the limit of the stopped run); rows whose sub-model
runs away again (other than the case above) keep their stopped result. :class:`LimitFit` names the
refitted rows by kind, for standard errors at the limit (:mod:`mgkinetics.batch.limitcov`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from mgkinetics.batch.hyperbola import hyperbola_applies, solve_hyperbola
from mgkinetics.batch.lm import SolveResult, cost_and_residuals, solve
from mgkinetics.batch.rowops import rows_all, rows_any, rows_max
from mgkinetics.laws import ratelaws

__all__ = ["LimitFit", "km_line", "refit_at_limits"]


@dataclass(frozen=True)
class LimitFit:
    """The result after the refits (``res``), the refitted rows and their model values in the limit
    (``fitted``, (len(rows), L)); ``inf_groups``: (rows, columns at +∞) refitted with an interior
    sub-model; ``lines``: (rows, columns at +∞) refitted as the line through the origin."""

    res: SolveResult
    rows: np.ndarray
    fitted: np.ndarray
    inf_groups: tuple = ()
    lines: tuple = ()


def _beyond(P, cap, cols) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.abs(P[:, cols]) > cap[:, cols]


# laws that are Michaelis–Menten in their first input, (vmax, km) = columns (0, 1), when the
# constant in column 2 (Ksi, Ki) is +∞: their refit goes through the hyperbola's fast path
_MM_AT_INFINITY = (
    ratelaws.substrate_inhibition,
    ratelaws.competitive,
    ratelaws.uncompetitive,
    ratelaws.noncompetitive,
)


def km_line(model, vary, lo, hi) -> tuple[int, int] | None:
    """(Vmax, KM) columns of a law whose KM → ∞ limit, at fixed values of its other parameters, is
    the line through the origin v = (Vmax/KM)·S (the hyperbola, substrate inhibition), when both
    are fitted with free bounds; None otherwise."""
    if hyperbola_applies(model, vary, lo, hi):
        return (0, 1)
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    free = bool(np.all(lo[:2] <= 0) and np.all(np.isposinf(hi[:2])))
    si = model.func is ratelaws.substrate_inhibition and model.param_names == ("vmax", "km", "ksi")
    return (0, 1) if si and free and {0, 1} <= set(vary) else None


def _mm_sub_model(model, fixed, sub_vary, lo, hi) -> bool:
    """The sub-model is Michaelis–Menten in (Vmax, KM) = columns (0, 1), with free bounds."""
    return (
        model.func in _MM_AT_INFINITY
        and fixed == [2]
        and sub_vary == [0, 1]
        and bool(np.all(np.asarray(lo, float)[:2] <= 0))
        and bool(np.all(np.isposinf(np.asarray(hi, float)[:2])))
    )


def _solve_sub(model, ins, y, w, P0, sub_vary, fixed, lo, hi, cap) -> SolveResult:
    """The sub-model's least squares: :func:`~mgkinetics.batch.hyperbola.solve_hyperbola` when it is
    Michaelis–Menten with free bounds (the rows it does not settle, and other laws, by
    :func:`~mgkinetics.batch.lm.solve`)."""
    if not _mm_sub_model(model, fixed, sub_vary, lo, hi):
        return solve(model, ins, y, w, P0, sub_vary, lo, hi, cap=cap, _general=True)
    A, K, done, iters = solve_hyperbola([ins[0]], y, w, P0[:, 1])
    P = P0.copy()
    P[done, 0], P[done, 1] = A[done], K[done]
    cost, _ = cost_and_residuals(model, ins, P, y, w)
    conv = done & np.isfinite(cost)
    runaway = np.zeros(done.size, dtype=bool)
    # rows the hyperbola leaves with KM beyond 10³ × the data (the sub-model's KM runs off as
    # well: 40 of 2,000 hard substrate-inhibition curves, 39 of which the general solver then
    # also ran past the cap) are not solved again: they keep their stopped result
    s_top = rows_max(np.where(w > 0, ins[0], 0.0))
    runaway[~done & (K > 1e3 * s_top)] = True  # refitted as the line through the origin
    rest = np.flatnonzero(~done & ~(K > 1e3 * s_top))
    if rest.size:
        more = solve(
            model,
            [x[rest] for x in ins],
            y[rest],
            w[rest],
            P0[rest],
            sub_vary,
            lo,
            hi,
            cap=cap[rest],
            _general=True,
        )
        P[rest], cost[rest], conv[rest], runaway[rest] = more.P, more.cost, more.converged, more.runaway
    return SolveResult(P, cost, conv, iters, runaway)


def _line(model, ins, y, w, P, num: int, den: int, fixed):
    """The line through the origin v = slope·x, x the law's regressor with P[num] = P[den] → ∞ and
    the ``fixed`` columns at +∞: (slope, fitted values, cost) per row."""
    unit = P.copy()
    unit[:, fixed] = np.inf
    unit[:, num] = unit[:, den] = 1e150  # K·x/(K + x) = x in floating point: the slope's regressor
    with np.errstate(all="ignore"):
        x = np.asarray(model.evaluate(ins, unit), dtype=float)
        w2 = w * w
        slope = np.sum(w2 * y * x, axis=1) / np.sum(w2 * x * x, axis=1)
        fitted = slope[:, None] * x
        r = w * (y - fitted)
        return slope, fitted, np.sum(r * r, axis=1)


def _double_limit(model, chunk, res, rows, fixed, cost_cap):
    """Rows whose sub-model (``fixed`` at +∞) runs away in KM too: the line through the origin, KM
    set to 1.5 × its cap, Vmax = slope × KM; kept where the cost is no higher than ``cost_cap``."""
    ins = [np.asarray(x)[rows] for x in chunk.inputs]
    slope, fitted, cost = _line(model, ins, chunk.y[rows], chunk.w[rows], res.P[rows], 0, 1, fixed)
    ok = np.isfinite(cost) & (slope > 0) & (cost <= cost_cap * (1 + 1e-9))
    P = res.P[rows[ok]].copy()
    P[:, 1] = 1.5 * np.asarray(chunk.cap, float)[rows[ok], 1]
    P[:, 0] = slope[ok] * P[:, 1]
    return rows[ok], P, cost[ok], fitted[ok]


def _both_ran(model, chunk, res, vary, lo, hi, big, pattern, limit_cols, out) -> None:
    """Rows of a law that is Michaelis–Menten at Ki = ∞ whose Ki-like constant and KM both ran
    past their caps (a solver that took both there in one step; V may have followed): the double
    limit, the line through the origin (:func:`_double_limit`), appended to ``out``."""
    fixed = [limit_cols[0]] if len(limit_cols) == 1 else None
    if fixed is None or not _mm_sub_model(model, fixed, [j for j in vary if j not in fixed], lo, hi):
        return
    rows = np.flatnonzero(res.runaway & pattern[:, 0] & big[:, list(vary).index(1)] & (res.P[:, 1] > 0))
    if rows.size:
        part = _double_limit(model, chunk, res, rows, fixed, res.cost[rows])
        for lst, item in zip(out, (*part, ("line", part[0], fixed)), strict=True):
            lst.append(item)


def _refit_inf(model, chunk, res: SolveResult, vary, lo, hi, inf_columns):
    """Rows whose only runaway parameters are Ki-like constants at +large: refit with them at +∞.
    Returns lists of rows, P, cost, fitted values and (kind, rows, fixed columns) groups."""
    cap = np.asarray(chunk.cap, float)
    vary = list(vary)
    limit_cols = [j for j in inf_columns if j in vary]
    out = ([], [], [], [], [])
    if not limit_cols or not res.runaway.any():
        return out
    big = _beyond(res.P, cap, vary)
    gone = {j: big[:, t] & (res.P[:, j] > 0) for t, j in enumerate(vary)}
    others_ok = ~rows_any(big[:, [t for t, j in enumerate(vary) if j not in limit_cols]])
    pattern = np.stack([gone[j] for j in limit_cols], axis=1)
    cand = res.runaway & others_ok & rows_any(pattern)
    _both_ran(model, chunk, res, vary, lo, hi, big, pattern, limit_cols, out)
    for key in sorted({tuple(r) for r in pattern[cand]}):
        rows = np.flatnonzero(cand & rows_all(pattern == np.array(key)))
        fixed = [j for j, on in zip(limit_cols, key, strict=True) if on]
        sub_vary = [j for j in vary if j not in fixed]
        if not sub_vary:
            continue
        P0 = res.P[rows].copy()
        P0[:, fixed] = np.inf
        ins = [np.asarray(x)[rows] for x in chunk.inputs]
        y, w = chunk.y[rows], chunk.w[rows]
        sub = _solve_sub(model, ins, y, w, P0, sub_vary, fixed, lo, hi, cap[rows])
        with np.errstate(all="ignore"):
            fitted = np.asarray(model.evaluate(ins, sub.P), dtype=float)
        ok = sub.converged & np.isfinite(sub.cost) & (sub.cost <= res.cost[rows] * (1 + 1e-9))
        ok &= rows_all(np.isfinite(fitted))
        P = sub.P[ok]
        P[:, fixed] = res.P[rows[ok]][:, fixed]  # the stopped value: a lower bound on the constant
        for lst, item in zip(out, (rows[ok], P, sub.cost[ok], fitted[ok], ("inf", rows[ok], fixed))):
            lst.append(item)
        twice = ~ok & sub.runaway
        if _mm_sub_model(model, fixed, sub_vary, lo, hi) and twice.any():
            part = _double_limit(model, chunk, res, rows[twice], fixed, res.cost[rows[twice]])
            for lst, item in zip(out, (*part, ("line", part[0], fixed))):
                lst.append(item)
    return out


def _refit_linear(model, chunk, res: SolveResult, vary, num: int, den: int, taken=()):
    """Rows whose KM ran past its cap (other than ``taken``, refitted already): the line through
    the origin, slope = Vmax/KM."""
    cap = np.asarray(chunk.cap, float)
    with np.errstate(invalid="ignore"):
        beyond = res.runaway & (res.P[:, den] > cap[:, den])
    beyond[np.asarray(taken, dtype=int)] = False
    rows = np.flatnonzero(beyond)
    if rows.size == 0:
        return [], [], [], [], []
    ins = [np.asarray(x)[rows] for x in chunk.inputs]
    y, w = chunk.y[rows], chunk.w[rows]
    slope, fitted, new_cost = _line(model, ins, y, w, res.P[rows], num, den, [])
    cost, _ = cost_and_residuals(model, ins, res.P[rows], y, w)  # the stopped run's cost
    ok = np.isfinite(new_cost) & (slope > 0) & (new_cost <= cost * (1 + 1e-9))
    P = res.P[rows[ok]].copy()
    P[:, num] = slope[ok] * P[:, den]
    return [rows[ok]], [P], [new_cost[ok]], [fitted[ok]], [("line", rows[ok], [])]


def refit_at_limits(
    model,
    chunk,
    res: SolveResult,
    vary: Sequence[int],
    lo,
    hi,
    inf_columns: Sequence[int] = (),
    linear: tuple[int, int] | None = None,
) -> LimitFit:
    """Refit the runaway rows of ``res`` in their limit (see the module docstring).

    ``inf_columns``: the Ki-like columns whose limit at +∞ is a sub-model; ``linear``: (Vmax, KM)
    columns of a hyperbola whose KM → ∞ limit is the line through the origin. Returns the updated
    result and, for the refitted rows, their model values in the limit.
    """
    L = chunk.y.shape[1]
    if chunk.cap is None or not res.runaway.any():
        return LimitFit(res, np.array([], dtype=int), np.empty((0, L)))
    parts = _refit_inf(model, chunk, res, vary, lo, hi, inf_columns)
    if linear is not None:
        taken = np.concatenate(parts[0]) if parts[0] else np.array([], dtype=int)
        extra = _refit_linear(model, chunk, res, vary, *linear, taken)
        parts = tuple(a + b for a, b in zip(parts, extra, strict=True))
    rows_l, P_l, cost_l, fit_l, groups = parts
    if not rows_l or sum(r.size for r in rows_l) == 0:
        return LimitFit(res, np.array([], dtype=int), np.empty((0, L)))
    rows = np.concatenate(rows_l)
    P, cost = res.P.copy(), res.cost.copy()
    P[rows], cost[rows] = np.concatenate(P_l), np.concatenate(cost_l)
    inf_groups = tuple((r, f) for kind, r, f in groups if kind == "inf" and r.size)
    lines = tuple((r, f) for kind, r, f in groups if kind == "line" and r.size)
    return LimitFit(replace(res, P=P, cost=cost), rows, np.concatenate(fit_l), inf_groups, lines)
