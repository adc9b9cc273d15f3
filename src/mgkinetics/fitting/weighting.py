"""Weighting schemes with explicit semantics.

A scheme turns the observed rates (and an SD column, when it needs one) into per-point weights
``w`` such that the fit minimises Σ (w·(y − f))², and says whether the standard errors are then
scaled by the residual variance:

* ``none``: w = 1; σ unknown and estimated from the residuals (errors scaled).
* ``relative``: w = 1/|y|, i.e. 1/y² on squared residuals (Prism's "relative"); σ ∝ y, estimated
  (errors scaled). ``poisson``: w = 1/√|y| (1/y on squared residuals); errors scaled. Rows with
  y = 0 (relative: or |y| < 5.6e-309, whose 1/|y| overflows) cannot be weighted and are excluded.
* ``sd:COLUMN``: w = 1/σ with σ the column's absolute standard deviations, in the rate's unit after
  conversion; σ is known, so errors are **not** scaled and χ²/dof tests the model.
* ``sd:COLUMN/sqrt(N)``: σ = SD/√N for means of N replicates (see :mod:`mgkinetics.fitting.means`).
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
* ``power``: a variance model fitted across all levels, σᵢ = a·|vᵢ|^b with vᵢ the fitted rate, so
  w = 1/|v|^b (:mod:`mgkinetics.fitting.variance_model`: iteratively reweighted least squares with
  b estimated by pseudo-likelihood, Carroll & Ruppert 1988). b = 0 is constant σ, b = 1 a constant
  CV (``relative``), b = 1/2 ``poisson``; the fitted b and its standard error travel on the scheme
  (:attr:`WeightScheme.variance`). Two parameters estimated from every point instead of one SD per
  level from 2-3 points: this is the scheme to use when levels have few replicates. Errors are
  scaled (a is estimated). Rows whose fitted rate is 0 (no substrate) cannot be weighted and are
  excluded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mgkinetics.errors import FitWarning, MgKineticsWarning
from mgkinetics.fitting.means import SD_SCHEMES, sd_label, sd_weights, split_sd_spec

__all__ = [
    "PowerVariance",
    "WeightScheme",
    "few_replicates_warning",
    "few_replicates_by_group",
    "weighting_model",
    "weighting_warnings",
    "parse_weights",
    "replicate_levels",
    "SCHEMES",
    "FewReplicatesWarning",
    "MIN_REPLICATES",
    "EXPONENT_RANGE",
]

#: Search range of the power model's exponent b (σ = a·|v|^b); 0, 1/2 and 1 are the usual values.
EXPONENT_RANGE = (-1.0, 3.0)

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


SCHEMES = ("none", "relative", "poisson", *SD_SCHEMES, "replicates", "replicates:pooled", "power")


@dataclass(frozen=True)
class PowerVariance:
    """The fitted variance model σ = a·|v|^b of ``weights="power"``.

    Attributes
    ----------
    exponent : float
        b (0: constant σ; 1: constant CV).
    exponent_se : float
        Its standard error (from the curvature of the profile pseudo-likelihood; NaN when the
        residuals are all 0).
    scale : float
        a, in the rate's unit to the power 1 − b (σ at |v| = 1).
    n_points : int
        Points the model was estimated from.
    iterations : int
        Reweighting cycles until a cycle moved b by less than a quarter of its standard error.
    converged : bool
        Whether that happened within the cycle budget.
    at_limit : bool
        Whether b sits at a limit of its search range (``EXPONENT_RANGE``).
    """

    exponent: float
    exponent_se: float
    scale: float
    n_points: int
    iterations: int
    converged: bool = True
    at_limit: bool = False

    @property
    def text(self) -> str:
        """``b = 1.02 ± 0.11`` style summary."""
        return f"b = {self.exponent:.3g} ± {self.exponent_se:.2g}"

    def to_dict(self) -> dict:
        """The JSON form (``weighting_model`` of a fit); a non-finite number is None."""
        out = {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in vars(self).items()}
        return {"model": "sigma = scale * |fitted rate| ** exponent", "method": "pseudo-likelihood", **out}


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
        ``none``, ``relative``, ``poisson``, ``sd``, ``replicates``, ``replicates:pooled`` or ``power``.
    column, count_column : str or None
        The SD column for ``sd``, and the column of replicate counts N of ``sd:SD/sqrt(N)``.
    variance : PowerVariance or None
        For ``power``: the fitted variance model, once estimated
        (:func:`mgkinetics.fitting.variance_model.power_weighted`); None before.
    """

    kind: str
    column: str | None = None
    variance: PowerVariance | None = None
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
            "sd": f"absolute sigma from column {sd_label(self.column, self.count_column)}",
            "replicates": "replicates (1/SD^2 of each level's replicates; SE scaled by residual variance)",
            "replicates:pooled": "replicates:pooled (1/mean^2 of each level; SE scaled by residual variance)",
            "power": "power (sigma = a*|v|^b fitted across levels"
            + (f", {self.variance.text}" if self.variance is not None else ", not yet estimated")
            + "; SE scaled by residual variance)",
        }[self.kind]

    def weights(
        self, rate: np.ndarray, sd: np.ndarray | None = None, levels: np.ndarray | None = None, groups=None
    ) -> tuple[np.ndarray, list[str | None]]:
        """Weights per row, and for each row a reason it cannot be weighted (None if it can).

        ``levels`` (from :func:`replicate_levels`) is needed by the replicate schemes; ``groups``
        (one key per row) keeps the curves fitted apart apart in the SD checks.
        """
        rate = np.asarray(rate, dtype=float)
        reasons: list[str | None] = [None] * rate.size
        if self.kind in ("none", "power"):  # power: unit weights start the reweighting cycles
            return np.ones_like(rate), reasons
        if self.kind.startswith("replicates"):
            return self._replicate_weights(rate, levels, reasons)
        if self.kind in ("relative", "poisson"):
            bad = ~(np.abs(rate) > 0)  # and, relative: 1/|rate| overflows below ~5.6e-309 (subnormals)
            tiny = ~bad & (np.abs(rate) < 1.0 / np.finfo(float).max) & (self.kind == "relative")
            for i in np.flatnonzero(bad | tiny):
                why = "is 0" if bad[i] else f"{rate[i]:.3g} is too close to 0 (1/rate overflows)"
                reasons[i] = f"rate {why}; {self.kind} weighting needs a non-zero rate"
            safe = np.where(bad | tiny, 1.0, np.abs(rate))
            w = 1.0 / safe if self.kind == "relative" else 1.0 / np.sqrt(safe)
            return np.where(bad | tiny, 0.0, w), reasons
        return sd_weights(np.asarray(sd, dtype=float), self.column, reasons, groups)

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
            reasons[:] = [why if in_level else r for in_level, r in zip(m, reasons)]
        return w, reasons


