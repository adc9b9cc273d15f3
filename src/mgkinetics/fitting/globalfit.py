"""Global fits: several data sets fitted together, some parameters shared.

Each data set is a :class:`~mgkinetics.fitting.problem.FitProblem` (possibly of a different law: a Mg
titration and an ATP series sharing Kd, say). A shared parameter has one value across every data
set whose law declares it; every other parameter has one value per data set. The weighted
residuals of all data sets are stacked into one least-squares problem solved with lmfit, and the
covariance comes from the stacked central-difference Jacobian, as in :mod:`mgkinetics.fitting.single`.

With ``scale_covar`` the residual variance is pooled over all data sets (as Prism's global fits
and R's ``nls`` with an indexed parameter do).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from mgkinetics.errors import FitError
from mgkinetics.fitting.problem import FitProblem
from mgkinetics.fitting.results import Estimate, Exclusion, FitResult, Statistics
from mgkinetics.fitting.single import (
    LEASTSQ_TOLERANCES,
    _information_criteria,
    _quantile,
    _value_in,
    fit_problem,
    parameter_units,
    result_for,
    weighted_r2,
)
from mgkinetics.report.shown import Shown

__all__ = ["GlobalFitResult", "fit_global", "label_of"]


def label_of(problem: FitProblem, index: int) -> str:
    """A data set's label: its group values joined, or its position."""
    if problem.group:
        return ",".join(str(v) for v in problem.group.values())
    return f"set{index + 1}"


def _safe(name: str) -> str:
    return re.sub(r"\W", "_", name)


@dataclass(frozen=True, repr=False)
class GlobalFitResult(Shown):
    """A joint fit of several data sets.

    Attributes
    ----------
    parts : tuple of FitResult
        One result per data set, holding the joint estimates that apply to it (shared ones
        included), its own row accounting and residual statistics.
    labels : tuple of str
        Data-set labels, in order.
    shared : tuple of str
        Names of the shared parameters.
    parameters : Mapping[str, Estimate]
        Every fitted quantity: shared ones by name (``kd_mgatp``), the others as ``name[label]``.
    statistics : Statistics
        Of the joint fit (n over all sets; K = all fitted parameters).
    success : bool
    message : str
    covariance : numpy.ndarray or None
        Over ``covariance_names`` (keys of ``parameters`` that were fitted).
    unassigned : tuple of Exclusion
        Input rows no data set could take (an empty group cell), so that none goes unreported.
    """

    parts: tuple[FitResult, ...]
    labels: tuple[str, ...]
    shared: tuple[str, ...]
    parameters: Mapping[str, Estimate]
    statistics: Statistics
    success: bool
    message: str
    warnings: tuple[str, ...] = ()
    covariance: np.ndarray | None = field(default=None, repr=False, compare=False)
    covariance_names: tuple[str, ...] = ()
    lmfit_result: Any = field(default=None, repr=False, compare=False)
    unassigned: tuple[Exclusion, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))
        if self.covariance is not None:
            cov = np.array(self.covariance, dtype=float)
            cov.setflags(write=False)
            object.__setattr__(self, "covariance", cov)

    def __getitem__(self, label: str) -> FitResult:
        return self.parts[self.labels.index(label)]

    def correlation(self, a: str, b: str) -> float:
        """Correlation of two fitted quantities (0 when either was not fitted)."""
        if self.covariance is None or a not in self.covariance_names or b not in self.covariance_names:
            return 0.0
        i, j = self.covariance_names.index(a), self.covariance_names.index(b)
        return float(self.covariance[i, j] / math.sqrt(self.covariance[i, i] * self.covariance[j, j]))

    def to_dict(self) -> dict[str, Any]:
        """JSON form: shared names, joint parameters and statistics, and each part."""
        return {
            "shared": list(self.shared),
            "parameters": {k: e.to_dict() for k, e in self.parameters.items()},
            "statistics": self.statistics.to_dict(),
            "success": bool(self.success),
            "message": self.message,
            "warnings": list(self.warnings),
            "parts": {label: part.to_dict() for label, part in zip(self.labels, self.parts)},
            **({"unassigned_rows": [e.to_dict() for e in self.unassigned]} if self.unassigned else {}),
        }


