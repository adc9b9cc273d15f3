"""A :class:`~mgkinetics.stats.compare.Comparison` as deterministic text and JSON."""

from __future__ import annotations

import json

from mgkinetics.report.text import fit_to_text, fmt
from mgkinetics.stats.compare import Comparison

__all__ = ["to_text", "to_json"]


def to_json(comparison: Comparison) -> str:
    """The JSON contract of `mgkinetics compare`."""
    return json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _ci(low, high) -> str:
    return f"[{fmt(low, 4)}, {fmt(high, 4)}]"


def to_text(comparison: Comparison) -> str:
    """Per-variant fits, then ratios, ΔΔG‡ and the shared-vs-separate tests as tables."""
    c = comparison
    parts = [fit_to_text(f) for f in c.fits.values()]
    lines = [f"ratios (variant / {c.reference}, 95% CI):"]
    for variant, ratios in c.ratios.items():
        for name, r in ratios.items():
            lines.append(f"  {variant:<10} {name:<16} {fmt(r.value, 4):>10}  {_ci(r.ci_low, r.ci_high)}")
    lines.append(f"ddG‡ = RT·ln(k_{c.reference} / k_variant) at {c.temperature_C:g} °C "
                 f"({c.temperature_source}), kcal/mol:")
    for variant, table in c.ddg.items():
        for name, d in table.items():
            lines.append(f"  {variant:<10} {name:<16} {fmt(d.value, 4):>10} ± {fmt(d.stderr, 3)}  "
                         f"{_ci(d.ci_low, d.ci_high)}")
    lines.append("shared vs separate (extra-sum-of-squares F test; dAICc = shared - separate):")
    for t in c.tests:
        lines.append(f"  {t.variant:<10} {t.parameter:<12} F = {fmt(t.f, 4):>8}  p = {fmt(t.p, 3):>8}  "
                     f"dAICc = {fmt(t.delta_aicc, 4):>8}  -> {t.preferred}")
    if c.shared_fit is not None:
        g = c.shared_fit
        lines.append(f"joint fit with shared {', '.join(g.shared)}:")
        for name, e in g.parameters.items():
            lines.append(f"  {name:<24} {fmt(e.value):>12} ± {fmt(e.stderr, 4):<10} {e.unit.label}")
        s = g.statistics
        lines.append(f"  n = {s.n}, dof = {s.dof}, RSS = {fmt(s.rss)}, AICc = {fmt(s.aicc)}")
    if c.unassigned:
        lines.append(f"rows in no variant (empty '{c.by}'):")
        lines += [f"  line {e.line}: {e.reason}" for e in c.unassigned]
    return "\n".join(parts) + "\n" + "\n".join(lines) + "\n"
