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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from mgkinetics.errors import FitError, FitWarning
from mgkinetics.fitting import activity, engine
from mgkinetics.fitting.estimates import derived_for
from mgkinetics.fitting.globalfit_active import dead_labels, excluded_json, without_dead_sets
from mgkinetics.fitting.joint import joint_starts, keys_and_units
from mgkinetics.fitting.options import DataOptions, check_options, table_options
from mgkinetics.fitting.outcome import outcome_fields, solution_fields, solved_estimates, solved_statistics
from mgkinetics.fitting.problem import FitProblem, build_problems
from mgkinetics.fitting.results import (
    Estimate,
    Exclusion,
    FitResult,
    PicklableResult,
    Statistics,
    outcome_json,
)
from mgkinetics.fitting.single import result_for
from mgkinetics.fitting.status import (
    FitFacts,
    assess,
    concentration_constants,
    saturation_constants,
)
from mgkinetics.fitting.variance_model import joint_weighting_warnings, needs_variance_model, power_weighted
from mgkinetics.readonly import readonly
from mgkinetics.report.shown import Shown

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["GlobalFitResult", "fit_global", "label_of"]


def label_of(problem: FitProblem, index: int) -> str:
    """A data set's label: its group values joined, or its position."""
    if problem.group:
        return ",".join(str(v) for v in problem.group.values())
    return f"set{index + 1}"


@dataclass(frozen=True, repr=False)
class GlobalFitResult(PicklableResult, Shown):
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
        ``status in ("converged", "at_bound")``.
    message : str
    status, status_reason : str
        As for :class:`~mgkinetics.fitting.results.FitResult`.
    covariance : numpy.ndarray or None
        Over ``covariance_names`` (keys of ``parameters`` that were fitted).
    unassigned : tuple of Exclusion
        Input rows no data set could take (an empty group cell), so that none goes unreported.
    excluded_sets : tuple of str
        Labels of the data sets without activity (a ``no_activity`` warning each, with its upper
        limit) left out of the shared estimates: with some sets active, the shared parameters,
        the active sets' own ones, their covariance, standard errors and intervals come from the
        fit of the active sets alone (:mod:`mgkinetics.fitting.globalfit_active`), ``statistics``
        stay those of the joint fit of every row.
    active_fit : GlobalFitResult or None
        That fit of the active sets alone (None when no set was excluded).
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
    status: str = ""
    status_reason: str = ""
    excluded_sets: tuple[str, ...] = ()
    active_fit: GlobalFitResult | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.status:
            object.__setattr__(self, "status", "converged" if self.success else "failed")
        object.__setattr__(self, "parameters", readonly(self.parameters))
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
            **outcome_json(self),
            "parts": {label: part.to_dict() for label, part in zip(self.labels, self.parts)},
            **({"unassigned_rows": [e.to_dict() for e in self.unassigned]} if self.unassigned else {}),
            **({"excluded_sets": excluded_json(self)} if self.excluded_sets else {}),
        }


def _part(p, mapping, estimates, varying, cov, values, q, ci_level, common) -> FitResult:
    """One data set's view of the joint fit."""
    local = {name: replace(estimates[key], name=name) for name, key in mapping.items()}
    local_varying = [key for key in varying if key in mapping.values()]
    idx = [varying.index(key) for key in local_varying]
    local_cov = cov[np.ix_(idx, idx)] if cov is not None else None
    inv_keys = {key: name for name, key in mapping.items()}
    names = [inv_keys[key] for key in local_varying]
    model = np.asarray(p.law.evaluate(p.inputs, {n: values[k] for n, k in mapping.items()}), dtype=float)
    rss = float(np.sum((p.weights * (p.rate - model)) ** 2))
    k = len(local_varying)
    stats = Statistics(
        n=p.n,
        dof=p.n - k,
        rss=rss,
        redchi=rss / (p.n - k) if p.n > k else math.nan,
        r2=math.nan,
        aicc=math.nan,
        bic=math.nan,
        n_params=k,
    )
    return result_for(
        p,
        parameters=local,
        derived=derived_for(p.law, local, names, local_cov, q, ci_level),
        statistics=stats,
        covariance=local_cov,
        covariance_names=tuple(names),
        **common,
    )


