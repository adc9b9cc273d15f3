"""Metal–ligand speciation: free metals, free ligands and complexes from totals.

Pure numpy, vectorised over rows.  Constants and their pH / ionic-strength / temperature
corrections live in :mod:`mgkinetics.constants` (Alberty 2003, Table 1.2; science.md §2).

Methods
-------
* One metal, one 1:1 ligand: the exact, cancellation-free root
  ``ML = 2·M·L / (b + √(b² − 4·M·L))``, ``b = M + L + Kd`` (:func:`mgatp_complex`).
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
Ligand balances close exactly by construction (L = L_T / P).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mgkinetics.constants import (
    Constant,
    ConstantsTable,
    _resolve_table,
    apparent_constants,
    apparent_kd,
    check_conditions,
)
from mgkinetics.errors import SpeciationError

__all__ = [
    "Constant",
    "KNOWN_LIGANDS",
    "KNOWN_METALS",
    "SpeciationResult",
    "apparent_constants",
    "apparent_kd",
    "mgatp_complex",
    "mgatp_from_totals",
    "solve_equilibrium",
    "speciate",
    "speciate_from_free",
    "total_metal_for_fraction",
    "total_metal_for_free",
]

KNOWN_METALS = ("Mg", "Ca", "Mn", "Zn", "Sr", "Ba", "Co", "Ni", "Cu", "Fe", "Cd", "Na", "K")
KNOWN_LIGANDS = ("ATP", "ADP", "AMP", "PEP", "EDTA", "EGTA", "citrate", "Pi", "GTP", "GDP")

#: Default Kds (mM; pH 7.5, I 0.15 M, 25 °C, science.md §2) of :func:`mgatp_from_totals`.
KD_MGADP_MM = 0.71
KD_MGAMP_MM = 16.2
KD_MGPEP_MM = 5.5

_MAXITER = 200


# ------------------------------------------------------------------------- 1:1 exact
def mgatp_complex(atp_total: Any, mg_total: Any, kd: Any) -> Any:
    """Exact 1:1 complex concentration from totals (all in one unit).

    ``ML = 2·M·L / (b + √(b² − 4·M·L))``, b = M + L + Kd: the textbook root rewritten so
    that it loses no digits when M·L ≪ b² (science.md §2, eq. 1).

    Examples
    --------
    >>> round(float(mgatp_complex(1.0, 1.0, 0.067)), 4)
    0.7725
    """
    ml = np.asarray(atp_total, dtype=float) * np.asarray(mg_total, dtype=float)
    b = np.asarray(atp_total, float) + np.asarray(mg_total, float) + np.asarray(kd, float)
    if np.any(np.asarray(kd) <= 0):
        raise SpeciationError("Kd must be > 0")
    disc = np.sqrt(np.maximum(b * b - 4.0 * ml, 0.0))
    out = 2.0 * ml / (b + disc)
    return float(out) if out.ndim == 0 else out


# ----------------------------------------------------------------------- the solver
@dataclass(frozen=True)
class _Cx:
    """A complex inside the solver: metal index, ligand index, metal count, Kd, parent."""

    name: str
    metal: int
    ligand: int
    count: int
    kd: np.ndarray
    parent: int | None  # index of the ML complex an M2L complex binds to


def _weights(m: list[np.ndarray], cxs: list[_Cx]) -> list[np.ndarray]:
    """w_c = [complex]/[free ligand], built stepwise (M2L = M · ML / Kd2)."""
    w: list[np.ndarray] = []
    for c in cxs:
        wc = m[c.metal] / c.kd
        w.append(wc * w[c.parent] if c.parent is not None else wc)
    return w


def _binding(m, cxs, lig_tot, n_metals, want_cov=False):
    """Metal bound per metal and, if asked, Σₗ L_T·Cov(ν) (the Hessian term in ln m)."""
    w = _weights(m, cxs)
    by_lig: dict[int, list[int]] = {}
    for i, c in enumerate(cxs):
        by_lig.setdefault(c.ligand, []).append(i)
    bound: list[Any] = [0.0] * n_metals
    cov: list[list[Any]] = [[0.0] * n_metals for _ in range(n_metals)]
    for li, ids in by_lig.items():
        p = 1.0 + sum(w[i] for i in ids)
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
                    cov[j][k] = cov[j][k] + lt_p * (diag - mean[j] * mean[k] / p)
    return bound, cov


def _eval_total(m, cx, lts):
    """Metal total implied by free m, and its derivative d(total)/d ln m."""
    if all(c.parent is None for c in cx):
        # Fast path, 1:1 complexes only: bound = L m/(m+K), d bound/d ln m = bound K/(m+K).
        tot = m.copy()
        dtot = m.copy()
        for c in cx:
            q = m + c.kd
            b = lts[c.ligand] * m / q
            tot += b
            dtot += b * (c.kd / q)
        return tot, dtot
    bound, cov = _binding([m], cx, lts, 1, want_cov=True)
    return m + bound[0], m + cov[0][0]


def _solve_one_chunk(mtp, cx, lt):
    """Safeguarded Newton in u = ln m for rows with M_T > 0 (module docstring)."""
    # Lower bracket: bound_l <= L_T Σ ν m M_T^(ν-1) / Π Kd, hence m >= M_T / (1 + slope).
    slope = np.zeros_like(mtp)
    kprod: list[Any] = [None] * len(cx)
    for i, c in enumerate(cx):
        kprod[i] = c.kd * (kprod[c.parent] if c.parent is not None else 1.0)
        term = lt[c.ligand] / kprod[i]
        slope += term if c.count == 1 else term * c.count * mtp ** (c.count - 1)
    tg = np.log(mtp)
    lo = tg - np.log1p(slope)
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
        cx = [_Cx(c.name, 0, c.ligand, c.count, kds[i][sl], c.parent)
              for i, c in enumerate(cxs)]
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
    res = [np.where(mt[j] > 0, (m[j] + bound[j] - mt[j]) / np.where(mt[j] > 0, mt[j], 1.0),
                    0.0) for j in range(len(mt))]
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
        sub = [_Cx(cxs[i].name, 0, cxs[i].ligand, cxs[i].count,
                   cxs[i].kd * (1.0 + r[cxs[i].ligand]) if cxs[i].parent is None
                   else cxs[i].kd,
                   mine.index(cxs[i].parent) if cxs[i].parent is not None else None)
               for i in mine]
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


def solve_equilibrium(metal_totals: list, ligand_totals: list, complexes: list[dict]
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
    mt, lt, kds = flat[:nm], flat[nm:nm + nl], flat[nm + nl:]
    cxs = [_Cx(c["name"], c["metal"], c["ligand"], int(c.get("count", 1)), kds[i],
               c.get("parent")) for i, c in enumerate(complexes)]
    if nm == 1:
        m = [_solve_one_metal(mt[0], cxs, lt)]
    elif nm == 0:
        m = []
    else:
        m = _solve_many_metals(mt, cxs, lt)
    w = _weights(m, cxs)
    p = [np.ones(int(np.prod(shape))) for _ in range(nl)]
    for i, c in enumerate(cxs):
        p[c.ligand] = p[c.ligand] + w[i]
    free_l = [lt[li] / p[li] for li in range(nl)]
    cplx = [free_l[c.ligand] * w[i] for i, c in enumerate(cxs)]
    return ([a.reshape(shape) for a in m], [a.reshape(shape) for a in free_l],
            [a.reshape(shape) for a in cplx])


# ---------------------------------------------------------------------- fast helper
def mgatp_from_totals(atp_total: Any, mg_total: Any, *, adp_total: Any = 0.0,
                      amp_total: Any = 0.0, pep_total: Any = 0.0, kd_mgatp: Any,
                      kd_mgadp: Any = KD_MGADP_MM, kd_mgamp: Any = KD_MGAMP_MM,
                      kd_mgpep: Any = KD_MGPEP_MM) -> tuple[Any, Any, Any]:
    """(MgATP, free Mg, free ATP) from totals, all in one unit (Kds in that unit too).

    With no ADP, AMP or PEP this is the exact quadratic; otherwise the general solver,
    converged to machine precision so that results are smooth in the Kds (fits differentiate
    them numerically).  The default Kds of ADP, AMP and PEP are mM values (pH 7.5, I 0.15 M,
    25 °C): pass your own when the inputs are not in mM.

    Examples
    --------
    >>> c, m, a = mgatp_from_totals(1.0, 2.0, adp_total=0.5, kd_mgatp=0.067)
    >>> round(float(c), 3), round(float(a + c), 3)
    (0.924, 1.0)
    """
    others = [(adp_total, kd_mgadp), (amp_total, kd_mgamp), (pep_total, kd_mgpep)]
    others = [(t, k) for t, k in others if np.any(np.asarray(t) != 0)]
    atp = np.asarray(atp_total, float)
    mg = np.asarray(mg_total, float)
    if not others:
        c = np.asarray(mgatp_complex(atp, mg, kd_mgatp))
        return c, mg - c, atp - c
    for t in (atp, mg, *(np.asarray(t) for t, _ in others)):
        if np.any(t < 0):
            raise SpeciationError("totals must be >= 0")
    for _, k in [(None, kd_mgatp), *others]:
        if np.any(np.asarray(k) <= 0):
            raise SpeciationError("Kd must be > 0")
    cx = [dict(name="MgATP", metal=0, ligand=0, kd=kd_mgatp)]
    cx += [dict(name=f"c{i}", metal=0, ligand=i + 1, kd=k) for i, (_, k) in enumerate(others)]
    free_m, free_l, comp = solve_equilibrium([mg], [atp, *(t for t, _ in others)], cx)
    return comp[0], free_m[0], free_l[0]


# ------------------------------------------------------------------- the public speciate
@dataclass(frozen=True)
class SpeciationResult:
    """Result of :func:`speciate`: concentrations in mM.

    Attributes
    ----------
    free : dict of str to ndarray
        Free metals and free ligands ("Mg", "ATP", ...).
    complexes : dict of str to ndarray
        Every complex ("MgATP", ...).
    constants : dict of str to Constant
        The constants used.
    conditions : dict
        ``ph``, ``temperature_C``, ``ionic_strength_M``.
    totals : dict of str to ndarray
        The totals (for inverse design, the metal total that was computed).
    """

    free: dict[str, np.ndarray]
    complexes: dict[str, np.ndarray]
    constants: dict[str, Constant]
    conditions: dict[str, Any]
    totals: dict[str, np.ndarray] = field(default_factory=dict)

    def species(self) -> list[tuple[str, str, str]]:
        """(key, kind, unit) of every species in :meth:`to_dict` order."""
        rows = [(f"{n}_free", "free", "mM") for n in self.free]
        return rows + [(n, "complex", "mM") for n in self.complexes]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: conditions, constants (kd in mM, source) and species values.

        Examples
        --------
        >>> d = speciate({"Mg": 2.0, "ATP": 1.0}).to_dict()
        >>> sorted(d["species"]), d["constants"]["MgATP"]["unit"]
        (['ATP_free', 'MgATP', 'Mg_free'], 'mM')
        """
        def val(x):
            x = np.asarray(x, float)
            return float(x) if x.ndim == 0 else x.tolist()

        species = {f"{n}_free": {"value": val(v), "unit": "mM"} for n, v in self.free.items()}
        species.update({n: {"value": val(v), "unit": "mM"} for n, v in self.complexes.items()})
        return {
            "conditions": {k: val(v) for k, v in self.conditions.items()},
            "constants": {n: {"kd": val(c.kd_mM), "unit": "mM", "source": c.source,
                              "corrected": c.corrected} for n, c in self.constants.items()},
            "species": species,
        }


