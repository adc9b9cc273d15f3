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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mgkinetics.errors import FitWarning

__all__ = [
    "NoActivity",
    "no_activity_of_curves",
    "maybe_no_activity",
    "noise_only_reason",
    "no_activity_reason_for",
    "no_activity_warning_for",
    "activity_limit",
    "dead_sets",
    "dead_sets_reason",
    "level_of",
]


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
    dof = n - n_params
    # quantiles per distinct curve size (a batch has few), p-values only where they are reported
    sizes, size_of = np.unique(n, return_inverse=True)
    f_value, testable, below = _f_test(rate, weights, starts, rss, n_params, level, n, sizes, size_of)
    with np.errstate(all="ignore"):
        t = np.where(sizes > 1, special.stdtrit(np.maximum(sizes - 1, 1), level), np.inf)[size_of]
        level_above_zero = _level_above_zero(rate, weights, starts, n, sizes, size_of, level)
        dead = below & ~level_above_zero
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


def _f_test(rate, weights, starts, rss, n_params: int, level: float, n, sizes, size_of):
    """(F, testable, F below its ``level`` quantile) per curve: the fit against ``v = 0``, as
    :func:`mgkinetics.fitting.numerics.f_test` (``n`` the rows of each curve, ``sizes`` the distinct
    ``n`` and ``size_of`` which one each curve has)."""
    from scipy import special

    rss_zero = np.add.reduceat((weights * rate) ** 2, starts)
    dof = n - n_params
    with np.errstate(all="ignore"):
        f_crit = special.fdtri(max(n_params, 1), np.maximum(sizes - n_params, 1), level)[size_of]
        f_value = np.maximum(((rss_zero - rss) / n_params) / (rss / dof), 0.0)
        testable = (dof > 0) & (rss > 0) & (n_params > 0)
        return f_value, testable, testable & (f_value < f_crit)


def maybe_no_activity(rate, weights, starts, rss, n_params: int, level: float) -> np.ndarray:
    """Per curve (stored as for :func:`no_activity_of_curves`), whether its fit is no better than
    ``v = 0`` by the F test: the only curves that :func:`no_activity_of_curves` can call ``dead``
    (it also asks that their mean rate is not significantly above 0). A batch screens its curves
    with this, then computes :class:`NoActivity` for these few (each curve's values are its own).

    >>> maybe_no_activity(np.array([0.1, -0.1, 0.1, 5, 6, 7]), np.ones(6), np.array([0, 3]),
    ...                   np.array([0.02, 0.5]), 1, 0.95).tolist()
    [True, False]
    """
    rate, weights = np.asarray(rate, dtype=float), np.asarray(weights, dtype=float)
    starts, rss = np.asarray(starts, dtype=np.intp), np.asarray(rss, dtype=float)
    n = np.diff(starts, append=rate.size)
    sizes, size_of = np.unique(n, return_inverse=True)
    return _f_test(rate, weights, starts, rss, n_params, level, n, sizes, size_of)[2]


def _level_above_zero(rate, weights, starts, n, sizes, size_of, level: float) -> np.ndarray:
    """Per curve: a constant rate (the weighted mean) above 0 beats v = 0 by the F test at ``level``.

    A law that cannot follow the data (Hill or Michaelis–Menten on rates that fall as S rises)
    collapses to a flat line whose F test against v = 0, with the law's k parameters, can lose its
    power; rates of 9 down to 2 µM/s are activity all the same. A curve whose mean is significantly
    above 0 is therefore never called dead; noise around 0, and negative rates, still can be.
    """
    from scipy import special

    w2 = weights**2
    mean = np.add.reduceat(w2 * rate, starts) / np.add.reduceat(w2, starts)
    curve = np.repeat(np.arange(starts.size), n)
    rss_const = np.add.reduceat(w2 * (rate - mean[curve]) ** 2, starts)
    rss_zero = np.add.reduceat(w2 * rate**2, starts)
    f_crit = special.fdtri(1, np.maximum(sizes - 1, 1), level)[size_of]
    f_value = (rss_zero - rss_const) / (rss_const / np.maximum(n - 1, 1))
    return (mean > 0) & (n > 1) & ~(f_value < f_crit)  # rss_const = 0 (a constant > 0): inf, activity


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


