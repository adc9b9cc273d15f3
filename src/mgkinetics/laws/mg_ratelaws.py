"""Rate laws on speciated substrates, each a plain law on species composed with speciation.

Pure numpy. The plain laws (``turnover_*``, :func:`random_bibi`) are written on what the enzyme
sees (MgATP²⁻, free Mg²⁺, free ATP⁴⁻, free AMP); :func:`mgkinetics.laws.speciated.speciated`
turns each into a law on totals by solving the Mg mass balance first. Chemistry and equations:
science.md §2–3.
"""

from __future__ import annotations

import numpy as np

from mgkinetics.laws import mg_partials as d
from mgkinetics.laws.speciated import mg_species, speciated

__all__ = [
    "mg_species",
    "turnover_mm",
    "turnover_competitive",
    "turnover_activated",
    "turnover_inhibited",
    "random_bibi",
    "mgatp_mm",
    "mgatp_mm_atp_inhibition",
    "mgatp_mm_mg_activation",
    "mgatp_mm_mg_inhibition",
    "ak_random_bibi",
    "BIBI_INPUTS",
]


def turnover_mm(substrate, enzyme, kcat=1.0, km=0.1):
    """Michaelis–Menten in kcat form: v = kcat·[E]·S / (KM + S)."""
    return kcat * np.asarray(enzyme, dtype=float) * substrate / (km + substrate)


def turnover_competitive(substrate, inhibitor, enzyme, kcat=1.0, km=0.1, ki_atp=0.1):
    """Competitive inhibition in kcat form: KM → KM·(1 + I/Ki)."""
    return kcat * np.asarray(enzyme, dtype=float) * substrate / (km * (1.0 + inhibitor / ki_atp) + substrate)


def turnover_activated(substrate, activator, enzyme, kcat=1.0, km=0.1, kact_mg=0.1):
    """Michaelis–Menten times an activator's saturation A / (Kact + A)."""
    mm = kcat * np.asarray(enzyme, dtype=float) * substrate / (km + substrate)
    return mm * activator / (kact_mg + activator)


def turnover_inhibited(substrate, inhibitor, enzyme, kcat=1.0, km=0.1, ki_mg=1.0):
    """Michaelis–Menten divided by a noncompetitive inhibitor's (1 + I/Ki)."""
    return kcat * np.asarray(enzyme, dtype=float) * substrate / (km + substrate) / (1.0 + inhibitor / ki_mg)


def random_bibi(a, b, enzyme, kcat=1.0, km_mgatp=0.06, km_amp=0.05, kia_mgatp=0.06, ki_amp=1.0):
    """Rapid-equilibrium random bi-bi with substrate inhibition by B (science.md §3):

    v = kcat·[E]·A·B / (K_iA·K_B + K_B·A + K_A·B·(1 + B/K_iB) + A·B)
    """
    denominator = kia_mgatp * km_amp + km_amp * a + km_mgatp * b * (1.0 + b / ki_amp) + a * b
    return kcat * np.asarray(enzyme, dtype=float) * a * b / denominator


#: Inputs of the adenylate-kinase law: AMP is a substrate, so it is required and comes second.
BIBI_INPUTS = (
    "atp_total",
    "amp_total",
    "mg_total",
    "enzyme",
    "adp_total",
    "pep_total",
    "kd_factor",
    "kd_mgadp",
    "kd_mgamp",
    "kd_mgpep",
)

mgatp_mm = speciated(turnover_mm, partials=d.turnover_mm_partials, substrate="mgatp")
mgatp_mm_atp_inhibition = speciated(
    turnover_competitive, partials=d.turnover_competitive_partials, substrate="mgatp", inhibitor="atp_free"
)
mgatp_mm_mg_activation = speciated(
    turnover_activated, partials=d.turnover_activated_partials, substrate="mgatp", activator="mg_free"
)
mgatp_mm_mg_inhibition = speciated(
    turnover_inhibited, partials=d.turnover_inhibited_partials, substrate="mgatp", inhibitor="mg_free"
)
ak_random_bibi = speciated(
    random_bibi, inputs=BIBI_INPUTS, partials=d.random_bibi_partials, a="mgatp", b="amp_free"
)
