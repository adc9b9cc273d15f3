"""The status of a fit and its coded warnings, from the estimates and their covariance.

One vocabulary (:data:`mgkinetics.errors.STATUSES`) for single fits, global fits and what is built
on them, decided in this order (the first that applies wins; every one found is in the warnings):

1. ``failed``: the solver did not converge, or gave non-finite values (a solver that stopped with
   a saturation constant in the not-bounded valley of 3. is ``not_bounded``, its message in the
   reason: in a valley that runs to infinity there is no optimum to converge to);
2. ``not_identifiable`` with a zero-width covariance (a standard error of 0 to rounding, at most
   :data:`ZERO_WIDTH_RTOL` of its value: the residuals are 0 or at rounding level, as for exact or
   computed data; :func:`is_zero_width`, shared with the batch);
3. ``not_bounded``: a saturation constant (``km*``, ``k_half``) beyond 10× the highest
   concentration of its input and not determined (relative SE > 50 %, singular covariance or a
   correlation beyond ±0.999): the data lie on the initial slope, only Vmax/KM is determined
   (:func:`not_bounded_by_data`, the one rule fits and batches share);
4. ``not_identifiable``: a singular covariance, or two parameters correlated beyond ±0.9999;
5. ``at_bound``: a parameter at a declared bound (which one and which bound in the reason);
6. ``converged``.

``success`` is ``status in ("converged", "at_bound")``: the solver found the optimum within the
bounds, and only the statuses after it say the data do not determine the answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mgkinetics.errors import FitWarning
from mgkinetics.fitting.correlations import CORRELATED, NOT_IDENTIFIABLE_CORRELATION, correlation_warnings
from mgkinetics.fitting.numerics import correlation

__all__ = [
    "BEYOND_DATA",
    "CONVERGED_REASON",
    "poorly_determined_text",
    "bound_message",
    "unit_suffix",
    "SUCCESS",
    "ZERO_WIDTH_RTOL",
    "is_zero_width",
    "FitFacts",
    "parameter_warnings",
    "saturation_constants",
    "concentration_constants",
    "is_concentration_constant",
    "decide",
    "assess",
    "is_saturation_constant",
    "not_bounded_by_data",
    "rate_scale_parameters",
    "no_activity_reason",
]

#: Statuses reported as ``success=True``.
SUCCESS = ("converged", "at_bound")
#: A constant beyond this multiple of the highest concentration of its input may be not bounded.
BEYOND_DATA = 10.0


def unit_suffix(unit) -> str:
    """`` mM`` after a number in a message; nothing for a pure number (unit ``1``) or none."""
    return "" if str(unit) in ("1", "") else f" {unit}"


def bound_message(name: str, value: float, unit, side: str, bound: float) -> str:
    """The ``at_bound`` warning's text, for single and batch fits alike."""
    return (
        f"{name} = {value:.6g}{unit_suffix(unit)} sits at its {side} bound ({bound:g}); its estimate "
        "and error are not reliable"
    )


def rate_scale_parameters(law, varying) -> list[str]:
    """The fitted parameters that scale the rate (Vmax, kcat): 0 when every rate is 0."""
    return [p.name for p in law.params if p.unit in ("rate", "1/time") and p.name in varying]


def no_activity_reason(scale: list[str]) -> str:
    """The reason given, by single and batch fits alike, when every rate of a curve is 0."""
    return (
        f"every rate is 0: no activity detected, so {', '.join(scale) or 'the rate'} = 0 and the other "
        "parameters are not determined; check the assay or measure at a higher enzyme concentration"
    )


def is_saturation_constant(spec, input_names) -> bool:
    """KM-like: named ``km…`` or ``k_half`` and in the unit of one of the law's inputs."""
    return spec.unit in input_names and (spec.name.startswith("km") or spec.name == "k_half")


def is_concentration_constant(spec, input_names) -> bool:
    """A constant in the unit of one of the law's inputs that is not KM-like (Ki, Ksi): it runs to
    infinity when the effect it describes (inhibition) is not seen within the data."""
    return spec.unit in input_names and not is_saturation_constant(spec, input_names)


