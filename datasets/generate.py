"""Regenerate the built-in adenylate-kinase datasets (SIMULATED data): ``python datasets/generate.py``.

Deterministic: one seed (:data:`SEED`), one random stream per dataset
(``numpy.random.default_rng([SEED, index])``), concentrations rounded to 6 significant digits
*before* the rates are simulated so the written numbers are exactly those simulated, and a fixed
float format. The rates come from the library itself: ``ak_random_bibi`` from the registry with
auxiliary Kds from ``mgkinetics.laws.mg_laws.prepare_mg``, and the constant-free-Mg designs from
``mgkinetics.speciation.species.total_metal_for_free`` (see :mod:`mgkinetics.ak.design`).

Noise: multiplicative Gaussian, rate·(1 + CV·ε), ε ~ N(0, 1); CV 4% (WT) and 6% (D84A),
triplicates (science.md §5, "assumed").

Usage: ``python datasets/generate.py [OUT_DIR]`` (default: this file's directory).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from mgkinetics.ak import design as akdesign
from mgkinetics.ak.design import CONDITIONS, DESIGNS, TRUE_PARAMETERS, VARIANTS

__all__ = ["SEED", "COLUMNS", "generate", "rows_for", "metadata_for"]

#: The one seed of the built-in datasets; never changed to make a fit pass (fix the design instead).
SEED = 20240807
COLUMNS = (
    "variant",
    "replicate",
    "enzyme_nM",
    "atp_total_mM",
    "amp_total_mM",
    "mg_total_mM",
    "pep_total_mM",
    "rate_uM_per_s",
)
PROVENANCE = (
    "SIMULATED data, not measurements. Rates were computed with the mgkinetics rate law "
    "ak_random_bibi (rapid-equilibrium random bi-bi, A = MgATP, B = free AMP, AMP substrate "
    "inhibition) from parameters based on published values: kcat 330 s-1 (WT) and 1.8 s-1 for the "
    "Mg-coordinating Asp->Ala mutant (Nam et al. 2024, Sci Adv 10(32):eado5504, as summarised); "
    "KM 4x higher and dissociation constants unchanged in the mutant by analogy with chicken AK D93A "
    "(Yan & Tsai 1991, Biochemistry 30:5539). KM, K_iA and K_iB values are assumed. The organism "
    "(E. coli AdK) and the residue assignment D84 (the Asp of the DGFPR motif) are PRESUMED, not "
    "confirmed from the paper's full text."
)


def _round6(x: np.ndarray) -> np.ndarray:
    # Round to what the CSV holds, so the simulated rates belong to the written concentrations.
    return np.array([float(f"{v:.6g}") for v in np.asarray(x, dtype=float)])


def _levels(design, variant: str) -> tuple[np.ndarray, np.ndarray | None]:
    levels = design.levels[variant]
    if design.name == "ak_bibi_grid":
        atp, amp = np.meshgrid(np.asarray(levels[0]), np.asarray(levels[1]), indexing="ij")
        return atp.ravel(), amp.ravel()
    return np.asarray(levels, dtype=float), None


def rows_for(name: str, rng: np.random.Generator) -> list[list[str]]:
    """The CSV rows (as text) of one dataset, WT first, each level in triplicate."""
    design = DESIGNS[name]
    rows: list[list[str]] = []
    for variant, vd in VARIANTS.items():
        x, amp = _levels(design, variant)
        totals = {k: _round6(v) for k, v in akdesign.totals_for(design, x, amp=amp).items()}
        n = x.size
        reps = vd.replicates
        rep_totals = {k: np.repeat(v, reps) for k, v in totals.items()}
        truth = akdesign.ak_rates(rep_totals, vd.enzyme_nM * 1e-3, TRUE_PARAMETERS[variant])
        observed = truth * (1.0 + vd.cv * rng.standard_normal(n * reps))
        for i in range(n * reps):
            rows.append(
                [
                    variant,
                    str(i % reps + 1),
                    f"{vd.enzyme_nM:g}",
                    *(f"{rep_totals[k][i]:.6g}" for k in ("atp_total", "amp_total", "mg_total", "pep_total")),
                    f"{observed[i]:.6g}",
                ]
            )
    return rows


def metadata_for(name: str, index: int) -> dict:
    """The sidecar ``NAME.meta.json`` of one dataset: conditions, units, truth, noise, provenance."""
    design = DESIGNS[name]
    kd = round(akdesign.true_kd_mgatp_mM(), 7)
    return {
        "name": name,
        "title": design.title,
        "simulated": True,
        "provenance": PROVENANCE,
        "enzyme": "adenylate kinase (AK, EC 2.7.4.3)",
        "organism": "Escherichia coli AdK (presumed)",
        "variants": {
            v: {
                "enzyme_concentration": f"{vd.enzyme_nM:g} nM",
                "noise_cv": vd.cv,
                "replicates": vd.replicates,
                "note": "wild type" if v == "WT" else "Mg-coordinating Asp->Ala; residue D84 presumed",
            }
            for v, vd in VARIANTS.items()
        },
        "assay": {
            "direction": "forward (AMP + MgATP -> MgADP + ADP)",
            "method": "pyruvate kinase / lactate dehydrogenase coupled, A340 falling",
            "nadh_per_turnover": 2,
            "epsilon340_per_M_per_cm": 6220,
            "pathlength_cm": 0.55,
            "volume_uL": 200,
            "rate_definition": "rate_uM_per_s is the AK turnover rate = NADH consumption rate / 2",
            "pep_mM": akdesign.PEP_MM,
        },
        "conditions": dict(CONDITIONS),
        "design": design.description,
        "varied": design.x,
        "units": {
            "enzyme_nM": "nM",
            "atp_total_mM": "mM",
            "amp_total_mM": "mM",
            "mg_total_mM": "mM",
            "pep_total_mM": "mM",
            "rate_uM_per_s": "uM/s",
        },
        "generating_law": {
            "name": "ak_random_bibi",
            "formula": "v = kcat·[E]·A·B / (K_iA·K_B + K_B·A + K_A·B·(1 + B/K_iB) + A·B), "
            "A = MgATP, B = free AMP (speciated with ATP, AMP, PEP binding Mg)",
        },
        "true_parameters": {
            v: {
                **{k: {"value": val, "unit": "1/s" if k == "kcat" else "mM"} for k, val in p.items()},
                "kd_mgatp": {
                    "value": kd,
                    "unit": "mM",
                    "note": "apparent Kd(MgATP), Alberty 2003 table corrected to the conditions",
                },
            }
            for v, p in TRUE_PARAMETERS.items()
        },
        "speciation_constants_mM": {
            "MgATP": kd,
            "MgADP": 0.71,
            "MgAMP": 16.2,
            "MgPEP": 5.5,
            "source": "mgkinetics built-in table (Alberty 2003; NIST46 for MgPEP)",
        },
        "noise_model": "multiplicative Gaussian: rate_true·(1 + CV·e), e ~ N(0,1), independent per well",
        "seed": SEED,
        "random_stream": f"numpy.random.default_rng([{SEED}, {index}])",
        "generator": "datasets/generate.py",
    }


def generate(out_dir: str | Path | None = None) -> list[Path]:
    """Write every dataset (CSV + sidecar) into ``out_dir``; return the CSV paths."""
    out = Path(out_dir) if out_dir is not None else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index, name in enumerate(DESIGNS):
        rng = np.random.default_rng([SEED, index])
        lines = [
            f"# SIMULATED data (not measured); truth, noise and provenance in {name}.meta.json",
            ",".join(COLUMNS),
        ]
        lines += [",".join(r) for r in rows_for(name, rng)]
        path = out / f"{name}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
        meta = json.dumps(metadata_for(name, index), indent=2, ensure_ascii=False) + "\n"
        (out / f"{name}.meta.json").write_text(meta, encoding="utf-8", newline="")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in generate(sys.argv[1] if len(sys.argv) > 1 else None):
        print(p)
