"""Estimates from a solution: values with standard errors and asymptotic intervals, derived ratios.

Shared by single and global fits: an :class:`~mgkinetics.fitting.results.Estimate` per fitted key,
and the law's derived ratios (kcat/KM) with delta-method standard errors, plus Vmax/KM (or
kcat/KM) when KM runs away and only that ratio is determined.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from mgkinetics.fitting.results import Estimate
from mgkinetics.fitting.slope import slope_numerator
from mgkinetics.units import Unit, convert, parse_unit

__all__ = ["clip_interval", "estimates_for", "derived_for"]


def estimates_for(
    values: Mapping[str, float],
    units: Mapping,
    varying: Sequence[str],
    cov,
    q: float,
    *,
    scale_covar: bool,
    ci_level: float,
    bounds: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, Estimate]:
    """An :class:`Estimate` per key: SE from the covariance, asymptotic interval value ± q·SE.

    ``bounds`` (key -> the parameter's declared (min, max)): an interval side beyond its bound is
    cut there, with that side's status ``bound`` (a KM of 0 ± 0.25 mM gives [0, 0.49], not a
    negative KM).
    """
    method = "asymptotic-t" if scale_covar else "asymptotic-z"
    varying = list(varying)
    out = {}
    for key, value in values.items():
        sides = ("", "")
        if key in varying and cov is not None:
            se = float(math.sqrt(cov[varying.index(key), varying.index(key)]))
            low, high, sides = clip_interval(value - q * se, value + q * se, (bounds or {}).get(key))
        else:
            se = low = high = None
        out[key] = Estimate(
            key,
            value,
            se,
            low,
            high,
            units[key],
            fixed=key not in varying,
            ci_method=method,
            ci_level=ci_level,
            ci_low_status=sides[0],
            ci_high_status=sides[1],
        )
    return out


def clip_interval(
    low: float, high: float, bounds: tuple[float, float] | None
) -> tuple[float, float, tuple[str, str]]:
    """(low, high) cut at the declared ``bounds`` (min, max), and each side's status: ``bound``
    where it was cut, ``closed`` on the other side when one was, ``""`` when neither was."""
    if bounds is None:
        return low, high, ("", "")
    lo, hi = bounds
    cut = (low < lo, high > hi)
    if not any(cut):
        return low, high, ("", "")
    return (
        max(low, lo),
        min(high, hi),
        ("bound" if cut[0] else "closed", "bound" if cut[1] else "closed"),
    )


def _ratio_factor(num: Unit, den: Unit, target: Unit) -> float:
    """The factor taking num/den to ``target``; num is first put in den's concentration unit."""
    if num.conc and den.conc and num.conc != den.conc:
        same = Unit(den.conc, num.conc_power, num.time, num.time_power)
        return convert(1.0, num, same) * convert(1.0, same / den, target)
    return convert(1.0, num / den, target)


def _ratio(name, num: Estimate, den: Estimate, unit, varying, cov, q, ci_level) -> Estimate:
    """num/den in ``unit``, SE by the delta method through the covariance (None when undefined)."""
    factor = _ratio_factor(num.unit, den.unit, unit)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = float(np.float64(num.value) / np.float64(den.value) * factor)
    fixed = num.name not in varying and den.name not in varying
    se = None
    if cov is not None and not fixed and num.value != 0 and den.value != 0 and math.isfinite(value):
        grads = {num.name: 1.0 / num.value, den.name: -1.0 / den.value}
        sel = [(varying.index(n), g) for n, g in grads.items() if n in varying]
        idx = [i for i, _ in sel]
        g = np.array([gv for _, gv in sel])
        var = float(g @ cov[np.ix_(idx, idx)] @ g) * value**2
        se = math.sqrt(var) if var >= 0 else None
    elif cov is not None and num.value == 0 and num.name in varying and den.value != 0:
        se = (
            abs(num.stderr * factor / den.value) if num.stderr is not None else None
        )  # a dead enzyme: 0 ± SE/KM
    low = value - q * se if se is not None else None
    high = value + q * se if se is not None else None
    method = num.ci_method
    return Estimate(name, value, se, low, high, unit, fixed=fixed, ci_method=method, ci_level=ci_level)


def derived_for(
    law,
    estimates: Mapping[str, Estimate],
    varying: Sequence[str],
    cov,
    q: float,
    ci_level: float,
    runaway: Sequence[str] = (),
    slope_stderr: Mapping[str, float] | None = None,
) -> dict[str, Estimate]:
    """The law's derived ratios (kcat/KM ...), plus numerator/KM for a KM that runs away.

    ``slope_stderr`` (KM key -> SE of numerator/KM in the parameters' units, from
    :func:`mgkinetics.fitting.slope.slope_stderrs`) replaces the delta-method SE of that ratio:
    the covariance in (numerator/KM, 1/KM), regular as KM → ∞, the formula batches use too."""
    varying = list(varying)
    out = {
        d.name: _ratio(
            d.name,
            estimates[d.numerator],
            estimates[d.denominator],
            parse_unit(d.unit),
            varying,
            cov,
            q,
            ci_level,
        )
        for d in law.derived
    }
    declared = {(d.numerator, d.denominator) for d in law.derived}
    numerator = slope_numerator(law, varying, {k: e.value for k, e in estimates.items()})
    for km in runaway:
        if numerator is None or (numerator, km) in declared or km not in estimates:
            continue
        num, den = estimates[numerator], estimates[km]
        unit = num.unit
        if unit.conc and den.unit.conc and unit.conc_power == den.unit.conc_power:
            unit = Unit(None, 0, unit.time, unit.time_power)  # (uM/s)/mM -> 1/s
        elif den.unit.conc and not unit.conc:
            unit = num.unit / den.unit
        est = _ratio(f"{numerator}_over_{km}", num, den, unit, varying, cov, q, ci_level)
        if slope_stderr and km in slope_stderr and math.isfinite(est.value):
            se = (
                slope_stderr[km] * abs(est.value / (num.value / den.value))
                if den.value and num.value
                else None
            )
            ok = se is not None and math.isfinite(se)
            est = replace(
                est,
                stderr=se if ok else None,
                ci_low=est.value - q * se if ok else None,
                ci_high=est.value + q * se if ok else None,
            )
        out[f"{numerator}_over_{km}"] = est
    return out
