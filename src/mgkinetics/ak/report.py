"""The adenylate-kinase report: every built-in AK dataset fitted, WT compared with D84A.

:func:`build_report` fits the five designs, checks the fits against the truth recorded in the
(SIMULATED) datasets' metadata, and writes ``report.md``, CSV tables and PNG figures. Every
table is also returned as data (:class:`Table`), and each step is a public function usable
from scripts. Output is deterministic: fixed float formats, no timestamps.

Which fit gives which number
----------------------------
* headline kcat, truth check: ``ak_random_bibi`` fitted to all five designs of a variant at once
  (one stacked least-squares problem, every parameter shared across designs, Kd(MgATP) free);
* apparent kcat/KM: ``mgatp_mm`` on the MgATP series (fixed 1 mM AMP, so apparent values);
* Kd(MgATP): ``mgatp_mm`` global fit of the Mg titration with the 1:1 Mg:ATP series, Kd shared;
* 1:1 Mg:ATP artefact: ``michaelis_menten_kcat`` on total ATP beside ``mgatp_mm``;
* ratios, ΔΔG‡, F tests: :func:`mgkinetics.stats.compare.compare` of ``ak_random_bibi`` on the grid.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mgkinetics.ak import design as akdesign
from mgkinetics.data.conditions import resolve_conditions
from mgkinetics.data.table import concat, read_csv
from mgkinetics.errors import DataFormatError, Problem
from mgkinetics.fitting.globalfit import fit_global
from mgkinetics.fitting.problem import build_problems
from mgkinetics.fitting.single import fit, fit_problem
from mgkinetics.stats.compare import R_KCAL, compare, ddg_kcal, ratio

__all__ = [
    "DATASETS",
    "Table",
    "AKReport",
    "dataset_paths",
    "truth_from_metadata",
    "fit_bibi_joint",
    "fit_apparent_mm",
    "fit_fixed_ratio",
    "fit_mg_titration",
    "compare_variants",
    "headline",
    "truth_check",
    "build_report",
    "format_pm",
]

DATASETS = tuple(akdesign.DESIGNS)
VARIANT_ORDER = ("WT", "D84A")
#: Relative weights (1/y²): the simulated noise is a constant CV (science.md §5).
WEIGHTS = "relative"
#: Parameters tested for sharing between WT and D84A (every fitted bi-bi parameter).
SHARING_TESTS = ("kcat", "km_mgatp", "km_amp", "kia_mgatp", "ki_amp")
BIBI = ("kcat", "km_mgatp", "km_amp", "kia_mgatp", "ki_amp", "kd_mgatp")


def _cell(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}" if math.isfinite(x) else ""
    return str(x)


@dataclass(frozen=True)
class Table:
    """One report table: a name (CSV file stem), a title, columns and raw rows."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def to_csv(self) -> str:
        """CSV text, numbers with 6 significant digits."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows([_cell(c) for c in r] for r in self.rows)
        return out.getvalue()

    def to_markdown(self) -> str:
        """A Markdown table."""
        lines = ["| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in self.rows]
        return "\n".join(lines) + "\n"

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts."""
        return [dict(zip(self.columns, r)) for r in self.rows]


@dataclass(frozen=True)
class AKReport:
    """Everything :func:`build_report` computed: headline, tables, fits, written files."""

    headline: str
    numbers: Mapping[str, float]
    tables: Mapping[str, Table]
    markdown: str
    fits: Mapping[str, Any] = field(repr=False, default_factory=dict)
    files: tuple[Path, ...] = ()


def dataset_paths(data_dir: str | Path | None = None) -> dict[str, Path]:
    """CSV path of each AK dataset: in ``data_dir``, or the built-in ones."""
    if data_dir is None:
        from mgkinetics.data import builtin as datasets

        return {n: datasets.path(n) for n in DATASETS}
    return {n: Path(data_dir) / f"{n}.csv" for n in DATASETS}


def truth_from_metadata(path: str | Path) -> dict[str, dict[str, float]]:
    """variant -> parameter -> true value, from a simulated dataset's metadata ({} when absent)."""
    meta = read_csv(path).metadata
    return {
        v: {k: float(e["value"]) for k, e in p.items()} for v, p in meta.get("true_parameters", {}).items()
    }


def _temperature(path: Path) -> float:
    return float(resolve_conditions(read_csv(path)).values["temperature_C"][0])


def _variant_problems(data, law: str) -> list:
    """One problem per variant; a row that names no variant is an error, not a silent omission."""
    problems, unassigned, ds = build_problems(data, law, group="variant", weights=WEIGHTS)
    if unassigned:
        raise DataFormatError(ds.source, [Problem(e.line, "variant", f"{e.reason}; every row of an AK "
                                                  "dataset must name its variant (WT, D84A, ...)")
                                          for e in unassigned])
    return problems


