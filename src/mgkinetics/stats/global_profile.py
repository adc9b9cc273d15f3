"""Exact profile intervals for global fits with shared parameters.

A global fit (:func:`mgkinetics.fitting.globalfit.fit_global`) stacks the weighted residuals of
every data set; a shared parameter is one key (``kd_mgatp``), a local one a key per data set
(``km[WT]``). Each fitted key is profiled with *every* other key re-optimised across all the data
sets (the same checked inner optimisations as single fits, :mod:`mgkinetics.stats.profile`), so a
shared parameter's interval carries the uncertainty of every local one it is correlated with.
The threshold uses the pooled fit: S_min·(1 + F(1, N − K; level)/(N − K)) with N rows and K
fitted keys over all data sets (σ estimated), or S_min + χ²₁(level) for absolute σ.

Each data set's derived quantities (kcat/KM) are profiled on the same stacked problem, as the
ratio of that set's keys (``kcat``/``km[WT]`` when kcat is shared).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from mgkinetics.errors import FitError
from mgkinetics.stats.derived_profile import derived_quantity
from mgkinetics.stats.profile_interval import ProfileInterval, interval_from_profile
from mgkinetics.stats.profile_quantities import profile_name, profile_ratio_of, ratio_value
from mgkinetics.stats.profile_target import ProfileTarget, global_target, part_keys

__all__ = ["profile_global", "apply_global_profile", "GLOBAL_METHOD"]

#: ``ci_method`` of a global fit's profiled estimates.
GLOBAL_METHOD = "profile (global: all other parameters re-optimised over every data set)"


def _profile_key(target: ProfileTarget, result, key: str, ci_level: float) -> ProfileInterval:
    prof = profile_name(target, key, ci_level=ci_level)
    est = result.parameters[key]
    return interval_from_profile(prof, key, est.value, unit=est.unit, ci_level=ci_level, method=GLOBAL_METHOD)


def _profile_part_derived(target, result, index: int, name: str, ci_level: float) -> ProfileInterval:
    part, label = result.parts[index], result.labels[index]
    mapping = part_keys(result)[index]
    q = derived_quantity(part, name)
    if q.ratio is None:  # pragma: no cover - every named derived quantity of a fit is a ratio
        raise FitError(f"{name} of data set '{label}' is not a ratio of parameters")
    num, den = (mapping[n] for n in q.ratio)
    prof = profile_ratio_of(target, num, den, ci_level=ci_level)
    value = ratio_value(target.best[num], target.best[den])
    return interval_from_profile(
        prof,
        f"{q.name}[{label}]",
        value,
        factor=q.factor,
        unit=q.unit,
        ci_level=ci_level,
        method=f"profile (global; {num} = ρ·{den}, all other parameters re-optimised)",
    )


def profile_global(
    result, name: str, *, problems: Sequence | None = None, ci_level: float = 0.95
) -> ProfileInterval:
    """The profile-likelihood interval of one quantity of a global fit.

    Parameters
    ----------
    result : GlobalFitResult
    name : str
        A fitted key (``kd_mgatp`` shared, ``km[WT]`` local) or a data set's derived quantity as
        ``kcat_over_km[WT]``.
    problems : sequence of FitProblem, optional
        The data sets (default: the data each part keeps).
    ci_level : float
    """
    target = global_target(result, problems)
    if name in target.varied:
        return _profile_key(target, result, name, ci_level)
    base, _, label = name.partition("[")
    label = label.rstrip("]")
    if label in result.labels:
        index = result.labels.index(label)
        if base in result.parts[index].derived:
            return _profile_part_derived(target, result, index, base, ci_level)
    choices = [*target.varied] + [
        f"{d}[{lb}]" for lb, p in zip(result.labels, result.parts) for d in p.derived
    ]
    raise FitError(f"global fit has no fitted quantity '{name}'; choose from {', '.join(choices)}")


def _copy_interval(est, source):
    """``est`` with the interval, method and note of ``source`` (a part's view of its key)."""
    return replace(
        est,
        ci_low=source.ci_low,
        ci_high=source.ci_high,
        ci_method=source.ci_method,
        ci_level=source.ci_level,
        note=source.note,
        ci_low_status=source.ci_low_status,
        ci_high_status=source.ci_high_status,
    )


def apply_global_profile(result, *, problems: Sequence | None = None, ci_level: float = 0.95):
    """A copy of a global fit whose fitted keys and derived quantities carry profile intervals.

    Every fitted key (shared or local) and every data set's derived quantity is profiled with
    all other keys re-optimised over all data sets; each part's estimates take the interval of
    their key. A fit that failed is returned unchanged, with a warning.

    Examples
    --------
    >>> import numpy as np
    >>> from mgkinetics.fitting.globalfit import fit_global
    >>> from mgkinetics.fitting.problem import build_problems
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0]); wobble = 1 + 0.03 * np.sin(7 * s)
    >>> sets = [build_problems({"s_mM": s, "rate_uM_per_s": vm * s / (2 + s) * wobble},
    ...                        "michaelis_menten")[0][0] for vm in (10.0, 5.0)]
    >>> res = apply_global_profile(fit_global(sets, ["km"], labels=["WT", "M"]))
    >>> km = res.parameters["km"]
    >>> km.ci_method.startswith("profile (global"), bool(km.ci_low < km.value < km.ci_high)
    (True, True)
    """
    if result.status == "failed":
        return replace(
            result,
            warnings=(*result.warnings, "profile intervals not computed: the global fit did not converge"),
        )
    target = global_target(result, problems)
    params = dict(result.parameters)
    warnings: list[str] = []
    for key in target.varied:
        prof = _profile_key(target, result, key, ci_level)
        params[key] = prof.apply_to(params[key], ci_level)
        warnings += prof.warnings()
    parts = []
    for index, (part, mapping) in enumerate(zip(result.parts, part_keys(result), strict=True)):
        local = {n: _copy_interval(part.parameters[n], params[k]) for n, k in mapping.items()}
        derived = dict(part.derived)
        for name, est in part.derived.items():
            if est.fixed:
                continue
            try:
                prof = _profile_part_derived(target, result, index, name, ci_level)
            except FitError:
                continue
            derived[name] = prof.apply_to(est, ci_level)
            warnings += prof.warnings()
        part_warnings = tuple(dict.fromkeys([*part.warnings, *warnings]))
        parts.append(replace(part, parameters=local, derived=derived, warnings=part_warnings))
    all_warnings = tuple(dict.fromkeys([*result.warnings, *warnings]))
    return replace(result, parameters=params, parts=tuple(parts), warnings=all_warnings)