def _trf_fallback(residual_at, best, starts, varying, specs, budget, success, message):
    """scipy's bounded trust-region solver from the same starts; kept only if it does better."""
    from scipy.optimize import least_squares

    lower = np.array([specs[k].min for k in varying])
    upper = np.array([specs[k].max for k in varying])
    x0 = np.array([starts[k] for k in varying], dtype=float)
    x0 = np.clip(
        x0,
        np.where(np.isfinite(lower), lower + 1e-12 * np.abs(x0), lower),
        np.where(np.isfinite(upper), upper - 1e-12 * np.abs(x0), upper),
    )

    def r(theta):
        trial = dict(best)
        trial.update(zip(varying, (float(t) for t in theta)))
        out = residual_at(trial)
        return np.where(np.isfinite(out), out, 1e100)

    current = residual_at(best)
    rss_now = float(current @ current) if np.all(np.isfinite(current)) else np.inf
    try:
        sol = least_squares(r, x0, bounds=(lower, upper), method="trf", x_scale="jac", max_nfev=budget)
    except (ValueError, np.linalg.LinAlgError):
        return best, success, message
    if np.all(np.isfinite(sol.x)) and 2 * sol.cost < rss_now:
        improved = dict(best)
        improved.update(zip(varying, (float(t) for t in sol.x)))
        return improved, bool(sol.status > 0), f"{sol.message} (scipy trf after: {message})"
    return best, success, message


