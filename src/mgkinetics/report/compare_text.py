"""A :class:`~mgkinetics.stats.compare.Comparison` as text (``print``, `mgkinetics compare`), HTML and JSON.

Ratios, ΔΔG‡ and estimates are rounded to their standard errors; every interval names its level
and method; the sharing tests give F, p and ΔAICc.
"""

from __future__ import annotations

import html
import json
from typing import Any

from mgkinetics.report.display import fit_html, fit_text, global_text, table_html, text_table
from mgkinetics.report.numbers import format_ci, format_pm, format_value

__all__ = ["to_text", "to_json", "to_html", "ratio_rows", "ddg_rows", "test_rows", "limit_notes"]


def to_json(comparison: Any) -> str:
    """The JSON contract of `mgkinetics compare` (full precision)."""
    return json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _ratio_se(r: Any) -> float | None:
    return r.value * r.stderr_log if r.stderr_log else None


def _methods(methods: list[str]) -> str:
    """`` (profile, asymptotic)`` after a CI header; nothing for an empty table."""
    return f" ({', '.join(methods)})" if methods else ""


def _known(r: Any) -> bool:
    """A ratio (ΔΔG‡) with a value and interval, not a no-activity limit or "not determined"."""
    return getattr(r, "status", "estimated") == "estimated"


def _limit_cells(r: Any, sign: str) -> list[str]:
    """The value and interval cells of a no-activity ratio (``≤``) or ΔΔG‡ (``≥``)."""
    if r.limit is None:
        return ["not determined", "-"]
    return [f"{sign} {r.limit:.2g}", "one-sided limit (no activity; see below)"]


def limit_notes(c: Any) -> list[str]:
    """``variant: what is known`` for every ratio and ΔΔG‡ of a variant (or reference) without
    activity: a one-sided limit, or why nothing is determined."""
    return [
        f"{v}: {r.note}"
        for table in (c.ratios, c.ddg)
        for v, rs in table.items()
        for r in rs.values()
        if not _known(r)
    ]


def ratio_rows(c: Any) -> list[list[str]]:
    """Header + one row per variant and quantity: ratio and its CI, rounded to the ratio's SE (a
    variant without activity: its one-sided limit, or "not determined")."""
    methods = sorted({r.ci_method for rs in c.ratios.values() for r in rs.values() if _known(r)})
    level = next((r.ci_level for rs in c.ratios.values() for r in rs.values()), 0.95)
    rows = [["variant", "quantity", f"ratio to {c.reference}", f"{level:.0%} CI{_methods(methods)}"]]
    for variant, ratios in c.ratios.items():
        for name, r in ratios.items():
            if not _known(r):
                rows.append([variant, name, *_limit_cells(r, "≤")])
                continue
            se = _ratio_se(r)
            rows.append(
                [variant, name, format_value(r.value, se), format_ci(r.ci_low, r.ci_high, se, value=r.value)]
            )
    return rows


def ddg_rows(c: Any) -> list[list[str]]:
    """Header + one row per variant and basis: ΔΔG‡ ± SE and its CI, kcal/mol."""
    methods = sorted({d.ci_method for ds in c.ddg.values() for d in ds.values() if _known(d)})
    rows = [["variant", "basis", "ΔΔG‡ ± SE (kcal/mol)", f"CI{_methods(methods)}"]]
    for variant, table in c.ddg.items():
        for name, d in table.items():
            if not _known(d):
                rows.append([variant, name, *_limit_cells(d, "≥")])
                continue
            rows.append(
                [
                    variant,
                    name,
                    format_pm(d.value, d.stderr),
                    format_ci(d.ci_low, d.ci_high, d.stderr, value=d.value),
                ]
            )
    return rows


def test_rows(c: Any) -> list[list[str]]:
    """Header + one row per sharing test: F, p, ΔAICc and the preferred model."""
    rows = [["variant", "parameter", "F (df)", "p", "ΔAICc", "preferred"]]
    for t in c.tests:
        rows.append(
            [
                t.variant,
                t.parameter,
                f"{format_value(t.f)} ({t.df_num}, {t.df_den})",
                format_value(t.p),
                format_value(t.delta_aicc),
                t.preferred,
            ]
        )
    return rows


def to_text(comparison: Any) -> str:
    """Per-variant fits, then ratios, ΔΔG‡ and the shared-vs-separate tests as tables."""
    c = comparison
    parts = [fit_text(f) for f in c.fits.values()]
    lines = [f"ratios (variant / {c.reference}):", *text_table(ratio_rows(c))]
    lines += [f"  {note}" for note in limit_notes(c)]
    lines.append(
        f"ddG‡ = RT·ln(k_{c.reference} / k_variant) at {c.temperature_C:g} °C ({c.temperature_source}):"
    )
    lines += text_table(ddg_rows(c)) if any(c.ddg.values()) else ["  (none: the law has no kcat)"]
    lines.append("shared vs separate (extra-sum-of-squares F test; ΔAICc = shared - separate):")
    lines += text_table(test_rows(c)) if c.tests else ["  (no tests)"]
    if c.shared_fit is not None:
        lines.append(f"joint fit with shared {', '.join(c.shared_fit.shared)}:")
        lines += ["  " + line for line in global_text(c.shared_fit).rstrip().splitlines()]
    if c.unassigned:
        lines.append(f"rows in no variant (empty '{c.by}'):")
        lines += [f"  line {e.line}: {e.reason}" for e in c.unassigned]
    return "\n".join(parts) + "\n" + "\n".join(lines) + "\n"


def to_html(comparison: Any) -> str:
    """The comparison as HTML for a notebook."""
    c = comparison
    out = [f"<div class=\"mgk-compare\"><p>variants compared with {c.reference} (by '{c.by}')</p>"]
    out += [fit_html(f) for f in c.fits.values()]
    out.append(table_html(ratio_rows(c), f"ratios (variant / {c.reference})"))
    if any(c.ddg.values()):
        out.append(table_html(ddg_rows(c), f"ΔΔG‡ at {c.temperature_C:g} °C ({c.temperature_source})"))
    out += [f"<p>{html.escape(note)}</p>" for note in limit_notes(c)]
    if c.tests:
        out.append(table_html(test_rows(c), "shared vs separate (F test, ΔAICc)"))
    return "".join(out) + "</div>"
