"""The one fit engine: lmfit's ``least_squares`` over one or several data sets, some keys shared.

A single fit is this engine on one data set. The refinement that certified (NIST StRD) accuracy
needs happens inside the lmfit run: scipy's trust-region-reflective solver (bounds handled
natively, no transformation), tolerances at machine precision and a central-difference Jacobian
with one Richardson step (error ~h⁴, :func:`mgkinetics.fitting.numerics.richardson_jacobian`)
instead of forward differences. The residuals are divided by their initial RMS (a constant, so the
optimum does not move) and the steps are scaled by the Jacobian's columns, so a fit does not
depend on the scale of the data (rates of 1e-30 or 1e+30 fit alike). The covariance is computed
at the optimum from that Jacobian and written back into the lmfit result, so ``lmfit_result``
holds exactly the reported values, standard errors and correlations. Where every data set's law
carries its own Jacobian (``law.func.jacobian``: the speciated Mg laws, closed form), it replaces
the numerical one (:func:`law_jacobian`).

Should that solve stop without convergence, Levenberg–Marquardt (lmfit ``leastsq``) runs from the
same starts and the trust-region solve continues from its answer; the lower RSS wins. Non-finite
model values count as a huge residual, so the solver backs off instead of failing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from mgkinetics.fitting.numerics import covariance
from mgkinetics.fitting.stacked import BIG, Stacked

__all__ = ["Layout", "Solution", "solve", "law_jacobian", "TOLERANCES"]

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


#: Why a solve that lmfit calls a success is not one: its end point is not finite.
_NOT_FINITE = (
    "the solver ended where a parameter or the residual sum of squares is not finite; "
    "is a value in the data near the float range?"
)


def _safe(key: str, n: int) -> str:
    return key if key.isidentifier() else re.sub(r"\W", "_", key) + f"_{n}"


class _Memo:
    """The stacked residuals and Jacobian, remembered at the points already evaluated.

    MINPACK evaluates the start twice (a shape check, then the first iteration) and the answer is
    evaluated again for its RSS and covariance: each point's law calls happen once. The last few
    points and the one with the lowest RSS (the answer of a solver that only accepts descending
    steps) are kept; keys are the exact parameter values; the stored arrays are read-only, and
    the solver gets fresh ones.
    """

    _KEEP = 4  # recent points remembered

    def __init__(self, stacked: Stacked) -> None:
        self.stacked = stacked
        self._raw: dict[tuple, np.ndarray] = {}
        self._jac: dict[tuple, np.ndarray] = {}
        self._best: tuple[float, tuple, np.ndarray] = (math.inf, (), np.zeros(0))

    @staticmethod
    def _remember(store: dict, key: tuple, value: np.ndarray) -> np.ndarray:
        if len(store) >= _Memo._KEEP:
            del store[next(iter(store))]  # the oldest point
        value.setflags(write=False)
        store[key] = value
        return value

    def raw(self, theta: tuple) -> np.ndarray:
        """``w·(f − y)`` unscaled (read-only)."""
        hit = self._raw.get(theta)
        if hit is not None:
            return hit
        if theta == self._best[1]:
            return self._best[2]
        r = self._remember(self._raw, theta, self.stacked.raw(theta))
        rss = float(r @ r)
        if rss < self._best[0]:
            self._best = (rss, theta, r)
        return r

    def jac(self, theta: tuple) -> np.ndarray:
        """The accurate Jacobian of the unscaled residuals in solver coordinates (read-only): the
        laws' own (:func:`law_jacobian`) where they have one, else the stacked numerical one."""
        hit = self._jac.get(theta)
        if hit is not None:
            return hit
        jac = law_jacobian(self.stacked, theta)
        if jac is None:
            jac = self.stacked.jacobian(theta, scaled=False)
        return self._remember(self._jac, theta, jac)


