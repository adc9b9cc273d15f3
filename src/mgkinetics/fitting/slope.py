"""The standard error of the initial slope a = Vmax/KM when KM is not bounded by the data.

When KM runs away (status ``not_bounded``), only a = numerator/KM is determined. Its standard
error is read from the covariance in the parametrisation (a, b = 1/KM, the other parameters), at
the optimum: for Michaelis–Menten v = a·S/(1 + b·S), which is regular at b → 0 (the data on the
initial slope), unlike (Vmax, KM), whose Gram matrix has lost most of its digits there. The
Jacobian is taken by central differences with one Richardson step *in those coordinates* (the
law is evaluated at Vmax = a/b, KM = 1/b), so no columns cancel. The same function serves a single
fit (:func:`mgkinetics.fit`) and every curve of a batch (:func:`mgkinetics.fit_many`): one formula.

Mathematically var(a) is the delta-method variance g·inv(JᵀJ)·gᵀ in any parametrisation at the
same point; what differs is the arithmetic, which here stays well conditioned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from mgkinetics.batch.gram import invert_gram
from mgkinetics.batch.linalg import gram

__all__ = [
    "determined_when_runaway",
    "rate_scale_param",
    "slope_numerator",
    "slope_stderrs",
    "slope_variance",
]

_REL_STEP = 1e-4
#: KM beyond this multiple of the highest concentration of its input is evaluated there: b·S ≤ 1e-6
#: changes var(a) by ~1e-6 relative, while beyond it the law's own arithmetic (KM + S) loses b in
#: rounding (at KM = 1e16·S, S is below one ulp of KM). Batches stop a runaway KM at the same multiple.
LIMIT_POINT = 1e6


def _to_params(U: np.ndarray, P: np.ndarray, vary: Sequence[int], num: int, den: int) -> np.ndarray:
    """P with the varied columns set from U (a at ``num``, b at ``den``): num = a/b, den = 1/b."""
    out = np.array(P, dtype=float, copy=True)
    for t, j in enumerate(vary):
        out[:, j] = U[:, t]
    with np.errstate(all="ignore"):
        out[:, num] = U[:, list(vary).index(num)] / U[:, list(vary).index(den)]
        out[:, den] = 1.0 / U[:, list(vary).index(den)]
    return out


def slope_variance(
    model: Callable[[np.ndarray], np.ndarray],
    P: np.ndarray,
    weights: np.ndarray,
    vary: Sequence[int],
    num: int,
    den: int,
    den_top=None,
) -> np.ndarray:
    """Unscaled variance of a = P[num]/P[den] per row, from the covariance in (a, b = 1/P[den]).

    Parameters
    ----------
    model : callable
        ``model(P) -> (m, L)`` model values for parameters ``P`` of shape ``(m, K)`` (one row per
        curve; a single fit is one row).
    P : ndarray (m, K)
        The optimum.
    weights : ndarray (m, L)
        Residual weights (0 for padding).
    vary : sequence of int
        Indices of the fitted parameters (``num`` and ``den`` among them).
    num, den : int
        The numerator (Vmax, kcat) and the saturation constant (KM).
    den_top : float or ndarray (m,), optional
        The highest concentration of KM's input: b is evaluated at no less than
        1/(:data:`LIMIT_POINT`·den_top) (the optimum of data on the initial slope is at b → 0).

    Returns
    -------
    ndarray (m,)
        ``inv(JᵀJ)[a, a]``: multiply by the reduced χ² when σ is estimated. NaN where the
        matrix is singular or the point is not finite.

    Examples
    --------
    >>> s = np.array([1.0, 2, 4, 8])
    >>> def mm(P):
    ...     return P[:, :1] * s / (P[:, 1:] + s)
    >>> var = slope_variance(mm, np.array([[1e6, 1e6]]), np.ones((1, 4)), [0, 1], 0, 1)
    >>> # a = 1, b = 1e-6 in v = a*s/(1 + b*s): J_a = s/(1 + b*s), J_b = -a*s**2/(1 + b*s)**2
    >>> b = 1e-6
    >>> J = np.column_stack([s / (1 + b * s), -(s**2) / (1 + b * s) ** 2])
    >>> bool(np.isclose(var[0], np.linalg.inv(J.T @ J)[0, 0], rtol=1e-6))
    True
    """
    P = np.atleast_2d(np.asarray(P, dtype=float))
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    vary = list(vary)
    m, k = P.shape[0], len(vary)
    U = P[:, vary].copy()
    with np.errstate(all="ignore"):
        U[:, vary.index(num)] = P[:, num] / P[:, den]
        U[:, vary.index(den)] = 1.0 / P[:, den]
        if den_top is not None:
            floor = 1.0 / (LIMIT_POINT * np.broadcast_to(np.asarray(den_top, dtype=float), (m,)))
            U[:, vary.index(den)] = np.where(
                floor > 0, np.fmax(U[:, vary.index(den)], floor), U[:, vary.index(den)]
            )
    good = np.all(np.isfinite(U), axis=1) & (U[:, vary.index(den)] != 0)

    def f(V):
        with np.errstate(all="ignore"):
            return weights * np.asarray(model(_to_params(V, P, vary, num, den)), dtype=float)

    cols = []
    for t in range(k):
        h = _REL_STEP * np.where(U[:, t] != 0, np.abs(U[:, t]), 1.0)

        def diff(step, t=t):
            up, down = U.copy(), U.copy()
            up[:, t] += step
            down[:, t] -= step
            with np.errstate(all="ignore"):
                return (f(up) - f(down)) / (2 * step[:, None])

        d1, d2 = diff(h), diff(h / 2)
        cols.append(d2 + (d2 - d1) / 3.0)
    with np.errstate(all="ignore"):
        inv, singular = invert_gram(gram(cols))  # equilibrated; singular: σmin ≤ 1e-13 σmax
    out = np.where(good & ~singular, inv[:, vary.index(num), vary.index(num)], np.nan)
    return out


def rate_scale_param(law) -> str | None:
    """The first of the law's rate-scale parameters (unit ``rate`` or ``1/time``: Vmax, kcat)."""
    return next((p.name for p in law.params if p.unit in ("rate", "1/time")), None)