def concentration_constants(problem, mapping: Mapping[str, str]) -> dict[str, float]:
    """key -> highest concentration of its input, for the Ki-like parameters of one data set."""
    law = problem.law
    return {
        mapping[spec.name]: float(np.fmax.reduce(problem.inputs[spec.unit], axis=None))
        for spec in law.params
        if is_concentration_constant(spec, law.input_names) and problem.n
    }


def saturation_not_bounded_reason(names: str, determined: str) -> str:
    """Why saturation constants (KM, K½) that :func:`not_bounded_by_data` flags are not bounded,
    and what is ``determined`` instead (fit and batch)."""
    return (
        f"{names} runs beyond {BEYOND_DATA:g}× the highest concentration and is not bounded by these "
        f"data (KM → ∞): {determined}; measure at higher concentrations"
    )


def not_bounded_reason(names: Sequence[str]) -> str:
    """Why Ki-like constants that :func:`not_bounded_by_data` flags are not bounded (fit and batch)."""
    joined = ", ".join(names)
    return (
        f"{joined} runs beyond {BEYOND_DATA:g}× the highest concentration of its input and is not bounded by "
        f"these data ({joined} → ∞: the effect it describes is not seen within them); measure over a "
        "wider range of concentrations"
    )


def saturation_constants(problem, mapping: Mapping[str, str]) -> dict[str, float]:
    """key -> highest concentration of its input, for the KM-like parameters of one data set."""
    law = problem.law
    out = {}
    for spec in law.params:
        if is_saturation_constant(spec, law.input_names) and problem.n:
            out[mapping[spec.name]] = float(np.fmax.reduce(problem.inputs[spec.unit], axis=None))  # nanmax
    return out


def _bound_warnings(estimates, varying, specs, starts) -> list[FitWarning]:
    out = []
    for key in varying:
        est, spec = estimates[key], specs[key]
        for bound, side in ((spec.min, "lower"), (spec.max, "upper")):
            scale = max(abs(est.value), abs(bound), abs(starts.get(key, 0.0)))
            if math.isfinite(bound) and abs(est.value - bound) <= 1e-6 * scale:
                out.append(
                    FitWarning(
                        "at_bound",
                        bound_message(key, est.value, est.unit, side, bound),
                        parameter=key,
                        bound=side,
                    )
                )
    return out


#: A standard error at most this fraction of its value is rounding, not an uncertainty: exact data
#: written to 17 digits leave residuals of ~1e-16 of the rates and SEs of ~1e-16 of the values,
#: while the most precise certified data (NIST StRD Lanczos1) have SEs of ~3e-10.
ZERO_WIDTH_RTOL = 1e-12


