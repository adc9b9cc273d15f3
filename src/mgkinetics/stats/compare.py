"""Variant comparison: wild type against mutants, as Prism's Compare tab does, scripted.

Each variant is fitted separately with its own enzyme concentration. Ratios of kcat, KM and
kcat/KM come with 95% confidence intervals from the log-scale delta method (the two fits are
independent; the kcat–KM correlation within a fit enters kcat/KM). ΔΔG‡ = RT·ln(k_ref/k_var) is
reported in kcal/mol at the data's temperature. For each parameter, a fit with that parameter
shared between the reference and each variant is compared with the separate fits by the
extra-sum-of-squares F test and ΔAICc.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mgkinetics.data.table import concat
from mgkinetics.errors import FitError
from mgkinetics.fitting.globalfit import GlobalFitResult, fit_global, label_of
from mgkinetics.fitting.problem import build_problems, input_columns
from mgkinetics.fitting.results import FitResult, Statistics
from mgkinetics.fitting.single import fit_problem
from mgkinetics.report.shown import Shown

__all__ = ["Ratio", "SharingTest", "Comparison", "compare", "ratio", "ddg_kcal"]

#: Gas constant in kcal/(mol·K) (CODATA 2018 R = 8.314462618 J/(mol·K) / 4184 J/kcal).
R_KCAL = 8.314462618 / 4184.0
#: Temperature used when the data do not state one, in °C.
DEFAULT_TEMPERATURE_C = 25.0


@dataclass(frozen=True)
class Ratio:
    """variant / reference for one quantity, with its confidence interval."""

    name: str
    value: float
    stderr_log: float | None
    ci_low: float | None
    ci_high: float | None
    ci_level: float = 0.95
    ci_method: str = "delta-log"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "stderr_log": self.stderr_log,
            "ci_method": self.ci_method,
        }


@dataclass(frozen=True)
class DeltaG:
    """ΔΔG‡ = RT·ln(k_ref / k_variant), kcal/mol."""

    name: str
    value: float
    stderr: float | None
    ci_low: float | None
    ci_high: float | None
    temperature_C: float
    unit: str = "kcal/mol"
    ci_method: str = "delta-log"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "value": self.value,
            "stderr": self.stderr,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "unit": self.unit,
            "temperature_C": self.temperature_C,
            "ci_method": self.ci_method,
        }


@dataclass(frozen=True)
class SharingTest:
    """Is one parameter the same in reference and variant? Shared vs separate fits."""

    parameter: str
    variant: str
    f: float
    p: float
    df_num: int
    df_den: int
    delta_aicc: float
    shared_value: float | None
    preferred: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "parameter": self.parameter,
            "variant": self.variant,
            "f": _nan_none(self.f),
            "p": _nan_none(self.p),
            "df": [self.df_num, self.df_den],
            "delta_aicc": _nan_none(self.delta_aicc),
            "shared_value": self.shared_value,
            "preferred": self.preferred,
        }


def _nan_none(x):
    return None if x is None or not math.isfinite(x) else float(x)


@dataclass(frozen=True, repr=False)
class Comparison(Shown):
    """The comparison of variants of one law.

    Attributes
    ----------
    reference : str
    fits : Mapping[str, FitResult]
        Separate fit of each variant (reference first).
    ratios : Mapping[str, Mapping[str, Ratio]]
        variant -> quantity (kcat, km, kcat_over_km, vmax ...) -> ratio variant/reference.
    ddg : Mapping[str, Mapping[str, DeltaG]]
        variant -> basis (kcat, kcat_over_km) -> ΔΔG‡.
    tests : tuple of SharingTest
    shared_fit : GlobalFitResult or None
        The fit with the user's ``shared`` parameters, when any were asked for.
    unassigned : tuple of Exclusion
        Rows with an empty variant cell, which no fit could take.
    """

    reference: str
    by: str
    fits: Mapping[str, FitResult]
    ratios: Mapping[str, Mapping[str, Ratio]]
    ddg: Mapping[str, Mapping[str, DeltaG]]
    tests: tuple[SharingTest, ...]
    shared_fit: GlobalFitResult | None = field(default=None, repr=False)
    temperature_C: float = DEFAULT_TEMPERATURE_C
    temperature_source: str = "default"
    unassigned: tuple = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of `mgkinetics compare`."""
        variants = [v for v in self.fits if v != self.reference]
        one = variants[0] if len(variants) == 1 else None
        out: dict[str, Any] = {
            "reference": self.reference,
            "by": self.by,
            "variants": {k: f.to_dict() for k, f in self.fits.items()},
            "temperature_C": self.temperature_C,
            "temperature_source": self.temperature_source,
        }
        if one is not None:
            out["ratios"] = {k: r.to_dict() for k, r in self.ratios[one].items()}
            out["ddg"] = {k: d.to_dict() for k, d in self.ddg[one].items()}
        else:
            out["ratios"] = {v: {k: r.to_dict() for k, r in rs.items()} for v, rs in self.ratios.items()}
            out["ddg"] = {v: {k: d.to_dict() for k, d in ds.items()} for v, ds in self.ddg.items()}
        out["tests"] = [t.to_dict() for t in self.tests]
        if self.unassigned:
            out["unassigned_rows"] = [e.to_dict() for e in self.unassigned]
        if self.shared_fit is not None:
            out["shared_fit"] = self.shared_fit.to_dict()
        return out