def slope_numerator(
    law, varying: Sequence[str] = (), values: Mapping[str, float] | None = None
) -> str | None:
    """The parameter over KM that is the initial slope: :func:`rate_scale_param`.

    None when the law has no rate-scale parameter, or when its order at low concentration
    (``law.slope_order``, Hill's n) is in ``varying`` or not fixed at 1 in ``values``: the rate
    then starts as numerator·Sⁿ/Kⁿ, and numerator/K is not determined when K runs away.
    """
    order = law.slope_order
    if order is not None and (order in varying or values is None or values.get(order) != 1.0):
        return None
    return rate_scale_param(law)


def determined_when_runaway(law, kms: str, varying: Sequence[str], values: Mapping[str, float]) -> str:
    """What the data still determine when the saturation constant(s) ``kms`` run away (fit and
    batch reasons): the initial slope numerator/KM, or numerator/Kⁿ and n (:func:`slope_numerator`)."""
    num = slope_numerator(law, varying, values)
    if num is not None:
        return f"only {num}/{kms} (the initial slope) is determined"
    top, order = rate_scale_param(law), law.slope_order
    if top is None or order is None:
        return "only the initial slope is determined"
    return (
        f"the rate starts as {top}·S^{order}/{kms}^{order}: only {top}/{kms}^{order} and {order} "
        "are determined"
    )


def slope_stderrs(problem, values, varying, runaway, *, redchi: float, scale_covar: bool) -> dict[str, float]:
    """KM key -> standard error of numerator/KM (in the parameters' units) for a single fit's
    saturation constants that run away, by :func:`slope_variance` (NaN when singular)."""
    law = problem.law
    names = list(law.param_names)
    num = slope_numerator(law, varying, values)
    out: dict[str, float] = {}
    if num is None or num not in varying:
        return out
    P = np.array([[values[n] for n in names]], dtype=float)

    def model(Q):
        return np.stack(
            [np.asarray(law.evaluate(problem.inputs, dict(zip(names, q))), dtype=float) for q in Q]
        )

    vary = [names.index(n) for n in varying]
    units = {p.name: p.unit for p in law.params}
    for km in runaway:
        if km not in varying:
            continue
        top = float(np.max(np.abs(problem.inputs[units[km]]))) if units[km] in problem.inputs else None
        weights = problem.weights[None, :]
        var = slope_variance(model, P, weights, vary, names.index(num), names.index(km), den_top=top)[0]
        var *= redchi if scale_covar else 1.0
        out[km] = float(np.sqrt(var)) if var >= 0 else float("nan")
    return out
