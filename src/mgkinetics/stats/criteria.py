"""Information criteria on R's scale: Gaussian log-likelihood, AIC, AICc and BIC of a least-squares fit.

The one place these numbers are computed (single fits, global fits, ``compare``, ``select`` and the
batch engine all call :func:`information_criteria`). The values equal R's ``logLik()``, ``AIC()`` and
``BIC()`` of ``nls`` (stats package, ``logLik.nls``), with R's weights ``wᵢ`` being the *squared*
multipliers mgkinetics puts on the residuals (the fit minimises Σ wᵢ rᵢ²):

σ estimated (every scheme but ``sd:``)::

    logLik = −N/2 · (log 2π + 1 − log N − Σ log wᵢ / N + log Σ wᵢ rᵢ²)
    df     = p + 1                    (σ counts as a parameter)

σ known (``sd:COLUMN``, wᵢ = 1/σᵢ², nothing estimated for σ)::

    logLik = −N/2 · log 2π + ½ Σ log wᵢ − ½ Σ wᵢ rᵢ²
    df     = p

and then ``AIC = −2 logLik + 2 df``, ``BIC = −2 logLik + log(N) · df``,
``AICc = AIC + 2 df (df + 1)/(N − df − 1)`` (Hurvich & Tsai 1989; infinite when N − df − 1 ≤ 0).
Rows with zero weight are not counted in N, as in R.

Differences of these criteria between models fitted to the same rows with the same weights are the
same as those of the constant-free forms (N log(RSS/N) + 2K), so rankings do not change; the
absolute values can be compared with R's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["InformationCriteria", "information_criteria", "sum_log_weights", "fit_criteria"]

_LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class InformationCriteria:
    """Log-likelihood and criteria of one fit (or arrays of them, one per fit, from the batch engine).

    Attributes
    ----------
    loglik, aic, aicc, bic : float or numpy.ndarray
        NaN where undefined (no rows, or RSS = 0 with σ estimated).
    df : int
        Parameters counted, R's ``attr(logLik(m), "df")``: p + 1 when σ is estimated, else p.
    """

    loglik: float | np.ndarray
    aic: float | np.ndarray
    aicc: float | np.ndarray
    bic: float | np.ndarray
    df: int


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


def information_criteria(
    rss,
    n,
    n_params: int,
    *,
    log_weights=0.0,
    sigma_known: bool = False,
) -> InformationCriteria:
    """Gaussian log-likelihood, AIC, AICc and BIC of a (weighted) least-squares fit, as R computes them.

    Parameters
    ----------
    rss : float or array_like
        Weighted residual sum of squares Σ wᵢ rᵢ² (χ² when σ is known).
    n : int or array_like
        Rows with non-zero weight.
    n_params : int
        Fitted (varied) parameters p.
    log_weights : float or array_like
        Σ log wᵢ with R's weights wᵢ (see :func:`sum_log_weights`); 0 for an unweighted fit.
    sigma_known : bool
        True for absolute σ (``sd:`` weights): the likelihood uses them as the true σᵢ and df = p.

    Returns
    -------
    InformationCriteria
        Floats for scalar input, arrays (NaN where undefined) for array input.

    Examples
    --------
    In R, ``x <- 1:5; y <- c(1.1, 1.9, 3.2, 3.9, 5.1)``;
    ``logLik(nls(y ~ a*x, start=list(a=1)))`` is 3.456623 (df 2):

    >>> x = np.arange(1.0, 6); y = np.array([1.1, 1.9, 3.2, 3.9, 5.1])
    >>> a = (x @ y) / (x @ x); ic = information_criteria(float(np.sum((y - a * x) ** 2)), 5, 1)
    >>> round(ic.loglik, 4), ic.df
    (3.4566, 2)
    """
    scalar = np.ndim(rss) == 0 and np.ndim(n) == 0 and np.ndim(log_weights) == 0
    rss_a = np.atleast_1d(np.asarray(rss, dtype=float))
    n_a = np.atleast_1d(np.asarray(n, dtype=float))
    lw = np.atleast_1d(np.asarray(log_weights, dtype=float))
    df = int(n_params) if sigma_known else int(n_params) + 1
    with np.errstate(all="ignore"):
        if sigma_known:
            ok = (n_a > 0) & np.isfinite(rss_a) & (rss_a >= 0)
            loglik = -0.5 * n_a * _LOG_2PI + 0.5 * lw - 0.5 * rss_a
        else:
            ok = (n_a > 0) & np.isfinite(rss_a) & (rss_a > 0)
            loglik = -0.5 * n_a * (_LOG_2PI + 1.0 - np.log(n_a) - lw / n_a + np.log(rss_a))
        loglik = np.where(ok, loglik, np.nan)
        aic = -2.0 * loglik + 2.0 * df
        room = n_a - df - 1
        aicc = aic + np.where(room > 0, 2.0 * df * (df + 1) / np.where(room > 0, room, 1.0), np.inf)
        aicc = np.where(ok, aicc, np.nan)
        bic = -2.0 * loglik + np.log(np.where(n_a > 0, n_a, 1.0)) * df
    if scalar:
        return InformationCriteria(float(loglik[0]), float(aic[0]), float(aicc[0]), float(bic[0]), df)
    return InformationCriteria(loglik, aic, aicc, bic, df)


def fit_criteria(rss: float, weights: np.ndarray, n_params: int, *, sigma_known: bool) -> InformationCriteria:
    """:func:`information_criteria` of one fit from its residual multipliers (``FitProblem.weights``).

    N counts the rows with non-zero weight and Σ log wᵢ is taken from the squared multipliers.

    Examples
    --------
    >>> ic = fit_criteria(2.0, np.ones(10), 2, sigma_known=False)
    >>> round(ic.aic, 6)  # 10*(log 2π + 1 - log 10 + log 2) + 2*3
    18.284392
    """
    w = np.asarray(weights, dtype=float)
    n = int(np.count_nonzero(w))
    return information_criteria(rss, n, n_params, log_weights=sum_log_weights(w), sigma_known=sigma_known)
