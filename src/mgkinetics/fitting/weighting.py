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
* ``sd:COLUMN/sqrt(N)``: the rates are means of N replicates (N a column) and COLUMN their SD:
  σ = SD/√N, the standard error of each mean. ``sd:COLUMN`` alone on a table with an unused
  replicate-count column (``n``, ``n_replicates``, ``replicates``, ``count``) is refused, since it
  would weight each mean by the spread of single replicates (σ √N times too large) unless COLUMN is
  named as a standard error (``se``, ``sem``, ``stderr`` in its name).
* ``replicates``: σ per level from the replicates themselves: rows with identical inputs form a
  level and w = 1/SD of that level's rates (sample SD, n−1). Levels with fewer than 2 replicates,
  or identical replicates (SD = 0), cannot be weighted and their rows are excluded. An SD from 2–4
  replicates is itself uncertain by 35–70 %, so these weights are treated as *relative* and the
  errors are scaled by the residual variance. Levels with fewer than 4 replicates raise a
  :class:`FewReplicatesWarning` (code ``few_replicates``): with n = 3 per level the 1/SD weights
  gave CIs about 10x too narrow.
* ``replicates:pooled``: σ proportional to each level's *mean* rate, σᵢ = CV·|mean of level|, i.e.
  relative weighting on the replicate means instead of the noisy single observations (which bias
  1/y² fits towards low readings). The pooled CV only sets the scale, which cancels because errors
  are scaled; levels with a single measurement use their one rate as the mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mgkinetics.errors import MgKineticsWarning

__all__ = [
    "WeightScheme",
    "parse_weights",
    "replicate_levels",
    "SCHEMES",
    "FewReplicatesWarning",
    "MIN_REPLICATES",
]

#: Replicates per level below which an SD is too uncertain to weight by (SD of n = 3 is uncertain
#: by about ±50 %; 1/SD² weights from it make CIs far too narrow).
MIN_REPLICATES = 4


class FewReplicatesWarning(MgKineticsWarning):
    """``weights="replicates"`` with levels of fewer than :data:`MIN_REPLICATES` replicates.

    ``code`` is ``"few_replicates"``; ``levels`` and ``fewest`` say how many levels and the
    smallest replicate count.
    """

    code = "few_replicates"

    def __init__(self, message: str, levels: int, fewest: int):
        super().__init__(message)
        self.levels, self.fewest = levels, fewest


SCHEMES = ("none", "relative", "poisson", "sd:COLUMN", "sd:COLUMN/sqrt(N)", "replicates", "replicates:pooled")


def replicate_levels(inputs, rate: np.ndarray) -> np.ndarray:
    """An id per row shared by rows with identical inputs; -1 where an input or the rate is NaN.

    Examples
    --------
    >>> replicate_levels({"s": np.array([1.0, 2, 1, 2])}, np.ones(4)).tolist()
    [0, 1, 0, 1]
    """
    rate = np.asarray(rate, dtype=float)
    cols = [np.asarray(v, dtype=float) for v in dict(inputs).values()]
    stacked = np.column_stack(cols) if cols else np.zeros((rate.size, 0))
    bad = ~np.isfinite(rate) | ~np.all(np.isfinite(stacked), axis=1)
    ids = np.full(rate.size, -1, dtype=int)
    if (~bad).any():
        _, inv = np.unique(np.round(stacked[~bad], 12), axis=0, return_inverse=True)
        ids[~bad] = np.asarray(inv).ravel()
    return ids


