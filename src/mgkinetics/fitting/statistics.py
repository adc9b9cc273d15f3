"""Goodness-of-fit numbers of one fit (:class:`Statistics`), on R's scale."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mgkinetics.fitting.numerics import information_criteria
from mgkinetics.fitting.plain import finite_or_none

__all__ = ["Statistics"]


@dataclass(frozen=True)
class Statistics:
    """Goodness-of-fit numbers of one fit.

    ``rss`` is the weighted residual sum of squares (χ² for absolute σ). ``loglik``, ``aic``, ``aicc``
    and ``bic`` are on R's scale (Gaussian constant and weights' term included; σ counts as a
    parameter except for absolute-σ weighting): :func:`mgkinetics.fitting.numerics.information_criteria`.
    ``log_weights`` is Σ log wᵢ of R's weights, kept so pooled criteria can be recomputed.
    """

    n: int
    dof: int
    rss: float
    redchi: float
    r2: float
    aicc: float
    bic: float
    n_params: int
    loglik: float = float("nan")
    aic: float = float("nan")
    log_weights: float = 0.0

    @classmethod
    def of_fit(cls, n: int, k: int, rss: float, *, r2: float, scale_covar: bool, log_weights: float = 0.0):
        """The statistics of a fit of ``k`` parameters to ``n`` rows with weighted RSS ``rss``:
        dof, reduced χ² and the information criteria of
        :func:`~mgkinetics.fitting.numerics.information_criteria`."""
        ic = information_criteria(n, k, rss, scale_covar, log_weights=log_weights)
        dof = n - k
        return cls(
            n=n,
            dof=dof,
            rss=rss,
            redchi=rss / dof if dof > 0 else math.nan,
            r2=r2,
            aicc=ic.aicc,
            bic=ic.bic,
            n_params=k,
            loglik=ic.loglik,
            aic=ic.aic,
            log_weights=log_weights,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        measures = ("rss", "redchi", "r2", "loglik", "aic", "aicc", "bic")  # None when not finite
        return {"n": self.n, "dof": self.dof, **{k: finite_or_none(getattr(self, k)) for k in measures}}
