"""Declarations of the Mg-ATP rate laws (plain laws composed with speciation: :mod:`.mg_ratelaws`).

Kd(MgATP) is a parameter: by default fixed at the apparent value of the built-in table
(Alberty 2003, Table 1.2, corrected to the data's pH, temperature and ionic strength), or
fitted (``--init kd_mgatp=...``). It refers to the conditions of the fit's first row;
rows at other conditions scale it by the table's ratio (``kd_factor``). The other ligands' Kds are
taken from the table at each row's conditions.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mgkinetics.laws import guesses, mg_ratelaws
from mgkinetics.laws.classic import ENZYME
from mgkinetics.laws.declarations import DerivedSpec, InputSpec, ParamSpec, RateLaw
from mgkinetics.laws.speciated import SPECIES_CACHE
from mgkinetics.speciation.constants import apparent_kd
from mgkinetics.units import Unit, convert

__all__ = ["MG_LAWS", "prepare_mg", "kd_mgatp_default"]


def _conc(name: str, aliases: tuple[str, ...], description: str, optional: bool = False) -> InputSpec:
    return InputSpec(name, aliases=aliases, description=description, optional=optional)


ATP_TOTAL = _conc("atp_total", ("atp_total", "atp", "atp_t"), "total ATP")
MG_TOTAL = _conc("mg_total", ("mg_total", "mg", "mgcl2", "mg_t"), "total Mg2+")
AMP_TOTAL = _conc("amp_total", ("amp_total", "amp", "amp_t"), "total AMP")
ADP_TOTAL = _conc("adp_total", ("adp_total", "adp"), "total ADP (binds Mg; 0 when absent)", optional=True)
AMP_OPTIONAL = _conc("amp_total", ("amp_total", "amp"), "total AMP (binds Mg; 0 when absent)", optional=True)
PEP_TOTAL = _conc("pep_total", ("pep_total", "pep"), "total PEP (binds Mg; 0 when absent)", optional=True)
AUX = tuple(
    InputSpec(name, kind="auxiliary", description=text)
    for name, text in (
        ("kd_factor", "Kd(MgATP) at the row's conditions / at the reference conditions"),
        ("kd_mgadp", "apparent Kd(MgADP) at the row's conditions"),
        ("kd_mgamp", "apparent Kd(MgAMP) at the row's conditions"),
        ("kd_mgpep", "apparent Kd(MgPEP)"),
    )
)


def _kd_mM(name: str, conditions: Mapping) -> np.ndarray:
    return np.asarray(
        apparent_kd(
            name,
            ph=conditions["ph"],
            temperature_C=conditions["temperature_C"],
            ionic_strength_M=conditions["ionic_strength_M"],
        ),
        dtype=float,
    )


def prepare_mg(inputs: Mapping[str, np.ndarray], conditions: Mapping, unit: Unit) -> dict[str, np.ndarray]:
    """Per-row auxiliary inputs of the Mg laws from the rows' conditions (table Kds, in ``unit``)."""
    to_unit = convert(1.0, "mM", unit)
    ones = np.ones_like(np.asarray(conditions["ph"], dtype=float))
    kd_rows = _kd_mM("MgATP", conditions) * ones
    kd_ref = float(_kd_mM("MgATP", conditions["reference"]))
    return {
        "kd_factor": kd_rows / kd_ref,
        "kd_mgadp": _kd_mM("MgADP", conditions) * ones * to_unit,
        "kd_mgamp": _kd_mM("MgAMP", conditions) * ones * to_unit,
        "kd_mgpep": _kd_mM("MgPEP", conditions) * ones * to_unit,
    }


def kd_mgatp_default(conditions: Mapping, unit: Unit) -> float:
    """Apparent Kd(MgATP) of the built-in table at the reference conditions, in ``unit``."""
    return float(_kd_mM("MgATP", conditions)) * convert(1.0, "mM", unit)


def _mgatp(inputs: Mapping[str, np.ndarray], kd_mgatp: float) -> np.ndarray:
    return SPECIES_CACHE.species(inputs, kd_mgatp)["mgatp"]


