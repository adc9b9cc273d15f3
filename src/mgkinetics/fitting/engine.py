"""The one fit engine: lmfit's ``least_squares`` over one or several data sets, some keys shared.

A single fit is this engine on one data set. The refinement that certified (NIST StRD) accuracy
needs happens inside the lmfit run: scipy's trust-region-reflective solver (bounds handled
natively, no transformation), tolerances at machine precision and a central-difference Jacobian
with one Richardson step (error ~h⁴, :func:`mgkinetics.fitting.numerics.richardson_jacobian`)
instead of forward differences. The residuals are divided by their initial RMS (a constant, so the
optimum does not move) and the steps are scaled by the Jacobian's columns, so a fit does not
depend on the scale of the data (rates of 1e-30 or 1e+30 fit alike). The covariance is computed
at the optimum from that Jacobian and written back into the lmfit result, so ``lmfit_result``
holds exactly the reported values, standard errors and correlations.

Should that solve stop without convergence, Levenberg–Marquardt (lmfit ``leastsq``) runs from the
same starts and the trust-region solve continues from its answer; the lower RSS wins. Non-finite
model values count as a huge residual, so the solver backs off instead of failing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mgkinetics.fitting.numerics import covariance
from mgkinetics.fitting.stacked import BIG, Stacked

__all__ = ["Layout", "Solution", "solve", "TOLERANCES"]

#: scipy least_squares tolerances, at machine precision (they are relative: the residuals are
#: normalised and parameters far from unit size are solved in power-of-two scaled form).
TOLERANCES = {"ftol": 1e-15, "xtol": 1e-15, "gtol": 1e-15}
#: MINPACK (lmfit ``leastsq``) tolerances: tight, gtol off.
LEASTSQ_TOLERANCES = {"xtol": 1e-15, "ftol": 1e-15, "gtol": 0.0}


@dataclass(frozen=True)
class Layout:
    """Which parameter of which data set is which fitted key.

    Attributes
    ----------
    keys : tuple of dict
        Per data set: parameter name -> key (``km`` when shared or single, ``km[WT]`` otherwise).
    specs : dict
        key -> ParamSpec (bounds).
    starts : dict
        key -> starting (or fixed) value.
    varying : tuple of str
        The fitted keys, in order.
    typical : dict
        key -> the data's magnitude in the parameter's unit (finite-difference steps at 0).
    """

    keys: tuple[dict[str, str], ...]
    specs: dict[str, Any]
    starts: dict[str, float]
    varying: tuple[str, ...]
    typical: dict[str, float]


@dataclass(frozen=True)
class Solution:
    """What the engine found: values by key, RSS, convergence, covariance and the lmfit result."""

    values: dict[str, float]
    rss: float
    success: bool
    message: str
    covariance: np.ndarray | None
    lmfit_result: Any
    dof: int
    n: int


def _safe(key: str, n: int) -> str:
    return key if key.isidentifier() else re.sub(r"\W", "_", key) + f"_{n}"


def _minimize(stacked: Stacked, params, names: list[str], method: str, budget: int):
    import lmfit

    def residual(pv):
        return stacked.scaled([pv[n].value for n in names])

    def jac(pv):
        return stacked.jacobian([pv[n].value for n in names])

    minimizer = lmfit.Minimizer(residual, params, scale_covar=False)
    if method == "least_squares":
        return minimizer.minimize(
            method="least_squares", jac=jac, x_scale="jac", max_nfev=budget, **TOLERANCES
        )
    return minimizer.minimize(method="leastsq", Dfun=jac, max_nfev=budget, **LEASTSQ_TOLERANCES)


def _rss(stacked: Stacked, result, names) -> float:
    if result is None:
        return math.inf
    theta = [result.params[n].value for n in names]
    if not np.all(np.isfinite(theta)):
        return math.inf
    r = stacked.raw(theta)
    rss = float(r @ r)
    return rss if rss < BIG else math.inf


def _run(stacked: Stacked, params, names: list[str], budget: int):
    """lmfit leastsq (Levenberg–Marquardt) on the accurate Jacobian; when it does not converge,
    lmfit least_squares (trust-region reflective) from the same starts; the lower RSS wins."""
    try:
        first = _minimize(stacked, params, names, "leastsq", budget)
    except (ValueError, OverflowError, TypeError, np.linalg.LinAlgError):
        first = None
    # a converged LM whose covariance lmfit could not estimate may sit on a plateau (NIST BoxBOD
    # from start 1): the trust-region solve gets its chance too
    if first is not None and first.success and first.errorbars and math.isfinite(_rss(stacked, first, names)):
        return first
    try:
        second = _minimize(stacked, params, names, "least_squares", budget)
    except (ValueError, OverflowError, TypeError, np.linalg.LinAlgError):
        second = None
    candidates = [c for c in (first, second) if c is not None]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (_rss(stacked, c, names), not c.success))


def _write_back(result, external: list[str], internal: list[str], factor, cov: np.ndarray | None) -> None:
    """The reported covariance as the lmfit result's covar, stderr and correl (scaled solver
    parameters get theirs divided by their factor)."""
    result.covar = cov
    for par in result.params.values():
        par.stderr, par.correl = None, None
    if cov is None:
        result.errorbars = False
        return
    sd = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, name in enumerate(external):
            par = result.params[name]
            par.stderr = float(sd[i])
            par.correl = {m: float(cov[i, j] / (sd[i] * sd[j])) for j, m in enumerate(external) if j != i}
            if internal[i] != name:
                result.params[internal[i]].stderr = float(sd[i] / factor[i])
    result.errorbars = bool(np.all(sd > 0))


def _add_params(params, layout: Layout, safe: Mapping[str, str], factor) -> None:
    """Every key as an lmfit parameter; a scaled one is solved as ``name__scaled`` and the key is
    its exact power-of-two multiple (an lmfit expression), so the key holds the reported value."""
    scale = dict(zip(layout.varying, factor, strict=True))
    for key, value in layout.starts.items():
        spec = layout.specs[key]
        f = float(scale.get(key, 1.0))
        if f != 1.0:
            inner = f"{safe[key]}__scaled"
            params.add(inner, value=value / f, min=spec.min / f, max=spec.max / f, vary=True)
            params.add(safe[key], expr=f"{inner} * {f!r}")
        else:
            params.add(safe[key], value=value, min=spec.min, max=spec.max, vary=key in layout.varying)


def solve(problems: Sequence, layout: Layout, *, scale_covar: bool, budget: int | None = None) -> Solution:
    """Fit ``problems`` jointly as laid out; see the module docstring.

    Floating-point warnings are off inside: trial steps that overflow are expected and
    non-finite model values are handled explicitly.
    """
    with np.errstate(all="ignore"):
        return _solve(problems, layout, scale_covar, budget)


def _solve(problems: Sequence, layout: Layout, scale_covar: bool, budget: int | None) -> Solution:
    import lmfit

    stacked = Stacked(problems, layout)
    n = sum(p.n for p in problems)
    k = len(layout.varying)
    safe = {key: _safe(key, i) for i, key in enumerate(layout.starts)}
    external = [safe[key] for key in layout.varying]
    names = [f"{nm}__scaled" if f != 1 else nm for nm, f in zip(external, stacked.factor, strict=True)]
    if not k:
        r = stacked.raw([])
        return Solution(dict(layout.starts), float(r @ r), True, "no parameters varied", None, None, n, n)
    params = lmfit.Parameters()
    try:
        _add_params(params, layout, safe, stacked.factor)
        result = _run(stacked, params, names, budget or 200 * (k + 1) ** 2)
    except OverflowError:  # a start so far out that lmfit's bound transformation overflows
        result = None
    if result is None:
        return Solution(
            dict(layout.starts), math.nan, False, "no solver found a finite solution", None, None, n - k, n
        )
    theta = np.array([result.params[nm].value for nm in names], dtype=float)
    values = stacked.values(theta)
    for key, nm in zip(layout.varying, external, strict=True):
        values[key] = float(result.params[nm].value)  # exactly what lmfit holds
    r = stacked.raw(theta)
    rss = float(r @ r)
    dof = n - k
    finite = bool(np.all(np.isfinite(theta))) and rss < BIG
    success = bool(result.success) and finite
    cov = None
    if finite:
        jac = stacked.jacobian(theta, scaled=False) / stacked.factor  # d r / d (external value)
        redchi = rss / dof if dof > 0 else math.nan
        cov = covariance(jac, redchi if scale_covar else 1.0)
    _write_back(result, external, names, stacked.factor, cov)
    return Solution(values, rss, success, str(result.message), cov, result, dof, n)


def layout_for(
    problems: Sequence,
    keys: Sequence[Mapping[str, str]],
    starts: Mapping[str, float],
    varying: Sequence[str],
    typical: Mapping[str, float],
) -> Layout:
    """A :class:`Layout` from per-set key maps (bounds read from each set's law)."""
    specs = {}
    for p, mapping in zip(problems, keys, strict=True):
        for spec in p.law.params:
            specs[mapping[spec.name]] = spec
    return Layout(tuple(dict(m) for m in keys), specs, dict(starts), tuple(varying), dict(typical))


__all__ += ["layout_for"]
