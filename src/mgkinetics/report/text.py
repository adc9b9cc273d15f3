"""Results as deterministic text, JSON and CSV.

The same input always gives the same bytes: fixed float formats, rows in declaration order, no
timestamps. The command line writes what these functions return; analysis scripts can use them
directly.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable

from mgkinetics.fitting.results import Estimate, FitCollection, FitResult

__all__ = [
    "merge_collections",
    "global_to_text",
    "global_to_json",
    "fmt",
    "fits_to_json",
    "fits_to_csv",
    "fits_to_text",
    "laws_to_text",
    "as_collection",
]


def fmt(x: float | None, digits: int = 5) -> str:
    """A number with ``digits`` significant digits, or ``-`` for a missing one.

    Examples
    --------
    >>> fmt(0.000123456), fmt(None), fmt(330.0)
    ('0.00012346', '-', '330')
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}g}"


def as_collection(result: FitResult | FitCollection) -> FitCollection:
    """Wrap a single fit so every output path handles one shape."""
    if isinstance(result, FitCollection):
        return result
    return FitCollection((result,), (), source=result.source)


def fits_to_json(result: FitResult | FitCollection) -> str:
    """The JSON contract ``{"fits": [...]}``, indented, keys in a fixed order."""
    return json.dumps(as_collection(result).to_dict(), indent=2, ensure_ascii=False) + "\n"


CSV_FIELDS = ("law", "kind", "name", "value", "stderr", "ci_low", "ci_high", "unit", "fixed", "ci_method")


def _num(x) -> str:
    return "" if x is None or (isinstance(x, float) and not math.isfinite(x)) else repr(float(x))


def fits_to_csv(result: FitResult | FitCollection) -> str:
    """One row per parameter and derived quantity of every fit, group columns first."""
    coll = as_collection(result)
    group_cols = list(dict.fromkeys(k for f in coll for k in f.group))
    several = len({f.source for f in coll}) > 1  # several files: say which row came from which
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        (["source"] if several else []) + group_cols + list(CSV_FIELDS) + ["success", "n", "rss", "aicc"]
    )
    for f in coll:
        tables: Iterable[tuple[str, dict[str, Estimate]]] = (
            ("parameter", f.parameters),
            ("derived", f.derived),
        )
        for kind, table in tables:
            for e in table.values():
                writer.writerow(
                    ([f.source] if several else [])
                    + [f.group.get(g, "") for g in group_cols]
                    + [
                        f.law.name,
                        kind,
                        e.name,
                        _num(e.value),
                        _num(e.stderr),
                        _num(e.ci_low),
                        _num(e.ci_high),
                        e.unit.label,
                        str(e.fixed).lower(),
                        e.ci_method,
                        str(f.success).lower(),
                        f.statistics.n,
                        _num(f.statistics.rss),
                        _num(f.statistics.aicc),
                    ]
                )
    return out.getvalue()


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def _ci(e: Estimate) -> str:
    if e.fixed:
        return "(fixed)"
    if e.ci_low is None and e.ci_high is None:
        return "-"
    low = fmt(e.ci_low) if e.ci_low is not None else "?"
    high = fmt(e.ci_high) if e.ci_high is not None else "?"
    return f"[{low}, {high}]"


def fit_to_text(f: FitResult) -> str:
    """A human-readable table of one fit."""
    title = f"{f.law.name} fit of {f.source}" if f.source else f"{f.law.name} fit"
    if f.group:
        title += "  [" + ", ".join(f"{k}={v}" for k, v in f.group.items()) + "]"
    lines = [title, f"  {f.law.formula}"]
    level = next(iter(f.parameters.values())).ci_level if f.parameters else 0.95
    rows = [["parameter", "value", "std. error", f"{level:.0%} CI", "unit"]]
    for table in (f.parameters, f.derived):
        for e in table.values():
            rows.append([e.name, fmt(e.value), fmt(e.stderr), _ci(e), e.unit.label])
    lines += _table(rows)
    s = f.statistics
    lines.append(
        f"  n = {s.n}, dof = {s.dof}, RSS = {fmt(s.rss)}, reduced chi2 = {fmt(s.redchi)}, "
        f"R2 = {fmt(s.r2, 6)}, AICc = {fmt(s.aicc)}, BIC = {fmt(s.bic)}"
    )
    lines.append(f"  weighting: {f.weighting}")
    cols = ", ".join(f"{k} <- {v}" for k, v in f.columns.items())
    lines.append(f"  columns: {cols}")
    lines.append(f"  converged: {'yes' if f.success else 'NO'} ({f.message})")
    lines.append(f"  rows: {len(f.rows.used)} used, {len(f.rows.excluded)} excluded")
    for e in f.rows.excluded:
        lines.append(f"    line {e.line}: {e.reason}")
    for w in f.warnings:
        lines.append(f"  warning: {w}")
    for table in (f.parameters, f.derived):
        lines += [f"  note on {e.name}: {e.note}" for e in table.values() if e.note]
    diag = f.diagnostics or {}
    for p in diag.get("outliers", {}).get("points", []):
        lines.append(
            f"  possible outlier: line {p['line']} (robust t = {p['robust_t']:.3g}, "
            f"p = {p['p_value']:.2g}; ROUT-like, Q = 1%; --outliers exclude to refit without it)"
        )
    hint = diag.get("weighting", {}).get("hint")
    if hint:
        lines.append(f"  hint: {hint}")
    return "\n".join(lines) + "\n"