def guess_mgatp(inputs: Mapping[str, np.ndarray], rate: np.ndarray, defaults: Mapping[str, float]) -> dict:
    """kcat, KM from the hyperbola of v/[E] against [MgATP] computed with the default Kd."""
    kd = defaults.get("kd_mgatp", 0.067)
    s = _mgatp(inputs, kd)
    enzyme = np.asarray(inputs["enzyme"], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        turnover = np.where(enzyme > 0, rate / enzyme, np.nan)
    kcat, km = guesses.hyperbola(s, turnover)
    mg_scale = (
        float(np.median(inputs["mg_total"][inputs["mg_total"] > 0]))
        if np.any(inputs["mg_total"] > 0)
        else 1.0
    )
    return {
        "kcat": kcat,
        "km": km,
        "kd_mgatp": kd,
        "ki_atp": km,
        "kact_mg": 0.1 * mg_scale,
        "ki_mg": 10 * mg_scale,
    }


def guess_bibi(inputs: Mapping[str, np.ndarray], rate: np.ndarray, defaults: Mapping[str, float]) -> dict:
    """kcat and K_A from the rows at the highest AMP below the rate's peak; K_B from the AMP series."""
    kd = defaults.get("kd_mgatp", 0.067)
    a = _mgatp(inputs, kd)
    b = np.asarray(inputs["amp_total"], dtype=float)
    enzyme = np.asarray(inputs["enzyme"], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        turnover = np.where(enzyme > 0, rate / enzyme, np.nan)
    kcat_a, km_a = guesses.hyperbola(a, turnover)
    kcat_b, km_b = guesses.hyperbola(b, turnover)
    kcat = 1.5 * max(kcat_a, kcat_b)
    return {
        "kcat": kcat,
        "km_mgatp": km_a,
        "km_amp": km_b,
        "kia_mgatp": km_a,
        "ki_amp": max(10 * km_b, float(np.max(b)) if b.size else 1.0),
        "kd_mgatp": kd,
    }


KCAT = ParamSpec("kcat", "1/time", min=0.0, description="turnover number")
KD_MGATP = ParamSpec(
    "kd_mgatp",
    "atp_total",
    min=0.0,
    vary=False,
    default=kd_mgatp_default,
    description="apparent Kd of MgATP at the reference conditions (table value unless fitted)",
)
KCAT_OVER_KM = DerivedSpec("kcat_over_km", "kcat", "km", "1/(M*s)", description="specificity constant")
_SPECIATED = ("atp_total", "mg_total", "adp_total", "amp_total", "pep_total")
_COMMON = dict(shared_unit_inputs=_SPECIATED, prepare=prepare_mg, uses_conditions=True)
_MM_INPUTS = (ATP_TOTAL, MG_TOTAL, ENZYME, ADP_TOTAL, AMP_OPTIONAL, PEP_TOTAL, *AUX)
_KM = ParamSpec("km", "atp_total", min=0.0, description="Michaelis constant for MgATP")


def _mgatp_mm_law(name: str, function, modifier: ParamSpec | None, formula: str, description: str) -> RateLaw:
    """A Michaelis–Menten law on speciated MgATP: kcat, KM, the ``modifier`` constant of free ATP or
    Mg2+ (if any) and Kd(MgATP), on the MM inputs, started by :func:`guess_mgatp`, reporting kcat/KM."""
    return RateLaw(
        name,
        function,
        inputs=_MM_INPUTS,
        params=(KCAT, _KM, KD_MGATP) if modifier is None else (KCAT, _KM, modifier, KD_MGATP),
        formula=formula,
        guess=guess_mgatp,
        description=description,
        derived=(KCAT_OVER_KM,),
        **_COMMON,
    )


MG_LAWS = (
    _mgatp_mm_law(
        "mgatp_mm",
        mg_ratelaws.mgatp_mm,
        None,
        "v = kcat·[E]·[MgATP] / (KM + [MgATP]), [MgATP] from total ATP and Mg (speciated)",
        "Michaelis–Menten on MgATP computed from total ATP and total Mg",
    ),
    _mgatp_mm_law(
        "mgatp_mm_atp_inhibition",
        mg_ratelaws.mgatp_mm_atp_inhibition,
        ParamSpec("ki_atp", "atp_total", min=0.0, description="Ki of free ATP4-"),
        "v = kcat·[E]·[MgATP] / (KM·(1 + [ATP]free/Ki) + [MgATP])",
        "MgATP Michaelis–Menten, free ATP as competitive inhibitor",
    ),
    _mgatp_mm_law(
        "mgatp_mm_mg_activation",
        mg_ratelaws.mgatp_mm_mg_activation,
        ParamSpec("kact_mg", "atp_total", min=0.0, description="activation constant of free Mg2+"),
        "v = kcat·[E]·[MgATP] / (KM + [MgATP]) · m / (Kact + m), m = free Mg2+",
        "MgATP Michaelis–Menten, free Mg2+ as activator",
    ),
    _mgatp_mm_law(
        "mgatp_mm_mg_inhibition",
        mg_ratelaws.mgatp_mm_mg_inhibition,
        ParamSpec("ki_mg", "atp_total", min=0.0, description="Ki of free Mg2+"),
        "v = kcat·[E]·[MgATP] / ((KM + [MgATP])·(1 + m/Ki)), m = free Mg2+",
        "MgATP Michaelis–Menten, free Mg2+ as inhibitor",
    ),
    RateLaw(
        "ak_random_bibi",
        mg_ratelaws.ak_random_bibi,
        inputs=(ATP_TOTAL, AMP_TOTAL, MG_TOTAL, ENZYME, ADP_TOTAL, PEP_TOTAL, *AUX),
        params=(
            KCAT,
            ParamSpec("km_mgatp", "atp_total", min=0.0, description="K_A, Michaelis constant for MgATP"),
            ParamSpec("km_amp", "atp_total", min=0.0, description="K_B, Michaelis constant for free AMP"),
            ParamSpec("kia_mgatp", "atp_total", min=0.0, description="K_iA, dissociation constant of MgATP"),
            ParamSpec("ki_amp", "atp_total", min=0.0, description="K_iB, AMP substrate inhibition"),
            KD_MGATP,
        ),
        formula="v = kcat·[E]·A·B / (K_iA·K_B + K_B·A + K_A·B·(1 + B/K_iB) + A·B), A = MgATP, B = free AMP",
        guess=guess_bibi,
        description="adenylate kinase, rapid-equilibrium random bi-bi with AMP substrate inhibition",
        derived=(
            DerivedSpec(
                "kcat_over_km_mgatp",
                "kcat",
                "km_mgatp",
                "1/(M*s)",
                description="specificity constant for MgATP",
            ),
        ),
        **_COMMON,
    ),
)