def ratio(
    num, num_se, den, den_se, *, dof: int | None = None, level: float = 0.95, cov: float = 0.0, name: str = ""
) -> Ratio:
    """num/den with a log-scale delta-method CI (positive quantities).

    ``cov`` is the covariance of num and den (0 for independent fits).

    Examples
    --------
    >>> r = ratio(2.0, 0.2, 1.0, 0.1, dof=None)
    >>> round(r.value, 3), round(r.ci_low, 3), round(r.ci_high, 3)
    (2.0, 1.516, 2.639)
    """
    from scipy import stats

    value = num / den
    if num_se is None or den_se is None or num <= 0 or den <= 0:
        return Ratio(name, value, None, None, None, level)
    var = (num_se / num) ** 2 + (den_se / den) ** 2 - 2 * cov / (num * den)
    se = math.sqrt(max(var, 0.0))
    q = stats.t.ppf(0.5 + level / 2, dof) if dof else stats.norm.ppf(0.5 + level / 2)
    return Ratio(name, value, se, value * math.exp(-q * se), value * math.exp(q * se), level)


def ddg_kcal(r: Ratio, temperature_C: float, name: str = "") -> DeltaG:
    """ΔΔG‡ = RT·ln(ref/variant) = −RT·ln(r) for r = variant/reference, with CI from r's CI."""
    rt = R_KCAL * (temperature_C + 273.15)
    value = -rt * math.log(r.value) if r.value > 0 else math.nan
    se = rt * r.stderr_log if r.stderr_log is not None else None
    low = -rt * math.log(r.ci_high) if r.ci_high else None
    high = -rt * math.log(r.ci_low) if r.ci_low else None
    return DeltaG(name, value, se, low, high, temperature_C)


def _temperature(ds, problems, conditions=None) -> tuple[float, str]:
    from mgkinetics.data.conditions import resolve_conditions

    cond = resolve_conditions(ds, conditions)
    values = cond.values["temperature_C"]
    vals = np.unique(values[~np.isnan(values)])
    if vals.size > 1:
        raise FitError(f"{ds.source}: {cond.sources['temperature_C']} holds several temperatures; ΔΔG‡ needs one")
    source = cond.sources["temperature_C"]
    if source == "default":
        source = "default (25 °C; the data state no temperature)"
    return (float(vals[0]) if vals.size else DEFAULT_TEMPERATURE_C), source