def fit_bibi_joint(paths: Mapping[str, Path]) -> dict[str, Any]:
    """``ak_random_bibi`` on all designs of each variant at once, Kd(MgATP) free.

    Equivalent to :func:`mgkinetics.fitting.globalfit.fit_global` over the designs with every parameter
    shared; done as one stacked problem because a single design alone (the MgATP series at constant
    free Mg, say) does not determine Kd, and fit_global starts from per-design fits.
    """
    ds = concat([read_csv(paths[n]) for n in DATASETS])
    problems = _variant_problems(ds, "ak_random_bibi")
    kd0 = akdesign.true_kd_mgatp_mM()  # start at the table value: a fitted Kd needs a start
    return {p.group["variant"]: fit_problem(p, init={"kd_mgatp": kd0}) for p in problems}


def fit_apparent_mm(path: Path):
    """``mgatp_mm`` per variant on the MgATP series: apparent kcat and KM at 1 mM AMP."""
    return fit(path, "mgatp_mm", group="variant", weights=WEIGHTS)


def fit_fixed_ratio(path: Path) -> tuple[Any, Any]:
    """The 1:1 Mg:ATP series fitted naively on total ATP and with ``mgatp_mm``."""
    naive = fit(path, "michaelis_menten_kcat", x="atp_total_mM", group="variant", weights=WEIGHTS)
    return naive, fit(path, "mgatp_mm", group="variant", weights=WEIGHTS)


def fit_mg_titration(atp_series: Path, titration: Path) -> dict[str, Any]:
    """Per variant, ``mgatp_mm`` global fit of the Mg titration and an ATP series, Kd(MgATP) shared.

    The ATP series is the 1:1 Mg:ATP one: there the MgATP fraction changes along the series, so
    it determines Kd on its own too. (The constant-free-Mg series does not: its MgATP fraction is
    constant, and :func:`~mgkinetics.fitting.globalfit.fit_global` starts from each set's own fit.)
    """
    sat = _variant_problems(atp_series, "mgatp_mm")
    tit = _variant_problems(titration, "mgatp_mm")
    by = {p.group["variant"]: p for p in sat}
    return {
        p.group["variant"]: fit_global(
            [by[p.group["variant"]], p],
            shared=["kd_mgatp"],
            init={"kd_mgatp": akdesign.true_kd_mgatp_mM()},
            labels=["fixed_ratio_series", "mg_titration"],
        )
        for p in tit
    }


def compare_variants(grid: Path):
    """:func:`mgkinetics.stats.compare.compare` of ``ak_random_bibi`` on the grid, WT as reference."""
    return compare(
        grid, "ak_random_bibi", by="variant", reference="WT", weights=WEIGHTS, test=list(SHARING_TESTS)
    )


def format_pm(value: float, se: float) -> str:
    """``value ± se`` with se to 2 significant digits and value to the same decimals.

    Examples
    --------
    >>> format_pm(330.0614, 2.3436), format_pm(1.77253, 0.029145)
    ('330.1 ± 2.3', '1.773 ± 0.029')
    """
    decimals = max(0, 1 - math.floor(math.log10(abs(se)))) if se > 0 else 3
    return f"{value:.{decimals}f} ± {se:.{decimals}f}"


def headline(bibi: Mapping[str, Any], temperature_C: float) -> tuple[str, dict[str, float]]:
    """The one-line kcat summary from the bi-bi fits, and its numbers."""
    wt, mut = bibi["WT"].parameters["kcat"], bibi["D84A"].parameters["kcat"]
    dof = min(bibi["WT"].statistics.dof, bibi["D84A"].statistics.dof)
    r = ratio(mut.value, mut.stderr, wt.value, wt.stderr, dof=dof, name="kcat")  # D84A / WT
    ddg = ddg_kcal(r, temperature_C, "kcat")  # RT·ln(kcat_WT / kcat_D84A)
    fold = 1.0 / r.value
    numbers = {
        "kcat_wt": wt.value,
        "kcat_wt_se": wt.stderr,
        "kcat_d84a": mut.value,
        "kcat_d84a_se": mut.stderr,
        "fold": fold,
        "fold_ci_low": 1.0 / r.ci_high,
        "fold_ci_high": 1.0 / r.ci_low,
        "ddg_kcal": ddg.value,
        "ddg_se": ddg.stderr,
        "temperature_C": temperature_C,
        "rt_kcal": R_KCAL * (temperature_C + 273.15),
    }
    text = (
        f"kcat: WT {format_pm(wt.value, wt.stderr)} s⁻¹ → D84A {format_pm(mut.value, mut.stderr)} s⁻¹ "
        f"({fold:.0f}-fold; ΔΔG‡ {format_pm(ddg.value, ddg.stderr)} kcal/mol)"
    )
    return text, numbers