@dataclass(frozen=True)
class WeightScheme:
    """A parsed weighting choice.

    Attributes
    ----------
    kind : str
        ``none``, ``relative``, ``poisson`` or ``sd``.
    column : str or None
        The SD column for ``sd``.
    count_column : str or None
        For ``sd:COLUMN/sqrt(N)``: the column of replicate counts N (σ = SD/√N).
    """

    kind: str
    column: str | None = None
    count_column: str | None = None

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
            "sd": f"absolute sigma from column '{self.column}'"
            + (f" / sqrt('{self.count_column}'), the SE of each mean" if self.count_column else "")
            + " (SE not scaled)",
            "replicates": "replicates (1/SD^2 of each level's replicates; SE scaled by residual variance)",
            "replicates:pooled": "replicates:pooled (1/mean^2 of each level; SE scaled by residual variance)",
        }[self.kind]

    def weights(
        self, rate: np.ndarray, sd: np.ndarray | None = None, levels: np.ndarray | None = None
    ) -> tuple[np.ndarray, list[str | None]]:
        """Weights per row, and for each row a reason it cannot be weighted (None if it can).

        ``levels`` (from :func:`replicate_levels`) is needed by the replicate schemes.
        """
        rate = np.asarray(rate, dtype=float)
        reasons: list[str | None] = [None] * rate.size
        if self.kind == "none":
            return np.ones_like(rate), reasons
        if self.kind.startswith("replicates"):
            return self._replicate_weights(rate, levels, reasons)
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
                f"SD column '{self.column}' is empty"
                if np.isnan(sd[i])
                else f"SD column '{self.column}' is {sd[i]:g}; absolute weights need SD > 0"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(sd > 0, 1.0 / sd, 0.0)
        return w, reasons

    def _replicate_weights(self, rate, levels, reasons):
        if levels is None:
            from mgkinetics.errors import FitError

            raise FitError("replicate weighting needs the rows' input values to find the replicates")
        w = np.zeros_like(rate)
        pooled = self.kind == "replicates:pooled"
        if not pooled:
            _warn_few_replicates(levels)
        for g in np.unique(levels[levels >= 0]):
            m = levels == g
            vals = rate[m]
            if pooled:
                mean = abs(float(np.mean(vals)))
                if mean > 0:
                    w[m] = 1.0 / mean
                else:
                    for i in np.flatnonzero(m):
                        reasons[i] = (
                            "mean rate of its replicates is 0; pooled replicate weighting needs it non-zero"
                        )
                continue
            sd = float(np.std(vals, ddof=1)) if vals.size > 1 else 0.0
            if vals.size > 1 and sd > 0:
                w[m] = 1.0 / sd
                continue
            why = (
                "no replicate at these inputs; replicate weighting needs >= 2 rows per level"
                if vals.size < 2
                else "its replicates are identical (SD = 0); cannot weight by their SD"
            )
            for i in np.flatnonzero(m):
                reasons[i] = why
        return w, reasons


def _warn_few_replicates(levels: np.ndarray) -> None:
    import warnings

    counts = np.bincount(levels[levels >= 0]) if (levels >= 0).any() else np.array([], dtype=int)
    few = counts[(counts >= 2) & (counts < MIN_REPLICATES)]
    if few.size:
        warnings.warn(
            FewReplicatesWarning(
                f"[few_replicates] {few.size} of {counts.size} levels have fewer than "
                f"{MIN_REPLICATES} replicates (fewest {int(few.min())}): their SDs are too "
                "uncertain to weight by, and the CIs will be too narrow; use weights='relative' "
                "or 'replicates:pooled', or measure more replicates",
                int(few.size),
                int(few.min()),
            ),
            stacklevel=4,
        )


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
    >>> parse_weights("sd:rate_sd_uM_per_s/sqrt(n)").count_column
    'n'
    """
    import re

    from mgkinetics.errors import FitError

    if isinstance(text, WeightScheme):
        return text
    if text is None:
        return WeightScheme("none")
    t = str(text).strip()
    if t.lower() in ("none", "relative", "poisson", "replicates", "replicates:pooled"):
        return WeightScheme(t.lower())
    if t.lower().startswith("sd:") and t[3:].strip():
        mean_of = re.fullmatch(r"(.+?)\s*/\s*sqrt\(\s*(.+?)\s*\)", t[3:].strip())
        if mean_of:
            return WeightScheme("sd", mean_of.group(1), count_column=mean_of.group(2))
        return WeightScheme("sd", t[3:].strip())
    raise FitError(f"unknown weights '{text}'; use one of {', '.join(SCHEMES)}")