def fits_to_text(result: FitResult | FitCollection) -> str:
    """Every fit's table, separated by blank lines, then rows no group took."""
    coll = as_collection(result)
    parts = [fit_to_text(f) for f in coll]
    if coll.unassigned:
        parts.append(
            "rows in no group:\n" + "".join(f"  line {e.line}: {e.reason}\n" for e in coll.unassigned)
        )
    return "\n".join(parts)


def laws_to_text(laws) -> str:
    """The registry as text: name, formula, inputs and parameters with their unit roles."""
    blocks = []
    for law in laws:
        lines = [f"{law.name}: {law.description}", f"  {law.formula}"]
        lines.append("  inputs: " + ", ".join(f"{i.name} ({i.description})" for i in law.inputs))
        params = []
        for p in law.params:
            unit = {"rate": "rate unit", "1/time": "1/time of rate", "1": "dimensionless"}.get(
                p.unit, f"unit of {p.unit}"
            )
            fixed = ", fixed by default" if not p.vary else ""
            params.append(f"{p.name} ({p.description}; {unit}{fixed})")
        lines.append("  parameters: " + "; ".join(params))
        if law.derived:
            lines.append("  derived: " + ", ".join(f"{d.name} [{d.unit}]" for d in law.derived))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def merge_collections(results) -> FitCollection:
    """Several fits or collections (one per file) as one collection, in order."""
    fits: list[FitResult] = []
    unassigned = []
    for r in results:
        coll = as_collection(r)
        fits.extend(coll.fits)
        unassigned.extend(coll.unassigned)
    sources = " + ".join(dict.fromkeys(as_collection(r).source for r in results))
    return FitCollection(tuple(fits), tuple(unassigned), source=sources)


def global_to_json(result) -> str:
    """A :class:`~mgkinetics.fitting.globalfit.GlobalFitResult` as indented JSON."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def global_to_text(result) -> str:
    """A global fit: shared and per-set parameters, joint statistics, each set's rows."""
    lines = [f"global fit of {len(result.parts)} data sets, shared: {', '.join(result.shared) or 'none'}"]
    law_names = sorted({p.law.name for p in result.parts})
    lines.append(f"  law{'s' if len(law_names) > 1 else ''}: {', '.join(law_names)}")
    level = next(iter(result.parameters.values())).ci_level if result.parameters else 0.95
    rows = [["parameter", "value", "std. error", f"{level:.0%} CI", "unit"]]
    for e in result.parameters.values():
        rows.append([e.name, fmt(e.value), fmt(e.stderr), _ci(e), e.unit.label])
    lines += _table(rows)
    s = result.statistics
    lines.append(
        f"  n = {s.n}, dof = {s.dof}, RSS = {fmt(s.rss)}, reduced chi2 = {fmt(s.redchi)}, "
        f"R2 = {fmt(s.r2, 6)}, AICc = {fmt(s.aicc)}, BIC = {fmt(s.bic)}"
    )
    lines.append(f"  converged: {'yes' if result.success else 'NO'} ({result.message})")
    for label, part in zip(result.labels, result.parts):
        lines.append(
            f"  {label}: {len(part.rows.used)} rows used, {len(part.rows.excluded)} excluded ({part.source})"
        )
        for e in part.rows.excluded:
            lines.append(f"    line {e.line}: {e.reason}")
    for w in result.warnings:
        lines.append(f"  warning: {w}")
    if result.unassigned:
        lines.append("  rows in no data set (empty group cell):")
        lines += [f"    line {e.line}: {e.reason}" for e in result.unassigned]
    return "\n".join(lines) + "\n"
