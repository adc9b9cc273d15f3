"""Figures of fits: data, fitted curve with a 95% confidence band, residuals (matplotlib, lazily).

The band is the delta method: Var ŷ(x) = g(x)ᵀ C g(x), g the central-difference gradient of the
law in the fitted parameters and C ``FitResult.covariance``; half-width t(dof)·√Var (z for
absolute σ). Figures are saved with a fixed dpi and no Software/date metadata so reruns give the
same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["confidence_band", "save_figure", "plot_fit", "report_figures"]

DPI = 100
COLORS = {"WT": "tab:blue", "D84A": "tab:red"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def confidence_band(
    result: Any, inputs: Mapping[str, np.ndarray], *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Fitted curve and its pointwise confidence band at ``inputs`` (the fit's input units).

    A thin adapter over :func:`mgkinetics.stats.bands.bands` (delta method from the fit's covariance).
    Returns ``(y, low, high)``; ``low``/``high`` are None without a covariance.

    Examples
    --------
    >>> import mgkinetics as mgk
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0]); v = 10 * s / (2 + s) * (1 + 0.01 * np.cos(7 * s))
    >>> res = mgk.fit({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten")
    >>> y, lo, hi = confidence_band(res, {"substrate": np.array([1.0, 4.0])})
    >>> bool(np.all(lo < y) and np.all(y < hi))
    True
    """
    from mgkinetics.stats.bands import bands

    arrays = {k: np.asarray(v, dtype=float) for k, v in inputs.items()}
    if result.covariance is None or not result.covariance_names:
        return np.asarray(result.law.evaluate(arrays, dict(result.values)), dtype=float), None, None
    b = bands(result, level=level, **arrays)
    return b["fit"], b["conf_low"], b["conf_high"]


