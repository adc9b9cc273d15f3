"""The shared numerics of every fit, once: Jacobian, covariance, quantiles, R², AICc/BIC, F test.

Single fits, global fits, the batch engine, intervals, bands, comparisons and model selection all
read these; none keeps a copy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

__all__ = [
    "richardson_jacobian",
    "covariance",
    "correlation",
    "quantile",
    "weighted_r2",
    "information_criteria",
    "f_test",
]


def _steps(theta: np.ndarray, rel_step: float, typical: np.ndarray | None) -> np.ndarray:
    """Relative steps; a parameter at 0 steps relative to its typical size (1 when unknown)."""
    size = np.abs(theta)
    if typical is None:
        typical = np.ones_like(size)
    fallback = np.where(np.abs(typical) > 0, np.abs(typical), 1.0)
    return rel_step * np.where(size > 0, size, fallback)


def richardson_jacobian(
    r: Callable[[np.ndarray], np.ndarray],
    theta: np.ndarray,
    rel_step: float = 1e-4,
    *,
    typical: np.ndarray | None = None,
) -> np.ndarray:
    """Jacobian of ``r`` by central differences with one Richardson extrapolation step (error ~h⁴).

    Steps are relative to each parameter (scale-free: parameters of 1e-30 and 1e+30 are
    differentiated alike); a parameter at exactly 0 steps by ``rel_step·typical``.

    Examples
    --------
    >>> jac = richardson_jacobian(lambda t: np.array([t[0] ** 3, t[0] * t[1]]), np.array([2.0, 3.0]))
    >>> np.round(jac, 10).tolist()
    [[12.0, 0.0], [3.0, 2.0]]
    """
    theta = np.asarray(theta, dtype=float)
    h_all = _steps(theta, rel_step, typical)
    cols = []
    for i, h in enumerate(h_all):

        def f(step, i=i):
            t = theta.copy()
            t[i] += step
            return np.asarray(r(t), dtype=float)

        d1 = (f(h) - f(-h)) / (2 * h)
        d2 = (f(h / 2) - f(-h / 2)) / h
        cols.append(d2 + (d2 - d1) / 3.0)
    return np.column_stack(cols) if cols else np.zeros((np.asarray(r(theta)).size, 0))


def covariance(jac: np.ndarray, scale: float = 1.0) -> np.ndarray | None:
    """``inv(JᵀJ)·scale``, or None when JᵀJ is singular or gives a non-physical variance.

    ``scale`` is the reduced χ² when σ is estimated from the residuals, 1 for absolute σ. The
    inverse is taken on the column-normalised matrix, so parameters of very different size
    (1e-30 beside 1e+30) do not make a well-determined problem look singular.
    """
    jac = np.asarray(jac, dtype=float)
    norms = np.linalg.norm(jac, axis=0)
    if jac.size == 0 or not np.all(np.isfinite(jac)) or np.any(norms == 0):
        return None
    js = jac / norms
    try:
        inv = np.linalg.inv(js.T @ js)
    except np.linalg.LinAlgError:
        return None
    cov = inv / np.outer(norms, norms) * scale
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
        return None
    return cov


def correlation(cov: np.ndarray) -> np.ndarray:
    """The correlation matrix of a covariance (NaN where a variance is 0)."""
    sd = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        return cov / np.outer(sd, sd)


@lru_cache(maxsize=256)
def quantile(scale_covar: bool, dof: int, level: float = 0.95) -> float:
    """Two-sided quantile for a ``level`` interval: Student's t(dof) when σ is estimated, else normal.

    Examples
    --------
    >>> round(quantile(True, 10), 4), round(quantile(False, 10), 4)
    (2.2281, 1.96)
    """
    from scipy import stats

    if not scale_covar:
        return float(stats.norm.ppf(0.5 + level / 2))
    return float(stats.t.ppf(0.5 + level / 2, dof)) if dof > 0 else math.nan


def weighted_r2(rate: np.ndarray, weights: np.ndarray, rss: float) -> float:
    """R² = 1 − RSS_w / Σ w²(y − ȳ_w)², ȳ_w the w²-weighted mean (the unweighted R² when w = 1)."""
    w2 = np.asarray(weights, dtype=float) ** 2
    if rate.size == 0 or not np.sum(w2) > 0:
        return math.nan
    ybar = float(np.sum(w2 * rate) / np.sum(w2))
    ss_tot = float(np.sum(w2 * (rate - ybar) ** 2))
    return 1.0 - rss / ss_tot if ss_tot > 0 else math.nan


def information_criteria(n: int, k: int, rss: float, scale_covar: bool) -> tuple[float, float]:
    """AICc and BIC; K counts σ² as a parameter when it is estimated (Burnham & Anderson 2002).

    The likelihood's constant is left out (differences between fits of the same rows are what
    the criteria compare).

    Examples
    --------
    >>> aicc, bic = information_criteria(10, 2, 1.0, True)
    >>> round(aicc, 4), round(bic, 4)
    (-13.0259, -16.1181)
    """
    if n <= 0 or not (rss > 0):
        return math.nan, math.nan
    kk = k + 1 if scale_covar else k
    core = n * math.log(rss / n) if scale_covar else rss
    aic = core + 2 * kk
    aicc = aic + (2 * kk * (kk + 1) / (n - kk - 1) if n - kk - 1 > 0 else math.inf)
    bic = core + kk * math.log(n)
    return aicc, bic


def f_test(rss_simple: float, df_simple: int, rss_complex: float, df_complex: int) -> dict:
    """Extra-sum-of-squares F test of a simpler model nested in a more complex one.

    Examples
    --------
    >>> round(f_test(10.0, 10, 5.0, 9)["F"], 6)
    9.0
    """
    from scipy import stats

    ddf = df_simple - df_complex
    if ddf <= 0 or df_complex <= 0 or not rss_complex > 0:
        return {"F": None, "p_value": None, "df": (ddf, df_complex)}
    f = ((rss_simple - rss_complex) / ddf) / (rss_complex / df_complex)
    return {"F": float(f), "p_value": float(stats.f.sf(f, ddf, df_complex)), "df": (ddf, df_complex)}
