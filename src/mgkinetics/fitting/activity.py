"""No activity detected: a fit that is no better than ``v = 0``.

A dead mutant or a negative control gives rates that scatter around 0. Least squares then puts
Vmax (kcat) at its bound 0, or runs KM away with a slope of either sign, or lands on an interior
optimum whose CI spans 0: true, but none of them says what the enzymologist wants to hear. Here
the fit is tested against the no-activity model ``v = 0`` (extra-sum-of-squares F test, at the CI's
level); when the data cannot tell them apart, the fit says "no activity detected" and gives the
one-sided upper confidence limit of the rate at the highest substrate concentration (and of
v/[E] there when the law has an enzyme input), computed from the data alone.

Every function works on curves stored one after another (``starts``: the first row of each), so
that a single fit (one curve) and :func:`mgkinetics.fit_many` (many) share one implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["NoActivity", "no_activity_of_curves", "noise_only_reason", "no_activity_reason_for"]


@dataclass(frozen=True)
class NoActivity:
    """Per curve: the F test of the fit against ``v = 0`` and the top rates' upper limit.

    ``dead`` marks the curves whose fit is no better than ``v = 0`` at ``1 - level`` (F below the
    F distribution's ``level`` quantile); ``p_value`` is computed for those (NaN for the others and
    where the test cannot be made: RSS = 0, no residual degrees of freedom).
    ``upper`` is ``max(mean_top, 0) + t(level, N - 1) · rms / sqrt(n_top)``: the mean rate at the
    highest concentration ``top`` (``n_top`` rows) plus the t quantile times the root mean square of
    all ``N`` rates about 0 (the no-activity model's residuals); a negative mean (an over-subtracted
    blank) never gives a limit below the noise. ``enzyme_top`` is the mean enzyme concentration at
    ``top`` (NaN without an enzyme input).
    """

    f_value: np.ndarray
    df: tuple[np.ndarray, np.ndarray]
    p_value: np.ndarray
    upper: np.ndarray
    top: np.ndarray
    n_top: np.ndarray
    enzyme_top: np.ndarray
    dead: np.ndarray


def no_activity_of_curves(
    x, rate, weights, starts, rss, n_params: int, level: float, enzyme=None
) -> NoActivity:
    """:class:`NoActivity` of curves stored one after another (rows ``starts[i]`` up to the next
    start; ``x`` the law's first input, ``rss`` each fit's weighted RSS).

    >>> a = no_activity_of_curves(np.array([1.0, 2, 2]), np.array([0.1, -0.1, 0.1]), np.ones(3),
    ...                           np.array([0]), np.array([0.02]), 1, 0.95)
    >>> round(float(a.upper[0]), 4), int(a.n_top[0]), round(float(a.f_value[0]), 3)  # F = (0.01/1)/(0.02/2)
    (0.2065, 2, 1.0)
    """
    from scipy import special

    x, rate, weights = (np.asarray(a, dtype=float) for a in (x, rate, weights))
    starts, rss = np.asarray(starts, dtype=np.intp), np.asarray(rss, dtype=float)
    n = np.diff(np.r_[starts, x.size])
    curve = np.repeat(np.arange(starts.size), n)
    top = np.maximum.reduceat(x, starts)
    at_top = np.abs(x - top[curve]) <= 1e-9 * np.abs(top[curve])
    n_top = np.bincount(curve, weights=at_top, minlength=starts.size)
    mean_top = np.bincount(curve, weights=np.where(at_top, rate, 0.0), minlength=starts.size) / n_top
    rms = np.sqrt(np.add.reduceat(rate**2, starts) / n)
    rss_zero = np.add.reduceat((weights * rate) ** 2, starts)
    dof = n - n_params
    # quantiles per distinct curve size (a batch has few), p-values only where they are reported
    sizes, size_of = np.unique(n, return_inverse=True)
    with np.errstate(all="ignore"):
        t = np.where(sizes > 1, special.stdtrit(np.maximum(sizes - 1, 1), level), np.inf)[size_of]
        f_crit = special.fdtri(max(n_params, 1), np.maximum(sizes - n_params, 1), level)[size_of]
        f_value = np.maximum(((rss_zero - rss) / n_params) / (rss / dof), 0.0)  # as fitting.numerics.f_test
        testable = (dof > 0) & (rss > 0) & (n_params > 0)
        dead = testable & (f_value < f_crit)
        p_value = np.full(starts.size, np.nan)
        p_value[dead] = special.fdtrc(n_params, dof[dead], f_value[dead])
        enzyme_top = (
            np.bincount(
                curve, weights=np.where(at_top, np.asarray(enzyme, dtype=float), 0.0), minlength=starts.size
            )
            / n_top
            if enzyme is not None
            else np.full(starts.size, np.nan)
        )
    upper = np.maximum(mean_top, 0.0) + t * rms / np.sqrt(n_top)
    return NoActivity(
        np.where(testable, f_value, np.nan),
        (np.full(starts.size, n_params), dof),
        p_value,
        upper,
        top,
        n_top.astype(int),
        enzyme_top,
        dead,
    )


def noise_only_reason(
    a: NoActivity, i: int, scale: Sequence[str], first: str, x_unit, rate_unit, kcat_unit, level: float
) -> str:
    """The reason given for curve ``i`` of ``a`` (single and batch fits alike). ``kcat_unit``: the
    unit of v/[E] (None: the law has no enzyme input, or its scale is Vmax)."""
    limit = f"{a.upper[i]:.3g} {rate_unit}"
    if kcat_unit is not None and a.enzyme_top[i] > 0:
        limit += f" (v/[E] {a.upper[i] / a.enzyme_top[i]:.3g} {kcat_unit})"
    n_top = int(a.n_top[i])
    return (
        "no activity detected: the law fits these rates no better than v = 0 "
        f"(F({int(a.df[0][i])}, {int(a.df[1][i])}) = {a.f_value[i]:.3g}, p = {a.p_value[i]:.2g}), so "
        f"{', '.join(scale)} is not distinguishable from 0 and the other parameters are not determined; "
        f"the rates at the highest {first} ({a.top[i]:g} {x_unit}, {n_top} row{'s' if n_top != 1 else ''}) "
        f"are at most {limit} (one-sided {level:.0%} upper limit); check the assay or measure at a "
        "higher enzyme concentration"
    )


def no_activity_reason_for(problem, scale: Sequence[str], units, rss: float, n_params: int, level: float):
    """The no-activity reason of one fitted :class:`~mgkinetics.fitting.problem.FitProblem`, or
    None when the fit is better than ``v = 0`` (or the law has no rate scale ``scale``)."""
    if not scale:
        return None
    first = problem.law.input_names[0]
    enzyme = problem.inputs.get("enzyme")
    a = no_activity_of_curves(
        problem.inputs[first], problem.rate, problem.weights, [0], [rss], n_params, level, enzyme
    )
    if not a.dead[0]:
        return None
    per_enzyme = [k for k in scale if k != "vmax"]
    kcat_unit = units[per_enzyme[0]] if per_enzyme and enzyme is not None else None
    return noise_only_reason(
        a, 0, scale, first, problem.input_units[first], problem.rate_unit, kcat_unit, level
    )