def truth_check(bibi: Mapping[str, Any], truth: Mapping[str, Mapping[str, float]]) -> Table:
    """Fitted vs true value of every bi-bi parameter, with 95% CI and whether it holds the truth."""
    rows = []
    for v in VARIANT_ORDER:
        for name in BIBI:
            e = bibi[v].parameters[name]
            t = truth[v][name]
            inside = e.ci_low is not None and e.ci_low <= t <= e.ci_high
            rows.append(
                (
                    v,
                    name,
                    t,
                    e.value,
                    e.stderr,
                    e.ci_low,
                    e.ci_high,
                    e.unit.label,
                    100.0 * (e.value - t) / t,
                    inside,
                )
            )
    return Table(
        "truth_check",
        "Truth check: ak_random_bibi joint fit of all designs vs the simulation truth",
        (
            "variant",
            "parameter",
            "true",
            "fitted",
            "stderr",
            "ci95_low",
            "ci95_high",
            "unit",
            "error_percent",
            "true_inside_ci",
        ),
        tuple(rows),
    )


def _apparent_truth(
    t: Mapping[str, float], amp_total: float, free_mg: float, kd_amp: float
) -> tuple[float, float]:
    # At fixed free AMP b the bi-bi law is MM in A: apparent kcat = kcat·b/(K_B + b) and
    # apparent KM = (K_iA·K_B + K_A·b·(1 + b/K_iB))/(K_B + b).
    b = amp_total / (1.0 + free_mg / kd_amp)
    kcat = t["kcat"] * b / (t["km_amp"] + b)
    km = (t["kia_mgatp"] * t["km_amp"] + t["km_mgatp"] * b * (1.0 + b / t["ki_amp"])) / (t["km_amp"] + b)
    return kcat, km


def _estimate_rows(fits: Mapping[str, Any], names: Sequence[str], extra=lambda v, n: ()) -> list[tuple]:
    rows = []
    for v in VARIANT_ORDER:
        for n in names:
            e = fits[v].parameters[n]
            rows.append((v, n, e.value, e.stderr, e.ci_low, e.ci_high, e.unit.label, *extra(v, n)))
    return rows


_EST = ("variant", "parameter", "value", "stderr", "ci95_low", "ci95_high", "unit")


def _tables(fits: Mapping[str, Any], truth, temperature_C: float) -> dict[str, Table]:
    from mgkinetics.speciation.constants import apparent_kd

    t: dict[str, Table] = {}
    t["truth_check"] = truth_check(fits["bibi"], truth)
    kd_amp = float(apparent_kd("MgAMP", **akdesign.CONDITIONS))
    expected = {
        v: dict(
            zip(("kcat", "km"), _apparent_truth(truth[v], akdesign.AMP_FIXED_MM, akdesign.FREE_MG_MM, kd_amp))
        )
        for v in VARIANT_ORDER
    }
    t["apparent_mm"] = Table(
        "apparent_mm",
        "mgatp_mm on the MgATP series (1 mM AMP): apparent kcat and KM(MgATP)",
        (*_EST, "expected_apparent"),
        tuple(
            _estimate_rows(
                {v: fits["apparent"][v] for v in VARIANT_ORDER},
                ("kcat", "km"),
                lambda v, n: (expected[v][n],),
            )
        ),
    )
    naive, mgmm = fits["fixed_ratio"]
    rows = []
    for label, coll in (("michaelis_menten_kcat on total ATP", naive), ("mgatp_mm (speciated MgATP)", mgmm)):
        for v in VARIANT_ORDER:
            f = coll[v]
            # A diverging naive fit is the artefact itself: say so instead of hiding the row.
            note = "ok" if f.success and not f.warnings else "unreliable: " + "; ".join(f.warnings)[:120]
            for n in ("kcat", "km"):
                e = f.parameters[n]
                rows.append((v, label, n, e.value, e.stderr, e.ci_low, e.ci_high, e.unit.label, note))
    t["fixed_ratio"] = Table(
        "fixed_ratio",
        "1:1 Mg:ATP series: naive fit on total ATP vs mgatp_mm",
        ("variant", "fit", "parameter", "value", "stderr", "ci95_low", "ci95_high", "unit", "note"),
        tuple(rows),
    )
    rows = []
    for v in VARIANT_ORDER:
        g = fits["mg_titration"][v]
        for key, e in g.parameters.items():
            if not e.fixed:
                rows.append(
                    (
                        v,
                        key,
                        e.value,
                        e.stderr,
                        e.ci_low,
                        e.ci_high,
                        e.unit.label,
                        truth[v]["kd_mgatp"] if key == "kd_mgatp" else None,
                    )
                )
    t["mg_titration"] = Table(
        "mg_titration",
        "mgatp_mm global fit: Mg titration + 1:1 Mg:ATP series, Kd(MgATP) shared",
        (*_EST, "true"),
        tuple(rows),
    )
    c = fits["comparison"]
    rows = [(name, r.value, r.ci_low, r.ci_high) for name, r in c.ratios["D84A"].items()]
    t["ratios"] = Table(
        "ratios",
        "D84A / WT ratios (compare.compare, ak_random_bibi on the grid, Kd at table value)",
        ("quantity", "ratio_D84A_over_WT", "ci95_low", "ci95_high"),
        tuple(rows),
    )
    rows = [(k, d.value, d.stderr, d.ci_low, d.ci_high) for k, d in c.ddg["D84A"].items()]
    t["ddg"] = Table(
        "ddg",
        f"ΔΔG‡ = RT ln(WT/D84A) in kcal/mol at {c.temperature_C:g} °C (grid comparison)",
        ("basis", "ddg_kcal_per_mol", "stderr", "ci95_low", "ci95_high"),
        tuple(rows),
    )
    rows = [
        (s.parameter, s.f, s.p, s.df_num, s.df_den, s.delta_aicc, s.shared_value, s.preferred)
        for s in c.tests
    ]
    t["sharing_tests"] = Table(
        "sharing_tests",
        "Is a parameter the same in WT and D84A? (shared vs separate, grid)",
        ("parameter", "F", "p", "df_num", "df_den", "delta_aicc", "shared_value", "preferred"),
        tuple(rows),
    )
    t["bibi_joint"] = Table(
        "bibi_joint",
        "ak_random_bibi, all five designs per variant, Kd(MgATP) fitted",
        (*_EST, "n", "reduced_chi2"),
        tuple(
            r + (fits["bibi"][r[0]].statistics.n, fits["bibi"][r[0]].statistics.redchi)
            for r in _estimate_rows(fits["bibi"], BIBI)
        ),
    )
    return t


