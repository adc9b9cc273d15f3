"""Results for people: the text of ``print(result)`` and the HTML of a notebook cell.

Every value is rounded to its standard error (:mod:`mgkinetics.report.numbers`); every interval
says its level and method; each fit says its weighting, the conditions its parameters refer to,
its status and its warnings. The command line prints the same text (``mgkinetics fit``).

Examples
--------
>>> import numpy as np, mgkinetics as mgk
>>> s = np.array([0.02, 0.06, 0.11, 0.22, 0.56, 1.1])
>>> res = mgk.fit({"s_mM": s, "rate_uM_per_min": 200 * s / (0.06 + s) * (1 + 0.03 * np.cos(9 * s))},
...               "michaelis_menten")
>>> print(estimate_text(res.parameters["km"]))
0.0552 ± 0.0024 mM
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from mgkinetics.errors import warning_code
from mgkinetics.report.numbers import format_ci, format_pm, format_value

__all__ = [
    "estimate_text",
    "estimate_status",
    "shown_warnings",
    "estimate_repr",
    "estimate_html",
    "text_table",
    "fit_text",
    "fit_html",
    "collection_text",
    "collection_html",
    "global_text",
    "global_html",
    "conditions_text",
    "statistics_text",
    "table_html",
]


def _unit(e: Any) -> str:
    # the library's own label (uM/s, 1/s), the one --units and column suffixes accept
    label = e.unit.label if hasattr(e.unit, "label") else str(e.unit)
    return "" if label in ("1", "") else label


def estimate_text(e: Any) -> str:
    """``0.0641 ± 0.0083 mM``; a fixed value says so; no SE: the value alone."""
    if e.fixed:
        return f"{format_value(e.value)} {_unit(e)} (fixed)".replace("  ", " ")
    return format_pm(e.value, e.stderr, _unit(e))


#: Codes of the per-parameter warnings that a no-activity verdict makes noise (folded into it in text).
_FOLDED = ("at_bound", "poorly_determined", "beyond_data", "correlated", "zero_width", "singular_covariance")


def _details(w: Any) -> Mapping[str, Any]:
    return getattr(w, "details", None) or {}


def _named(w: Any) -> set[str]:
    """The parameter keys a coded warning is about (``parameter`` or ``parameters``)."""
    d = _details(w)
    return set(d.get("parameters", ())) | ({d["parameter"]} if "parameter" in d else set())


def _dead_sets(warnings: Sequence[str]) -> list[Any]:
    return [w for w in warnings if warning_code(w) == "no_activity"]


def _folded(w: Any, dead: Sequence[Any]) -> bool:
    """Whether ``w`` is a per-parameter warning about the parameters of a data set without activity
    (all of a single fit's, when the verdict has no parameter list: every rate 0, or a batch)."""
    if warning_code(w) not in _FOLDED:
        return False
    for d in dead:
        keys = set(_details(d).get("parameters", ())) | set(_details(d).get("undetermined", ()))
        if not _details(d).get("label") or not keys:  # a single fit: the verdict covers every parameter
            return True
        if _named(w) and _named(w) <= keys:
            return True
    return False


def shown_warnings(warnings: Sequence[str], status_reason: str = "") -> list[str]:
    """The warnings a reader is shown: those about the parameters of a data set with no activity
    are folded into its one verdict (they stay in the result, with their codes), and the verdict
    itself is not repeated when it is the status reason."""
    dead = _dead_sets(warnings)
    return [
        w
        for w in warnings
        if not _folded(w, dead) and not (warning_code(w) == "no_activity" and str(w) == status_reason)
    ]


def _no_activity_status(e: Any, warnings: Sequence[str]) -> str:
    for d in _dead_sets(warnings):
        det = _details(d)
        if e.name in det.get("parameters", ()):
            level = det.get("level", 0.95)
            return f"not identifiable: no activity ({det['limit_text']}, one-sided {level:.0%})"
        if e.name in det.get("undetermined", ()) or not det.get("label"):
            return "not determined (no activity)"
    return ""


def estimate_status(e: Any, warnings: Sequence[str] = ()) -> str:
    """What the reader must know before using an estimate: '' when nothing.

    ``fixed``; for a data set without activity (a ``no_activity`` warning), ``not identifiable: no
    activity (v ≤ ...)`` for its rate scale and ``not determined (no activity)`` for the others;
    ``not bounded by the data`` when there is no SE, the SE exceeds |value| (a value of 0 too), or
    an interval side is open; ``at a bound`` when an ``at_bound`` warning (by code) names it;
    ``poorly determined`` when the SE exceeds half the value; else the estimate's note.
    """
    import math

    if e.fixed:
        return "fixed"
    dead = _no_activity_status(e, warnings)
    if dead:
        return dead
    se = e.stderr
    if se is None or not math.isfinite(se) or se > abs(e.value):
        return "not bounded by the data"
    if e.ci_low is None or e.ci_high is None:
        words = {"bound": "open at a bound", "open": "not determined"}
        sides = [
            f"{side} limit {words[status]}"
            for side, status in (("lower", e.ci_low_status), ("upper", e.ci_high_status))
            if status in words
        ]
        return f"not bounded by the data ({'; '.join(sides) or 'open interval'})"
    if any(warning_code(w) == "at_bound" and _details(w).get("parameter") == e.name for w in warnings):
        return "at a bound"
    if e.value and se > 0.5 * abs(e.value):
        return "poorly determined (SE > 50% of the value)"
    return e.note


def _ci_head(estimates: Sequence[Any]) -> tuple[str, bool]:
    free = [e for e in estimates if not e.fixed]
    methods = sorted({e.ci_method for e in free})
    level = free[0].ci_level if free else 0.95
    if len(methods) == 1:
        return f"{level:.0%} CI ({methods[0]})", False
    return f"{level:.0%} CI", True


def _ci(e: Any) -> str:
    return "-" if e.fixed else format_ci(e.ci_low, e.ci_high, e.stderr, value=e.value)


def estimate_repr(e: Any) -> str:
    """One line: name, value ± SE unit, the interval with its level and method, any note."""
    tail = "" if e.fixed else f"; {e.ci_level:.0%} CI {_ci(e)} ({e.ci_method})"
    note = f"; {e.note}" if e.note else ""
    return f"<Estimate {e.name} = {estimate_text(e)}{tail}{note}>"


def estimate_html(e: Any) -> str:
    """The notebook HTML of an Estimate: its :func:`estimate_repr` line, escaped."""
    import html

    return f'<span class="mgk-estimate">{html.escape(estimate_repr(e))}</span>'


def text_table(rows: list[list[str]]) -> list[str]:
    """Rows of cells as aligned text lines (two-space indent)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def _estimate_rows(estimates: Sequence[Any], warnings: Sequence[str]) -> list[list[str]]:
    head, per_row = _ci_head(estimates)
    rows = [["parameter", "value ± SE", head] + (["method"] if per_row else []) + ["status"]]
    for e in estimates:
        rows.append(
            [e.name, estimate_text(e), _ci(e)]
            + ([e.ci_method] if per_row else [])
            + [estimate_status(e, warnings)]
        )
    if not any(r[-1] for r in rows[1:]):
        rows = [r[:-1] for r in rows]
    return rows


def statistics_text(s: Any) -> str:
    """``n = 12, dof = 10, RSS = ..., reduced χ² = ..., R² = ..., AICc = ..., BIC = ...``.

    An R² within 1e-12 of 0 is shown as 0: 1 − RSS/SS_tot of a flat fit is 0 up to rounding
    (-8.9×10⁻¹⁶ says nothing a reader can use); JSON and CSV keep the computed value.
    """
    r2 = 0.0 if s.r2 is not None and abs(s.r2) < 1e-12 else s.r2
    return (
        f"n = {s.n}, dof = {s.dof}, RSS = {format_value(s.rss)}, reduced χ² = {format_value(s.redchi)}, "
        f"R² = {format_value(r2)}, AICc = {format_value(s.aicc)}, BIC = {format_value(s.bic)}"
    )


def conditions_text(conditions: Mapping[str, Any]) -> str:
    """``pH 7.5, 25 °C, I 0.15 M (ph from metadata; ...)``; '' for laws without conditions."""
    if not conditions:
        return ""
    parts = []
    if conditions.get("ph") is not None:
        parts.append(f"pH {conditions['ph']:g}")
    if conditions.get("temperature_C") is not None:
        parts.append(f"{conditions['temperature_C']:g} °C")
    if conditions.get("ionic_strength_M") is not None:
        parts.append(f"I {conditions['ionic_strength_M']:g} M")
    text = ", ".join(parts)
    if conditions.get("varies"):
        text += " (vary between rows; these are the reference conditions)"
    if conditions.get("source"):
        text += f" ({conditions['source']})"
    return text


def _title(f: Any) -> str:
    title = f"{f.law.name} fit of {f.source}" if f.source else f"{f.law.name} fit"
    if f.group:
        title += "  [" + ", ".join(f"{k}={v}" for k, v in f.group.items()) + "]"
    return title


def fit_text(f: Any) -> str:
    """A fit as text: estimates, statistics, weighting, conditions, status, rows, warnings."""
    lines = [_title(f), f"  {f.law.formula}"]
    lines += text_table(_estimate_rows([*f.parameters.values(), *f.derived.values()], f.warnings))
    lines.append("  " + statistics_text(f.statistics))
    lines.append(f"  weighting: {f.weighting}")
    cond = conditions_text(f.conditions)
    if cond:
        lines.append(f"  conditions: {cond}")
    lines.append("  columns: " + ", ".join(f"{k} <- {v}" for k, v in f.columns.items()))
    lines.append(f"  status: {f.status} ({f.status_reason})")
    lines.append(f"  rows: {len(f.rows.used)} used, {len(f.rows.excluded)} excluded")
    lines += [f"    line {e.line}: {e.reason}" for e in f.rows.excluded]
    lines += [f"  warning: {w}" for w in shown_warnings(f.warnings, f.status_reason)]
    for e in [*f.parameters.values(), *f.derived.values()]:
        if e.note:
            lines.append(f"  note on {e.name}: {e.note}")
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


def table_html(rows: list[list[str]], caption: str = "", cls: str = "mgk") -> str:
    """Rows of text cells (the first is the header) as an escaped HTML table."""
    esc = html.escape
    out = [f'<table class="{cls}">'] + ([f"<caption>{esc(caption)}</caption>"] if caption else [])
    out.append("<thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in rows[0]) + "</tr></thead><tbody>")
    out += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows[1:]]
    return "".join(out) + "</tbody></table>"


def _facts_html(facts: list[tuple[str, str]]) -> str:
    esc = html.escape
    return (
        '<dl class="mgk">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts if v) + "</dl>"
    )


def fit_html(f: Any) -> str:
    """A fit as HTML for a notebook: the estimate table, then statistics and the rest."""
    rows = _estimate_rows([*f.parameters.values(), *f.derived.values()], f.warnings)
    facts = [
        ("law", f.law.formula),
        ("statistics", statistics_text(f.statistics)),
        ("weighting", f.weighting),
        ("conditions", conditions_text(f.conditions)),
        ("status", f"{f.status} ({f.status_reason})"),
        (
            "rows",
            f"{len(f.rows.used)} used, {len(f.rows.excluded)} excluded"
            + "".join(f"; line {e.line}: {e.reason}" for e in f.rows.excluded),
        ),
    ]
    facts += [("warning", w) for w in shown_warnings(f.warnings, f.status_reason)]
    return f'<div class="mgk-fit">{table_html(rows, _title(f))}{_facts_html(facts)}</div>'


def collection_text(c: Any) -> str:
    """Every fit of a collection, then the rows no group took."""
    parts = [fit_text(f) for f in c]
    if c.unassigned:
        parts.append("rows in no group:\n" + "".join(f"  line {e.line}: {e.reason}\n" for e in c.unassigned))
    return "\n".join(parts)


def collection_html(c: Any) -> str:
    """Every fit of a collection as HTML."""
    extra = "".join(f"<p>line {e.line}: {html.escape(e.reason)}</p>" for e in c.unassigned)
    return "".join(fit_html(f) for f in c) + extra


def global_text(g: Any) -> str:
    """A global fit: joint estimates, statistics, status, each set's rows, warnings."""
    lines = [f"global fit of {len(g.parts)} data sets, shared: {', '.join(g.shared) or 'none'}"]
    names = sorted({p.law.name for p in g.parts})
    lines.append(f"  law{'s' if len(names) > 1 else ''}: {', '.join(names)}")
    lines += text_table(_estimate_rows(list(g.parameters.values()), g.warnings))
    lines.append("  " + statistics_text(g.statistics))
    excluded = _excluded_text(g)
    if excluded:
        lines.append(f"  {excluded}")
    if g.parts:
        lines.append(f"  weighting: {g.parts[0].weighting}")
        cond = conditions_text(g.parts[0].conditions)
        if cond:
            lines.append(f"  conditions: {cond}")
    lines.append(f"  status: {g.status} ({g.status_reason})")
    for label, part in zip(g.labels, g.parts):
        lines.append(
            f"  {label}: {len(part.rows.used)} rows used, {len(part.rows.excluded)} excluded ({part.source})"
        )
        lines += [f"    line {e.line}: {e.reason}" for e in part.rows.excluded]
    lines += [f"  warning: {w}" for w in shown_warnings(g.warnings, g.status_reason)]
    if g.unassigned:
        lines.append("  rows in no data set (empty group cell):")
        lines += [f"    line {e.line}: {e.reason}" for e in g.unassigned]
    return "\n".join(lines) + "\n"


def _excluded_text(g: Any) -> str:
    """The data sets without activity left out of a global fit's shared estimates, and the
    statistics of the fit of the others alone ('' when none was left out)."""
    excluded = getattr(g, "excluded_sets", ())
    active = getattr(g, "active_fit", None)
    if not excluded or active is None:
        return ""
    return (
        f"excluded from the shared estimates (no activity): {', '.join(excluded)}; "
        f"fit of {', '.join(active.labels)} alone: {statistics_text(active.statistics)}"
    )


def global_html(g: Any) -> str:
    """A global fit as HTML."""
    rows = _estimate_rows(list(g.parameters.values()), g.warnings)
    facts = [
        ("statistics", statistics_text(g.statistics)),
        *([("excluded", _excluded_text(g))] if _excluded_text(g) else []),
        ("status", f"{g.status} ({g.status_reason})"),
    ]
    facts += [("warning", w) for w in shown_warnings(g.warnings, g.status_reason)]
    caption = f"global fit of {len(g.parts)} data sets, shared: {', '.join(g.shared) or 'none'}"
    return f'<div class="mgk-fit">{table_html(rows, caption)}{_facts_html(facts)}</div>'