def _split_complex_name(name: str, metals: Iterable[str]) -> tuple[str, str, int]:
    """'CaEDTA' -> ('Ca', 'EDTA', 1); 'Mg2ATP' -> ('Mg', 'ATP', 2)."""
    for metal in sorted(set(metals) | set(KNOWN_METALS), key=len, reverse=True):
        if name.startswith(metal) and len(name) > len(metal):
            rest = name[len(metal):]
            if rest[0] == "2" and len(rest) > 1:
                return metal, rest[1:], 2
            return metal, rest, 1
    raise SpeciationError(f"cannot tell metal and ligand in complex name '{name}'; "
                          f"name it <metal><ligand>, e.g. 'CaEDTA'")


def _check_totals(totals_mM: Mapping[str, Any]) -> dict[str, np.ndarray]:
    out = {}
    for name, v in totals_mM.items():
        a = np.asarray(v, dtype=float)
        if not np.all(np.isfinite(a)):
            raise SpeciationError(f"total of '{name}' is not finite")
        if np.any(a < 0):
            raise SpeciationError(f"total of '{name}' is negative ({a[a < 0].flat[0]:g} mM); "
                                  "concentrations must be >= 0")
        out[name] = a
    return out


def _select_constants(names: Iterable[str], *, ph, temperature_C, ionic_strength_M,
                      kd_mM, table, include) -> tuple[list[str], list[str], dict[str, Constant]]:
    """Classify species names into metals and ligands and pick the complexes between them."""
    table = _resolve_table(table)
    consts = apparent_constants(ph=ph, temperature_C=temperature_C,
                                ionic_strength_M=ionic_strength_M, table=table)
    include = set(include)
    for n in include:
        if n not in consts:
            raise SpeciationError(f"unknown optional complex '{n}'; "
                                  f"known: {', '.join(sorted(consts))}")
    names = list(names)
    metals_known = set(KNOWN_METALS) | {c.metal for c in consts.values()}
    for name, kd in (kd_mM or {}).items():
        kd_arr = np.asarray(kd, dtype=float)
        if not np.all(np.isfinite(kd_arr)) or np.any(kd_arr <= 0):
            raise SpeciationError(f"Kd of '{name}' must be > 0, got {kd!r}")
        old = consts.get(name)
        metal, ligand, count = ((old.metal, old.ligand, old.metal_count) if old else
                                _split_complex_name(name, metals_known))
        consts[name] = Constant(name, metal, ligand, kd_arr if kd_arr.ndim else float(kd_arr),
                                "user kd_mM", False, count)
        include.add(name)
    known_ligands = set(KNOWN_LIGANDS) | {c.ligand for c in consts.values()}
    metals = [n for n in names if n in metals_known]
    ligands = [n for n in names if n in known_ligands and n not in metals_known]
    unknown = [n for n in names if n not in metals and n not in ligands]
    if unknown:
        pool = sorted(metals_known | known_ligands)
        msgs = []
        for n in unknown:
            close = difflib.get_close_matches(n, pool, n=3, cutoff=0.5)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            msgs.append(f"'{n}'{hint}")
        raise SpeciationError(f"unknown species {', '.join(msgs)}; for a new ligand X give "
                              "its constant as kd_mM={'MgX': ...}")
    table_on = {n for n, s in table.complexes.items() if s.default_on}
    chosen = {n: c for n, c in consts.items()
              if c.metal in metals and c.ligand in ligands and (n in table_on or n in include)}
    for lig in ligands:
        if metals and not any(c.ligand == lig for c in chosen.values()):
            raise SpeciationError(f"no constant for ligand '{lig}' with {', '.join(metals)}; "
                                  f"pass kd_mM={{'{metals[0]}{lig}': ...}}")
    for n, c in chosen.items():
        if c.metal_count == 2 and f"{c.metal}{c.ligand}" not in chosen:
            raise SpeciationError(f"complex '{n}' needs the 1:1 complex {c.metal}{c.ligand}")
    return metals, ligands, chosen


