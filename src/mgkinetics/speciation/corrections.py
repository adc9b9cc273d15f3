"""Corrections of a metal–ligand constant for ionic strength, temperature and pH (pure numpy).

Applied in this order by :mod:`mgkinetics.speciation.constants` to each species equilibrium:
van 't Hoff for temperature (ΔCp = 0), Alberty's extended Debye–Hückel for ionic strength, and
lumping of the protonated species for pH (Alberty 2003; science.md §2).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mgkinetics.errors import SpeciationError

__all__ = [
    "DH_A",
    "DH_B",
    "R_KJ",
    "T_REF_K",
    "PH_RANGE",
    "T_RANGE_C",
    "I_RANGE_M",
    "check_conditions",
    "debye_huckel_term",
    "ionic_strength_correction",
    "lump_ph",
    "scalar_or_array",
    "temperature_correction",
]

#: Alberty's extended Debye–Hückel constants at 25 °C (science.md §2).
DH_A = 1.1758
DH_B = 1.6
#: Gas constant in kJ mol⁻¹ K⁻¹ and the reference temperature of the table.
R_KJ = 8.314462618e-3
T_REF_K = 298.15

PH_RANGE = (2.0, 12.0)
T_RANGE_C = (0.0, 100.0)
I_RANGE_M = (0.0, 0.5)


def scalar_or_array(x: np.ndarray) -> Any:
    """A 0-d result as a float, anything else as the array: scalars in, scalars out."""
    return float(x) if np.ndim(x) == 0 else x


def check_conditions(ph: Any, temperature_C: Any, ionic_strength_M: Any) -> None:
    """Raise SpeciationError if pH, temperature or ionic strength is out of range.

    Examples
    --------
    >>> check_conditions(7.5, 25.0, 0.15)
    """
    for label, value, (lo, hi), why in (
        ("pH", ph, PH_RANGE, ""),
        ("temperature_C", temperature_C, T_RANGE_C, " (liquid water)"),
        ("ionic_strength_M", ionic_strength_M, I_RANGE_M,
         " (the extended Debye–Hückel correction is not valid above 0.5 M)"),
    ):
        arr = np.asarray(value, dtype=float)
        bad = ~np.isfinite(arr) | (arr < lo) | (arr > hi)
        if np.any(bad):
            first = arr[bad].flat[0] if arr.ndim else float(arr)
            raise SpeciationError(f"{label} = {first:g} is outside {lo:g}–{hi:g}{why}")


def debye_huckel_term(ionic_strength_M: Any) -> Any:
    """Return A √I / (1 + B √I), Alberty's extended Debye–Hückel factor (25 °C).

    Examples
    --------
    >>> round(debye_huckel_term(0.25), 4)
    0.3266
    """
    s = np.sqrt(np.asarray(ionic_strength_M, dtype=float))
    return scalar_or_array(DH_A * s / (1.0 + DH_B * s))


def ionic_strength_correction(k0: Any, dz2: float, ionic_strength_M: Any) -> Any:
    """Return the dissociation constant at ionic strength I from its I = 0 value.

    ``ln K(I) = ln K(0) + A Δ(z²) √I / (1 + B √I)`` (Alberty 2003, extended Debye–Hückel).

    Examples
    --------
    >>> f"{ionic_strength_correction(10**-6.18, 16, 0.25):.4g}"   # Alberty: 1.229e-4
    '0.0001229'
    """
    return scalar_or_array(np.asarray(k0, float) * np.exp(dz2 * debye_huckel_term(ionic_strength_M)))


def temperature_correction(k_ref: Any, dH_binding_kJ_per_mol: float | None,
                           temperature_C: Any) -> Any:
    """Van 't Hoff shift of a *dissociation* constant from 25 °C.

    ``d ln Kd / dT = ΔH°diss / RT² = −ΔH°binding / RT²``, so endothermic binding
    (ΔH°binding > 0) lowers Kd as T rises.  None means no correction is available.

    Examples
    --------
    >>> temperature_correction(1.0, 22.9, 37.0) < 1.0
    True
    """
    if dH_binding_kJ_per_mol is None:
        return scalar_or_array(np.asarray(k_ref, float) + 0.0 * np.asarray(temperature_C, float))
    t = np.asarray(temperature_C, dtype=float) + 273.15
    return scalar_or_array(np.asarray(k_ref, float)
                   * np.exp(dH_binding_kJ_per_mol / R_KJ * (1.0 / t - 1.0 / T_REF_K)))


def lump_ph(kd_ml: Any, ka: Any = None, kd_mhl: Any = None, *, ph: Any = 7.5) -> Any:
    """Apparent Kd of a ligand whose protonated form also binds the metal (science.md §2).

    ``Kd,app = (1 + h/Ka) / (1/Kd(ML) + h/(Ka·Kd(MHL)))``, h = 10^−pH M; all constants in M.

    Examples
    --------
    >>> f"{lump_ph(1e-3, 1e-7, None, ph=7.0):.3g}"
    '0.002'
    """
    kd_ml = np.asarray(kd_ml, dtype=float)
    if ka is None:
        return scalar_or_array(kd_ml)
    h = 10.0 ** -np.asarray(ph, dtype=float)
    hk = h / np.asarray(ka, dtype=float)
    bind = 1.0 / kd_ml
    if kd_mhl is not None:
        bind = bind + hk / np.asarray(kd_mhl, dtype=float)
    return scalar_or_array((1.0 + hk) / bind)