def law_jacobian(stacked: Stacked, theta) -> np.ndarray | None:
    """``∂(w·(f − y))/∂θ`` in solver coordinates from the laws' own derivatives (a law function
    with a ``jacobian(*inputs, wrt=names, **params)``, as the speciated laws have); None when a
    data set's law has none, or a value is not finite (the numerical Jacobian then decides)."""
    column = {key: j for j, key in enumerate(stacked.varying)}
    jac = np.zeros((stacked.size, len(column)))
    values = stacked.values(theta)
    for (law, args, keys, _rate, weights), part, unit in zip(
        stacked.calls, stacked.slices, stacked.unit_weights, strict=True
    ):
        wrt = [(name, column[key]) for name, key in keys if key in column]
        if not wrt:
            continue
        derivative = getattr(law.func, "jacobian", None)
        if derivative is None:
            return None
        rows = derivative(*args, wrt=[name for name, _ in wrt], **{name: values[key] for name, key in keys})
        for (_, j), row in zip(wrt, rows, strict=True):
            jac[part, j] += row if unit else weights * row
    jac *= stacked.factor
    return jac if np.isfinite(jac).all() else None


def _parameters(layout: Layout, safe: Mapping[str, str], factor) -> list:
    """Every key as an lmfit parameter, fresh for each run (lmfit's minimizer works on them in
    place); a scaled one is solved as ``name__scaled`` and the key is its exact power-of-two
    multiple (an lmfit expression), so the key holds the reported value."""
    import lmfit

    scale = dict(zip(layout.varying, factor, strict=True))
    out = []
    for key, value in layout.starts.items():
        spec = layout.specs[key]
        f = float(scale.get(key, 1.0))
        if f != 1.0:
            inner = f"{safe[key]}__scaled"
            out.append(lmfit.Parameter(inner, value=value / f, min=spec.min / f, max=spec.max / f))
            out.append(lmfit.Parameter(safe[key], expr=f"{inner} * {f!r}"))
        else:
            out.append(
                lmfit.Parameter(
                    safe[key], value=value, min=spec.min, max=spec.max, vary=key in layout.varying
                )
            )
    return out


@cache
def _minimizer_class():
    """``lmfit.Minimizer`` without lmfit's own standard errors, correlations and ``uvars``: the
    engine computes the covariance from the accurate Jacobian at the optimum and writes it into
    the result (:func:`_write_back`), so lmfit's estimate would be computed only to be replaced.
    Whether lmfit found a covariance with positive variances (``errorbars``) is kept: the engine
    reads it to tell a plateau from an optimum."""
    import lmfit

    class Minimizer(lmfit.Minimizer):
        def _calculate_uncertainties_correlations(self) -> None:
            self.result.errorbars = bool(np.all(np.diag(self.result.covar) > 0))

    return Minimizer


def _minimize(memo: _Memo, params: list, names: list[str], method: str, budget: int):
    import lmfit

    minimizer_class = _minimizer_class()
    scale = memo.stacked.scale

    def residual(pv):
        return memo.raw(tuple([pv[n].value for n in names])) / scale

    def jac(pv):
        return memo.jac(tuple([pv[n].value for n in names])) / scale

    if method == "least_squares":  # lmfit's least_squares needs a Parameters object
        held = lmfit.Parameters()
        held.add_many(*params)
        minimizer = minimizer_class(residual, held, scale_covar=False)
        return minimizer.minimize(
            method="least_squares", jac=jac, x_scale="jac", max_nfev=budget, **TOLERANCES
        )
    # leastsq takes the list of Parameter objects as they are (no deep copy of a Parameters)
    minimizer = minimizer_class(residual, params, scale_covar=False)
    return minimizer.minimize(method="leastsq", Dfun=jac, max_nfev=budget, **LEASTSQ_TOLERANCES)


def _theta(result, names) -> tuple:
    return tuple([result.params[n].value for n in names])


def _rss(memo: _Memo, result, names) -> float:
    if result is None:
        return math.inf
    theta = _theta(result, names)
    if not all(math.isfinite(t) for t in theta):
        return math.inf
    return _finite_rss(memo.raw(theta))