def no_activity_warning_for(
    problem,
    scale: Sequence[str],
    units,
    rss: float,
    n_params: int,
    level: float,
    *,
    keys: Mapping[str, str] | None = None,
    others: Sequence[str] = (),
    label: str = "",
) -> FitWarning | None:
    """The ``no_activity`` warning of one fitted data set, or None when the fit is better than
    ``v = 0`` (or the law has no rate scale ``scale``).

    Parameters
    ----------
    problem : FitProblem
        The data set (its rows, weights and inputs).
    scale : sequence of str
        The law's rate-scale parameters (Vmax, kcat) fitted for this set, by law name.
    units : mapping
        Parameter key -> unit.
    rss : float
        The set's weighted RSS at the fit; ``n_params`` its own fitted parameters (those the F test
        against ``v = 0`` removes; shared ones are held).
    level : float
        The CI level: the F test's ``1 - level`` and the upper limit's one-sided level.
    keys : mapping, optional
        Law name -> key of the fit (``vmax[WT]`` in a global fit); plain names by default.
    others : sequence of str
        The set's other fitted parameters (by law name), which no activity leaves undetermined.
    label : str
        The set's label, put before the reason (global fits).

    Returns
    -------
    FitWarning or None
        Its text is the reason (:func:`noise_only_reason`); ``details``: ``parameters`` (the
        rate-scale keys), ``undetermined`` (the other keys), ``upper`` (the rate limit, in the rate
        unit), ``upper_per_enzyme`` (v/[E], or None), ``top`` (the highest concentration of the
        first input), ``limit_text`` (``v ≤ 0.0106 uM/s at 10 mM``), ``level`` and ``label``.
    """
    if not scale:
        return None
    keys = dict(keys or {})
    first = problem.law.input_names[0]
    enzyme = problem.inputs.get("enzyme")
    a = no_activity_of_curves(
        problem.inputs[first], problem.rate, problem.weights, [0], [rss], n_params, level, enzyme
    )
    if not a.dead[0]:
        return None
    shown = [keys.get(n, n) for n in scale]
    per_enzyme = [keys.get(n, n) for n in scale if n != "vmax"]
    kcat_unit = units[per_enzyme[0]] if per_enzyme and enzyme is not None else None
    x_unit = problem.input_units[first]
    reason = noise_only_reason(a, 0, shown, first, x_unit, problem.rate_unit, kcat_unit, level)
    upper_e = float(a.upper[0] / a.enzyme_top[0]) if kcat_unit is not None and a.enzyme_top[0] > 0 else None
    limit_text = f"v ≤ {a.upper[0]:.3g} {problem.rate_unit}"
    if upper_e is not None:
        limit_text += f", v/[E] ≤ {upper_e:.3g} {kcat_unit}"
    limit_text += f" at {a.top[0]:g} {x_unit}"
    return FitWarning(
        "no_activity",
        f"{label}: {reason}" if label else reason,
        parameters=tuple(shown),
        undetermined=tuple(keys.get(n, n) for n in others),
        upper=float(a.upper[0]),
        upper_per_enzyme=upper_e,
        top=float(a.top[0]),
        limit_text=limit_text,
        level=level,
        label=label,
    )


def no_activity_reason_for(problem, scale: Sequence[str], units, rss: float, n_params: int, level: float):
    """The no-activity reason of one fitted :class:`~mgkinetics.fitting.problem.FitProblem`, or
    None when the fit is better than ``v = 0`` (the text of :func:`no_activity_warning_for`)."""
    w = no_activity_warning_for(problem, scale, units, rss, n_params, level)
    return None if w is None else w.message


