"""Confidence and prediction bands of a fitted curve, by the delta method.

At inputs x, the fitted value f(x; θ̂) has variance gᵀ C g, with g = ∂f/∂θ (the law's own closed-form
Jacobian where it has one, as the speciated Mg laws do; else Richardson-extrapolated central
differences) and C the fit's covariance (already scaled by the residual variance when σ is estimated). The
confidence band is f ± q·√(gᵀCg); the prediction band for one new measurement adds the
measurement variance, σ²/w²: with σ estimated, σ² is the reduced χ² and w the new point's weight
(1 unweighted, 1/|f| relative, 1/√|f| poisson, 1/|f|^b power); with absolute σ it is the σ given (``sd=``).
q is Student's t with the fit's degrees of freedom (normal for absolute σ), as for the parameters.
"""

from __future__ import annotations

import math

import numpy as np

from mgkinetics.errors import FitError
from mgkinetics.fitting.weighting import parse_weights

__all__ = ["bands"]


def _weights(kind: str, fit: np.ndarray, exponent: float = 0.0) -> np.ndarray:
    with np.errstate(divide="ignore"):
        if kind == "power":  # sigma = a*|v|^b (fitting/variance_model.py)
            return np.abs(fit) ** -exponent
        if kind == "relative":
            return 1.0 / np.abs(fit)
        if kind == "poisson":
            return 1.0 / np.sqrt(np.abs(fit))
    return np.ones_like(fit)


def _gradient(law, arrays: dict[str, np.ndarray], values: dict[str, float], names: list[str]) -> np.ndarray:
    """``∂f/∂θ`` at ``arrays``, one column per name: ``law.func.jacobian`` where the law has one and
    it is finite there, else :func:`~mgkinetics.fitting.numerics.richardson_jacobian`."""
    from mgkinetics.fitting.numerics import richardson_jacobian

    inputs = [arrays[n] for n in law.input_names]
    derivative = getattr(law.func, "jacobian", None)
    if derivative is not None:
        rows = derivative(*inputs, wrt=names, **{k: values[k] for k in law.param_names})
        size = np.broadcast(*inputs).size if inputs else 1
        g = np.broadcast_to(np.asarray(rows, dtype=float), (len(names), size)).T
        if np.isfinite(g).all():
            return g

    def f(theta):
        v = dict(values)
        v.update(zip(names, theta, strict=False))
        return np.asarray(law.evaluate(arrays, v), dtype=float)

    return richardson_jacobian(f, np.array([values[n] for n in names], dtype=float))


def bands(result, *, level: float | None = None, sd=None, **inputs) -> dict[str, np.ndarray]:
    """Fitted curve with confidence and prediction bands at new inputs.

    Parameters
    ----------
    result : FitResult
    level : float, optional
        Coverage; the fit's ``ci_level`` when omitted.
    sd : float or array, optional
        Measurement SD of a new point for absolute-σ fits (needed for their prediction band).
    **inputs : array_like
        The law's inputs in the fit's units (``substrate=[...]``).

    Returns
    -------
    dict
        ``fit``, ``conf_low``, ``conf_high``, ``pred_low``, ``pred_high`` arrays.

    Examples
    --------
    >>> import numpy as np, mgkinetics as mgk
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0])
    >>> res = mgk.fit({"s_mM": s, "rate_uM_per_s": 10 * s / (2 + s) * (1 + 0.02 * np.cos(5 * s))},
    ...               "michaelis_menten")
    >>> b = bands(res, substrate=[1.0, 4.0])
    >>> bool(np.all(b["pred_low"] < b["conf_low"]) and np.all(b["conf_low"] < b["fit"]))
    True
    """
    from scipy import stats

    law = result.law
    missing = [n for n in law.input_names if n not in inputs]
    if missing:
        raise FitError(f"bands() needs the inputs {', '.join(missing)}")
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in inputs.items()}
    values = dict(result.values)
    fit = np.asarray(law.evaluate(arrays, values), dtype=float)
    names = list(result.covariance_names)
    if result.covariance is None or not names:
        raise FitError("bands need the parameter covariance, which this fit could not estimate")

    g = _gradient(law, arrays, values, names)
    var_fit = np.einsum("ij,jk,ik->i", g, np.asarray(result.covariance), g)
    level = level if level is not None else next(iter(result.parameters.values())).ci_level
    dof = result.statistics.dof
    if result.scale_covar:
        q = float(stats.t.ppf(0.5 + level / 2, dof)) if dof > 0 else math.nan
        # per-level replicate SDs are unknown at new inputs: unit weight (the average scale)
        scheme = result.scheme if result.scheme is not None else parse_weights(result.weighting.split()[0])
        kind = {"replicates:pooled": "relative"}.get(scheme.kind, scheme.kind)
        exponent = scheme.variance.exponent if getattr(scheme, "variance", None) is not None else 0.0
        var_obs = result.statistics.redchi / _weights(kind, fit, exponent) ** 2
    else:
        q = float(stats.norm.ppf(0.5 + level / 2))
        if sd is None:
            var_obs = np.full_like(fit, np.nan)
        else:
            var_obs = np.broadcast_to(np.asarray(sd, dtype=float) ** 2, fit.shape)
    half_c = q * np.sqrt(np.maximum(var_fit, 0.0))
    half_p = q * np.sqrt(np.maximum(var_fit, 0.0) + var_obs)
    return {
        "fit": fit,
        "conf_low": fit - half_c,
        "conf_high": fit + half_c,
        "pred_low": fit - half_p,
        "pred_high": fit + half_p,
    }
