"""An independent brute-force 1-D profile, the reference for the profile tests.

Written against plain numpy residual functions (the models are restated in the tests, not taken
from mgkinetics): at every trial value t of the profiled quantity, the free parameters are
re-optimised by scipy's bounded trust-region least squares from many starts (the best fit, a
seeded log-uniform spread over 0.1×–10× of it, and the previous point's optimum), and the lowest
RSS is kept. The limits are found by walking out from the estimate on a fine geometric grid until
the brute-force S(t) reaches the threshold, then refining with brentq on that same S(t).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, least_squares

__all__ = ["brute_profile", "brute_limits"]


def brute_profile(residual, best_free: np.ndarray, lower, upper, *, n_starts: int = 12, seed: int = 0):
    """S(t) = min over the free parameters of |residual(t, free)|², from many starts."""
    best_free = np.asarray(best_free, dtype=float)
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    rng = np.random.default_rng(seed)
    spread = 10.0 ** rng.uniform(-1, 1, size=(n_starts, best_free.size))
    last = {"x": best_free}

    def S(t: float) -> float:
        if best_free.size == 0:
            r = residual(t, best_free)
            return float(r @ r)
        starts = [best_free, last["x"], *(np.where(best_free != 0, best_free, 1.0) * spread)]
        best, best_x = np.inf, best_free
        for x0 in starts:
            x0 = np.clip(x0, lower, upper)
            sol = least_squares(
                lambda x: residual(t, x),
                x0,
                bounds=(lower, upper),
                method="trf",
                x_scale="jac",
                xtol=1e-14,
                ftol=1e-14,
                gtol=1e-14,
                max_nfev=3000,
            )
            rss = float(sol.fun @ sol.fun)
            if rss < best:
                best, best_x = rss, sol.x
        last["x"] = best_x
        return best

    return S


def brute_limits(
    S,
    v0: float,
    scale: float,
    crit: float,
    *,
    lower=-np.inf,
    upper=np.inf,
    far=1e4,
    growth=1.25,
    sides=(-1, 1),
):
    """(low, high): where S crosses ``crit`` on each side; None when it does not before the
    range ends or ``far``·scale from the estimate. Trial values v0 ± scale·(growth^k − 1)/4:
    the first steps are a small fraction of ``scale`` (a standard error), then they grow."""
    out = []
    for side in (-1, 1):
        prev, found = v0, None
        if side not in sides:
            out.append(None)
            continue
        for k in range(1, 400):
            t = v0 + side * scale * (growth**k - 1) / 4
            if t <= lower or t >= upper or abs(t - v0) > far * scale:
                break
            if S(t) >= crit:
                found = brentq(lambda u: S(u) - crit, prev, t, xtol=1e-13 * abs(t), rtol=1e-13)
                break
            prev = t
        out.append(found)
    return out
