"""The coupling lag of a plate, from the shape of the first reads.

A first-order coupling step with time constant τ turns a constant rate v into a signal
∝ v·[t − τ(1 − e^{−t/τ})] (traces.md §4.3, after McClure 1969); two steps in series (PK then LDH)
behave, after a few τ, like one step with τ = τ₁ + τ₂. The coupling system is the same in every
well of a plate, so τ is shared: for each τ on a grid, every well's early reads are fitted by
least squares to a + b·[t − τ(1 − e^{−t/τ})] + c·t² (c absorbs early depletion), and the τ with the
smallest total residual sum of squares, refined by a parabola through its neighbours, is taken.
Only wells whose early change is well above the noise carry information; flat wells add a constant.
"""

from __future__ import annotations

import numpy as np

__all__ = ["estimate_coupling_lag", "plate_lag", "LAGS_SKIPPED"]

#: Reads before LAGS_SKIPPED·τ are not used for rates: a first-order transient is down to e^-4 ≈ 2 %.
LAGS_SKIPPED = 4.0


def _lag_basis(t: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """t − τ(1 − e^{−t/τ}) for every τ (rows) and t (columns); t itself at τ = 0."""
    tau = np.asarray(tau, dtype=float)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = t[None, :] - tau * (-np.expm1(-t[None, :] / tau))
    return np.where(tau > 0, f, t[None, :])


def estimate_coupling_lag(
    times, signals, *, early_s: float = 60.0, tau_max_s: float = 30.0, step_s: float = 0.25
) -> float:
    """Shared coupling lag τ (s) of several traces; 0 when no trace shows one.

    Parameters
    ----------
    times, signals : list of numpy.ndarray
        Reads per well, time from mixing in s.
    early_s : float
        Only reads up to this time are used.
    tau_max_s, step_s : float
        Grid of τ values searched, 0 .. tau_max_s.

    Examples
    --------
    >>> t = np.arange(5.0, 120.0, 5.0)
    >>> y = 1.0 - 0.002 * (t - 6.0 * (1 - np.exp(-t / 6.0)))
    >>> round(estimate_coupling_lag([t], [y]), 2)
    6.0
    """
    sets = [(t[t <= early_s], y[t <= early_s]) for t, y in zip(times, signals)]
    sets = [(t, y) for t, y in sets if np.unique(t).size >= 5]  # fewer distinct times: no lag to see
    if not sets:
        return 0.0
    grid = np.arange(0.0, tau_max_s + step_s / 2, step_s)
    total = np.zeros(grid.size)
    for t, y in sets:
        scale = max(float(t.max()), 1.0)  # times in units of the window keep the normal equations sane
        ts = t / scale
        f = _lag_basis(t, grid) / scale
        x = np.stack([np.ones_like(f), f, np.broadcast_to(ts * ts, f.shape)], -1)  # (grid, n, 3)
        xtx = np.einsum("gni,gnj->gij", x, x)
        xty = np.einsum("gni,n->gi", x, y - y.mean())
        try:
            coef = np.linalg.solve(xtx, xty[..., None])[..., 0]
        except np.linalg.LinAlgError:  # a degenerate trace (constant signal ...): least squares
            coef = (np.linalg.pinv(xtx) @ xty[..., None])[..., 0]
        r = (y - y.mean())[None, :] - np.einsum("gni,gi->gn", x, coef)
        total += np.einsum("gn,gn->g", r, r)
    k = int(np.argmin(total))
    if 0 < k < grid.size - 1:
        a, b, c = total[k - 1], total[k], total[k + 1]
        denom = a - 2 * b + c
        if denom > 0:
            return float(grid[k] + 0.5 * step_s * (a - c) / denom)
    return float(grid[k])


def plate_lag(samples, coupling_lag_s: float | str) -> float:
    """The coupling lag τ (s) of a plate's sample wells: the given one, or estimated from their reads.

    Parameters
    ----------
    samples : sequence
        The sample wells, each with its reads ``t`` (s from mixing) and ``y``.
    coupling_lag_s : float or "auto"
        τ itself, or ``auto``: :func:`estimate_coupling_lag` over every sample well.
    """
    if coupling_lag_s == "auto":
        return estimate_coupling_lag([w.t for w in samples], [w.y for w in samples])
    return float(coupling_lag_s)
