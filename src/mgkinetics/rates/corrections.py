"""Blank slopes and standard curves: what turns a well's signal slope into a concentration rate.

Blanks: each blank well's full trace gets an OLS line; a sample is corrected by the mean slope of
the blanks on its plate whose stated conditions match its own (text and numeric layout columns
that the blank fills in, enzyme columns aside). The uncertainty of that correction for one well is
σ² = SE(mean)² + σ²_between, with σ²_between = max(0, var(slopes) − mean(SE²)) the spread of the
blank drift beyond read noise (a sample's own drift can differ from the blank mean by that much).

Standards: the time-averaged signal of each standard well against its concentration gives a line
signal = a + b·c; b (signal per concentration unit) and its SE replace ε·l.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataFormatError, Problem
from .inputs import WellTrace
from .linear import ols_line

__all__ = ["BlankCorrection", "blank_slopes", "blank_for", "StandardCurve", "fit_standard_curve"]


@dataclass(frozen=True)
class BlankCorrection:
    """The blank slope subtracted from one well (signal per s), its SE, the wells used and a flag."""

    slope: float
    se: float
    wells: tuple[str, ...]
    flag: str | None = None


def _filled(value) -> bool:
    return (
        value is not None and not (isinstance(value, float) and np.isnan(value)) and str(value).strip() != ""
    )


def _conditions(row: dict) -> dict:
    """The condition columns a layout row fills in (enzyme columns, well, role and plate aside)."""
    return {
        k: v
        for k, v in row.items()
        if k not in ("well", "role", "plate") and not k.lower().startswith("enzyme") and _filled(v)
    }


def blank_slopes(traces: dict[tuple, WellTrace], layout_rows: dict) -> list[dict]:
    """OLS slope and SE of every blank well with at least 3 reads, with its stated conditions.

    ``layout_rows`` maps (plate, well) to the layout row (a dict) of that well.
    """
    out = []
    for key, tr in traces.items():
        row = layout_rows.get(key)
        if row is None or row["role"] != "blank" or tr.time_s.size < 3:
            continue
        slope, se, _ = ols_line(tr.time_s, tr.signal)
        if np.isfinite(slope) and np.isfinite(se):
            out.append(dict(plate=key[0], well=key[1], slope=slope, se=se, conditions=_conditions(row)))
    return out


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    return bool(np.isclose(float(a), float(b)))


def blank_for(sample: dict, plate, blanks: list[dict], chosen: list[str] | None) -> BlankCorrection:
    """The blank correction for one sample well: the ``chosen`` wells, or the matching blanks.

    A blank matches when every condition it fills in equals the sample's (where the sample has one).
    When no blank of the plate matches, all of the plate's blanks are used (flag
    ``blank_conditions_unmatched``); with none, nothing is subtracted (flag ``no_blank``).
    """
    pool = [b for b in blanks if b["plate"] == plate]
    flag = None
    if chosen is not None:
        pool = [b for b in pool if b["well"] in chosen]
    else:
        cond = _conditions(sample)
        matched = [
            b for b in pool if all(k not in cond or _same(v, cond[k]) for k, v in b["conditions"].items())
        ]
        if matched:
            pool = matched
        elif pool:
            flag = "blank_conditions_unmatched"
    if not pool:
        return BlankCorrection(0.0, 0.0, (), "no_blank")
    k = len(pool)
    s = np.array([b["slope"] for b in pool])
    se = np.array([b["se"] for b in pool])
    se_mean2 = float(np.sum(se**2)) / k**2
    between2 = max(0.0, float(np.var(s, ddof=1)) - float(np.mean(se**2))) if k > 1 else 0.0
    return BlankCorrection(
        float(s.mean()), float(np.sqrt(se_mean2 + between2)), tuple(b["well"] for b in pool), flag
    )


@dataclass(frozen=True)
class StandardCurve:
    """signal = intercept + slope·c, with c in ``unit``; ``slope_se`` from the line's residuals."""

    slope: float
    slope_se: float
    intercept: float
    unit: str
    wells: tuple[str, ...]


def fit_standard_curve(traces: dict[tuple, WellTrace], layout: pd.DataFrame, column: str) -> StandardCurve:
    """Fit the standard wells' mean signal against their concentration in ``column``.

    Raises
    ------
    DataFormatError
        If the column is missing or not a concentration, or fewer than 3 standard wells have reads.
    """
    from ..units import parse_column

    _, unit = parse_column(column)
    if column not in layout.columns or unit is None or unit.kind != "concentration":
        raise DataFormatError(
            "layout",
            [
                Problem(
                    1,
                    column,
                    "standard_column must name a concentration column of the layout, e.g. 'nadh_uM'",
                )
            ],
        )
    std = layout.loc[layout["role"] == "standard"]
    conc, mean_signal, wells = [], [], []
    for _, row in std.iterrows():
        for (_plate, well), tr in traces.items():
            if well == row["well"] and tr.signal.size and np.isfinite(row[column]):
                conc.append(float(row[column]))
                mean_signal.append(float(tr.signal.mean()))
                wells.append(well)
    if len(set(conc)) < 2 or len(conc) < 3:
        raise DataFormatError(
            "layout",
            [
                Problem(
                    None,
                    column,
                    f"a standard curve needs >= 3 standard wells "
                    f"at >= 2 concentrations with reads; found {len(conc)}",
                )
            ],
        )
    slope, se, intercept = ols_line(np.array(conc), np.array(mean_signal))
    return StandardCurve(slope, se, intercept, unit.label, tuple(wells))
