"""Profiles of one fitted name or of a ratio of two, on any profile target.

:func:`profile_name` profiles a parameter of a single fit or a key of a global fit (``km[WT]``)
with every other fitted name re-optimised. :func:`profile_ratio_of` profiles ρ = num/den by
substitution (num = ρ·den, or den = num/ρ when the numerator is fixed): the exact profile of ρ,
not a delta-method approximation. When the denominator sits at 0 (KM at its bound, ρ = ∞) the
reciprocal den/num is profiled from its bound 0 and inverted, so the lower limit of ρ is still
found and the upper side is reported open. :func:`profile_parameter` is the entry point for a
:class:`~mgkinetics.fitting.results.FitResult`. The engine is :mod:`mgkinetics.stats.profile`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mgkinetics.errors import FitError
from mgkinetics.stats.profile import profile_constrained, profile_threshold
from mgkinetics.stats.profile_target import ProfileTarget, single_target

__all__ = ["profile_name", "profile_ratio_of", "ratio_value", "profile_parameter"]


def profile_name(target: ProfileTarget, name: str, *, ci_level: float = 0.95) -> dict:
    """Profile one fitted name of a target (a parameter, or a key such as ``km[WT]``)."""
    if name not in target.varied:
        raise FitError(f"'{name}' was not fitted; profile one of {', '.join(target.varied)}")
    free = [n for n in target.varied if n != name]
    lo, hi = target.bounds[name]

    def constrain(t):
        return free, {name: t}

    return profile_constrained(
        target,
        value=target.best[name],
        step=target.stderr(name),
        lower=lo,
        upper=hi,
        constrain=constrain,
        ci_level=ci_level,
    )


def _ratio_stderr(target: ProfileTarget, num: str, den: str) -> float | None:
    """Delta-method standard error of num/den (the profile's first step only)."""
    if target.covariance is None:
        return None
    best = target.best
    g = np.zeros(len(target.varied))
    if num in target.varied:
        g[target.varied.index(num)] = 1.0 / best[den]
    if den in target.varied:
        g[target.varied.index(den)] = -best[num] / best[den] ** 2
    var = float(g @ target.covariance @ g)
    return math.sqrt(var) if math.isfinite(var) and var > 0 else None


def profile_ratio_of(target: ProfileTarget, num: str, den: str, *, ci_level: float = 0.95) -> dict:
    """Profile ρ = num/den by substitution: num = ρ·den (or den = num/ρ when num is fixed)."""
    if num not in target.varied and den not in target.varied:
        raise FitError(f"neither {num} nor {den} was fitted: {num}/{den} has no profile")
    if target.best[den] == 0 and target.best[num] != 0:  # ρ = ±∞ (KM at 0): profile den/num
        return _reciprocal(profile_ratio_of(target, den, num, ci_level=ci_level))
    if target.best[den] == 0:  # 0/0: the ratio is not determined at the best fit
        rss0 = target.rss(target.best)
        crit = profile_threshold(
            rss0, target.n, len(target.varied), scale_covar=target.scale_covar, level=ci_level
        )
        return dict(
            low=None,
            high=None,
            low_kind="open",
            high_kind="open",
            low_reached=math.nan,
            high_reached=math.nan,
            threshold=crit,
            rss_min=rss0,
            points=1,
            unsettled=0,
        )
    dependent = num if num in target.varied else den
    free = [n for n in target.varied if n != dependent]
    if dependent == num:

        def constrain(t):
            return free, {num: lambda vals, t=t: t * vals[den]}
    else:

        def constrain(t):
            return free, {den: lambda vals, t=t: vals[num] / t if t else math.inf}

    def minimum(n):  # a fixed parameter's range is its value
        return target.bounds[n][0] if n in target.varied else target.best[n]

    # the ratio of two non-negative parameters is non-negative
    lo = 0.0 if minimum(num) >= 0 and minimum(den) >= 0 else -math.inf
    return profile_constrained(
        target,
        value=ratio_value(target.best[num], target.best[den]),
        step=_ratio_stderr(target, num, den),
        lower=lo,
        upper=math.inf,
        constrain=constrain,
        ci_level=ci_level,
    )


def ratio_value(num: float, den: float) -> float:
    """num/den, ±inf for a non-zero over zero, nan for 0/0 (no ZeroDivisionError)."""
    if den == 0:
        return math.copysign(math.inf, num) if num != 0 else math.nan
    return num / den


def _reciprocal(prof: dict) -> dict:
    """The profile dict of 1/u from that of u (u ≥ 0, at its bound 0 at the best fit)."""

    def inv(x):
        return math.inf if x == 0 else 1.0 / x

    out = dict(prof)
    out["low_kind"], out["high_kind"] = prof["high_kind"], prof["low_kind"]
    out["low_reached"], out["high_reached"] = inv(prof["high_reached"]), inv(prof["low_reached"])
    out["low"] = inv(prof["high"]) if prof["high_kind"] == "closed" else None
    out["high"] = inv(prof["low"]) if prof["low_kind"] == "closed" and prof["low"] else None
    if out["high"] is None and out["high_kind"] == "closed":
        out["high_kind"] = "bound"
    return out


def profile_parameter(
    result: Any,
    problem=None,
    name: str = "",
    *,
    ci_level: float = 0.95,
    ratio: tuple[str, str] | None = None,
) -> dict:
    """Profile one varied parameter (or a ratio ``(numerator, denominator)``) of a single fit.

    ``problem`` may be None: the result keeps the data it was fitted to. Returns the dict of
    :func:`profile_constrained`.

    Examples
    --------
    >>> import numpy as np, mgkinetics as mgk
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0]); v = 10 * s / (2 + s) * (1 + 0.02 * np.sin(7 * s))
    >>> res = mgk.fit({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten")
    >>> prof = profile_parameter(res, None, "km")
    >>> prof["low_kind"], prof["high_kind"], bool(prof["low"] < res.values["km"] < prof["high"])
    ('closed', 'closed', True)
    """
    target = single_target(result, problem)
    if ratio is not None:
        return profile_ratio_of(target, ratio[0], ratio[1], ci_level=ci_level)
    return profile_name(target, name, ci_level=ci_level)
