"""What a solved fit reports, single or global: its estimates, its statistics and how it went.

A single fit (:mod:`mgkinetics.fitting.single`) and a global fit (:mod:`mgkinetics.fitting.globalfit`)
both solve one stacked least-squares problem on :mod:`mgkinetics.fitting.engine`; from its
:class:`~mgkinetics.fitting.engine.Solution` they report the same things in the same way, here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mgkinetics.fitting.engine import Solution
from mgkinetics.fitting.estimates import estimates_for
from mgkinetics.fitting.numerics import quantile, sum_log_weights, weighted_r2
from mgkinetics.fitting.results import Estimate, Statistics
from mgkinetics.fitting.status import SUCCESS

__all__ = ["solved_estimates", "solved_statistics", "outcome_fields", "solution_fields"]


def solved_estimates(
    sol: Solution,
    units: Mapping[str, str],
    varying: Sequence[str],
    scale_covar: bool,
    ci_level: float,
    specs: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Estimate], float]:
    """Every parameter's estimate (value, unit, SE, asymptotic interval) and the interval's quantile.

    Parameters
    ----------
    sol : Solution
        What the engine found.
    units : mapping
        Parameter key -> unit.
    varying : sequence of str
        The fitted keys, in the covariance's order.
    scale_covar : bool
        Residual variance estimated (t quantile) or known from the weights (z quantile).
    ci_level : float
        Coverage of the intervals.
    specs : mapping, optional
        Key -> the parameter's declaration (:class:`~mgkinetics.laws.registry.Param`): an interval
        side beyond its min or max is cut there (:func:`~mgkinetics.fitting.estimates.clip_interval`).

    Returns
    -------
    estimates : dict of Estimate
        By parameter key.
    q : float
        The t (or z) quantile of the intervals.
    """
    q = quantile(scale_covar, sol.dof, ci_level)
    bounds = {key: (spec.min, spec.max) for key, spec in (specs or {}).items()}
    estimates = estimates_for(
        sol.values,
        units,
        list(varying),
        sol.covariance,
        q,
        scale_covar=scale_covar,
        ci_level=ci_level,
        bounds=bounds,
    )
    return estimates, q


def solved_statistics(
    sol: Solution, n_params: int, rates: np.ndarray, weights: np.ndarray, scale_covar: bool
) -> Statistics:
    """The fit's :class:`Statistics` (dof, reduced χ², weighted R², AICc, BIC on R's scale).

    ``rates`` and ``weights`` are those of every row fitted, stacked in the engine's order.
    """
    return Statistics.of_fit(
        sol.n,
        n_params,
        sol.rss,
        r2=weighted_r2(rates, weights, sol.rss),
        scale_covar=scale_covar,
        log_weights=sum_log_weights(weights),
    )


def outcome_fields(sol: Solution, warnings: Sequence, status: str, reason: str) -> dict[str, Any]:
    """How the fit went, as every result (and every part of a global one) states it.

    Returns
    -------
    dict
        ``success`` (status converged or at_bound), ``message`` (the engine's), ``warnings``,
        ``status`` and ``status_reason``.
    """
    return dict(
        success=status in SUCCESS,
        message=sol.message,
        warnings=tuple(warnings),
        status=status,
        status_reason=reason,
    )


def solution_fields(sol: Solution, varying: Sequence[str]) -> dict[str, Any]:
    """The joint covariance, the names of its rows and the lmfit result that holds the reported values."""
    return dict(covariance=sol.covariance, covariance_names=tuple(varying), lmfit_result=sol.lmfit_result)
