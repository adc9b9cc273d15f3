"""Margins of a grid figure from its labels, at a fraction of the cost of ``Figure.tight_layout``.

:func:`fit_margins` gives a figure made with ``plt.subplots`` (one grid, any number of rows and
columns) the margins and gaps its decorations need: each axis' tick labels and label, each
title, each legend, and the figure's title, measured once with the figure's own renderer,
plus the padding ``tight_layout`` leaves (``pad`` times the font size, between the decorations
and the figure's edges and between neighbouring panels). ``tight_layout`` measures the same
things but through every artist's bounding box and more than once (a fitted curve of a few
hundred points, a band, every data series), which made it about a third of the time spent on a
report's figures. The measured text extents are cached by matplotlib, so the drawing that
follows reuses them.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> fig, axes = plt.subplots(2, 2, figsize=(6, 4))
>>> for ax in axes.flat:
...     _ = ax.set_xlabel("total ATP (mM)"); _ = ax.set_ylabel("v/[E] (s⁻¹)")
>>> fit_margins(fig)
>>> r = fig.canvas.get_renderer()
>>> boxes = [b for ax in axes.flat for b in (ax.xaxis.get_tightbbox(r), ax.yaxis.get_tightbbox(r))]
>>> all(b.x0 >= 0 and b.y0 >= 0 and b.x1 <= fig.bbox.x1 and b.y1 <= fig.bbox.y1 for b in boxes)
True
>>> bool(axes[0, 1].yaxis.get_tightbbox(r).x0 > axes[0, 0].bbox.x1)  # clear of the left panel
True
>>> bool(axes[0, 0].xaxis.get_tightbbox(r).y0 > axes[1, 0].bbox.y1)  # clear of the panel below
True
>>> plt.close(fig)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Extents", "decoration_extents", "fit_margins"]


@dataclass(frozen=True)
class Extents:
    """How far (pixels) an axes' decorations reach beyond its box on each side."""

    left: float
    bottom: float
    right: float
    top: float


def decoration_extents(ax: Any, renderer: Any) -> Extents:
    """The reach of ``ax``'s tick labels, axis labels, title and legend beyond its box.

    The axis labels are placed as matplotlib places them when it draws (beside the tick labels);
    the title where ``set_title`` puts it; a legend where it is anchored.
    """
    box = ax.bbox
    parts = [ax.xaxis.get_tightbbox(renderer), ax.yaxis.get_tightbbox(renderer)]
    if ax.title.get_text():
        parts.append(ax.title.get_window_extent(renderer))
    legend = ax.get_legend()
    if legend is not None and legend.get_visible():
        parts.append(legend.get_window_extent(renderer))
    parts = [b for b in parts if b is not None and b.width > 0 and b.height > 0]
    return Extents(
        left=max([box.x0 - b.x0 for b in parts], default=0.0),
        bottom=max([box.y0 - b.y0 for b in parts], default=0.0),
        right=max([b.x1 - box.x1 for b in parts], default=0.0),
        top=max([b.y1 - box.y1 for b in parts], default=0.0),
    )


def _gap_fraction(gap_px: float, total_px: float, n: int) -> float:
    """``wspace``/``hspace`` for a gap of ``gap_px`` between ``n`` cells filling ``total_px``."""
    if n < 2:
        return 0.0
    cell = (total_px - (n - 1) * gap_px) / n
    return gap_px / cell if cell > 0 else 0.2


def fit_margins(
    fig: Any,
    *,
    rect: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    pad: float = 1.08,
    suptitle: Any = None,
) -> None:
    """Set ``fig``'s subplot margins and gaps so that every decoration fits inside ``rect``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Its axes on one grid (as ``plt.subplots`` makes them), each in one cell.
    rect : (left, bottom, right, top)
        The part of the figure (fractions) the panels and their decorations may use.
    pad : float
        Padding around and between the panels, in units of the font size (as ``tight_layout``).
    suptitle : matplotlib.text.Text, optional
        The figure's title (what ``fig.suptitle`` returned): room is left for it above the panels.
    """
    import matplotlib

    axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_subplotspec() is not None]
    if not axes:
        return
    nrows, ncols = axes[0].get_subplotspec().get_gridspec().get_geometry()
    renderer = fig.canvas.get_renderer()
    pad_px = pad * matplotlib.rcParams["font.size"] * fig.dpi / 72.0
    width, height = fig.bbox.width, fig.bbox.height
    left = [0.0] * ncols
    right = [0.0] * ncols
    top = [0.0] * nrows
    bottom = [0.0] * nrows
    for ax in axes:
        spec, e = ax.get_subplotspec(), decoration_extents(ax, renderer)
        row, col = spec.rowspan.start, spec.colspan.start
        row_end, col_end = spec.rowspan.stop - 1, spec.colspan.stop - 1
        left[col], right[col_end] = max(left[col], e.left), max(right[col_end], e.right)
        top[row], bottom[row_end] = max(top[row], e.top), max(bottom[row_end], e.bottom)
    lift = suptitle.get_window_extent(renderer).height + pad_px if suptitle is not None else 0.0
    x0 = rect[0] + (left[0] + pad_px) / width
    x1 = rect[2] - (right[-1] + pad_px) / width
    y0 = rect[1] + (bottom[-1] + pad_px) / height
    y1 = rect[3] - (top[0] + pad_px + lift) / height
    wgap = max([right[j] + left[j + 1] for j in range(ncols - 1)], default=0.0) + pad_px
    hgap = max([bottom[i] + top[i + 1] for i in range(nrows - 1)], default=0.0) + pad_px
    fig.subplots_adjust(
        left=x0,
        right=x1,
        bottom=y0,
        top=y1,
        wspace=_gap_fraction(wgap, (x1 - x0) * width, ncols),
        hspace=_gap_fraction(hgap, (y1 - y0) * height, nrows),
    )
