"""The linear initial-rate estimator: an automatically chosen early window and its OLS line.

Start: reads are skipped while the trace accelerates in its own direction (a coupling lag: the
quadratic term of the first reads is significant and has the slope's sign). End: the window grows
from there and is the longest one whose quadratic term is not significant (F-test) and whose
conversion at its last read, counted from mixing (t = 0), stays within the limit. Every candidate
window is evaluated at once from prefix sums of the normal equations; the chosen window is refitted
directly. The slope's SE comes from the residual variance of the line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LineWindow", "fit_initial_line", "ols_line"]


@dataclass(frozen=True)
class LineWindow:
    """The chosen window and its line.

    Attributes
    ----------
    slope, slope_se, intercept : float
        Signal per second, its SE from the line's residual variance, and the signal at t = 0.
    start, stop : int
        Indices of the first read and one past the last read of the window.
    reason : str
        Why the window starts and ends where it does.
    flags : tuple of str
        Problems met (``few_points``, ``curvature_in_shortest_window``, ...).
    """

    slope: float
    slope_se: float
    intercept: float
    start: int
    stop: int
    reason: str
    flags: tuple[str, ...] = ()


def ols_line(t: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Ordinary least-squares line: (slope, SE of slope from the residual variance, intercept).

    The SE is NaN with fewer than 3 points (no residual degree of freedom).

    Examples
    --------
    >>> s, se, a = ols_line(np.array([0.0, 1, 2, 3]), np.array([1.0, 3, 5, 7]))
    >>> round(s, 12), round(se, 12), round(a, 12)
    (2.0, 0.0, 1.0)
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    tc = t - t.mean()
    sxx = float(tc @ tc)
    if t.size < 2 or not sxx > 0:
        return np.nan, np.nan, np.nan
    slope = float(tc @ (y - y.mean())) / sxx
    intercept = float(y.mean() - slope * t.mean())
    if t.size < 3:
        return slope, np.nan, intercept
    resid = y - (intercept + slope * t)
    return slope, float(np.sqrt((resid @ resid) / (t.size - 2) / sxx)), intercept


def _solve_stack(m: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Solve every system of a stack; least squares (pseudo-inverse) when one is singular (reads
    repeated at the same times leave a window with fewer distinct times than coefficients)."""
    try:
        return np.linalg.solve(m, r[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return (np.linalg.pinv(m) @ r[..., None])[..., 0]


def _growing_fits(t: np.ndarray, y: np.ndarray):
    """For windows [0, m) for every m: line slope, RSS of line and of quadratic (prefix sums)."""
    span = t[-1] - t[0]
    x = (t - t[0]) / (span if span > 0 else 1.0)
    scale = np.ptp(y) or 1.0
    z = (y - y[0]) / scale
    p = [np.cumsum(x**k) for k in range(5)]
    q = [np.cumsum(z * x**k) for k in range(3)]
    zz = np.cumsum(z * z)
    m2 = np.stack([np.stack([p[0], p[1]], -1), np.stack([p[1], p[2]], -1)], -2)
    m3 = np.stack([np.stack([p[i + j] for j in range(3)], -1) for i in range(3)], -2)
    r2 = np.stack([q[0], q[1]], -1)
    r3 = np.stack([q[0], q[1], q[2]], -1)
    with np.errstate(all="ignore"):
        ok = p[0] >= 4
        eye2, eye3 = np.eye(2), np.eye(3)
        b2 = _solve_stack(np.where(ok[:, None, None], m2, eye2), r2)
        b3 = _solve_stack(np.where(ok[:, None, None], m3, eye3), r3)
        rss2 = np.maximum(zz - np.sum(b2 * r2, -1), 0.0) * scale**2
        rss3 = np.maximum(zz - np.sum(b3 * r3, -1), 0.0) * scale**2
        slope = b2[:, 1] * scale / (span if span > 0 else 1.0)
    return slope, rss2, rss3


def _quadratic_p(rss2: np.ndarray, rss3: np.ndarray, n: np.ndarray) -> np.ndarray:
    from scipy.special import fdtrc  # F survival function; scipy.stats costs a second to import

    with np.errstate(all="ignore"):
        fstat = np.maximum((rss2 - rss3) / (rss3 / (n - 3)), 0.0)
        p = fdtrc(1.0, np.maximum(n - 3, 1).astype(float), fstat)
    return np.where((n > 3) & (rss3 > 0), p, np.where(rss2 > 0, 0.0, 1.0))


def _lag_reads(t: np.ndarray, y: np.ndarray, *, min_points: int, z_lag: float, max_fraction: float) -> int:
    """Reads to skip at the start: while the first reads bend in the direction of the slope."""
    n = t.size
    width = int(min(max(min_points + 2, n // 4), 12))
    skip = 0
    while skip < int(max_fraction * n) and skip + width <= n:
        tt = t[skip : skip + width]
        yy = y[skip : skip + width]
        coef, cov = np.polyfit(tt - tt.mean(), yy, 2, cov="unscaled")
        resid = yy - np.polyval(coef, tt - tt.mean())
        s2 = float(resid @ resid) / (width - 3)
        se_q = np.sqrt(cov[0, 0] * s2)
        slope_mid = coef[1]
        if not (se_q > 0 and coef[0] * slope_mid > 0 and abs(coef[0]) / se_q > z_lag):
            break
        skip += 1
    return skip


def _window(ts, ys, signal_per_substrate, max_conversion, min_points, alpha):
    """Longest usable window from ts[0]: (stop, why it ends, flags, ended by an accelerating curve)."""
    slope_all, rss2, rss3 = _growing_fits(ts, ys)
    npts = np.arange(1, ts.size + 1)
    p_quad = _quadratic_p(rss2, rss3, npts)
    if signal_per_substrate is not None and signal_per_substrate > 0:
        conversion = np.abs(slope_all) * ts / signal_per_substrate
    else:
        conversion = np.zeros(ts.size)
    usable = (npts >= min_points) & (p_quad >= alpha) & (conversion <= max_conversion)
    flags: list[str] = []
    accelerating = False
    if usable.any():
        stop = int(np.flatnonzero(usable)[-1]) + 1
        if stop == ts.size:
            end_why = "ends at the last read"
        elif p_quad[stop] < alpha:
            end_why = f"ends before the quadratic term becomes significant (p < {alpha:g})"
            coef = np.polyfit(ts[: stop + 1] - ts[0], ys[: stop + 1], 2)
            accelerating = bool(coef[0] * coef[1] > 0)
        else:
            end_why = f"ends before conversion exceeds {100 * max_conversion:g} %"
    else:
        stop = min_points
        bad_curv = p_quad[stop - 1] < alpha
        flags.append("curvature_in_shortest_window" if bad_curv else "conversion_over_limit")
        end_why = f"shortest window of {min_points} reads (" + (
            "already curved)" if bad_curv else f"already past {100 * max_conversion:g} % conversion)"
        )
    return stop, end_why, flags, accelerating


def fit_initial_line(
    t,
    y,
    *,
    signal_per_substrate: float | None = None,
    max_conversion: float = 0.10,
    min_points: int = 5,
    alpha: float = 0.05,
    z_lag: float = 2.5,
    max_lag_fraction: float = 0.34,
    min_start_s: float = 0.0,
) -> LineWindow:
    """Choose the early linear window of one trace and fit its line.

    Parameters
    ----------
    t, y : array_like
        Finite reads sorted by time (seconds, signal).
    signal_per_substrate : float, optional
        |Signal change| per unit of substrate converted (n·ε·l·S₀ in signal units), so the
        conversion at the window end is |slope|·t_end / signal_per_substrate; None when S₀ is not
        known (then conversion does not limit the window).
    max_conversion : float
        Largest fraction of S₀ converted by the last read of the window.
    min_points : int
        Fewest reads in a window (3 is the absolute floor: the SE needs a residual dof).
    alpha : float
        Level of the F-test of the quadratic term.
    z_lag : float
        |t| of the quadratic term above which the first reads count as a lag.
    max_lag_fraction : float
        At most this fraction of the reads is skipped as lag.
    min_start_s : float
        Reads before this time are skipped whatever their shape (e.g. four coupling lags,
        :func:`~mgkinetics.rates.lag.estimate_coupling_lag`), as long as min_points + 1 reads remain.

    Returns
    -------
    LineWindow

    Notes
    -----
    The slope is the mean rate over the window (the rate at its midpoint when the curvature is
    smooth), not the rate at mixing. Its SE includes the read noise over the window only: not the
    curvature bias, autocorrelated noise, nor ε, path length or pipetting errors.

    Examples
    --------
    >>> t = np.arange(0.0, 60.0, 5.0)
    >>> w = fit_initial_line(t, 1.0 - 0.002 * t + 1e-4 * np.cos(t))
    >>> round(w.slope, 4), w.start, w.stop
    (-0.002, 0, 12)
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    n = t.size
    if n < 3:
        raise ValueError("a line with an SE needs at least 3 reads")
    if n < min_points + 1:
        slope, se, a = ols_line(t, y)
        return LineWindow(slope, se, a, 0, n, f"all {n} reads (too few to choose a window)", ("few_points",))
    early = min(int(np.searchsorted(t, min_start_s, side="left")), n - min_points - 1)
    skip = early + _lag_reads(
        t[early:], y[early:], min_points=min_points, z_lag=z_lag, max_fraction=max_lag_fraction
    )
    while True:
        stop, end_why, flags, accelerating = _window(
            t[skip:], y[skip:], signal_per_substrate, max_conversion, min_points, alpha
        )
        # a window cut short by curvature in the direction of travel is a lag not yet over: start later
        if not (accelerating and skip + 1 - early <= max_lag_fraction * n and n - skip - 1 > min_points):
            break
        skip += 1
    ts, ys = t[skip:], y[skip:]
    start_why = f"skips {skip} lag read{'s' if skip != 1 else ''}; " if skip else "starts at the first read; "
    slope, se, a = ols_line(ts[:stop], ys[:stop])
    return LineWindow(slope, se, a, skip, skip + stop, start_why + end_why, tuple(flags))