def activity_limit(fit, level: float) -> tuple[float, float | None]:
    """One-sided ``level`` upper limits of a fitted data set's rate at its highest concentration of
    the first input, and of v/[E] there (None without an enzyme input): the formula of
    :class:`NoActivity` on the rows of ``fit`` (a :class:`~mgkinetics.fitting.results.FitResult`).

    >>> import mgkinetics as mgk
    >>> f = mgk.fit({"s_mM": [1.0, 2, 4, 4], "rate_uM_per_s": [0.1, -0.1, 0.1, -0.1]}, "michaelis_menten")
    >>> round(activity_limit(f, 0.95)[0], 4)  # 0 + t(0.95, 3) * 0.1 / sqrt(2)
    0.1664
    """
    data = fit.data
    first = fit.law.input_names[0]
    enzyme = data.get("enzyme")
    a = no_activity_of_curves(
        data[first], data["rate"], data["weights"], [0], [fit.statistics.rss], 1, level, enzyme
    )
    per_enzyme = float(a.upper[0] / a.enzyme_top[0]) if enzyme is not None and a.enzyme_top[0] > 0 else None
    return float(a.upper[0]), per_enzyme


def dead_sets(problems, labels, keys, varying, values, units, level: float) -> list[FitWarning]:
    """The ``no_activity`` warning (:func:`no_activity_warning_for`) of each data set of a global
    fit whose own curve, with the shared parameters held at the joint fit, is no better than
    ``v = 0`` for its rows: the F test removes the set's own fitted parameters (``keys``: per set,
    law name -> key; ``varying``: the fitted keys; ``values``: key -> value)."""
    from mgkinetics.fitting.status import rate_scale_parameters

    out = []
    for p, label, mapping in zip(problems, labels, keys, strict=True):
        own = [n for n, k in mapping.items() if k in varying and k.endswith(f"[{label}]")]
        scale = rate_scale_parameters(p.law, own)
        if not scale or p.n <= len(own):
            continue
        model = np.asarray(p.law.evaluate(p.inputs, {n: values[k] for n, k in mapping.items()}), dtype=float)
        rss = float(np.sum((p.weights * (p.rate - model)) ** 2))
        others = [n for n in own if n not in scale]
        w = no_activity_warning_for(
            p, scale, units, rss, len(own), level, keys=mapping, others=others, label=label
        )
        if w is not None:
            out.append(w)
    return out


def dead_sets_reason(
    dead: Sequence[FitWarning], labels, keys, shared, pooled: bool = False, *, refitted: bool = False
) -> str:
    """The status reason of a global fit with data sets without activity (``dead``): which sets,
    their limits, and which sets determine the shared parameters (``refitted``: a refit of those
    sets alone gave the shared estimates; else ``pooled``: their standard errors pool the residual
    variance of every set, the dead ones too)."""
    gone = {d.details["label"] for d in dead}
    parts = [
        f"{d.details['label']}: no activity detected ({', '.join(d.details['parameters'])} not "
        f"distinguishable from 0; {d.details['limit_text']}, one-sided {level_of(d):.0%} upper limit)"
        for d in dead
    ]
    alive = [lab for lab in labels if lab not in gone]
    held = [
        name for name in shared if any(name in m for lab, m in zip(labels, keys, strict=True) if lab in alive)
    ]
    one = len(held) == 1
    if not alive:
        parts.append("no data set shows activity: the shared parameters are not determined")
    elif refitted:
        excluded = ", ".join(lab for lab in labels if lab in gone)
        parts.append(
            (
                f"the shared {', '.join(held)} {'is' if one else 'are'} determined by {', '.join(alive)} "
                f"alone: {'its' if one else 'their'} value{'' if one else 's'}, standard "
                f"error{'' if one else 's'} and interval{'' if one else 's'} come from the fit of "
                f"{', '.join(alive)} without {excluded}"
                if held
                else f"the estimates of {', '.join(alive)} come from their fit without {excluded}"
            )
            + f" ({excluded} excluded: no activity)"
        )
    elif held:
        parts.append(
            f"the shared {', '.join(held)} {'is' if one else 'are'} determined by "
            f"{', '.join(alive)} (the rows of {', '.join(sorted(gone))}, with no activity, carry no "
            f"information on {'its value' if one else 'their values'}"
            + (
                f"; {'its standard error pools' if one else 'their standard errors pool'} the "
                "residual variance of every set)"
                if pooled
                else ")"
            )
        )
    return "; ".join(parts)


def level_of(w: FitWarning) -> float:
    """The one-sided level of a ``no_activity`` warning's upper limit."""
    return float(w.details.get("level", 0.95))
