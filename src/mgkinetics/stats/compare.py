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
from mgkinetics.fitting.results import FitResult
from mgkinetics.fitting.single import fit_problem, weighted_problem
from mgkinetics.report.shown import Shown
from mgkinetics.stats.compare_dead import dead_ratios
from mgkinetics.stats.compare_intervals import bootstrap_ratio_intervals, profile_ratio_intervals
from mgkinetics.stats.compare_values import DeltaG, Ratio
from mgkinetics.stats.sharing import SharingTest, pooled_statistics, sharing_starts, sharing_test

__all__ = ["Ratio", "DeltaG", "SharingTest", "Comparison", "compare", "ratio", "ddg_kcal"]

#: Gas constant in kcal/(mol·K) (CODATA 2018 R = 8.314462618 J/(mol·K) / 4184 J/kcal).
R_KCAL = 8.314462618 / 4184.0
#: Temperature used when the data do not state one, in °C.
DEFAULT_TEMPERATURE_C = 25.0


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
    if q * se > 700:  # the interval overflows: the data do not bound the ratio (no CI reported)
        return Ratio(name, value, se, None, None, level)
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
        raise FitError(
            f"{ds.source}: {cond.sources['temperature_C']} holds several temperatures; ΔΔG‡ needs one"
        )
    source = cond.sources["temperature_C"]
    if source == "default":
        source = "default (25 °C; the data state no temperature)"
    return (float(vals[0]) if vals.size else DEFAULT_TEMPERATURE_C), source


def _ratios_and_ddg(
    ref: FitResult, var: FitResult, temperature_C: float, ci_level: float
) -> tuple[dict[str, Ratio], dict[str, DeltaG]]:
    """variant/reference ratios (delta method) of every fitted parameter and derived quantity, and
    ΔΔG‡ of the rate constants among them."""
    rs = {}
    for table in ("parameters", "derived"):
        for name, e_ref in getattr(ref, table).items():
            e_var = getattr(var, table).get(name)
            if e_var is None:  # not reported for this variant (e.g. a ratio over KM = 0)
                continue
            # no SE and not 0: a start value the data did not move (KM of a variant without activity)
            undetermined = [e for e in (e_ref, e_var) if not e.fixed and e.stderr is None and e.value != 0]
            if (e_ref.fixed and e_var.fixed) or undetermined:
                continue
            ref_v = e_ref.to(e_var.unit) if e_ref.unit.dimension == e_var.unit.dimension else e_ref
            if not (ref_v.value != 0 and math.isfinite(ref_v.value) and math.isfinite(e_var.value)):
                continue  # no ratio to a reference value of 0 (e.g. KM = 0): undefined, not reported
            rs[name] = ratio(
                e_var.value,
                e_var.stderr,
                ref_v.value,
                ref_v.stderr,
                dof=min(ref.statistics.dof, var.statistics.dof) or None,
                level=ci_level,
                name=name,
            )
    ddg = {
        k: ddg_kcal(rs[k], temperature_C, k)
        for k in ("kcat", "kcat_over_km", "kcat_over_km_mgatp")
        if k in rs
    }
    return rs, ddg


def _sharing_tests(reference, variant, problems, fits, tested, *, fix, init, ci_level) -> list[SharingTest]:
    """One shared-vs-separate test per parameter in ``tested``, started from the separate fits and
    the refits of :func:`~mgkinetics.stats.sharing.sharing_starts`."""
    separate = pooled_statistics(fits[reference], fits[variant])
    loose = [f"{lab} {fits[lab].status}" for lab in (reference, variant) if fits[lab].status != "converged"]
    pair = {reference: problems[reference], variant: problems[variant]}
    tests = []
    for name in tested:
        try:
            joint = fit_global(
                list(pair.values()),
                [name],
                fix=fix,
                init=init,
                labels=list(pair),
                starts=sharing_starts(name, pair, fits),
                ci_level=ci_level,
            )
        except FitError:
            continue
        why = ", ".join(loose + ([f"joint fit {joint.status}"] if joint.status != "converged" else []))
        tests.append(sharing_test(name, variant, separate, joint, undetermined=why))
    return tests


def _variant_problems(data, law_name: str, by: str, fit_options: dict):
    """The fit problem of each variant (value of ``by``), with the rows no variant claims, from the
    data and the :func:`compare` fit options (consumed; anything left over is an error)."""
    from mgkinetics.fitting.problem import as_dataset
    from mgkinetics.laws.registry import get_law

    options = dict(fit_options)
    law = get_law(law_name)
    shortcuts = {k: options.pop(k, None) for k in ("x", "inhibitor", "enzyme")}
    columns = input_columns(law, options.pop("columns", None), **shortcuts)
    input_units = options.pop("input_units", None)
    items = list(data) if isinstance(data, (list, tuple)) else [data]
    ds = concat([as_dataset(d, input_units=input_units) for d in items], label=by)
    built = build_problems(
        ds,
        law,
        columns=columns,
        rate=options.pop("y", None),
        group=by,
        weights=options.pop("weights", "none"),
        conditions=options.pop("conditions", None),
        pool=options.pop("pool", False),
    )
    if options:
        raise TypeError(f"unexpected options: {', '.join(options)}")
    return built


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
    if ci not in ("asymptotic", "profile", "bootstrap"):
        raise FitError(f"unknown ci '{ci}' for a comparison; use asymptotic, profile or bootstrap")
    fix = fit_options.pop("fix", None)
    init = fit_options.pop("init", None)
    conditions = fit_options.get("conditions")
    problems, unassigned, ds = _variant_problems(data, law, by, fit_options)
    # power weights: each variant's variance model, then fixed for ratios, tests and shared fits
    problems = [weighted_problem(p, fix=fix, init=init, ci_level=ci_level) for p in problems]
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

    rt_kcal = R_KCAL * (temperature + 273.15)
    ratios: dict[str, dict[str, Ratio]] = {}
    ddgs: dict[str, dict[str, DeltaG]] = {}
    for lab in order[1:]:
        ratios[lab], ddgs[lab] = _ratios_and_ddg(fits[reference], fits[lab], temperature, ci_level)
        dead = dead_ratios(fits[reference], fits[lab], (reference, lab), rt_kcal, temperature, ci_level)
        if dead is not None:  # no activity in either: limits or "not determined", no interval method
            ratios[lab], ddgs[lab] = dead
            continue
        pair = (by_label[reference], fits[reference], by_label[lab], fits[lab])
        if ci == "profile":
            ratios[lab], ddgs[lab] = profile_ratio_intervals(
                *pair, ratios[lab], ddgs[lab], rt_kcal, level=ci_level
            )
        if ci == "bootstrap":
            ratios[lab], ddgs[lab] = bootstrap_ratio_intervals(
                *pair,
                ratios[lab],
                ddgs[lab],
                rt_kcal,
                fix=fix,
                n=n_bootstrap,
                seed=seed,
                kind=bootstrap_kind,
                level=ci_level,
            )
    ref = fits[reference]
    tested = list(test) if test is not None else [n for n in ref.parameters if not ref.parameters[n].fixed]
    tests = [
        t
        for lab in order[1:]
        for t in _sharing_tests(reference, lab, by_label, fits, tested, fix=fix, init=init, ci_level=ci_level)
    ]
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