def fit_global(
    problems: Sequence[FitProblem],
    shared: Sequence[str] = (),
    *,
    fix: Mapping[str, float | str] | None = None,
    init: Mapping[str, float | str] | None = None,
    labels: Sequence[str] | None = None,
    ci_level: float = 0.95,
    starts: Mapping[str, Mapping[str, float]] | None = None,
) -> GlobalFitResult:
    """Fit several data sets at once with some parameters shared.

    Parameters
    ----------
    problems : sequence of FitProblem
        The data sets (from :func:`mgkinetics.fitting.problem.build_problems`); their laws may differ.
    shared : sequence of str
        Parameter names with one value across all data sets that declare them.
    fix, init : mapping, optional
        By plain name (applies to every data set) or ``name[label]`` for one data set.
    labels : sequence of str, optional
        Data-set labels (default: group values).
    ci_level : float
    starts : mapping, optional
        label -> parameter values of a fit the caller already made of that data set (its
        separate fit, say), used as starting values instead of fitting the set again.

    Returns
    -------
    GlobalFitResult

    Raises
    ------
    FitError
        If a shared name is declared by fewer than one data set, units of a shared parameter
        differ between data sets, or a data set cannot start.
    """
    import lmfit

    problems = list(problems)
    if not problems:
        raise FitError("a global fit needs at least one data set")
    labels = tuple(labels) if labels is not None else tuple(label_of(p, i) for i, p in enumerate(problems))
    if len(set(labels)) != len(labels):
        raise FitError(f"data-set labels must be unique, got {list(labels)}")
    shared = tuple(dict.fromkeys(shared))
    fix = dict(fix or {})
    init = dict(init or {})
    for name in shared:
        if not any(name in p.law.param_names for p in problems):
            raise FitError(f"no data set has a parameter '{name}' to share")
    scale_covar = {p.scheme.scale_covar for p in problems}
    if len(scale_covar) != 1:
        raise FitError("all data sets of a global fit must use the same kind of weighting")
    scale_covar = scale_covar.pop()

    # Starting values: each set's own fit (its guess rule), shared values averaged.
    punits = [parameter_units(p.law, p.input_units, p.rate_unit) for p in problems]
    starts: dict[str, float] = {}
    keys: list[dict[str, str]] = []  # per set: param name -> global key
    units: dict[str, Any] = {}
    specs: dict[str, Any] = {}
    local_fix_all: dict[str, float] = {}
    for i, (p, label) in enumerate(zip(problems, labels)):
        mapping = {}
        local_fix = {}
        local_init = {}
        for spec in p.law.params:
            key = spec.name if spec.name in shared else f"{spec.name}[{label}]"
            mapping[spec.name] = key
            if key in units and units[key].label != punits[i][spec.name].label:
                raise FitError(
                    f"shared parameter '{spec.name}' is in {units[key]} in one data set and "
                    f"{punits[i][spec.name]} in another; give the data sets the same units"
                )
            units[key] = punits[i][spec.name]
            specs[key] = spec
            for source, target in ((fix, local_fix), (init, local_init)):
                for k in (key, spec.name):
                    if k in source:
                        target[spec.name] = source[k]
                        break
        keys.append(mapping)
        try:
            if starts is not None and label in starts:  # the caller's own fit of this set
                values = dict(starts[label])
            else:  # a plain fit for starting values: no diagnostics, they would be discarded
                values = fit_problem(p, fix=local_fix, init=local_init, ci_level=ci_level,
                                     diagnostics=False).values
        except FitError:
            if not shared:
                raise
            values = {}
            guess = p.law.guess(p.inputs, p.rate) if p.law.guess else {}
            values.update({k: v for k, v in guess.items()})
            values.update({k: _value_in(punits[i][k], v, k) for k, v in local_init.items()})
        for spec in p.law.params:
            key = mapping[spec.name]
            if spec.name in local_fix:
                local_fix_all[key] = _value_in(units[key], local_fix[spec.name], spec.name)
                starts[key] = local_fix_all[key]
                continue
            if spec.name not in values:
                raise FitError(f"parameter '{key}' has no starting value; give --init {key}=VALUE")
            starts.setdefault(key, [])
            if isinstance(starts[key], list):
                starts[key].append(float(values[spec.name]))
    for key, v in list(starts.items()):
        if isinstance(v, list):
            arr = np.asarray(v)
            starts[key] = float(np.exp(np.mean(np.log(arr)))) if np.all(arr > 0) else float(np.mean(arr))

    safe = {key: _safe(key) + f"_{n}" for n, key in enumerate(starts)}
    params = lmfit.Parameters()
    varying: list[str] = []
    for key, value in starts.items():
        spec = specs[key]
        vary = key not in local_fix_all and (spec.vary or any(k in init for k in (key, spec.name)))
        lo, hi = spec.min, spec.max
        if vary and not lo < value < hi:
            value = lo + max(abs(lo), 1.0) * 1e-3 if value <= lo else hi - max(abs(hi), 1.0) * 1e-3
        params.add(safe[key], value=value, min=lo, max=hi, vary=vary)
        if vary:
            varying.append(key)

    n_total = sum(p.n for p in problems)
    if n_total < len(varying) + 1:
        raise FitError(
            f"{n_total} points for {len(varying)} fitted parameters; need at least {len(varying) + 1}"
        )

    def values_for(pv, i) -> dict[str, float]:
        return {name: float(pv[safe[key]]) for name, key in keys[i].items()}

    def residual(pv):
        parts = []
        for i, p in enumerate(problems):
            model = np.asarray(p.law.evaluate(p.inputs, values_for(pv, i)), dtype=float)
            parts.append(p.weights * (model - p.rate))
        return np.concatenate(parts)

    def residual_at(values: dict[str, float]) -> np.ndarray:
        return residual({safe[k]: v for k, v in values.items()})

    # A budget of evaluations: a shared-parameter hypothesis the data reject (one kcat for a
    # 180-fold pair, say) can send LM wandering for MINPACK's default 2000·(k+1) evaluations.
    budget = 200 * (len(varying) + 1)
    minimizer = lmfit.Minimizer(residual, params, nan_policy="omit", scale_covar=scale_covar)
    with np.errstate(all="ignore"):
        try:
            lm = minimizer.minimize(method="leastsq", max_nfev=budget, **LEASTSQ_TOLERANCES)
            best = {key: float(lm.params[safe[key]].value) for key in starts}
            success, message = bool(lm.success), str(lm.message)
        except (ValueError, OverflowError, TypeError):  # non-finite model values mid-fit
            lm, best, success, message = None, dict(starts), False, "lmfit leastsq failed"
        if not success and varying:
            best, success, message = _trf_fallback(
                residual_at, best, starts, varying, specs, budget, success, message
            )

    r0 = residual_at(best)
    rss = float(r0 @ r0)
    k = len(varying)
    dof = n_total - k
    redchi = rss / dof if dof > 0 else math.nan
    cov = None
    warnings: list[str] = []
    if k:
        from mgkinetics.fitting.solver import covariance, richardson_jacobian

        def stacked(theta: np.ndarray) -> np.ndarray:
            trial = dict(best)
            trial.update(zip(varying, (float(t) for t in theta)))
            return residual_at(trial)

        jac = richardson_jacobian(stacked, np.array([best[key] for key in varying], dtype=float))
        cov = covariance(jac, redchi if scale_covar else 1.0)
        if cov is None:
            warnings.append("standard errors could not be estimated (singular covariance)")
    q = _quantile(scale_covar, dof, ci_level)
    method = "asymptotic-t" if scale_covar else "asymptotic-z"
    estimates: dict[str, Estimate] = {}
    for key in starts:
        value = best[key]
        if key in varying and cov is not None:
            se = math.sqrt(cov[varying.index(key), varying.index(key)])
            low, high = value - q * se, value + q * se
        else:
            se = low = high = None
        estimates[key] = Estimate(
            key,
            value,
            se,
            low,
            high,
            units[key],
            fixed=key not in varying,
            ci_method=method,
            ci_level=ci_level,
        )
        spec = specs[key]
        if key in varying:
            for bound, side in ((spec.min, "lower"), (spec.max, "upper")):
                if np.isfinite(bound) and abs(value - bound) <= 1e-6 * max(abs(value), abs(bound), 1e-300):
                    warnings.append(f"{key} sits at its {side} bound ({bound:g})")
    from mgkinetics.fitting.single import identifiability_warnings

    warnings += identifiability_warnings(estimates, varying, cov)
    aicc, bic = _information_criteria(n_total, k, rss, scale_covar)
    r2 = weighted_r2(
        np.concatenate([p.rate for p in problems]), np.concatenate([p.weights for p in problems]), rss
    )
    stats = Statistics(n=n_total, dof=dof, rss=rss, redchi=redchi, r2=r2, aicc=aicc, bic=bic, n_params=k)

    if not success:
        warnings.append(f"the global fit did not converge: {message}")

    parts = []
    for i, p in enumerate(problems):
        local = {}
        for name, key in keys[i].items():
            local[name] = replace(estimates[key], name=name)
        local_varying = [key for key in varying if key in keys[i].values()]
        idx = [varying.index(key) for key in local_varying]
        local_cov = cov[np.ix_(idx, idx)] if cov is not None else None
        values = {name: best[key] for name, key in keys[i].items()}
        model = np.asarray(p.law.evaluate(p.inputs, values), dtype=float)
        part_rss = float(np.sum((p.weights * (p.rate - model)) ** 2))
        from mgkinetics.fitting.single import _derived

        inv_keys = {key: name for name, key in keys[i].items()}
        derived = _derived(
            p.law, local, [inv_keys[key] for key in local_varying], local_cov, q, method, ci_level
        )
        part_stats = Statistics(
            n=p.n,
            dof=p.n - len(local_varying),
            rss=part_rss,
            redchi=part_rss / (p.n - len(local_varying)) if p.n > len(local_varying) else math.nan,
            r2=math.nan,
            aicc=math.nan,
            bic=math.nan,
            n_params=len(local_varying),
        )
        parts.append(
            result_for(
                p,
                parameters=local,
                derived=derived,
                statistics=part_stats,
                success=success,
                message=message,
                warnings=tuple(warnings),
                covariance=local_cov,
                covariance_names=tuple(inv_keys[key] for key in local_varying),
            )
        )
    return GlobalFitResult(
        parts=tuple(parts),
        labels=labels,
        shared=shared,
        parameters=estimates,
        statistics=stats,
        success=success,
        message=message,
        warnings=tuple(warnings),
        covariance=cov,
        covariance_names=tuple(varying),
        lmfit_result=lm,
    )