def fit_global(
    problems: Sequence[FitProblem],
    shared: Sequence[str] = (),
    *,
    fix: Mapping[str, float | str] | None = None,
    init: Mapping[str, float | str] | None = None,
    labels: Sequence[str] | None = None,
    ci_level: float = 0.95,
    starts: Mapping[str, Mapping[str, float]] | None = None,
    ci: str = "asymptotic",
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
    ci : {"asymptotic", "profile"}
        ``profile``: every fitted parameter (shared or local) and each set's derived quantities
        are profiled with all others re-optimised over all data sets
        (:func:`mgkinetics.stats.global_profile.apply_global_profile`); with data sets without
        activity, over the active sets (their fit alone gives the shared estimates), the dead
        sets' own parameters keeping their asymptotic intervals.

    Returns
    -------
    GlobalFitResult

    Raises
    ------
    FitError
        If a shared name is declared by no data set, units of a shared parameter differ between
        data sets, or a data set cannot start.
    """
    problems = list(problems)
    if not problems:
        raise FitError("a global fit needs at least one data set")
    if ci not in ("asymptotic", "profile"):
        raise FitError(f"unknown interval method '{ci}' for a global fit; use asymptotic or profile")
    labels = tuple(labels) if labels is not None else tuple(label_of(p, i) for i, p in enumerate(problems))
    if len(set(labels)) != len(labels):
        raise FitError(f"data-set labels must be unique, got {list(labels)}")
    shared = tuple(dict.fromkeys(shared))
    fix, init = dict(fix or {}), dict(init or {})
    for name in shared:
        if not any(name in p.law.param_names for p in problems):
            raise FitError(f"no data set has a parameter '{name}' to share")
    kinds = {p.scheme.scale_covar for p in problems}
    if len(kinds) != 1:
        raise FitError("all data sets of a global fit must use the same kind of weighting")
    if needs_variance_model(problems):  # one power variance model for all data sets (variance_model.py)
        options = dict(shared=shared, fix=fix, init=init, labels=labels, ci_level=ci_level, starts=starts)
        problems = power_weighted(
            problems,
            lambda probs: [
                np.asarray(p.law.evaluate(p.inputs, part.values), dtype=float)
                for p, part in zip(probs, fit_global(probs, **options).parts, strict=True)
            ],
        )
    scale_covar = kinds.pop()
    keys, units = keys_and_units(problems, labels, shared)
    with np.errstate(all="ignore"):
        begin, varying, typical = joint_starts(
            problems, labels, keys, units, fix, init, starts, ci_level, shared
        )
        n_total = sum(p.n for p in problems)
        if n_total < len(varying) + 1:
            raise FitError(
                f"{n_total} points for {len(varying)} fitted parameters; need at least {len(varying) + 1}"
            )
        layout = engine.layout_for(problems, keys, begin, varying, typical)
        sol = engine.solve(problems, layout, scale_covar=scale_covar, budget=200 * (len(varying) + 1))
        result = _assemble(problems, labels, shared, keys, units, layout, sol, scale_covar, ci_level)
    if ci == "profile" and not dead_labels(result):  # else the fit of the active sets is profiled
        from mgkinetics.stats.global_profile import apply_global_profile

        result = apply_global_profile(result, problems=problems, ci_level=ci_level)

    def active_only(keep: list[int], names: list[str], held: Mapping[str, float]) -> GlobalFitResult:
        return fit_global(
            [problems[i] for i in keep],
            names,
            fix={**fix, **held},
            init=init,
            labels=[labels[i] for i in keep],
            ci_level=ci_level,
            starts={labels[i]: starts[labels[i]] for i in keep if labels[i] in starts} if starts else None,
            ci=ci,
        )

    return without_dead_sets(result, problems, keys, active_only)


def _assemble(problems, labels, shared, keys, units, layout, sol, scale_covar, ci_level) -> GlobalFitResult:
    varying = list(layout.varying)
    estimates, q = solved_estimates(sol, units, varying, scale_covar, ci_level, layout.specs)
    tops: dict[str, float] = {}
    constants: dict[str, float] = {}
    for p, mapping in zip(problems, keys, strict=True):
        for key, top in saturation_constants(p, mapping).items():
            tops[key] = max(tops.get(key, 0.0), top)
        for key, top in concentration_constants(p, mapping).items():
            constants[key] = max(constants.get(key, 0.0), top)
    facts = FitFacts(estimates, varying, layout.specs, layout.starts, tops, constants)
    warnings, status, reason, _ = assess(facts, sol)
    if status == "failed":
        warnings.append(FitWarning("not_converged", f"the global fit did not converge: {sol.message}"))
    else:
        status, reason = _with_dead_sets(
            problems, labels, keys, shared, varying, sol, units, ci_level, (warnings, status, reason)
        )
    rates, weights = (np.concatenate([getattr(p, a) for p in problems]) for a in ("rate", "weights"))
    stats = solved_statistics(sol, len(varying), rates, weights, scale_covar)
    common = outcome_fields(sol, warnings, status, reason)
    parts = tuple(
        _part(p, mapping, estimates, varying, sol.covariance, sol.values, q, ci_level, common)
        for p, mapping in zip(problems, keys, strict=True)
    )
    warnings += joint_weighting_warnings(problems, labels)  # few_replicates, variance_model
    return GlobalFitResult(
        parts=parts,
        labels=labels,
        shared=shared,
        parameters=estimates,
        statistics=stats,
        **solution_fields(sol, varying),
        **outcome_fields(sol, warnings, status, reason),  # with the joint weighting warnings
    )


def _with_dead_sets(problems, labels, keys, shared, varying, sol, units, ci_level, outcome):
    """``(status, reason)`` with the data sets without activity (:func:`activity.dead_sets`, their
    warnings appended to ``outcome``'s): ``not_identifiable``, saying which sets and which sets
    determine the shared parameters; a status that is not about them is kept in the reason."""
    warnings, status, reason = outcome
    dead = activity.dead_sets(problems, labels, keys, varying, sol.values, units, ci_level)
    if not dead:
        return status, reason
    gone = {k for d in dead for k in (*d.details["parameters"], *d.details["undetermined"])}
    others = [
        w for w in warnings if getattr(w, "code", "") == "at_bound" and w.details["parameter"] not in gone
    ]
    text = activity.dead_sets_reason(dead, labels, keys, shared, problems[0].scheme.scale_covar)
    if status not in ("converged", "at_bound") or others:
        text += f"; besides: {status} ({reason})"
    warnings += dead
    return "not_identifiable", text


def fit_shared(
    data,
    law,
    shared: Sequence[str],
    *,
    group: str | Sequence[str] | None = None,
    ci_level: float = 0.95,
    ci: str = "asymptotic",
    **options: Unpack[DataOptions],
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

    items = list(data) if isinstance(data, (list, tuple)) else [data]
    from mgkinetics.laws.registry import get_law

    check_options(options, "fit_shared")
    law = get_law(law)
    table = table_options(law, options, group=group)
    problems: list[FitProblem] = []
    labels: list[str] = []
    unassigned: list[Exclusion] = []
    for n, item in enumerate(items):
        probs, lost, ds = build_problems(item, law, **table)
        from_file = isinstance(item, (str, Path)) or (hasattr(item, "files") and Path(ds.source).suffix)
        stem = Path(ds.source).stem if from_file else f"set{n + 1}"
        unassigned.extend(lost)
        for i, p in enumerate(probs):
            labels.append(stem if not p.group else f"{stem}:{label_of(p, i)}")
            problems.append(p)
    result = fit_global(
        problems,
        shared,
        fix=options.get("fix"),
        init=options.get("init"),
        labels=labels,
        ci_level=ci_level,
        ci=ci,
    )
    return replace(result, unassigned=tuple(unassigned)) if unassigned else result


__all__ += ["fit_shared"]
