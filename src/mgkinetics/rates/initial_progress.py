"""The progress-curve initial-rate estimator: integrated Michaelis–Menten fitted to each trace.

Each well's signal after the lag is modelled as m(t) = A₀ + g·P(t − τ), P = S₀ − S from
:func:`~mgkinetics.rates.progress.mm_substrate` with V = v₀·(Km + S₀)/S₀, so the parameters are
(A₀, v₀, Km/S₀, τ) and v₀, the rate at mixing, is fitted directly: its SE is read off the
covariance (the delta method is exact for a parameter). g is the signed signal per unit of
product (direction·n·ε·l) and S₀ comes from the layout. All wells are fitted at once by a
batched Levenberg–Marquardt with the analytic Jacobian (traces.md §2.2). Km is linear and may
reach 0 (a straight trace); its column stays in the covariance even there, so the SE of v₀ still
carries the curvature the data cannot exclude. Directions the data do not determine are dropped
by a pseudo-inverse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .progress import mm_substrate_jacobian

__all__ = ["ProgressEstimate", "fit_initial_progress"]

_KM_RANGE = (1e-6, 1e4)  # Km / S0 bounds
_N_PAR = 4


@dataclass(frozen=True)
class ProgressEstimate:
    """Batched result, one entry per well (arrays of length W).

    Attributes
    ----------
    v0, v0_se : rate at mixing (substrate unit per s) and its SE.
    km, tau_s, a0 : fitted Km (substrate unit), lag (s) and signal at mixing.
    rss, dof : residual sum of squares and residual degrees of freedom.
    converged : bool array.
    km_at_bound : bool array, Km ended on a bound (then only v₀ is meaningful).
    first_time_s, n_used : first read used and number of reads used per well.
    """

    v0: np.ndarray
    v0_se: np.ndarray
    km: np.ndarray
    tau_s: np.ndarray
    a0: np.ndarray
    rss: np.ndarray
    dof: np.ndarray
    converged: np.ndarray
    km_at_bound: np.ndarray
    first_time_s: np.ndarray
    n_used: np.ndarray


def _model(theta, t, s0, g):
    a0, v0, q, tau = (theta[:, i : i + 1] for i in range(_N_PAR))
    s0c = s0[:, None]
    km = q * s0c
    vmax = v0 * (km + s0c) / s0c
    tt = t - tau
    d = mm_substrate_jacobian(tt, s0=s0c, vmax=vmax, km=km)
    gc = g[:, None]
    m = a0 + gc * (s0c - d["s"])
    ds_dv0 = d["dvmax"] * (km + s0c) / s0c
    ds_dkm = d["dkm"] + d["dvmax"] * v0 / s0c
    jac = np.stack([np.ones_like(m), -gc * ds_dv0, -gc * ds_dkm * s0c, gc * d["dt"]], axis=-1)
    return m, jac


def _bounds(s0, tau):
    lo = np.stack(
        [np.full_like(s0, -np.inf), np.full_like(s0, -np.inf), np.full_like(s0, _KM_RANGE[0]), tau], -1
    )
    hi = np.stack(
        [np.full_like(s0, np.inf), np.full_like(s0, np.inf), np.full_like(s0, _KM_RANGE[1]), tau], -1
    )
    return lo, hi


def _lm_step(theta, r, rss, jac, lam, t, y, mask, s0, g, lo, hi):
    """One Levenberg–Marquardt iteration (Marquardt-scaled) for the wells given; returns the new state.

    A well is done when the residual is orthogonal to the Jacobian (MINPACK's gtol), when no step
    improves it, or when an accepted step moves every parameter by less than 1e-3 of its standard
    error (further iterations could not change any reported digit that matters).
    """
    jm = jac * mask[..., None]
    norms = np.sqrt(np.einsum("wnp,wnp->wp", jm, jm))
    norms = np.where(norms > 0, norms, 1.0)
    js = jm / norms[:, None, :]  # every column of unit length
    jtj = np.einsum("wnp,wnq->wpq", js, js)
    jtr = np.einsum("wnp,wn->wp", js, r)
    eye = np.eye(_N_PAR)
    damped = jtj + (lam[:, None, None] + 1e-14) * eye
    step = np.linalg.solve(damped, jtr[..., None])[..., 0]
    # active set: a parameter on a bound that the step pushes outward is held, the others re-solved
    blocked = ((theta <= lo) & (step < 0)) | ((theta >= hi) & (step > 0))
    if blocked.any():
        keep = ~blocked
        reduced = np.where(keep[:, :, None] & keep[:, None, :], damped, eye)
        step = np.linalg.solve(reduced, np.where(keep, jtr, 0.0)[..., None])[..., 0]
    trial = np.clip(theta + step / norms, lo, hi)
    m_t, jac_t = _model(trial, t, s0, g)
    r_t = np.where(mask, y - m_t, 0.0)
    rss_t = np.sum(r_t * r_t, 1)
    free_grad = np.where(blocked, 0.0, jtr)
    flat = np.max(np.abs(free_grad), 1) <= 1e-6 * np.sqrt(np.maximum(rss, 1e-300))
    better = (rss_t <= rss) & ~flat
    dof = np.maximum(mask.sum(1) - _N_PAR, 1)
    se_scaled = np.sqrt(rss / dof)[:, None] * np.sqrt(
        np.abs(np.einsum("wpp->wp", np.linalg.inv(jtj + 1e-12 * eye)))
    )
    tiny = better & np.all(np.abs((trial - theta) * norms) <= 1e-3 * se_scaled, axis=1)
    theta = np.where(better[:, None], trial, theta)
    r = np.where(better[:, None], r_t, r)
    jac = np.where(better[:, None, None], jac_t, jac)
    rss = np.where(better, rss_t, rss)
    lam = np.where(better, lam / 3.0, lam * 4.0)
    return theta, r, rss, jac, lam, flat | tiny | (lam > 1e10)


def _lm(theta, t, y, mask, s0, g, lo, hi, max_iter=1000):
    """Projected Levenberg–Marquardt, all wells at once (iterating only the unfinished ones).

    Returns theta, rss, the Jacobian at theta and whether each well converged.
    """
    m, jac = _model(theta, t, s0, g)
    r = np.where(mask, y - m, 0.0)
    rss = np.sum(r * r, 1)
    lam = np.full(theta.shape[0], 1e-3)
    done = np.zeros(theta.shape[0], bool)
    for _ in range(max_iter):
        act = np.flatnonzero(~done)
        if act.size == 0:
            break
        out = _lm_step(
            theta[act],
            r[act],
            rss[act],
            jac[act],
            lam[act],
            t[act],
            y[act],
            mask[act],
            s0[act],
            g[act],
            lo[act],
            hi[act],
        )
        theta[act], r[act], rss[act], jac[act], lam[act], done[act] = out
    return theta, rss, jac, done


def _covariance(jac, mask, theta, lo, hi, rss):
    """σ̂²·(JᵀJ)⁺ over the parameters not on a bound (column-scaled pseudo-inverse); NaN elsewhere.

    All wells at once: a held parameter's column is zeroed, so its row and column of the
    pseudo-inverse are 0 (then set to NaN); the rank (singular values above 1e-8 of the largest)
    sets the residual degrees of freedom.
    """
    tol = 1e-9 * (np.abs(np.where(np.isfinite(hi - lo), hi - lo, 0.0)) + 1.0)
    free = ~((theta - lo <= tol) | (hi - theta <= tol))
    free[:, :3] = True  # Km at its lower bound (a straight trace) still carries its uncertainty
    jm = jac * mask[..., None] * free[:, None, :]
    norms = np.linalg.norm(jm, axis=1)
    norms = np.where(norms > 0, norms, 1.0)
    js = jm / norms[:, None, :]
    sv = np.linalg.svd(js, compute_uv=False)
    rank = np.sum(sv > 1e-8 * sv[:, :1], axis=1)
    dof = mask.sum(1) - rank
    c = np.linalg.pinv(np.einsum("wnp,wnq->wpq", js, js), rcond=1e-16, hermitian=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = np.where(dof[:, None, None] > 0, (rss / dof)[:, None, None], np.nan) * c
    cov = cov / (norms[:, :, None] * norms[:, None, :])
    held = ~free
    cov[np.broadcast_to(held[:, :, None], cov.shape) | np.broadcast_to(held[:, None, :], cov.shape)] = np.nan
    return cov, dof.astype(int)


def _best_of_starts(t, y, mask, s0, g, a0, v0, tau, lo, hi):
    best = None
    for km_ratio in (0.1, 1.0, 10.0):  # three starts in Km, the best RSS wins
        theta0 = np.stack([a0, v0, np.full_like(s0, km_ratio), tau], -1)
        with np.errstate(all="ignore"):
            res = _lm(np.clip(theta0, lo, hi), t, y, mask, s0, g, lo, hi)
        if best is None:
            best = res
        else:
            take = res[1] < best[1]
            best = tuple(np.where(take.reshape((-1,) + (1,) * (a.ndim - 1)), b, a) for a, b in zip(best, res))
    return best


def _late(mask, t, t_min):
    """Reads at t >= t_min, for wells that keep at least 7 of them (others keep all)."""
    late = mask & (t >= t_min)
    return np.where((late.sum(1) >= 7)[:, None], late, mask)


def fit_initial_progress(
    times, signals, *, s0, g, v0_start, a0_start, lag_s: float, lags_skipped: float = 4.0
) -> ProgressEstimate:
    """Fit the lagged integrated Michaelis–Menten to several traces at once.

    Parameters
    ----------
    times, signals : list of numpy.ndarray
        One array per well: time from mixing (s) and signal.
    s0 : array_like
        Initial substrate of each well (> 0), in the substrate unit.
    g : array_like
        Signed signal change per unit of product (direction·n·ε·l), signal per substrate unit.
    v0_start, a0_start : array_like
        Starting rate (substrate unit per s, > 0) and signal at mixing, e.g. from the line.
    lag_s : float
        Coupling lag τ (s), shared by the wells and held fixed
        (:func:`~mgkinetics.rates.lag.estimate_coupling_lag`).
    lags_skipped : float
        Reads before ``lags_skipped·τ`` are not fitted: there the coupling transient (not
        modelled) has not yet decayed below e^-4 ≈ 2 %. Wells keep at least 7 reads.

    Returns
    -------
    ProgressEstimate

    Notes
    -----
    The SE of v₀ is σ̂·√[(JᵀJ)⁺]₍v₀v₀₎ with σ̂² = RSS/dof: read noise and the trade-off with Km,
    A₀; not the uncertainty of τ, of S₀, ε or path length, nor autocorrelated noise.
    """
    w = len(times)
    n = max(len(x) for x in times)
    t = np.zeros((w, n))
    y = np.zeros((w, n))
    mask = np.zeros((w, n), bool)
    for i, (ti, yi) in enumerate(zip(times, signals)):
        t[i, : ti.size], y[i, : yi.size], mask[i, : ti.size] = ti, yi, True
        t[i, ti.size :] = ti[-1] if ti.size else 0.0
    s0, g = np.asarray(s0, float), np.asarray(g, float)
    tau = np.full(w, max(float(lag_s), 0.0))
    lo, hi = _bounds(s0, tau)
    mask = _late(mask, t, lags_skipped * tau[0])
    theta, rss, jac, done = _best_of_starts(
        t, y, mask, s0, g, np.asarray(a0_start, float), np.asarray(v0_start, float), tau, lo, hi
    )
    cov, dof = _covariance(jac, mask, theta, lo, hi, rss)
    at_bound = (theta[:, 2] <= 1.001 * lo[:, 2]) | (theta[:, 2] >= 0.999 * hi[:, 2])
    return ProgressEstimate(
        v0=theta[:, 1],
        v0_se=np.sqrt(cov[:, 1, 1]),
        km=theta[:, 2] * s0,
        tau_s=theta[:, 3],
        a0=theta[:, 0],
        rss=rss,
        dof=dof,
        converged=done.astype(bool),
        km_at_bound=at_bound,
        first_time_s=np.where(mask, t, np.inf).min(1),
        n_used=mask.sum(1),
    )