def _finite_rss(r: np.ndarray) -> float:
    """``r·r``, or inf when a model value was not finite (a residual is the ``BIG`` sentinel) or
    the sum overflows. Not ``rss < BIG``: rates of 1e60 have a true RSS of 1e118."""
    rss = float(r @ r)
    return rss if math.isfinite(rss) and not (r == BIG).any() else math.inf


def _run(memo: _Memo, fresh, names: list[str], budget: int):
    """lmfit leastsq (Levenberg–Marquardt) on the accurate Jacobian; when it does not converge,
    lmfit least_squares (trust-region reflective) from the same starts; the lower RSS wins.
    ``fresh()`` gives each run its own parameters at the starts."""
    try:
        first = _minimize(memo, fresh(), names, "leastsq", budget)
    except (ValueError, OverflowError, TypeError, np.linalg.LinAlgError):
        first = None
    # a converged LM whose covariance lmfit could not estimate may sit on a plateau (NIST BoxBOD
    # from start 1): the trust-region solve gets its chance too
    if first is not None and first.success and first.errorbars and math.isfinite(_rss(memo, first, names)):
        return first
    try:
        second = _minimize(memo, fresh(), names, "least_squares", budget)
    except (ValueError, OverflowError, TypeError, np.linalg.LinAlgError):
        second = None
    candidates = [c for c in (first, second) if c is not None]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (_rss(memo, c, names), not c.success))


def _write_back(result, external: list[str], internal: list[str], factor, cov: np.ndarray | None, r) -> None:
    """The reported covariance as the lmfit result's covar, stderr, correl and uvars (scaled solver
    parameters get theirs divided by their factor), and the unscaled residuals ``r`` as its
    residual, chisqr, redchi, AIC and BIC (lmfit's formulas)."""
    result.residual = np.array(r)
    result._calculate_statistics()
    result.covar = cov
    result.uvars = None
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


def solve(problems: Sequence, layout: Layout, *, scale_covar: bool, budget: int | None = None) -> Solution:
    """Fit ``problems`` jointly as laid out; see the module docstring.

    Floating-point warnings are off inside: trial steps that overflow are expected and
    non-finite model values are handled explicitly.
    """
    with np.errstate(all="ignore"):
        return _solve(problems, layout, scale_covar, budget)


def _solve(problems: Sequence, layout: Layout, scale_covar: bool, budget: int | None) -> Solution:
    stacked = Stacked(problems, layout)
    n = sum(p.n for p in problems)
    k = len(layout.varying)
    safe = {key: _safe(key, i) for i, key in enumerate(layout.starts)}
    external = [safe[key] for key in layout.varying]
    names = [f"{nm}__scaled" if f != 1 else nm for nm, f in zip(external, stacked.factor, strict=True)]
    if not k:
        r = stacked.raw([])
        return Solution(dict(layout.starts), float(r @ r), True, "no parameters varied", None, None, n, n)
    memo = _Memo(stacked)

    def fresh() -> list:
        return _parameters(layout, safe, stacked.factor)

    try:
        result = _run(memo, fresh, names, budget or 200 * (k + 1) ** 2)
    except OverflowError:  # a start so far out that lmfit's bound transformation overflows
        result = None
    if result is None:
        return Solution(
            dict(layout.starts), math.nan, False, "no solver found a finite solution", None, None, n - k, n
        )
    theta = _theta(result, names)
    values = stacked.values(theta)
    for key, nm in zip(layout.varying, external, strict=True):
        values[key] = float(result.params[nm].value)  # exactly what lmfit holds
    r = memo.raw(theta)
    rss = float(r @ r)
    dof = n - k
    finite = all(math.isfinite(t) for t in theta) and math.isfinite(_finite_rss(r))
    success = bool(result.success) and finite
    cov = None
    if finite:
        jac = memo.jac(theta) / stacked.factor  # d r / d (external value)
        redchi = rss / dof if dof > 0 else math.nan
        cov = covariance(jac, redchi if scale_covar else 1.0)
    _write_back(result, external, names, stacked.factor, cov, r)
    message = str(result.message) if finite or not result.success else _NOT_FINITE
    return Solution(values, rss, success, message, cov, result, dof, n)


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
