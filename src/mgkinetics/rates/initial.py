"""Traces → initial rates: ``initial_rates`` turns a plate's traces and its layout into a RatesTable."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataFormatError, Problem
from ..units import column_suffix, convert
from .estimate import depletion_bias_bound, line_rate, prefer_progress, progress_rates
from .inputs import well_order
from .lag import LAGS_SKIPPED, plate_lag
from .plate import check_options, plate_keywords, plate_signature, prepare_plate
from .table import RatesTable

__all__ = ["initial_rates"]


def _estimate(samples, method, g, rel, max_conversion, min_points, coupling_lag_s) -> tuple[list, float]:
    """Line (after four coupling lags) for every well; the progress fit where asked or better."""
    if not samples:
        return [], np.nan
    lag = plate_lag(samples, coupling_lag_s)
    lines = [
        line_rate(
            w, g, rel, max_conversion=max_conversion, min_points=min_points, min_start_s=LAGS_SKIPPED * lag
        )
        for w in samples
    ]
    results = [est for est, _ in lines]
    for w, est in zip(samples, results):
        if depletion_bias_bound(est, w) > est.se_mM_s:  # only when S0 is known (else the bound is inf)
            if np.isfinite(w.s0_mM):
                est.flags.append("depletion_bias_exceeds_se")
    if method == "linear":
        return results, lag
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
    out.update(
        {
            f"rate_{suffix}": est.rate_mM_s * factor,
            f"rate_stderr_{suffix}": est.se_mM_s * factor,
            "window_start_s": est.start_s,
            "window_end_s": est.end_s,
            "window_reason": est.reason,
            "n_points": est.n_points,
            "conversion_percent": est.conversion_percent,
            "method": est.method,
            "flags": ";".join(flags),
            "signal_direction": "increase" if direction > 0 else "decrease",
        }
    )
    return out


def initial_rates(
    traces,
    layout,
    *,
    method: str = "auto",
    rate_unit: str = "uM/s",
    coupling_lag_s: float | str = "auto",
    max_conversion: float = 0.10,
    min_points: int = 5,
    **plate_options: Any,
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
        Lag τ of a coupled assay (0 for a direct assay); ``auto`` estimates the plate's shared lag
        from the first reads (:func:`~mgkinetics.rates.lag.estimate_coupling_lag`). Both estimators
        ignore reads before 4τ, where the coupling transient has not decayed.
    max_conversion, min_points
        Window limits of the linear estimator.

    Returns
    -------
    RatesTable

    Raises
    ------
    DataFormatError, UnitError
        Malformed tables or options, with every problem listed; a DataFormatError listing each
        excluded well with its reason when no sample well gives a rate.

    Examples
    --------
    >>> from mgkinetics.rates.simulate import simulate_coupled_plate
    >>> traces, layout, truth = simulate_coupled_plate(seed=3)
    >>> table = initial_rates(traces, layout, stoichiometry=2, substrate_column="mgatp_mM")
    >>> len(table.frame), table.frame.signal_direction.iloc[0]
    (90, 'decrease')
    """
    options = plate_keywords("initial_rates", plate_options, PLATE_OPTIONS)
    unit = check_options(method, options["sign"], options["stoichiometry"], rate_unit, options["blank"])
    if options["substrate_column"] is None and method == "progress":
        raise DataFormatError(
            "options",
            [
                Problem(
                    None,
                    None,
                    "method 'progress' needs substrate_column, "
                    "the layout column holding the initial substrate",
                )
            ],
        )
    plate = prepare_plate(traces, layout, **options)
    results, lag = _estimate(
        plate.samples, method, plate.g, plate.rel_scale_se, max_conversion, min_points, coupling_lag_s
    )
    layout_cols = [c for c in plate.layout.columns if c not in ("well", "plate")]
    frame = pd.DataFrame(
        [_row(w, est, plate.direction, unit, layout_cols) for w, est in zip(plate.samples, results)]
    )
    if frame.empty:  # every sample well excluded: an input problem, not an empty table of rates
        raise _no_rates(plate.excluded)
    if not frame.empty:
        order = sorted(
            range(len(frame)), key=lambda i: (str(frame["plate"].iloc[i]), well_order(frame["well"].iloc[i]))
        )
        frame = frame.iloc[order]
    excl = pd.DataFrame(plate.excluded, columns=["plate", "well", "role", "reason"])
    suffix = column_suffix(unit)
    meta = dict(
        plate.metadata,
        method=method,
        rate_unit=unit.label,
        rate_column=f"rate_{suffix}",
        stderr_column=f"rate_stderr_{suffix}",
        coupling_lag_s=lag,
    )
    return RatesTable(frame.reset_index(drop=True), excl, meta)


#: The plate options of :func:`initial_rates` (all of :func:`~mgkinetics.rates.plate.prepare_plate`'s).
PLATE_OPTIONS = tuple(p for p in inspect.signature(prepare_plate).parameters if p not in ("traces", "layout"))
initial_rates.__signature__ = plate_signature(initial_rates, PLATE_OPTIONS, after="method")


def _no_rates(excluded) -> DataFormatError:
    """The error when no sample well gives a rate: every excluded well with its reason."""
    problems = [
        Problem(None, None, f"plate {p} well {w}{f' ({role})' if role else ''}: {why}")
        for p, w, role, why in excluded
    ]
    head = Problem(None, None, "no sample well gives a rate; the wells not used, with the reason:")
    return DataFormatError("traces", [head, *problems])
