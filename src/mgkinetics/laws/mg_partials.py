"""Partial derivatives of the plain Mg laws (:mod:`mgkinetics.laws.mg_ratelaws`), in closed form.

Each ``*_partials`` function takes the plain law's arguments and returns ``{argument: ∂v/∂argument}``
for every parameter and every species argument (the substrate, an inhibitor, an activator), so
that :func:`mgkinetics.laws.speciated.speciated` can give a fit the Jacobian of a law on totals
without differencing it: a parameter's column is its partial, Kd(MgATP)'s column is the chain
through the species (:func:`mgkinetics.laws.speciated.species_kd_derivatives`). The forms are
written without cancellation where a difference of like terms could occur (``∂v/∂S`` of
Michaelis–Menten is ``kcat·E·KM / (KM + S)²``, not ``v/S − v/(KM + S)``). Pure numpy.

Examples
--------
>>> d = turnover_mm_partials(0.5, 2.0, kcat=10.0, km=0.5)
>>> float(d["kcat"]), float(d["km"]), float(d["substrate"])
(1.0, -10.0, 10.0)
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "turnover_mm_partials",
    "turnover_competitive_partials",
    "turnover_activated_partials",
    "turnover_inhibited_partials",
    "random_bibi_partials",
]


def turnover_mm_partials(substrate, enzyme, kcat=1.0, km=0.1) -> dict:
    """∂v/∂(kcat, km, substrate) of v = kcat·E·S / (KM + S)."""
    e = np.asarray(enzyme, dtype=float)
    d = km + substrate
    sat = e * substrate / d
    return {"kcat": sat, "km": -kcat * sat / d, "substrate": kcat * e * km / (d * d)}


def turnover_competitive_partials(substrate, inhibitor, enzyme, kcat=1.0, km=0.1, ki_atp=0.1) -> dict:
    """∂v/∂(kcat, km, ki_atp, substrate, inhibitor) of v = kcat·E·S / (KM·(1 + I/Ki) + S)."""
    e = np.asarray(enzyme, dtype=float)
    inhibition = 1.0 + inhibitor / ki_atp
    d = km * inhibition + substrate
    sat = e * substrate / d
    v_over_d = kcat * sat / d
    return {
        "kcat": sat,
        "km": -v_over_d * inhibition,
        "ki_atp": v_over_d * km * inhibitor / (ki_atp * ki_atp),
        "substrate": kcat * e * km * inhibition / (d * d),
        "inhibitor": -v_over_d * km / ki_atp,
    }


def turnover_activated_partials(substrate, activator, enzyme, kcat=1.0, km=0.1, kact_mg=0.1) -> dict:
    """∂v/∂(kcat, km, kact_mg, substrate, activator) of v = kcat·E·S/(KM + S)·A/(Kact + A)."""
    e = np.asarray(enzyme, dtype=float)
    d, da = km + substrate, kact_mg + activator
    mm = e * substrate / d
    act = activator / da
    return {
        "kcat": mm * act,
        "km": -kcat * mm * act / d,
        "kact_mg": -kcat * mm * act / da,
        "substrate": kcat * e * km / (d * d) * act,
        "activator": kcat * mm * kact_mg / (da * da),
    }


def turnover_inhibited_partials(substrate, inhibitor, enzyme, kcat=1.0, km=0.1, ki_mg=1.0) -> dict:
    """∂v/∂(kcat, km, ki_mg, substrate, inhibitor) of v = kcat·E·S/(KM + S) / (1 + I/Ki)."""
    e = np.asarray(enzyme, dtype=float)
    d = km + substrate
    inhibition = 1.0 + inhibitor / ki_mg
    base = e * substrate / d / inhibition
    v = kcat * base
    return {
        "kcat": base,
        "km": -v / d,
        "ki_mg": v * inhibitor / (ki_mg * (ki_mg + inhibitor)),
        "substrate": kcat * e * km / (d * d) / inhibition,
        "inhibitor": -v / (ki_mg + inhibitor),
    }


def random_bibi_partials(
    a, b, enzyme, kcat=1.0, km_mgatp=0.06, km_amp=0.05, kia_mgatp=0.06, ki_amp=1.0
) -> dict:
    """∂v/∂(kcat, km_mgatp, km_amp, kia_mgatp, ki_amp, a, b) of the random bi-bi law
    v = kcat·E·A·B / D, D = K_iA·K_B + K_B·A + K_A·B·(1 + B/K_iB) + A·B."""
    e = np.asarray(enzyme, dtype=float)
    inhibition = 1.0 + b / ki_amp
    d = kia_mgatp * km_amp + km_amp * a + km_mgatp * b * inhibition + a * b
    sat = e * a * b / d
    v_over_d = kcat * sat / d
    turnover_over_d2 = kcat * e / (d * d)
    return {
        "kcat": sat,
        "km_mgatp": -v_over_d * b * inhibition,
        "km_amp": -v_over_d * (kia_mgatp + a),
        "kia_mgatp": -v_over_d * km_amp,
        "ki_amp": v_over_d * km_mgatp * b * b / (ki_amp * ki_amp),
        # D − A·∂D/∂A and D − B·∂D/∂B, expanded so that no like terms cancel
        "a": turnover_over_d2 * b * (kia_mgatp * km_amp + km_mgatp * b * inhibition),
        "b": turnover_over_d2 * a * (kia_mgatp * km_amp + km_amp * a - km_mgatp * b * b / ki_amp),
    }
