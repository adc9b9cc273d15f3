"""The speciation solver: free metals, free ligands and complexes from totals and Kds.

Pure numpy, vectorised over rows, and unaware of names, units and conditions: every
concentration and Kd is a plain array in one unit, metals and ligands are indices.  The
user-facing API (species names, constants tables, pH / ionic-strength / temperature
corrections, inverse design) is :mod:`mgkinetics.speciation.species`, which calls
:func:`solve_equilibrium` here.

Methods
-------
* One metal, one 1:1 ligand: the exact, cancellation-free root
  ``ML = 2·M·L / (b + √(b² − 4·M·L))``, ``b = M + L + Kd`` (:func:`mgatp_complex`, in
  :mod:`mgkinetics.speciation.quadratic`, re-exported here).
* One metal, any ligands: free metal m solves ``M_T = m + Σ L_T·n̄(m)`` whose right side
  increases monotonically in m (n̄ is a mean number bound, and dn̄/d ln m is its variance ≥ 0).
  Vectorised Newton in u = ln m, safeguarded by bisection on the bracket
  ``[M_T / (1 + Σ ν L_T M_T^(ν−1)/β⁻¹), M_T]`` (every iterate stays bracketed).
* Several metals competing for ligands: the equilibrium minimises the strictly convex
  function ``Φ(x) = Σⱼ (e^xⱼ − M_Tⱼ xⱼ) + Σₗ L_Tₗ ln Pₗ(x)`` of x = ln m (Pₗ is the binding
  polynomial; ∇Φ is the metal mass-balance residual, the Hessian ``diag(m) + Σₗ L_Tₗ Cov(ν)``
  is positive definite).  Block Gauss–Seidel - each metal solved exactly by the single-metal
  method with the others fixed - lowers Φ every sweep and so converges from any start; a
  Newton step in x after each sweep, kept only where it lowers the residual, makes the end
  game quadratic.
Ligand balances close exactly by construction (L = L_T / P).  Rows with totals beyond 2^±200
are solved at scaled totals (:mod:`mgkinetics.speciation.scaling`); weights that overflow are
divided by their largest term per ligand (:mod:`mgkinetics.speciation.weights`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mgkinetics.speciation.quadratic import mgatp_complex
from mgkinetics.speciation.scaling import all_ordinary, row_exponents, scale_rows, unscale_rows
from mgkinetics.speciation.weights import _complex_amount, _Cx, _normalised_weights, _product_over, _weights

__all__ = ["mgatp_complex", "solve_equilibrium"]

_MAXITER = 200


# ----------------------------------------------------------------------- the solver
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


def _eval_total(m, cx, lts):
    """Metal total implied by free m, and its derivative d(total)/d ln m."""
    if all(c.parent is None for c in cx):
        # Fast path, 1:1 complexes only: bound = L m/(m+K), d bound/d ln m = bound K/(m+K).
        tot = m.copy()
        dtot = m.copy()
        for c in cx:
            q = m + c.kd
            b = _product_over(lts[c.ligand], m, q)
            tot += b
            dtot += b * (c.kd / q)
        return tot, dtot
    bound, cov = _binding([m], cx, lts, 1, want_cov=True)
    return m + bound[0], m + cov[0][0]


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
    for _ in range(_MAXITER):
        ua = u[active] if active.size < u.size else u
        m = np.exp(ua)
        tot, dtot = _eval_total(m, cx, lt)
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
    return np.exp(u)


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
    m_out = np.zeros(mt.shape[0])
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


def _metal_residuals(m, cxs, lt, mt):
    """Scaled residuals (m + bound - M_T)/M_T per metal, plus bound and covariance."""
    bound, cov = _binding(m, cxs, lt, len(mt), want_cov=True)
    res = [
        np.where(mt[j] > 0, (m[j] + bound[j] - mt[j]) / np.where(mt[j] > 0, mt[j], 1.0), 0.0)
        for j in range(len(mt))
    ]
    return res, bound, cov


def _gauss_seidel_sweep(m, mt, cxs, lt):
    """One block sweep: each metal solved exactly with the others held fixed.

    With the other metals fixed, ligand l binds metal j like a ligand of the same total
    whose ML Kd is multiplied by (1 + R_l), R_l = Σ w of the other metals' complexes, so each
    block is the single-metal problem.
    """
    for j in range(len(mt)):
        w = _weights(m, cxs)
        r = [np.zeros_like(mt[0]) for _ in lt]
        for i, c in enumerate(cxs):
            if c.metal != j:
                r[c.ligand] = r[c.ligand] + w[i]
        mine = [i for i, c in enumerate(cxs) if c.metal == j]
        sub = [
            _Cx(
                cxs[i].name,
                0,
                cxs[i].ligand,
                cxs[i].count,
                cxs[i].kd * (1.0 + r[cxs[i].ligand]) if cxs[i].parent is None else cxs[i].kd,
                mine.index(cxs[i].parent) if cxs[i].parent is not None else None,
            )
            for i in mine
        ]
        m[j] = _solve_one_metal(mt[j], sub, lt)
    return m


def _solve_many_metals(mt, cxs, lig_tot):
    """Competing metals: Gauss–Seidel block sweeps accelerated by Newton steps.

    The equilibrium minimises the strictly convex Φ(ln m) (module docstring); exact block
    minimisation (Gauss–Seidel) decreases Φ every sweep and so converges from any start.
    After each sweep a full Newton step in ln m is tried and kept per row only where it
    lowers the largest scaled residual - this gives quadratic convergence near the solution
    without giving up the guarantee.
    """
    nm = len(mt)
    m = [np.zeros_like(mt[0]) for _ in range(nm)]
    rows = np.arange(mt[0].size)
    out = [np.zeros_like(mt[0]) for _ in range(nm)]
    cx, lt, mtw = cxs, lig_tot, mt
    for _ in range(_MAXITER):
        m = _gauss_seidel_sweep(m, mtw, cx, lt)
        res, bound, cov = _metal_residuals(m, cx, lt, mtw)
        worst = np.max(np.abs(np.stack(res)), axis=0)
        # Newton step in x = ln m: H dx = -g, H = diag(m) + Σ L_T Cov(ν), g = m + bound - M_T.
        pos = [mtw[j] > 0 for j in range(nm)]
        h = np.empty((m[0].size, nm, nm))
        g = np.empty((m[0].size, nm))
        for j in range(nm):
            g[:, j] = np.where(pos[j], m[j] + bound[j] - mtw[j], 0.0)
            for k in range(nm):
                hv = cov[j][k] + (m[j] if j == k else 0.0)
                h[:, j, k] = np.where(pos[j] & pos[k], hv, 1.0 if j == k else 0.0)
        d = np.sqrt(np.abs(np.einsum("nii->ni", h))) + 1e-300  # Jacobi scaling
        hs = h / d[:, :, None] / d[:, None, :]
        with np.errstate(all="ignore"):
            dx = -np.linalg.solve(hs, (g / d)[..., None])[..., 0] / d
        dx = np.clip(np.nan_to_num(dx), -5.0, 5.0)
        trial = [np.where(pos[j], m[j] * np.exp(dx[:, j]), 0.0) for j in range(nm)]
        res_t, _, _ = _metal_residuals(trial, cx, lt, mtw)
        worst_t = np.max(np.abs(np.stack(res_t)), axis=0)
        better = worst_t < worst
        m = [np.where(better, t, a) for t, a in zip(trial, m, strict=True)]
        worst = np.where(better, worst_t, worst)
        done = worst <= 1e-13
        for j in range(nm):
            out[j][rows[done]] = m[j][done]
        if np.all(done):
            return out
        keep = ~done
        rows = rows[keep]
        m = [a[keep] for a in m]
        mtw = [a[keep] for a in mtw]
        lt = [a[keep] for a in lt]
        cx = [_Cx(c.name, c.metal, c.ligand, c.count, c.kd[keep], c.parent) for c in cx]
    for j in range(nm):  # best effort after _MAXITER sweeps
        out[j][rows] = m[j]
    return out


def solve_equilibrium(
    metal_totals: list, ligand_totals: list, complexes: list[dict]
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Solve the mass balances; return (free metals, free ligands, complexes) as 1-D arrays.

    Parameters
    ----------
    metal_totals, ligand_totals : list of array_like
        Totals per metal / ligand, all in one unit, broadcastable to a common row shape.
    complexes : list of dict
        Each ``{"name", "metal": i, "ligand": l, "kd": array_like, "count": 1|2,
        "parent": index or None}``; ``count=2`` (M2L) needs the index of its ML ``parent``
        listed earlier.  Kds in the same unit as the totals.

    Examples
    --------
    >>> f, l, c = solve_equilibrium([1.0], [1.0], [dict(name="ML", metal=0, ligand=0, kd=0.067)])
    >>> round(float(c[0]), 4)
    0.7725
    """
    arrays = [np.asarray(a, float) for a in (*metal_totals, *ligand_totals)]
    arrays += [np.asarray(c["kd"], float) for c in complexes]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    flat = [np.broadcast_to(a, shape).ravel().astype(float) for a in arrays]
    nm, nl = len(metal_totals), len(ligand_totals)
    mt, lt, kds = flat[:nm], flat[nm : nm + nl], flat[nm + nl :]
    ordinary = not (mt and lt) or all_ordinary(mt + lt)
    exponents = np.zeros(0, np.int64) if ordinary else row_exponents(mt, lt, kds)
    scaled = bool(np.any(exponents))
    if scaled:  # totals at the ends of the float range: solved at totals near 1 (scaling.py)
        mt, lt = scale_rows(mt, exponents), scale_rows(lt, exponents)
        kds = scale_rows(kds, exponents, is_kd=True)
    cxs = [
        _Cx(c["name"], c["metal"], c["ligand"], int(c.get("count", 1)), kds[i], c.get("parent"))
        for i, c in enumerate(complexes)
    ]
    if nm == 1:
        m = [_solve_one_metal(mt[0], cxs, lt)]
    elif nm == 0:
        m = []
    else:
        m = _solve_many_metals(mt, cxs, lt)
    w, ones, norms = _normalised_weights(m, cxs)  # ratios m/Kd: the same scaled or not
    if scaled:  # back to the caller's unit before the ligands, which may be below 2^-1074 scaled
        m, lt = unscale_rows(m, exponents), flat[nm : nm + nl]
    p = [ones.get(li, np.ones(int(np.prod(shape)))) for li in range(nl)]
    for i, c in enumerate(cxs):
        p[c.ligand] = p[c.ligand] + w[i]
    fraction = [lt[li] / p[li] for li in range(nl)]  # L_T / P' (= L_T / P unless divided)
    free_l = list(fraction)
    for li, norm in norms.items():  # a divided polynomial: L = L_T·e^-norm / P', taken in logs
        with np.errstate(divide="ignore"):
            free_l[li] = np.where(norm > 0, np.exp(np.log(lt[li]) - norm) / p[li], fraction[li])
    cplx = [_complex_amount(lt[c.ligand], fraction[c.ligand], w[i], p[c.ligand]) for i, c in enumerate(cxs)]
    return (
        [a.reshape(shape) for a in m],
        [a.reshape(shape) for a in free_l],
        [a.reshape(shape) for a in cplx],
    )