def _few_message(n_few: int, n_levels: int, fewest: int) -> str:
    return (
        f"{n_few} of {n_levels} replicate levels have fewer than {MIN_REPLICATES} replicates "
        f"(fewest {fewest}): their SDs are too uncertain to weight by and the CIs are too narrow; "
        "use --weights power (weights='power': sigma = a*v^b fitted across levels), or "
        "replicates:pooled, or measure more replicates"
    )


def _few_counts(levels: np.ndarray) -> tuple[int, int, int]:
    """(levels with 2..MIN_REPLICATES-1 rows, levels with >= 2 rows, fewest rows among the former)."""
    counts = np.bincount(levels[levels >= 0]) if (levels >= 0).any() else np.array([], dtype=int)
    weighted = counts[counts >= 2]
    few = weighted[weighted < MIN_REPLICATES]
    return int(few.size), int(weighted.size), int(few.min()) if few.size else 0


def _warn_few_replicates(levels: np.ndarray) -> None:
    import warnings

    n_few, n_levels, fewest = _few_counts(levels)
    if n_few:
        warnings.warn(
            FewReplicatesWarning(f"[few_replicates] {_few_message(n_few, n_levels, fewest)}", n_few, fewest),
            stacklevel=4,
        )


def few_replicates_warning(levels: np.ndarray) -> FitWarning | None:
    """The coded ``few_replicates`` fit warning for replicate ``levels`` of the rows used, or None.

    Examples
    --------
    >>> w = few_replicates_warning(np.array([0, 0, 0, 1, 1, 1, 1]))
    >>> w.code, w.details
    ('few_replicates', {'levels': 1, 'fewest': 3})
    >>> few_replicates_warning(np.array([0, 0, 0, 0])) is None
    True
    """
    n_few, n_levels, fewest = _few_counts(np.asarray(levels, dtype=int))
    if not n_few:
        return None
    return FitWarning("few_replicates", _few_message(n_few, n_levels, fewest), levels=n_few, fewest=fewest)


