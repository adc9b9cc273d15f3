"""Fit rate laws with lmfit: one declaration in, one immutable :class:`FitResult` out.

The steps are explicit: build the problem(s) from the data (:mod:`mgkinetics.fitting.problem`), give every
parameter a starting value (``--init`` over the law's guess rule) and its declared bounds, run
lmfit's Levenberg–Marquardt, recompute the covariance at the optimum with a central-difference
Jacobian (MINPACK's forward-difference one costs significant digits), and report values with
units, standard errors, confidence intervals, statistics and warnings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from functools import cache

import numpy as np

from mgkinetics.errors import FitError
from mgkinetics.fitting.problem import FitProblem, build_problems, input_columns
from mgkinetics.fitting.results import Estimate, FitCollection, FitResult, RowAccount, Statistics
from mgkinetics.laws.registry import RateLaw
from mgkinetics.units import DIMENSIONLESS, UNSPECIFIED, Unit, convert, parse_quantity, parse_unit

__all__ = ["fit", "fit_problem", "result_for", "parameter_units", "weighted_r2", "LEASTSQ_TOLERANCES"]

#: MINPACK tolerances: tight, so certified problems converge to their last digits.
LEASTSQ_TOLERANCES = {"xtol": 1e-13, "ftol": 1e-13, "gtol": 0.0}


def parameter_units(law: RateLaw, input_units: Mapping[str, Unit], rate_unit: Unit) -> dict[str, Unit]:
    """The unit of each parameter of ``law`` given the units its inputs and rate are in."""
    out = {}
    for p in law.params:
        if p.unit == "rate":
            out[p.name] = rate_unit
        elif p.unit == "1/time":
            out[p.name] = Unit(None, 0, rate_unit.time, -1) if rate_unit.time else DIMENSIONLESS
        elif p.unit == "1":
            out[p.name] = DIMENSIONLESS
        elif p.unit == "unspecified":
            out[p.name] = UNSPECIFIED
        else:
            out[p.name] = input_units[p.unit]
    return out


def _value_in(unit: Unit, value, name: str) -> float:
    """A number, or a string with a unit (``'500uM'``) converted to ``unit``."""
    if isinstance(value, (int, float, np.floating)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    number, given = parse_quantity(text)
    return float(convert(number, given, unit))


@cache
def _model(law: RateLaw):
    import lmfit

    return lmfit.Model(law.func, independent_vars=list(law.input_names), name=law.name)


def _jacobian(law: RateLaw, inputs, values: dict, names: list[str], weights) -> np.ndarray:
    """Weighted Jacobian of the model over ``names`` (central differences + Richardson step)."""
    from mgkinetics.fitting.solver import richardson_jacobian

    def weighted_model(theta: np.ndarray) -> np.ndarray:
        trial = dict(values)
        trial.update(zip(names, (float(t) for t in theta)))
        return weights * np.asarray(law.evaluate(inputs, trial), dtype=float)

    if not names:
        return np.zeros((weights.size, 0))
    return richardson_jacobian(weighted_model, np.array([values[n] for n in names], dtype=float))


def weighted_r2(rate: np.ndarray, weights: np.ndarray, rss: float) -> float:
    """R² = 1 − RSS_w / Σ w²(y − ȳ_w)², ȳ_w the w²-weighted mean (the unweighted R² when w = 1)."""
    w2 = np.asarray(weights, dtype=float) ** 2
    if rate.size == 0 or not np.sum(w2) > 0:
        return math.nan
    ybar = float(np.sum(w2 * rate) / np.sum(w2))
    ss_tot = float(np.sum(w2 * (rate - ybar) ** 2))
    return 1.0 - rss / ss_tot if ss_tot > 0 else math.nan


def _quantile(scale_covar: bool, dof: int, level: float = 0.95) -> float:
    from scipy import stats

    if not scale_covar:
        return float(stats.norm.ppf(0.5 + level / 2))
    return float(stats.t.ppf(0.5 + level / 2, dof)) if dof > 0 else math.nan


def _information_criteria(n: int, k: int, rss: float, scale_covar: bool) -> tuple[float, float]:
    """AICc and BIC; K counts σ² as a parameter when it is estimated."""
    if n <= 0 or not (rss > 0):
        return math.nan, math.nan
    kk = k + 1 if scale_covar else k
    core = n * math.log(rss / n) if scale_covar else rss
    aic = core + 2 * kk
    aicc = aic + (2 * kk * (kk + 1) / (n - kk - 1) if n - kk - 1 > 0 else math.inf)
    bic = core + kk * math.log(n)
    return aicc, bic


def fit_problem(problem: FitProblem, **options) -> FitResult:
    """Fit one :class:`FitProblem` with lmfit; see :func:`_fit_problem` for the options.

    Floating-point warnings are silenced for the whole fit: trial steps that overflow are
    expected, non-finite model values are handled explicitly, and a user should see results and
    warnings in the result, not numpy's RuntimeWarnings.
    """
    with np.errstate(all="ignore"):
        return _fit_problem(problem, **options)


def _fit_problem(
    problem: FitProblem,
    *,
    fix: Mapping[str, float | str] | None = None,
    init: Mapping[str, float | str] | None = None,
    ci_level: float = 0.95,
    diagnostics: bool = True,
) -> FitResult:
    """Fit one :class:`FitProblem` with lmfit.

    ``diagnostics=False`` skips :func:`mgkinetics.stats.diagnostics.diagnose` (internal refits).

    Raises
    ------
    FitError
        When the fit cannot start: too few points, no non-zero substrate, a parameter without a
        starting value, an unknown parameter name.
    """
    law = problem.law
    fix = dict(fix or {})
    init = dict(init or {})
    for name in list(fix) + list(init):
        law.param(name)  # raises LawError naming the law's parameters
    punits = parameter_units(law, problem.input_units, problem.rate_unit)
    where = f"{problem.source}" + (
        " [" + ", ".join(f"{k}={v}" for k, v in problem.group.items()) + "]" if problem.group else ""
    )
    first = law.inputs[0].name
    x0 = problem.inputs[first] if problem.n else np.array([])
    if problem.n == 0:
        raise FitError(f"{where}: no usable rows (all {len(problem.excluded)} excluded); see the exclusions")
    if not np.any(x0 > 0) and not law.units_optional:
        raise FitError(f"{where}: every {first} concentration is zero; a rate law needs non-zero {first}")

    guess = {}
    defaults = {
        p.name: float(p.default(problem.conditions, punits[p.name]))
        for p in law.params
        if p.default is not None and problem.conditions
    }
    if law.guess is not None:
        try:
            guess = (
                law.guess(problem.inputs, problem.rate, defaults)
                if law.guess_takes_defaults
                else law.guess(problem.inputs, problem.rate)
            )
        except (ValueError, FloatingPointError, ZeroDivisionError, IndexError):
            guess = {}
    starts: dict[str, float] = {}
    varying: list[str] = []
    for p in law.params:
        if p.name in fix:
            starts[p.name] = _value_in(punits[p.name], fix[p.name], p.name)
            continue
        if p.name in init:
            value = _value_in(punits[p.name], init[p.name], p.name)
        elif p.default is not None and (not p.vary or p.name not in guess):
            value = float(p.default(problem.conditions, punits[p.name]))
        elif p.name in guess and guess[p.name] is not None and np.isfinite(guess[p.name]):
            value = float(guess[p.name])
        else:
            raise FitError(f"{where}: parameter '{p.name}' has no starting value; give --init {p.name}=VALUE")
        # Start strictly inside the bounds, or lmfit's bound transformation stalls at the edge.
        lo, hi = p.min, p.max
        if value <= lo or value >= hi:
            if np.isfinite(lo) and np.isfinite(hi):
                value = lo + 0.5 * (hi - lo)
            elif np.isfinite(lo):
                value = lo + max(abs(lo), 1.0) * 1e-3 if value <= lo else value
            else:
                value = hi - max(abs(hi), 1.0) * 1e-3
        starts[p.name] = value
        if p.vary:
            varying.append(p.name)
        else:
            varying.append(p.name) if p.name in init else None
    n, k = problem.n, len(varying)
    if n < k + 1:
        raise FitError(
            f"{where}: {n} usable point{'s' if n != 1 else ''} for {k} fitted parameters; "
            f"a fit needs at least {k + 1} (parameters + 1)"
        )

    model = _model(law)
    params = model.make_params()
    for p in law.params:
        par = params[p.name]
        par.set(value=starts[p.name], min=p.min, max=p.max, vary=p.name in varying)
    try:
        lm = model.fit(
            problem.rate,
            params,
            weights=problem.weights,
            scale_covar=problem.scheme.scale_covar,
            method="leastsq",
            fit_kws=dict(LEASTSQ_TOLERANCES),
            nan_policy="omit",
            **problem.inputs,
        )
        lm_best = [
            (
                "lmfit leastsq",
                {name: float(lm.params[name].value) for name in law.param_names},
                bool(lm.success),
                str(lm.message),
            )
        ]
    except (ValueError, OverflowError, TypeError):
        # Non-finite model values mid-fit ('omit' then shrinks the residual, and MINPACK raises
        # TypeError once it is shorter than the parameter vector), or a start beyond float range:
        # the scipy TRF solve below still runs from the same starting values.
        lm, lm_best = None, []
    # Robust sequence (mgkinetics.fitting.solver): lmfit's answer and scipy TRF from the same starts,
    # each polished on an accurate Jacobian; the lowest RSS wins.
    from mgkinetics.fitting.solver import solve

    best, _, solved, solver_message = solve(
        law, problem.inputs, problem.rate, problem.weights, starts, varying, candidates=lm_best
    )
    fitted = np.asarray(law.evaluate(problem.inputs, best), dtype=float)
    wres = problem.weights * (problem.rate - fitted)
    rss = float(np.sum(wres**2))
    dof = n - k
    redchi = rss / dof if dof > 0 else math.nan

    warnings: list[str] = []
    cov = None
    if k:
        from mgkinetics.fitting.solver import covariance

        jac = _jacobian(law, problem.inputs, best, varying, problem.weights)
        cov = covariance(jac, redchi if problem.scheme.scale_covar else 1.0)
        if cov is None:
            warnings.append(
                "standard errors could not be estimated: the parameters are not all "
                "determined by these data (singular covariance)"
            )
    q = _quantile(problem.scheme.scale_covar, dof, ci_level)
    method = "asymptotic-t" if problem.scheme.scale_covar else "asymptotic-z"
    estimates: dict[str, Estimate] = {}
    for p in law.params:
        value = best[p.name]
        if p.name in varying and cov is not None:
            se = float(math.sqrt(cov[varying.index(p.name), varying.index(p.name)]))
            low, high = value - q * se, value + q * se
        else:
            se = low = high = None
        estimates[p.name] = Estimate(
            p.name,
            value,
            se,
            low,
            high,
            punits[p.name],
            fixed=p.name not in varying,
            ci_method=method,
            ci_level=ci_level,
        )
        if p.name in varying:
            for bound, side in ((p.min, "lower"), (p.max, "upper")):
                if np.isfinite(bound) and abs(value - bound) <= 1e-6 * max(
                    abs(value), abs(bound), abs(starts[p.name])
                ):
                    warnings.append(
                        f"{p.name} = {value:.6g} {punits[p.name]} sits at its {side} bound "
                        f"({bound:g}); its estimate and error are not reliable"
                    )
    for p in law.params:
        if p.unit in law.input_names and p.name in ("km", "k_half") and p.name in varying:
            top = float(np.max(problem.inputs[p.unit])) if n else math.nan
            if best[p.name] > 2 * top:
                warnings.append(
                    f"{p.name} = {best[p.name]:.4g} {punits[p.name]} is beyond twice the highest "
                    f"{p.unit} ({top:.4g} {punits[p.name]}): it is poorly determined; measure at "
                    "higher concentrations"
                )
    warnings += identifiability_warnings(estimates, varying, cov)
    derived = _derived(law, estimates, varying, cov, q, method, ci_level)

    r2 = weighted_r2(problem.rate, problem.weights, rss)
    aicc, bic = _information_criteria(n, k, rss, problem.scheme.scale_covar)
    stats = Statistics(n=n, dof=dof, rss=rss, redchi=redchi, r2=r2, aicc=aicc, bic=bic, n_params=k)
    success = solved and all(np.isfinite(v) for v in best.values())
    message = solver_message
    if not success:
        warnings.append(f"the fit did not converge: {message}")
    result = result_for(
        problem,
        parameters=estimates,
        derived=derived,
        statistics=stats,
        success=success,
        message=message,
        warnings=tuple(warnings),
        covariance=cov,
        covariance_names=tuple(varying),
        lmfit_result=lm,
    )
    if diagnostics and success:
        from mgkinetics.stats.diagnostics import diagnose

        result = replace(result, diagnostics=diagnose(result, problem))
    return result


def result_for(problem: FitProblem, **fitted) -> FitResult:
    """A :class:`FitResult` that carries the problem's own facts (law, group, row accounting,
    units, columns, weighting, data, conditions) plus what a solver found (``fitted``: parameters,
    derived, statistics, success, message, warnings, covariance ...). Single fits and the parts of
    a global fit are built here alike."""
    return FitResult(
        law=problem.law,
        group=problem.group,
        rows=RowAccount(tuple(int(x) for x in problem.lines), problem.excluded),
        input_units=problem.input_units,
        rate_unit=problem.rate_unit,
        columns=problem.columns,
        weighting=problem.scheme.label,
        scale_covar=problem.scheme.scale_covar,
        data={**problem.inputs, "rate": problem.rate, "weights": problem.weights},
        source=problem.source,
        conditions=problem.conditions,
        **fitted,
    )


def identifiability_warnings(estimates: Mapping[str, Estimate], varying: list[str], cov) -> list[str]:
    """Warnings for parameters these data do not determine.

    A relative standard error above 100 % means the 95 % interval spans zero and more; a
    correlation beyond ±0.999 means two parameters trade off along a ridge (Kd and KM of a series
    at constant free Mg²⁺, say), so only a combination of them is determined.
    """
    out = []
    for name in varying:
        e = estimates[name]
        if e.stderr is not None and e.value != 0 and e.stderr / abs(e.value) > 1.0:
            out.append(
                f"{name} is not determined by these data (relative standard error "
                f"{100 * e.stderr / abs(e.value):.0f} %); fix it or add data that constrain it"
            )
    if cov is not None and len(varying) > 1:
        sd = np.sqrt(np.diag(cov))
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = cov / np.outer(sd, sd)
        for i in range(len(varying)):
            for j in range(i + 1, len(varying)):
                if np.isfinite(corr[i, j]) and abs(corr[i, j]) > 0.999:
                    out.append(
                        f"{varying[i]} and {varying[j]} are correlated {corr[i, j]:+.4f}: these data "
                        "determine only a combination of them"
                    )
    return out


def _derived(law, estimates, varying, cov, q, method, ci_level) -> dict[str, Estimate]:
    """Ratios such as kcat/KM, converted to their declared unit, SE through the covariance."""
    out = {}
    for d in law.derived:
        num, den = estimates[d.numerator], estimates[d.denominator]
        if not (den.value != 0 and math.isfinite(num.value) and math.isfinite(den.value)):
            continue  # a ratio over KM = 0 (e.g. all-zero rates) is undefined: not reported
        target = parse_unit(d.unit)
        factor = convert(1.0, num.unit / den.unit, target)
        value = num.value / den.value * factor
        var = 0.0
        ok = cov is not None
        # Absolute gradients of num/den * factor (finite when num = 0, e.g. a dead enzyme's kcat).
        grads = {d.numerator: factor / den.value, d.denominator: -factor * num.value / den.value**2}
        if ok:
            idx = [varying.index(n) if n in varying else None for n in grads]
            g = np.array([gv for gv, i in zip(grads.values(), idx) if i is not None])
            sel = [i for i in idx if i is not None]
            var = float(g @ cov[np.ix_(sel, sel)] @ g) if sel else 0.0
        se = math.sqrt(var) if ok and var >= 0 else None
        fixed = not any(n in varying for n in grads)
        low = value - q * se if se is not None and not fixed else None
        high = value + q * se if se is not None and not fixed else None
        out[d.name] = Estimate(
            d.name,
            value,
            None if fixed else se,
            low,
            high,
            target,
            fixed=fixed,
            ci_method=method,
            ci_level=ci_level,
        )
    return out


def fit(
    data,
    law: str | RateLaw,
    *,
    x: str | None = None,
    y: str | None = None,
    inhibitor: str | None = None,
    enzyme: str | None = None,
    columns: Mapping[str, str] | None = None,
    group: str | list[str] | None = None,
    weights: str = "none",
    fix: Mapping[str, float | str] | None = None,
    init: Mapping[str, float | str] | None = None,
    input_units: Mapping[str, str] | None = None,
    conditions: Mapping[str, float] | None = None,
    ci_level: float = 0.95,
    ci: str = "asymptotic",
    n_bootstrap: int = 1000,
    seed: int | None = None,
    bootstrap_kind: str = "case",
    outliers: str = "flag",
    progress=None,
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
    weights : {"none", "relative", "poisson", "sd:COLUMN"}
        See :mod:`mgkinetics.fitting.weighting`.
    fix, init : mapping, optional
        Fixed values and starting values, as numbers in the parameter's fitted unit or as strings
        with a unit (``{"km": "500uM"}``).
    input_units : mapping, optional
        Units for columns without a unit suffix.
    conditions : mapping, optional
        ``ph``, ``temperature_C``, ``ionic_strength_M`` for laws that use them (Mg-ATP laws),
        where the data have no such columns; see :func:`mgkinetics.fitting.problem.build_problems`.
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

    # An expression law's parameters are the names given starting or fixed values.
    law = get_law(law, params=tuple(dict.fromkeys([*(init or {}), *(fix or {})])) or None)
    cols = input_columns(law, columns, x=x, inhibitor=inhibitor, enzyme=enzyme)
    problems, unassigned, ds = build_problems(
        data,
        law,
        columns=cols,
        rate=y,
        group=group,
        weights=weights,
        input_units=input_units,
        conditions=conditions,
    )
    if outliers not in ("flag", "exclude"):
        raise FitError(f"unknown outliers choice '{outliers}'; use flag or exclude")
    results = []
    for p in problems:
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
                fix=fix,
                init=init,
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
