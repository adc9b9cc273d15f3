"""What a figure of a fit draws, as arrays: no matplotlib here.

A fit's rows are split into *series* (one per level of a second varied input, such as the
inhibitor concentration of an inhibition experiment or the AMP level of a two-substrate grid);
along each series the fitted curve is evaluated on a dense grid of the x input, the other inputs
interpolated from the rows (so a design that holds free Mg²⁺ constant by raising total Mg with
ATP is drawn along that design). Replicates are rows with identical inputs. Rates can be
normalised by the enzyme concentration (v/[E] in s⁻¹), which puts variants measured at
different [E] on one scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mgkinetics.errors import FitError
from mgkinetics.report.numbers import format_value, pretty_unit
from mgkinetics.units import convert

__all__ = [
    "Series",
    "Curve",
    "choose_x",
    "series_of",
    "fitted_curve",
    "axis_label",
    "per_enzyme",
    "replicate_means",
    "DIAGNOSTICS",
    "diagnostic_transform",
    "diagnostic_axis_label",
]

#: A second varied input with at most this many levels splits the rows into series.
MAX_SERIES = 8
GRID_POINTS = 160


@dataclass(frozen=True)
class Series:
    """Rows of one series: ``label`` ('' when there is one series) and their indices."""

    label: str
    rows: np.ndarray


@dataclass(frozen=True)
class Curve:
    """The fitted curve of one series on a dense x grid, with its band (None without covariance)."""

    x: np.ndarray
    y: np.ndarray
    low: np.ndarray | None
    high: np.ndarray | None
    inputs: dict[str, np.ndarray]


def _varied(result: Any) -> list[str]:
    names = [n for n in result.law.input_names if n in result.data]
    return [n for n in names if np.ptp(result.data[n]) > 0 if result.data[n].size]


def choose_x(result: Any, x: str | None = None) -> str:
    """The law input on the x axis: ``x`` when given, else the first varied input of the law.

    Laws declare their main substrate first; the enzyme concentration is chosen only when
    nothing else varies.
    """
    names = list(result.law.input_names)
    if x is not None:
        if x not in names:
            raise FitError(f"x='{x}' is not an input of {result.law.name}; choose from {', '.join(names)}")
        return x
    varied = _varied(result)
    pool = [n for n in varied if n != "enzyme"] or varied or names[:1]
    return pool[0]


def series_of(result: Any, xname: str) -> list[Series]:
    """Split the rows by the levels of a second varied input (see the module docstring)."""
    n = result.data[xname].size
    for name in _varied(result):
        if name in (xname, "enzyme"):
            continue
        levels = np.unique(result.data[name])
        if not 1 < levels.size <= MAX_SERIES:
            continue
        groups = [np.flatnonzero(result.data[name] == lv) for lv in levels]
        if all(np.unique(result.data[xname][g]).size >= 2 for g in groups):
            unit = pretty_unit(result.input_units[name].label) if name in result.input_units else ""
            return [
                Series(f"{_short(result, name)} = {format_value(float(lv))} {unit}".strip(), g)
                for lv, g in zip(levels, groups)
            ]
    return [Series("", np.arange(n))]


def _short(result: Any, name: str) -> str:
    spec = next((i for i in result.law.inputs if i.name == name), None)
    text = spec.description if spec is not None and spec.description else name
    return text.split(" (")[0]


def axis_label(result: Any, name: str) -> str:
    """``'total ATP (mM)'``: the input's description and its unit."""
    unit = result.input_units.get(name)
    label = unit.label if unit is not None else ""
    return (
        f"{_short(result, name)} ({pretty_unit(label)})" if label and label != "1" else _short(result, name)
    )


def _grid(x: np.ndarray, log_x: bool) -> np.ndarray:
    lo, hi = float(np.min(x)), float(np.max(x))
    if log_x and lo > 0:
        return np.geomspace(lo, hi, GRID_POINTS)
    return np.linspace(lo, hi, GRID_POINTS)


