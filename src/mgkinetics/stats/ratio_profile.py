"""Profile-likelihood confidence intervals for ratios of one parameter between two data sets.

For a parameter θ fitted to a reference and a variant, the ratio r = θ_var/θ_ref is profiled by
tying θ_var = r·θ_ref and minimising the pooled residual sum of squares over every other
parameter of both fits, S(r). The interval is where S(r) stays below the threshold of the
likelihood-ratio test (Bates & Watts 1988, §6.1; Venzon & Moolgavkar 1988): with σ estimated,
S(r) ≤ S_min·(1 + F(1, n − k; level)/(n − k)), n and k pooled over the two data sets; with
absolute σ, S(r) ≤ S_min + χ²₁(level). Unlike the log-scale delta method, the interval follows the
real shape of the likelihood, which matters for poorly determined KM values.
"""

from __future__ import annotations

import math

import numpy as np

from mgkinetics.fitting.problem import FitProblem
from mgkinetics.fitting.results import FitResult

__all__ = ["profile_ratio", "profile_derived_ratio"]

#: How far (in ln r) from the estimate a side may be sought before it is called open: 10^4-fold.
_FAR = math.log(1e4)


def _threshold(s_min: float, n: int, k: int, scale_covar: bool, level: float) -> float:
    from scipy import stats

    if scale_covar:
        dof = n - k
        return s_min * (1.0 + float(stats.f.ppf(level, 1, dof)) / dof) if dof > 0 else math.inf
    return s_min + float(stats.chi2.ppf(level, 1))


def profile_ratio(
    name: str,
    ref_problem: FitProblem,
    ref: FitResult,
    var_problem: FitProblem,
    var: FitResult,
    *,
    level: float = 0.95,
    max_steps: int = 40,
) -> tuple[float | None, float | None, str]:
    """Profile-likelihood interval of var/ref for the parameter ``name`` (fitted in both).

    Parameters
    ----------
    name : str
        A parameter fitted (not fixed) in both results, in the same unit.
    ref_problem, ref, var_problem, var : FitProblem, FitResult
        The two data sets and their separate fits (the unconstrained optimum).
    level : float
        Coverage.
    max_steps : int
        Doubling steps in log r allowed to bracket each side before it is reported open.

    Returns
    -------
    (low, high, note)
        ``None`` for a side the profile never crosses (an open interval), with a note saying so.
    """
    from scipy.optimize import least_squares

    ref_names = list(ref.covariance_names)
    var_names = [n for n in var.covariance_names if n != name]
    if name not in ref_names or name not in var.covariance_names:
        return None, None, f"{name} is not fitted in both data sets"
    specs = {p.name: p for p in ref_problem.law.params}
    lower = np.array([specs[n].min for n in ref_names] + [specs[n].min for n in var_names])
    upper = np.array([specs[n].max for n in ref_names] + [specs[n].max for n in var_names])
    ref_fixed, var_fixed = dict(ref.values), dict(var.values)

    def residual(theta: np.ndarray, r: float) -> np.ndarray:
        a = dict(ref_fixed)
        a.update(zip(ref_names, theta[: len(ref_names)]))
        b = dict(var_fixed)
        b.update(zip(var_names, theta[len(ref_names) :]))
        b[name] = r * a[name]
        with np.errstate(all="ignore"):
            fa = np.asarray(ref_problem.law.evaluate(ref_problem.inputs, a), dtype=float)
            fb = np.asarray(var_problem.law.evaluate(var_problem.inputs, b), dtype=float)
        out = np.concatenate(
            [ref_problem.weights * (ref_problem.rate - fa), var_problem.weights * (var_problem.rate - fb)]
        )
        return np.where(np.isfinite(out), out, 1e100)

    r_hat = var.values[name] / ref.values[name]
    start = np.array([ref.values[n] for n in ref_names] + [var.values[n] for n in var_names], dtype=float)
    s_min = ref.statistics.rss + var.statistics.rss
    n = ref.statistics.n + var.statistics.n
    k = ref.statistics.n_params + var.statistics.n_params
    limit = _threshold(s_min, n, k, ref.scale_covar, level)
    warm = {"theta": start, "converged": True}

    def excess(log_r: float) -> float:
        # solved from the neighbouring point and from the separate fits; the lower RSS is kept
        sols = [
            least_squares(
                residual,
                np.clip(x0, lower, upper),
                args=(math.exp(log_r),),
                bounds=(lower, upper),
                method="trf",
                x_scale="jac",
                xtol=1e-12,
                ftol=1e-12,
            )
            for x0 in (warm["theta"], start)
        ]
        sol = min(sols, key=lambda s: s.cost)
        warm["theta"] = sol.x
        warm["converged"] = bool(sol.status > 0)
        return float(2 * sol.cost) - limit

    # First step from the delta-method width, so well-determined ratios bracket at once.
    e_ref, e_var = ref.parameters[name], var.parameters[name]
    se_log = (
        math.sqrt((e_ref.stderr / e_ref.value) ** 2 + (e_var.stderr / e_var.value) ** 2)
        if e_ref.stderr and e_var.stderr and e_ref.value > 0 and e_var.value > 0
        else 0.5
    )
    ends, notes = [], []
    for sign in (-1.0, 1.0):
        warm["theta"] = start
        end, note = _profile_side(excess, warm, math.log(r_hat), sign, max(2.0 * se_log, 1e-3), max_steps)
        ends.append(end)
        notes += [note] if note else []
    return ends[0], ends[1], "; ".join(notes)


def _profile_side(excess, warm: dict, log_r_hat: float, sign: float, step: float, max_steps: int):
    """One side of the ratio profile: (limit, None), or (None, note) when the data do not bound it.

    Steps double outwards in log r from the optimum until ``excess`` (the profile RSS minus the
    threshold) turns positive at a converged refit, then the crossing is solved by brentq.
    """
    from scipy.optimize import brentq

    inner, outer = log_r_hat, log_r_hat + sign * step
    for _ in range(max_steps):
        if abs(outer - log_r_hat) > _FAR:
            break  # 10^4-fold away and still inside: the data do not bound this side
        if excess(outer) > 0:
            # a crossing is only trusted where the constrained refit converged; a failed
            # refit far out can report a large RSS that merely looks like one
            if warm["converged"]:
                lo, hi = sorted((inner, outer))
                try:
                    return math.exp(brentq(excess, lo, hi, xtol=1e-10)), None
                except ValueError:  # no sign change: the refit at the inner end is above the threshold too
                    side = "lower" if sign < 0 else "upper"
                    return None, f"{side} side not determined (the profile's refits are not consistent)"
            break
        inner, step = outer, step * 2
        outer = inner + sign * step
    bound = math.exp(log_r_hat + sign * min(abs(inner - log_r_hat), _FAR))
    side, relation = ("lower", "<") if sign < 0 else ("upper", ">")
    return None, f"{side} side open ({relation} {bound:.3g})"


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
    notes = []
    for side, rel_word, kind, reached in (
        ("lower", "<", prof["low_kind"], prof["low_reached"]),
        ("upper", ">", prof["high_kind"], prof["high_reached"]),
    ):
        if kind != "closed":
            notes.append(f"{side} side open ({rel_word} {reached:.3g})")
    return prof["low"], prof["high"], "; ".join(notes)
