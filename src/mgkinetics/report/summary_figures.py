"""Summary figures: ratios of a comparison with their CIs, and batch fits per curve.

Both return a matplotlib Figure made with pyplot (the caller's backend); they are also offered
by :mod:`mgkinetics.report.figures`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mgkinetics.report.layout import fit_margins
from mgkinetics.report.numbers import format_ci, format_value, pretty_unit
from mgkinetics.report.ticks import log_scale

__all__ = ["quantity_words", "plot_ratios", "plot_batch"]


def _pyplot():
    import matplotlib.pyplot as plt  # the caller's backend, whatever it is

    return plt


def quantity_words(law: Any, name: str) -> str:
    """A parameter's description for tick labels ('turnover number (kcat)')."""
    spec = next((p for p in law.params if p.name == name), None)
    text = spec.description if spec is not None else ""
    if not text:
        d = next((d for d in law.derived if d.name == name), None)
        text = getattr(d, "description", "") if d is not None else ""
    import textwrap

    text = text.split(" (")[0].split(" at the reference")[0]
    return f"{textwrap.fill(text, 18)}\n({name})" if text else name


def plot_ratios(comparison: Any, variant: str | None = None) -> Any:
    """Ratios variant/reference with their CIs on a log axis; ticks are the quantities in words."""
    plt = _pyplot()
    variant = variant or next(iter(comparison.ratios))
    # limits of a variant without activity are not plotted (they are in the tables and the text)
    ratios = {n: r for n, r in comparison.ratios[variant].items() if r.status == "estimated"}
    names = list(ratios)
    law = comparison.fits[comparison.reference].law
    fig, ax = plt.subplots(figsize=(1.35 * len(names) + 2.2, 4.2))
    for i, n in enumerate(names):
        r = ratios[n]
        lo = r.ci_low if r.ci_low is not None else r.value
        hi = r.ci_high if r.ci_high is not None else r.value
        ax.plot([i, i], [lo, hi], "-", color="C3", lw=2.2, solid_capstyle="butt", zorder=2)
        ax.plot([i - 0.12, i + 0.12], [lo, lo], "-", color="C3", lw=1.2, zorder=2)
        ax.plot([i - 0.12, i + 0.12], [hi, hi], "-", color="C3", lw=1.2, zorder=2)
        ax.plot(i, r.value, "o", ms=5, mfc="white", mec="C3", mew=1.5, zorder=3)
        se = r.value * r.stderr_log if r.stderr_log else None
        ax.annotate(
            f"{format_value(r.value, se)}\n{format_ci(r.ci_low, r.ci_high, se, value=r.value)}",
            (i, hi),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    ax.axhline(1.0, color="0.5", lw=0.8, ls="--")
    log_scale(ax.yaxis)
    ax.margins(y=0.25)
    _plain_log_ticks(ax)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_xticks(np.arange(len(names)), [quantity_words(law, n) for n in names], fontsize=7.5)
    level = next(iter(ratios.values())).ci_level if ratios else 0.95
    ax.set_ylabel(f"{variant} / {comparison.reference} ({level:.0%} CI)")
    ax.set_title(f"{variant} relative to {comparison.reference}", fontsize=9, y=1.0)
    fit_margins(fig)
    return fig


def _plain_log_ticks(ax) -> None:
    """Log-axis ticks as plain numbers (0.5, 1, 2), the minor ones labelled too on a short axis."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    lo, hi = ax.get_ylim()
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain if hi / lo < 30 else NullFormatter())


def plot_batch(result: Any, names: Sequence[str] | None = None) -> Any:
    """A :class:`~mgkinetics.BatchResult`: each fitted parameter per curve with its CI (a
    histogram when there are more than 60 curves); failed curves are counted in the title."""
    plt = _pyplot()
    chosen = list(names) if names else [n for n in result.names if n not in result.fixed]
    fig, axes = plt.subplots(1, len(chosen), figsize=(3.6 * len(chosen), 3.4), squeeze=False)
    ok = np.asarray(result.success, dtype=bool)
    for ax, name in zip(axes[0], chosen):
        j = result.names.index(name)
        unit = pretty_unit(result.units.get(name, ""))
        v = result.values[ok, j]
        if len(result) > 60:
            ax.hist(v[np.isfinite(v)], bins=30, color="C0", alpha=0.8)
            ax.set_xlabel(f"{name} ({unit})")
            ax.set_ylabel("curves")
        else:
            idx = np.arange(len(result))[ok]
            lo, hi = result.ci_low[ok, j], result.ci_high[ok, j]
            ax.errorbar(
                idx,
                v,
                yerr=[v - lo, hi - v],
                fmt="o",
                ms=3.5,
                color="C0",
                ecolor="0.4",
                elinewidth=0.9,
                capsize=2,
            )
            ax.set_xticks(np.arange(len(result)), [str(c) for c in result.curves], rotation=90, fontsize=6)
            ax.set_xlabel(result.curve)
            ax.set_ylabel(f"{name} ({unit})")
    n_bad = int((~ok).sum())
    heading = fig.suptitle(
        f"{result.law}: {len(result)} curves, {n_bad} failed ({result.ci_level:.0%} CI)", fontsize=10
    )
    fit_margins(fig, suptitle=heading)
    return fig
