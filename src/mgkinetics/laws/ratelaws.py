"""Rate-law functions: pure numpy, vectorised, no fitting machinery.

Each function takes its inputs (concentrations, enzyme) first and its parameters as keyword
arguments, so a :class:`~mgkinetics.laws.registry.RateLaw` can read the parameter names from the
signature. Inputs and parameters broadcast, so the same function evaluates one curve, many curves
stacked along a leading axis, or a grid.

Concentrations passed to one function share one unit (the fitting layer converts); the parameters
carry the units the registry declares.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "michaelis_menten",
    "michaelis_menten_kcat",
    "substrate_inhibition",
    "hill",
    "competitive",
    "uncompetitive",
    "noncompetitive",
    "mixed",
]


def michaelis_menten(substrate, vmax=1.0, km=1.0):
    """Michaelis–Menten, Vmax form: v = Vmax·S / (KM + S).

    Examples
    --------
    >>> float(michaelis_menten(2.0, vmax=10.0, km=2.0))
    5.0
    """
    s = np.asarray(substrate, dtype=float)
    return vmax * s / (km + s)


def michaelis_menten_kcat(substrate, enzyme, kcat=1.0, km=1.0):
    """Michaelis–Menten, kcat form: v = kcat·[E]·S / (KM + S).

    ``enzyme`` is per row, so wild type and mutant measured at different [E] share one law.

    Examples
    --------
    >>> float(michaelis_menten_kcat(2.0, 0.01, kcat=100.0, km=2.0))
    0.5
    """
    s = np.asarray(substrate, dtype=float)
    return kcat * np.asarray(enzyme, dtype=float) * s / (km + s)


def substrate_inhibition(substrate, vmax=1.0, km=1.0, ksi=1.0):
    """Haldane substrate inhibition: v = Vmax·S / (KM + S·(1 + S/Ksi)).

    Examples
    --------
    >>> float(substrate_inhibition(1.0, vmax=3.0, km=1.0, ksi=1.0))
    1.0
    """
    s = np.asarray(substrate, dtype=float)
    return vmax * s / (km + s * (1.0 + s / ksi))


def hill(substrate, vmax=1.0, k_half=1.0, n=1.0):
    """Hill equation: v = Vmax·Sⁿ / (K½ⁿ + Sⁿ).

    Written as Vmax / (1 + (K½/S)ⁿ) so large n does not overflow; S = 0 gives 0.

    Examples
    --------
    >>> float(hill(2.0, vmax=1.0, k_half=2.0, n=3.0))
    0.5
    """
    s = np.asarray(substrate, dtype=float)
    with np.errstate(divide="ignore", over="ignore"):
        ratio = np.where(s > 0, k_half / np.where(s > 0, s, 1.0), np.inf)
        return vmax / (1.0 + ratio**n)


def competitive(substrate, inhibitor, vmax=1.0, km=1.0, ki=1.0):
    """Competitive inhibition: v = Vmax·S / (KM·(1 + I/Ki) + S).

    Examples
    --------
    >>> float(competitive(1.0, 1.0, vmax=3.0, km=1.0, ki=1.0))
    1.0
    """
    s = np.asarray(substrate, dtype=float)
    i = np.asarray(inhibitor, dtype=float)
    return vmax * s / (km * (1.0 + i / ki) + s)


def uncompetitive(substrate, inhibitor, vmax=1.0, km=1.0, ki=1.0):
    """Uncompetitive inhibition: v = Vmax·S / (KM + S·(1 + I/Ki)).

    Examples
    --------
    >>> float(uncompetitive(1.0, 1.0, vmax=3.0, km=1.0, ki=1.0))
    1.0
    """
    s = np.asarray(substrate, dtype=float)
    i = np.asarray(inhibitor, dtype=float)
    return vmax * s / (km + s * (1.0 + i / ki))


def noncompetitive(substrate, inhibitor, vmax=1.0, km=1.0, ki=1.0):
    """Pure noncompetitive inhibition: v = Vmax·S / ((KM + S)·(1 + I/Ki)).

    Examples
    --------
    >>> float(noncompetitive(1.0, 1.0, vmax=4.0, km=1.0, ki=1.0))
    1.0
    """
    s = np.asarray(substrate, dtype=float)
    i = np.asarray(inhibitor, dtype=float)
    return vmax * s / ((km + s) * (1.0 + i / ki))


def mixed(substrate, inhibitor, vmax=1.0, km=1.0, ki=1.0, alpha=1.0):
    """Mixed inhibition (Prism's parametrisation): v = Vmax·S / (KM·(1 + I/Ki) + S·(1 + I/(α·Ki))).

    α = 1 is noncompetitive; α → ∞ competitive; α < 1 leans uncompetitive.

    Examples
    --------
    >>> float(mixed(1.0, 1.0, vmax=4.0, km=1.0, ki=1.0, alpha=1.0))
    1.0
    """
    s = np.asarray(substrate, dtype=float)
    i = np.asarray(inhibitor, dtype=float)
    return vmax * s / (km * (1.0 + i / ki) + s * (1.0 + i / (alpha * ki)))