def compare(
    data,
    law: str,
    *,
    by: str = "variant",
    reference: str | None = None,
    shared: Sequence[str] = (),
    test: Sequence[str] | None = None,
    ci_level: float = 0.95,
    ci: str = "asymptotic",
    n_bootstrap: int = 1000,
    seed: int | None = None,
    bootstrap_kind: str = "case",
    **fit_options,
) -> Comparison:
    """Compare variants (wild type vs mutants) of one rate law.

    Parameters
    ----------
    data : path, Dataset, DataFrame, or a list of them
        Rows of every variant, with a ``by`` column naming the variant. Several files are
        read and fitted as one table (they must share the columns).
    law : str
    by : str
        The column naming the variant.
    reference : str, optional
        The variant the others are compared with (default: the first in the data).
    shared : sequence of str
        Parameters to share in an additional joint fit (reported as ``shared_fit``).
    test : sequence of str, optional
        Parameters for the shared-vs-separate tests (default: every fitted parameter).
    ci : {"asymptotic", "profile", "bootstrap"}
        Intervals of ratios and ΔΔG‡: the log-scale delta method from each fit's covariance;
        profile likelihood of the ratio (:mod:`mgkinetics.stats.ratio_profile`; ratios of derived
        quantities such as kcat/KM keep the delta method and say so); or percentiles of ratios
        of independent bootstrap refits of each variant (``n_bootstrap`` resamples,
        ``bootstrap_kind`` "case" or "residual", ``seed``).
    **fit_options
        ``x``, ``y``, ``enzyme``, ``columns``, ``weights``, ``fix``, ``init``, ``input_units``,
        ``conditions`` (as :func:`mgkinetics.fit`) and ``pool``.

    Returns
    -------
    Comparison
    """
    from mgkinetics.fitting.problem import as_dataset

    fix = fit_options.pop("fix", None)
    init = fit_options.pop("init", None)
    from mgkinetics.laws.registry import get_law

    law = get_law(law)
    shortcuts = {k: fit_options.pop(k, None) for k in ("x", "inhibitor", "enzyme")}
    columns = input_columns(law, fit_options.pop("columns", None), **shortcuts)
    if ci not in ("asymptotic", "profile", "bootstrap"):
        raise FitError(f"unknown ci '{ci}' for a comparison; use asymptotic, profile or bootstrap")
    input_units = fit_options.pop("input_units", None)
    items = list(data) if isinstance(data, (list, tuple)) else [data]
    ds = concat([as_dataset(d, input_units=input_units) for d in items], label=by)
    problems, unassigned, ds = build_problems(
        ds,
        law,
        columns=columns,
        rate=fit_options.pop("y", None),
        group=by,
        weights=fit_options.pop("weights", "none"),
        conditions=(conditions := fit_options.pop("conditions", None)),
        pool=fit_options.pop("pool", False),
    )
    if fit_options:
        raise TypeError(f"unexpected options: {', '.join(fit_options)}")
    labels = [label_of(p, i) for i, p in enumerate(problems)]
    if len(problems) < 2:
        raise FitError(
            f"{ds.source}: column '{by}' has {len(problems)} variant(s); a comparison needs two or more"
        )
    reference = reference if reference is not None else labels[0]
    if reference not in labels:
        raise FitError(f"reference '{reference}' is not a value of column '{by}'; found {', '.join(labels)}")
    order = [reference] + [lab for lab in labels if lab != reference]
    by_label = dict(zip(labels, problems))
    fits = {lab: fit_problem(by_label[lab], fix=fix, init=init, ci_level=ci_level) for lab in order}
    temperature, t_source = _temperature(ds, problems, conditions)

    ref = fits[reference]
    ratios: dict[str, dict[str, Ratio]] = {}
    ddgs: dict[str, dict[str, DeltaG]] = {}
    for lab in order[1:]:
        var = fits[lab]
        rs = {}
        for table in ("parameters", "derived"):
            for name, e_ref in getattr(ref, table).items():
                e_var = getattr(var, table)[name]
                if e_ref.fixed and e_var.fixed:
                    continue
                ref_v = e_ref.to(e_var.unit) if e_ref.unit.dimension == e_var.unit.dimension else e_ref
                rs[name] = ratio(
                    e_var.value,
                    e_var.stderr,
                    ref_v.value,
                    ref_v.stderr,
                    dof=min(ref.statistics.dof, var.statistics.dof) or None,
                    level=ci_level,
                    name=name,
                )
        ddgs[lab] = {
            k: ddg_kcal(rs[k], temperature, k)
            for k in ("kcat", "kcat_over_km", "kcat_over_km_mgatp")
            if k in rs
        }
        if ci == "profile":
            rs, ddgs[lab] = _profile_intervals(by_label[reference], ref, by_label[lab], var, rs, ddgs[lab],
                                               temperature, level=ci_level)
        if ci == "bootstrap":
            rs, ddgs[lab] = _bootstrap_intervals(
                by_label[reference],
                ref,
                by_label[lab],
                var,
                rs,
                ddgs[lab],
                temperature,
                fix=fix,
                n=n_bootstrap,
                seed=seed,
                kind=bootstrap_kind,
                level=ci_level,
            )
        ratios[lab] = rs

    tested = list(test) if test is not None else [n for n in ref.parameters if not ref.parameters[n].fixed]
    tests = []
    for lab in order[1:]:
        pair = [by_label[reference], by_label[lab]]
        separate = _pooled_statistics(fits[reference], fits[lab])
        starts = {reference: fits[reference].values, lab: fits[lab].values}  # no refits for starts
        for name in tested:
            try:
                joint = fit_global(pair, [name], fix=fix, init=init, labels=[reference, lab],
                                   starts=starts, ci_level=ci_level)
            except FitError:
                continue
            tests.append(_sharing_test(name, lab, separate, joint))
    shared_fit = None
    if shared:
        shared_fit = fit_global(
            [by_label[lab] for lab in order],
            list(shared),
            fix=fix,
            init=init,
            labels=order,
            ci_level=ci_level,
            starts={lab: fits[lab].values for lab in order},
        )
    return Comparison(
        reference=reference,
        by=by,
        fits=fits,
        ratios=ratios,
        ddg=ddgs,
        tests=tuple(tests),
        shared_fit=shared_fit,
        temperature_C=temperature,
        temperature_source=t_source,
        unassigned=tuple(unassigned),
    )


