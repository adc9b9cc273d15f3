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

import numpy as np

from mgkinetics.speciation.quadratic import mgatp_complex
from mgkinetics.speciation.scaling import all_ordinary, row_exponents, scale_rows, unscale_rows
from mgkinetics.speciation.single_metal import (
    DEEP,
    MAXITER,
    _binding,
    _solve_one_metal_log,
)
from mgkinetics.speciation.weights import (
    _complex_amount,
    _Cx,
    _normalised_weights,
    _species_in_logs,
    _weights,
)

__all__ = ["mgatp_complex", "solve_equilibrium"]

def _metal_residuals(m, cxs, lt, mt):
    """Scaled residuals (m + bound - M_T)/M_T per metal, plus bound and covariance."""
    bound, cov = _binding(m, cxs, lt, len(mt), want_cov=True)
    res = [
        np.where(mt[j] > 0, (m[j] + bound[j] - mt[j]) / np.where(mt[j] > 0, mt[j], 1.0), 0.0)
        for j in range(len(mt))
    ]
    return res, bound, cov


def _gauss_seidel_sweep(m, mt, cxs, lt, logs=None):
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
        log_j = _solve_one_metal_log(mt[j], sub, lt)
        m[j] = np.exp(log_j)
        if logs is not None:
            logs[j] = log_j
    return m


def _log_many_metals(mt, cxs, lig_tot):
    """ln m of competing metals by Gauss–Seidel sweeps alone, each block solved in logs, until no ln m
    moves by more than 1e-13: for rows where a free metal or a weight m/Kd is below 2^-900, where the
    Newton acceleration's residuals (weights as plain floats) would lose the bound metal."""
    m = [np.zeros_like(mt[0]) for _ in mt]
    logs = [np.full(mt[0].size, -np.inf) for _ in mt]
    for _ in range(MAXITER):
        before = [a.copy() for a in logs]
        m = _gauss_seidel_sweep(m, mt, cxs, lig_tot, logs)
        with np.errstate(invalid="ignore"):
            moved = [np.abs(a - b) > 1e-13 for a, b in zip(logs, before, strict=True)]
        if not np.any(moved):
            break
    return logs


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
    for _ in range(MAXITER):
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
            try:
                dx = -np.linalg.solve(hs, (g / d)[..., None])[..., 0] / d
            except np.linalg.LinAlgError:  # a row's Hessian singular to rounding: least squares per row
                dx = -(np.linalg.pinv(hs) @ (g / d)[..., None])[..., 0] / d
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
    for j in range(nm):  # best effort after MAXITER sweeps
        out[j][rows] = m[j]
    return out


def _many_metals_in_logs(m, mt, cxs, lig_tot):
    """ln m of competing metals: of the solution, re-solved in logs (:func:`_log_many_metals`) for
    the rows where a free metal or a weight m/Kd is below 2^-900."""
    with np.errstate(divide="ignore", under="ignore"):
        log_m = [np.log(a) for a in m]
        deep = np.logical_or.reduce(
            [(a < DEEP) & (t > 0) for a, t in zip(m, mt, strict=True)]
            + [m[c.metal] < DEEP * c.kd for c in cxs if c.parent is None]
        )
    rows = np.flatnonzero(deep)
    if rows.size:
        sub = [_Cx(c.name, c.metal, c.ligand, c.count, c.kd[rows], c.parent) for c in cxs]
        for a, b in zip(log_m, _log_many_metals([t[rows] for t in mt], sub, [x[rows] for x in lig_tot])):
            a[rows] = b
    return log_m


def _deep_rows_in_logs(log_m, w, m, free_l, cplx, cxs, lig_totals, exponents):
    """The rows whose free metal (as solved, scaled or not) or a weight ``w`` = m/Kd is below
    2^-900, recomputed from ln m in logs (:func:`~mgkinetics.speciation.weights._species_in_logs`):
    the complexes keep their digits (they were 0 where m/Kd underflowed) and m is rounded once from
    its log, in the caller's unit."""
    tiny = [w[i] < DEEP for i, c in enumerate(cxs) if c.parent is None]
    small = [(a < np.log(DEEP)) & np.isfinite(a) for a in log_m]
    solved = np.logical_or.reduce([np.isfinite(a) for a in log_m])
    deep = np.flatnonzero(np.logical_or.reduce([*small, *tiny]) & solved)
    if deep.size == 0:
        return m, free_l, cplx
    rows = [_Cx(c.name, c.metal, c.ligand, c.count, c.kd[deep], c.parent) for c in cxs]
    free_d, cplx_d = _species_in_logs([a[deep] for a in log_m], rows, [lt[deep] for lt in lig_totals])
    shift = exponents[deep] * np.log(2.0) if exponents.size else 0.0
    m = [a.copy() for a in m]
    for a, log_a in zip(m, log_m, strict=True):
        a[deep] = np.exp(log_a[deep] + shift)
    free_l, cplx = [a.copy() for a in free_l], [a.copy() for a in cplx]
    for a, d in zip(free_l + cplx, free_d + cplx_d, strict=True):
        a[deep] = d
    return m, free_l, cplx


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
    log_m = None
    if nm == 1:
        log_m = [_solve_one_metal_log(mt[0], cxs, lt)]
        m = [np.exp(log_m[0])]
    elif nm == 0:
        m = []
    else:
        m = _solve_many_metals(mt, cxs, lt)
        log_m = _many_metals_in_logs(m, mt, cxs, lt)
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
    if log_m is not None:
        m, free_l, cplx = _deep_rows_in_logs(log_m, w, m, free_l, cplx, cxs, lt, exponents)
    return (
        [a.reshape(shape) for a in m],
        [a.reshape(shape) for a in free_l],
        [a.reshape(shape) for a in cplx],
    )
