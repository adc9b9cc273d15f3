"""A :class:`~mgkinetics.BatchResult` as text and notebook HTML: a summary, then the first curves.

Each parameter is summarised over the successful curves (status ``converged`` or ``at_bound``) by
its median and interquartile range; the head counts the curves of each status, and the first rows
show every curve's estimates rounded to their SE and its status (a ``not_bounded`` curve shows its
initial slope, e.g. ``vmax_over_km``, where the others show a dash).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from mgkinetics.report.display import table_html, text_table
from mgkinetics.report.numbers import format_pm, format_value, pretty_unit

__all__ = ["SHOWN_ROWS", "batch_summary_rows", "batch_rows", "batch_text", "batch_html", "status_counts"]

#: Curves listed by ``print`` and the notebook (the table has them all).
SHOWN_ROWS = 10


def _free(result: Any) -> list[str]:
    return [n for n in result.names if n not in result.fixed]


def batch_summary_rows(result: Any) -> list[list[str]]:
    """Header + per parameter: median and interquartile range over the successful curves (a
    quantity only some curves have, such as the initial slope of not_bounded curves, over those)."""
    ok = np.asarray(result.success, dtype=bool)
    rows = [["parameter", "median", "interquartile range", "unit", "curves"]]
    for name in _free(result):
        col = result.values[:, result.names.index(name)]
        v = col[ok & np.isfinite(col)]
        if v.size == 0:
            v = col[np.isfinite(col)]
        if v.size:
            q1, med, q3 = np.percentile(v, [25, 50, 75])
            rows.append(
                [
                    name,
                    format_value(med),
                    f"{format_value(q1)} – {format_value(q3)}",
                    pretty_unit(result.units.get(name, "")),
                    str(v.size),
                ]
            )
    return rows


def batch_rows(result: Any, limit: int | None = SHOWN_ROWS) -> list[list[str]]:
    """Header + one row per curve (the first ``limit``): value ± SE of each parameter, status."""
    names = _free(result)
    rows = [[result.curve] + [f"{n} ({pretty_unit(result.units.get(n, ''))})" for n in names] + ["status"]]
    count = len(result) if limit is None else min(limit, len(result))
    for i in range(count):
        cells = [
            format_pm(result.values[i, result.names.index(n)], result.stderr[i, result.names.index(n)])
            for n in names
        ]
        status = str(result.status[i])
        if result.warnings[i]:
            status += ": " + "; ".join(result.warnings[i])
        rows.append([str(result.curves[i])] + cells + [status])
    return rows


def status_counts(result: Any) -> str:
    """``"8 converged, 1 not_bounded, 1 failed"``: curves per status, in the order of
    :data:`mgkinetics.errors.STATUSES` (statuses without curves left out)."""
    from mgkinetics.errors import STATUSES

    status = np.asarray(result.status, dtype=object)
    counts = [(s, int(np.count_nonzero(status == s))) for s in STATUSES]
    return ", ".join(f"{n} {s}" for s, n in counts if n) or "no curves"


def _head(result: Any) -> str:
    excl = len(result.excluded) + len(result.unassigned)
    return (
        f"{result.law} fitted to {len(result)} curves ('{result.curve}'): {status_counts(result)}; "
        f"{excl} rows excluded; weighting: {result.weighting}; {result.ci_level:.0%} CI (asymptotic)"
    )


def batch_text(result: Any) -> str:
    """The summary, then the first curves."""
    lines = [_head(result), *text_table(batch_summary_rows(result))]
    if len(result):
        shown = min(SHOWN_ROWS, len(result))
        lines.append(f"first {shown} of {len(result)} curves:")
        lines += text_table(batch_rows(result))
    return "\n".join(lines) + "\n"


def batch_html(result: Any) -> str:
    """The summary and the first curves as HTML tables."""
    return (
        f'<div class="mgk-batch"><p>{html.escape(_head(result))}</p>'
        + table_html(batch_summary_rows(result), "over successful curves")
        + table_html(batch_rows(result), f"first {min(SHOWN_ROWS, len(result))} curves")
        + "</div>"
    )
