"""Profile-likelihood confidence intervals for ratios of one parameter between two data sets.

For a parameter θ fitted to a reference and a variant, the ratio r = θ_var/θ_ref is profiled by
tying θ_var = r·θ_ref and minimising the pooled residual sum of squares over every other
parameter of both fits, S(r). The interval is where S(r) stays below the threshold of the
likelihood-ratio test (Bates & Watts 1988, §6.1; Venzon & Moolgavkar 1988): with σ estimated,
S(r) ≤ S_min·(1 + F(1, n − k; level)/(n − k)), n and k pooled over the two data sets; with
absolute σ, S(r) ≤ S_min + χ²₁(level). Unlike the log-scale delta method, the interval follows the
real shape of the likelihood, which matters for poorly determined KM values. Both ratios (of a
parameter and of a derived quantity) run on the one exact-profile engine,
:func:`mgkinetics.stats.profile.profile_constrained`, on the two fits stacked as one target.
"""

from __future__ import annotations

import math

import numpy as np

from mgkinetics.fitting.problem import FitProblem
from mgkinetics.fitting.results import FitResult

__all__ = ["profile_ratio", "profile_derived_ratio"]


def profile_ratio(
    name: str,
    ref_problem: FitProblem,
    ref: FitResult,
    var_problem: FitProblem,
    var: FitResult,
    *,
    level: float = 0.95,
) -> tuple[float | None, float | None, str]:
    """Profile-likelihood interval of var/ref for the parameter ``name`` (fitted in both).

    The variant's parameter is tied, ``name@var = r·name@ref``, and every other parameter of both
    fits is re-optimised at each r by the checked inner optimisations of
    :mod:`mgkinetics.stats.profile` (the engine of every other profile), with the threshold of the
    pooled fits.

    Parameters
    ----------
    name : str
        A parameter fitted (not fixed) in both results, in the same unit.
    ref_problem, ref, var_problem, var : FitProblem, FitResult
        The two data sets and their separate fits (the unconstrained optimum).
    level : float
        Coverage.

    Returns
    -------
    (low, high, note)
        ``None`` for a side the profile never crosses (an open interval), with a note saying so.
    """
    from mgkinetics.stats.profile import profile_constrained

    if name not in ref.covariance_names or name not in var.covariance_names:
        return None, None, f"{name} is not fitted in both data sets"
    target = _pair_target(ref_problem, ref, var_problem, var)
    best = target.best
    dependent, base = name + "@var", name + "@ref"
    free = [n for n in target.varied if n != dependent]

    def constrain(t):
        return free, {dependent: lambda vals, t=t: t * vals[base]}

    with np.errstate(all="ignore"):
        r_hat = float(np.float64(best[dependent]) / np.float64(best[base]))
    if not (math.isfinite(r_hat) and r_hat > 0):
        return None, None, f"the {name} ratio is not finite and positive at the best fits"
    e_ref, e_var = ref.parameters[name], var.parameters[name]
    rel = [e.stderr / abs(e.value) for e in (e_ref, e_var) if e.stderr and e.value]
    step = r_hat * math.sqrt(sum(x * x for x in rel)) if len(rel) == 2 else 0.1 * r_hat
    lo = 0.0 if target.bounds[dependent][0] >= 0 and target.bounds[base][0] >= 0 else -math.inf
    prof = profile_constrained(
        target, value=r_hat, step=step, lower=lo, upper=math.inf, constrain=constrain, ci_level=level
    )
    return prof["low"], prof["high"], _open_notes(prof)


def _open_notes(prof: dict) -> str:
    """``lower side open (< x)`` / ``upper side open (> x)`` for the sides that are not closed."""
    notes = []
    for side, rel_word, kind, reached in (
        ("lower", "<", prof["low_kind"], prof["low_reached"]),
        ("upper", ">", prof["high_kind"], prof["high_reached"]),
    ):
        if kind != "closed":
            notes.append(f"{side} side open ({rel_word} {reached:.3g})")
    return "; ".join(notes)


def _pair_target(ref_problem, ref: FitResult, var_problem, var: FitResult):
    """The two separate fits as one profile target, names suffixed ``@ref`` and ``@var``."""
    from mgkinetics.stats.profile_target import ProfileTarget, single_target

    parts = [(single_target(ref, ref_problem), "@ref"), (single_target(var, var_problem), "@var")]

    def residual(values):
        return np.concatenate([t.residual({n: values[n + tag] for n in t.best}) for t, tag in parts])

    return ProfileTarget(
        residual=residual,
        best={n + tag: v for t, tag in parts for n, v in t.best.items()},
        varied=tuple(n + tag for t, tag in parts for n in t.varied),
        bounds={n + tag: b for t, tag in parts for n, b in t.bounds.items()},
        n=sum(t.n for t, _ in parts),
        scale_covar=bool(ref.scale_covar),
    )


def profile_derived_ratio(
    name: str, ref_problem: FitProblem, ref: FitResult, var_problem: FitProblem, var: FitResult, *, level=0.95
) -> tuple[float | None, float | None, str]:
    """Profile-likelihood interval of var/ref for a derived ratio ``name`` (kcat/KM) of both fits.

    R = (num_var/den_var)/(num_ref/den_ref) is held by num_var = R·den_var·num_ref/den_ref (or
    den_var solved when num_var is fixed); every other parameter of both fits is re-optimised at
    each R by the checked inner optimisations of :mod:`mgkinetics.stats.profile`, with the
    threshold of the pooled fits. Returns ``(low, high, note)`` as :func:`profile_ratio` does.
    """
    from mgkinetics.stats.profile import profile_constrained

    spec = next((d for d in var.law.derived if d.name == name), None)
    if spec is None or name not in ref.derived:
        return None, None, f"{name} is not a derived ratio of both fits"
    num, den = spec.numerator, spec.denominator
    target = _pair_target(ref_problem, ref, var_problem, var)
    best = target.best
    if num + "@var" in target.varied:
        dependent, other = num + "@var", den + "@var"

        def rule(t, vals):
            return t * vals[other] * vals[num + "@ref"] / vals[den + "@ref"]
    elif den + "@var" in target.varied:
        dependent, other = den + "@var", num + "@var"

        def rule(t, vals):
            return vals[other] * vals[den + "@ref"] / (t * vals[num + "@ref"]) if t else math.inf
    else:
        return None, None, f"{name} of the variant is fixed"
    free = [n for n in target.varied if n != dependent]

    def constrain(t):
        return free, {dependent: lambda vals, t=t: rule(t, vals)}

    with np.errstate(all="ignore"):
        r_hat = (best[num + "@var"] / best[den + "@var"]) / (best[num + "@ref"] / best[den + "@ref"])
    if not (math.isfinite(r_hat) and r_hat > 0):
        return None, None, f"the {name} ratio is not finite at the best fits"
    e_ref, e_var = ref.derived[name], var.derived[name]
    rel = [e.stderr / e.value for e in (e_ref, e_var) if e.stderr and e.value]
    step = r_hat * math.sqrt(sum(x * x for x in rel)) if len(rel) == 2 else 0.1 * r_hat
    prof = profile_constrained(
        target, value=r_hat, step=step, lower=0.0, upper=math.inf, constrain=constrain, ci_level=level
    )
    return prof["low"], prof["high"], _open_notes(prof)