def is_zero_width(value, stderr):
    """Whether a standard error is 0 to rounding (``stderr <= ZERO_WIDTH_RTOL * |value|``; 0 counts);
    element-wise for arrays (the batch), False for a missing (None or NaN) standard error.

    >>> [is_zero_width(10.0, se) for se in (0.0, 3e-15, 1e-9, None)]
    [True, True, False, False]
    """
    if stderr is None:
        return False
    with np.errstate(invalid="ignore"):
        out = np.asarray(stderr, dtype=float) <= ZERO_WIDTH_RTOL * np.abs(np.asarray(value, dtype=float))
    return bool(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class FitFacts:
    """What the warnings and the status of a solved fit (single or global) are decided from.

    Attributes
    ----------
    estimates : Mapping[str, Estimate]
        Every parameter's estimate, by key.
    varying : sequence of str
        The fitted keys, in the covariance's order.
    specs : Mapping[str, ParamSpec]
        Key -> the law's declaration of the parameter (name, unit role, bounds).
    starts : Mapping[str, float]
        Key -> the fit's starting value.
    tops : Mapping[str, float]
        Saturation constants (:func:`saturation_constants`): key -> highest concentration of its input.
    constants : Mapping[str, float]
        Ki-like constants (:func:`concentration_constants`), the same way.
    determined : callable, optional
        ``determined(", ".join(runaway keys)) -> text``: what the data still determine when those
        saturation constants run away (:func:`mgkinetics.fitting.slope.determined_when_runaway`
        for a single fit); None: "only the initial slope (the ratio to it) is determined".
    """

    estimates: Mapping
    varying: Sequence[str]
    specs: Mapping
    starts: Mapping[str, float]
    tops: Mapping[str, float]
    constants: Mapping[str, float] = field(default_factory=dict)
    determined: Callable[[str], str] | None = None


def poorly_determined_text(key: str, rel_se: float) -> str:
    """The ``poorly_determined`` warning (relative SE > 100 %), fits and batches."""
    return (
        f"{key} is not determined by these data (relative standard error {100 * rel_se:.0f} %); "
        "fix it or add data that constrain it"
    )


def parameter_warnings(facts: FitFacts, cov) -> list[FitWarning]:
    """Coded warnings about the parameters of ``facts`` (``cov``: the covariance over its
    ``varying``, None when singular): singular or zero-width covariance, bounds, KM beyond the
    data, relative SE > 100 %, correlations beyond ±0.999."""
    estimates, varying, specs, tops = facts.estimates, facts.varying, facts.specs, facts.tops
    out: list[FitWarning] = []
    if varying and cov is None:
        out.append(
            FitWarning(
                "singular_covariance",
                "standard errors could not be estimated: the parameters "
                "are not all determined by these data (singular covariance)",
            )
        )
    zero = [k for k in varying if is_zero_width(estimates[k].value, estimates[k].stderr)]
    if zero:
        out.append(
            FitWarning(
                "zero_width",
                f"the standard error of {', '.join(zero)} is 0 to rounding (the residuals are 0 or at "
                "rounding level, as for exact or computed data): these data cannot give an uncertainty",
                parameters=tuple(zero),
            )
        )
    out += _bound_warnings(estimates, varying, specs, facts.starts)
    for key, top in tops.items():
        est = estimates[key]
        if key in varying and specs[key].name in ("km", "k_half") and est.value > 2 * top:
            out.append(
                FitWarning(
                    "beyond_data",
                    f"{key} = {est.value:.4g} {est.unit} is beyond twice the highest {specs[key].unit} "
                    f"({top:.4g} {est.unit}): it is poorly determined; measure at higher concentrations",
                    parameter=key,
                )
            )
    for key in varying:
        e = estimates[key]
        if e.stderr is not None and e.value != 0 and e.stderr / abs(e.value) > 1.0:
            out.append(
                FitWarning(
                    "poorly_determined", poorly_determined_text(key, e.stderr / abs(e.value)), parameter=key
                )
            )
    out += correlation_warnings(varying, cov, CORRELATED)
    return out


#: The reason of a ``converged`` fit (fits and batches).
CONVERGED_REASON = "converged to an interior optimum with finite standard errors"
#: Relative standard error beyond which a saturation constant beyond the data is not determined.
_LOOSE = 0.5
#: |correlation| beyond which a saturation constant beyond the data is tied to its numerator.
_TIED = 0.999


def not_bounded_by_data(value, top, rel_se, max_abs_corr):
    """The one rule for "not bounded by the data (KM → ∞)", shared by fits and batches.

    A saturation constant (KM, K½) is not bounded by the data when it lies beyond 10× the highest
    concentration of its input **and** is not determined: relative standard error above 50 %, no
    standard error at all (NaN: singular covariance), or a correlation beyond ±0.999 with another
    fitted parameter (NaN: not available, counts as not tied). Only the initial slope
    (numerator/KM) is then determined. Element-wise on arrays (one entry per curve).

    Parameters
    ----------
    value, top : float or ndarray
        The constant and the highest concentration of its input (same unit).
    rel_se : float or ndarray
        Its standard error over |value| (NaN when none).
    max_abs_corr : float or ndarray
        Its largest |correlation| with another fitted parameter (NaN or 0 when none).

    Examples
    --------
    >>> bool(not_bounded_by_data(300.0, 16.0, 0.32, 0.9995))  # tied to Vmax
    True
    >>> bool(not_bounded_by_data(300.0, 16.0, 0.32, 0.99))
    False
    >>> bool(not_bounded_by_data(200.0, 16.0, float("nan"), 0.0))  # no SE, beyond 10x: not bounded
    True
    """
    value, top = np.asarray(value, dtype=float), np.asarray(top, dtype=float)
    rel_se, corr = np.asarray(rel_se, dtype=float), np.asarray(max_abs_corr, dtype=float)
    with np.errstate(invalid="ignore"):
        beyond = value > BEYOND_DATA * top
        loose = ~(rel_se <= _LOOSE)  # NaN (no SE) is loose
        tied = corr > _TIED  # NaN counts as not tied (NaN > x is False)
    out = beyond & (loose | tied)
    return bool(out) if out.ndim == 0 else out


def _runaway(estimates, varying, cov, tops) -> list[str]:
    """Saturation constants that run away (:func:`not_bounded_by_data`)."""
    out = []
    corr = correlation(cov) if cov is not None else None
    for key, top in tops.items():
        if key not in varying:
            continue
        e = estimates[key]
        rel = e.stderr / abs(e.value) if e.stderr is not None and e.value != 0 else math.nan
        i = list(varying).index(key)
        tied = np.nanmax(np.abs(np.delete(corr[i], i)), initial=0.0) if corr is not None else math.nan
        if not_bounded_by_data(e.value, top, rel, tied):
            out.append(key)
    return out


def decide(
    estimates: Mapping,
    varying: Sequence[str],
    cov,
    warnings: Sequence[FitWarning],
    tops: Mapping[str, float],
    *,
    success: bool,
    message: str,
    constants: Mapping[str, float] | None = None,
    determined: Callable[[str], str] | None = None,
) -> tuple[str, str, list[str]]:
    """``(status, reason, runaway keys)``; see the module docstring for the order. ``tops``: the
    saturation constants (runaway keys are theirs), ``constants``: the Ki-like ones, each with the
    highest concentration of its input; both are ``not_bounded`` by the same rule."""
    by_code: dict[str, list[FitWarning]] = {}
    for w in warnings:
        by_code.setdefault(getattr(w, "code", ""), []).append(w)
    runaway = _runaway(estimates, varying, cov, tops)
    finite = all(math.isfinite(e.value) for e in estimates.values())
    if not finite or (not success and not runaway):
        return "failed", f"the fit did not converge: {message}", runaway
    if success and "zero_width" in by_code:
        return "not_identifiable", str(by_code["zero_width"][0]), runaway
    if runaway:
        names = ", ".join(runaway)
        what = determined(names) if determined else "only the initial slope (the ratio to it) is determined"
        stopped = "" if success else f" (the solver stopped in that valley: {message})"
        return "not_bounded", saturation_not_bounded_reason(names, what) + stopped, runaway
    loose = _runaway(estimates, varying, cov, constants or {})
    if loose:
        return "not_bounded", not_bounded_reason(loose), runaway
    if "singular_covariance" in by_code:
        return "not_identifiable", str(by_code["singular_covariance"][0]), runaway
    strong = correlation_warnings(list(varying), cov, NOT_IDENTIFIABLE_CORRELATION)
    if strong:
        return "not_identifiable", str(strong[0]), runaway
    if "at_bound" in by_code:
        return "at_bound", "; ".join(str(w) for w in by_code["at_bound"]), runaway
    return "converged", CONVERGED_REASON, runaway


def assess(facts: FitFacts, solution) -> tuple[list[FitWarning], str, str, list[str]]:
    """``(warnings, status, reason, runaway keys)`` of a solved fit (single or global): the
    :func:`parameter_warnings` of ``facts``, then :func:`decide` on them. ``solution`` has
    ``covariance``, ``success`` and ``message`` (:class:`mgkinetics.fitting.engine.Solution`)."""
    cov = solution.covariance
    warnings = parameter_warnings(facts, cov)
    status, reason, runaway = decide(
        facts.estimates,
        facts.varying,
        cov,
        warnings,
        facts.tops,
        success=solution.success,
        message=solution.message,
        constants=facts.constants,
        determined=facts.determined,
    )
    return warnings, status, reason, runaway