def _solver_complexes(metals, ligands, chosen):
    order = sorted(chosen, key=lambda n: chosen[n].metal_count)  # parents before M2L
    cx = []
    for n in order:
        c = chosen[n]
        parent = order.index(f"{c.metal}{c.ligand}") if c.metal_count == 2 else None
        cx.append(dict(name=n, metal=metals.index(c.metal), ligand=ligands.index(c.ligand),
                       kd=c.kd_mM, count=c.metal_count, parent=parent))
    return cx


def speciate(totals_mM: Mapping[str, Any], *, ph: Any = 7.5, temperature_C: Any = 25.0,
             ionic_strength_M: Any = 0.15, kd_mM: Mapping[str, Any] | None = None,
             table: ConstantsTable | str | Path | None = None,
             include: Iterable[str] = ()) -> SpeciationResult:
    """Free metals, free ligands and complexes from total concentrations (mM).

    Parameters
    ----------
    totals_mM : mapping of str to array_like
        Totals in mM keyed by species ("Mg", "ATP", "ADP", "AMP", "PEP", "Ca", "EDTA" ...).
    ph, temperature_C, ionic_strength_M : float or array_like
        Conditions (pH 2–12, 0–100 °C, 0–0.5 M); arrays broadcast with the totals.
    kd_mM : mapping, optional
        Apparent Kd overrides in mM by complex name ("MgATP": 0.05); a name not in the table
        adds a complex (``"CaEDTA": 1e-7``), read as <metal><ligand>.
    table : ConstantsTable or path, optional
        Constants table (see :func:`mgkinetics.constants.load_table`).
    include : iterable of str
        Optional complexes to switch on, e.g. ``("Mg2ATP",)``.

    Returns
    -------
    SpeciationResult

    Examples
    --------
    >>> r = speciate({"Mg": 2.0, "ATP": 1.0})
    >>> round(float(r.complexes["MgATP"]), 3), round(float(r.free["Mg"]), 3)
    (0.94, 1.06)
    """
    check_conditions(ph, temperature_C, ionic_strength_M)
    totals = _check_totals(totals_mM)
    metals, ligands, chosen = _select_constants(
        totals, ph=ph, temperature_C=temperature_C, ionic_strength_M=ionic_strength_M,
        kd_mM=kd_mM, table=table, include=include)
    cx = _solver_complexes(metals, ligands, chosen)
    cond = {"ph": ph, "temperature_C": temperature_C, "ionic_strength_M": ionic_strength_M}
    shape = np.broadcast_shapes(*(np.shape(v) for v in (*totals.values(), *cond.values())))
    free_m, free_l, comp = solve_equilibrium([totals[m] for m in metals],
                                             [totals[lg] for lg in ligands], cx)
    grow = (lambda a: np.broadcast_to(a, shape).copy())  # noqa: E731
    free = {n: grow(a) for n, a in zip(metals, free_m, strict=True)}
    free.update({n: grow(a) for n, a in zip(ligands, free_l, strict=True)})
    return SpeciationResult(free, {c["name"]: grow(a) for c, a in zip(cx, comp, strict=True)},
                            {c["name"]: chosen[c["name"]] for c in cx}, cond,
                            {n: grow(a) for n, a in totals.items()})


