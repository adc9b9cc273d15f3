"""Logarithmic axes (mgkinetics.report.ticks): bare minor ticks drawn as one line of marks.

The reference is matplotlib drawing every minor tick itself, with the same locators and
formatters (in-view ticks, plain-text labels): the figures must be the same pixels, on wide axes
(bare minor marks) and narrow ones (labelled minor ticks, which matplotlib keeps drawing), on
shared axes, after a zoom; and a wide axis must build no minor Tick beyond the one that holds
the style.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # the tests choose the backend; the library never does

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mgkinetics.report import ticks  # noqa: E402

RANGES = [
    ((0.01, 2.0), (1.0, 300.0)),  # 2.3 and 2.5 decades: bare minor marks on both
    ((0.3, 0.9), (2.0, 5.0)),  # under half a decade: every minor tick labelled
    ((0.5, 0.8), (1.0, 30.0)),  # a labelled x axis beside a bare y axis
    ((1.0, 1e12), (0.2, 0.25)),  # 12 decades (no minor ticks) beside a narrow y
]


def _reference_scale(axis) -> None:
    """The same axis with matplotlib building every minor tick (the locators before MinorMarks)."""
    getattr(axis.axes, f"set_{axis.axis_name}scale")("log")
    axis.set_major_locator(ticks.InViewLocator(axis.get_major_locator()))
    axis.set_minor_locator(ticks.InViewLocator(axis.get_minor_locator()))
    axis.set_major_formatter(ticks.PlainTextFormatter(axis.get_major_formatter()))
    axis.set_minor_formatter(ticks.PlainTextFormatter(axis.get_minor_formatter()))


def _figure(scale, xr, yr, zoom=None):
    fig, (top, bottom) = plt.subplots(2, 1, sharex="col", figsize=(4, 3), dpi=100)
    top.plot(xr, yr, "o-")
    bottom.plot(xr, [0.0, 1.0], "o")
    scale(top.xaxis)
    scale(top.yaxis)
    if zoom is not None:
        top.set_xlim(*zoom)
    return fig


def _pixels(fig) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba")
    plt.close(fig)
    return np.frombuffer(buf.getvalue(), dtype=np.uint8)


@pytest.mark.parametrize(("xr", "yr"), RANGES)
def test_minor_marks_are_the_pixels_matplotlib_draws(xr, yr):
    want = _pixels(_figure(_reference_scale, xr, yr))
    got = _pixels(_figure(ticks.log_scale, xr, yr))
    assert want.size == got.size and np.array_equal(got, want)


def test_a_zoomed_axis_is_still_the_same_pixels():
    """The decision is taken at draw time: zoomed into half a decade, the minor ticks get labels."""
    want = _pixels(_figure(_reference_scale, (0.01, 2.0), (1.0, 300.0), zoom=(0.3, 0.9)))
    got = _pixels(_figure(ticks.log_scale, (0.01, 2.0), (1.0, 300.0), zoom=(0.3, 0.9)))
    assert np.array_equal(got, want)


def test_a_wide_axis_builds_one_minor_tick_a_narrow_one_all_with_labels():
    fig = _figure(ticks.log_scale, (0.01, 2.0), (2.0, 5.0))
    fig.canvas.draw()
    top, bottom = fig.axes
    # x spans 2.3 decades: 19 minor marks drawn, one Tick (the style) built per axis
    assert ticks.minor_locations(top.xaxis).size == 19
    assert len(top.xaxis.minorTicks) == 1 and len(bottom.xaxis.minorTicks) == 1
    # y spans 0.4 decades: matplotlib's own labelled minor ticks
    labels = [t.label1.get_text() for t in top.yaxis.minorTicks if t.label1.get_text()]
    assert len(top.yaxis.minorTicks) >= 3 and labels
    plt.close(fig)


def test_log_scale_twice_keeps_one_marks_artist_per_axis():
    fig = _figure(ticks.log_scale, (0.01, 2.0), (1.0, 300.0))
    top, bottom = fig.axes
    ticks.log_scale(top.xaxis)
    marks = [(ax, a.axis.axis_name) for ax in fig.axes for a in ax.artists if isinstance(a, ticks.MinorMarks)]
    assert sorted((fig.axes.index(ax), name) for ax, name in marks) == [(0, "x"), (0, "y"), (1, "x")]
    assert not any(isinstance(line, ticks.MinorMarks) for line in top.get_lines())
    assert top.get_legend_handles_labels() == ([], [])
    plt.close(fig)


def test_in_view_ticks_follow_the_view_and_the_room_on_the_axis():
    """InViewLocator answers again from its last call only while nothing the base locator reads
    has changed: a new view, a resized figure (room for fewer ticks), a changed base setting each
    give the base locator's own ticks (the reference: a fresh LogLocator with the same axis)."""
    from matplotlib.ticker import LogLocator

    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    ax.plot([0.01, 2.0], [1.0, 2.0])
    ticks.log_scale(ax.xaxis)
    locator = ax.xaxis.get_major_locator()

    def reference():
        fresh = LogLocator(**{"base": 10.0, "numticks": locator.base.numticks})
        fresh.set_axis(ax.xaxis)
        lo, hi = ax.get_xlim()
        return ticks.in_view(fresh.tick_values(lo, hi), lo, hi, log=True)

    seen = []
    for change in (
        lambda: None,
        lambda: ax.set_xlim(1e-6, 1e6),  # 12 decades: numticks limits them
        lambda: fig.set_figwidth(1.5),  # less room: fewer ticks
        lambda: ax.set_xlim(0.05, 20.0),
        lambda: locator.base.set_params(numticks=3),
    ):
        change()
        got = locator()
        assert np.array_equal(got, reference())
        seen.append(got.tolist())
    assert seen[1] != seen[2]  # the resize alone changed the ticks (not a test that cannot fail)
    got[:] = 0.0  # callers get a copy: the remembered answer is untouched
    assert np.array_equal(locator(), reference())
    plt.close(fig)
