"""The analyses a report spec can ask for (``compare``, ``fit``, ``global``), each turned into a
:class:`~mgkinetics.report.model.Section` of tables, figures and templated words.

An application adds its own kinds as ``module:function`` names in the spec; such a function
takes the :class:`~mgkinetics.report.spec.Analysis` and returns a Section (see
:mod:`mgkinetics.ak.sections`).
"""

from __future__ import annotations

import importlib
from functools import partial
from pathlib import Path
from typing import Any

from mgkinetics.errors import DataFormatError, Problem
from mgkinetics.report import compare_text
from mgkinetics.report.display import estimate_status, shown_warnings
from mgkinetics.report.model import FigureSpec, Section, Table, estimate_table
from mgkinetics.report.prose import paragraphs, words
from mgkinetics.report.spec import Analysis

__all__ = ["run_analysis", "fit_options", "fit_entries", "comparison_tables"]


def fit_options(a: Analysis) -> dict[str, Any]:
    """The keywords of :func:`mgkinetics.fit` / :func:`mgkinetics.compare` an analysis sets."""
    out: dict[str, Any] = {"weights": a.weights}
    for key in ("enzyme", "x"):
        if getattr(a, key):
            out[key] = getattr(a, key)
    if a.init:
        out["init"] = dict(a.init)
    if a.fix:
        out["fix"] = dict(a.fix)
    return out


def _intervals(a: Analysis) -> dict[str, Any]:
    return {"ci": a.ci, "n_bootstrap": a.n_bootstrap, "seed": a.seed}


def _has_column(path: Path, column: str) -> bool:
    import mgkinetics as mgk

    return column in mgk.read_csv(path).columns


def fit_entries(fits: list[tuple[str, Any]]) -> list[tuple]:
    """``(label, parameter, Estimate, status)`` for every parameter and derived quantity."""
    out = []
    for label, f in fits:
        for e in [*f.parameters.values(), *f.derived.values()]:
            out.append((label, e.name, e, estimate_status(e, f.warnings)))
    return out


def _fit_table(name: str, title: str, fits: list[tuple[str, Any]], label: str = "data set") -> Table:
    return estimate_table(name, title, (label, "parameter"), fit_entries(fits))


def _run_fit(a: Analysis) -> Section:
    import mgkinetics as mgk

    fits: list[tuple[str, Any]] = []
    for path in a.data:
        group = a.by if _has_column(path, a.by) else None
        res = mgk.fit(path, a.law, group=group, **fit_options(a), **_intervals(a))
        for f in getattr(res, "fits", (res,)):
            tag = ", ".join(map(str, f.group.values()))
            fits.append((f"{path.stem}: {tag}" if tag and len(a.data) > 1 else tag or path.stem, f))
    from mgkinetics.report.figures import plot_fits

    ctx = {"a": a, "fits": fits}
    fig = partial(plot_fits, [f for _, f in fits], [lab for lab, _ in fits], per_enzyme=None, log_x=a.log_x)
    return Section(
        a.name,
        a.title or a.name,
        paragraphs("fit.j2", "text", **ctx),
        (_fit_table(f"{a.name}_estimates", f"{a.law}: estimates", fits),),
        (FigureSpec(f"{a.name}_fits", words("fit.j2", "caption", **ctx), make=fig),),
        notes=tuple(w for _, f in fits for w in shown_warnings(f.warnings)),
    )


def _limit_columns(c: Any) -> tuple[str, ...]:
    """``("status", "limit")`` when a variant (or the reference) has no activity: each ratio's and
    ΔΔG‡'s status and one-sided limit, full precision; else none (the tables keep their columns)."""
    dead = any(
        r.status != "estimated" for table in (c.ratios, c.ddg) for rs in table.values() for r in rs.values()
    )
    return ("status", "limit") if dead else ()


#: Comparison attribute -> its per-variant table's first columns (variant, entry key, value) and
#: the entry fields they hold (the value's first).
_PER_VARIANT_COLUMNS = {
    "ratios": (
        ("variant", "quantity", "ratio"),
        ("value", "ci_low", "ci_high", "ci_level", "ci_method", "stderr_log"),
    ),
    "ddg": (
        ("variant", "basis", "ddg_kcal_per_mol"),
        ("value", "stderr", "ci_low", "ci_high", "temperature_C", "ci_method"),
    ),
}


def _per_variant_tables(name: str, c: Any) -> list[Table]:
    """The ratios table of a Comparison and, when it has any, its ΔΔG‡ table: one row per
    (variant, entry), the status and limit columns added when a variant has no activity."""
    limits = _limit_columns(c)
    kinds = [("ratios", f"ratios to {c.reference}", compare_text.ratio_rows)]
    if any(c.ddg.values()):
        title = f"ΔΔG‡ = RT·ln(k({c.reference})/k(variant)) at {c.temperature_C:g} °C"
        kinds.append(("ddg", title, compare_text.ddg_rows))
    tables = []
    for attr, title, rounded_rows in kinds:
        first_columns, fields = _PER_VARIANT_COLUMNS[attr]
        fields = fields + limits
        cells = rounded_rows(c)
        entries = [(v, q, r) for v, rs in getattr(c, attr).items() for q, r in rs.items()]
        rows = tuple((v, q, *(getattr(r, f) for f in fields)) for v, q, r in entries)
        tables.append(
            Table(
                f"{name}_{attr}",
                title,
                first_columns + fields[1:],
                rows,
                tuple(cells[0]),
                tuple(tuple(r) for r in cells[1:]),
            )
        )
    return tables


