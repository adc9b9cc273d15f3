"""Confidence intervals beyond the asymptotic ones: profile likelihood and the bootstrap.

:func:`apply_intervals` takes a fit and its problem and returns a *new* :class:`FitResult` whose
parameter and derived estimates carry the new intervals (``ci_method``, ``ci_low``/``ci_high``,
``note``). Standard errors stay the asymptotic ones.

Profile likelihood
    :mod:`mgkinetics.stats.profile` (exact, checked inner optimisations; open sides reported open).
    Every derived estimate the fit reports (kcat/KM, Vmax/KM when KM runs away) is profiled by
    reparametrisation (:mod:`mgkinetics.stats.derived_profile`); its ``ci_method`` names the
    substitution (``profile (kcat = ρ·km)``).

Bootstrap (Efron & Tibshirani 1993; Davison & Hinkley 1997, §6.2)
    ``case``: rows resampled with replacement (weights travel with their rows). ``residual``:
    weighted residuals, inflated by √(n/(n−p)) for the degrees of freedom spent, resampled and
    added to the fitted curve. Each replicate is refitted from the best-fit values; percentile
    intervals. Replicates whose refit fails are dropped and counted in the note. The batched solver
    ``mgkinetics.batch.many.bootstrap_fits`` is used when it exists; otherwise a plain loop runs here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from mgkinetics.errors import FitError
from mgkinetics.fitting.results import FitResult
from mgkinetics.fitting.solver import polish, residuals
from mgkinetics.stats.derived_profile import derived_quantity, profile_derived
from mgkinetics.stats.profile import profile_threshold
from mgkinetics.stats.profile_quantities import profile_parameter
from mgkinetics.units import convert, parse_unit

__all__ = ["apply_intervals", "profile_threshold", "profile_parameter", "bootstrap_draws", "METHODS"]

METHODS = ("asymptotic", "profile", "bootstrap")


def _profile_note(name: str, prof: dict, unit, factor: float = 1.0) -> tuple[str, bool]:
    """Plain-language note for open sides; True when the parameter looks non-identifiable."""

    def fmt(x):
        return f"{x * factor:.4g} {unit}".strip()

    lk, hk = prof["low_kind"], prof["high_kind"]
    if lk != "closed" and hk != "closed":
        if prof["rss_min"] == 0:
            return f"not identifiable: all residuals are 0: no likelihood interval for {name}", True
        return (
            f"not identifiable: the profile of {name} stays below the threshold on both sides "
            f"(from {fmt(prof['low_reached'])} to {fmt(prof['high_reached'])})"
        ), True
    if hk != "closed":
        why = "reaches its upper bound" if hk == "bound" else "never crosses the threshold"
        return f"> {fmt(prof['low'])}: the profile {why} above the estimate; the upper limit is open", False
    if lk != "closed":
        why = "reaches its lower bound" if lk == "bound" else "never crosses the threshold"
        return f"< {fmt(prof['high'])}: the profile {why} below the estimate; the lower limit is open", False
    return "", False


def _profile_result(result: FitResult, problem, ci_level: float) -> FitResult:
    varied = set(result.covariance_names)
    params = dict(result.parameters)
    warnings = list(result.warnings)
    for name, est in result.parameters.items():
        if name not in varied:
            continue
        prof = profile_parameter(result, problem, name, ci_level=ci_level)
        if prof["unsettled"]:
            warnings.append(
                f"{prof['unsettled']} profile points of {name} near the threshold were not "
                "reproduced from a second start; its profile limits may be inexact"
            )
        note, flat = _profile_note(name, prof, est.unit)
        if flat:
            warnings.append(f"{name} is not identifiable from these data (flat profile likelihood)")
        params[name] = replace(
            est,
            ci_low=prof["low"],
            ci_high=prof["high"],
            ci_method="profile",
            ci_level=ci_level,
            note=note,
            ci_low_status=prof["low_kind"],
            ci_high_status=prof["high_kind"],
        )
    derived = dict(result.derived)
    for name, est in result.derived.items():
        if est.fixed:
            continue
        try:
            quantity = derived_quantity(result, name)
        except FitError:  # not a ratio of this fit's parameters: keeps its asymptotic interval
            continue
        prof = profile_derived(result, quantity, problem=problem, ci_level=ci_level)
        warnings += prof.warnings(name)
        derived[name] = prof.apply_to(est, ci_level)
    return replace(result, parameters=params, derived=derived, warnings=tuple(dict.fromkeys(warnings)))


def _loop_bootstrap(
    problem, best: Mapping[str, float], varied: list[str], *, n: int, seed, kind: str, progress=None
) -> np.ndarray:
    """Plain-loop bootstrap: (n, len(varied)) refitted values, NaN rows for failed refits."""
    rng = np.random.default_rng(seed)
    law = problem.law
    spec = {p.name: p for p in law.params}
    lower = np.array([spec[v].min for v in varied], dtype=float)
    upper = np.array([spec[v].max for v in varied], dtype=float)
    fixed = {k: v for k, v in best.items() if k not in varied}
    theta0 = np.array([best[v] for v in varied], dtype=float)
    fitted = np.asarray(law.evaluate(problem.inputs, dict(best)), dtype=float)
    m = problem.n
    w = problem.weights
    wres = w * (problem.rate - fitted)
    inflate = math.sqrt(m / (m - len(varied))) if m > len(varied) else 1.0
    out = np.full((n, len(varied)), np.nan)
    for b in range(n):
        if kind == "case":
            idx = rng.integers(0, m, m)
            inputs = {k: v[idx] for k, v in problem.inputs.items()}
            rate, weights = problem.rate[idx], w[idx]
        else:
            draw = wres[rng.integers(0, m, m)] * inflate
            inputs, weights = problem.inputs, w
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = fitted + np.where(w > 0, draw / w, 0.0)
        r = residuals(law, inputs, rate, weights, varied, fixed)
        theta, rss = polish(r, theta0, lower, upper, max_iter=100)
        if np.isfinite(rss) and rss < 1e100 and np.all(np.isfinite(theta)):
            out[b] = theta
        if progress is not None:
            progress(b + 1, n)
    return out


def bootstrap_draws(
    result: FitResult, problem, *, n: int = 1000, seed=None, kind: str = "case", fix=None, progress=None
) -> np.ndarray:
    """Refitted values of the varied parameters (columns in ``result.covariance_names`` order)."""
    if kind not in ("case", "residual"):
        raise FitError(f"unknown bootstrap kind '{kind}'; use case or residual")
    varied = list(result.covariance_names)
    try:
        from mgkinetics.batch.many import bootstrap_fits  # the batched engine, when it exists
    except ImportError:
        bootstrap_fits = None
    if bootstrap_fits is not None:
        fixed = {k: v for k, v in result.values.items() if k not in varied}
        try:
            draws = np.asarray(
                bootstrap_fits(
                    problem, dict(result.values), n=n, seed=seed, kind=kind, fix=fixed, vary=varied
                ),
                dtype=float,
            )
        except (FitError, NotImplementedError, TypeError, ValueError):
            draws = None  # a law the batched engine does not handle: the plain loop below does
        if draws is not None:
            names = list(result.law.param_names)
            if draws.ndim == 2 and draws.shape[1] == len(names):
                draws = draws[:, [names.index(v) for v in varied]]
            if progress is not None:
                progress(n, n)
            return draws
    return _loop_bootstrap(problem, result.values, varied, n=n, seed=seed, kind=kind, progress=progress)


def _bootstrap_result(result: FitResult, problem, *, n, seed, kind, fix, ci_level, progress) -> FitResult:
    varied = list(result.covariance_names)
    draws = bootstrap_draws(result, problem, n=n, seed=seed, kind=kind, fix=fix, progress=progress)
    ok = np.all(np.isfinite(draws), axis=1)
    good = draws[ok]
    failed = int((~ok).sum())
    tail = 100 * (1 - ci_level) / 2
    method = f"bootstrap-{kind} percentile (n={int(ok.sum())}, seed={seed})"
    note = f"{failed} of {n} bootstrap refits failed and were dropped" if failed else ""
    params = dict(result.parameters)
    columns = {}
    for j, name in enumerate(varied):
        col = good[:, j]
        columns[name] = col
        if col.size < 2:
            continue
        low, high = np.percentile(col, [tail, 100 - tail])
        params[name] = replace(
            params[name],
            ci_low=float(low),
            ci_high=float(high),
            ci_method=method,
            ci_level=ci_level,
            note=note,
        )
    derived = dict(result.derived)
    for d in result.law.derived:
        est = derived.get(d.name)
        if est is None or est.fixed or good.shape[0] < 2:
            continue
        num, den = result.parameters[d.numerator], result.parameters[d.denominator]
        factor = convert(1.0, num.unit / den.unit, parse_unit(d.unit))
        nv = columns.get(d.numerator, np.full(good.shape[0], num.value))
        dv = columns.get(d.denominator, np.full(good.shape[0], den.value))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = nv / dv * factor
        ratio = ratio[np.isfinite(ratio)]
        if ratio.size < 2:
            continue
        low, high = np.percentile(ratio, [tail, 100 - tail])
        derived[d.name] = replace(
            est, ci_low=float(low), ci_high=float(high), ci_method=method, ci_level=ci_level, note=note
        )
    warnings = list(result.warnings)
    if failed > 0.1 * n:
        warnings.append(f"{failed} of {n} bootstrap refits failed; the bootstrap intervals may be biased")
    return replace(result, parameters=params, derived=derived, warnings=tuple(warnings))


def apply_intervals(
    result: FitResult,
    problem,
    *,
    method: str = "profile",
    fix: Mapping[str, float | str] | None = None,
    init: Mapping[str, float | str] | None = None,
    n_bootstrap: int = 1000,
    seed: int | None = None,
    bootstrap_kind: str = "case",
    ci_level: float = 0.95,
    progress: Callable[[int, int], None] | None = None,
) -> FitResult:
    """A copy of ``result`` with intervals computed by ``method``.

    Parameters
    ----------
    result : FitResult
        A converged fit of ``problem``.
    problem : FitProblem
        The data it was fitted to.
    method : {"asymptotic", "profile", "bootstrap"}
    fix, init : mapping, optional
        As given to the fit; fixed parameters stay fixed (they are read from the result, which
        already records them), ``init`` is accepted for symmetry and not needed: refits start
        from the best-fit values.
    n_bootstrap, seed, bootstrap_kind
        Bootstrap replicates, random seed (same seed, same intervals) and ``"case"``/``"residual"``.
    ci_level : float
    progress : callable, optional
        ``progress(done, total)`` after each bootstrap replicate.

    Raises
    ------
    FitError
        For an unknown method or bootstrap kind.

    Examples
    --------
    >>> import numpy as np, mgkinetics as mgk
    >>> from mgkinetics.fitting.problem import build_problems
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0]); v = 10 * s / (2 + s) * (1 + 0.02 * np.sin(7 * s))
    >>> (prob,), _, _ = build_problems({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten")
    >>> res = apply_intervals(mgk.fitting.single.fit_problem(prob), prob, method="profile")
    >>> km = res.parameters["km"]
    >>> km.ci_method, bool(km.ci_low < km.value < km.ci_high)
    ('profile', True)
    """
    if method not in METHODS:
        raise FitError(f"unknown interval method '{method}'; use one of {', '.join(METHODS)}")
    if method == "asymptotic":
        return result
    if not result.covariance_names:
        return result
    if method == "profile":
        return _profile_result(result, problem, ci_level)
    return _bootstrap_result(
        result,
        problem,
        n=int(n_bootstrap),
        seed=seed,
        kind=bootstrap_kind,
        fix=fix,
        ci_level=ci_level,
        progress=progress,
    )
