"""Assembling a :class:`~mgkinetics.batch.result.BatchResult` from the solver's chunk fits.

Standard errors come from the same covariance formula as :func:`mgkinetics.fitting.single.fit_problem`,
then intervals, statistics and information criteria, derived quantities, a status per curve in the
vocabulary of single fits (:data:`~mgkinetics.batch.result.STATUSES`) and the per-curve warnings.

Statuses, first match wins: ``failed`` (the curve could not be fitted, or the fit did not
converge), ``not_bounded`` (a parameter ran away beyond 10⁶ × the data's scale: the optimum lies at
infinity, e.g. KM → ∞ where only Vmax/KM is determined), ``not_identifiable`` (singular or
zero-width covariance, or two parameters correlated beyond ±0.9999 as in single fits),
``at_bound`` (a parameter sits at a bound), ``converged``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mgkinetics.batch.activity import no_activity_status, no_activity_values, noise_only_status
from mgkinetics.batch.bounded import Tops, not_bounded_flags
from mgkinetics.batch.correlated import correlated_pairs, correlation_stack
from mgkinetics.batch.curvewarnings import PendingWarnings
from mgkinetics.batch.paramwarnings import parameter_warnings
from mgkinetics.batch.result import BatchResult, _information_criteria_many
from mgkinetics.batch.rowops import filled, rows_all, rows_any
from mgkinetics.fitting.numerics import quantile as _quantile
from mgkinetics.fitting.results import Exclusion
from mgkinetics.fitting.status import CONVERGED_REASON, bound_message, is_zero_width
from mgkinetics.units import convert, parse_unit

__all__ = ["SlopeRatio", "assemble", "slope_ratios"]


@dataclass(frozen=True)
class SlopeRatio:
    """numerator/KM (the initial slope), reported for curves whose KM runs away (``not_bounded``).

    ``num`` and ``den`` index the law's parameters; ``name``, ``unit`` and ``factor`` (from the
    parameters' units to ``unit``) are those :func:`mgkinetics.fitting.estimates.derived_for` gives
    a single fit, so the batch table and ``fit()`` name and scale it alike (``vmax_over_km``, 1/s).
    """

    num: int
    den: int
    name: str
    unit: str
    factor: float


def slope_ratios(law, varying, punits, fixed) -> list[SlopeRatio]:
    """The ratios a single fit adds when a saturation constant runs away, for fitted pairs only;
    none when the law's order at low concentration is fitted or ``fixed`` at other than 1 (Hill's
    n: :func:`mgkinetics.fitting.slope.slope_numerator`)."""
    from mgkinetics.fitting.estimates import derived_for
    from mgkinetics.fitting.results import Estimate
    from mgkinetics.fitting.slope import slope_numerator
    from mgkinetics.fitting.status import is_saturation_constant

    names = list(law.param_names)
    if slope_numerator(law, varying, fixed) is None:
        return []
    ones = {p: Estimate(p, fixed.get(p, 1.0), None, None, None, punits[p]) for p in names}
    kms = [p.name for p in law.params if is_saturation_constant(p, law.input_names) and p.name in varying]
    out = []
    for km in kms:
        for name, est in derived_for(law, ones, [], None, np.nan, 0.95, [km]).items():
            numerator = name[: -len(f"_over_{km}")] if name.endswith(f"_over_{km}") else None
            if name in {d.name for d in law.derived} or numerator not in varying:
                continue
            out.append(SlopeRatio(names.index(numerator), names.index(km), name, est.unit.label, est.value))
    return out


@dataclass
class _Collected:
    values: np.ndarray
    rss: np.ndarray
    ss_tot: np.ndarray
    converged: np.ndarray
    fitted: np.ndarray
    singular: np.ndarray
    runaway: np.ndarray
    cov: np.ndarray
    ratio_var: np.ndarray
    dead: np.ndarray


def _collect(fits, G: int, K: int, k: int, n_ratios: int = 0) -> _Collected:
    c = _Collected(
        np.full((G, K), np.nan),
        np.full(G, np.nan),
        np.full(G, np.nan),
        np.zeros(G, bool),
        np.zeros(G, bool),
        np.zeros(G, bool),
        np.zeros(G, bool),
        np.full((G, k, k), np.nan),
        np.full((G, n_ratios), np.nan),
        np.zeros(G, bool),
    )
    for f in fits:
        c.values[f.index], c.rss[f.index], c.ss_tot[f.index] = f.P, f.rss, f.ss_tot
        c.converged[f.index], c.fitted[f.index] = f.converged, True
        c.singular[f.index], c.runaway[f.index], c.cov[f.index] = f.singular, f.runaway, f.cov_unscaled
        if n_ratios and f.ratio_var is not None:
            c.ratio_var[f.index] = f.ratio_var
        if f.dead is not None:
            c.dead[f.index] = f.dead
    return c


def _bound_hits(law, vary_idx, values, P0, fitted, punits):
    """(curve, message) for every varied parameter at one of its bounds."""
    hits = []
    for j in vary_idx:
        p = law.params[j]
        unit = str(punits[p.name])  # formatted once, not per curve
        start = np.maximum(np.abs(values[:, j]), np.abs(P0[:, j]))
        for bound, side in ((p.min, "lower"), (p.max, "upper")):
            if not np.isfinite(bound):
                continue
            with np.errstate(invalid="ignore"):
                at = fitted & (np.abs(values[:, j] - bound) <= 1e-6 * np.maximum(start, abs(bound)))
            hits += [(i, bound_message(p.name, values[i, j], unit, side, bound)) for i in np.flatnonzero(at)]
    return hits


def _runaway_reason(law, vary_idx, values, cap, i, loose=None) -> str:
    """A single fit's not_bounded text for curve ``i``: the saturation constants (KM, K½) beyond 10×
    their input's highest value and what is determined instead, else the Ki-like constants; for a
    curve that ran past its caps the constants beyond 10× are named, as a single fit names them
    (a Hill curve's Vmax runs past its cap with K½)."""
    from mgkinetics.batch.starts import RUNAWAY
    from mgkinetics.fitting.slope import determined_when_runaway
    from mgkinetics.fitting.status import (
        BEYOND_DATA,
        is_concentration_constant,
        is_saturation_constant,
        not_bounded_reason,
        saturation_not_bounded_reason,
    )

    def determined(names: str) -> str:  # what is left when these KM-like constants run away
        varying = [law.params[j].name for j in vary_idx]
        return determined_when_runaway(law, names, varying, dict(zip(law.param_names, values[i])))

    ran = any(abs(values[i, j]) > cap[i, j] for j in vary_idx)
    if ran:  # every constant beyond 10× its input's highest value (the cap is 10⁶ × that)
        flagged = [law.params[j] for j in vary_idx if abs(values[i, j]) > BEYOND_DATA * cap[i, j] / RUNAWAY]
    else:
        flagged = [law.params[j] for j in vary_idx if loose is not None and loose[i, j]]
    kms = ", ".join(p.name for p in flagged if is_saturation_constant(p, law.input_names))
    if kms:
        return saturation_not_bounded_reason(kms, determined(kms))
    kis = [  # Ki-like constants (a curve that did not run away: whatever the rule flagged)
        p.name
        for p in flagged
        if not is_saturation_constant(p, law.input_names)
        and (not ran or is_concentration_constant(p, law.input_names))
    ]
    if kis:
        return not_bounded_reason(kis)
    gone = [law.params[j] for j in vary_idx if abs(values[i, j]) > cap[i, j]]
    names = ", ".join(p.name for p in gone) or "a parameter"
    return (
        f"{names} ran away beyond 10⁶ × the data's scale: the data do not bound "
        f"{'it' if len(gone) <= 1 else 'them'} (the optimum lies at infinity); measure at higher "
        "concentrations"
    )


_SINGULAR = (
    "standard errors could not be estimated: the parameters are not all determined by "
    "these data (singular covariance)"
)
_ZERO_WIDTH = (
    "zero-width standard error (the residuals are 0 or at rounding level, as for exact or "
    "computed data): the uncertainty cannot be estimated"
)
_NOT_CONVERGED = (
    "the fit did not converge within the iteration limit, from the law's start or two "
    "rescaled restarts; try --init with better starting values"
)


def _statuses(law, vary_idx, c: _Collected, se, reasons, cap, bound_hits, loose, tied):
    """Status and reason per curve (see the module docstring for the order), and the masks of the
    curves that were not fitted (a reason given), are ``not_bounded`` and failed to converge (or gave
    non-finite values): ``status == ...`` without comparing the object arrays again. Row reductions
    by :mod:`mgkinetics.batch.rowops` (numpy's per-row ``any``/``all`` machinery is slower)."""
    G = c.fitted.size
    status, why = filled(G, "converged"), filled(G, CONVERGED_REASON)
    for i, msg in reversed(bound_hits):
        status[i], why[i] = "at_bound", msg
    status[tied[0]], why[tied[0]] = "not_identifiable", tied[1]  # two parameters tied (> 0.9999)
    with np.errstate(invalid="ignore"):
        zero_se = (
            rows_any(is_zero_width(c.values[:, vary_idx], se[:, vary_idx])) if vary_idx else np.zeros(G, bool)
        )
    rows = np.flatnonzero(c.fitted & (c.singular | zero_se))
    status[rows] = "not_identifiable"
    why[rows] = np.array([_ZERO_WIDTH, _SINGULAR], dtype=object)[c.singular[rows].astype(np.intp)]
    with np.errstate(invalid="ignore"):
        big = rows_any(np.abs(c.values[:, vary_idx]) > cap[:, vary_idx]) if vary_idx else c.runaway
    away = c.runaway | big | rows_any(loose)
    rows = np.flatnonzero(c.fitted & away)
    unbounded = np.zeros(G, dtype=bool)
    unbounded[rows] = True
    if rows.size:  # curves whose constants run away alike (same flags) share one reason
        with np.errstate(invalid="ignore"):
            flags = np.hstack([loose[rows], np.abs(c.values[rows][:, vary_idx]) > cap[rows][:, vary_idx]])
        # the flags of a row as one integer (its bits): np.unique over rows of booleans sorts
        # them as raw bytes, ten times slower; the groups (first row, which group) are the same
        if flags.shape[1] <= 62:
            flags = flags.astype(np.int64) @ (np.int64(1) << np.arange(flags.shape[1], dtype=np.int64))
        _, first, which = np.unique(
            flags, axis=0 if flags.ndim == 2 else None, return_index=True, return_inverse=True
        )
        texts = [_runaway_reason(law, vary_idx, c.values, cap, rows[f], loose) for f in first]
        texts = np.array(texts, dtype=object)
        status[rows], why[rows] = "not_bounded", texts[np.asarray(which).ravel()]
    failed = c.fitted & ~c.converged & ~away
    status[failed], why[failed] = "failed", _NOT_CONVERGED
    given = reasons != ""
    rows = np.flatnonzero(given)
    status[rows], why[rows] = "failed", reasons[rows]
    bad = ~rows_all(np.isfinite(c.values)) & ~(failed | given)
    status[bad], why[bad] = "failed", "the fit gave non-finite values"
    return status, why, (given, unbounded & ~given & ~bad, (failed | bad) & ~given)


def _derived(law, punits, values, cov, vary_idx, q):
    """Columns (value, SE, low, high) and unit of each derived ratio, by the delta method."""
    out = []
    for d in law.derived:
        a, b = law.param_names.index(d.numerator), law.param_names.index(d.denominator)
        target = parse_unit(d.unit)
        factor = convert(1.0, punits[d.numerator] / punits[d.denominator], target)
        with np.errstate(all="ignore"):
            val = values[:, a] / values[:, b] * factor
            grads = {a: 1.0 / values[:, a], b: -1.0 / values[:, b]}
            sel = [(vary_idx.index(i), g) for i, g in grads.items() if i in vary_idx]
            var = np.zeros(values.shape[0])
            for ti, gi in sel:
                for tj, gj in sel:
                    var = var + gi * gj * cov[:, ti, tj]
            dse = np.sqrt(var * val**2) if sel else np.full(values.shape[0], np.nan)
        out.append((d.name, target.label, val, dse, val - q * dse, val + q * dse))
    return out


def _warnings(reasons, c, status, why, bound_hits, marks) -> PendingWarnings:
    """Per curve, its warnings as :class:`~mgkinetics.errors.FitWarning` (text with a ``code``),
    made when first read (:class:`~mgkinetics.batch.curvewarnings.PendingWarnings`); ``marks``:
    the masks :func:`_statuses` returns."""
    pending = PendingWarnings(status.size)
    given, unbounded, not_converged = marks
    for code, rows, texts in (
        ("not_fitted", np.flatnonzero(given), reasons),
        ("not_bounded", np.flatnonzero(unbounded), why),
        ("not_converged", np.flatnonzero(not_converged), why),
    ):
        pending.shared(code, rows.tolist(), texts[rows].tolist())  # one object per distinct text
    rows = np.flatnonzero(c.fitted & c.singular).tolist()
    pending.shared("singular_covariance", rows, [_SINGULAR] * len(rows))
    pending.each("at_bound", [i for i, _ in bound_hits], [msg for _, msg in bound_hits])
    return pending


def _slopes(ratios, c: _Collected, status, cap, scale: bool, redchi, q, loose):
    """Columns (name, unit, value, SE, low, high) of numerator/KM for the curves whose KM ran away
    (status ``not_bounded``; NaN on the other curves, as a single fit reports it only then); a
    ratio no curve needs gives no column."""
    out = []
    for t, r in enumerate(ratios):
        with np.errstate(invalid="ignore"):
            rows = (status == "not_bounded") & (
                (np.abs(c.values[:, r.den]) > cap[:, r.den]) | loose[:, r.den]
            )
        if not rows.any():
            continue
        with np.errstate(all="ignore"):
            val = np.where(rows, c.values[:, r.num] / c.values[:, r.den] * r.factor, np.nan)
            var = c.ratio_var[:, t] * (redchi if scale else 1.0)
            dse = np.where(rows, np.sqrt(var) * abs(r.factor), np.nan)
        out.append((r.name, r.unit, val, dse, val - q * dse, val + q * dse))
    return out


def assemble(
    law, prep, setup, punits, plan, reasons, fits, ci_level, engine_name, P0, cap, log_weights=0.0, ratios=()
) -> BatchResult:
    """One :class:`BatchResult` from the chunk fits of :func:`mgkinetics.fit_many` (``ratios``: the
    :class:`SlopeRatio` list the chunks computed variances for)."""
    G, K, k = plan.labels.size, len(law.params), len(setup.varying)
    vary_idx = [law.param_names.index(p) for p in setup.varying]
    scale = prep.table.scheme.scale_covar
    c = _collect(fits, G, K, k, len(ratios))
    scale_idx = no_activity_values(law, setup.varying, c, P0)
    n = plan.n_used.astype(int)
    dof = n - k
    se = np.full((G, K), np.nan)
    with np.errstate(all="ignore"):
        redchi = np.where(c.fitted & (dof > 0), c.rss / np.where(dof > 0, dof, 1), np.nan)
        cov = c.cov * redchi[:, None, None] if scale else c.cov
        for t, j in enumerate(vary_idx):
            se[:, j] = np.sqrt(cov[:, t, t])
        r2 = np.where(c.ss_tot > 0, 1.0 - c.rss / c.ss_tot, np.nan)
    q = np.full(G, np.nan)
    if c.fitted.any():  # one quantile per distinct dof (a batch has few)
        dofs, which = np.unique(dof[c.fitted], return_inverse=True)
        q[c.fitted] = np.array([_quantile(scale, int(d), ci_level) for d in dofs])[np.asarray(which).ravel()]
    aicc, bic = _information_criteria_many(n, k, c.rss, scale, c.fitted, log_weights)
    # a side beyond the parameter's declared bound is cut there, as single fits do (clip_interval)
    low = np.maximum(c.values - q[:, None] * se, [p.min for p in law.params])
    high = np.minimum(c.values + q[:, None] * se, [p.max for p in law.params])
    bound_hits = _bound_hits(law, vary_idx, c.values, P0, c.fitted, punits)
    tops, corr = Tops(plan), correlation_stack(cov)  # highest concentrations, correlations: shared
    loose = not_bounded_flags(law, vary_idx, c.values, se, corr, plan, tops) & c.fitted[:, None]
    pairs = correlated_pairs(list(setup.varying), corr, c.fitted & ~c.singular)
    status, why, marks = _statuses(
        law, vary_idx, c, se, reasons, cap, bound_hits, loose, pairs.not_identifiable(G)
    )
    warnings = _warnings(reasons, c, status, why, bound_hits, marks)
    parameter_warnings(law, vary_idx, c, se, tops, punits, pairs, warnings)
    no_activity_status(law, setup.varying, c, status, why, warnings, (aicc, bic), scale_idx)
    units = (prep.table.units, prep.table.rate_unit, punits)
    noise_only_status(law, setup.varying, c, plan, status, why, warnings, units, ci_level)
    for j in range(K):
        if law.params[j].name in setup.fixed:
            se[:, j] = low[:, j] = high[:, j] = np.nan
    names, units = list(law.param_names), {p: punits[p].label for p in law.param_names}
    cols = [[c.values], [se], [low], [high]]
    extra = _derived(law, punits, c.values, cov, vary_idx, q) + _slopes(
        ratios, c, status, cap, scale, redchi, q, loose
    )
    for name, unit, *arrays in extra:
        names.append(name)
        units[name] = unit
        for col, arr in zip(cols, arrays, strict=True):
            col.append(arr[:, None])
    excluded = tuple(
        (str(prep.labels[i]), Exclusion(int(prep.lines[i]), prep.table.reasons[i]))
        for i in plan.excluded_rows
    )
    return BatchResult(
        law=law.name,
        curve=prep.curve,
        curves=plan.labels,
        names=tuple(names),
        values=np.hstack(cols[0]),
        stderr=np.hstack(cols[1]),
        ci_low=np.hstack(cols[2]),
        ci_high=np.hstack(cols[3]),
        units=units,
        fixed=tuple(setup.fixed),
        n=n,
        dof=dof,
        rss=c.rss,
        redchi=redchi,
        r2=r2,
        aicc=aicc,
        bic=bic,
        success=np.isin(status, ("converged", "at_bound")),
        warnings=warnings,
        status=status,
        status_reason=why,
        excluded=excluded,
        unassigned=tuple(prep.table.unassigned),
        weighting=prep.table.scheme.label,
        ci_level=ci_level,
        source=prep.source,
        engine=engine_name,
    )
