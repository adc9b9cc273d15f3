"""The AK report's own analyses: ``kind = "mgkinetics.ak.sections:NAME"`` in ``ak_report.toml``.

Each function takes the spec's :class:`~mgkinetics.report.spec.Analysis` (its ``data`` are the
built-in CSVs, found by stem) and returns a :class:`~mgkinetics.report.model.Section`: tables,
figures of WT and D84A as v/[E] (2 nM and 200 nM enzyme would otherwise differ 100-fold on the
page), and words from ``mgkinetics/ak/templates/ak.j2``, with every number from the fits or the
datasets' metadata.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from mgkinetics.ak import design as akdesign
from mgkinetics.ak import report as ak
from mgkinetics.fitting.problem import build_problems
from mgkinetics.fitting.results import RowAccount
from mgkinetics.report.curves import per_enzyme
from mgkinetics.report.display import estimate_status
from mgkinetics.report.figures import plot_fits
from mgkinetics.report.model import FigureSpec, Section, Table, estimate_table
from mgkinetics.report.prose import paragraphs, words

__all__ = ["overview", "bibi_joint", "apparent_mm", "mg_titration", "fixed_ratio", "design_view"]

PKG = "mgkinetics.ak"
VARIANTS = ak.VARIANT_ORDER


def _paths(a: Any) -> dict[str, Path]:
    return {p.stem: p for p in a.data}


def _say(macro: str, **ctx: Any) -> str:
    return words("ak.j2", macro, package=PKG, **ctx)


def _paras(macro: str, **ctx: Any) -> tuple[str, ...]:
    return paragraphs("ak.j2", macro, package=PKG, **ctx)


def _section(
    a: Any, title: str, text: str, ctx: dict[str, Any], tables: tuple, figures: tuple, **more
) -> Section:
    """Analysis ``a`` as a Section: ``title`` unless the spec names one, the paragraphs of the
    template macro ``text`` rendered with ``ctx``, then its tables and figures."""
    return Section(a.name, a.title or title, _paras(text, **ctx), tables, figures, **more)


def design_view(fit: Any, path: Path, law: str, variant: str) -> Any:
    """``fit`` (a joint fit over several designs) seen on one design's rows of ``variant``: same
    estimates, that design's data, for figures."""
    problems, _, _ = build_problems(ak.read_dataset(path), law, group="variant", weights=ak.WEIGHTS)
    return _view(fit, problems, variant)


def _view(fit: Any, problems: list, variant: str) -> Any:
    p = next(q for q in problems if q.group["variant"] == variant)
    return replace(
        fit,
        data={**p.inputs, "rate": p.rate, "weights": p.weights},
        rows=RowAccount(tuple(int(n) for n in p.lines), p.excluded),
    )


def _entries(fits: dict[str, Any], names, extra=lambda v, n, e: ()) -> list[tuple]:
    out = []
    for v in VARIANTS:
        f = fits[v]
        for n in names:
            e = f.parameters[n] if n in f.parameters else f.derived[n]
            out.append((v, n, e, estimate_status(e, f.warnings), *extra(v, n, e)))
    return out


def overview(a: Any) -> Section:
    """What was simulated and how: conditions, enzyme, noise and the designs (from the metadata)."""
    from mgkinetics.report.speciation_plot import plot_vs_total_mg

    tables = {stem: ak.read_dataset(p) for stem, p in _paths(a).items()}
    first = next(iter(tables.values())).metadata
    rows = tuple(
        (stem, t.metadata.get("title", ""), len(t), t.metadata.get("varied", ""))
        for stem, t in tables.items()
    )
    table = Table(
        "designs", "the built-in datasets (SIMULATED)", ("dataset", "design", "rows", "varied"), rows
    )
    cond = first.get("conditions", {})
    fig = partial(
        plot_vs_total_mg,
        np.geomspace(0.02, 10, 80),
        akdesign.ATP_FOR_MG_TITRATION_MM,
        fixed_totals_mM={"AMP": akdesign.AMP_FIXED_MM, "PEP": akdesign.PEP_MM},
        **cond,
    )
    ctx = {
        "meta": first,
        "cond": cond,
        "atp": akdesign.ATP_FOR_MG_TITRATION_MM,
        "amp": akdesign.AMP_FIXED_MM,
        "pep": akdesign.PEP_MM,
    }
    figure = FigureSpec("speciation_mg_titration", _say("speciation_caption", **ctx), make=fig)
    return _section(a, "Data and conditions", "overview", ctx, (table,), (figure,))


