"""Is a parameter the same in two variants? Shared-versus-separate fits: F test and ΔAICc."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mgkinetics.errors import FitError, LawError
from mgkinetics.fitting.globalfit import GlobalFitResult
from mgkinetics.fitting.plain import finite_or_none
from mgkinetics.fitting.problem import FitProblem
from mgkinetics.fitting.results import FitResult, Statistics
from mgkinetics.fitting.single import fit_problem

__all__ = ["SharingTest", "nan_to_none", "pooled_statistics", "sharing_starts", "sharing_test"]


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
            "f": nan_to_none(self.f),
            "p": nan_to_none(self.p),
            "df": [self.df_num, self.df_den],
            "delta_aicc": nan_to_none(self.delta_aicc),
            "shared_value": self.shared_value,
            "preferred": self.preferred,
        }


#: A finite float, or None for None, NaN and inf (JSON has no NaN): the fits' own rule.
nan_to_none = finite_or_none


def pooled_statistics(a: FitResult, b: FitResult) -> Statistics:
    """The separate-parameters model of two data sets, from their own fits: nothing is shared, so
    the joint least-squares problem splits and its RSS, n and parameter count are the sums (no
    refit needed). AICc/BIC are recomputed for the pooled n, as the shared model's are."""

    n = a.statistics.n + b.statistics.n
    k = a.statistics.n_params + b.statistics.n_params
    rss = a.statistics.rss + b.statistics.rss
    log_w = a.statistics.log_weights + b.statistics.log_weights
    return Statistics.of_fit(n, k, rss, r2=math.nan, scale_covar=a.scale_covar, log_weights=log_w)


def sharing_test(
    name: str, variant: str, separate: Statistics, joint: GlobalFitResult, *, undetermined: str = ""
) -> SharingTest:
    """Extra-sum-of-squares F test and ΔAICc (shared minus separate; negative favours sharing)."""
    from scipy import stats

    s1, s2 = separate, joint.statistics
    df_num = s2.dof - s1.dof
    if df_num > 0 and s1.dof > 0 and s1.rss > 0:
        # sharing cannot fit better than separate fits; a negative difference is rounding (F = 0)
        f = max(((s2.rss - s1.rss) / df_num) / (s1.rss / s1.dof), 0.0)
        p = float(stats.f.sf(f, df_num, s1.dof))
    else:
        f, p = math.nan, math.nan
    delta = s2.aicc - s1.aicc
    preferred = "shared" if (math.isfinite(p) and p >= 0.05) else "separate"
    if preferred == "shared" and undetermined:
        # a test that cannot reject sharing proves nothing when a fit is not determined (a dead
        # variant fits any vmax with KM -> infinity): say so instead of calling the parameter shared
        preferred = f"undetermined ({undetermined})"
    shared_value = joint.parameters[name].value if name in joint.parameters else None
    return SharingTest(
        name, variant, float(f), float(p), int(df_num), int(s1.dof), float(delta), shared_value, preferred
    )


def _held_at(name: str, value: float, problem: FitProblem, fit: FitResult) -> FitResult:
    """``problem`` refitted with ``name`` held at ``value``, from its own fit ``fit`` (what that fit
    held stays held at its value; every other parameter starts at its fitted value)."""
    held = {n: e.value for n, e in fit.parameters.items() if e.fixed}
    starts = {n: e.value for n, e in fit.parameters.items() if not e.fixed and n != name}
    return fit_problem(problem, fix={**held, name: value}, init=starts, diagnostics=False)


def sharing_starts(
    name: str, problems: Mapping[str, FitProblem], fits: Mapping[str, FitResult]
) -> dict[str, dict[str, float]]:
    """Starting values (label -> parameter values) of the joint fit of ``problems`` with ``name``
    shared, from each set's own fit in ``fits``.

    Each set's fitted value of ``name`` is a candidate for the shared one: the other sets are
    refitted with ``name`` held there (their own fits as starts), and the candidate of the lowest
    summed RSS, an upper bound of the joint fit's own, gives the starts, with the refits' values.
    The geometric mean of the sets' values, which the joint fit would otherwise start from, can be
    far from every set's data when they differ much (kcat 327 and 1.7 s⁻¹ start at 24): the first
    Levenberg–Marquardt step from there pins a KM at its bound of 0, where lmfit's bound
    transformation has no gradient, and the solver spends its whole budget there. A set whose law
    does not declare ``name`` keeps its own fit; when no candidate can be refitted (``name`` held
    in a fit, or a refit fails), the starts are the sets' own fitted values.

    Examples
    --------
    >>> import numpy as np
    >>> from mgkinetics.fitting.problem import build_problems
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0] * 2)
    >>> v = np.r_[100 * s[:6] / (0.2 + s[:6]), s[6:] / (5 + s[6:])] * (1 + 0.01 * np.cos(3 * s))
    >>> data = {"s_mM": s, "rate_uM_per_s": v, "variant": ["WT"] * 6 + ["M"] * 6}
    >>> problems, _, _ = build_problems(data, "michaelis_menten", group="variant", weights="relative")
    >>> by = {p.group["variant"]: p for p in problems}
    >>> fits = {k: fit_problem(p, diagnostics=False) for k, p in by.items()}
    >>> starts = sharing_starts("vmax", by, fits)
    >>> starts["M"]["vmax"] == fits["WT"].values["vmax"] or starts["WT"]["vmax"] == fits["M"].values["vmax"]
    True
    """
    best: dict[str, dict[str, float]] = {label: dict(fits[label].values) for label in problems}
    best_rss = math.inf
    for label in problems:
        own = fits[label].parameters.get(name)
        if own is None or own.fixed or not math.isfinite(own.value):
            continue
        starts, rss = {label: dict(fits[label].values)}, fits[label].statistics.rss
        try:
            for other, problem in problems.items():
                if other == label:
                    continue
                # a set whose law does not declare the parameter keeps its own fit
                refit = (
                    _held_at(name, own.value, problem, fits[other])
                    if name in fits[other].parameters
                    else fits[other]
                )
                starts[other], rss = dict(refit.values), rss + refit.statistics.rss
        except (FitError, LawError):  # a set that cannot be refitted there: no candidate
            continue
        if rss < best_rss:  # NaN (a refit without a finite RSS) never wins
            best, best_rss = starts, rss
    return best
