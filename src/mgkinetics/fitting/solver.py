"""A robust least-squares sequence: several solvers from the *same* starting values, then a polish.

MINPACK's Levenberg–Marquardt (lmfit's ``leastsq``) is fast and usually right, but from poor
starts it can stop in a flat region (NIST MGH09, BoxBOD from Start 1), it stops short of the last
digits because its forward-difference Jacobian carries ~1e-8 relative error (ENSO, Rat43), and a
model that returns NaN mid-fit makes lmfit's ``nan_policy='omit'`` drop points. The sequence here:

1. candidates: the caller's solution (lmfit LM) and scipy's trust-region-reflective solver
   (``least_squares(method='trf', x_scale='jac', jac='3-point')``), both from the given starts;
2. polish each candidate with Gauss–Newton/Levenberg–Marquardt steps on a central-difference
   Jacobian with one Richardson step (error ~h⁴), solved by column-scaled least squares, until
   the residual sum of squares stops decreasing;
3. keep the candidate with the lowest RSS.

Nothing here looks at reference answers: every solve starts from the starting values given.
Non-finite model values count as a very large residual, so solvers back off instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["residuals", "richardson_jacobian", "covariance", "polish", "solve"]

_BIG = 1e100  # residual given to non-finite model values: huge, yet its square stays finite


def residuals(law, inputs: Mapping[str, np.ndarray], rate: np.ndarray, weights: np.ndarray,
              names: Sequence[str], fixed: Mapping[str, float]):
    """``r(theta) = w·(y − f(x; theta))`` over the varied ``names``, others held at ``fixed``."""
    names = list(names)

    def r(theta: np.ndarray) -> np.ndarray:
        values = dict(fixed)
        values.update(zip(names, (float(t) for t in theta), strict=False))
        with np.errstate(all="ignore"):
            f = np.asarray(law.evaluate(inputs, values), dtype=float)
            out = weights * (rate - f)
        return np.where(np.isfinite(out), out, _BIG)

    return r


def richardson_jacobian(r, theta: np.ndarray, rel_step: float = 1e-4) -> np.ndarray:
    """Jacobian of ``r`` by central differences with one Richardson extrapolation step."""
    cols = []
    for i, x0 in enumerate(theta):
        h = rel_step * max(abs(x0), 1e-12)

        def f(step, i=i):
            t = np.array(theta, dtype=float)
            t[i] += step
            return r(t)

        d1 = (f(h) - f(-h)) / (2 * h)
        d2 = (f(h / 2) - f(-h / 2)) / h
        cols.append(d2 + (d2 - d1) / 3.0)
    return np.column_stack(cols) if cols else np.zeros((r(theta).size, 0))


def covariance(jac: np.ndarray, scale: float = 1.0) -> np.ndarray | None:
    """``inv(JᵀJ)·scale``, or None when JᵀJ is singular or gives a non-physical variance.

    ``scale`` is the reduced χ² when σ is estimated from the residuals, 1 for absolute σ.
    """
    try:
        inv = np.linalg.inv(jac.T @ jac)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(inv)) or np.any(np.diag(inv) < 0):
        return None
    return inv * scale


def polish(r, theta: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, max_iter: int = 60
           ) -> tuple[np.ndarray, float]:
    """Levenberg–Marquardt steps on an accurate Jacobian until the RSS stops decreasing.

    Parameters at a bound stay there (a simple active set); steps are clipped to the bounds.
    """
    theta = np.clip(np.asarray(theta, dtype=float), lower, upper)
    res = r(theta)
    rss = float(res @ res)
    lam = 0.0
    for _ in range(max_iter):
        free = ~((theta <= lower) | (theta >= upper))
        if not free.any():
            break
        jac = richardson_jacobian(r, theta)[:, free]
        scale = np.linalg.norm(jac, axis=0)
        scale[scale == 0] = 1.0
        js = jac / scale
        improved = False
        for _try in range(12):
            if lam:
                a = np.vstack([js, np.sqrt(lam) * np.eye(js.shape[1])])
                b = np.concatenate([-res, np.zeros(js.shape[1])])
            else:
                a, b = js, -res
            step_s, *_ = np.linalg.lstsq(a, b, rcond=None)
            trial = theta.copy()
            trial[free] = np.clip(theta[free] + step_s / scale, lower[free], upper[free])
            tres = r(trial)
            trss = float(tres @ tres)
            if np.isfinite(trss) and trss < rss:
                improved = True
                gain = rss - trss
                theta, res, rss = trial, tres, trss
                lam = lam / 10.0 if lam > 1e-12 else 0.0
                break
            lam = max(lam * 10.0, 1e-6)
        if not improved or gain <= 1e-15 * rss:
            break
    return theta, rss


def solve(law, inputs: Mapping[str, np.ndarray], rate: np.ndarray, weights: np.ndarray,
          starts: Mapping[str, float], varying: Sequence[str], *,
          candidates: Sequence[tuple[str, Mapping[str, float], bool, str]] = (), use_trf: bool = True,
          ) -> tuple[dict[str, float], float, bool, str]:
    """Run the sequence and return ``(values, rss, success, message)``.

    Parameters
    ----------
    law : RateLaw
    inputs, rate, weights : arrays
        The problem's data.
    starts : mapping
        Starting value of every parameter (fixed ones at their fixed values).
    varying : sequence of str
        Parameters to fit.
    candidates : sequence of (label, values, converged, message)
        Solutions already found (e.g. by lmfit) to be polished and compared, with whether their
        solver reported convergence and its message.

    Returns
    -------
    values, rss, success, message
        ``success`` and ``message`` are those of the solver whose (polished) solution won, so a
        fit whose best solver did not converge is reported as not converged.
    use_trf : bool
        Whether to add scipy's TRF solve from ``starts``.
    """
    from scipy.optimize import least_squares

    varying = list(varying)
    fixed = {k: float(v) for k, v in starts.items() if k not in varying}
    r = residuals(law, inputs, rate, weights, varying, fixed)
    spec = {p.name: p for p in law.params}
    lower = np.array([spec[n].min for n in varying], dtype=float)
    upper = np.array([spec[n].max for n in varying], dtype=float)
    x0 = np.array([starts[n] for n in varying], dtype=float)
    if not varying:
        res = r(x0)
        return dict(starts), float(res @ res), True, "no parameters varied"
    tries: list[tuple[str, np.ndarray, bool, str]] = []
    for label, cand, converged, message in candidates:
        theta = np.array([cand[n] for n in varying], dtype=float)
        if np.all(np.isfinite(theta)):
            tries.append((label, theta, bool(converged), str(message)))
    if use_trf or not tries:
        try:
            sol = least_squares(r, np.clip(x0, lower, upper), method="trf", x_scale="jac", jac="3-point",
                                bounds=(lower, upper), xtol=1e-15, ftol=1e-15, gtol=1e-15,
                                max_nfev=200 * (len(varying) + 1) ** 2)
            tries.append(("scipy trf", sol.x, bool(sol.status > 0), str(sol.message)))
        except (ValueError, np.linalg.LinAlgError):
            pass
    best = None
    for label, theta, converged, message in tries:
        theta, rss = polish(r, theta, lower, upper)
        if np.isfinite(rss) and (best is None or rss < best[2]):
            best = (label, theta, rss, converged, message)
    if best is None:
        return dict(starts), float("nan"), False, "no solver found a finite solution"
    label, theta, rss, converged, message = best
    values = dict(fixed)
    values.update(zip(varying, (float(t) for t in theta), strict=False))
    ok = converged and rss < _BIG and bool(np.all(np.isfinite(theta)))
    return values, rss, ok, f"{message} ({label}, polished)"
