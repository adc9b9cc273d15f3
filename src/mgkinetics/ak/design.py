"""The adenylate-kinase experimental designs of the built-in datasets, and their simulation.

One place says what each built-in AK dataset varies and holds fixed (the generator
``datasets/generate.py`` writes the CSVs from it; :mod:`mgkinetics.ak.report` draws smooth fitted
curves through the same designs). The rates are computed with the library's own rate law
(``ak_random_bibi`` from the registry, auxiliary Kds from :func:`mgkinetics.laws.mg_laws.prepare_mg`)
and the constant-free-Mg designs use the inverse speciation
:func:`mgkinetics.speciation.species.total_metal_for_free`.
Parameters and designs: Nam et al., Sci. Adv. 2024, 10(32), eado5504.

All concentrations here are in mM, enzyme in µM, rates in µM/s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mgkinetics.laws.mg_laws import prepare_mg
from mgkinetics.laws.registry import get_law
from mgkinetics.speciation.species import total_metal_for_free

__all__ = [
    "CONDITIONS",
    "TRUE_PARAMETERS",
    "VARIANTS",
    "Design",
    "DESIGNS",
    "totals_for",
    "ak_rates",
    "law_inputs",
    "true_kd_mgatp_mM",
]

#: Assay conditions of every built-in AK dataset (science.md §5: 25 °C, pH 7.5, 100 mM KCl).
CONDITIONS: dict[str, float] = {"ph": 7.5, "temperature_C": 25.0, "ionic_strength_M": 0.15}

#: PEP in the PK/LDH coupled assay (mM); it chelates Mg (Kd ≈ 5.5 mM, science.md §4).
PEP_MM = 1.0
#: Free Mg²⁺ held constant in the constant-free-Mg designs (Storer & Cornish-Bowden 1976), mM.
FREE_MG_MM = 1.0
#: AMP of the MgATP series, the Mg titration and the 1:1 series (mM). The apparent kcat at fixed
#: B is kcat·B/(K_B + B) (the K_A·B·(1 + B/K_iB) term of the bi-bi denominator is not multiplied
#: by A, so AMP inhibition does not lower the MgATP plateau), i.e. 95% of kcat for WT and 83% for
#: D84A at 1 mM; more AMP would add little plateau but its substrate inhibition (K_iB 1 mM)
#: inflates the apparent KM(MgATP) as K_A·B·(1 + B/K_iB)/(K_B + B).
AMP_FIXED_MM = 1.0
#: Total ATP of the AMP series (at 1 mM free Mg: 0.94 mM MgATP, ≥ 4× KM(MgATP) of both variants).
ATP_FOR_AMP_SERIES_MM = 1.0
#: Total ATP of the Mg titration (science.md §5 suggestion; 0.2 mM ≈ 3× Kd(MgATP)).
ATP_FOR_MG_TITRATION_MM = 0.2

#: True parameters per variant (science.md §5). K_iA of D84A is the WT value (Tsai 1991: dissociation
#: constants unchanged by the Asp→Ala mutation); KM values of D84A are 4× WT (assumed, per Tsai).
TRUE_PARAMETERS: dict[str, dict[str, float]] = {
    "WT": {"kcat": 330.0, "km_mgatp": 0.06, "km_amp": 0.05, "kia_mgatp": 0.06, "ki_amp": 1.0},
    "D84A": {"kcat": 1.8, "km_mgatp": 0.24, "km_amp": 0.20, "kia_mgatp": 0.06, "ki_amp": 1.0},
}


@dataclass(frozen=True)
class VariantDesign:
    """How one variant is measured: enzyme in the well, noise CV and replicates."""

    enzyme_nM: float
    cv: float
    replicates: int = 3


VARIANTS: dict[str, VariantDesign] = {
    "WT": VariantDesign(enzyme_nM=2.0, cv=0.04),
    "D84A": VariantDesign(enzyme_nM=200.0, cv=0.06),
}


@dataclass(frozen=True)
class Design:
    """One built-in dataset: what is varied (``x``) and how the other totals follow from it.

    Attributes
    ----------
    name : str
        Dataset name (file stem).
    title : str
        One line for README and report.
    x : str
        The varied total: ``atp_total``, ``amp_total`` or ``mg_total``.
    levels : Mapping[str, tuple]
        Per variant, the levels of ``x`` (mM), or for the grid ``(atp_levels, amp_levels)``.
    description : str
        What is held constant and why.
    """

    name: str
    title: str
    x: str
    levels: Mapping[str, tuple]
    description: str


def _log(lo: float, hi: float, n: int) -> tuple[float, ...]:
    return tuple(float(v) for v in np.geomspace(lo, hi, n))


DESIGNS: dict[str, Design] = {
    d.name: d
    for d in (
        Design(
            "ak_mgatp_saturation",
            "MgATP series at constant 1 mM free Mg2+ and 1 mM AMP",
            "atp_total",
            {"WT": _log(0.005, 1.0, 9), "D84A": _log(0.02, 2.0, 9)},
            "total ATP log-spaced; total Mg computed for 1 mM free Mg2+ (ATP, AMP, PEP in the mass "
            "balance), so MgATP = 0.937·ATP; AMP 1 mM (near-saturating, see AMP_FIXED_MM)",
        ),
        Design(
            "ak_amp_saturation",
            "AMP series at 1 mM total ATP, constant 1 mM free Mg2+",
            "amp_total",
            {"WT": _log(0.005, 5.0, 9), "D84A": _log(0.02, 5.0, 9)},
            "total AMP log-spaced up to 5 mM, well past K_iB = 1 mM (substrate inhibition); total Mg "
            "computed for 1 mM free Mg2+",
        ),
        Design(
            "ak_bibi_grid",
            "MgATP x AMP grid (6 x 6) at constant 1 mM free Mg2+",
            "atp_total",
            {
                "WT": (_log(0.01, 1.0, 6), _log(0.01, 5.0, 6)),
                "D84A": (_log(0.03, 2.0, 6), _log(0.03, 5.0, 6)),
            },
            "every combination of 6 total-ATP and 6 AMP levels; total Mg for 1 mM free Mg2+",
        ),
        Design(
            "ak_mg_titration",
            "Mg titration at 0.2 mM total ATP and 1 mM AMP",
            "mg_total",
            {"WT": _log(0.02, 10.0, 10), "D84A": _log(0.02, 10.0, 10)},
            "total Mg log-spaced 0.02-10 mM at fixed totals (ATP 0.2, AMP 1, PEP 1 mM); free Mg2+, "
            "MgATP and free AMP all change with Mg (MgAMP Kd 16 mM), so Kd(MgATP) is identifiable",
        ),
        Design(
            "ak_fixed_ratio",
            "1:1 Mg:ATP series at 1 mM AMP",
            "atp_total",
            {"WT": _log(0.005, 1.0, 9), "D84A": _log(0.02, 2.0, 9)},
            "total Mg = total ATP (the classic design); only part of the ATP is MgATP, least at low "
            "ATP, so a Michaelis-Menten fit on total ATP distorts KM (science.md §2, eq. 3)",
        ),
    )
}


def totals_for(
    design: str | Design, x: np.ndarray, *, amp: np.ndarray | float | None = None
) -> dict[str, np.ndarray]:
    """Total concentrations (mM) of one design at levels ``x`` of its varied input.

    Parameters
    ----------
    design : str or Design
    x : array_like
        Levels of ``design.x`` (mM).
    amp : array_like, optional
        AMP levels for the grid design (same shape as ``x``).

    Returns
    -------
    dict
        ``atp_total``, ``amp_total``, ``mg_total``, ``pep_total`` arrays (mM).

    Examples
    --------
    >>> t = totals_for("ak_fixed_ratio", [0.1])
    >>> float(t["mg_total"][0]), float(t["amp_total"][0])
    (0.1, 1.0)
    """
    d = DESIGNS[design] if isinstance(design, str) else design
    x = np.asarray(x, dtype=float)
    pep = np.full_like(x, PEP_MM)
    if d.name == "ak_mgatp_saturation":
        atp, amp_t = x, np.full_like(x, AMP_FIXED_MM)
    elif d.name == "ak_amp_saturation":
        atp, amp_t = np.full_like(x, ATP_FOR_AMP_SERIES_MM), x
    elif d.name == "ak_bibi_grid":
        atp, amp_t = x, np.asarray(amp, dtype=float) * np.ones_like(x)
    elif d.name == "ak_mg_titration":
        atp, amp_t = np.full_like(x, ATP_FOR_MG_TITRATION_MM), np.full_like(x, AMP_FIXED_MM)
        return {"atp_total": atp, "amp_total": amp_t, "mg_total": x, "pep_total": pep}
    elif d.name == "ak_fixed_ratio":
        atp, amp_t = x, np.full_like(x, AMP_FIXED_MM)
        return {"atp_total": atp, "amp_total": amp_t, "mg_total": x.copy(), "pep_total": pep}
    else:  # pragma: no cover - DESIGNS is closed
        raise KeyError(d.name)
    # Inverse design (science.md §2, eq. 2): the Mg to add for 1 mM free Mg2+ given every chelator.
    mg = np.asarray(
        total_metal_for_free(FREE_MG_MM, {"ATP": atp, "AMP": amp_t, "PEP": pep}, **CONDITIONS), dtype=float
    ) * np.ones_like(x)
    return {"atp_total": atp, "amp_total": amp_t, "mg_total": mg, "pep_total": pep}


def _condition_rows(n: int) -> dict:
    rows = {k: np.full(n, v) for k, v in CONDITIONS.items()}
    return {**rows, "reference": dict(CONDITIONS)}


def true_kd_mgatp_mM() -> float:
    """Apparent Kd(MgATP) used to simulate: the built-in table at :data:`CONDITIONS` (≈ 0.0672 mM)."""
    from mgkinetics.speciation.constants import apparent_kd

    return float(apparent_kd("MgATP", **CONDITIONS))


def law_inputs(totals_mM: Mapping[str, np.ndarray], enzyme_uM: np.ndarray | float) -> dict[str, np.ndarray]:
    """Every input of the Mg laws (mM totals, µM enzyme, auxiliary Kds) at the built-in conditions.

    These are the inputs a fit of the built-in CSVs evaluates its law on, so fitted results can
    be evaluated on smooth design curves (``result.predict(**law_inputs(...))``).
    """
    inputs = {k: np.asarray(v, dtype=float) for k, v in totals_mM.items()}
    n = next(iter(inputs.values())).size
    inputs["enzyme"] = np.asarray(enzyme_uM, dtype=float) * np.ones(n)
    inputs.update({k: np.zeros(n) for k in ("adp_total", "amp_total", "pep_total") if k not in inputs})
    inputs.update(prepare_mg(inputs, _condition_rows(n), "mM"))
    return inputs


def ak_rates(
    totals_mM: Mapping[str, np.ndarray],
    enzyme_uM: np.ndarray | float,
    params: Mapping[str, float],
    *,
    law: str = "ak_random_bibi",
) -> np.ndarray:
    """Noise-free rates (µM/s) of a law from the registry at the built-in conditions.

    The auxiliary inputs (Kd factor, MgADP/MgAMP/MgPEP Kds) come from
    :func:`mgkinetics.laws.mg_laws.prepare_mg`, exactly as in a fit; ``kd_mgatp`` defaults to the table.

    Examples
    --------
    >>> t = totals_for("ak_amp_saturation", [0.05])
    >>> v = ak_rates(t, 0.002, TRUE_PARAMETERS["WT"])
    >>> 0.2 < float(v[0]) < 0.66
    True
    """
    rl = get_law(law)
    inputs = law_inputs(totals_mM, enzyme_uM)
    values = {"kd_mgatp": true_kd_mgatp_mM(), **params}
    return np.asarray(rl.evaluate(inputs, {k: values[k] for k in rl.param_names}), dtype=float)
