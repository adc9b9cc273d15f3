"""The exact profile-likelihood engine: any quantity held fixed by a constraint, single or global fits.

Profile likelihood (Venzon & Moolgavkar 1988; Bates & Watts 1988, §6.1)
    For each varied parameter θⱼ, θⱼ is fixed at trial values and the other parameters are
    re-optimised (Levenberg–Marquardt on an accurate Jacobian, continuing from the neighbouring
    point). The limits are where the profiled residual sum of squares S(θⱼ) crosses

    * ``S_min·(1 + F(1, n−p; level)/(n−p))`` when σ is estimated from the residuals, and
    * ``S_min + χ²₁(level)`` when σ is known (absolute ``sd:`` weights, S = χ²).

    Every profile point is a checked inner optimisation: the free parameters are solved from the
    neighbouring point (LM) and from the best fit (scipy's bounded TRF, which leaves a bound an LM
    step overshot to); when the two disagree near the threshold, from 4 spreads of every free
    parameter around both, keeping the lowest RSS (tests compare every limit with a brute-force
    multi-start profile to 4 significant digits, correlation 0.9998 included).

    Trial values walk out from the estimate in doubling steps (starting at one standard error),
    and the crossing is refined with Brent's method. A side that reaches a parameter bound, walks
    2⁴⁰ standard errors without crossing, or levels off below the threshold (successive rises
    shrinking geometrically to a sum that cannot reach it: KM → ∞) is reported *open* (``None``)
    with a note (``> 3.1 mM``) and a kind (``bound`` or ``open``): the data do not bound it.
    Both sides open means a flat profile: the parameter is flagged as not identifiable in the
    note and in the result's warnings.

    :func:`profile_constrained` is the engine for any quantity held fixed by a constraint, on any
    :class:`~mgkinetics.stats.profile_target.ProfileTarget` (a single fit or a global fit with
    shared parameters). Parameters and ratios (kcat/KM by substitution) are profiled in
    :mod:`mgkinetics.stats.profile_quantities`, other derived quantities (kcat = Vmax/[E], any
    smooth function) in :mod:`mgkinetics.stats.derived_profile`, global fits in
    :mod:`mgkinetics.stats.global_profile`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from mgkinetics.fitting.solver import polish
from mgkinetics.stats.profile_target import ProfileTarget

__all__ = ["profile_threshold", "profile_constrained"]

_MAX_DOUBLINGS = 40


def profile_threshold(rss_min: float, n: int, p: int, *, scale_covar: bool, level: float = 0.95) -> float:
    """The RSS (or χ²) a profile must reach at the limits of a ``level`` interval.

    Examples
    --------
    >>> round(profile_threshold(1.0, 10, 2, scale_covar=True), 6)  # 1 + F(1, 8; .95)/8
    1.664707
    """
    from scipy import stats

    if scale_covar:
        dof = n - p
        if dof <= 0:
            return math.nan
        return rss_min * (1.0 + float(stats.f.ppf(level, 1, dof)) / dof)
    return rss_min + float(stats.chi2.ppf(level, 1))


#: Agreement (relative to crit − S_min) at which two inner solves count as the same optimum.
_AGREE = 1e-6
#: Multiplicative spreads of the extra starts tried when the first two inner solves disagree.
_SPREAD = (0.1, 0.5, 2.0, 10.0)


def _inner_solve(
    r, start: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, method: str
) -> tuple[np.ndarray, float]:
    """One inner solve: ``"lm"`` polishes (LM on an accurate Jacobian), ``"trf"`` runs scipy's
    bounded trust-region solver, which moves off a bound again (a first Gauss–Newton step that
    overshoots to KM = 0 leaves the clipped LM of ``polish`` stuck there)."""
    from scipy.optimize import least_squares

    x0 = np.clip(np.asarray(start, dtype=float), lower, upper)
    if method == "lm":
        theta, rss = polish(r, x0, lower, upper, max_iter=100)
        return theta, (rss if np.isfinite(rss) else math.inf)
    try:
        sol = least_squares(
            r,
            x0,
            bounds=(lower, upper),
            method="trf",
            x_scale="jac",
            jac="3-point",
            xtol=1e-12,
            ftol=1e-12,
            gtol=1e-12,
            max_nfev=200 * (x0.size + 1),
        )
    except (ValueError, np.linalg.LinAlgError):
        return x0, math.inf
    rss = float(sol.fun @ sol.fun)
    return sol.x, (rss if np.isfinite(rss) else math.inf)


class _Profile:
    """S(t): the minimum RSS with one constraint held at t, refitting the free parameters.

    Every point is a checked inner optimisation: solved from the neighbouring point's solution
    (continuation) and from the best fit; when the two disagree, from further starts spread
    around both, keeping the lowest RSS. Points whose best RSS no second start reproduced are
    counted in ``unsettled``.
    """

    def __init__(self, target: ProfileTarget, constrain: Callable):
        self.target, self.best = target, dict(target.best)
        self.constrain = constrain  # t -> (free names, {name: value or callable(values)})
        self.cache: dict[float, float] = {}
        self.last: dict[tuple[str, ...], np.ndarray] = {}
        self.unsettled: list[float] = []
        self.crit, self.rss_min = math.inf, -math.inf  # set by profile_constrained
        # the inner solves see residuals and parameters of unit size (exact power-of-two scales),
        # so their tolerances do not depend on the scale of the data (rates or concentrations
        # of 1e-30 profile as those of 1)
        rss0 = target.rss(target.best)
        self.r_scale = _power_of_two(math.sqrt(rss0 / max(target.n, 1))) if rss0 > 0 else 1.0
        self.p_scale = {
            n: _power_of_two(abs(v) if v != 0 else (target.stderr(n) or 1.0)) for n, v in self.best.items()
        }

    def _residual(self, free, pinned):
        base = {k: v for k, v in self.best.items() if k not in free}
        resid = self.target.residual

        def r(theta):
            values = dict(base)
            values.update(zip(free, (float(x) for x in theta), strict=False))
            for name, rule in pinned.items():
                values[name] = rule(values) if callable(rule) else rule
            return resid(values)

        return r

    def __call__(self, t: float) -> float:
        t = float(t)
        if t in self.cache:
            return self.cache[t]
        free, pinned = self.constrain(t)
        r = self._residual(free, pinned)
        if not free:
            res = r(np.array([]))
            self.cache[t] = float(res @ res)
            return self.cache[t]
        key = tuple(free)
        lower = np.array([self.target.bounds[n][0] for n in free], dtype=float)
        upper = np.array([self.target.bounds[n][1] for n in free], dtype=float)
        d = np.array([self.p_scale[n] for n in free], dtype=float)
        c = self.r_scale

        def r_unit(x):
            return r(x * d) / c

        home = np.array([self.best[n] for n in free], dtype=float) / d
        x, rss_unit = self._settle(r_unit, self.last.get(key, home), home, lower / d, upper / d, t)
        self.last[key] = x
        rss = rss_unit * c * c
        self.cache[t] = rss
        return rss

    def _settle(self, r, cont, home, lower, upper, t):
        """The inner minimum from the continuation start (LM) and the best fit (TRF), checked."""
        found = [
            _inner_solve(r, cont, lower, upper, method="lm"),
            _inner_solve(r, home, lower, upper, method="trf"),
        ]
        # what matters is S − crit: agreement is judged on the scale of crit − S_min (in the
        # solves' unit residuals)
        c2 = self.r_scale * self.r_scale
        crit, gap = self.crit / c2, (self.crit - self.rss_min) / c2
        tol = _AGREE * (gap if math.isfinite(gap) and gap > 0 else max(found[0][1], 1e-300))

        def agree(a, b):
            return abs(a - b) <= tol

        if not agree(found[0][1], found[1][1]):  # refine the TRF answer on the accurate Jacobian
            found[1] = _inner_solve(r, found[1][0], lower, upper, method="lm")
        # Far below the threshold the sign of S − crit is certain (the true minimum is lower still);
        # only points near or above it need the extra starts.
        settled = min(found[0][1], found[1][1]) < crit - 0.5 * gap
        if not settled and not agree(found[0][1], found[1][1]):
            for centre in (found[0][0], found[1][0], home):
                for k in range(centre.size):
                    for f in _SPREAD:
                        x = centre.copy()
                        x[k] = x[k] * f if x[k] != 0 else f - 1.0
                        found.append(_inner_solve(r, x, lower, upper, method="trf"))
            found.sort(key=lambda c: c[1])
            found.insert(0, _inner_solve(r, found[0][0], lower, upper, method="lm"))
        found.sort(key=lambda c: c[1])
        if not settled and not any(agree(found[0][1], c[1]) for c in found[1:]):
            self.unsettled.append(t)
        return found[0]


def _power_of_two(x: float) -> float:
    """The power of two nearest ``x`` (> 0, finite), 1 otherwise: scaling by it is exact."""
    if not (math.isfinite(x) and x > 0):
        return 1.0
    return math.ldexp(1.0, math.frexp(x)[1] - 1)


def _plateau(seen: list[float], crit: float, gap: float) -> bool:
    """True when the profile levels off below ``crit``: after 6 doublings, the last two rises
    shrank geometrically (ratio ρ < 0.75 twice) and even 4× the remaining geometric sum
    d·ρ/(1 − ρ) would not reach the threshold (S → S∞ − c/t, as for KM → ∞, has ρ → 1/2)."""
    if len(seen) < 6:
        return False
    d0, d1, d2 = seen[-3] - seen[-4], seen[-2] - seen[-3], seen[-1] - seen[-2]
    if min(d0, d1, d2) < 0:
        return False
    if d2 <= 1e-12 * gap and d1 <= 1e-12 * gap:
        return True
    if not (d1 <= 0.75 * d0 and d2 <= 0.75 * d1) or d1 == 0:
        return False
    rho = d2 / d1
    return seen[-1] + 4 * d2 * rho / (1 - rho) < crit


def _walk(S: _Profile, v0: float, step: float, side: int, lo: float, hi: float, crit: float):
    """Walk from v0 towards ``side`` until S crosses crit; ('closed'|'bound'|'open', value)."""
    from scipy.optimize import brentq

    prev = v0
    S.last.clear()
    seen: list[float] = []
    for k in range(_MAX_DOUBLINGS):
        t = v0 + side * step * 2.0**k
        at_bound = False
        if t <= lo or t >= hi:
            t, at_bound = (lo if side < 0 else hi), True
        s = S(t)
        seen.append(s)
        if s < crit and _plateau(seen, crit, crit - S.rss_min):
            return "open", float(t)
        if s > crit:  # strictly: a flat profile at S = crit = 0 (every rate 0) is not a crossing
            try:
                root = brentq(lambda u: S(u) - crit, prev, t, xtol=1e-10 * max(abs(v0), step), rtol=1e-10)
            except ValueError:  # the profile is not monotone between prev and t: take the last below
                root = prev
            return "closed", float(root)
        if at_bound:
            return "bound", float(t)
        prev = t
    return "open", float(prev)


def profile_constrained(
    target: ProfileTarget,
    *,
    value: float,
    step: float | None,
    lower: float,
    upper: float,
    constrain: Callable,
    ci_level: float = 0.95,
) -> dict:
    """Profile any quantity ``t`` of a target, given how to hold it fixed.

    Parameters
    ----------
    target : ProfileTarget
        The fit's least-squares problem (:mod:`mgkinetics.stats.profile_target`).
    value : float
        The quantity at the best fit (where the profile has its minimum).
    step : float or None
        The first step (a standard error); 10 % of ``value`` when None.
    lower, upper : float
        The range the quantity can take (a side that reaches it is open, kind ``bound``).
    constrain : callable
        ``constrain(t) -> (free, pinned)``: the names re-optimised, and name -> value (or
        ``rule(values) -> value``) for the others held by the constraint.
    ci_level : float

    Returns
    -------
    dict
        ``low``, ``high`` (None when open), ``low_kind``, ``high_kind`` (``closed``, ``bound``,
        ``open``), ``low_reached``/``high_reached`` (how far each side was followed),
        ``threshold``, ``rss_min``, ``points`` and ``unsettled`` (points no second start reproduced).
    """
    v0 = float(value)
    rss0 = target.rss(target.best)
    crit = profile_threshold(
        rss0, target.n, len(target.varied), scale_covar=target.scale_covar, level=ci_level
    )
    if target.scale_covar and rss0 == 0:  # residuals exactly 0 (every rate 0): σ̂ = 0, no interval
        return {
            "low": None, "high": None, "low_kind": "open", "high_kind": "open", "low_reached": v0,
            "high_reached": v0, "threshold": crit, "rss_min": rss0, "points": 1, "unsettled": 0,
        }  # fmt: skip
    step = step if step and math.isfinite(step) and step > 0 else 0.1 * max(abs(v0), 1e-8)
    S = _Profile(target, constrain)
    S.cache[v0] = rss0
    S.crit, S.rss_min = crit, rss0
    low_kind, low = _walk(S, v0, step, -1, lower, upper, crit)
    high_kind, high = _walk(S, v0, step, +1, lower, upper, crit)
    return {
        "low": low if low_kind == "closed" else None,
        "high": high if high_kind == "closed" else None,
        "low_kind": low_kind,
        "high_kind": high_kind,
        "low_reached": low,
        "high_reached": high,
        "threshold": crit,
        "rss_min": rss0,
        "points": len(S.cache),
        "unsettled": len(S.unsettled),
    }
