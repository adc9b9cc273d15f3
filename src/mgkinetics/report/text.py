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
from mgkinetics.report.display import collection_text, fit_text, global_text
from mgkinetics.report.numbers import fmt

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
        (["source"] if several else [])
        + group_cols
        + list(CSV_FIELDS)
        + ["success", "n", "rss", "aicc", "weighting", "warning_codes", "ci_low_status", "ci_high_status"]
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
                        f.weighting,
                        ";".join(str(getattr(w, "code", None) or "note") for w in f.warnings),
                        e.ci_low_status,
                        e.ci_high_status,
                    ]
                )
    return out.getvalue()


def fit_to_text(f: FitResult) -> str:
    """A human-readable table of one fit (the text of ``print(fit)``)."""
    return fit_text(f)


def fits_to_text(result: FitResult | FitCollection) -> str:
    """Every fit's table, separated by blank lines, then rows no group took."""
    return collection_text(as_collection(result))


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
    return global_text(result)