def speciate_from_free(free_mM: Any, ligand_totals_mM: Mapping[str, Any], *,
                       metal: str = "Mg", ph: Any = 7.5, temperature_C: Any = 25.0,
                       ionic_strength_M: Any = 0.15, kd_mM: Mapping[str, Any] | None = None,
                       table: ConstantsTable | str | Path | None = None,
                       include: Iterable[str] = ()) -> SpeciationResult:
    """Inverse design: speciation at a wanted free metal; ``totals[metal]`` is what to add.

    For a fixed free metal m each ligand splits independently, L = L_T / P(m), so the answer
    is explicit: M_T = m + Σ bound (science.md §2, eq. 2).

    Examples
    --------
    >>> r = speciate_from_free(1.0, {"ATP": 1.0})
    >>> round(float(r.totals["Mg"]), 3)
    1.937
    """
    check_conditions(ph, temperature_C, ionic_strength_M)
    m = _check_totals({f"free {metal}": free_mM})[f"free {metal}"]
    totals = _check_totals(ligand_totals_mM)
    metals, ligands, chosen = _select_constants(
        [metal, *totals], ph=ph, temperature_C=temperature_C,
        ionic_strength_M=ionic_strength_M, kd_mM=kd_mM, table=table, include=include)
    if metals != [metal]:
        raise SpeciationError(f"give exactly one metal as '{metal}' and ligands as totals")
    cx = _solver_complexes(metals, ligands, chosen)
    cond = {"ph": ph, "temperature_C": temperature_C, "ionic_strength_M": ionic_strength_M}
    shape = np.broadcast_shapes(m.shape, *(np.shape(v) for v in (*totals.values(),
                                                                     *cond.values())))
    sc = [_Cx(c["name"], 0, c["ligand"], c["count"],
              np.asarray(c["kd"], float), c["parent"]) for c in cx]
    w = _weights([m], sc)
    p = [1.0 for _ in ligands]
    for i, c in enumerate(sc):
        p[c.ligand] = p[c.ligand] + w[i]
    free_l = [totals[lg] / p[i] for i, lg in enumerate(ligands)]
    comp = {c.name: free_l[c.ligand] * w[i] for i, c in enumerate(sc)}
    mt = m + sum(c.count * comp[c.name] for c in sc)
    grow = (lambda a: np.broadcast_to(np.asarray(a, float), shape).copy())  # noqa: E731
    free = {metal: grow(m), **{lg: grow(a) for lg, a in zip(ligands, free_l, strict=True)}}
    all_totals = {metal: grow(mt), **{n: grow(a) for n, a in totals.items()}}
    return SpeciationResult(free, {n: grow(a) for n, a in comp.items()},
                            {c.name: chosen[c.name] for c in sc}, cond, all_totals)


