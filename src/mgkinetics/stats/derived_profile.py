"""Exact profile intervals of derived quantities: kcat/KM, kcat = Vmax/[E], any smooth function.

A derived quantity q = g(θ) is profiled by reparametrisation: q is held at a trial value t and
one parameter the quantity depends on (the *dependent*) is eliminated, θ_d = h(t, θ_others), so
that the fit becomes one in (t, θ_others) — Michaelis–Menten in (kcat/KM, KM) form for kcat/KM.
The other parameters are re-optimised at every t by the checked inner optimisations of
:mod:`mgkinetics.stats.profile`, and the limits are where the profiled RSS crosses the
likelihood-ratio threshold. This is the profile of q itself, not a delta-method approximation.

* Ratios (kcat/KM, Vmax/KM): θ_num = t·θ_den, or θ_den = θ_num/t when the numerator is fixed.
* With Vmax and a known enzyme concentration [E] (a Vmax-form law, ``enzyme="2 nM"``):
  kcat = Vmax/[E] and kcat/KM = Vmax/([E]·KM), profiled as Vmax and Vmax/KM, scaled by 1/[E].
* Any smooth function: a :class:`DerivedQuantity` with ``value(params)`` and the ``dependent``
  parameter; the constraint g(θ) = t is solved for it numerically (Newton, then a bracketed
  root) unless an explicit ``solve(t, params)`` is given.

Every result says how it was computed (``ci_method``) and whether each side is ``closed``,
reaches a ``bound`` of the quantity, or is ``open`` (the data do not bound it: the limit is None).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mgkinetics.errors import FitError, UnitError
from mgkinetics.stats.profile import profile_constrained
from mgkinetics.stats.profile_interval import ProfileInterval, interval_from_profile
from mgkinetics.stats.profile_quantities import profile_ratio_of, ratio_value
from mgkinetics.stats.profile_target import ProfileTarget, single_target
from mgkinetics.units import Unit, convert, parse_quantity, parse_unit

__all__ = ["DerivedQuantity", "ProfileInterval", "ratio_quantity", "derived_quantity", "profile_derived"]

#: Names users reach for the catalytic efficiency by.
EFFICIENCY_ALIASES = ("kcat_per_km", "kcat/km", "efficiency", "catalytic_efficiency", "specificity_constant")


@dataclass(frozen=True)
class DerivedQuantity:
    """A smooth function of a fit's parameters, to be profiled.

    Attributes
    ----------
    name : str
    value : callable or None
        ``value(params) -> float`` from a mapping of every parameter (fitted units), in the
        profiled scale; None for a ratio (given by ``ratio``).
    dependent : str or None
        The fitted parameter eliminated by the constraint (``value`` must be monotone in it).
    solve : callable, optional
        ``solve(t, params) -> value of dependent`` with ``value = t``; numeric when None.
    ratio : (str, str) or None
        ``(numerator, denominator)``: the quantity is their ratio, profiled by substitution.
    factor : float
        Reported value = factor × profiled value (a unit conversion, a 1/[E]); positive.
    unit : Unit or None
        Unit of the reported value.
    lower, upper : float
        The range the profiled value can take (a ratio of non-negative parameters: from 0).
    method : str
        The reparametrisation, for ``ci_method`` (``"kcat = ρ·km"``).
    """

    name: str
    value: Callable[[Mapping[str, float]], float] | None = None
    dependent: str | None = None
    solve: Callable[[float, Mapping[str, float]], float] | None = None
    ratio: tuple[str, str] | None = None
    factor: float = 1.0
    unit: Unit | None = None
    lower: float = -math.inf
    upper: float = math.inf
    method: str = ""


def _ratio_factor(num: Unit, den: Unit, target: Unit) -> float:
    """The factor taking num/den (in their own units) to ``target``."""
    if num.conc and den.conc and num.conc != den.conc:
        same = Unit(den.conc, num.conc_power, num.time, num.time_power)
        return convert(1.0, num, same) * convert(1.0, same / den, target)
    return convert(1.0, num / den, target)


def _ratio_unit(num: Unit, den: Unit) -> Unit:
    """The unit of num/den: concentrations of different units cancel (µM/s over mM gives 1/s),
    as :func:`mgkinetics.fitting.estimates.derived_for` reports Vmax/KM."""
    if num.conc and den.conc and num.conc_power == den.conc_power:
        return Unit(None, 0, num.time, num.time_power) / Unit(None, 0, den.time, den.time_power)
    if num.conc and den.conc and num.conc != den.conc:
        return Unit(den.conc, num.conc_power, num.time, num.time_power) / den
    return num / den


def ratio_quantity(num: str, den: str, *, name: str | None = None, factor: float = 1.0, unit=None):
    """The ratio num/den (× ``factor``) as a :class:`DerivedQuantity`."""
    return DerivedQuantity(name or f"{num}_over_{den}", ratio=(num, den), factor=factor, unit=unit)


def _enzyme_in(enzyme, rate_unit: Unit) -> float:
    """[E] in the rate's concentration unit (kcat = Vmax/[E] in reciprocal time)."""
    if isinstance(enzyme, str):
        value, unit = parse_quantity(enzyme)
    elif isinstance(enzyme, tuple) and len(enzyme) == 2:
        value, unit = float(enzyme[0]), parse_unit(str(enzyme[1]))
    else:
        raise UnitError(f"enzyme={enzyme!r} has no unit; give it as a quantity such as '2 nM'")
    if not rate_unit.conc or unit.conc_power != 1 or unit.time_power != 0:
        raise UnitError(f"cannot divide a rate in {rate_unit} by an enzyme concentration in {unit}")
    e = float(convert(value, unit, Unit(rate_unit.conc, 1)))
    if not (math.isfinite(e) and e > 0):
        raise UnitError(f"enzyme concentration {enzyme!r} must be positive and finite")
    return e


