"""The single-metal speciation solver: free metal m from its total and its ligands, by safeguarded
Newton in u = ln m (method in :mod:`mgkinetics.speciation.equilibrium`).  It returns ln m, so a free
metal near or below the smallest float keeps its digits; rows whose m or a weight m/Kd is below
``DEEP`` (2^-900) take their bound amounts in logs.  Private to the speciation wing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mgkinetics.speciation.quadratic import mgatp_complex
from mgkinetics.speciation.weights import _Cx, _normalised_weights, _product_over

__all__ = ["DEEP", "MAXITER"]

MAXITER = 200


def _binding(m, cxs, lig_tot, n_metals, want_cov=False):
    """Metal bound per metal and, if asked, Σₗ L_T·Cov(ν) (the Hessian term in ln m)."""
    w, ones, _ = _normalised_weights(m, cxs)
    by_lig: dict[int, list[int]] = {}
    for i, c in enumerate(cxs):
        by_lig.setdefault(c.ligand, []).append(i)
    bound: list[Any] = [0.0] * n_metals
    cov: list[list[Any]] = [[0.0] * n_metals for _ in range(n_metals)]
    for li, ids in by_lig.items():
        p = ones.get(li, 1.0) + sum(w[i] for i in ids)
        lt_p = lig_tot[li] / p
        mean: list[Any] = [0.0] * n_metals  # Σ ν w (not yet divided by P)
        second: list[Any] = [0.0] * n_metals  # Σ ν² w; complexes hold one metal kind
        for i in ids:
            c = cxs[i]
            mean[c.metal] = mean[c.metal] + c.count * w[i]
            second[c.metal] = second[c.metal] + c.count * c.count * w[i]
        for j in range(n_metals):
            bound[j] = bound[j] + lt_p * mean[j]
            if want_cov:
                for k in range(n_metals):
                    diag = second[j] if j == k else 0.0
                    cov[j][k] = cov[j][k] + lt_p * (diag - _product_over(mean[j], mean[k], p))
    return bound, cov


#: Below this free metal (2^-900) the products L·m lose digits (m nears the subnormals): taken in logs.
DEEP = 2.0**-900


def _eval_total(m, cx, lts, u=None):
    """Metal total implied by free m (= e^u), and its derivative d(total)/d ln m.

    Rows whose m is below ``DEEP`` (a metal ~1e270 times below its ligand) take each bound amount
    as e^(ln L + u − ln(m + K)), so that a subnormal m costs no digits; there an M2L complex binds
    m/K2 < 2^-900 of its ML and is left out (below rounding)."""
    deep = None if u is None else np.logical_or.reduce([m < DEEP] + [m < DEEP * c.kd for c in cx])
    if all(c.parent is None for c in cx) or (deep is not None and np.all(deep)):
        # Fast path, 1:1 complexes only: bound = L m/(m+K), d bound/d ln m = bound K/(m+K).
        tot = m.copy()
        dtot = m.copy()
        for c in cx:
            if c.parent is not None:
                continue
            q = m + c.kd
            b = _product_over(lts[c.ligand], m, q)
            if deep is not None and deep.any():
                with np.errstate(divide="ignore"):
                    b = np.where(deep, np.exp(np.log(lts[c.ligand]) + u - np.log(q)), b)
            tot += b
            dtot += b * (c.kd / q)
        return tot, dtot
    bound, cov = _binding([m], cx, lts, 1, want_cov=True)
    tot, dtot = m + bound[0], m + cov[0][0]
    if deep is not None and deep.any():
        fast_tot, fast_dtot = _eval_total(m, cx, lts, np.where(deep, u, -np.inf))
        tot, dtot = np.where(deep, fast_tot, tot), np.where(deep, fast_dtot, dtot)
    return tot, dtot


def _solve_one_chunk(mtp, cx, lt):
    """Safeguarded Newton in u = ln m for rows with M_T > 0 (module docstring)."""
    tg = np.log(mtp)
    lo, slope = _lower_bracket(mtp, tg, cx, lt)
    hi = tg.copy()
    # Start from the exact root for one lumped 1:1 ligand with the same low-m slope.
    l_sum = sum(lt[c.ligand] for c in cx if c.count == 1)
    k_eff = np.where(slope > 0, l_sum / np.where(slope > 0, slope, 1.0), 1.0)
    m0 = mtp - mgatp_complex(l_sum + 0.0 * mtp, mtp, np.maximum(k_eff, 1e-300))
    u = np.clip(np.log(np.maximum(m0, 1e-300)), lo, hi)
    # Newton on h(u) = ln(m + bound) - ln M_T: nearly linear in u (slope in (0, 1]), so
    # steps rarely leave the bracket; bisection in u is the fallback when they do.
    active = np.arange(mtp.size)
    hprev = np.full(mtp.size, np.inf)
    for _ in range(MAXITER):
        ua = u[active] if active.size < u.size else u
        m = np.exp(ua)
        tot, dtot = _eval_total(m, cx, lt, ua)
        h = np.log(tot) - tg
        step = h * tot / dtot
        lo = np.where(h <= 0, ua, lo)
        hi = np.where(h >= 0, ua, hi)
        un = ua - step
        # Stop once the Newton step just taken is < 1e-9 (quadratic convergence leaves an
        # error ~ step² ≈ 1e-18), or when the relative mass-balance residual is at the
        # rounding floor (further steps would only chase rounding noise).
        done = (np.abs(step) <= 1e-9) | (np.abs(h) <= 4e-15) | (hi - lo <= 1e-14)
        # Bisect when Newton leaves the bracket or stalls (|h| not halved: a 2-cycle).
        bisect = ~done & (~((un >= lo) & (un <= hi)) | (np.abs(h) > 0.5 * hprev))
        un = np.where(bisect, 0.5 * (lo + hi), un)
        u[active] = un
        hprev = np.abs(h)
        if np.all(done):
            break
        live = ~done
        if 2 * np.count_nonzero(live) > live.size:
            continue  # fancy indexing costs more than iterating converged rows again
        active = active[live]
        cx = [_Cx(c.name, 0, c.ligand, c.count, c.kd[live], c.parent) for c in cx]
        lt = [lv[live] for lv in lt]
        tg, lo, hi, hprev = tg[live], lo[live], hi[live], hprev[live]
    return u


def _lower_bracket(mtp, tg, cx, lt):
    """ln m ≥ ln M_T − ln(1 + slope): bound_l ≤ L_T Σ ν m M_T^(ν−1) / Π Kd.  Returns (lo, slope)."""
    slope = np.zeros_like(mtp)
    kprod: list[Any] = [None] * len(cx)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        for i, c in enumerate(cx):
            kprod[i] = c.kd * (kprod[c.parent] if c.parent is not None else 1.0)
            term = lt[c.ligand] / kprod[i]
            slope += term if c.count == 1 else term * c.count * mtp ** (c.count - 1)
    lo = tg - np.log1p(slope)
    if not np.all(np.isfinite(slope)):  # Σ terms overflowed: a looser bound from the largest log term
        lo = np.where(np.isfinite(slope), lo, tg - _log_slope_bound(mtp, cx, lt))
    return lo, slope


def _log_slope_bound(mtp, cx, lt):
    """An upper bound of ln(1 + slope) from logs: ln(n + 1) + max(0, max ln term)."""
    log_kprod: list[Any] = [None] * len(cx)
    logs = []
    with np.errstate(divide="ignore"):
        for i, c in enumerate(cx):
            log_kprod[i] = np.log(c.kd) + (log_kprod[c.parent] if c.parent is not None else 0.0)
            logs.append(np.log(lt[c.ligand]) - log_kprod[i] + np.log(c.count) + (c.count - 1) * np.log(mtp))
    return np.log(len(cx) + 1.0) + np.maximum(0.0, np.max(logs, axis=0))


_CHUNK = 1 << 15  # rows per block: keeps the working arrays in cache


def _solve_one_metal(mt, cxs, lig_tot):
    """Free metal for one metal; rows with M_T = 0 have m = 0 exactly."""
    return np.exp(_solve_one_metal_log(mt, cxs, lig_tot))


def _solve_one_metal_log(mt, cxs, lig_tot):
    """ln of the free metal for one metal (−inf where M_T = 0): keeps its digits where m is subnormal."""
    m_out = np.full(mt.shape[0], -np.inf)
    idx = np.flatnonzero(mt > 0)
    if idx.size == 0:
        return m_out
    full = idx.size == mt.size
    mtp = mt if full else mt[idx]
    kds = [c.kd if full else c.kd[idx] for c in cxs]
    lts = [lv if full else lv[idx] for lv in lig_tot]

    def block(sl):
        cx = [_Cx(c.name, 0, c.ligand, c.count, kds[i][sl], c.parent) for i, c in enumerate(cxs)]
        return _solve_one_chunk(mtp[sl], cx, [lv[sl] for lv in lts])

    slices = [slice(i, i + _CHUNK) for i in range(0, idx.size, _CHUNK)]
    if len(slices) > 2:
        # numpy releases the GIL inside ufuncs, so blocks run in parallel threads.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor() as pool:
            parts = list(pool.map(block, slices))
    else:
        parts = [block(sl) for sl in slices]
    m_out[idx] = np.concatenate(parts)
    return m_out
