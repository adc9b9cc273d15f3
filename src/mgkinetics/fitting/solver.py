"""Residuals and a Levenberg–Marquardt polish for the refits of the statistics wing.

Fits themselves run on lmfit (:mod:`mgkinetics.fitting.engine`). Profile-likelihood and bootstrap
refits (:mod:`mgkinetics.stats.intervals`) continue from a neighbouring solution with
:func:`polish`: Gauss–Newton/Levenberg–Marquardt steps on an accurate Jacobian, solved by
column-scaled least squares, until the residual sum of squares stops decreasing. Non-finite model
values count as a very large residual, so steps back off instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from mgkinetics.fitting.numerics import covariance, richardson_jacobian

__all__ = ["residuals", "richardson_jacobian", "covariance", "polish"]

_BIG = 1e100  # residual given to non-finite model values: huge, yet its square stays finite


def residuals(
    law,
    inputs: Mapping[str, np.ndarray],
    rate: np.ndarray,
    weights: np.ndarray,
    names: Sequence[str],
    fixed: Mapping[str, float],
):
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


def polish(
    r, theta: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, max_iter: int = 60
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
