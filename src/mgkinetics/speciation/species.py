"""Metal–ligand speciation by name: free metals, free ligands and complexes from totals in mM.

The user-facing API: :func:`speciate` (totals → species), :func:`speciate_from_free` and
:func:`total_metal_for_free` / :func:`total_metal_for_fraction` (inverse design: the metal
total to add), :func:`mgatp_from_totals` (the fast MgATP helper of the rate laws) and
:class:`SpeciationResult`.  Species names ("Mg", "ATP", "CaEDTA", "Mg2ATP") are classified
here and matched with constants; constants and their pH / ionic-strength / temperature
corrections live in :mod:`mgkinetics.speciation.constants` (Alberty 2003, Table 1.2; science.md §2).
The numerical solver (methods, convergence) is :mod:`mgkinetics.speciation.equilibrium`;
:func:`mgatp_complex` and :func:`solve_equilibrium` are re-exported from it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mgkinetics.errors import SpeciationError
from mgkinetics.speciation.constants import (
    Constant,
    ConstantsTable,
    _resolve_table,
    apparent_constants,
    apparent_kd,
)
from mgkinetics.speciation.corrections import check_conditions
from mgkinetics.speciation.equilibrium import mgatp_complex, solve_equilibrium
from mgkinetics.speciation.weights import _Cx, _weights

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


def _numbers(value: Any, what: str) -> np.ndarray:
    """``value`` as a float array, or a SpeciationError naming ``what`` (text, huge integers and
    other non-numbers would otherwise raise ValueError, TypeError or OverflowError)."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise SpeciationError(f"{what} must be a number (or an array of numbers), got {value!r:.60}") \
            from None


def _check_numbers(ph: Any, temperature_C: Any, ionic_strength_M: Any,
                   kd_mM: Mapping[str, Any] | None) -> None:
    for what, value in (("pH", ph), ("temperature_C", temperature_C), ("ionic_strength_M", ionic_strength_M)):
        _numbers(value, what)
    for name, kd in (kd_mM or {}).items():
        _numbers(kd, f"Kd of '{name}'")


def _check_totals(totals_mM: Mapping[str, Any]) -> dict[str, np.ndarray]:
    out = {}
    for name, v in totals_mM.items():
        a = _numbers(v, f"total of '{name}'")
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
        Constants table (see :func:`mgkinetics.speciation.constants.load_table`).
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
    _check_numbers(ph, temperature_C, ionic_strength_M, kd_mM)
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
