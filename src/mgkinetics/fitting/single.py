"""Fit one data set: a global fit of one data set, on the one engine (:mod:`mgkinetics.fitting.engine`).

:func:`fit_problem` gives every parameter its start (:mod:`mgkinetics.fitting.starts`), runs the
engine, and reports values with units, standard errors, asymptotic intervals, derived ratios,
statistics, coded warnings and a status (:mod:`mgkinetics.fitting.status`). :func:`fit` is the
public entry point from a table: it builds the problems, fits each, and applies the outlier rule
and the interval method asked for.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from mgkinetics.errors import FitError, FitWarning
from mgkinetics.fitting import engine
from mgkinetics.fitting.activity import no_activity_warning_for
from mgkinetics.fitting.design import negative_rates, undetermined_by_design
from mgkinetics.fitting.estimates import derived_for, estimates_for
from mgkinetics.fitting.numerics import weighted_r2
from mgkinetics.fitting.options import DataOptions, check_options, table_options
from mgkinetics.fitting.outcome import outcome_fields, solution_fields, solved_estimates, solved_statistics
from mgkinetics.fitting.problem import FitProblem, build_problems
from mgkinetics.fitting.results import Estimate, FitCollection, FitResult, RowAccount, Statistics
from mgkinetics.fitting.slope import determined_when_runaway, slope_stderrs
from mgkinetics.fitting.starts import parameter_units, start_values, typical_size, where
from mgkinetics.fitting.status import (
    FitFacts,
    assess,
    concentration_constants,
    no_activity_reason,
    rate_scale_parameters,
    saturation_constants,
)
from mgkinetics.fitting.variance_model import needs_variance_model, power_weighted
from mgkinetics.fitting.weighting import weighting_warnings
from mgkinetics.laws.registry import RateLaw

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "fit_problem",
    "result_for",
    "parameter_units",
    "weighted_r2",
    "estimates_for",
    "derived_for",
    "check_startable",
    "fit",
    "weighted_problem",
]


def check_startable(problem: FitProblem) -> None:
    """FitError when a fit of ``problem`` cannot start: no usable rows, or no non-zero substrate."""
    law = problem.law
    first = law.inputs[0].name
    if problem.n == 0:  # every row is listed with its reason (the first 50)
        rows = [f"line {e.line}: {e.reason}" for e in problem.excluded[:50]]
        rows += [f"... and {len(problem.excluded) - 50} more"] if len(problem.excluded) > 50 else []
        raise FitError(
            "\n  ".join([f"{where(problem)}: no usable rows (all {len(problem.excluded)} excluded):", *rows])
        )
    if not np.any(problem.inputs[first] > 0) and not law.units_optional:
        raise FitError(
            f"{where(problem)}: every {first} concentration is zero; a rate law needs non-zero {first}"
        )


def result_for(problem: FitProblem, **fitted) -> FitResult:
    """A :class:`FitResult` that carries the problem's own facts (law, group, row accounting,
    units, columns, weighting, data, conditions) plus what a solver found (``fitted``: parameters,
    derived, statistics, success, message, warnings, covariance ...). Single fits and the parts of
    a global fit are built here alike. The weighting's own warnings (``few_replicates``,
    ``variance_model``: :func:`mgkinetics.fitting.weighting.weighting_warnings`) are appended."""
    own = weighting_warnings(problem.scheme, problem.inputs, problem.rate)
    fitted["warnings"] = tuple(fitted.get("warnings", ())) + own
    return FitResult(
        law=problem.law,
        group=problem.group,
        rows=RowAccount(tuple(np.asarray(problem.lines, dtype=np.int64).tolist()), problem.excluded),
        input_units=problem.input_units,
        rate_unit=problem.rate_unit,
        columns=problem.columns,
        weighting=problem.scheme.label,
        scale_covar=problem.scheme.scale_covar,
        data={**problem.inputs, "rate": problem.rate, "weights": problem.weights},
        source=problem.source,
        conditions=problem.conditions,
        scheme=problem.scheme,
        **fitted,
    )


def _no_activity(problem: FitProblem, starts, varying, punits, ci_level) -> FitResult:
    """Every rate is 0: the rate-scale parameters are 0, nothing else is determined."""
    law = problem.law
    scale = rate_scale_parameters(law, varying)
    values = {k: (0.0 if k in scale else v) for k, v in starts.items()}
    method = "asymptotic-t" if problem.scheme.scale_covar else "asymptotic-z"
    estimates = {
        k: Estimate(
            k, v, None, None, None, punits[k], fixed=k not in varying, ci_method=method, ci_level=ci_level
        )
        for k, v in values.items()
    }
    reason = no_activity_reason(scale)
    n, k = problem.n, len(varying)
    stats = Statistics(
        n=n, dof=n - k, rss=0.0, redchi=0.0, r2=math.nan, aicc=math.nan, bic=math.nan, n_params=k
    )
    derived = derived_for(law, estimates, varying, None, math.nan, ci_level)
    return result_for(
        problem,
        parameters=estimates,
        derived=derived,
        statistics=stats,
        success=False,
        message="no fit: every rate is 0",
        warnings=(FitWarning("no_activity", reason),),
        covariance=None,
        covariance_names=tuple(varying),
        status="not_identifiable",
        status_reason=reason,
    )


def weighted_problem(problem: FitProblem, *, fix=None, init=None, ci_level: float = 0.95) -> FitProblem:
    """``problem`` with its ``power`` weights estimated (:mod:`mgkinetics.fitting.variance_model`);
    any other problem unchanged. Refits and intervals must use the problem this returns."""
    if not needs_variance_model([problem]) or not np.any(problem.rate != 0):
        return problem  # all rates 0: no variance to model; the fit reports no activity

    starts = dict(init or {})

    def fitted_values(problems: list[FitProblem]) -> list[np.ndarray]:
        with np.errstate(all="ignore"):
            res = _fit_problem(problems[0], fix, starts, ci_level)
        if res.success:  # the next cycle starts where this one ended
            starts.update({k: e.value for k, e in res.parameters.items() if not e.fixed})
        return [np.asarray(problems[0].law.evaluate(problems[0].inputs, res.values), dtype=float)]

    return power_weighted([problem], fitted_values)[0]


def fit_problem(
    problem: FitProblem, *, fix=None, init=None, ci_level: float = 0.95, diagnostics: bool = True
) -> FitResult:
    """Fit one :class:`FitProblem` (a global fit of one data set).

    Floating-point warnings are silenced for the whole fit: trial steps that overflow are
    expected, non-finite model values are handled explicitly, and a user should see results and
    warnings in the result, not numpy's RuntimeWarnings. ``diagnostics=False`` skips
    :func:`mgkinetics.stats.diagnostics.diagnose` (for internal refits). ``power`` weights not yet
    estimated are estimated first (:func:`weighted_problem`).

    Raises
    ------
    FitError
        When the fit cannot start: too few points, no non-zero substrate, a parameter without a
        starting value.
    LawError
        An unknown parameter name in ``fix`` or ``init``.
    """
    problem = weighted_problem(problem, fix=fix, init=init, ci_level=ci_level)
    with np.errstate(all="ignore"):
        result = _fit_problem(problem, fix, init, ci_level)
    if diagnostics and result.success:
        from mgkinetics.stats.diagnostics import diagnose

        with np.errstate(all="ignore"):  # the robust refit of rates near 1e150 overflows inside scipy
            result = replace(result, diagnostics=diagnose(result, problem))
    return result


def _fit_problem(problem: FitProblem, fix, init, ci_level: float) -> FitResult:
    law = problem.law
    check_startable(problem)
    starts, varying = start_values(problem, fix=fix, init=init)
    n, k = problem.n, len(varying)
    if n < k + 1:
        raise FitError(
            f"{where(problem)}: {n} usable point{'s' if n != 1 else ''} for {k} fitted parameters; "
            f"a fit needs at least {k + 1} (parameters + 1)"
        )
    punits = parameter_units(law, problem.input_units, problem.rate_unit)
    if not np.any(problem.rate != 0):
        return _no_activity(problem, starts, varying, punits, ci_level)
    constant = bool(np.all(problem.rate == problem.rate[0]))
    keys = {name: name for name in law.param_names}
    typical = {p.name: typical_size(problem, p) for p in law.params}
    layout = engine.layout_for([problem], [keys], starts, varying, typical)
    scale_covar = problem.scheme.scale_covar
    sol = engine.solve([problem], layout, scale_covar=scale_covar)
    estimates, q = solved_estimates(sol, punits, varying, scale_covar, ci_level, layout.specs)
    tops = saturation_constants(problem, keys)
    values = {k: e.value for k, e in estimates.items()}
    facts = FitFacts(
        estimates,
        varying,
        layout.specs,
        starts,
        tops,
        concentration_constants(problem, keys),
        determined=lambda names: determined_when_runaway(law, names, varying, values),
    )
    warnings, status, reason, runaway = assess(facts, sol)
    scale = rate_scale_parameters(law, varying)
    others = [n for n in varying if n not in scale]
    dead = status != "failed" and no_activity_warning_for(
        problem, scale, punits, sol.rss, k, ci_level, others=others
    )
    if status == "failed":
        warnings.append(FitWarning("not_converged", f"the fit did not converge: {sol.message}"))
    elif dead:
        status, reason = "not_identifiable", negative_rates(problem) or dead.message
        warnings.append(dead)
    elif constant and k > 1:
        status, reason = (
            "not_identifiable",
            (
                f"every rate is {problem.rate[0]:g} {problem.rate_unit}: the rates do not change with the "
                "inputs, so only their plateau is determined, not how they depend on the inputs"
            ),
        )
    elif k == 0 and status == "converged":
        reason = "every parameter is fixed: nothing was fitted; these are the statistics of the fixed curve"
    elif (few := undetermined_by_design(problem, varying)) is not None:
        status, reason, runaway = "not_identifiable", few, []  # not even the initial slope
    redchi = sol.rss / sol.dof if sol.dof > 0 else math.nan
    slopes = slope_stderrs(problem, sol.values, varying, runaway, redchi=redchi, scale_covar=scale_covar)
    return result_for(
        problem,
        parameters=estimates,
        derived=derived_for(law, estimates, varying, sol.covariance, q, ci_level, runaway, slopes),
        statistics=solved_statistics(sol, k, problem.rate, problem.weights, scale_covar),
        **solution_fields(sol, varying),
        **outcome_fields(sol, warnings, status, reason),
    )


def fit(
    data,
    law: str | RateLaw,
    *,
    group: str | list[str] | None = None,
    ci_level: float = 0.95,
    ci: str = "asymptotic",
    n_bootstrap: int = 1000,
    seed: int | None = None,
    bootstrap_kind: str = "case",
    outliers: str = "flag",
    progress=None,
    **options: Unpack[DataOptions],
) -> FitResult | FitCollection:
    """Fit a registered rate law to a table of initial rates.

    Parameters
    ----------
    data : str, Path, Dataset or pandas.DataFrame
        The measurements; column units come from the name suffixes (``s_mM``, ``rate_uM_per_s``).
        A DataFrame is validated like a file and never modified.
    law : str or RateLaw
        A registered law name (``mgk.list_laws()``) or a declaration.
    x, inhibitor, enzyme : str, optional
        Columns for the law's ``substrate``, ``inhibitor`` and ``enzyme`` inputs; ``enzyme`` may
        also be a quantity such as ``"2nM"``. Found by name when omitted.
    y : str, optional
        The rate column; found by name or unit when omitted.
    columns : mapping, optional
        Column for any other input, ``{"atp_total": "ATP_mM"}``.
    group : str or list of str, optional
        Fit each group of rows separately; a :class:`FitCollection` is returned.
    weights : {"none", "relative", "poisson", "replicates", "replicates:pooled", "power", "sd:COLUMN"}
        See :mod:`mgkinetics.fitting.weighting`; ``power`` fits σ = a·|v|^b across the levels
        (:mod:`mgkinetics.fitting.variance_model`).
    fix, init : mapping, optional
        Fixed values and starting values, as numbers in the parameter's fitted unit or as strings
        with a unit (``{"km": "500uM"}``).
    input_units : mapping, optional
        Units for columns without a unit suffix.
    conditions : mapping, optional
        ``ph``, ``temperature_C``, ``ionic_strength_M`` for laws that use them (Mg-ATP laws),
        where the data have no such columns; see :func:`mgkinetics.fitting.problem.build_problems`.
    pool : bool
        Fit rows with different labels (a text column such as ``variant`` that ``group`` does not
        name) as one data set; without it such data are refused, naming the column.
    ci_level : float
        Coverage of the reported confidence intervals.
    ci : {"asymptotic", "profile", "bootstrap"}
        How intervals are computed (:func:`mgkinetics.stats.intervals.apply_intervals`).
    n_bootstrap, seed, bootstrap_kind
        Bootstrap replicates, random seed (reproducible) and ``"case"`` or ``"residual"``.
    outliers : {"flag", "exclude"}
        Outliers found by the ROUT-like rule (:mod:`mgkinetics.stats.diagnostics`) are always listed;
        ``"exclude"`` also refits without them, listing them among the excluded rows.
    progress : callable, optional
        ``progress(done, total)`` during the bootstrap.

    Returns
    -------
    FitResult, or FitCollection when ``group`` is given.

    Raises
    ------
    DataFormatError
        Malformed data or columns that cannot be matched to the law.
    FitError
        A fit that cannot start. A fit that starts but does not converge returns
        ``success=False`` instead.

    Examples
    --------
    >>> import numpy as np, mgkinetics as mgk
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0])
    >>> res = mgk.fit({"s_mM": s, "rate_uM_per_s": 10 * s / (2 + s)}, "michaelis_menten")
    >>> round(res.parameters["km"].value, 6), res.parameters["km"].unit.label
    (2.0, 'mM')
    """
    from mgkinetics.laws.registry import get_law

    if outliers not in ("flag", "exclude"):
        raise FitError(f"unknown outliers choice '{outliers}'; use flag or exclude")
    check_options(options, "fit")
    fix, init = options.get("fix"), options.get("init")
    # An expression law's parameters are the names given starting or fixed values.
    law = get_law(law, params=tuple(dict.fromkeys([*(init or {}), *(fix or {})])) or None)
    problems, unassigned, ds = build_problems(data, law, **table_options(law, options, group=group))
    results = []
    for p in problems:
        p = weighted_problem(p, fix=fix, init=init, ci_level=ci_level)
        res = fit_problem(p, fix=fix, init=init, ci_level=ci_level)
        if outliers == "exclude":
            from mgkinetics.stats.diagnostics import without_outliers

            cleaned = without_outliers(p, res)
            if cleaned is not None:
                p = cleaned
                res = fit_problem(p, fix=fix, init=init, ci_level=ci_level)
        if ci != "asymptotic":
            from mgkinetics.stats.intervals import apply_intervals

            res = apply_intervals(
                res,
                p,
                method=ci,
                n_bootstrap=n_bootstrap,
                seed=seed,
                bootstrap_kind=bootstrap_kind,
                ci_level=ci_level,
                progress=progress,
            )
        results.append(res)
    results = tuple(results)
    if group is None:
        return results[0]
    return FitCollection(results, unassigned, source=ds.source)
