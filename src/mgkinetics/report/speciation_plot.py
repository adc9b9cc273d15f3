"""Plots of metal–ligand species fractions (matplotlib imported lazily; the caller's backend)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mgkinetics.errors import SpeciationError
from mgkinetics.report.layout import fit_margins
from mgkinetics.report.ticks import log_scale
from mgkinetics.speciation.species import speciate

__all__ = ["plot_fractions", "plot_vs_total_atp", "plot_vs_total_mg", "plot_around"]


def plot_fractions(
    vary: str,
    values_mM: Any,
    fixed_totals_mM: Mapping[str, float],
    *,
    ligand: str = "ATP",
    path: str | Path | None = None,
    ax: Any = None,
    **conditions: Any,
) -> Any:
    """Fractions of ``ligand`` free and in each complex, and free metal, vs one total.

    Parameters
    ----------
    vary : str
        Species whose total is on the x axis ("Mg" or "ATP" ...).
    values_mM : array_like
        Its totals (mM), > 0; the axis is logarithmic.
    fixed_totals_mM : mapping
        The other totals (mM).
    ligand : str
        Ligand whose fractions are drawn.
    path : str or Path, optional
        Save the figure here as well.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    **conditions
        ``ph``, ``temperature_C``, ``ionic_strength_M``, ``kd_mM``, ``table``, ``include``
        as for :func:`mgkinetics.speciation.species.speciate`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_fractions("Mg", np.geomspace(0.01, 10, 20), {"ATP": 1.0})
    >>> fig.axes[0].get_xlabel()
    'total Mg (mM)'
    """
    import matplotlib.pyplot as plt

    x = np.asarray(values_mM, dtype=float)
    if x.ndim != 1 or x.size == 0 or np.any(x <= 0):
        raise SpeciationError("values_mM must be a non-empty 1-D array of positive totals")
    totals = {k: np.full_like(x, v, dtype=float) for k, v in fixed_totals_mM.items()}
    totals[vary] = x
    if ligand not in totals:
        raise SpeciationError(f"ligand '{ligand}' is not among the totals")
    res = speciate(totals, **conditions)
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(6, 4))
    else:
        fig = ax.figure
    lig_total = np.where(totals[ligand] > 0, totals[ligand], np.nan)
    ax.plot(x, res.free[ligand] / lig_total, label=f"free {ligand}")
    for name, c in res.constants.items():
        if c.ligand == ligand:
            ax.plot(x, res.complexes[name] / lig_total, label=name)
    for metal in (
        n
        for n in res.free
        if n in totals and n != ligand and any(c.metal == n for c in res.constants.values())
    ):
        m_total = np.where(totals[metal] > 0, totals[metal], np.nan)
        ax.plot(x, res.free[metal] / m_total, "--", label=f"free {metal} / total {metal}")
    log_scale(ax.xaxis)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"total {vary} (mM)")
    ax.set_ylabel("fraction")
    fixed = ", ".join(f"{k} {v:g} mM" for k, v in fixed_totals_mM.items())
    ax.set_title(
        f"{fixed}; pH {conditions.get('ph', 7.5):g}, "
        f"{conditions.get('temperature_C', 25.0):g} °C, "
        f"I {conditions.get('ionic_strength_M', 0.15):g} M",
        fontsize=9,
        y=1.0,
    )
    ax.legend(fontsize=8)
    if own:
        fit_margins(fig)
    else:  # the caller's figure, whatever its layout
        fig.tight_layout()
    if path is not None:
        from mgkinetics.report.savefig import save_figure

        save_figure(fig, path, close=False)
    return fig


def plot_vs_total_mg(mg_total_mM: Any, atp_total_mM: float = 1.0, **kwargs: Any) -> Any:
    """ATP species fractions vs total Mg at fixed total ATP (see :func:`plot_fractions`).

    Examples
    --------
    >>> plot_vs_total_mg(np.geomspace(0.01, 10, 5)).axes[0].get_xscale()
    'log'
    """
    others = kwargs.pop("fixed_totals_mM", {})
    return plot_fractions("Mg", mg_total_mM, {"ATP": atp_total_mM, **others}, **kwargs)


def plot_vs_total_atp(atp_total_mM: Any, mg_total_mM: float = 1.0, **kwargs: Any) -> Any:
    """ATP species fractions vs total ATP at fixed total Mg (see :func:`plot_fractions`).

    Examples
    --------
    >>> plot_vs_total_atp(np.geomspace(0.005, 5, 5)).axes[0].get_xlabel()
    'total ATP (mM)'
    """
    others = kwargs.pop("fixed_totals_mM", {})
    return plot_fractions("ATP", atp_total_mM, {"Mg": mg_total_mM, **others}, **kwargs)


def plot_around(
    totals_mM: Mapping[str, float], vary: str = "Mg", *, span: float = 100.0, **conditions: Any
) -> Any:
    """Fractions vs total ``vary`` from its value / ``span`` to × 10, the given mixture marked.

    The ligand drawn is ATP when present, else the first other total.

    Examples
    --------
    >>> fig = plot_around({"Mg": 2.0, "ATP": 1.0})
    >>> fig.axes[0].get_xlabel()
    'total Mg (mM)'
    """
    if vary not in totals_mM or totals_mM[vary] <= 0:
        raise SpeciationError(f"give a positive total {vary} to plot around (e.g. --total {vary}=2mM)")
    others = {k: float(v) for k, v in totals_mM.items() if k != vary}
    if not others:
        raise SpeciationError(f"give a ligand besides {vary} (e.g. --total ATP=1mM)")
    ligand = "ATP" if "ATP" in others else next(iter(others))
    centre = float(totals_mM[vary])
    fig = plot_fractions(
        vary, np.geomspace(centre / span, centre * 10, 120), others, ligand=ligand, **conditions
    )
    fig.axes[0].axvline(centre, color="0.4", lw=0.8, ls=":")
    return fig
