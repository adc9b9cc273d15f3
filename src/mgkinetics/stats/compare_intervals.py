"""Intervals of variant/reference ratios and ΔΔG‡ beyond the delta method: profile and bootstrap.

Used by :func:`mgkinetics.stats.compare.compare` for ``ci="profile"`` and ``ci="bootstrap"``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["profile_ratio_intervals", "bootstrap_samples", "bootstrap_ratio_intervals"]


def profile_ratio_intervals(ref_problem, ref, var_problem, var, ratios, ddgs, rt_kcal, *, level):
    """Profile-likelihood intervals of parameter ratios; ΔΔG‡ = −RT·ln r maps them monotonically.

    ``ratios`` and ``ddgs`` are the delta-method results by quantity name; ``rt_kcal`` is RT in
    kcal/mol at the comparison's temperature. Returns the updated (ratios, ddgs).
    """
    from dataclasses import replace

    from mgkinetics.stats.ratio_profile import profile_derived_ratio, profile_ratio

    rt = rt_kcal
    new_ratios, new_ddg = dict(ratios), dict(ddgs)
    for name, r in ratios.items():
        derived = name in var.derived and name in ref.derived and name not in var.parameters
        if derived and not (var.derived[name].fixed or ref.derived[name].fixed):
            low, high, note = profile_derived_ratio(name, ref_problem, ref, var_problem, var, level=level)
        elif name not in var.parameters or var.parameters[name].fixed or ref.parameters[name].fixed:
            new_ratios[name] = replace(r, ci_method="delta-log (not a fitted parameter of both data sets)")
            continue
        elif ref.parameters[name].unit != var.parameters[name].unit:
            new_ratios[name] = replace(r, ci_method="delta-log (units differ between data sets)")
            continue
        else:
            low, high, note = profile_ratio(name, ref_problem, ref, var_problem, var, level=level)
        method = "profile" + (f" ({note})" if note else "")
        new_ratios[name] = replace(r, ci_low=low, ci_high=high, ci_method=method)
        if name in ddgs:
            new_ddg[name] = replace(
                ddgs[name],
                ci_low=-rt * math.log(high) if high else None,
                ci_high=-rt * math.log(low) if low else None,
                ci_method=method,
            )
    return new_ratios, new_ddg


def bootstrap_samples(problem, result, *, fix, n, seed, kind) -> dict[str, np.ndarray]:
    """Bootstrap refits of one variant: parameter and derived samples in the fit's units."""
    from mgkinetics.batch.many import bootstrap_fits
    from mgkinetics.units import convert

    draws = bootstrap_fits(
        problem, result.values, n=n, seed=seed, kind=kind, fix=fix, vary=list(result.covariance_names) or None
    )
    out = {name: draws[:, i] for i, name in enumerate(problem.law.param_names)}
    for d in problem.law.derived:
        num, den = result.parameters[d.numerator], result.parameters[d.denominator]
        factor = convert(1.0, num.unit / den.unit, result.derived[d.name].unit)
        out[d.name] = out[d.numerator] / out[d.denominator] * factor
    return out


def bootstrap_ratio_intervals(
    ref_problem, ref, var_problem, var, ratios, ddgs, rt_kcal, *, fix, n, seed, kind, level
):
    """Percentile intervals of variant/reference ratios (and ΔΔG‡) from independent resamples."""
    from dataclasses import replace

    from mgkinetics.units import convert

    ref_s = bootstrap_samples(ref_problem, ref, fix=fix, n=n, seed=seed, kind=kind)
    var_seed = None if seed is None else seed + 1
    var_s = bootstrap_samples(var_problem, var, fix=fix, n=n, seed=var_seed, kind=kind)
    rt = rt_kcal
    lo_q, hi_q = 50 * (1 - level), 50 * (1 + level)
    new_ratios, new_ddg = {}, {}
    for name, r in ratios.items():
        table = "parameters" if name in var.parameters else "derived"
        e_var, e_ref = getattr(var, table)[name], getattr(ref, table)[name]
        factor = convert(1.0, e_ref.unit, e_var.unit) if e_ref.unit.dimension == e_var.unit.dimension else 1.0
        samples = var_s[name] / (ref_s[name] * factor)
        samples = samples[np.isfinite(samples) & (samples > 0)]
        if samples.size < 0.9 * n:  # too many failed refits for a trustworthy percentile
            new_ratios[name] = replace(r, ci_low=None, ci_high=None, ci_method="bootstrap (failed)")
            continue
        low, high = np.percentile(samples, [lo_q, hi_q])
        new_ratios[name] = replace(
            r,
            ci_low=float(low),
            ci_high=float(high),
            stderr_log=float(np.std(np.log(samples), ddof=1)),
            ci_method=f"bootstrap-{kind} percentile, n={samples.size}",
        )
        if name in ddgs:
            g = -rt * np.log(samples)
            g_low, g_high = np.percentile(g, [lo_q, hi_q])
            new_ddg[name] = replace(
                ddgs[name],
                stderr=float(np.std(g, ddof=1)),
                ci_low=float(g_low),
                ci_high=float(g_high),
                ci_method=new_ratios[name].ci_method,
            )
    return new_ratios, {**ddgs, **new_ddg}
