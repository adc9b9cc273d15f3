"""Prepare a plate for rate estimation: check the tables, pick the wavelength, join the layout,
subtract the blanks, fix the signal direction and the signal per mM (ε·l or a standard curve).

Shared by :func:`~mgkinetics.rates.initial_rates` and
:func:`~mgkinetics.rates.progress_fit.fit_progress_curves`, so both read a plate the same way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataFormatError, Problem, UnitError
from ..units import convert, parse_column, parse_unit
from .corrections import blank_for, blank_slopes, fit_standard_curve
from .inputs import check_layout, check_traces, split_wells
from .quantities import parse_epsilon_per_mM_per_cm, parse_path_length_cm

__all__ = [
    "METHODS",
    "SIGNS",
    "SampleWell",
    "PreparedPlate",
    "prepare_plate",
    "plate_signature",
    "plate_keywords",
    "check_options",
]

METHODS = ("auto", "linear", "progress")
SIGNS = ("auto", "increase", "decrease")


@dataclass
class SampleWell:
    """One sample well on its way through the estimators."""

    plate: object
    well: str
    row: pd.Series
    t: np.ndarray
    y: np.ndarray  # blank-corrected signal
    s0_mM: float
    blank_se: float
    flags: list[str] = field(default_factory=list)


def check_options(method, sign, stoichiometry, rate_unit, blank):
    problems = []
    if method not in METHODS:
        problems.append(f"method '{method}' is not one of {', '.join(METHODS)}")
    if sign not in SIGNS:
        problems.append(f"sign '{sign}' is not one of {', '.join(SIGNS)}")
    if not (isinstance(stoichiometry, (int, float)) and stoichiometry > 0):
        problems.append(f"stoichiometry {stoichiometry!r} must be a number > 0 (e.g. 2 NADH per AK turnover)")
    if not (blank == "auto" or (isinstance(blank, (list, tuple)) and all(isinstance(b, str) for b in blank))):
        problems.append(f"blank {blank!r} must be 'auto' or a list of well names")
    if problems:
        raise DataFormatError("options", [Problem(None, None, p) for p in problems])
    unit = parse_unit(rate_unit)
    if unit.kind != "rate":
        raise UnitError(f"rate_unit '{rate_unit}' is a {unit.kind}; give a rate such as uM/s or mM/min")
    return unit


def _one_wavelength(traces: pd.DataFrame, wavelength_nm) -> pd.DataFrame:
    present = sorted({int(w) for w in traces["wavelength_nm"].dropna().unique() if np.isfinite(w)})
    if wavelength_nm is not None:
        chosen = traces.loc[traces["wavelength_nm"] == float(wavelength_nm)]
        if chosen.empty:
            raise DataFormatError(
                "traces",
                [
                    Problem(
                        None,
                        "wavelength_nm",
                        f"no reads at {wavelength_nm} nm; "
                        f"the traces hold {present or 'no stated wavelength'}",
                    )
                ],
            )
        return chosen
    if len(present) > 1:
        raise DataFormatError(
            "traces",
            [
                Problem(
                    None,
                    "wavelength_nm",
                    f"the traces hold {len(present)} wavelengths {present}; choose one with wavelength_nm",
                )
            ],
        )
    return traces


def _layout_rows(layout: pd.DataFrame, keys) -> dict:
    """(plate, well) -> layout row as a dict, for every traced well the layout lists."""
    records = layout.to_dict("records")
    if "plate" in layout.columns:
        by_key = {(r["plate"], r["well"]): r for r in records}
        return {k: by_key[k] for k in keys if k in by_key}
    by_well = {r["well"]: r for r in records}
    return {k: by_well[k[1]] for k in keys if k[1] in by_well}


def _substrate_mM(row: pd.Series, column: str | None) -> float:
    if column is None:
        return np.nan
    value = row.get(column)
    if value is None or pd.isna(value) or not float(value) > 0:
        return np.nan
    return float(convert(float(value), parse_column(column)[1], "mM"))


def _gather(wells, layout, rows, substrate_column, blank, slopes, standard_column):
    """Sample wells with blank-corrected signals; every well not used is reported in ``excluded``."""
    samples, excluded = [], []
    for (plate, well), tr in wells.items():
        row = rows.get((plate, well))
        if row is None:
            excluded.append((plate, well, "", "not in the layout"))
            continue
        if row["role"] == "blank" and tr.time_s.size < 3:
            excluded.append((plate, well, "blank", f"only {tr.time_s.size} finite reads; a blank needs 3"))
        if row["role"] == "standard" and standard_column is None:
            excluded.append(
                (
                    plate,
                    well,
                    "standard",
                    "standard well not used: pass standard_column to fit "
                    "the standard curve (epsilon and path length were used)",
                )
            )
        if row["role"] != "sample":
            continue
        if tr.time_s.size < 3:
            excluded.append(
                (
                    plate,
                    well,
                    "sample",
                    f"only {tr.time_s.size} finite reads ({tr.n_dropped} NaN); a rate needs at least 3",
                )
            )
            continue
        n_times = np.unique(tr.time_s).size
        if n_times < 3:  # every read at one time (a time column of zeros): no slope to measure
            excluded.append(
                (
                    plate,
                    well,
                    "sample",
                    f"{tr.time_s.size} reads at only {n_times} distinct time(s); "
                    "a rate needs reads at 3 times or more; check the time column",
                )
            )
            continue
        corr = blank_for(row, plate, slopes, None if blank == "auto" else list(blank))
        w = SampleWell(
            plate,
            well,
            row,
            tr.time_s,
            tr.signal - corr.slope * tr.time_s,
            _substrate_mM(row, substrate_column),
            corr.se,
        )
        if tr.n_dropped:
            w.flags.append(f"nan_reads:{tr.n_dropped}")
        if corr.flag:
            w.flags.append(corr.flag)
        if substrate_column is not None and not np.isfinite(w.s0_mM):
            w.flags.append("no_substrate")
        samples.append(w)
    by_plate = "plate" in layout.columns
    seen = set(wells) if by_plate else {w for _, w in wells}
    for row in layout.loc[layout["role"] == "sample"].to_dict("records"):
        if ((row["plate"], row["well"]) if by_plate else row["well"]) not in seen:
            excluded.append((row.get("plate", ""), row["well"], "sample", "no reads in the traces"))
    return samples, excluded


def _direction(samples, sign) -> int:
    if sign != "auto":
        return 1 if sign == "increase" else -1
    from .linear import ols_line

    slopes = [ols_line(w.t, w.y)[0] for w in samples]
    slopes = [s for s in slopes if np.isfinite(s)]
    return -1 if slopes and float(np.median(slopes)) < 0 else 1


def _signal_per_mM(epsilon, path_length, standard, layout, wells) -> tuple[float, float, dict]:
    """Signal per mM of the detected species (ε·l or a standard curve's slope) and its relative SE."""
    if standard is None:
        eps = parse_epsilon_per_mM_per_cm(epsilon)
        path = parse_path_length_cm(path_length)
        return eps * path, 0.0, {"epsilon_per_mM_per_cm": eps, "path_length_cm": path}
    curve = fit_standard_curve(wells, layout, standard)
    per_mM = curve.slope * float(convert(1.0, "mM", curve.unit))  # signal per unit -> per mM
    rel = abs(curve.slope_se / curve.slope) if curve.slope else np.inf
    return (
        per_mM,
        rel,
        {
            "standard_curve_slope": curve.slope,
            "standard_curve_slope_se": curve.slope_se,
            "standard_curve_unit": curve.unit,
            "standard_wells": list(curve.wells),
        },
    )


@dataclass(frozen=True)
class PreparedPlate:
    """A checked plate: its sample wells (blank-corrected), what was excluded, and the signal scale.

    ``g`` is the signed signal change per mM of turnover: direction·n·(signal per mM); ``rel_scale_se``
    is the relative SE of the signal per mM (a standard curve's; 0 for ε·l).
    """

    samples: list
    excluded: list
    direction: int
    g: float
    rel_scale_se: float
    layout: pd.DataFrame
    blanks: list
    metadata: dict = field(default_factory=dict)


def prepare_plate(
    traces,
    layout,
    *,
    epsilon: str = "6.22/mM/cm",
    path_length: str = "0.5cm",
    stoichiometry: float = 1,
    sign: str = "auto",
    blank: str | list[str] = "auto",
    standard_column: str | None = None,
    substrate_column: str | None = None,
    wavelength_nm: float | None = None,
) -> PreparedPlate:
    """Check and join a plate's traces and layout; see :func:`~mgkinetics.rates.initial_rates`.

    Its keywords are the plate options, declared here once with their defaults (ε of NADH at
    340 nm, a 0.5 cm path): :func:`plate_signature` shows them in the signatures of the public
    functions that take them, :func:`plate_keywords` collects them in a call.

    Raises
    ------
    DataFormatError, UnitError
        Malformed tables or options, with every problem listed.
    """
    tr = _one_wavelength(check_traces(traces), wavelength_nm)
    lay = check_layout(layout)
    if substrate_column is not None:
        unit = parse_column(substrate_column)[1]
        if substrate_column not in lay.columns or unit is None or unit.kind != "concentration":
            raise DataFormatError(
                "layout",
                [
                    Problem(
                        1,
                        substrate_column,
                        "substrate_column must name a "
                        "concentration column of the layout; found "
                        f"{', '.join(map(str, lay.columns))}",
                    )
                ],
            )
    wells = split_wells(tr)
    per_mM, rel, scale_meta = _signal_per_mM(epsilon, path_length, standard_column, lay, wells)
    rows = _layout_rows(lay, wells.keys())
    slopes = blank_slopes(wells, rows)
    samples, excluded = _gather(wells, lay, rows, substrate_column, blank, slopes, standard_column)
    direction = _direction(samples, sign)
    meta = dict(
        scale_meta,
        stoichiometry=stoichiometry,
        blank=blank,
        substrate_column=substrate_column,
        signal_direction="increase" if direction > 0 else "decrease",
        blank_wells=sorted({b["well"] for b in slopes}),
    )
    return PreparedPlate(
        samples, excluded, direction, direction * stoichiometry * per_mM, rel, lay, slopes, meta
    )


def _plate_parameters(names: tuple[str, ...]) -> list[inspect.Parameter]:
    declared = inspect.signature(prepare_plate).parameters
    return [declared[name] for name in names]


def plate_signature(func: Callable, names: tuple[str, ...], *, after: str) -> inspect.Signature:
    """``func``'s signature with the plate options ``names`` (as :func:`prepare_plate` declares
    them, defaults included) in place of its ``**plate_options``, right after its parameter ``after``.

    Set as ``func.__signature__``, it is what ``help(func)`` and :func:`inspect.signature` show.
    """
    own = [p for p in inspect.signature(func).parameters.values() if p.kind is not p.VAR_KEYWORD]
    at = [p.name for p in own].index(after) + 1
    return inspect.signature(func).replace(parameters=own[:at] + _plate_parameters(names) + own[at:])


def plate_keywords(function: str, given: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The plate options ``names`` of one call of ``function``: those ``given``, the declared
    defaults for the others.

    Raises
    ------
    TypeError
        For a keyword ``function`` does not take, as Python itself does.
    """
    unknown = [key for key in given if key not in names]
    if unknown:
        raise TypeError(f"{function}() got an unexpected keyword argument '{unknown[0]}'")
    return {p.name: given.get(p.name, p.default) for p in _plate_parameters(names)}
