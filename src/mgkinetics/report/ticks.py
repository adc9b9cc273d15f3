"""Logarithmic axes that make only the ticks they show.

matplotlib's :class:`~matplotlib.ticker.LogLocator` returns ticks a decade or two beyond the
axis limits, and the axis builds a tick (two marks, a grid line, two labels) for every one of
them before it drops those outside the view; on the report's log axes that was about half of all
ticks built, and building ticks was the largest part of laying out and drawing a figure.
:class:`InViewLocator` passes on only the ticks inside the view (with a margin, so that a tick on
the limit is still the axis' own decision): the figure drawn is the same.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.plot([0.01, 2.0], [1, 2])
>>> log_scale(ax.xaxis)
>>> locs = ax.xaxis.get_major_locator()()
>>> lo, hi = ax.get_xlim()
>>> bool(all(lo / 1.001 <= x <= hi * 1.001 for x in locs)), len(locs)
(True, 3)
>>> plt.close(fig)
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.ticker import Formatter, Locator

__all__ = [
    "InViewLocator",
    "PlainTextFormatter",
    "UnlabelledAsMarks",
    "MinorMarks",
    "bare_minor_ticks",
    "minor_locations",
    "log_scale",
    "in_view",
    "plain_text",
]

_MARGIN = 1e-3  # of a decade (log axes) or of the axis span (linear ones)


def in_view(locs: Any, vmin: float, vmax: float, *, log: bool) -> np.ndarray:
    """The tick locations ``locs`` within ``[vmin, vmax]`` widened by a small margin.

    Examples
    --------
    >>> in_view([0.01, 0.1, 1, 10, 100], 0.05, 10, log=True).tolist()
    [0.1, 1.0, 10.0]
    """
    locs = np.asarray(locs, dtype=float)
    lo, hi = min(vmin, vmax), max(vmin, vmax)
    if log and lo > 0:
        keep = (locs >= lo * 10**-_MARGIN) & (locs <= hi * 10**_MARGIN)
    else:
        pad = _MARGIN * (hi - lo)
        keep = (locs >= lo - pad) & (locs <= hi + pad)
    return locs[keep]


class InViewLocator(Locator):
    """The ticks of ``base`` (a matplotlib Locator) inside the view only; limits as ``base``'s."""

    def __init__(self, base: Any, *, log: bool = True) -> None:
        self.base = base
        self.log = log
        self._last: tuple[Any, np.ndarray] | None = None

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.base.set_axis(axis)
        self._last = None

    def __call__(self) -> Any:
        vmin, vmax = self.axis.get_view_interval()
        return self.tick_values(vmin, vmax)

    def _inputs(self, vmin: float, vmax: float) -> Any:
        """Everything ``base.tick_values`` reads: the limits, the base's own settings, and from the
        axis what its room for ticks (``Axis.get_tick_space``) is computed from (the axes' box,
        the resolution, the size of tick labels) and, for a limit at or below 0, the smallest
        positive datum."""
        axis = self.axis
        space = None
        if axis is not None and axis.axes is not None:
            fig = axis.axes.get_figure(root=False)
            space = (axis.axes.bbox.bounds, fig.dpi, axis._get_tick_label_size(axis.axis_name))
        minpos = axis.get_minpos() if axis is not None and min(vmin, vmax) <= 0 else None
        settings = tuple(
            (k, (v.dtype.str, v.shape, v.tobytes()) if isinstance(v, np.ndarray) else v)
            for k, v in sorted(vars(self.base).items())
            if k != "axis"
        )
        return (float(vmin), float(vmax), space, minpos, settings)

    def tick_values(self, vmin: float, vmax: float) -> Any:
        """The base's ticks in ``[vmin, vmax]``; the last answer again when nothing it depends on
        changed (an axis asks several times while a figure is laid out and drawn)."""
        key = self._inputs(vmin, vmax)
        if self._last is None or self._last[0] != key:
            self._last = (key, in_view(self.base.tick_values(vmin, vmax), vmin, vmax, log=self.log))
        return self._last[1].copy()

    def view_limits(self, vmin: float, vmax: float) -> Any:
        return self.base.view_limits(vmin, vmax)

    def nonsingular(self, v0: float, v1: float) -> Any:
        return self.base.nonsingular(v0, v1)


_SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")
_MATH = re.compile(r"^\$\\mathdefault\{(?:(?P<m>[^\\{}]+)\\times\s*)?(?P<b>\d+)\^\{(?P<e>[-+]?\d+)\}\}\$$")


def plain_text(label: str) -> str:
    r"""A log-axis label of matplotlib's (``$\mathdefault{2\times10^{-1}}$``) as plain text
    (``2×10⁻¹``); any other label unchanged.

    Examples
    --------
    >>> plain_text(r"$\mathdefault{10^{-2}}$"), plain_text(r"$\mathdefault{2\times10^{3}}$"), plain_text("5")
    ('10⁻²', '2×10³', '5')
    """
    found = _MATH.match(label)
    if found is None:
        return label
    mantissa = f"{found['m']}×" if found["m"] else ""
    return f"{mantissa}{found['b']}{found['e'].translate(_SUPERSCRIPT)}"


class PlainTextFormatter(Formatter):
    """The labels of ``base`` (a log formatter) as plain text: superscript digits, not mathtext.

    matplotlib parses every mathtext label once per renderer and resolution (a figure laid out,
    drawn as PNG and again as SVG parses each three times), which was a tenth of a figure's time;
    the digits and signs drawn are the same.
    """

    def __init__(self, base: Any) -> None:
        self.base = base

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.base.set_axis(axis)

    def set_locs(self, locs: Any) -> None:
        super().set_locs(locs)
        self.base.set_locs(locs)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return plain_text(self.base(x, pos))

    def format_data(self, value: float) -> str:
        return plain_text(self.base.format_data(value))

    def format_data_short(self, value: float) -> str:
        return self.base.format_data_short(value)

    def get_offset(self) -> str:
        return self.base.get_offset()