def few_replicates_by_group(inputs, rate: np.ndarray, group_ids: np.ndarray) -> dict[int, FitWarning]:
    """The ``few_replicates`` warning of each group (curve) that has one, vectorised over all rows.

    Examples
    --------
    >>> ids = np.array([0, 0, 0, 0, 1, 1, 1])
    >>> few = few_replicates_by_group({"s": np.ones(7)}, np.arange(7.0), ids)
    >>> list(few), few[1].details
    ([1], {'levels': 1, 'fewest': 3})
    """
    group_ids = np.asarray(group_ids, dtype=int)
    levels = replicate_levels({**dict(inputs), "\x00group": group_ids.astype(float)}, rate)
    ok = levels >= 0
    if not ok.any():
        return {}
    counts = np.bincount(levels[ok])
    group_of = np.zeros(counts.size, dtype=int)
    group_of[levels[ok]] = group_ids[ok]
    few = (counts >= 2) & (counts < MIN_REPLICATES)
    n_groups = int(group_ids.max()) + 1
    n_few = np.bincount(group_of[few], minlength=n_groups)
    n_levels = np.bincount(group_of[counts >= 2], minlength=n_groups)
    fewest = np.full(n_groups, MIN_REPLICATES)
    np.minimum.at(fewest, group_of[few], counts[few])
    return {
        int(g): FitWarning(
            "few_replicates",
            _few_message(int(n_few[g]), int(n_levels[g]), int(fewest[g])),
            levels=int(n_few[g]),
            fewest=int(fewest[g]),
        )
        for g in np.flatnonzero(n_few)
    }


def weighting_warnings(scheme: WeightScheme, inputs, rate: np.ndarray) -> tuple[FitWarning, ...]:
    """Coded warnings a weighting scheme gives the rows a fit used (``inputs``, ``rate``).

    ``replicates`` with levels of fewer than :data:`MIN_REPLICATES` rows: ``few_replicates``. A
    ``power`` model whose exponent did not settle or sits at a limit of its range: ``variance_model``.
    Other schemes: none.
    """
    out: list[FitWarning] = []
    if scheme.kind == "replicates":
        warning = few_replicates_warning(replicate_levels(inputs, rate))
        if warning is not None:
            out.append(warning)
    v = scheme.variance
    if v is not None and not v.converged:
        out.append(
            FitWarning(
                "variance_model",
                f"power weights: b did not settle in {v.iterations} cycles "
                f"({v.text}); the weights may be poor, compare with --weights relative",
            )
        )
    if v is not None and v.at_limit:
        out.append(
            FitWarning(
                "variance_model",
                f"power weights: {v.text} is at the limit of its range "
                f"{EXPONENT_RANGE}; the scatter does not follow sigma = a*v^b",
            )
        )
    return tuple(out)


def weighting_model(scheme) -> dict:
    """``{"weighting_model": {...}}`` for a fitted variance model (``weights="power"``), else {}.

    The JSON entry of a fit (:meth:`mgkinetics.fitting.results.FitResult.to_dict`).
    """
    variance = getattr(scheme, "variance", None)
    return {"weighting_model": variance.to_dict()} if variance is not None else {}


def parse_weights(text: str | WeightScheme | None) -> WeightScheme:
    """Parse a weighting: ``none``, ``relative``, ``poisson``, ``replicates``, ``replicates:pooled``,
    ``power`` or ``sd:COLUMN``.

    Raises
    ------
    ValueError
        (a :class:`~mgkinetics.errors.FitError`) naming the accepted forms.

    Examples
    --------
    >>> parse_weights("sd:rate_sd_uM_per_s").column
    'rate_sd_uM_per_s'
    """
    from mgkinetics.errors import FitError

    if isinstance(text, WeightScheme):  # a power model is estimated afresh from the data it weights
        return WeightScheme("power") if text.kind == "power" else text
    if text is None:
        return WeightScheme("none")
    t = str(text).strip()
    if t.lower() in ("none", "relative", "poisson", "replicates", "replicates:pooled", "power"):
        return WeightScheme(t.lower())
    if t.lower().startswith("sd:") and t[3:].strip():
        sd_column, counts = split_sd_spec(t[3:])
        return WeightScheme("sd", sd_column, count_column=counts)
    raise FitError(f"unknown weights '{text}'; use one of {', '.join(SCHEMES)}")
