"""Rate laws on speciated substrates: the substrate is MgATP²⁻, computed inside the model.

Pure numpy. Every function takes total concentrations (ATP, Mg, and ADP, AMP, PEP, which also
bind Mg) in one unit, the enzyme concentration, and per-row constants computed from the row's
pH, temperature and ionic strength (``kd_factor`` scales the fitted or tabulated MgATP Kd from the
reference conditions to the row's; ``kd_mgadp``, ``kd_mgamp``, ``kd_mgpep`` are apparent Kds in
the concentration unit). Chemistry and equations: ../shared/science.md §2–3.
"""

from __future__ import annotations

import numpy as np

from mgkinetics.speciation.species import mgatp_from_totals

__all__ = [
    "mg_species",
    "mgatp_mm",
    "mgatp_mm_atp_inhibition",
    "mgatp_mm_mg_activation",
    "mgatp_mm_mg_inhibition",
    "ak_random_bibi",
]


def mg_species(
    atp_total, mg_total, adp_total, amp_total, pep_total, kd_mgatp_row, kd_mgadp, kd_mgamp, kd_mgpep
):
    """(MgATP, free Mg, free ATP, free AMP) from totals, by the exact mass balance.

    Non-positive Kds give NaN everywhere (see the comment in the body). Free AMP is
    AMP_T / (1 + m/Kd(MgAMP)): AMP binds one Mg²⁺ (science.md §2, eq. 2).

    Examples
    --------
    >>> mgatp, m, atp, amp = mg_species(1.0, 2.0, 0, 0, 0, 0.067, 0.71, 16.0, 5.5)
    >>> round(float(mgatp + atp), 12), round(float(mgatp + m), 12)
    (1.0, 2.0)
    """
    kds = [np.asarray(k, dtype=float) for k in (kd_mgatp_row, kd_mgadp, kd_mgamp, kd_mgpep)]
    if any(np.any(~(k > 0)) for k in kds):
        # A trial step of a fit can propose Kd <= 0; answer NaN (the solvers treat it as a huge
        # residual and back off) rather than raise from the middle of an optimisation.
        nan = np.full(np.broadcast(atp_total, mg_total, *kds).shape, np.nan)
        return nan, nan, nan, nan
    mgatp, mg_free, atp_free = mgatp_from_totals(
        atp_total,
        mg_total,
        adp_total=adp_total,
        amp_total=amp_total,
        pep_total=pep_total,
        kd_mgatp=kd_mgatp_row,
        kd_mgadp=kd_mgadp,
        kd_mgamp=kd_mgamp,
        kd_mgpep=kd_mgpep,
    )
    amp_free = np.asarray(amp_total, dtype=float) / (1.0 + mg_free / kd_mgamp)
    return mgatp, mg_free, atp_free, amp_free


def mgatp_mm(
    atp_total,
    mg_total,
    enzyme,
    adp_total,
    amp_total,
    pep_total,
    kd_factor,
    kd_mgadp,
    kd_mgamp,
    kd_mgpep,
    kcat=1.0,
    km=0.1,
    kd_mgatp=0.067,
):
    """Michaelis–Menten on MgATP: v = kcat·[E]·[MgATP] / (KM + [MgATP]).

    [MgATP] from total ATP and total Mg (and ADP, AMP, PEP) with Kd(MgATP) = kd_mgatp·kd_factor.
    """
    mgatp, _, _, _ = mg_species(
        atp_total,
        mg_total,
        adp_total,
        amp_total,
        pep_total,
        kd_mgatp * kd_factor,
        kd_mgadp,
        kd_mgamp,
        kd_mgpep,
    )
    return kcat * np.asarray(enzyme, dtype=float) * mgatp / (km + mgatp)


def mgatp_mm_atp_inhibition(
    atp_total,
    mg_total,
    enzyme,
    adp_total,
    amp_total,
    pep_total,
    kd_factor,
    kd_mgadp,
    kd_mgamp,
    kd_mgpep,
    kcat=1.0,
    km=0.1,
    ki_atp=0.1,
    kd_mgatp=0.067,
):
    """MgATP Michaelis–Menten with free ATP⁴⁻ as competitive inhibitor: KM → KM·(1 + [ATP]free/Ki)."""
    mgatp, _, atp_free, _ = mg_species(
        atp_total,
        mg_total,
        adp_total,
        amp_total,
        pep_total,
        kd_mgatp * kd_factor,
        kd_mgadp,
        kd_mgamp,
        kd_mgpep,
    )
    return kcat * np.asarray(enzyme, dtype=float) * mgatp / (km * (1.0 + atp_free / ki_atp) + mgatp)


def mgatp_mm_mg_activation(
    atp_total,
    mg_total,
    enzyme,
    adp_total,
    amp_total,
    pep_total,
    kd_factor,
    kd_mgadp,
    kd_mgamp,
    kd_mgpep,
    kcat=1.0,
    km=0.1,
    kact_mg=0.1,
    kd_mgatp=0.067,
):
    """MgATP Michaelis–Menten times free-Mg²⁺ activation m / (Kact + m)."""
    mgatp, mg_free, _, _ = mg_species(
        atp_total,
        mg_total,
        adp_total,
        amp_total,
        pep_total,
        kd_mgatp * kd_factor,
        kd_mgadp,
        kd_mgamp,
        kd_mgpep,
    )
    return kcat * np.asarray(enzyme, dtype=float) * mgatp / (km + mgatp) * mg_free / (kact_mg + mg_free)


def mgatp_mm_mg_inhibition(
    atp_total,
    mg_total,
    enzyme,
    adp_total,
    amp_total,
    pep_total,
    kd_factor,
    kd_mgadp,
    kd_mgamp,
    kd_mgpep,
    kcat=1.0,
    km=0.1,
    ki_mg=1.0,
    kd_mgatp=0.067,
):
    """MgATP Michaelis–Menten divided by free-Mg²⁺ inhibition (1 + m/Ki)."""
    mgatp, mg_free, _, _ = mg_species(
        atp_total,
        mg_total,
        adp_total,
        amp_total,
        pep_total,
        kd_mgatp * kd_factor,
        kd_mgadp,
        kd_mgamp,
        kd_mgpep,
    )
    return kcat * np.asarray(enzyme, dtype=float) * mgatp / (km + mgatp) / (1.0 + mg_free / ki_mg)


def ak_random_bibi(
    atp_total,
    amp_total,
    mg_total,
    enzyme,
    adp_total,
    pep_total,
    kd_factor,
    kd_mgadp,
    kd_mgamp,
    kd_mgpep,
    kcat=1.0,
    km_mgatp=0.06,
    km_amp=0.05,
    kia_mgatp=0.06,
    ki_amp=1.0,
    kd_mgatp=0.067,
):
    """Adenylate kinase, rapid-equilibrium random bi-bi on A = MgATP and B = free AMP with AMP
    substrate inhibition (science.md §3):

    v = kcat·[E]·A·B / (K_iA·K_B + K_B·A + K_A·B·(1 + B/K_iB) + A·B)
    """
    a, _, _, b = mg_species(
        atp_total,
        mg_total,
        adp_total,
        amp_total,
        pep_total,
        kd_mgatp * kd_factor,
        kd_mgadp,
        kd_mgamp,
        kd_mgpep,
    )
    denominator = kia_mgatp * km_amp + km_amp * a + km_mgatp * b * (1.0 + b / ki_amp) + a * b
    return kcat * np.asarray(enzyme, dtype=float) * a * b / denominator