def build_report(
    data_dir: str | Path | None = None, out_dir: str | Path | None = "reports", *, figures: bool = True
) -> AKReport:
    """Fit every AK dataset and write ``report.md``, ``tables/*.csv`` and ``figures/*.png``.

    Parameters
    ----------
    data_dir : path, optional
        Directory with the five AK CSVs (and sidecars); default: the built-in datasets.
    out_dir : path or None
        Where to write; None computes without writing.
    figures : bool
        Draw the PNG figures (matplotlib).

    Returns
    -------
    AKReport
    """
    from mgkinetics.ak.text import markdown

    paths = dataset_paths(data_dir)
    truth = truth_from_metadata(paths["ak_bibi_grid"])
    temperature = _temperature(paths["ak_bibi_grid"])
    fits: dict[str, Any] = {
        "bibi": fit_bibi_joint(paths),
        "apparent": fit_apparent_mm(paths["ak_mgatp_saturation"]),
        "fixed_ratio": fit_fixed_ratio(paths["ak_fixed_ratio"]),
        "mg_titration": fit_mg_titration(paths["ak_fixed_ratio"], paths["ak_mg_titration"]),
        "comparison": compare_variants(paths["ak_bibi_grid"]),
    }
    line, numbers = headline(fits["bibi"], temperature)
    # The truth the data were simulated from (the published kcats), and what it implies.
    true_wt, true_mut = truth["WT"]["kcat"], truth["D84A"]["kcat"]
    numbers = {**numbers, "true_kcat_wt": true_wt, "true_kcat_d84a": true_mut,
               "true_fold": true_wt / true_mut,
               "true_ddg_kcal": numbers["rt_kcal"] * math.log(true_wt / true_mut)}
    tables = _tables(fits, truth, temperature)
    files: list[Path] = []
    figure_names: list[str] = []
    if out_dir is not None:
        out = Path(out_dir)
        (out / "tables").mkdir(parents=True, exist_ok=True)
        for tab in tables.values():
            p = out / "tables" / f"{tab.name}.csv"
            p.write_text(tab.to_csv(), encoding="utf-8", newline="")
            files.append(p)
        if figures:
            from mgkinetics.report.plotting import report_figures

            figs = report_figures(fits, paths, out / "figures")
            files += figs
            figure_names = [f"figures/{p.name}" for p in figs]
    md = markdown(line, tables, numbers, figure_names)
    if out_dir is not None:
        p = Path(out_dir) / "report.md"
        p.write_text(md, encoding="utf-8", newline="")
        files.append(p)
    return AKReport(line, numbers, tables, md, fits, tuple(files))