def _design_figure(fits: dict[str, Any], path: Path, stem: str) -> Any:
    """The joint bi-bi fits of both variants on the rows of one design."""
    d = akdesign.DESIGNS[stem]
    problems, _, _ = build_problems(
        ak.read_dataset(path), "ak_random_bibi", group="variant", weights=ak.WEIGHTS
    )
    views = [_view(fits[v], problems, v) for v in VARIANTS]  # the file read once for both
    return plot_fits(
        views, list(VARIANTS), x=d.x, per_enzyme=True, log_x=True, log_y=None, title=f"SIMULATED — {d.title}"
    )


def bibi_joint(a: Any) -> Section:
    """``ak_random_bibi`` on all designs of each variant: the headline kcat and the truth check."""
    paths = _paths(a)
    fits = ak.fit_bibi_joint(paths)
    grid = paths["ak_bibi_grid"]
    truth = ak.truth_from_metadata(grid)
    line, numbers = ak.headline(fits, ak.temperature_of(grid))

    def truth_cols(v, n, e):
        t = truth[v][n]
        inside = e.ci_low is not None and e.ci_high is not None and e.ci_low <= t <= e.ci_high
        return (t, 100.0 * (e.value - t) / t, inside)

    check = estimate_table(
        "truth_check",
        "ak_random_bibi joint fit of all designs vs the simulation truth",
        ("variant", "parameter"),
        _entries(fits, ak.BIBI, truth_cols),
        extra=("true", "error_percent", "true_inside_ci"),
    )
    joint = estimate_table(
        "bibi_joint",
        "ak_random_bibi, all five designs per variant, Kd(MgATP) fitted",
        ("variant", "parameter"),
        _entries(
            fits,
            ak.BIBI + ("kcat_over_km_mgatp",),
            lambda v, n, e: (fits[v].statistics.n, fits[v].statistics.redchi),
        ),
        extra=("n", "reduced_chi2"),
    )
    figures = [
        FigureSpec(
            stem.removeprefix("ak_"),
            _say("design_caption", design=akdesign.DESIGNS[stem]),
            make=partial(_design_figure, fits, paths[stem], stem),
        )
        for stem in ("ak_mgatp_saturation", "ak_amp_saturation", "ak_mg_titration", "ak_bibi_grid")
    ]
    ctx = {"fits": fits, "truth": truth, "n": numbers, "rows": check.records(), "variants": VARIANTS}
    return _section(
        a, "Headline: the joint bi-bi fit", "bibi_text", ctx, (check, joint), tuple(figures), headline=line
    )


def apparent_mm(a: Any) -> Section:
    """``mgatp_mm`` on the MgATP series: apparent kcat and KM, with what the truth implies."""
    from mgkinetics.speciation.constants import apparent_kd

    path = _paths(a)["ak_mgatp_saturation"]
    coll = ak.fit_apparent_mm(path)
    fits = {v: coll[v] for v in VARIANTS}
    truth = ak.truth_from_metadata(path)
    kd_amp = float(apparent_kd("MgAMP", **akdesign.CONDITIONS))
    b = akdesign.AMP_FIXED_MM / (1.0 + akdesign.FREE_MG_MM / kd_amp)  # free AMP at fixed free Mg

    def expected(v, n, e):
        t = truth[v]
        kcat = t["kcat"] * b / (t["km_amp"] + b)
        km = (t["kia_mgatp"] * t["km_amp"] + t["km_mgatp"] * b * (1.0 + b / t["ki_amp"])) / (t["km_amp"] + b)
        return ({"kcat": kcat, "km": km}[n],)

    table = estimate_table(
        "apparent_mm",
        "mgatp_mm on the MgATP series (1 mM AMP): apparent kcat and KM",
        ("variant", "parameter"),
        _entries(fits, ("kcat", "km"), expected),
        extra=("expected_apparent",),
    )
    fig = partial(
        plot_fits,
        [fits[v] for v in VARIANTS],
        list(VARIANTS),
        per_enzyme=True,
        log_x=True,
        log_y=None,
        title="SIMULATED — mgatp_mm on the MgATP series",
    )
    ctx = {
        "fits": fits,
        "rows": table.records(),
        "free_amp": b,
        "amp": akdesign.AMP_FIXED_MM,
        "free_mg": akdesign.FREE_MG_MM,
    }
    figure = FigureSpec("apparent_mm", _say("apparent_caption", **ctx), make=fig)
    return _section(a, "Apparent kcat and KM(MgATP)", "apparent_text", ctx, (table,), (figure,))


