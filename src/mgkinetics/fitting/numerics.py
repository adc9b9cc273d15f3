"""The shared numerics of every fit, once: Jacobian, covariance, quantiles, R², AICc/BIC, F test.

Single fits, global fits, the batch engine, intervals, bands, comparisons and model selection all
read these; none keeps a copy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

_LOG_2PI = math.log(2 * math.pi)

__all__ = [
    "richardson_jacobian",
    "covariance",
    "correlation",
    "quantile",
    "weighted_r2",
    "information_criteria",
    "sum_log_weights",
    "Criteria",
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
    if jac.size == 0 or not np.isfinite(jac).all():
        return None
    # column norms computed on max-scaled columns: a column of 1e-200 has a norm, not 0 (its square
    # would underflow), and one of 1e+200 does not overflow
    top = np.abs(jac).max(axis=0)
    if (top == 0).any():
        return None
    scaled = jac / top
    norms = top * np.sqrt(np.add.reduce(scaled * scaled, axis=0))
    js = jac / norms
    try:
        inv = np.linalg.inv(js.T @ js)
    except np.linalg.LinAlgError:
        return None
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        d = math.sqrt(scale) / norms if scale >= 0 else np.full(norms.shape, math.nan)
        cov = inv * d[:, None] * d[None, :]  # σ² (JᵀJ)⁻¹ without forming 1/norm² (over- or underflow)
    if not np.isfinite(cov).all() or (cov.diagonal() < 0).any():
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
    # scipy.special, not scipy.stats (the same functions: stats.t.ppf calls stdtrit, stats.norm.ppf
    # ndtri; equal bit for bit), which costs a second to import on the CLI path of `fit` and `batch`
    from scipy.special import ndtri, stdtrit

    if not scale_covar:
        return float(ndtri(0.5 + level / 2))
    return float(stdtrit(dof, 0.5 + level / 2)) if dof > 0 else math.nan


def weighted_r2(rate: np.ndarray, weights: np.ndarray, rss: float) -> float:
    """R² = 1 − RSS_w / Σ w²(y − ȳ_w)², ȳ_w the w²-weighted mean (the unweighted R² when w = 1)."""
    w2 = np.asarray(weights, dtype=float) ** 2
    if rate.size == 0 or not np.sum(w2) > 0:
        return math.nan
    ybar = float(np.sum(w2 * rate) / np.sum(w2))
    ss_tot = float(np.sum(w2 * (rate - ybar) ** 2))
    return 1.0 - rss / ss_tot if ss_tot > 0 else math.nan


class Criteria(tuple):
    """``(aicc, bic)`` (so ``aicc, bic = information_criteria(...)`` unpacks), with ``loglik``,
    ``aic``, ``aicc``, ``bic`` and ``df`` as attributes (floats, or arrays for array input)."""

    def __new__(cls, loglik, aic, aicc, bic, df: int):
        obj = super().__new__(cls, (aicc, bic))
        obj.loglik, obj.aic, obj.aicc, obj.bic, obj.df = loglik, aic, aicc, bic, df
        return obj


def sum_log_weights(weights: np.ndarray) -> float:
    """Σ log wᵢ over rows with non-zero weight, wᵢ = (residual multiplier)², i.e. R's ``weights``.

    Examples
    --------
    >>> round(sum_log_weights(np.array([1.0, 0.5, 0.0])), 6)  # log 1 + log 0.25; the 0 is not counted
    -1.386294
    """
    w = np.asarray(weights, dtype=float)
    w = w[w != 0]
    return float(2.0 * np.sum(np.log(np.abs(w))))


def information_criteria(n, k: int, rss, scale_covar: bool, *, log_weights=0.0) -> Criteria:
    """Gaussian log-likelihood, AIC, AICc and BIC on R's scale (``logLik``/``AIC``/``BIC`` of ``nls``).

    With N rows of non-zero weight, p = ``k`` fitted parameters and R's weights wᵢ (the squared
    residual multipliers; ``log_weights`` = Σ log wᵢ, see :func:`sum_log_weights`):

    * σ estimated (``scale_covar``): logLik = −N/2·(log 2π + 1 − log N − Σ log wᵢ/N + log Σ wᵢrᵢ²),
      df = p + 1;
    * σ known (absolute ``sd:`` weights, wᵢ = 1/σᵢ²): logLik = −N/2·log 2π + ½ Σ log wᵢ − ½ χ², df = p;

    AIC = −2 logLik + 2 df, BIC = −2 logLik + log(N)·df, AICc = AIC + 2 df (df + 1)/(N − df − 1)
    (infinite when N − df − 1 ≤ 0). NaN where undefined. ``n``, ``rss`` and ``log_weights`` may be
    arrays (one fit per element, as the batch engine uses it). Differences between fits of the same
    rows and weights equal those of the constant-free N log(RSS/N) + 2K.

    Examples
    --------
    In R, ``x <- 1:5; y <- c(1.1, 1.9, 3.2, 3.9, 5.1)``;
    ``logLik(nls(y ~ a*x, start=list(a=1)))`` is 3.456623 (df 2):

    >>> x = np.arange(1.0, 6); y = np.array([1.1, 1.9, 3.2, 3.9, 5.1])
    >>> a = (x @ y) / (x @ x); ic = information_criteria(5, 1, float(np.sum((y - a * x) ** 2)), True)
    >>> round(ic.loglik, 4), ic.df
    (3.4566, 2)
    """
    scalar = np.ndim(rss) == 0 and np.ndim(n) == 0 and np.ndim(log_weights) == 0
    if scalar:  # one fit: plain floats (the same formulas, a tenth of the time of the array path)
        return _scalar_criteria(float(n), int(k), float(rss), scale_covar, float(log_weights))
    rss_a = np.atleast_1d(np.asarray(rss, dtype=float))
    n_a = np.atleast_1d(np.asarray(n, dtype=float))
    lw = np.atleast_1d(np.asarray(log_weights, dtype=float))
    df = int(k) + 1 if scale_covar else int(k)
    with np.errstate(all="ignore"):
        if scale_covar:
            ok = (n_a > 0) & np.isfinite(rss_a) & (rss_a > 0)
            loglik = -0.5 * n_a * (_LOG_2PI + 1.0 - np.log(n_a) - lw / n_a + np.log(rss_a))
        else:
            ok = (n_a > 0) & np.isfinite(rss_a) & (rss_a >= 0)
            loglik = -0.5 * n_a * _LOG_2PI + 0.5 * lw - 0.5 * rss_a
        loglik = np.where(ok, loglik, np.nan)
        aic = -2.0 * loglik + 2.0 * df
        room = n_a - df - 1
        aicc = np.where(
            ok, aic + np.where(room > 0, 2.0 * df * (df + 1) / np.where(room > 0, room, 1.0), np.inf), np.nan
        )
        bic = -2.0 * loglik + np.log(np.where(n_a > 0, n_a, 1.0)) * df
    return Criteria(loglik, aic, aicc, bic, df)


def _scalar_criteria(n: float, k: int, rss: float, scale_covar: bool, log_weights: float) -> Criteria:
    """:func:`information_criteria` of one fit, in floats."""
    df = k + 1 if scale_covar else k
    if scale_covar:
        ok = n > 0 and math.isfinite(rss) and rss > 0
        loglik = (
            -0.5 * n * (_LOG_2PI + 1.0 - math.log(n) - log_weights / n + math.log(rss)) if ok else math.nan
        )
    else:
        ok = n > 0 and math.isfinite(rss) and rss >= 0
        loglik = -0.5 * n * _LOG_2PI + 0.5 * log_weights - 0.5 * rss if ok else math.nan
    if not ok:
        return Criteria(math.nan, math.nan, math.nan, math.nan, df)
    aic = -2.0 * loglik + 2.0 * df
    room = n - df - 1
    aicc = aic + (2.0 * df * (df + 1) / room if room > 0 else math.inf)
    bic = -2.0 * loglik + math.log(n) * df
    return Criteria(loglik, aic, aicc, bic, df)


def f_test(rss_simple: float, df_simple: int, rss_complex: float, df_complex: int) -> dict:
    """Extra-sum-of-squares F test of a simpler model nested in a more complex one.

    Examples
    --------
    >>> round(f_test(10.0, 10, 5.0, 9)["F"], 6)
    9.0
    >>> f_test(5.0 - 1e-15, 10, 5.0, 9)["F"], f_test(5.0 - 1e-15, 10, 5.0, 9)["p_value"]
    (0.0, 1.0)
    """
    from scipy import stats

    ddf = df_simple - df_complex
    if ddf <= 0 or df_complex <= 0 or not rss_complex > 0:
        return {"F": None, "p_value": None, "df": (ddf, df_complex)}
    # the nested model cannot fit better; a negative difference is rounding of two equal optima
    f = max(((rss_simple - rss_complex) / ddf) / (rss_complex / df_complex), 0.0)
    return {"F": float(f), "p_value": float(stats.f.sf(f, ddf, df_complex)), "df": (ddf, df_complex)}
