"""Traces → initial rates: ``initial_rates`` turns a plate's traces and its layout into a RatesTable."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataFormatError, Problem, UnitError
from ..units import column_suffix, convert, parse_column, parse_unit
from .corrections import blank_for, blank_slopes, fit_standard_curve
from .estimate import line_rate, prefer_progress, progress_rates
from .lag import estimate_coupling_lag
from .inputs import check_layout, check_traces, split_wells, well_order
from .quantities import parse_epsilon_per_mM_per_cm, parse_path_length_cm
from .table import RatesTable

__all__ = ["initial_rates", "METHODS", "SIGNS"]

METHODS = ("auto", "linear", "progress")
SIGNS = ("auto", "increase", "decrease")


@dataclass
class _Well:
    """One sample well on its way through the estimators."""

    plate: object
    well: str
    row: pd.Series
    t: np.ndarray
    y: np.ndarray  # blank-corrected signal
    s0_mM: float
    blank_se: float
    flags: list[str] = field(default_factory=list)


def _check_options(method, sign, stoichiometry, rate_unit, blank):
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
    present = sorted({int(w) for w in traces["wavelength_nm"].dropna().unique()})
    if wavelength_nm is not None:
        chosen = traces.loc[traces["wavelength_nm"] == float(wavelength_nm)]
        if chosen.empty:
            raise DataFormatError("traces", [Problem(None, "wavelength_nm", f"no reads at {wavelength_nm} nm; "
                                                     f"the traces hold {present or 'no stated wavelength'}")])
        return chosen
    if len(present) > 1:
        raise DataFormatError("traces", [Problem(None, "wavelength_nm", f"the traces hold {len(present)} "
                                                 f"wavelengths {present}; choose one with wavelength_nm")])
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


def _gather(wells, layout, rows, substrate_column, blank, slopes):
    """Sample wells with blank-corrected signals; every other well reported in ``excluded``."""
    samples, excluded = [], []
    for (plate, well), tr in wells.items():
        row = rows.get((plate, well))
        if row is None:
            excluded.append((plate, well, "", "not in the layout"))
            continue
        if row["role"] == "blank" and tr.time_s.size < 3:
            excluded.append((plate, well, "blank", f"only {tr.time_s.size} finite reads; a blank needs 3"))
        if row["role"] != "sample":
            continue
        if tr.time_s.size < 3:
            excluded.append((plate, well, "sample", f"only {tr.time_s.size} finite reads "
                             f"({tr.n_dropped} NaN); a rate needs at least 3"))
            continue
        corr = blank_for(row, plate, slopes, None if blank == "auto" else list(blank))
        w = _Well(plate, well, row, tr.time_s, tr.signal - corr.slope * tr.time_s,
                  _substrate_mM(row, substrate_column), corr.se)
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
    return per_mM, rel, {"standard_curve_slope": curve.slope, "standard_curve_slope_se": curve.slope_se,
                         "standard_curve_unit": curve.unit, "standard_wells": list(curve.wells)}


def _estimate(samples, method, g, rel, max_conversion, min_points, coupling_lag_s) -> tuple[list, float]:
    lines = [line_rate(w, g, rel, max_conversion=max_conversion, min_points=min_points) for w in samples]
    results = [est for est, _ in lines]
    if method == "linear" or not samples:
        return results, np.nan
    if coupling_lag_s == "auto":
        lag = estimate_coupling_lag([w.t for w in samples], [w.y for w in samples])
    else:
        lag = float(coupling_lag_s)
    prog = progress_rates(samples, lines, g, rel, lag)
    for i, p in enumerate(prog):
        if isinstance(p, str):
            if method == "progress" or np.isfinite(samples[i].s0_mM):
                results[i].flags.append(f"progress_not_used: {p}")
        elif method == "progress" or prefer_progress(results[i], p, samples[i]):
            results[i] = p
    return results, lag


def _row(w, est, direction, rate_unit, layout_cols) -> dict:
    factor = float(convert(1.0, "mM/s", rate_unit))
    suffix = column_suffix(rate_unit)
    flags = list(w.flags) + list(est.flags)
    if est.rate_mM_s < 0:
        flags.append("negative_rate")
    if not abs(est.rate_mM_s) > 2 * est.se_mM_s:
        flags.append("no_significant_change")
    out = {"plate": w.plate, "well": w.well}
    out.update({c: w.row[c] for c in layout_cols})
    out.update({
        f"rate_{suffix}": est.rate_mM_s * factor, f"rate_stderr_{suffix}": est.se_mM_s * factor,
        "window_start_s": est.start_s, "window_end_s": est.end_s, "window_reason": est.reason,
        "n_points": est.n_points, "conversion_percent": est.conversion_percent, "method": est.method,
        "flags": ";".join(flags), "signal_direction": "increase" if direction > 0 else "decrease",
    })
    return out


def initial_rates(
    traces,
    layout,
    *,
    method: str = "auto",
    epsilon: str = "6.22/mM/cm",
    path_length: str = "0.5cm",
    stoichiometry: float = 1,
    sign: str = "auto",
    blank: str | list[str] = "auto",
    standard_column: str | None = None,
    substrate_column: str | None = None,
    wavelength_nm: float | None = None,
    rate_unit: str = "uM/s",
    coupling_lag_s: float | str = "auto",
    max_conversion: float = 0.10,
    min_points: int = 5,
) -> RatesTable:
    """Initial rates of every sample well of a plate, with SEs, windows and flags.

    Parameters
    ----------
    traces : pandas.DataFrame or PlateRead
        ``plate, well, time_s, wavelength_nm, temperature_C, signal``, one row per read.
    layout : pandas.DataFrame
        One row per well: ``well``, ``role`` (sample, blank, standard), unit-suffixed numeric
        columns and text columns; copied into the result.
    method : {"auto", "linear", "progress"}
        ``linear``: OLS over an automatic early window (:func:`~mgkinetics.rates.linear.fit_initial_line`;
        the slope is the mean rate over the window and its SE comes from the line's residuals only).
        ``progress``: integrated Michaelis–Menten with a lag fitted to the trace after the lag,
        reporting the rate at mixing (needs ``substrate_column``). ``auto``: both where S₀ is
        known; the progress fit is taken when its SE² is below the line's SE² plus the square of
        the line's worst-case depletion bias (:func:`~mgkinetics.rates.estimate.depletion_bias_bound`).
    epsilon, path_length : str
        Absorption coefficient and path (``6.22/mM/cm``, ``0.5cm``); ignored with a standard curve.
    stoichiometry : float
        Detected molecules per turnover (2 NADH per AK turnover in the PK/LDH assay).
    sign : {"auto", "increase", "decrease"}
        Direction of the signal for a positive rate; ``auto`` takes the direction of the median
        blank-corrected sample slope. Rates against the direction stay negative (flag ``negative_rate``).
    blank : "auto" or list of str
        ``auto``: the layout's blank wells on the same plate whose stated conditions match; or
        these wells. Their mean slope is subtracted from each sample, its SE added in quadrature.
    standard_column : str, optional
        Concentration column of the standard wells; their signals then replace ε·l.
    substrate_column : str, optional
        Concentration column of the depleted substrate: needed for ``conversion_percent``,
        the conversion limit of the window and the progress estimator.
    wavelength_nm : float, optional
        The wavelength to use when the traces hold several.
    rate_unit : str
        Unit of the rate columns (``uM/s`` -> ``rate_uM_per_s``).
    coupling_lag_s : float or "auto"
        Lag of a coupled assay for the progress estimator; ``auto`` estimates the plate's shared
        lag from the first reads (:func:`~mgkinetics.rates.lag.estimate_coupling_lag`).
    max_conversion, min_points
        Window limits of the linear estimator.

    Returns
    -------
    RatesTable

    Raises
    ------
    DataFormatError, UnitError
        Malformed tables or options, with every problem listed.

    Examples
    --------
    >>> from mgkinetics.rates.simulate import simulate_coupled_plate
    >>> traces, layout, truth = simulate_coupled_plate(seed=3)
    >>> table = initial_rates(traces, layout, stoichiometry=2, substrate_column="mgatp_mM")
    >>> len(table.frame), table.frame.signal_direction.iloc[0]
    (90, 'decrease')
    """
    unit = _check_options(method, sign, stoichiometry, rate_unit, blank)
    if substrate_column is None and method == "progress":
        raise DataFormatError("options", [Problem(None, None, "method 'progress' needs substrate_column, "
                                                  "the layout column holding the initial substrate")])
    tr = _one_wavelength(check_traces(traces), wavelength_nm)
    lay = check_layout(layout)
    for col in [c for c in (substrate_column,) if c is not None]:
        if col not in lay.columns or (parse_column(col)[1] is None) or parse_column(col)[1].kind != "concentration":
            raise DataFormatError("layout", [Problem(1, col, "substrate_column must name a concentration column "
                                                     f"of the layout; found {', '.join(map(str, lay.columns))}")])
    wells = split_wells(tr)
    per_mM, rel, scale_meta = _signal_per_mM(epsilon, path_length, standard_column, lay, wells)
    rows = _layout_rows(lay, wells.keys())
    slopes = blank_slopes(wells, rows)
    samples, excluded = _gather(wells, lay, rows, substrate_column, blank, slopes)
    direction = _direction(samples, sign)
    g = direction * stoichiometry * per_mM
    results, lag = _estimate(samples, method, g, rel, max_conversion, min_points, coupling_lag_s)
    layout_cols = [c for c in lay.columns if c not in ("well", "plate")]
    frame = pd.DataFrame([_row(w, est, direction, unit, layout_cols) for w, est in zip(samples, results)])
    if not frame.empty:
        frame = frame.iloc[sorted(range(len(frame)), key=lambda i: (str(frame["plate"].iloc[i]),
                                                                      well_order(frame["well"].iloc[i])))]
    excl = pd.DataFrame(excluded, columns=["plate", "well", "role", "reason"])
    suffix = column_suffix(unit)
    meta = dict(scale_meta, stoichiometry=stoichiometry, signal_direction="increase" if direction > 0 else
                "decrease", method=method, rate_unit=unit.label, rate_column=f"rate_{suffix}",
                stderr_column=f"rate_stderr_{suffix}", blank=blank, substrate_column=substrate_column,
                blank_wells=sorted({b["well"] for b in slopes}), coupling_lag_s=lag)
    return RatesTable(frame.reset_index(drop=True), excl, meta)
