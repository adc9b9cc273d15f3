"""Figures of any result: fits, collections, global fits, comparisons, batch summaries.

Every function returns a matplotlib Figure (made with pyplot, so it shows in notebooks and with
``plt.show()``; the library never chooses matplotlib's backend). A fit figure shows the data
(every replicate, and mean ± SD where a level has replicates), the fitted curve with its
confidence band (``band="prediction"`` for the band of a new measurement, ``"none"`` for none),
a residual panel, and both axes with quantity and unit; ``log_x=True`` for a logarithmic x axis.
``per_enzyme=True`` plots v/[E] in s⁻¹ (the default for comparisons, when the law has an enzyme
input). ``view="lineweaver_burk" | "hanes_woolf" | "eadie_hofstee"`` draws a linearisation with
the nonlinear fit mapped into it, labelled as a diagnostic (parameters never come from it).
The band is the delta method of :func:`mgkinetics.stats.bands.bands`.

Examples
--------
>>> import numpy as np, mgkinetics as mgk
>>> s = np.array([0.02, 0.02, 0.06, 0.11, 0.22, 0.56, 1.1])
>>> res = mgk.fit({"s_mM": s, "rate_uM_per_min": 200 * s / (0.06 + s) * (1 + 0.02 * np.cos(9 * s))},
...               "michaelis_menten")
>>> fig = plot_fit(res)
>>> fig.axes[0].get_ylabel(), fig.axes[1].get_xlabel()
('rate (µM/min)', 'substrate concentration (mM)')
>>> import matplotlib.pyplot as plt; plt.close(fig)
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np

from mgkinetics.errors import FitError
from mgkinetics.report import curves
from mgkinetics.report.layout import fit_margins
from mgkinetics.report.numbers import pretty_unit
from mgkinetics.report.palette import fit_marker, series_colors
from mgkinetics.report.ticks import log_scale

__all__ = ["plot_fit", "plot_fits", "plot_global", "plot_comparison", "plot_ratios", "plot_batch"]

# the summaries of comparisons and batches live in their own module; offered here too
from mgkinetics.report.summary_figures import plot_batch, plot_ratios  # noqa: E402

DIAGNOSTIC_NOTE = "diagnostic only: the line is the nonlinear fit mapped into this view"


def _pyplot():
    import matplotlib.pyplot as plt  # the caller's backend, whatever it is

    return plt


def _panels(ncols: int, residuals: bool, width: float = 5.2):
    plt = _pyplot()
    rows = 2 if residuals else 1
    fig, axes = plt.subplots(
        rows,
        ncols,
        figsize=(width * ncols, 4.6 if residuals else 3.6),
        sharex="col",
        squeeze=False,
        gridspec_kw={"height_ratios": [3, 1]} if residuals else None,
    )
    return fig, axes


def _rate_label(result: Any, per_enzyme: bool) -> str:
    return "v/[E] (s⁻¹)" if per_enzyme else f"rate ({pretty_unit(result.rate_unit.label)})"


def _wants_per_enzyme(fits: Sequence[Any], per_enzyme: bool | None) -> bool:
    has = all("enzyme" in f.law.input_names and "enzyme" in f.data for f in fits)
    if per_enzyme and not has:
        raise FitError("per_enzyme needs an enzyme input; this law has none (give --enzyme / enzyme=)")
    return has if per_enzyme is None else bool(per_enzyme)


def _draw_one(ax, rax, result, *, xname, colors, marker, label, log_x, band, per_enzyme, level):
    """Points, replicate means, curve and band on ``ax``; residuals on ``rax`` (may be None).

    ``colors``: one per series of this fit (distinct across the figure); ``marker``: the fit's.
    """
    x_all = result.data[xname]
    rate = result.data["rate"]
    fitted = result.predict(**{n: result.data[n] for n in result.law.input_names if n in result.data})
    y_all = curves.per_enzyme(result, rate, result.data["enzyme"]) if per_enzyme else rate
    several = curves.series_of(result, xname)
    for k, series in enumerate(several):
        rows = series.rows
        tag = f"{label}, {series.label}" if label and series.label else (label or series.label)
        c = colors[k]
        ax.plot(
            x_all[rows],
            y_all[rows],
            marker,
            ls="none",
            ms=3.5,
            color=c,
            alpha=0.55,
            mec="none",
            label=None if len(several) > 1 else (f"{tag} data" if tag else "data"),
        )
        first, mean, sd = curves.replicate_means(result, rows, y_all)
        if first.size:
            ax.errorbar(x_all[first], mean, yerr=sd, fmt="none", ecolor=c, elinewidth=0.9, capsize=2)
        curve = curves.fitted_curve(result, series, xname, log_x=log_x, band=band, level=level)
        scale = (
            curves.per_enzyme(result, np.ones_like(curve.x), curve.inputs["enzyme"])
            if per_enzyme
            else np.ones_like(curve.x)
        )
        ax.plot(
            curve.x,
            curve.y * scale,
            "-",
            color=c,
            lw=1.4,
            label=tag if len(several) > 1 else (f"{tag} fit" if tag else "fit"),
        )
        if curve.low is not None:
            ax.fill_between(curve.x, curve.low * scale, curve.high * scale, color=c, alpha=0.18, lw=0)
        if rax is not None:
            relative = result.weighting.startswith("relative")
            with np.errstate(divide="ignore", invalid="ignore"):
                res = (
                    100 * (rate[rows] - fitted[rows]) / fitted[rows]
                    if relative
                    else rate[rows] - fitted[rows]
                )
            rax.plot(x_all[rows], res, marker, ls="none", ms=3, color=c, alpha=0.7, mec="none")
    if rax is not None:
        rax.axhline(0, color="0.5", lw=0.8)
        rax.set_ylabel(
            "residual (% of fit)"
            if result.weighting.startswith("relative")
            else f"residual ({pretty_unit(result.rate_unit.label)})"
        )
        rax.set_xlabel(curves.axis_label(result, xname))
    else:
        ax.set_xlabel(curves.axis_label(result, xname))
    ax.set_ylabel(_rate_label(result, per_enzyme))
    if log_x:
        log_scale(ax.xaxis)


def _band_note(band: str, level: float) -> str:
    return {"none": "", "prediction": f"{level:.0%} prediction band"}.get(
        band, f"{level:.0%} confidence band"
    )


def _level(result: Any, level: float | None) -> float:
    return level if level is not None else next(iter(result.parameters.values())).ci_level


def _finish(fig, ax, title: str, note: str) -> None:
    handles, _ = ax.get_legend_handles_labels()
    if len(handles) > 6:  # many series: beside the axes, not over the data
        fig.set_figwidth(fig.get_figwidth() + 2.6)
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    elif handles:
        ax.legend(fontsize=7, frameon=False)
    if title:
        ax.set_title(title, fontsize=9, y=1.0)  # y given: no search for ticks above the axes
    if note:
        fig.text(0.99, 0.005, note, ha="right", va="bottom", fontsize=6.5, color="0.35")
    fit_margins(fig, rect=(0, 0.03 if note else 0, 1, 1))


def _title(result: Any) -> str:
    group = ", ".join(f"{v}" for v in result.group.values())
    return f"{result.law.name}" + (f" — {group}" if group else "")


def plot_fit(result: Any, **options: Any) -> Any:
    """Figure of a :class:`~mgkinetics.FitResult` (a collection goes to :func:`plot_fits`).

    Parameters
    ----------
    result : FitResult or FitCollection
    x : str, optional
        Law input on the x axis (default: the varied input with most levels).
    log_x : bool
        Logarithmic x axis.
    band : {"confidence", "prediction", "none"}
    per_enzyme : bool or None
        Plot v/[E] in s⁻¹ (None: when the law has an enzyme input).
    residuals : bool
        Add the residual panel.
    view : {"fit", "lineweaver_burk", "hanes_woolf", "eadie_hofstee"}
    level : float, optional
        Band coverage (default: the fit's CI level).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    unknown = [key for key in options if key not in _PLOT_FIT_OPTIONS]
    if unknown:
        raise TypeError(f"plot_fit() got an unexpected keyword argument '{unknown[0]}'")
    if hasattr(result, "fits") and not hasattr(result, "ratios"):
        return plot_fits(list(result.fits), **options)
    if options.get("title") is None:
        options["title"] = _title(result)
    return plot_fits([result], [""], **options)


def plot_fits(
    fits: Sequence[Any],
    labels: Sequence[str] | None = None,
    *,
    x: str | None = None,
    log_x: bool = False,
    band: str = "confidence",
    per_enzyme: bool | None = False,
    residuals: bool = True,
    view: str = "fit",
    level: float | None = None,
    title: str | None = None,
    log_y: bool | None = False,
) -> Any:
    """Several fits of one law on one pair of axes (one colour each); arguments as :func:`plot_fit`.

    ``log_y=None`` chooses a logarithmic rate axis when the fits' largest rates differ more than
    20-fold (variants that would otherwise sit on the floor of a linear axis).
    """
    fits = list(fits)
    if not fits:
        raise FitError("nothing to plot: no fits")
    if band not in ("confidence", "prediction", "none"):
        raise FitError(f"band='{band}': choose confidence, prediction or none")
    labels = list(labels) if labels is not None else [", ".join(map(str, f.group.values())) for f in fits]
    norm = _wants_per_enzyme(fits, per_enzyme)
    lv = _level(fits[0], level)
    if view != "fit":
        return _diagnostic(fits, labels, x=x, view=view, per_enzyme=norm)
    xname = curves.choose_x(fits[0], x)
    fig, axes = _panels(1, residuals)
    ax, rax = axes[0, 0], (axes[1, 0] if residuals else None)
    counts = [len(curves.series_of(f, xname)) for f in fits]
    palette, offset = series_colors(sum(counts)), 0
    kw = {"xname": xname, "log_x": log_x, "band": band, "per_enzyme": norm, "level": lv}  # as plot_global's
    for i, (f, label) in enumerate(zip(fits, labels)):
        colors = palette[offset : offset + counts[i]]
        _draw_one(ax, rax, f, colors=colors, marker=fit_marker(i), label=label, **kw)
        offset += counts[i]
    if log_y or (log_y is None and _spread(fits, norm) > 20):
        log_scale(ax.yaxis)
    _finish(
        fig,
        ax,
        title if title is not None else fits[0].law.name,
        "; ".join(t for t in (_band_note(band, lv), "replicates: mean ± SD") if t),
    )
    return fig


#: The keywords of :func:`plot_fit`: those of :func:`plot_fits`, with their defaults, but ``log_y``.
_PLOT_FIT_OPTIONS = {
    name: p for name, p in inspect.signature(plot_fits).parameters.items() if p.kind is p.KEYWORD_ONLY
}
del _PLOT_FIT_OPTIONS["log_y"]
plot_fit.__signature__ = inspect.signature(plot_fit).replace(
    parameters=[inspect.signature(plot_fit).parameters["result"], *_PLOT_FIT_OPTIONS.values()]
)


def _spread(fits: Sequence[Any], norm: bool) -> float:
    tops = [
        float(np.nanmax(curves.per_enzyme(f, f.data["rate"], f.data["enzyme"]) if norm else f.data["rate"]))
        for f in fits
    ]
    tops = [t for t in tops if t > 0]
    return max(tops) / min(tops) if tops else 1.0


def _diagnostic(fits, labels, *, x, view, per_enzyme):
    if view not in curves.DIAGNOSTICS:
        curves.diagnostic_transform(view, np.ones(1), np.ones(1))  # raises, naming the views
    name, xt, yt = curves.DIAGNOSTICS[view]
    fig, axes = _panels(1, False)
    ax = axes[0, 0]
    xname = curves.choose_x(fits[0], x)
    for i, (f, label, c) in enumerate(zip(fits, labels, series_colors(len(fits)))):
        rate = f.data["rate"]
        v = curves.per_enzyme(f, rate, f.data["enzyme"]) if per_enzyme else rate
        px, py = curves.diagnostic_transform(view, f.data[xname], v)
        ax.plot(
            px,
            py,
            fit_marker(i),
            ls="none",
            ms=3.5,
            color=c,
            alpha=0.6,
            mec="none",
            label=f"{label} data".strip(),
        )
        for series in curves.series_of(f, xname):
            curve = curves.fitted_curve(f, series, xname, band="none")
            yv = curve.y * (
                curves.per_enzyme(f, np.ones_like(curve.x), curve.inputs["enzyme"]) if per_enzyme else 1.0
            )
            cx, cy = curves.diagnostic_transform(view, curve.x, yv)
            ax.plot(cx, cy, "-", color=c, lw=1.2)
    xu = fits[0].input_units[xname].label if xname in fits[0].input_units else ""
    vu = "s⁻¹" if per_enzyme else pretty_unit(fits[0].rate_unit.label)
    ax.set_xlabel(curves.diagnostic_axis_label(xt, "[S]", pretty_unit(xu), vu))
    ax.set_ylabel(curves.diagnostic_axis_label(yt, "[S]", pretty_unit(xu), vu))
    ax.text(
        0.99,
        0.02,
        f"[S] = {curves.axis_label(fits[0], xname)}",
        transform=ax.transAxes,
        ha="right",
        fontsize=7,
        color="0.3",
    )
    _finish(fig, ax, f"{name} (diagnostic)", DIAGNOSTIC_NOTE)
    return fig


def plot_global(
    result: Any,
    *,
    log_x: bool = False,
    band: str = "confidence",
    residuals: bool = True,
    level: float | None = None,
) -> Any:
    """A :class:`~mgkinetics.GlobalFitResult`: one column per data set, the shared fit in each."""
    fig, axes = _panels(len(result.parts), residuals, width=4.4)
    lv = _level(result, level)
    palette = iter(series_colors(sum(len(curves.series_of(p, curves.choose_x(p))) for p in result.parts)))
    kw = {"marker": "o", "label": "", "log_x": log_x, "band": band, "per_enzyme": False, "level": lv}
    for j, (label, part) in enumerate(zip(result.labels, result.parts)):
        ax, rax = axes[0, j], (axes[1, j] if residuals else None)
        xname = curves.choose_x(part)
        _draw_one(
            ax, rax, part, xname=xname, colors=[next(palette) for _ in curves.series_of(part, xname)], **kw
        )
        ax.set_title(f"{label} ({part.law.name})", fontsize=9, y=1.0)
    shared = ", ".join(result.shared) or "none"
    heading = fig.suptitle(f"global fit, shared: {shared}", fontsize=10)
    fit_margins(fig, rect=(0, 0.03, 1, 1), suptitle=heading)
    fig.text(0.99, 0.005, _band_note(band, lv), ha="right", va="bottom", fontsize=6.5, color="0.35")
    return fig


def plot_comparison(
    comparison: Any,
    *,
    per_enzyme: bool | None = None,
    log_x: bool = False,
    band: str = "confidence",
    residuals: bool = True,
    view: str = "fit",
) -> Any:
    """The variants of a :class:`~mgkinetics.Comparison` on one axes, v/[E] when the law has [E]."""
    names = list(comparison.fits)
    return plot_fits(
        [comparison.fits[n] for n in names],
        names,
        per_enzyme=per_enzyme,
        log_x=log_x,
        band=band,
        residuals=residuals,
        view=view,
        log_y=None,
        title=f"{comparison.fits[names[0]].law.name}: variants vs {comparison.reference}",
    )