def save_figure(fig: Any, path: str | Path) -> Path:
    """Save as PNG at :data:`DPI` without Software metadata (byte-stable reruns); close the figure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    _pyplot().close(fig)
    return path


def plot_fit(
    ax: Any,
    rax: Any,
    x: np.ndarray,
    rate: np.ndarray,
    fitted: np.ndarray,
    xs: np.ndarray,
    curve: tuple,
    *,
    color: str,
    label: str,
) -> None:
    """One variant on a pair of axes: points, curve, band (``ax``) and % residuals (``rax``)."""
    y, lo, hi = curve
    ax.plot(x, rate, "o", ms=3, color=color, alpha=0.7, label=f"{label} data")
    ax.plot(xs, y, "-", color=color, label=f"{label} fit")
    if lo is not None:
        ax.fill_between(xs, lo, hi, color=color, alpha=0.2, lw=0)
    rax.plot(x, 100 * (rate - fitted) / fitted, "o", ms=3, color=color)
    rax.axhline(0, color="0.5", lw=0.8)


def _design_figure(
    name: str, xkey: str, xlabel: str, fits: Mapping[str, Any], csv: Path, law: str, out: Path
) -> Path:
    from mgkinetics.ak import design as akdesign
    from mgkinetics.fitting.problem import build_problems

    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(9, 5.5), sharex="col", gridspec_kw={"height_ratios": [3, 1]})
    problems, _, _ = build_problems(csv, law, group="variant", weights="relative")
    for col, p in enumerate(sorted(problems, key=lambda q: q.group["variant"] != "WT")):
        v = p.group["variant"]
        res = fits[v]
        x = p.inputs[xkey]
        xs = np.geomspace(x.min(), x.max(), 120)
        inputs = akdesign.law_inputs(akdesign.totals_for(name, xs), float(p.inputs["enzyme"][0]))
        plot_fit(
            axes[0, col],
            axes[1, col],
            x,
            p.rate,
            res.predict(**p.inputs),
            xs,
            confidence_band(res, inputs),
            color=COLORS.get(v, "k"),
            label=v,
        )
        axes[0, col].set_xscale("log")
        axes[0, col].set_title(f"{v}: {akdesign.DESIGNS[name].title}", fontsize=9)
        axes[0, col].set_ylabel("rate (µM/s)")
        axes[0, col].legend(fontsize=8)
        axes[1, col].set_xlabel(xlabel)
        axes[1, col].set_ylabel("residual (%)")
    fig.suptitle(f"SIMULATED data — {law} fit", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out)


def _fixed_ratio_figure(naive: Any, mgmm: Any, out: Path) -> Path:
    from mgkinetics.ak import design as akdesign

    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
    # mgatp_mm was fitted to this design alone: its results carry the rows they used
    for ax, res in zip(axes, sorted(mgmm, key=lambda r: r.group["variant"] != "WT")):
        v, data = res.group["variant"], res.data
        x = data["atp_total"]
        xs = np.geomspace(x.min(), x.max(), 120)
        inputs = akdesign.law_inputs(akdesign.totals_for("ak_fixed_ratio", xs), float(data["enzyme"][0]))
        ax.plot(x, data["rate"], "o", ms=3, color=COLORS.get(v, "k"), alpha=0.7,
                label=f"{v} data (1:1 Mg:ATP)")
        y, lo, hi = confidence_band(res, inputs)
        ax.plot(xs, y, "-", color=COLORS.get(v, "k"), label="mgatp_mm (speciated)")
        ax.fill_between(xs, lo, hi, color=COLORS.get(v, "k"), alpha=0.2, lw=0)
        yn = naive[v].predict(substrate=xs, enzyme=np.full_like(xs, float(data["enzyme"][0])))
        ax.plot(xs, yn, "--", color="0.3", label="MM on total ATP (naive)")
        ax.set_xscale("log")
        ax.set_xlabel("total ATP = total Mg (mM)")
        ax.set_ylabel("rate (µM/s)")
        ax.legend(fontsize=7)
    fig.suptitle("SIMULATED data — fixed 1:1 Mg:ATP design", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out)


def _ratio_figure(comparison: Any, out: Path) -> Path:
    plt = _pyplot()
    rs = comparison.ratios["D84A"]
    names = list(rs)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    vals = np.array([rs[n].value for n in names])
    lo = np.array([rs[n].ci_low for n in names])
    hi = np.array([rs[n].ci_high for n in names])
    ax.errorbar(np.arange(len(names)), vals, yerr=[vals - lo, hi - vals], fmt="o", color="tab:red", capsize=3)
    ax.axhline(1.0, color="0.5", lw=0.8)
    ax.set_yscale("log")
    ax.set_xticks(np.arange(len(names)), names, rotation=30, fontsize=8)
    ax.set_ylabel("D84A / WT (95% CI)")
    ax.set_title("SIMULATED data — WT vs D84A (ak_random_bibi, grid)", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out)


def report_figures(fits: Mapping[str, Any], paths: Mapping[str, Path], out_dir: str | Path) -> list[Path]:
    """The AK report's PNGs (see :func:`mgkinetics.ak.report.build_report`); returns their paths."""
    from mgkinetics.ak import design as akdesign
    from mgkinetics.report.speciation_plot import plot_vs_total_mg

    out = Path(out_dir)
    bibi = fits["bibi"]
    written = [
        _design_figure(
            "ak_mgatp_saturation",
            "atp_total",
            "total ATP (mM), 1 mM free Mg²⁺",
            bibi,
            paths["ak_mgatp_saturation"],
            "ak_random_bibi",
            out / "mgatp_saturation.png",
        ),
        _design_figure(
            "ak_amp_saturation",
            "amp_total",
            "total AMP (mM)",
            bibi,
            paths["ak_amp_saturation"],
            "ak_random_bibi",
            out / "amp_saturation.png",
        ),
        _design_figure(
            "ak_mg_titration",
            "mg_total",
            "total Mg (mM), 0.2 mM ATP",
            bibi,
            paths["ak_mg_titration"],
            "ak_random_bibi",
            out / "mg_titration.png",
        ),
        _fixed_ratio_figure(*fits["fixed_ratio"], out / "fixed_ratio.png"),
        _ratio_figure(fits["comparison"], out / "wt_vs_d84a.png"),
    ]
    fig = plot_vs_total_mg(
        np.geomspace(0.02, 10, 80),
        akdesign.ATP_FOR_MG_TITRATION_MM,
        fixed_totals_mM={"AMP": akdesign.AMP_FIXED_MM, "PEP": akdesign.PEP_MM},
        **akdesign.CONDITIONS,
    )
    written.append(save_figure(fig, out / "speciation_mg_titration.png"))
    return written
