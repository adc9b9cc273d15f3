"""The adenylate-kinase report: every built-in AK dataset fitted, WT compared with D84A.

The report is one spec shipped with the datasets (``ak_report.toml`` in ``mgkinetics_datasets``,
see :func:`spec_path`); ``mgkinetics report`` with no argument runs it through the generic report
builder (:mod:`mgkinetics.report.build`), and :func:`build_report` does the same from a script.
Its application analyses (:mod:`mgkinetics.ak.sections`) call the public functions here, which
scripts can use one by one. The datasets are SIMULATED; their metadata record the truth.

Which fit gives which number
----------------------------
* headline kcat, truth check: ``ak_random_bibi`` fitted to all five designs of a variant at once
  (one stacked least-squares problem, every parameter shared across designs, Kd(MgATP) free);
* apparent kcat/KM: ``mgatp_mm`` on the MgATP series (fixed 1 mM AMP, so apparent values);
* Kd(MgATP): ``mgatp_mm`` global fit of the Mg titration with the 1:1 Mg:ATP series, Kd shared;
* 1:1 Mg:ATP artefact: ``michaelis_menten_kcat`` on total ATP beside ``mgatp_mm``;
* ratios, ΔΔG‡, F tests: :func:`mgkinetics.compare` of ``ak_random_bibi`` on the grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from mgkinetics.ak import design as akdesign
from mgkinetics.data.conditions import resolve_conditions
from mgkinetics.data.table import concat, read_csv
from mgkinetics.errors import DataFormatError, Problem
from mgkinetics.fitting.globalfit import fit_global
from mgkinetics.fitting.problem import build_problems
from mgkinetics.fitting.single import fit, fit_problem
from mgkinetics.report.numbers import format_pm, format_value
from mgkinetics.stats.compare import R_KCAL, compare, ddg_kcal, ratio

__all__ = [
    "DATASETS",
    "SPEC",
    "spec_path",
    "temperature_of",
    "dataset_paths",
    "read_dataset",
    "truth_from_metadata",
    "fit_bibi_joint",
    "fit_apparent_mm",
    "fit_fixed_ratio",
    "fit_mg_titration",
    "compare_variants",
    "headline",
    "headline_fits",
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
#: The report spec's file name in the datasets package.
SPEC = "ak_report.toml"


def spec_path() -> Path:
    """The AK report spec shipped with the datasets (package data of ``mgkinetics_datasets``)."""
    from importlib import resources

    from mgkinetics.data import builtin

    return Path(str(resources.files(builtin.PACKAGE) / SPEC))


def dataset_paths(data_dir: str | Path | None = None) -> dict[str, Path]:
    """CSV path of each AK dataset: in ``data_dir``, or the built-in ones."""
    if data_dir is None:
        from mgkinetics.data import builtin as datasets

        return {n: datasets.path(n) for n in DATASETS}
    return {n: Path(data_dir) / f"{n}.csv" for n in DATASETS}


def read_dataset(path: str | Path) -> Any:
    """The validated table of ``path`` (:func:`mgkinetics.data.table.read_csv`), read once per
    process while the file is unchanged (same size and modification time): the report's analyses
    read each built-in dataset in several places (metadata, fits, the figures' rows), and a
    :class:`~mgkinetics.data.model.Dataset` is immutable, so every place can share one reading.

    Examples
    --------
    >>> p = dataset_paths()["ak_bibi_grid"]
    >>> read_dataset(p) is read_dataset(p)
    True
    """
    try:
        stat = Path(path).stat()
    except OSError:  # a missing file: read_csv's own error, naming it
        return read_csv(path)
    return _read_once(Path(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _read_once(path: Path, size: int, mtime_ns: int) -> Any:
    return read_csv(path)


def truth_from_metadata(path: str | Path) -> dict[str, dict[str, float]]:
    """variant -> parameter -> true value, from a simulated dataset's metadata ({} when absent)."""
    meta = read_dataset(path).metadata
    return {
        v: {k: float(e["value"]) for k, e in p.items()} for v, p in meta.get("true_parameters", {}).items()
    }


def temperature_of(path: Path) -> float:
    """The assay temperature (°C) a dataset's metadata state (25 °C when they state none)."""
    return _temperature(path)


def _temperature(path: Path) -> float:
    return float(resolve_conditions(read_dataset(path)).values["temperature_C"][0])


def _variant_problems(data, law: str) -> list:
    """One problem per variant; a row that names no variant is an error, not a silent omission."""
    problems, unassigned, ds = build_problems(data, law, group="variant", weights=WEIGHTS)
    if unassigned:
        raise DataFormatError(
            ds.source,
            [
                Problem(
                    e.line,
                    "variant",
                    f"{e.reason}; every row of an AK dataset must name its variant (WT, D84A, ...)",
                )
                for e in unassigned
            ],
        )
    return problems


def fit_bibi_joint(paths: Mapping[str, Path]) -> dict[str, Any]:
    """``ak_random_bibi`` on all designs of each variant at once, Kd(MgATP) free.

    Equivalent to :func:`mgkinetics.fitting.globalfit.fit_global` over the designs with every parameter
    shared; done as one stacked problem because a single design alone (the MgATP series at constant
    free Mg, say) does not determine Kd, and fit_global starts from per-design fits.
    """
    ds = concat([read_dataset(paths[n]) for n in DATASETS])
    problems = _variant_problems(ds, "ak_random_bibi")
    kd0 = akdesign.true_kd_mgatp_mM()  # start at the table value: a fitted Kd needs a start
    return {p.group["variant"]: fit_problem(p, init={"kd_mgatp": kd0}) for p in problems}


def fit_apparent_mm(path: Path):
    """``mgatp_mm`` per variant on the MgATP series: apparent kcat and KM at 1 mM AMP."""
    return fit(read_dataset(path), "mgatp_mm", group="variant", weights=WEIGHTS)


def fit_fixed_ratio(path: Path) -> tuple[Any, Any]:
    """The 1:1 Mg:ATP series fitted naively on total ATP and with ``mgatp_mm``."""
    data = read_dataset(path)
    naive = fit(data, "michaelis_menten_kcat", x="atp_total_mM", group="variant", weights=WEIGHTS)
    return naive, fit(data, "mgatp_mm", group="variant", weights=WEIGHTS)


def fit_mg_titration(atp_series: Path, titration: Path) -> dict[str, Any]:
    """Per variant, ``mgatp_mm`` global fit of the Mg titration and an ATP series, Kd(MgATP) shared.

    The ATP series is the 1:1 Mg:ATP one: there the MgATP fraction changes along the series, so
    it determines Kd on its own too. (The constant-free-Mg series does not: its MgATP fraction is
    constant, and :func:`~mgkinetics.fitting.globalfit.fit_global` starts from each set's own fit.)
    """
    sat = _variant_problems(read_dataset(atp_series), "mgatp_mm")
    tit = _variant_problems(read_dataset(titration), "mgatp_mm")
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


def headline(bibi: Mapping[str, Any], temperature_C: float) -> tuple[str, dict[str, float]]:
    """The one-line kcat summary from the bi-bi fits, and its numbers."""
    wt, mut = bibi["WT"].parameters["kcat"], bibi["D84A"].parameters["kcat"]
    dof = min(bibi["WT"].statistics.dof, bibi["D84A"].statistics.dof)
    r = ratio(mut.value, mut.stderr, wt.value, wt.stderr, dof=dof, name="kcat")  # D84A / WT
    ddg = ddg_kcal(r, temperature_C, "kcat")  # RT·ln(kcat_WT / kcat_D84A)
    fold = 1.0 / r.value
    fold_se = fold * r.stderr_log if r.stderr_log else None  # delta method on the log scale
    numbers = {
        "kcat_wt": wt.value,
        "kcat_wt_se": wt.stderr,
        "kcat_d84a": mut.value,
        "kcat_d84a_se": mut.stderr,
        "fold": fold,
        "fold_se": fold_se,
        "fold_ci_low": 1.0 / r.ci_high,
        "fold_ci_high": 1.0 / r.ci_low,
        "ddg_kcal": ddg.value,
        "ddg_se": ddg.stderr,
        "temperature_C": temperature_C,
        "rt_kcal": R_KCAL * (temperature_C + 273.15),
    }
    text = (
        f"kcat: WT {format_pm(wt.value, wt.stderr)} s⁻¹ → D84A {format_pm(mut.value, mut.stderr)} s⁻¹ "
        f"({format_value(fold, fold_se)}-fold; ΔΔG‡ {format_pm(ddg.value, ddg.stderr)} kcal/mol)"
    )
    return text, numbers


def headline_fits(paths: Mapping[str, Path] | None = None) -> tuple[str, dict[str, Any]]:
    """The headline line and the joint bi-bi fits it comes from (:func:`fit_bibi_joint`); nothing
    is written. ``paths`` as :func:`dataset_paths` returns (default: the built-in datasets)."""
    paths = dict(paths) if paths is not None else dataset_paths()
    fits = fit_bibi_joint(paths)
    line, _ = headline(fits, temperature_of(paths["ak_bibi_grid"]))
    return line, fits


def build_report(
    out_dir: str | Path | None = "reports",
    *,
    command: str | None = None,
    progress: bool = False,
    jobs: int | None = 1,
):
    """Run the shipped AK spec (:func:`spec_path`) and write the report into ``out_dir`` (None:
    compute only). Returns the :class:`mgkinetics.report.build.Report`; its ``headline`` is the
    kcat line. ``jobs``: processes, as :func:`mgkinetics.report.build.build_report` takes."""
    from mgkinetics.report.build import build_report as build
    from mgkinetics.report.build import write_report

    report = build(spec_path(), command=command or "mgkinetics report", progress=progress, jobs=jobs)
    if out_dir is not None:
        write_report(report, out_dir)
    return report