def _inputs_along(result: Any, rows: np.ndarray, xname: str, grid: np.ndarray) -> dict[str, np.ndarray]:
    x = result.data[xname][rows]
    order = np.argsort(x, kind="stable")
    xs = x[order]
    out = {}
    for name in result.law.input_names:
        if name not in result.data:
            continue
        v = result.data[name][rows][order]
        if name == xname:
            out[name] = grid
        elif np.ptp(v) == 0:
            out[name] = np.full_like(grid, v[0])
        else:  # a design input that moves with x: mean at each x level, interpolated
            ux = np.unique(xs)
            means = np.array([v[xs == u].mean() for u in ux])
            out[name] = np.interp(grid, ux, means)
    return out


def fitted_curve(
    result: Any,
    series: Series,
    xname: str,
    *,
    log_x: bool = False,
    band: str = "confidence",
    level: float | None = None,
) -> Curve:
    """The fitted law along ``series`` with its ``confidence`` or ``prediction`` band (or ``none``)."""
    grid = _grid(result.data[xname][series.rows], log_x)
    inputs = _inputs_along(result, series.rows, xname, grid)
    y = np.asarray(result.law.evaluate(inputs, dict(result.values)), dtype=float)
    low = high = None
    if band != "none" and result.covariance is not None and result.covariance_names:
        from mgkinetics.stats.bands import bands

        b = bands(result, level=level, **inputs)
        key = "pred" if band == "prediction" else "conf"
        low, high = b[f"{key}_low"], b[f"{key}_high"]
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
            low = high = None
    return Curve(grid, y, low, high, inputs)


def per_enzyme(result: Any, rate: np.ndarray, enzyme: np.ndarray) -> np.ndarray:
    """Rates in the fit's rate unit divided by [E] in its unit: v/[E] in s⁻¹."""
    v = convert(np.asarray(rate, dtype=float), result.rate_unit, "M/s")
    e = convert(np.asarray(enzyme, dtype=float), result.input_units["enzyme"], "M")
    with np.errstate(divide="ignore", invalid="ignore"):
        return v / e


def replicate_means(
    result: Any, rows: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows with identical inputs are replicates: ``(row of each level, mean, SD)`` where n >= 2."""
    names = [n for n in result.law.input_names if n in result.data]
    keys = np.column_stack([result.data[n][rows] for n in names]) if names else np.zeros((rows.size, 1))
    uniq, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    inverse = np.asarray(inverse).reshape(-1)
    first, mean, sd = [], [], []
    for k in np.flatnonzero(counts >= 2):
        members = np.flatnonzero(inverse == k)
        first.append(rows[members[0]])
        mean.append(float(np.mean(y[rows[members]])))
        sd.append(float(np.std(y[rows[members]], ddof=1)))
    return np.array(first, dtype=int), np.array(mean), np.array(sd)


#: Linearisations offered as diagnostics: name -> (title, x label, y label) templates.
DIAGNOSTICS = {
    "lineweaver_burk": ("Lineweaver–Burk", "1/{x}", "1/v"),
    "hanes_woolf": ("Hanes–Woolf", "{x}", "{x}/v"),
    "eadie_hofstee": ("Eadie–Hofstee", "v/{x}", "v"),
}


def diagnostic_transform(view: str, x: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map (x, v) into a linearised view; points with x or v = 0 become NaN (off the plot)."""
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(x == 0, np.nan, x)
        v = np.where(v == 0, np.nan, v)
        if view == "lineweaver_burk":
            return 1.0 / x, 1.0 / v
        if view == "hanes_woolf":
            return x, x / v
        if view == "eadie_hofstee":
            return v / x, v
    raise FitError(f"unknown view '{view}'; choose from fit, {', '.join(DIAGNOSTICS)}")


def diagnostic_axis_label(template: str, x: str, xu: str, vu: str) -> str:
    """Axis label of a linearised view: quantity and its unit (``[S]/v (mM per µM/min)``).

    Examples
    --------
    >>> diagnostic_axis_label("{x}/v", "[S]", "mM", "µM/min")
    '[S]/v (mM per µM/min)'
    """
    return {
        "1/{x}": f"1/{x} (1/{xu})",
        "{x}": f"{x} ({xu})",
        "{x}/v": f"{x}/v ({xu} per {vu})",
        "v/{x}": f"v/{x} ({vu} per {xu})",
        "1/v": f"1/v (1/({vu}))",
        "v": f"v ({vu})",
    }[template]
