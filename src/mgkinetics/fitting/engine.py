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

from mgkinetics.fitting.numerics import covariance, richardson_jacobian

__all__ = ["Layout", "Solution", "solve", "TOLERANCES"]

#: scipy least_squares tolerances, at machine precision (they are relative: the residuals are
#: normalised and parameters far from unit size are solved in power-of-two scaled form).
TOLERANCES = {"ftol": 1e-15, "xtol": 1e-15, "gtol": 1e-15}
#: MINPACK (lmfit ``leastsq``) tolerances: tight, gtol off.
LEASTSQ_TOLERANCES = {"xtol": 1e-15, "ftol": 1e-15, "gtol": 0.0}
_FAR = 30  # a parameter beyond 2**±30 is solved as value / 2**k (exact in floating point)
_BIG = 1e100  # residual given to non-finite model values: huge, yet its square stays finite


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


def _power_of_two(value: float, typical: float) -> float:
    """1, or the power of two nearest a parameter's size when that is beyond 2**±30."""
    size = abs(value) if value != 0 and math.isfinite(value) else abs(typical)
    if not size > 0 or not math.isfinite(size):
        return 1.0
    k = round(math.log2(size))
    return 2.0**k if abs(k) > _FAR else 1.0


def _frozen(values) -> np.ndarray:
    """A read-only copy: the inputs cannot change during a solve (so laws may cache on them)."""
    arr = np.array(values, dtype=float)
    arr.setflags(write=False)
    return arr