def _from_vmax(result: Any, name: str, enzyme) -> DerivedQuantity:
    """kcat or kcat/KM of a Vmax-form law from a known [E]."""
    rate = next((p.name for p in result.law.params if p.unit == "rate"), None)
    if rate is None:
        raise FitError(f"law '{result.law.name}' has no Vmax-like parameter to divide by [E]")
    e = _enzyme_in(enzyme, result.rate_unit)
    vunit = result.parameters[rate].unit
    per_time = Unit(None, 0, vunit.time, vunit.time_power)
    if name == "kcat":
        return DerivedQuantity(
            "kcat",
            value=lambda p: p[rate],
            dependent=rate,
            solve=lambda t, p: t,
            factor=1.0 / e,
            unit=per_time,
            lower=result.law.param(rate).min,
            upper=result.law.param(rate).max,
            method=f"kcat = {rate}/[E]",
        )
    if "km" not in result.parameters:
        raise FitError(f"law '{result.law.name}' has no km: kcat/KM is not defined")
    target = parse_unit("1/(M*s)")
    factor = _ratio_factor(per_time, result.parameters["km"].unit, target) / e
    return DerivedQuantity(
        "kcat_over_km",
        ratio=(rate, "km"),
        factor=factor,
        unit=target,
        method=f"kcat/km = {rate}/([E]·km), {rate} = ρ·[E]·km",
    )


def derived_quantity(result: Any, name: str, *, enzyme=None) -> DerivedQuantity:
    """The derived quantity ``name`` of a fit.

    ``name`` is a declared derived quantity (``kcat_over_km``, also reached as ``kcat_per_km``
    or ``efficiency``), one the fit reported (``vmax_over_km`` when KM runs away), any
    ``A_over_B`` of two parameters, or, for a Vmax-form law with ``enzyme`` (``"2 nM"``),
    ``kcat`` and ``kcat_over_km``.
    """
    law, params = result.law, result.parameters
    key = name.strip().lower().replace(" ", "_")
    if key in EFFICIENCY_ALIASES:
        key = law.derived[0].name if law.derived else "kcat_over_km"
    declared = {d.name: d for d in law.derived}
    if key in declared:
        d = declared[key]
        unit = parse_unit(d.unit)
        factor = _ratio_factor(params[d.numerator].unit, params[d.denominator].unit, unit)
        return ratio_quantity(d.numerator, d.denominator, name=d.name, factor=factor, unit=unit)
    if enzyme is not None and key in ("kcat", "kcat_over_km") and key not in params:
        return _from_vmax(result, key, enzyme)
    num, sep, den = key.partition("_over_")
    if sep and num in params and den in params:
        unit = (
            result.derived[key].unit
            if key in result.derived
            else _ratio_unit(params[num].unit, params[den].unit)
        )
        factor = _ratio_factor(params[num].unit, params[den].unit, unit)
        return ratio_quantity(num, den, name=key, factor=factor, unit=unit)
    choices = [*declared, *result.derived, "A_over_B of two parameters"]
    if any(p.unit == "rate" for p in law.params):
        choices.append("kcat / kcat_over_km with enzyme='<[E] with unit>'")
    raise FitError(f"no derived quantity '{name}' for law '{law.name}'; choose from " + ", ".join(choices))


