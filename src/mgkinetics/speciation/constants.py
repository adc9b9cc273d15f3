"""Built-in metal–ligand constants and their corrections for pH, ionic strength and temperature.

The built-in table holds the species equilibria of Alberty (2003), *Thermodynamics of
Biochemical Reactions*, Table 1.2 (pK at I = 0, 298.15 K), with the standard enthalpies of
binding of Alberty / Golding et al. (1995).
Every number records its source string.

Corrections, applied in this order to each species equilibrium:

1. temperature, van 't Hoff at I = 0 (ΔH° assumed independent of T, i.e. ΔCp = 0);
2. ionic strength, extended Debye–Hückel in Alberty's convention,
   ``ln γᵢ = −A zᵢ² √I / (1 + B √I)`` with A = 1.1758 kg^½ mol^-½, B = 1.6 kg^½ mol^-½.
   For a dissociation with Δ(z²) = Σ z²(products) − Σ z²(reactants),
   ``ln K(I) = ln K(0) + A Δ(z²) √I / (1 + B √I)``.  A is held at its 25 °C value (its
   temperature dependence changes Kd by < 1 % between 25 and 37 °C);
3. pH, lumping the protonated species into one apparent constant (science.md §2),
   ``Kd,app = (1 + [H⁺]/Ka) / (1/Kd(ML) + [H⁺]/(Ka·Kd(MHL)))`` with [H⁺] = 10^−pH M.

User constants
--------------
:func:`load_table` reads a JSON or CSV file and returns the built-in table updated with its
entries.

JSON::

    {"equilibria": {"MgATP": {"pK": 6.2, "dz2": 16, "dH_binding_kJ_per_mol": 22.9,
                              "source": "my lab"}},
     "complexes": {"CaEDTA": {"metal": "Ca", "ligand": "EDTA", "kd_mM": 1e-7,
                              "source": "my buffer table"}}}

``equilibria`` entries replace (or add) species equilibria by name (``kind`` "acid" or
"metal", default "metal"); ``complexes`` entries are fixed apparent Kds in mM that are used as
given, without corrections (``corrected=False``).  CSV files hold complexes only, one per row,
with the header ``name,metal,ligand,kd_mM,source`` (``source`` may be empty).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from mgkinetics.errors import SpeciationError
from mgkinetics.speciation.corrections import (
    check_conditions,
    ionic_strength_correction,
    lump_ph,
    scalar_or_array,
    temperature_correction,
)

__all__ = [
    "Constant",
    "ComplexSpec",
    "ConstantsTable",
    "DEFAULT_TABLE",
    "Equilibrium",
    "apparent_constants",
    "apparent_kd",
    "equilibrium_constant",
    "load_table",
]


ALBERTY = "Alberty 2003, Thermodynamics of Biochemical Reactions, Table 1.2"
ENTHALPY = "Alberty 2003 / Golding et al. 1995"
NIST46 = "Martell & Smith, NIST Critically Selected Stability Constants (NIST46), I = 0.1 M"



@dataclass(frozen=True)
class Equilibrium:
    """One species dissociation equilibrium, e.g. ``MgATP2- = Mg2+ + ATP4-``.

    Attributes
    ----------
    name : str
        The associated species ("HATP", "MgATP", "MgHATP" ...).
    reaction : str
        The dissociation as written by Alberty.
    kind : {"acid", "metal"}
        Proton or metal dissociation.
    pK : float
        −log10 K at I = 0, 25 °C, K in mol/L.
    dz2 : float
        Σ z²(products) − Σ z²(reactants) of the dissociation (Alberty's ionic-strength rule).
    dH_binding_kJ_per_mol : float or None
        Standard enthalpy of *binding* (association); None means no temperature correction.
    source : str
        Where the numbers come from.
    """

    name: str
    reaction: str
    kind: str
    pK: float
    dz2: float
    dH_binding_kJ_per_mol: float | None
    source: str


@dataclass(frozen=True)
class ComplexSpec:
    """How an apparent (pH-lumped) complex constant is built.

    Either from species equilibria (``ml`` plus optional ``acid`` and ``mhl``) or as a fixed
    apparent ``kd_mM`` used without corrections.  ``metal_count`` is 2 for the stepwise
    M₂L ⇌ M + ML complex, whose Kd refers to that second step.
    """

    name: str
    metal: str
    ligand: str
    ml: str | None = None
    acid: str | None = None
    mhl: str | None = None
    kd_mM: float | None = None
    source: str = ""
    metal_count: int = 1
    default_on: bool = True


@dataclass(frozen=True)
class Constant:
    """An apparent dissociation constant at given conditions.

    ``kd_mM`` is a float, or an array when the conditions were arrays.  ``corrected`` says
    whether pH / ionic-strength / temperature corrections were applied.
    """

    name: str
    metal: str
    ligand: str
    kd_mM: Any
    source: str
    corrected: bool
    metal_count: int = 1


def _eq(name: str, reaction: str, kind: str, pk: float, dz2: float, dh: float) -> Equilibrium:
    return Equilibrium(name, reaction, kind, pk, dz2, dh, f"{ALBERTY}; ΔH° {ENTHALPY}")


# ΔH° column of science.md §2 read as the enthalpy of *binding* for every row (the lead's
# convention, including the acid rows marked "(acid)"); van 't Hoff on a dissociation
# constant therefore uses −ΔH°binding.  Δ(z²) follows from the species charges.
_EQUILIBRIA = (
    _eq("HATP", "HATP3- = H+ + ATP4-", "acid", 7.60, 1 + 16 - 9, -6.30),
    _eq("MgATP", "MgATP2- = Mg2+ + ATP4-", "metal", 6.18, 4 + 16 - 4, 22.9),
    _eq("MgHATP", "MgHATP- = Mg2+ + HATP3-", "metal", 3.63, 4 + 9 - 1, 16.9),
    _eq("HADP", "HADP2- = H+ + ADP3-", "acid", 7.18, 1 + 9 - 4, -5.6),
    _eq("MgADP", "MgADP- = Mg2+ + ADP3-", "metal", 4.65, 4 + 9 - 1, 19.0),
    _eq("MgHADP", "MgHADP = Mg2+ + HADP2-", "metal", 2.50, 4 + 4 - 0, 12.5),
    _eq("HAMP", "HAMP- = H+ + AMP2-", "acid", 6.73, 1 + 4 - 1, -5.4),
    _eq("MgAMP", "MgAMP = Mg2+ + AMP2-", "metal", 2.79, 4 + 4 - 0, 11.3),
    # Mg2ATP: pK from Alberty Table 1.2; no enthalpy available, so no T correction.
    Equilibrium("Mg2ATP", "Mg2ATP = Mg2+ + MgATP2-", "metal", 2.69, 4 + 4 - 0, None, ALBERTY),
)

_COMPLEXES = (
    ComplexSpec("MgATP", "Mg", "ATP", ml="MgATP", acid="HATP", mhl="MgHATP",
                source=f"{ALBERTY}, corrected"),
    ComplexSpec("MgADP", "Mg", "ADP", ml="MgADP", acid="HADP", mhl="MgHADP",
                source=f"{ALBERTY}, corrected"),
    ComplexSpec("MgAMP", "Mg", "AMP", ml="MgAMP", acid="HAMP", source=f"{ALBERTY}, corrected"),
    # Disputed (Burton 1959 saw none up to 80 mM Mg2+): off unless asked for.
    ComplexSpec("Mg2ATP", "Mg", "ATP", ml="Mg2ATP", source=f"{ALBERTY}, corrected",
                metal_count=2, default_on=False),
    ComplexSpec("MgPEP", "Mg", "PEP", kd_mM=5.5,
                source=f"{NIST46}; no pH/I/T corrections available"),
)


@dataclass(frozen=True)
class ConstantsTable:
    """Species equilibria plus the complexes built from them; immutable."""

    equilibria: Mapping[str, Equilibrium] = field(default_factory=dict)
    complexes: Mapping[str, ComplexSpec] = field(default_factory=dict)
    source: str = "built-in"

    def updated(self, equilibria: Iterable[Equilibrium] = (),
                complexes: Iterable[ComplexSpec] = (), source: str | None = None
                ) -> ConstantsTable:
        """Return a new table with entries added or replaced by name."""
        eqs = dict(self.equilibria)
        eqs.update({e.name: e for e in equilibria})
        cps = dict(self.complexes)
        cps.update({c.name: c for c in complexes})
        return ConstantsTable(eqs, cps, source or self.source)


DEFAULT_TABLE = ConstantsTable({e.name: e for e in _EQUILIBRIA},
                               {c.name: c for c in _COMPLEXES})


def equilibrium_constant(name: str, *, temperature_C: Any = 25.0, ionic_strength_M: Any = 0.0,
                         table: ConstantsTable | None = None) -> Any:
    """Dissociation constant (mol/L) of one species equilibrium at T and I.

    Examples
    --------
    >>> f"{equilibrium_constant('HATP', ionic_strength_M=0.25):.3g}"   # Alberty: 3.426e-7
    '3.43e-07'
    """
    table = table or DEFAULT_TABLE
    try:
        eq = table.equilibria[name]
    except KeyError:
        raise SpeciationError(_unknown("equilibrium", name, table.equilibria)) from None
    k = temperature_correction(10.0 ** -eq.pK, eq.dH_binding_kJ_per_mol, temperature_C)
    return ionic_strength_correction(k, eq.dz2, ionic_strength_M)


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    import difflib

    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    return f"unknown {kind} '{name}'{hint}; known: {', '.join(known)}"


def _complex_constant(spec: ComplexSpec, ph: Any, temperature_C: Any, ionic_strength_M: Any,
                      table: ConstantsTable) -> Constant:
    if spec.kd_mM is not None:
        kd = np.asarray(spec.kd_mM, float) + 0.0 * np.asarray(ph, float) \
            + 0.0 * np.asarray(temperature_C, float) + 0.0 * np.asarray(ionic_strength_M, float)
        return Constant(spec.name, spec.metal, spec.ligand, scalar_or_array(kd), spec.source, False,
                        spec.metal_count)
    kw = dict(temperature_C=temperature_C, ionic_strength_M=ionic_strength_M, table=table)
    k_ml = equilibrium_constant(spec.ml, **kw)
    ka = equilibrium_constant(spec.acid, **kw) if spec.acid else None
    k_mhl = equilibrium_constant(spec.mhl, **kw) if spec.mhl else None
    kd_m = lump_ph(k_ml, ka, k_mhl, ph=ph)
    kd_m = kd_m + 0.0 * np.asarray(ph, float)  # broadcast over ph even without an acid
    return Constant(spec.name, spec.metal, spec.ligand, scalar_or_array(np.asarray(kd_m) * 1e3),
                    spec.source, True, spec.metal_count)


def _resolve_table(table: ConstantsTable | str | Path | None) -> ConstantsTable:
    if table is None:
        return DEFAULT_TABLE
    if isinstance(table, (str, Path)):
        return load_table(table)
    return table


def apparent_constants(*, ph: Any = 7.5, temperature_C: Any = 25.0,
                       ionic_strength_M: Any = 0.15,
                       table: ConstantsTable | str | Path | None = None,
                       include_optional: bool = True) -> dict[str, Constant]:
    """Apparent dissociation constants (mM) of every complex in the table.

    Parameters
    ----------
    ph, temperature_C, ionic_strength_M : float or array_like
        Conditions; arrays broadcast and give array ``kd_mM``.
    table : ConstantsTable, path or None
        Constants to use; None means the built-in Alberty table.
    include_optional : bool
        Also return complexes that are off by default (Mg2ATP).

    Returns
    -------
    dict of str to Constant

    Examples
    --------
    >>> c = apparent_constants(ph=7.5, temperature_C=25.0, ionic_strength_M=0.15)
    >>> round(c["MgATP"].kd_mM, 3), c["MgPEP"].corrected
    (0.067, False)
    """
    check_conditions(ph, temperature_C, ionic_strength_M)
    table = _resolve_table(table)
    return {name: _complex_constant(spec, ph, temperature_C, ionic_strength_M, table)
            for name, spec in table.complexes.items()
            if include_optional or spec.default_on}


def apparent_kd(complex_name: str, *, ph: Any = 7.5, temperature_C: Any = 25.0,
                ionic_strength_M: Any = 0.15,
                table: ConstantsTable | str | Path | None = None) -> Any:
    """Apparent dissociation constant of one complex, in mM.

    Examples
    --------
    >>> f"{apparent_kd('MgADP'):.2f}"
    '0.71'
    >>> apparent_kd('MgATP', temperature_C=37.0) < apparent_kd('MgATP')
    True
    """
    check_conditions(ph, temperature_C, ionic_strength_M)
    table = _resolve_table(table)
    try:
        spec = table.complexes[complex_name]
    except KeyError:
        raise SpeciationError(_unknown("complex", complex_name, table.complexes)) from None
    return _complex_constant(spec, ph, temperature_C, ionic_strength_M, table).kd_mM


# ---------------------------------------------------------------------------- user files
def _positive(value: Any, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise SpeciationError(f"{what}: {value!r} is not a number") from None
    if not (math.isfinite(x) and x > 0):
        raise SpeciationError(f"{what}: Kd must be > 0, got {value!r}")
    return x


def _complex_from_record(name: str, rec: Mapping[str, Any], where: str) -> ComplexSpec:
    missing = [k for k in ("metal", "ligand", "kd_mM") if rec.get(k) in (None, "")]
    if missing:
        raise SpeciationError(f"{where}: complex '{name}' lacks {', '.join(missing)}")
    return ComplexSpec(name, str(rec["metal"]), str(rec["ligand"]),
                       kd_mM=_positive(rec["kd_mM"], f"{where}: complex '{name}' kd_mM"),
                       source=str(rec.get("source") or f"user file {where}"),
                       metal_count=int(rec.get("metal_count", 1)),
                       default_on=bool(rec.get("default_on", True)))


def _equilibrium_from_record(name: str, rec: Mapping[str, Any], base: ConstantsTable,
                             where: str) -> Equilibrium:
    old = base.equilibria.get(name)
    if "pK" not in rec and old is None:
        raise SpeciationError(f"{where}: new equilibrium '{name}' needs 'pK' and 'dz2'")
    dz2 = rec.get("dz2", old.dz2 if old else None)
    if dz2 is None:
        raise SpeciationError(f"{where}: new equilibrium '{name}' needs 'dz2'")
    new = Equilibrium(name, str(rec.get("reaction", old.reaction if old else name)),
                      str(rec.get("kind", old.kind if old else "metal")),
                      float(rec.get("pK", old.pK if old else 0.0)), float(dz2),
                      rec.get("dH_binding_kJ_per_mol"),
                      str(rec.get("source") or f"user file {where}"))
    return new if old is None else replace(old, **{k: getattr(new, k) for k in (
        "reaction", "kind", "pK", "dz2", "dH_binding_kJ_per_mol", "source")})


def load_table(path: str | Path, *, base: ConstantsTable | None = None) -> ConstantsTable:
    """Load user constants (JSON or CSV, format in the module docstring) over ``base``.

    Examples
    --------
    >>> import json, os, tempfile
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "k.json")
    >>> _ = open(p, "w").write(json.dumps({"complexes": {"CaEDTA": {
    ...     "metal": "Ca", "ligand": "EDTA", "kd_mM": 1e-7, "source": "test"}}}))
    >>> load_table(p).complexes["CaEDTA"].kd_mM
    1e-07
    """
    base = base or DEFAULT_TABLE
    path = Path(path)
    where = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpeciationError(f"cannot read constants file {path}: {exc.strerror}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpeciationError(f"{where}: not valid JSON ({exc.msg}, line {exc.lineno})") \
                from None
        if not isinstance(data, dict) or not set(data) <= {"equilibria", "complexes"}:
            raise SpeciationError(f"{where}: expected an object with keys 'equilibria' and/or "
                                  "'complexes'")
        eqs = [_equilibrium_from_record(n, r, base, where)
               for n, r in data.get("equilibria", {}).items()]
        cps = [_complex_from_record(n, r, where) for n, r in data.get("complexes", {}).items()]
        return base.updated(eqs, cps, source=str(path))
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        need = {"name", "metal", "ligand", "kd_mM"}
        if reader.fieldnames is None or not need <= set(reader.fieldnames):
            raise SpeciationError(f"{where}: CSV header must contain name,metal,ligand,kd_mM"
                                  f"[,source]; found {reader.fieldnames}")
        cps = [_complex_from_record(r["name"], r, f"{where} line {i}")
               for i, r in enumerate(reader, start=2)]
        return base.updated((), cps, source=str(path))
    raise SpeciationError(f"{where}: constants file must end in .json or .csv")