def fit_shared(
    data,
    law,
    shared: Sequence[str],
    *,
    group: str | Sequence[str] | None = None,
    x: str | None = None,
    y: str | None = None,
    inhibitor: str | None = None,
    enzyme: str | None = None,
    columns: Mapping[str, str] | None = None,
    weights: str = "none",
    fix: Mapping[str, float | str] | None = None,
    init: Mapping[str, float | str] | None = None,
    input_units: Mapping[str, str] | None = None,
    conditions: Mapping[str, float] | None = None,
    ci_level: float = 0.95,
) -> GlobalFitResult:
    """Fit one law to several files (and/or groups) at once with some parameters shared.

    A Mg titration at fixed total ATP and an ATP series at fixed total Mg, fitted with
    ``shared=["kd_mgatp", "kcat", "km"]`` and ``init={"kd_mgatp": 0.05}``, estimate Kd from the
    two designs together.

    Parameters
    ----------
    data : path, Dataset, DataFrame or a list of them
        Each item is one or more data sets (one per group when ``group`` is given); data sets
        are labelled ``file-stem`` or ``file-stem:group``.
    law : str or RateLaw
    shared : sequence of str
        Parameters with one value across all data sets.
    Other parameters as for :func:`mgkinetics.fit`.

    Returns
    -------
    GlobalFitResult
    """
    from pathlib import Path

    from mgkinetics.fitting.problem import build_problems, input_columns

    items = list(data) if isinstance(data, (list, tuple)) else [data]
    from mgkinetics.laws.registry import get_law

    law = get_law(law)
    cols = input_columns(law, columns, x=x, inhibitor=inhibitor, enzyme=enzyme)
    problems: list[FitProblem] = []
    labels: list[str] = []
    unassigned: list[Exclusion] = []
    for n, item in enumerate(items):
        probs, lost, ds = build_problems(
            item,
            law,
            columns=cols,
            rate=y,
            group=group,
            weights=weights,
            input_units=input_units,
            conditions=conditions,
        )
        stem = Path(ds.source).stem if isinstance(item, (str, Path)) else f"set{n + 1}"
        unassigned.extend(lost)
        for i, p in enumerate(probs):
            labels.append(stem if not p.group else f"{stem}:{label_of(p, i)}")
            problems.append(p)
    result = fit_global(problems, shared, fix=fix, init=init, labels=labels, ci_level=ci_level)
    return replace(result, unassigned=tuple(unassigned)) if unassigned else result


__all__ += ["fit_shared"]
