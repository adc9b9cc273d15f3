"""The Markdown text of the AK report (:mod:`mgkinetics.ak.report`); deterministic, no timestamps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["markdown"]

_INTRO = """\
> **SIMULATED DATA.** Every dataset fitted here was simulated by `datasets/generate.py` with the
> library's `ak_random_bibi` law from published values (Nam et al. 2024, *Sci Adv* 10(32):eado5504;
> Yan & Tsai 1991, *Biochemistry* 30:5539) plus assumed constants, 4 % (WT) / 6 % (D84A) CV noise,
> seed recorded in each `*.meta.json`. The enzyme (*E. coli* AdK) and the residue assignment D84 are
> presumed. These numbers test the software against a known truth; they are not measurements.

Conditions: 25 °C, pH 7.5, I = 0.15 M; forward PK/LDH coupled assay (2 NADH per turnover), 1 mM PEP
in the Mg mass balance. All fits use relative weights (1/y², the noise is a constant CV).
"""

_SECTIONS = {
    "truth_check": "The headline kcat values come from this fit: `ak_random_bibi` fitted to all five "
    "designs of a "
    "variant as one least-squares problem (every parameter shared across designs, Kd(MgATP) "
    "fitted, which the Mg titration and the 1:1 series make identifiable). Acceptance: kcat within "
    "5 % (WT) / 10 % (D84A) of the truth, true values inside the 95 % CIs.",
    "bibi_joint": "Full parameter set of the joint bi-bi fits.",
    "apparent_mm": "`mgatp_mm` (Michaelis–Menten on speciated MgATP) on the MgATP series at constant "
    "1 mM free "
    "Mg²⁺ and 1 mM AMP. With AMP fixed the bi-bi law is hyperbolic in MgATP with apparent "
    "kcat·b/(K_B + b) and KM (K_iA·K_B + K_A·b·(1 + b/K_iB))/(K_B + b), b = free AMP; the "
    "'expected_apparent' column evaluates these at the truth. These are apparent values, not "
    "the true kcat.",
    "mg_titration": "Complex-formation law (`mgatp_mm`) fitted globally (`fit_global`) to the Mg titration "
    "(0.2 mM ATP, 0.02–10 mM Mg) and the 1:1 Mg:ATP series, **Kd(MgATP) fitted and shared** "
    "between the two series, kcat and KM separate (free AMP differs between them). The truth is "
    "the table value used to simulate. (`mgatp_mm` treats free AMP as fixed, which it is not "
    "quite when Mg binds AMP; the joint bi-bi fit above, Kd also fitted, does not make that "
    "approximation.)",
    "fixed_ratio": "The classic 1:1 Mg:ATP design. Fitting Michaelis–Menten on total ATP ignores that "
    "only part "
    "of the ATP is MgATP (least at low ATP, where AMP and PEP also take Mg), which distorts KM; "
    "`mgatp_mm` on the same data computes MgATP and recovers an apparent KM close to the "
    "constant-free-Mg series. At low 1:1 ATP most Mg is free or on PEP/AMP and MgATP grows "
    "almost as ATP², so the rate against total ATP is sigmoid and the naive hyperbola can "
    "run away (KM and kcat far beyond the data: the artefact, flagged 'unreliable').",
    "ratios": "`compare.compare` of `ak_random_bibi` on the 6 × 6 grid (Kd at the table value): "
    "D84A/WT ratios "
    "with log-scale delta-method 95 % CIs.",
    "ddg": "ΔΔG‡ from the grid comparison (kcat basis and kcat/KM(MgATP) basis).",
    "sharing_tests": "Extra-sum-of-squares F tests and ΔAICc (shared − separate; negative favours sharing). "
    "kcat is not tested (its ratio CI is far from 1). Truth: K_iA and K_iB are the same in both "
    "variants, KM(MgATP) and KM(AMP) are 4× higher in D84A.",
}


def markdown(headline: str, tables: Mapping, numbers: Mapping[str, float], figures: Sequence[str]) -> str:
    """The report as Markdown: banner, headline, each table with what produced it, figures."""
    out = [
        "# Adenylate kinase: WT vs D84A (simulated data)",
        "",
        _INTRO,
        "## Headline",
        "",
        f"    {headline}",
        "",
        f"kcat values from the joint bi-bi fits; fold = kcat(WT)/kcat(D84A) (95 % CI "
        f"{numbers['fold_ci_low']:.1f}–{numbers['fold_ci_high']:.1f}); ΔΔG‡ = RT·ln(fold) with "
        f"RT = {numbers['rt_kcal']:.4f} kcal/mol at {numbers['temperature_C']:g} °C, its SE from "
        "the log-ratio delta method. Simulation truth (the published kcats, Nam et al. 2024): "
        f"{numbers['true_kcat_wt']:g} → {numbers['true_kcat_d84a']:g} s⁻¹, "
        f"{numbers['true_fold']:.0f}-fold, {numbers['true_ddg_kcal']:.2f} kcal/mol.",
        "",
    ]
    for name, text in _SECTIONS.items():
        tab = tables[name]
        out += [f"## {tab.title}", "", text, "", tab.to_markdown(), f"CSV: `tables/{name}.csv`", ""]
    if figures:
        out += [
            "## Figures",
            "",
            "Data (points), fits (lines) and 95 % confidence bands (delta method from "
            "the fit covariance); residuals as percentages of the fitted rate.",
            "",
        ]
        out += [f"![{f}]({f})" for f in figures]
        out.append("")
    out += [
        "## Regenerate",
        "",
        "    python datasets/generate.py   # the simulated datasets",
        "    mgkinetics report             # this report (tables are byte-identical on rerun)",
        "",
    ]
    return "\n".join(out)