class UnlabelledAsMarks(Locator):
    """The minor ticks of ``base`` where matplotlib would give them labels, grid lines or marks on
    the far side; none where they are bare marks, which :class:`MinorMarks` draws instead."""

    def __init__(self, base: Any) -> None:
        self.base = base

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.base.set_axis(axis)

    def __call__(self) -> Any:
        locs = np.asarray(self.base(), dtype=float)
        return locs[:0] if bare_minor_ticks(self.axis, locs) else locs

    def tick_values(self, vmin: float, vmax: float) -> Any:
        return self.base.tick_values(vmin, vmax)

    def view_limits(self, vmin: float, vmax: float) -> Any:
        return self.base.view_limits(vmin, vmax)

    def nonsingular(self, v0: float, v1: float) -> Any:
        return self.base.nonsingular(v0, v1)


def _prototype(axis: Any) -> Any:
    """The axis' first minor tick (made once): it holds the minor ticks' style as set."""
    return axis.get_minor_ticks(1)[0]


def bare_minor_ticks(axis: Any, locs: Any) -> bool:
    """Whether the minor ticks at ``locs`` are marks only: no label text, no grid line, nothing on
    the far side (a log axis over more than a decade labels only its decades)."""
    if len(locs) == 0:
        return False
    tick = _prototype(axis)
    if tick.gridline.get_visible() or tick.tick2line.get_visible() or tick.label2.get_visible():
        return False
    formatter = axis.get_minor_formatter()
    formatter.set_locs(locs)
    return not any(formatter(x, i) for i, x in enumerate(locs))


def minor_locations(axis: Any) -> np.ndarray:
    """Where matplotlib draws the minor ticks of ``axis``: the minor locator's locations, without
    those on a major tick, within the view (as ``Axis.get_minorticklocs`` and ``_update_ticks``)."""
    locator = axis.get_minor_locator()
    locs = np.asarray(locator.base() if isinstance(locator, UnlabelledAsMarks) else locator(), dtype=float)
    transform = axis.get_transform()
    lo, hi = sorted(transform.transform(axis.get_view_interval()))
    if locs.size == 0 or not np.isfinite([lo, hi]).all():
        return locs[:0]
    t_minor = transform.transform(locs)
    t_major = transform.transform(np.asarray(axis.get_major_locator()(), dtype=float))
    if t_major.size:
        on_major = np.isclose(t_minor[:, None], t_major[None, :], atol=(hi - lo) * 1e-5, rtol=0).any(axis=1)
        locs, t_minor = locs[~on_major], t_minor[~on_major]
    pad = 1e-10 * max(abs(lo), abs(hi), hi - lo)  # matplotlib's _interval_contains_close
    return locs[(t_minor >= lo - pad) & (t_minor <= hi + pad)]


class MinorMarks(Artist):
    """The bare minor tick marks of one axis of an Axes as one line of markers.

    matplotlib builds a Tick (two marks, a grid line, two labels) per minor tick; a log axis over
    a few decades has eight a decade, and building them was a third of the time of drawing the
    report's figures. Where the minor ticks are bare marks (:func:`bare_minor_ticks`) this artist
    draws them, with the style of the axis' own first minor tick (marker, size, width, colour,
    transform), at the locations matplotlib would use (:func:`minor_locations`), so the pixels are
    the same; the axis then builds no minor Tick (:class:`UnlabelledAsMarks`). Where they are not
    (a narrow axis labels its minor ticks), it draws nothing and the axis draws its ticks. Both
    decide at draw time, from the view, so a zoomed figure stays right.
    """

    def __init__(self, axis: Any) -> None:
        super().__init__()
        self.axis = axis
        self.set_in_layout(False)
        self.set_zorder(axis.get_zorder() + 1e-9)  # after the axis (its major ticks), as its minor ticks were

    def draw(self, renderer: Any) -> None:
        axis = self.axis
        if not (self.get_visible() and axis.get_visible() and axis.axes.axison):
            return
        locs = minor_locations(axis)
        if not bare_minor_ticks(axis, locs):
            return
        from matplotlib.lines import Line2D

        tick = _prototype(axis).tick1line
        if not tick.get_visible():
            return
        marks = Line2D([], [])
        marks.update_from(tick)
        marks.set_figure(tick.get_figure(root=False))
        zeros = np.zeros(locs.size)
        marks.set_data((locs, zeros) if axis.axis_name == "x" else (zeros, locs))
        marks.draw(renderer)
        self.stale = False


def log_scale(axis: Any) -> None:
    """Make ``axis`` (an XAxis or YAxis) logarithmic: ticks built in view only, labels in plain
    text, bare minor ticks drawn as one line of marks (:class:`MinorMarks`), on this axis and on
    the axes that share it."""
    getattr(axis.axes, f"set_{axis.axis_name}scale")("log")
    axis.set_major_locator(InViewLocator(axis.get_major_locator()))
    axis.set_minor_locator(UnlabelledAsMarks(InViewLocator(axis.get_minor_locator())))
    axis.set_major_formatter(PlainTextFormatter(axis.get_major_formatter()))
    axis.set_minor_formatter(PlainTextFormatter(axis.get_minor_formatter()))
    shared = getattr(axis.axes, f"get_shared_{axis.axis_name}_axes")().get_siblings(axis.axes)
    for ax in shared:
        mine = getattr(ax, f"{axis.axis_name}axis")
        for old in [a for a in ax.artists if isinstance(a, MinorMarks) and a.axis is mine]:
            old.remove()
        ax.add_artist(MinorMarks(mine))