def total_metal_for_free(free_mM: Any, ligand_totals_mM: Mapping[str, Any], *,
                         metal: str = "Mg", **kwargs: Any) -> Any:
    """Total metal (mM) to add for a wanted free metal concentration.

    Keyword arguments are those of :func:`speciate_from_free` (conditions, kd_mM, table,
    include).

    Examples
    --------
    >>> round(float(total_metal_for_free(1.0, {"ATP": 1.0, "AMP": 0.5})), 3)
    1.966
    """
    tot = speciate_from_free(free_mM, ligand_totals_mM, metal=metal, **kwargs).totals[metal]
    return float(tot) if tot.ndim == 0 else tot


def total_metal_for_fraction(fraction_complexed: Any, *, ligand: str = "ATP",
                             ligand_totals_mM: Mapping[str, Any], metal: str = "Mg",
                             **kwargs: Any) -> Any:
    """Total metal (mM) so that a fraction of ``ligand`` is bound as the 1:1 complex.

    The fraction of a ligand in its 1:1 complex depends on free metal alone:
    f = (m/K1) / (1 + m/K1 + m²/(K1·K2)) (the last term only with M2L on), solved for the
    smaller root, then :func:`total_metal_for_free`.

    Examples
    --------
    >>> round(float(total_metal_for_fraction(0.5, ligand_totals_mM={"ATP": 1.0})), 4)
    0.5672
    """
    f = np.asarray(fraction_complexed, dtype=float)
    if np.any(~np.isfinite(f)) or np.any((f < 0) | (f >= 1)):
        raise SpeciationError("fraction_complexed must be in [0, 1)")
    if ligand not in ligand_totals_mM:
        raise SpeciationError(f"ligand '{ligand}' is not among ligand_totals_mM")
    res = speciate_from_free(1.0, ligand_totals_mM, metal=metal, **kwargs)  # constants only
    name = f"{metal}{ligand}"
    if name not in res.constants:
        raise SpeciationError(f"no 1:1 complex '{name}' in the constants")
    k1 = np.asarray(res.constants[name].kd_mM, float)
    two = f"{metal}2{ligand}"
    if two in res.constants:
        k2 = np.asarray(res.constants[two].kd_mM, float)
        a, b = f / (k1 * k2), (f - 1.0) / k1
        disc = b * b - 4.0 * a * f
        if np.any(disc < 0):
            raise SpeciationError(f"fraction {f.max():g} of {ligand} as {name} is not reachable "
                                  f"with {two} formation")
        m = 2.0 * f / (-b + np.sqrt(disc))  # smaller root, cancellation-free
    else:
        m = k1 * f / (1.0 - f)
    return total_metal_for_free(m, ligand_totals_mM, metal=metal, **kwargs)
