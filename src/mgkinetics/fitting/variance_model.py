"""The power variance model of ``weights="power"``: σᵢ = a·|vᵢ|^b fitted across all levels.

Method: generalized least squares with the variance function estimated by pseudo-likelihood
(Carroll & Ruppert 1988, *Transformation and Weighting in Regression*, ch. 2-3), iterated to
convergence:

1. fit with unit weights; rows whose fitted rate is 0 (no substrate) cannot carry a power
   weight and are excluded, each with its line and reason;
2. from the residuals rᵢ = yᵢ − fᵢ and the fitted rates fᵢ, estimate b by maximising the normal
   pseudo-likelihood of rᵢ ~ N(0, a²|fᵢ|^{2b}); with a profiled out this is minimising
   S(b) = Σ rᵢ²·|fᵢ|^{−2b} (after centring log|f|), a convex function of b: safeguarded Newton on
   its monotone derivative;
3. refit with wᵢ = |fᵢ|^{−b} (1/σ up to the scale a, which the fit estimates: errors are scaled)
   and repeat 2-3 until a cycle moves b by less than a quarter of its standard error
   (:data:`SETTLED`; usually 2 cycles: Carroll & Ruppert show that C = 2 cycles of GLS already
   have the efficiency of the fully iterated estimate, so iterating further buys nothing).

Why pseudo-likelihood on the fitted rates rather than regressing log SD on log mean of the
replicate levels: it uses every point (two parameters from all n points instead of one noisy SD
per level), it needs no replicates at all, and the fitted rate is a far less noisy covariate than
a level's mean of 2-3 readings. The standard error of b is the model-based one from the curvature
of the profile pseudo-likelihood, 1/√(2n·Var_u(log|f|)) with the weights uᵢ ∝ rᵢ²|fᵢ|^{−2b}
(normal residuals); the uncertainty of b is not propagated into the parameters' intervals (the
usual GLS practice; its effect is second order).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from mgkinetics.errors import FitError, FitWarning
from mgkinetics.fitting.problem import FitProblem
from mgkinetics.fitting.results import Exclusion
from mgkinetics.fitting.weighting import EXPONENT_RANGE, PowerVariance, WeightScheme, weighting_warnings

__all__ = ["estimate_exponent", "power_weighted", "needs_variance_model", "joint_weighting_warnings"]

#: Reweighting cycles before giving up (b usually settles in 3-6).
MAX_CYCLES = 30

#: b has settled when a cycle moves it by less than this fraction of its standard error.
SETTLED = 0.25

#: A fitted rate below this fraction of the largest one counts as 0 (cannot be power-weighted).
ZERO_FRACTION = 1e-9


def needs_variance_model(problems: Sequence[FitProblem]) -> bool:
    """Whether any problem asks for ``power`` weights whose model is not yet estimated."""
    return any(p.scheme.kind == "power" and p.scheme.variance is None for p in problems)


def estimate_exponent(rate: np.ndarray, fitted: np.ndarray) -> tuple[float, float, float, bool]:
    """Pseudo-likelihood estimate of b in σ = a·|f|^b from residuals ``rate - fitted``.

    Returns
    -------
    exponent, exponent_se, scale, at_limit : float, float, float, bool
        ``at_limit``: b sits at an end of :data:`~mgkinetics.fitting.weighting.EXPONENT_RANGE`.
        All residuals 0: b = 0 with SE NaN.

    Examples
    --------
    >>> f = np.array([1.0, 2, 4, 8, 16])
    >>> r = np.array([0.1, -0.2, 0.4, -0.8, 1.6])  # |r| = 0.1·f exactly: b = 1
    >>> b, se, a, _ = estimate_exponent(f + r, f)
    >>> round(b, 6), round(a, 6)
    (1.0, 0.1)
    """
    f = np.abs(np.asarray(fitted, dtype=float))
    r2 = (np.asarray(rate, dtype=float) - np.asarray(fitted, dtype=float)) ** 2
    z = np.log(f)
    zc = z - z.mean()
    if not np.any(r2 > 0):
        return 0.0, math.nan, 0.0, False
    scale_r2 = r2 / r2.max()

    def slope(b: float) -> tuple[float, float]:  # S'(b)/2 (increasing: S is convex) and S''(b)/2
        terms = zc * scale_r2 * np.exp(-2 * b * zc)
        return float(-np.sum(terms)), float(2 * np.sum(zc * terms))

    lo, hi = EXPONENT_RANGE
    if slope(lo)[0] >= 0:
        b, at_limit = lo, True
    elif slope(hi)[0] <= 0:
        b, at_limit = hi, True
    else:  # Newton steps inside a shrinking bracket; bisection when a step would leave it
        b, at_limit = 0.5 * (lo + hi), False
        for _ in range(100):
            d1, d2 = slope(b)
            lo, hi = (b, hi) if d1 < 0 else (lo, b)
            step = b - d1 / d2 if d2 > 0 else math.nan
            b_new = step if lo < step < hi else 0.5 * (lo + hi)
            if abs(b_new - b) < 1e-12 * max(1.0, abs(b)) or hi - lo < 1e-12:
                b = b_new
                break
            b = b_new
    u = r2 * np.exp(-2 * b * z)
    scale = math.sqrt(float(np.mean(u)))
    pu = u / u.sum()
    var_u = float(np.sum(pu * zc**2) - np.sum(pu * zc) ** 2)
    se = 1.0 / math.sqrt(2 * z.size * var_u) if var_u > 0 else math.inf
    return float(b), float(se), scale, at_limit


def _drop_zero_fitted(problem: FitProblem, fitted: np.ndarray) -> tuple[FitProblem, np.ndarray]:
    """Exclude rows whose fitted rate is 0 (or not finite), each with its line and reason."""
    f = np.asarray(fitted, dtype=float)
    top = float(np.nanmax(np.abs(f))) if f.size and np.isfinite(f).any() else 0.0
    keep = np.isfinite(f) & (np.abs(f) > ZERO_FRACTION * top)
    if top == 0.0:
        raise FitError(
            f"{problem.source or 'data'}: every fitted rate is 0; power weighting (sigma = a*|v|^b) "
            "needs rates that are not all zero; use --weights none"
        )
    if keep.all():
        return problem, f
    why = (
        "fitted rate is 0 at these inputs (e.g. no substrate): power weighting sigma = a*|v|^b cannot "
        "weight it; subtract the blank instead, or use another --weights"
    )
    lost = tuple(Exclusion(int(line), why) for line in problem.lines[~keep])
    excluded = tuple(sorted(problem.excluded + lost, key=lambda e: e.line))
    return (
        replace(
            problem,
            inputs={k: np.asarray(v)[keep] for k, v in problem.inputs.items()},
            rate=problem.rate[keep],
            weights=problem.weights[keep],
            lines=problem.lines[keep],
            excluded=excluded,
        ),
        f[keep],
    )


def _reweighted(problems: list[FitProblem], fitted: list[np.ndarray], variance: PowerVariance) -> list:
    scheme = WeightScheme("power", variance=variance)
    b = variance.exponent
    return [replace(p, weights=np.abs(f) ** -b, scheme=scheme) for p, f in zip(problems, fitted, strict=True)]


def power_weighted(
    problems: Sequence[FitProblem],
    fitted_values: Callable[[list[FitProblem]], list[np.ndarray]],
    *,
    max_cycles: int = MAX_CYCLES,
) -> list[FitProblem]:
    """The problems with power weights wᵢ = |fᵢ|^{−b}, b estimated jointly over all of them.

    Problems that do not ask for ``power`` (or whose model is estimated already) come back
    unchanged. ``fitted_values(problems)`` fits the problems together (one data set, or a global
    fit) and returns the fitted rate of every used row of each.

    Returns
    -------
    list of FitProblem
        Each with the final weights and a ``power`` scheme carrying the
        :class:`~mgkinetics.fitting.weighting.PowerVariance` (the same object for all).

    Raises
    ------
    FitError
        Some but not all problems ask for ``power`` (a joint model needs all), or every fitted
        rate is 0.
    """
    problems = list(problems)
    if not needs_variance_model(problems):
        return problems
    if any(p.scheme.kind != "power" for p in problems):
        raise FitError("power weighting of a global fit needs every data set weighted by power")
    n_points = sum(p.n for p in problems)
    start = PowerVariance(0.0, math.nan, math.nan, n_points, 0, converged=False)
    current = _reweighted(problems, [np.ones(p.n) for p in problems], start)
    fitted = [np.asarray(f, dtype=float) for f in fitted_values(current)]
    pairs = [_drop_zero_fitted(p, f) for p, f in zip(current, fitted, strict=True)]
    current, fitted = [p for p, _ in pairs], [f for _, f in pairs]
    b_old, variance = 0.0, start
    for cycle in range(1, max_cycles + 1):
        b, se, a, at_limit = estimate_exponent(
            np.concatenate([p.rate for p in current]), np.concatenate(fitted)
        )
        settled = abs(b - b_old) <= SETTLED * se if math.isfinite(se) else True
        variance = PowerVariance(b, se, a, sum(p.n for p in current), cycle, settled, at_limit)
        current = _reweighted(current, fitted, variance)
        if settled:
            break
        b_old = b
        fitted = [np.asarray(f, dtype=float) for f in fitted_values(current)]
    return current


def joint_weighting_warnings(problems: Sequence[FitProblem], labels: Sequence[str]) -> tuple[FitWarning, ...]:
    """The weighting warnings of a global fit: each data set's, labelled, and the shared model's once."""
    out: list[FitWarning] = []
    seen: set[str] = set()
    for p, label in zip(problems, labels, strict=True):
        for w in weighting_warnings(p.scheme, p.inputs, p.rate):
            if w.code == "variance_model":
                if w.message not in seen:
                    seen.add(w.message)
                    out.append(w)
                continue
            out.append(FitWarning(w.code, f"{label}: {w.message}", **w.details))
    return tuple(out)
