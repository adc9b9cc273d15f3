"""Global progress-curve fit: integrated Michaelis–Menten across wells sharing Km and kcat.

Each well i contributes its trace after the coupling lag, modelled as
m_i(t) = A₀,ᵢ + g·(S₀,ᵢ − S(t − τ; S₀,ᵢ, kcat·Eᵢ, Km[, Ki])) with S from
:func:`~mgkinetics.rates.progress.mm_substrate`; S₀,ᵢ and Eᵢ come from the layout, A₀,ᵢ is each
well's own baseline, τ the plate's coupling lag (shared, fitted or fixed). This is the "gold
standard" of traces.md §4.4: no two-step propagation of rate errors. Kept apart from
:mod:`.progress`, whose closed forms import no fitting machinery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataFormatError, FitError, Problem
from ..readonly import readonly
from ..units import convert, parse_column, parse_unit
from .estimate import MIN_PROGRESS_POINTS
from .initial_progress import fit_initial_progress
from .lag import plate_lag
from .linear import ols_line
from .plate import plate_keywords, plate_signature, prepare_plate
from .progress import mm_substrate, mm_substrate_jacobian

__all__ = ["ProgressFitResult", "fit_progress_curves", "SHAREABLE"]

#: Parameters that may be shared across wells (the rest are per well).
SHAREABLE = ("km", "kcat")
_SECONDS = parse_unit("1/s").inverse()  # a time, for the lag


@dataclass(frozen=True)
class ProgressFitResult:
    """A global progress-curve fit.

    Attributes
    ----------
    parameters : Mapping[str, mgkinetics.Estimate]
        Shared parameters (``kcat`` in 1/s, ``km`` and ``ki_product`` in the substrate column's unit)
        and per-well ones named ``<name>_<well>``, with SE and asymptotic-t CIs.
    per_well : pandas.DataFrame
        ``plate, well, s0, enzyme, a0_signal, n_points`` per well fitted.
    success : bool
        lmfit's success and whether the covariance could be estimated.
    message : str
        lmfit's message.
    statistics : Mapping
        ``n_points``, ``n_params``, ``dof``, ``rss``, ``redchi``, ``coupling_lag_s``, ``nfev``.
    lmfit_result : object
        The lmfit MinimizerResult (escape hatch).
    """

    parameters: Mapping[str, Any]
    per_well: pd.DataFrame
    success: bool
    message: str
    statistics: Mapping[str, Any] = field(default_factory=dict)
    lmfit_result: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", readonly(self.parameters))
        object.__setattr__(self, "statistics", readonly(self.statistics))

    @property
    def status(self) -> str:
        """``ok`` or what went wrong, in words."""
        return "ok" if self.success else f"failed: {self.message}"


def _well_inputs(plate, enzyme_column: str, lag: float, lags_skipped: float):
    s0_unit = parse_column(plate.metadata["substrate_column"])[1]
    e_unit = parse_column(enzyme_column)[1]
    if e_unit is None or e_unit.kind != "concentration":
        raise DataFormatError(
            "layout",
            [
                Problem(
                    1,
                    enzyme_column,
                    "enzyme_column must be a concentration column of the layout, e.g. 'enzyme_nM'",
                )
            ],
        )
    wells, problems = [], []
    for w in plate.samples:
        e = w.row.get(enzyme_column)
        keep = w.t >= lags_skipped * lag
        if keep.sum() < MIN_PROGRESS_POINTS:
            keep = np.ones_like(w.t, bool)
        if not np.isfinite(w.s0_mM) or e is None or not np.isfinite(float(e)) or not float(e) > 0:
            problems.append(
                Problem(
                    None,
                    enzyme_column,
                    f"well {w.well}: needs S0 > 0 and enzyme > 0 for a "
                    "progress fit; remove it from the layout or fill in both",
                )
            )
            continue
        wells.append((w, w.t[keep], w.y[keep], float(convert(float(e), e_unit, "mM"))))
    if problems:
        raise DataFormatError("layout", problems)
    if not wells:
        raise FitError("no sample well to fit; the layout needs sample wells with reads")
    return wells, s0_unit


def _starts(wells, g: float, lag: float):
    """Per-well integrated-MM fits give the starting kcat and Km (medians) and baselines."""
    fit = fit_initial_progress(
        [t for _, t, _, _ in wells],
        [y for _, _, y, _ in wells],
        s0=[w.s0_mM for w, *_ in wells],
        g=np.full(len(wells), g),
        lag_s=lag,
        lags_skipped=0.0,
        v0_start=[max(abs(ols_line(t, y)[0] / g), 1e-12) for _, t, y, _ in wells],
        a0_start=[ols_line(t, y)[2] for _, t, y, _ in wells],
    )
    s0 = np.array([w.s0_mM for w, *_ in wells])
    e = np.array([e for *_, e in wells])
    vmax = fit.v0 * (fit.km + s0) / s0
    return float(np.median(vmax / e)), float(np.median(fit.km)), fit.a0


def fit_progress_curves(
    traces,
    layout,
    *,
    substrate_column: str,
    enzyme_column: str = "enzyme_nM",
    shared: tuple[str, ...] = ("km", "kcat"),
    product_inhibition: bool = False,
    coupling_lag_s: float | str = "auto",
    lags_skipped: float = 4.0,
    fit_lag: bool = True,
    ci_level: float = 0.95,
    **plate_options: Any,
) -> ProgressFitResult:
    """Fit the integrated Michaelis–Menten globally to a plate's sample wells with lmfit.

    Parameters
    ----------
    traces, layout : pandas.DataFrame
        As for :func:`~mgkinetics.rates.initial_rates`; every sample well of ``layout`` is fitted
        (filter the layout to fit one variant).
    substrate_column, enzyme_column : str
        Layout columns with each well's S₀ and enzyme concentration (unit-suffixed).
    shared : tuple of {"km", "kcat"}
        Parameters shared by all wells; the others are fitted per well (``km_A1`` ...).
    product_inhibition : bool
        Add a shared competitive product-inhibition constant ``ki_product`` (traces.md §2.3).
    epsilon, path_length, stoichiometry, sign, blank, wavelength_nm
        As for :func:`~mgkinetics.rates.initial_rates`.
    coupling_lag_s : float or "auto"
        Coupling lag τ, or ``auto`` to estimate it from the first reads
        (:func:`~mgkinetics.rates.lag.estimate_coupling_lag`); the start of the shared ``lag_s``.
    fit_lag : bool
        Fit ``lag_s`` as a shared parameter (default); False holds it at ``coupling_lag_s``.
    lags_skipped : float
        Reads before ``lags_skipped·τ`` are left out (the coupling transient is not modelled).
    ci_level : float
        Coverage of the asymptotic-t intervals.

    Returns
    -------
    ProgressFitResult

    Raises
    ------
    DataFormatError, FitError
        Bad tables, a well without S₀ or enzyme, or nothing to fit.
    """
    import lmfit

    bad = [s for s in shared if s not in SHAREABLE]
    if bad:
        raise FitError(f"shared {bad} not understood; share any of {', '.join(SHAREABLE)}")
    options = plate_keywords("fit_progress_curves", plate_options, PLATE_OPTIONS)
    plate = prepare_plate(traces, layout, substrate_column=substrate_column, **options)
    g = plate.g
    lag = plate_lag(plate.samples, coupling_lag_s)
    wells, s0_unit = _well_inputs(plate, enzyme_column, lag, lags_skipped)
    params = _parameters(wells, g, lag, shared, product_inhibition, fit_lag)

    def residual(p):
        v = p.valuesdict()
        ki = v.get("ki_product", np.inf)
        out = []
        for w, t, y, e in wells:
            kcat = v["kcat"] if "kcat" in shared else v[f"kcat_{w.well}"]
            km = max(v["km"] if "km" in shared else v[f"km_{w.well}"], 1e-15)
            s = mm_substrate(t - v["lag_s"], s0=w.s0_mM, vmax=kcat * e, km=km, ki_product=ki)
            out.append(y - (v[f"a0_{w.well}"] + g * (w.s0_mM - s)))
        return np.concatenate(out)

    # analytic Jacobian (traces.md 2.2) without product inhibition; finite differences with it
    jacobian = None if product_inhibition else _jacobian_function(wells, g, shared)
    with np.errstate(all="ignore"):
        res = lmfit.minimize(residual, params, method="leastsq", Dfun=jacobian)
    return _result(res, wells, s0_unit, ci_level)


#: The plate options of :func:`fit_progress_curves` (its own ``substrate_column`` is required).
PLATE_OPTIONS = ("epsilon", "path_length", "stoichiometry", "sign", "blank", "wavelength_nm")
fit_progress_curves.__signature__ = plate_signature(
    fit_progress_curves, PLATE_OPTIONS, after="product_inhibition"
)


def _jacobian_function(wells, g: float, shared):
    """Dfun for lmfit: ∂residual/∂parameter (rows: reads of all wells; columns: varying parameters)."""
    sizes = [t.size for _, t, _, _ in wells]
    offsets = np.concatenate([[0], np.cumsum(sizes)])

    def jacobian(p):
        v = p.valuesdict()
        cols = {}
        n = int(offsets[-1])
        for k, (w, t, _, e) in enumerate(wells):
            rows = slice(offsets[k], offsets[k + 1])
            kcat = v["kcat"] if "kcat" in shared else v[f"kcat_{w.well}"]
            km = max(v["km"] if "km" in shared else v[f"km_{w.well}"], 1e-15)
            d = mm_substrate_jacobian(t - v["lag_s"], s0=w.s0_mM, vmax=kcat * e, km=km)
            # residual = y − (a0 + g·(S0 − S)): ∂r/∂θ = g·∂S/∂θ, ∂r/∂a0 = −1, ∂r/∂lag = −g·∂S/∂t
            for name, values in (
                (f"a0_{w.well}", -np.ones(t.size)),
                ("kcat" if "kcat" in shared else f"kcat_{w.well}", g * d["dvmax"] * e),
                ("km" if "km" in shared else f"km_{w.well}", g * d["dkm"]),
                ("lag_s", -g * d["dt"]),
            ):
                cols.setdefault(name, np.zeros(n))[rows] = values
        names = [name for name, par in p.items() if par.vary]
        return np.column_stack([cols[name] for name in names])

    return jacobian


def _parameters(wells, g, lag, shared, product_inhibition, fit_lag):
    """lmfit Parameters with starting values from the per-well fits."""
    import lmfit

    kcat0, km0, a00 = _starts(wells, g, lag)
    params = lmfit.Parameters()
    for name, start in (("kcat", kcat0), ("km", km0)):
        if name in shared:
            params.add(name, value=start, min=0.0)
        else:
            for w, *_ in wells:
                params.add(f"{name}_{w.well}", value=start, min=0.0)
    if product_inhibition:
        params.add("ki_product", value=10.0 * km0, min=1e-12)
    params.add("lag_s", value=lag, min=0.0, max=max(30.0, 2 * lag), vary=fit_lag)
    for (w, *_), a0 in zip(wells, a00):
        params.add(f"a0_{w.well}", value=float(a0))
    return params


def _result(res, wells, s0_unit, ci_level: float) -> ProgressFitResult:
    """Estimates with units and asymptotic-t intervals, the per-well table and the fit statistics."""
    from scipy import stats

    from .. import Estimate  # the package's public result type (imported here: no import cycle)

    dof = max(int(res.ndata - res.nvarys), 1)
    q = float(stats.t.ppf(0.5 + ci_level / 2, dof))
    conc_factor = float(convert(1.0, "mM", s0_unit))
    units = {
        "kcat": (1.0, parse_unit("1/s")),
        "lag": (1.0, _SECONDS),
        "km": (conc_factor, s0_unit),
        "ki": (conc_factor, s0_unit),
    }
    estimates = {}
    for name, par in res.params.items():
        if name.split("_")[0] not in units:
            continue  # baselines are in signal units: reported in per_well
        factor, unit = units[name.split("_")[0]]
        se = None if par.stderr is None or not np.isfinite(par.stderr) else float(par.stderr) * factor
        value = float(par.value) * factor
        low, high = (None, None) if se is None else (value - q * se, value + q * se)
        estimates[name] = Estimate(name, value, se, low, high, unit, fixed=not par.vary, ci_level=ci_level)
    per_well = pd.DataFrame(
        {
            "plate": [w.plate for w, *_ in wells],
            "well": [w.well for w, *_ in wells],
            f"s0_{s0_unit.label}": [w.s0_mM * conc_factor for w, *_ in wells],
            "enzyme_mM": [e for *_, e in wells],
            "a0_signal": [float(res.params[f"a0_{w.well}"].value) for w, *_ in wells],
            "n_points": [t.size for _, t, _, _ in wells],
        }
    )
    message = str(res.message) + ("" if res.errorbars else "; the covariance could not be estimated")
    stats_out = dict(
        n_points=int(res.ndata),
        n_params=int(res.nvarys),
        dof=dof,
        rss=float(np.sum(res.residual**2)),
        redchi=float(res.redchi),
        coupling_lag_s=float(res.params["lag_s"].value),
        nfev=int(res.nfev),
    )
    return ProgressFitResult(
        estimates, per_well, bool(res.success) and bool(res.errorbars), message, stats_out, res
    )