class _Stacked:
    """Weighted residuals of every data set stacked, as functions of the varied keys.

    ``theta`` is in solver coordinates: each varied key's value divided by its power-of-two
    ``factor`` (1 for parameters of ordinary size), so the product is exact.
    """

    def __init__(self, problems, layout: Layout) -> None:
        self.problems = list(problems)
        self.layout = layout
        self.varying = list(layout.varying)
        self.factor = np.array(
            [_power_of_two(layout.starts[k], layout.typical.get(k, 1.0)) for k in self.varying], dtype=float
        )
        self.calls = [
            (p.law, [_frozen(p.inputs[n]) for n in p.law.input_names], list(keys.items()), p.rate, p.weights)
            for p, keys in zip(self.problems, layout.keys, strict=True)
        ]
        rms = math.sqrt(float(np.mean(np.concatenate([p.weights * p.rate for p in problems]) ** 2)))
        self.scale = rms if math.isfinite(rms) and rms > 0 else 1.0
        self.safe: np.ndarray | None = None  # parameters with complex-step derivatives (first call)
        self.vector: bool | None = None  # whether the law broadcasts parameter columns

    def values(self, theta) -> dict[str, float]:
        values = dict(self.layout.starts)
        external = np.asarray(theta, dtype=float) * self.factor
        values.update(zip(self.varying, (float(t) for t in external), strict=True))
        return values

    def raw(self, theta) -> np.ndarray:
        """``w·(f − y)`` over all sets, unscaled; non-finite model values give ``_BIG``."""
        values = self.values(theta)
        parts = []
        for law, args, keys, rate, weights in self.calls:
            model = np.asarray(law.func(*args, **{name: values[key] for name, key in keys}), dtype=float)
            parts.append(weights * (model - rate))
        out = np.concatenate(parts) if parts else np.zeros(0)
        return np.where(np.isfinite(out), out, _BIG)

    def scaled(self, theta) -> np.ndarray:
        return self.raw(theta) / self.scale

    def _typical(self) -> np.ndarray:
        return np.array([self.layout.typical.get(k, 1.0) for k in self.varying]) / self.factor

    def _steps(self, theta: np.ndarray) -> np.ndarray:
        typical = self._typical()
        return 1e-20 * np.where(theta != 0, np.abs(theta), np.where(typical != 0, np.abs(typical), 1.0))

    def _trial_values(self, theta: np.ndarray) -> dict:
        values = dict(self.layout.starts)
        values.update(zip(self.varying, (float(v) for v in theta * self.factor), strict=True))
        return values

    def _complex_columns(self, theta: np.ndarray, idx: list[int]) -> np.ndarray:
        """One law call per data set: each parameter in ``idx`` a column of complex trial values
        (the j-th with its own imaginary step), the law broadcasting them to a (len(idx), n) block."""
        h = self._steps(theta)[idx]
        base = self._trial_values(theta)
        trial = np.tile(np.array([base[self.varying[j]] for j in idx], dtype=complex), (len(idx), 1))
        trial[np.diag_indices(len(idx))] += 1j * h * self.factor[idx]
        column = {self.varying[j]: trial[:, i : i + 1] for i, j in enumerate(idx)}
        blocks = []
        for law, args, keys, _rate, weights in self.calls:
            if not any(key in column for _, key in keys):  # this set does not depend on them
                blocks.append(np.zeros((weights.size, len(idx))))
                continue
            model = np.asarray(law.func(*args, **{name: column.get(key, base[key]) for name, key in keys}))
            if not np.iscomplexobj(model) or model.shape != (len(idx), weights.size):
                raise ValueError("the law does not broadcast parameter columns")
            blocks.append((weights * model.imag).T / h)
        return np.concatenate(blocks) if len(blocks) > 1 else blocks[0]

    def _complex_loop(self, theta: np.ndarray, idx: list[int]) -> np.ndarray:
        """The same, one law call per parameter and data set (laws that do not broadcast)."""
        h = self._steps(theta)
        base = self._trial_values(theta)
        cols = []
        for j in idx:
            values = dict(base)
            values[self.varying[j]] = base[self.varying[j]] + 1j * h[j] * self.factor[j]
            parts = []
            for law, args, keys, _rate, weights in self.calls:
                if all(key != self.varying[j] for _, key in keys):  # this set does not depend on it
                    parts.append(np.zeros(weights.size))
                    continue
                model = np.asarray(law.func(*args, **{name: values[key] for name, key in keys}))
                if not np.iscomplexobj(model):
                    raise TypeError("the law drops the imaginary part")
                parts.append(weights * model.imag / h[j])
            cols.append(np.concatenate(parts) if len(parts) > 1 else parts[0])
        return np.column_stack(cols)

    def _complex_step(self, theta: np.ndarray, idx: list[int]) -> np.ndarray | None:
        """``∂(w·(f − y))/∂θ_idx`` by complex steps (exact to rounding), or None when the law is not
        complex-analytic in them (it drops the imaginary part, or fails)."""
        import warnings

        ways = ([self._complex_columns] if self.vector is not False else []) + [self._complex_loop]
        for way in ways:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", np.exceptions.ComplexWarning)
                    jac = way(theta, idx)
                    if way == self._complex_columns and self.vector is None:  # check broadcasting once
                        self.vector = bool(
                            np.allclose(jac, self._complex_loop(theta, idx), rtol=1e-12, atol=0)
                        )
            except (TypeError, ValueError, IndexError, ArithmeticError, np.exceptions.ComplexWarning):
                if way == self._complex_columns:
                    self.vector = False
                continue
            if way == self._complex_columns and not self.vector:
                continue
            return jac if np.all(np.isfinite(jac)) else None
        return None

    def _richardson(self, theta: np.ndarray, idx: list[int]) -> np.ndarray:
        def sub(part):
            full = theta.copy()
            full[idx] = part
            return self.raw(full)

        return richardson_jacobian(sub, theta[idx], typical=self._typical()[idx])

    def _accurate(self, theta: np.ndarray) -> np.ndarray:
        """Complex steps for the parameters the law is complex-analytic in (checked against the
        Richardson Jacobian at the first call of a solve), Richardson for the others (a Kd that
        goes through the real-valued speciation solver, say)."""
        k = theta.size
        if self.safe is None:
            rich = richardson_jacobian(self.raw, theta, typical=self._typical())
            top = np.max(np.abs(rich), axis=0) if rich.size else np.zeros(0)
            self.safe = np.zeros(k, dtype=bool)
            for j in range(k):
                cs = self._complex_step(theta, [j])
                self.safe[j] = cs is not None and bool(
                    np.all(np.abs(cs[:, 0] - rich[:, j]) <= 1e-6 * (top[j] or 1.0))
                )
            return rich
        jac = np.empty((sum(c[3].size for c in self.calls), k))
        safe = [j for j in range(k) if self.safe[j]]
        rest = [j for j in range(k) if not self.safe[j]]
        cs = self._complex_step(theta, safe) if safe else None
        if safe and cs is None:
            rest, safe = list(range(k)), []
        if safe:
            jac[:, safe] = cs
        if rest:
            jac[:, rest] = self._richardson(theta, rest)
        return jac

    def jacobian(self, theta, *, scaled: bool = True) -> np.ndarray:
        """The accurate Jacobian of the (scaled) residuals in solver coordinates."""
        jac = self._accurate(np.asarray(theta, dtype=float))
        return jac / self.scale if scaled else jac


def _minimize(stacked: _Stacked, params, names: list[str], method: str, budget: int):
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


def _rss(stacked: _Stacked, result, names) -> float:
    if result is None:
        return math.inf
    theta = [result.params[n].value for n in names]
    if not np.all(np.isfinite(theta)):
        return math.inf
    r = stacked.raw(theta)
    rss = float(r @ r)
    return rss if rss < _BIG else math.inf


def _run(stacked: _Stacked, params, names: list[str], budget: int):
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

    stacked = _Stacked(problems, layout)
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
    finite = bool(np.all(np.isfinite(theta))) and rss < _BIG
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