def _profile_intervals(ref_problem, ref, var_problem, var, ratios, ddgs, temperature, *, level):
    """Profile-likelihood intervals of parameter ratios; ΔΔG‡ = −RT·ln r maps them monotonically."""
    from dataclasses import replace

    from mgkinetics.stats.ratio_profile import profile_ratio

    rt = R_KCAL * (temperature + 273.15)
    new_ratios, new_ddg = dict(ratios), dict(ddgs)
    for name, r in ratios.items():
        if name not in var.parameters or var.parameters[name].fixed or ref.parameters[name].fixed:
            new_ratios[name] = replace(r, ci_method="delta-log (no profile for derived ratios)")
            continue
        if ref.parameters[name].unit != var.parameters[name].unit:
            new_ratios[name] = replace(r, ci_method="delta-log (units differ between data sets)")
            continue
        low, high, note = profile_ratio(name, ref_problem, ref, var_problem, var, level=level)
        method = "profile" + (f" ({note})" if note else "")
        new_ratios[name] = replace(r, ci_low=low, ci_high=high, ci_method=method)
        if name in ddgs:
            new_ddg[name] = replace(ddgs[name], ci_low=-rt * math.log(high) if high else None,
                                    ci_high=-rt * math.log(low) if low else None, ci_method=method)
    return new_ratios, new_ddg


def _samples(problem, result, *, fix, n, seed, kind) -> dict[str, np.ndarray]:
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


def _bootstrap_intervals(
    ref_problem, ref, var_problem, var, ratios, ddgs, temperature, *, fix, n, seed, kind, level
):
    """Percentile intervals of variant/reference ratios (and ΔΔG‡) from independent resamples."""
    from dataclasses import replace

    from mgkinetics.units import convert

    ref_s = _samples(ref_problem, ref, fix=fix, n=n, seed=seed, kind=kind)
    var_s = _samples(var_problem, var, fix=fix, n=n, seed=None if seed is None else seed + 1, kind=kind)
    rt = R_KCAL * (temperature + 273.15)
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


def _pooled_statistics(a: FitResult, b: FitResult) -> Statistics:
    """The separate-parameters model of two data sets, from their own fits: nothing is shared, so
    the joint least-squares problem splits and its RSS, n and parameter count are the sums (no
    refit needed). AICc/BIC are recomputed for the pooled n, as the shared model's are."""
    from mgkinetics.fitting.numerics import information_criteria

    n = a.statistics.n + b.statistics.n
    k = a.statistics.n_params + b.statistics.n_params
    rss = a.statistics.rss + b.statistics.rss
    log_w = a.statistics.log_weights + b.statistics.log_weights
    ic = information_criteria(n, k, rss, a.scale_covar, log_weights=log_w)
    dof = n - k
    return Statistics(n=n, dof=dof, rss=rss, redchi=rss / dof if dof > 0 else math.nan, r2=math.nan,
                      aicc=ic.aicc, bic=ic.bic, n_params=k, loglik=ic.loglik, aic=ic.aic, log_weights=log_w)


def _sharing_test(name: str, variant: str, separate: Statistics, joint: GlobalFitResult) -> SharingTest:
    """Extra-sum-of-squares F test and ΔAICc (shared minus separate; negative favours sharing)."""
    from scipy import stats

    s1, s2 = separate, joint.statistics
    df_num = s2.dof - s1.dof
    if df_num > 0 and s1.dof > 0 and s1.rss > 0:
        f = ((s2.rss - s1.rss) / df_num) / (s1.rss / s1.dof)
        p = float(stats.f.sf(f, df_num, s1.dof))
    else:
        f, p = math.nan, math.nan
    delta = s2.aicc - s1.aicc
    preferred = "shared" if (math.isfinite(p) and p >= 0.05) else "separate"
    shared_value = joint.parameters[name].value if name in joint.parameters else None
    return SharingTest(
        name, variant, float(f), float(p), int(df_num), int(s1.dof), float(delta), shared_value, preferred
    )