def comparison_tables(name: str, c: Any) -> tuple[Table, ...]:
    """Estimates of every variant, ratios, ΔΔG‡ and sharing tests of a Comparison (raw + rounded)."""
    tables = [_fit_table(f"{name}_estimates", "estimates of each variant", list(c.fits.items()), "variant")]
    tables += _per_variant_tables(name, c)
    if c.tests:
        test_cells = compare_text.test_rows(c)
        tables.append(
            Table(
                f"{name}_sharing_tests",
                "shared vs separate: extra-sum-of-squares F test and ΔAICc",
                (
                    "variant",
                    "parameter",
                    "F",
                    "p",
                    "df_num",
                    "df_den",
                    "delta_aicc",
                    "shared_value",
                    "preferred",
                ),
                tuple(
                    (
                        t.variant,
                        t.parameter,
                        t.f,
                        t.p,
                        t.df_num,
                        t.df_den,
                        t.delta_aicc,
                        t.shared_value,
                        t.preferred,
                    )
                    for t in c.tests
                ),
                tuple(test_cells[0]),
                tuple(tuple(r) for r in test_cells[1:]),
            )
        )
    return tuple(tables)


def _x_label(fit: Any) -> str:
    from mgkinetics.report.curves import axis_label, choose_x

    return axis_label(fit, choose_x(fit))


def _run_compare(a: Analysis) -> Section:
    import mgkinetics as mgk
    from mgkinetics.report.figures import plot_comparison, plot_ratios

    data = [str(p) for p in a.data]
    c = mgk.compare(
        data if len(data) > 1 else data[0],
        a.law,
        by=a.by,
        reference=a.reference,
        shared=list(a.shared),
        test=list(a.test) if a.test is not None else None,
        **fit_options(a),
        **_intervals(a),
    )
    ctx = {
        "a": a,
        "c": c,
        "law": next(iter(c.fits.values())).law,
        "per_enzyme": all("enzyme" in f.law.input_names for f in c.fits.values()),
        "xlabel": _x_label(next(iter(c.fits.values()))),
    }
    figs = [
        FigureSpec(
            f"{a.name}_curves",
            words("compare.j2", "caption_curves", **ctx),
            make=partial(plot_comparison, c, log_x=a.log_x),
        )
    ]
    figs += [
        FigureSpec(
            f"{a.name}_ratios_{v}",
            words("compare.j2", "caption_ratios", variant=v, **ctx),
            make=partial(plot_ratios, c, v),
        )
        for v in c.ratios
        # no ratio the data determine (a variant or reference without activity: limits only): no figure
        if any(r.status == "estimated" for r in c.ratios[v].values())
    ]
    tables = list(comparison_tables(a.name, c))
    if c.shared_fit is not None:
        shared = c.shared_fit
        tables.append(
            _global_table(f"{a.name}_shared_fit", f"joint fit, shared {', '.join(shared.shared)}", shared)
        )
    notes = [f"{v}: {w}" for v, f in c.fits.items() for w in shown_warnings(f.warnings)]
    return Section(
        a.name,
        a.title or a.name,
        paragraphs("compare.j2", "text", **ctx),
        tuple(tables),
        tuple(figs),
        notes=tuple(notes),
    )


def _global_table(name: str, title: str, g: Any) -> Table:
    """The estimates of a global fit; with data sets without activity, an ``upper_limit`` column
    holding each one's Vmax (kcat) limit at full precision."""
    from mgkinetics.fitting.globalfit_active import rate_limits

    limits = rate_limits(g)
    return estimate_table(
        name,
        title,
        ("parameter",),
        [
            (k, e, estimate_status(e, g.warnings), *([limits.get(k)] if limits else []))
            for k, e in g.parameters.items()
        ],
        ("upper_limit",) if limits else (),
    )


def _run_global(a: Analysis) -> Section:
    import mgkinetics as mgk

    group = a.by if all(_has_column(p, a.by) for p in a.data) else None
    g = mgk.fit_shared([str(p) for p in a.data], a.law, list(a.shared), group=group, **fit_options(a))
    ctx = {"a": a, "g": g}
    table = _global_table(f"{a.name}_estimates", f"{a.law}: global fit", g)
    return Section(
        a.name,
        a.title or a.name,
        paragraphs("global.j2", "text", **ctx),
        (table,),
        (
            FigureSpec(
                f"{a.name}_fits", words("global.j2", "caption", **ctx), make=partial(g.plot, log_x=a.log_x)
            ),
        ),
        notes=tuple(shown_warnings(g.warnings)),
    )


_KINDS = {"fit": _run_fit, "compare": _run_compare, "global": _run_global}


def run_analysis(a: Analysis) -> Section:
    """Run one analysis of a spec: a built-in kind, or an application's ``module:function``."""
    if a.kind in _KINDS:
        return _KINDS[a.kind](a)
    module, _, function = a.kind.partition(":")
    try:
        target = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError):
        raise DataFormatError(
            a.name, [Problem(None, "kind", f"'{a.kind}' is not an importable module:function")]
        ) from None
    return target(a)