def _numeric_solver(q: DerivedQuantity, bounds: tuple[float, float], best: float):
    """solve(t, params) for the dependent parameter by Newton from the last root, then brentq."""
    from scipy.optimize import brentq

    lo, hi = bounds
    last = {"x": best}
    dep = q.dependent

    def solve(t: float, params: Mapping[str, float]) -> float:
        def f(x):
            return q.value({**params, dep: x})

        def g(x):
            return f(x) - t

        tol = 1e-13 * max(abs(t), 1e-300)
        x = last["x"]
        for _ in range(50):
            gx = g(x)
            if not math.isfinite(gx) or abs(gx) <= tol:
                break
            h = 1e-6 * max(abs(x), 1e-12)
            d = (f(x + h) - f(x - h)) / (2 * h)  # of f, not g: no cancellation against t
            if not math.isfinite(d) or d == 0:
                break
            x = min(max(x - gx / d, lo), hi)
        if math.isfinite(g(x)) and abs(g(x)) <= tol:
            last["x"] = x
            return x
        a = last["x"]
        for k in range(1, 80):  # bracket a sign change by doubling away from the last root
            for b in (a + (abs(a) + 1e-12) * (2.0**k - 1), a - (abs(a) + 1e-12) * (2.0**k - 1)):
                b = min(max(b, lo), hi)
                ga, gb = g(a), g(b)
                if math.isfinite(ga) and math.isfinite(gb) and ga * gb <= 0 and a != b:
                    try:
                        root = brentq(g, min(a, b), max(a, b), xtol=1e-300, rtol=1e-15, maxiter=400)
                    except (RuntimeError, ValueError):
                        return math.nan
                    last["x"] = root
                    return root
        return math.nan

    return solve


def _delta_stderr(target: ProfileTarget, value: Callable) -> float | None:
    """Delta-method SE of value(θ) (central differences), for the profile's first step."""
    if target.covariance is None:
        return None
    best = dict(target.best)
    g = np.zeros(len(target.varied))
    for i, n in enumerate(target.varied):
        h = 1e-6 * max(abs(best[n]), 1e-8)
        g[i] = (value({**best, n: best[n] + h}) - value({**best, n: best[n] - h})) / (2 * h)
    var = float(g @ target.covariance @ g)
    return math.sqrt(var) if math.isfinite(var) and var > 0 else None


def _profile_function(target: ProfileTarget, q: DerivedQuantity, ci_level: float) -> dict:
    dep = q.dependent
    if dep not in target.varied:
        raise FitError(f"{q.name}: its dependent parameter '{dep}' was not fitted")
    solve = q.solve or _numeric_solver(q, target.bounds[dep], target.best[dep])
    free = [n for n in target.varied if n != dep]

    def constrain(t):
        return free, {dep: lambda vals, t=t: solve(t, vals)}

    return profile_constrained(
        target,
        value=float(q.value(target.best)),
        step=_delta_stderr(target, q.value),
        lower=q.lower,
        upper=q.upper,
        constrain=constrain,
        ci_level=ci_level,
    )


def profile_derived(
    result: Any,
    quantity: str | DerivedQuantity,
    *,
    problem=None,
    enzyme=None,
    ci_level: float = 0.95,
) -> ProfileInterval:
    """The exact profile-likelihood interval of a derived quantity of one fit.

    Parameters
    ----------
    result : FitResult
        A fit (it keeps its data; ``problem`` is needed only for results built without it).
    quantity : str or DerivedQuantity
        A name (see :func:`derived_quantity`) or a quantity of your own.
    enzyme : str or (value, unit), optional
        [E] for kcat and kcat/KM of a Vmax-form law.
    ci_level : float

    Examples
    --------
    >>> import numpy as np, mgkinetics as mgk
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0]); v = 10 * s / (2 + s) * (1 + 0.02 * np.sin(7 * s))
    >>> res = mgk.fit({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten")
    >>> eff = profile_derived(res, "kcat_per_km", enzyme="10 nM")  # Vmax/([E]·KM) in 1/(M*s)
    >>> eff.ci_method, eff.unit.label, bool(eff.low < eff.value < eff.high)
    ('profile (kcat/km = vmax/([E]·km), vmax = ρ·[E]·km)', '1/(M*s)', True)
    """
    q = (
        quantity
        if isinstance(quantity, DerivedQuantity)
        else derived_quantity(result, quantity, enzyme=enzyme)
    )
    target = single_target(result, problem)
    if q.ratio is not None:
        prof = profile_ratio_of(target, *q.ratio, ci_level=ci_level)
        value = ratio_value(target.best[q.ratio[0]], target.best[q.ratio[1]])
    elif q.value is not None and q.dependent is not None:
        prof = _profile_function(target, q, ci_level)
        value = float(q.value(target.best))
    else:
        raise FitError(f"derived quantity '{q.name}' needs a ratio, or a value function and a dependent")
    if q.ratio is not None:
        method = q.method or f"{q.ratio[0]} = ρ·{q.ratio[1]}"
    else:
        method = q.method or f"{q.dependent} solved from {q.name} = t"
    return interval_from_profile(
        prof, q.name, value, factor=q.factor, unit=q.unit, ci_level=ci_level, method=f"profile ({method})"
    )
