"""Weighting schemes with explicit semantics.

A scheme turns the observed rates (and an SD column, when it needs one) into per-point weights
``w`` such that the fit minimises Σ (w·(y − f))², and says whether the standard errors are then
scaled by the residual variance:

* ``none``: w = 1; σ unknown and estimated from the residuals (errors scaled).
* ``relative``: w = 1/|y|, i.e. 1/y² on squared residuals (Prism's "relative"); σ proportional to y
  and estimated (errors scaled). Rows with y = 0 cannot be weighted and are excluded.
* ``poisson``: w = 1/√|y| (1/y on squared residuals); errors scaled.
* ``sd:COLUMN``: w = 1/σ with σ the column's absolute standard deviations, in the rate's unit after
  conversion; σ is known, so errors are **not** scaled and χ²/dof tests the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["WeightScheme", "parse_weights", "SCHEMES"]

SCHEMES = ("none", "relative", "poisson", "sd:COLUMN")


@dataclass(frozen=True)
class WeightScheme:
    """A parsed weighting choice.

    Attributes
    ----------
    kind : str
        ``none``, ``relative``, ``poisson`` or ``sd``.
    column : str or None
        The SD column for ``sd``.
    """

    kind: str
    column: str | None = None

    @property
    def scale_covar(self) -> bool:
        """Whether standard errors are scaled by the residual variance."""
        return self.kind != "sd"

    @property
    def label(self) -> str:
        """Description used in results."""
        return {
            "none": "none (unweighted; SE scaled by residual variance)",
            "relative": "relative (1/y^2; SE scaled by residual variance)",
            "poisson": "poisson (1/y; SE scaled by residual variance)",
            "sd": f"absolute sigma from column '{self.column}' (SE not scaled)",
        }[self.kind]

    def weights(self, rate: np.ndarray, sd: np.ndarray | None = None) -> tuple[np.ndarray, list[str | None]]:
        """Weights per row, and for each row a reason it cannot be weighted (None if it can)."""
        rate = np.asarray(rate, dtype=float)
        reasons: list[str | None] = [None] * rate.size
        if self.kind == "none":
            return np.ones_like(rate), reasons
        if self.kind in ("relative", "poisson"):
            bad = ~(np.abs(rate) > 0)
            for i in np.flatnonzero(bad):
                reasons[i] = f"rate is 0; {self.kind} weighting needs a non-zero rate"
            with np.errstate(divide="ignore"):
                w = 1.0 / np.abs(rate) if self.kind == "relative" else 1.0 / np.sqrt(np.abs(rate))
            return np.where(bad, 0.0, w), reasons
        sd = np.asarray(sd, dtype=float)
        for i in np.flatnonzero(~(sd > 0)):
            reasons[i] = (
                f"SD column '{self.column}' is empty" if np.isnan(sd[i]) else
                f"SD column '{self.column}' is {sd[i]:g}; absolute weights need SD > 0"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(sd > 0, 1.0 / sd, 0.0)
        return w, reasons


def parse_weights(text: str | WeightScheme | None) -> WeightScheme:
    """Parse ``none``, ``relative``, ``poisson`` or ``sd:COLUMN``.

    Raises
    ------
    ValueError
        (a :class:`~mgkinetics.errors.FitError`) naming the accepted forms.

    Examples
    --------
    >>> parse_weights("sd:rate_sd_uM_per_s").column
    'rate_sd_uM_per_s'
    """
    from .errors import FitError

    if isinstance(text, WeightScheme):
        return text
    if text is None:
        return WeightScheme("none")
    t = str(text).strip()
    if t.lower() in ("none", "relative", "poisson"):
        return WeightScheme(t.lower())
    if t.lower().startswith("sd:") and t[3:].strip():
        return WeightScheme("sd", t[3:].strip())
    raise FitError(f"unknown weights '{text}'; use one of {', '.join(SCHEMES)}")
