"""Distinct colours and markers for the series of a figure.

matplotlib's colour cycle has ten colours, so the eleventh series of a figure (the fifth AMP level
of the second variant on the AK grid) would repeat the first one's colour. :func:`series_colors`
gives ``n`` distinct colours: those of the style's cycle (``C0``, ...; matplotlib's default is
``tab10``) while they suffice, then ``tab10`` and its ten lighter partners of ``tab20``, then evenly
spaced hues of a colour map.
:func:`fit_marker` gives each fit (a variant) of a figure its own marker, so the variants are told
apart without colour as well.

Examples
--------
>>> series_colors(3)
['C0', 'C1', 'C2']
>>> series_colors(12)[10:]
['#aec7e8', '#ffbb78']
>>> fit_marker(0), fit_marker(1)
('o', 's')
"""

from __future__ import annotations

__all__ = ["TAB10", "TAB10_LIGHT", "MARKERS", "series_colors", "fit_marker"]

#: matplotlib's default colour cycle (``C0`` ... ``C9``, the ``tab10`` colours).
TAB10 = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
#: their lighter partners in ``tab20``, in the same order.
TAB10_LIGHT = (
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#c7c7c7",
    "#dbdb8d",
    "#9edae5",
)
#: one marker per fit on a figure, in order (the first is the circle every single fit uses).
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")


def series_colors(n: int) -> list[str]:
    """``n`` distinct colours for ``n`` series, in drawing order: the style's colour cycle
    (``C0``, ``C1``, ...) when it has that many, else the lists here."""
    import matplotlib

    if n <= len(matplotlib.rcParams["axes.prop_cycle"].by_key().get("color", ())):
        return [f"C{i}" for i in range(n)]
    if n <= len(TAB10):
        return list(TAB10[:n])
    if n <= 2 * len(TAB10):
        return list(TAB10) + list(TAB10_LIGHT[: n - len(TAB10)])
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["turbo"]
    return [to_hex(cmap(0.05 + 0.9 * i / (n - 1))) for i in range(n)]


def fit_marker(i: int) -> str:
    """The marker of the ``i``-th fit on a figure (cycling after :data:`MARKERS`)."""
    return MARKERS[i % len(MARKERS)]