def mg_titration(a: Any) -> Section:
    """``mgatp_mm`` fitted globally to the Mg titration and the 1:1 series, Kd(MgATP) shared."""
    paths = _paths(a)
    globals_ = ak.fit_mg_titration(paths["ak_fixed_ratio"], paths["ak_mg_titration"])
    truth = ak.truth_from_metadata(paths["ak_mg_titration"])
    entries = []
    for v in VARIANTS:
        g = globals_[v]
        for key, e in g.parameters.items():
            if not e.fixed:
                true = truth[v]["kd_mgatp"] if key == "kd_mgatp" else None
                entries.append((v, key, e, estimate_status(e, g.warnings), true))
    table = estimate_table(
        "mg_titration",
        "mgatp_mm global fit: Mg titration + 1:1 series, Kd(MgATP) shared",
        ("variant", "parameter"),
        entries,
        extra=("true",),
    )
    fig = partial(
        plot_fits,
        [globals_[v]["mg_titration"] for v in VARIANTS],
        list(VARIANTS),
        per_enzyme=True,
        log_x=True,
        log_y=None,
        title="SIMULATED — Mg titration (global mgatp_mm fit)",
    )
    ctx = {"g": globals_, "truth": truth, "variants": VARIANTS}
    figure = FigureSpec("mg_titration_global", _say("titration_caption", **ctx), make=fig)
    return _section(a, "Kd(MgATP) from the Mg titration", "titration_text", ctx, (table,), (figure,))


def _fixed_ratio_figure(naive: Any, mgmm: Any) -> Any:
    """mgatp_mm fits of the 1:1 series, with the naive Michaelis–Menten curves on total ATP dashed."""
    fits = [mgmm[v] for v in VARIANTS]
    fig = plot_fits(
        fits,
        [f"{v} mgatp_mm" for v in VARIANTS],
        per_enzyme=True,
        log_x=True,
        log_y=None,
        title="SIMULATED — 1:1 Mg:ATP series",
    )
    ax = fig.axes[0]
    for i, v in enumerate(VARIANTS):
        f = mgmm[v]
        xs = np.geomspace(f.data["atp_total"].min(), f.data["atp_total"].max(), 120)
        enzyme = np.full_like(xs, float(naive[v].data["enzyme"][0]))  # in the naive fit's own unit
        yn = naive[v].predict(substrate=xs, enzyme=enzyme)
        ax.plot(xs, per_enzyme(naive[v], yn, enzyme), "--", color=f"C{i}", lw=1, label=f"{v} MM on total ATP")
    ax.legend(fontsize=7, frameon=False)
    return fig


def fixed_ratio(a: Any) -> Section:
    """The 1:1 Mg:ATP series: Michaelis–Menten on total ATP (the artefact) beside ``mgatp_mm``."""
    naive, mgmm = ak.fit_fixed_ratio(_paths(a)["ak_fixed_ratio"])
    entries = []
    for label, coll in (("michaelis_menten_kcat on total ATP", naive), ("mgatp_mm (speciated MgATP)", mgmm)):
        for v in VARIANTS:
            f = coll[v]
            for n in ("kcat", "km"):
                e = f.parameters[n]
                status = estimate_status(e, f.warnings) or ("" if f.success else "did not converge")
                entries.append((v, label, n, e, status))
    table = estimate_table(
        "fixed_ratio",
        "1:1 Mg:ATP series: naive fit on total ATP vs mgatp_mm",
        ("variant", "fit", "parameter"),
        entries,
    )
    ctx = {"naive": naive, "mgmm": mgmm, "variants": VARIANTS, "rows": table.records()}
    figure = FigureSpec(
        "fixed_ratio", _say("fixed_caption", **ctx), make=partial(_fixed_ratio_figure, naive, mgmm)
    )
    return _section(a, "The 1:1 Mg:ATP artefact", "fixed_text", ctx, (table,), (figure,))
