"""Ratios to a variant (or a reference) without activity: one-sided limits or "not determined".

When a variant's fit finds no activity (:mod:`mgkinetics.fitting.activity`: the law fits its rates
no better than ``v = 0``), its Vmax or kcat is not distinguishable from 0 and its other parameters
are not determined, so a delta-method ratio (0.00009 [0.00000, 0.10]) says nothing true. What the
data do say: the variant's rate at its highest substrate concentration is at most ``U`` (and
v/[E] there at most ``U/[E]``), and the reference's Vmax (kcat) is at least ``L``. Their ratio
``U / L`` bounds the variant's activity at that concentration relative to the reference's
maximal activity; with each limit at the one-sided level ``sqrt(level)`` (the two fits are
independent) the bound holds with probability ``level``. ΔΔG‡ on the kcat basis is then at least
``−RT·ln(U/L)``. Every other ratio (KM, kcat/KM) and every ratio to a reference without activity
is "not determined (no activity)".
"""

from __future__ import annotations

import math
from typing import Any

from mgkinetics.fitting.activity import activity_limit
from mgkinetics.stats.compare_values import DeltaG, Ratio

__all__ = ["no_activity_warning", "dead_ratios"]


def no_activity_warning(fit: Any):
    """The fit's noise-only ``no_activity`` warning, with its limit
    (:func:`mgkinetics.fitting.activity.no_activity_warning_for`), or None when activity was
    detected. Every rate exactly 0 is not one: its Vmax is 0 exactly (a ratio of 0) and nothing
    else is reported (the ratios of :mod:`mgkinetics.stats.compare`)."""
    return next(
        (w for w in fit.warnings if getattr(w, "code", None) == "no_activity" and "upper" in w.details), None
    )


def _lower_limit(e: Any, dof: int, scale_covar: bool, level: float) -> float | None:
    """One-sided ``level`` lower confidence limit of an estimate (t with ``dof``, or z), None
    without a standard error."""
    from scipy import stats

    if e.stderr is None or not math.isfinite(e.stderr):
        return None
    q = stats.t.ppf(level, dof) if scale_covar and dof > 0 else stats.norm.ppf(level)
    return e.value - q * e.stderr


def _limit(ref: Any, var: Any, name: str, labels: tuple[str, str], level: float) -> tuple[float, str] | None:
    """``(U / L, what it bounds)`` for the rate-scale parameter ``name`` of a dead ``var``, or None when the
    reference's value is not bounded away from 0 (or the variant has no v/[E] for a kcat)."""
    ref_label, var_label = labels
    each = math.sqrt(level)  # two independent one-sided limits, jointly at ``level``
    upper, per_enzyme = activity_limit(var, each)
    numerator = upper if name == "vmax" else per_enzyme
    e_ref, e_var = ref.parameters[name], var.parameters[name]
    if numerator is None or e_ref.unit.dimension != e_var.unit.dimension:
        return None
    low = _lower_limit(e_ref.to(e_var.unit), ref.statistics.dof, ref.scale_covar, each)
    if low is None or low <= 0:
        return None
    first = var.law.input_names[0]
    top = max(float(x) for x in var.data[first])
    what = "v" if name == "vmax" else "v/[E]"
    return numerator / low, f"{what}({var_label} at {top:g} {var.input_units[first]})/{name}({ref_label})"


_LIMIT_WORDS = "(one-sided {level:.0%}, no activity detected)"


def dead_ratios(
    ref: Any, var: Any, labels: tuple[str, str], rt_kcal: float, temperature_C: float, level: float
) -> tuple[dict[str, Ratio], dict[str, DeltaG]] | None:
    """Ratios and ΔΔG‡ of ``var`` to ``ref`` (``labels``: their names) when either has no activity;
    None when both have (the ordinary delta-method ratios apply).

    Returns
    -------
    ratios : dict of Ratio
        For each quantity the reference reports: an ``upper_limit`` for the dead variant's rate
        scale (vmax, kcat) when the reference's is bounded away from 0, else ``not_determined``.
    ddg : dict of DeltaG
        kcat basis: a ``lower_limit`` from the kcat limit; other bases ``not_determined``.
    """
    dead_var, dead_ref = no_activity_warning(var), no_activity_warning(ref)
    if dead_var is None and dead_ref is None:
        return None
    ratios: dict[str, Ratio] = {}
    bounded: dict[str, str] = {}  # quantity -> what its limit bounds
    scale = set(dead_var.details.get("parameters", ())) if dead_var is not None else set()
    why = f"no activity in {labels[0]}" if dead_ref is not None else "no activity detected"
    for table in ("parameters", "derived"):
        for name, e_ref in getattr(ref, table).items():
            if e_ref.fixed or name not in getattr(var, table):
                continue
            found = _limit(ref, var, name, labels, level) if dead_ref is None and name in scale else None
            if found is not None:
                bounded[name] = found[1]
            ratios[name] = _ratio(name, found, labels, why, level)
    ddg = {
        basis: _ddg(basis, ratios[basis], bounded.get(basis, ""), rt_kcal, temperature_C, why, level)
        for basis in ("kcat", "kcat_over_km", "kcat_over_km_mgatp")
        if basis in ratios
    }
    return ratios, ddg


def _ratio(name: str, found, labels: tuple[str, str], why: str, level: float) -> Ratio:
    """The ratio of ``name``: an upper limit (``found``: the limit and what it bounds) or not determined."""
    if found is None:
        note = f"{name}({labels[1]})/{name}({labels[0]}) not determined ({why})"
        return Ratio(
            name, math.nan, None, None, None, level, "none (no activity)", "not_determined", None, note
        )
    limit, what = found
    note = f"{what} ≤ {limit:.2g} " + _LIMIT_WORDS.format(level=level)
    method = "one-sided upper limit (no activity)"
    return Ratio(name, math.nan, None, None, None, level, method, "upper_limit", limit, note)


def _ddg(
    basis: str, r: Ratio, what: str, rt_kcal: float, temperature_C: float, why: str, level: float
) -> DeltaG:
    """ΔΔG‡ on ``basis``: a lower limit from the ratio's upper limit, or not determined."""
    if r.status != "upper_limit":
        method, status, low = "none (no activity)", "not_determined", None
        note = f"ΔΔG‡ ({basis}) not determined ({why})"
    else:
        low = -rt_kcal * math.log(r.limit)
        method, status = "one-sided lower limit (no activity)", "lower_limit"
        note = f"ΔΔG‡ ≥ {low:.2g} kcal/mol from {what} " + _LIMIT_WORDS.format(level=level)
    unknown = (None, None, None)  # stderr and CI: a limit has neither
    return DeltaG(
        basis, math.nan, *unknown, temperature_C, ci_method=method, status=status, limit=low, note=note
    )
