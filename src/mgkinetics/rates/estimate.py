"""Per-well rate estimates in concentration units, from the line or from the progress curve.

Every rate here is per turnover of the enzyme under study, in mM/s, positive in the stated signal
direction: rate = slope / g with g = direction·n·(signal per mM), n the stoichiometry. SEs add, in
quadrature, the line's (or the progress fit's) SE, the blank correction's SE (in signal per s) and
the relative SE of a standard curve when one replaces ε·l.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .initial_progress import fit_initial_progress
from .linear import LineWindow, fit_initial_line

__all__ = [
    "WellRate",
    "line_rate",
    "depletion_bias_bound",
    "prefer_progress",
    "progress_rates",
    "MIN_PROGRESS_POINTS",
]

#: Reads a progress fit needs after the lag: 4 parameters and 3 residual degrees of freedom.
MIN_PROGRESS_POINTS = 7


@dataclass
class WellRate:
    """One well's estimate (mM/s per turnover) and how it was made."""

    rate_mM_s: float
    se_mM_s: float
    start_s: float
    end_s: float
    reason: str
    n_points: int
    conversion_percent: float
    method: str
    flags: list[str] = field(default_factory=list)


def line_rate(
    w, g: float, rel_scale_se: float, *, max_conversion: float, min_points: int, min_start_s: float = 0.0
):
    """The linear estimate of well ``w`` (a prepared sample) and its window."""
    gabs = abs(g)
    full = gabs * w.s0_mM if np.isfinite(w.s0_mM) else None
    win: LineWindow = fit_initial_line(
        w.t,
        w.y,
        signal_per_substrate=full,
        max_conversion=max_conversion,
        min_points=min_points,
        min_start_s=min_start_s,
    )
    rate = win.slope / g
    se = np.hypot(win.slope_se, w.blank_se) / gabs
    se = float(np.hypot(se, rate * rel_scale_se))
    end = float(w.t[win.stop - 1])
    conv = 100.0 * abs(win.slope) * end / full if full else np.nan
    est = WellRate(
        float(rate),
        se,
        float(w.t[win.start]),
        end,
        "line " + win.reason,
        win.stop - win.start,
        float(conv),
        "linear",
        list(win.flags),
    )
    return est, win


def depletion_bias_bound(est: WellRate, w) -> float:
    """Largest bias of the line's rate against the rate at mixing, from depletion alone.

    The line estimates the mean rate over its window. If all conversion were first order, the
    rate at the window's midpoint would be lower than at mixing by the fraction converted by then,
    c_mid = |rate|·t_mid/S₀, so |bias| ≤ |rate|·c_mid. Infinite when S₀ is unknown.
    """
    if not np.isfinite(w.s0_mM):
        return np.inf
    t_mid = 0.5 * (est.start_s + est.end_s)
    return abs(est.rate_mM_s) * (abs(est.rate_mM_s) * t_mid / w.s0_mM)


def prefer_progress(line: WellRate, progress: WellRate, w) -> bool:
    """``auto``'s choice: the progress fit when its SE² is below the line's SE² + bias bound²."""
    bias = depletion_bias_bound(line, w)
    if not np.isfinite(bias):
        return False
    return progress.se_mM_s**2 < line.se_mM_s**2 + bias**2


def _start_rate(w, est: WellRate, g: float) -> float:
    """A positive starting rate: the line's, else the chord over the whole trace; NaN if neither."""
    if est.rate_mM_s > 0:
        return est.rate_mM_s
    chord = (w.y[-1] - w.y[0]) / (w.t[-1] - w.t[0]) / g if w.t[-1] > w.t[0] else np.nan
    return float(chord) if chord > 0 else np.nan


def _why_not_progress(w, est: WellRate, win: LineWindow, g: float) -> str | None:
    if not np.isfinite(w.s0_mM):
        return "no substrate concentration"
    if not _start_rate(w, est, g) > 0:
        return "the trace does not move in the stated direction"
    if w.t.size - win.start < MIN_PROGRESS_POINTS:
        return f"fewer than {MIN_PROGRESS_POINTS} reads after the lag"
    return None


def progress_rates(wells, lines, g: float, rel_scale_se: float, lag_s: float) -> list[WellRate | str]:
    """Progress-curve estimates for ``wells`` (given their lines); a reason string where not possible."""
    out: list[WellRate | str] = []
    todo = []
    for i, (w, (est, win)) in enumerate(zip(wells, lines)):
        why = _why_not_progress(w, est, win, g)
        out.append(why if why else "")
        if not why:
            todo.append(i)
    if not todo:
        return out
    wl = [wells[i] for i in todo]
    starts = [lines[i][1].start for i in todo]
    fit = fit_initial_progress(
        [w.t[s:] for w, s in zip(wl, starts)],
        [w.y[s:] for w, s in zip(wl, starts)],
        s0=[w.s0_mM for w in wl],
        g=np.full(len(wl), g),
        v0_start=[_start_rate(wells[i], lines[i][0], g) for i in todo],
        a0_start=[lines[i][1].intercept for i in todo],
        lag_s=lag_s,
    )
    gabs = abs(g)
    for k, (i, w) in enumerate(zip(todo, wl)):
        if not (fit.converged[k] and np.isfinite(fit.v0_se[k]) and fit.v0[k] > 0):
            out[i] = "the progress fit did not converge to a positive rate with an SE"
            continue
        rate = float(fit.v0[k])
        se = float(np.hypot(np.hypot(fit.v0_se[k], w.blank_se / gabs), rate * rel_scale_se))
        conv = 100.0 * abs(float(w.y[-1]) - fit.a0[k]) / (gabs * w.s0_mM)
        flags = ["km_at_bound"] if fit.km_at_bound[k] else []
        reason = (
            f"progress curve from t = {fit.first_time_s[k]:g} s to the last read (coupling lag "
            f"{fit.tau_s[k]:.3g} s); rate at mixing (t = 0)"
        )
        out[i] = WellRate(
            rate,
            se,
            float(fit.first_time_s[k]),
            float(w.t[-1]),
            reason,
            int(fit.n_used[k]),
            float(conv),
            "progress",
            flags,
        )
    return out
