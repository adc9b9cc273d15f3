"""What a profile re-optimises: the weighted residuals of a fit as a function of named values.

A :class:`ProfileTarget` is the least-squares problem behind one fit, stripped to what profile
likelihood needs: the residual vector for a mapping of parameter values (by name or, for a
global fit, by key such as ``km[WT]``), the bounds of each, the best-fit values, which of them
were fitted, the number of rows and whether σ is estimated. Single fits
(:func:`single_target`) and global fits with shared parameters (:func:`global_target`) build the
same object, so one profile engine (:mod:`mgkinetics.stats.profile`) serves both.

Targets are rebuilt from a result alone: every :class:`~mgkinetics.fitting.results.FitResult`
(and each part of a global fit) keeps the inputs, rates and weights it was fitted to.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mgkinetics.errors import FitError

__all__ = ["ProfileTarget", "single_target", "global_target", "part_keys"]

#: Residual given to non-finite model values: huge, yet its square stays finite.
_BIG = 1e100


@dataclass(frozen=True)
class ProfileTarget:
    """The least-squares problem of a fit, for profiling.

    Attributes
    ----------
    residual : callable
        ``residual(values) -> ndarray``: weighted residuals for a mapping name -> value that
        holds every parameter (fitted and fixed); non-finite entries are replaced by 1e100.
    best : Mapping[str, float]
        Best-fit value of every parameter.
    varied : tuple of str
        The fitted names, in the covariance's order.
    bounds : Mapping[str, tuple[float, float]]
        ``(min, max)`` of every fitted name.
    n : int
        Rows fitted (over all data sets of a global fit).
    scale_covar : bool
        True when σ is estimated from the residuals (F threshold), False for absolute σ (χ²).
    covariance : numpy.ndarray or None
        Asymptotic covariance over ``varied`` (first profile steps and delta-method steps).
    """

    residual: Callable[[Mapping[str, float]], np.ndarray]
    best: Mapping[str, float]
    varied: tuple[str, ...]
    bounds: Mapping[str, tuple[float, float]]
    n: int
    scale_covar: bool
    covariance: np.ndarray | None = None

    def rss(self, values: Mapping[str, float]) -> float:
        """Weighted residual sum of squares at ``values``."""
        r = self.residual(values)
        return float(r @ r)

    def stderr(self, name: str) -> float | None:
        """Asymptotic standard error of a fitted name (None without a usable covariance)."""
        if self.covariance is None or name not in self.varied:
            return None
        i = self.varied.index(name)
        var = float(self.covariance[i, i])
        return math.sqrt(var) if math.isfinite(var) and var > 0 else None


def _weighted(law, inputs, rate, weights) -> Callable[[Mapping[str, float]], np.ndarray]:
    def residual(values: Mapping[str, float]) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = weights * (rate - np.asarray(law.evaluate(inputs, values), dtype=float))
        return np.where(np.isfinite(out), out, _BIG)

    return residual


def _arrays(result, problem=None):
    """(law, inputs, rate, weights) of a fit: from its problem, or from the data it keeps."""
    if problem is not None:
        return problem.law, problem.inputs, problem.rate, problem.weights
    data = result.data
    missing = [n for n in (*result.law.input_names, "rate", "weights") if n not in data]
    if missing:
        raise FitError(
            f"this result does not keep the data it was fitted to (missing {', '.join(missing)}); "
            "pass the FitProblem to profile it"
        )
    inputs = {n: np.asarray(data[n], dtype=float) for n in result.law.input_names}
    return result.law, inputs, np.asarray(data["rate"], float), np.asarray(data["weights"], float)


def single_target(result, problem=None) -> ProfileTarget:
    """The profile target of one fit (``problem`` optional: the result keeps its data).

    Examples
    --------
    >>> import numpy as np, mgkinetics as mgk
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0])
    >>> res = mgk.fit({"s_mM": s, "rate_uM_per_s": 10 * s / (2 + s)}, "michaelis_menten")
    >>> t = single_target(res)
    >>> t.varied, t.n, t.rss(res.values) < 1e-20
    (('vmax', 'km'), 6, True)
    """
    law, inputs, rate, weights = _arrays(result, problem)
    spec = {p.name: p for p in law.params}
    varied = tuple(result.covariance_names)
    return ProfileTarget(
        residual=_weighted(law, inputs, rate, weights),
        best=dict(result.values),
        varied=varied,
        bounds={n: (float(spec[n].min), float(spec[n].max)) for n in varied},
        n=int(rate.size),
        scale_covar=bool(result.scale_covar),
        covariance=None if result.covariance is None else np.asarray(result.covariance, dtype=float),
    )


def part_keys(result) -> list[dict[str, str]]:
    """Per data set of a global fit: parameter name -> key (``km`` if shared, else ``km[label]``)."""
    keys = []
    for part, label in zip(result.parts, result.labels, strict=True):
        mapping = {n: (n if n in result.shared else f"{n}[{label}]") for n in part.law.param_names}
        unknown = [k for k in mapping.values() if k not in result.parameters]
        if unknown:
            raise FitError(f"global fit: no estimate for {', '.join(unknown)} of data set '{label}'")
        keys.append(mapping)
    return keys


def global_target(result, problems: Sequence | None = None) -> ProfileTarget:
    """The profile target of a global fit: every data set's residuals stacked, by key.

    Parameters
    ----------
    result : GlobalFitResult
    problems : sequence of FitProblem, optional
        The data sets, in the result's order; by default the data each part keeps.
    """
    keys = part_keys(result)
    problems = list(problems) if problems is not None else [None] * len(result.parts)
    if len(problems) != len(result.parts):
        raise FitError(f"{len(problems)} data sets given for a global fit of {len(result.parts)}")
    pieces = []
    bounds: dict[str, tuple[float, float]] = {}
    for part, prob, mapping in zip(result.parts, problems, keys, strict=True):
        law, inputs, rate, weights = _arrays(part, prob)
        pieces.append((mapping, _weighted(law, inputs, rate, weights), rate.size))
        for spec in law.params:
            bounds.setdefault(mapping[spec.name], (float(spec.min), float(spec.max)))

    def residual(values: Mapping[str, float]) -> np.ndarray:
        return np.concatenate([r({n: values[k] for n, k in m.items()}) for m, r, _ in pieces])

    varied = tuple(result.covariance_names)
    return ProfileTarget(
        residual=residual,
        best={k: e.value for k, e in result.parameters.items()},
        varied=varied,
        bounds={k: bounds[k] for k in varied},
        n=int(sum(size for _, _, size in pieces)),
        scale_covar=bool(result.parts[0].scale_covar),
        covariance=None if result.covariance is None else np.asarray(result.covariance, dtype=float),
    )
