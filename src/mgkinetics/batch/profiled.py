"""Fast path for v = V·S/D laws with two constants (competitive, substrate inhibition): variable projection.

V enters linearly, so for each pair of constants θ the best V is a weighted regression through the
origin, V = a/b with a = Σ w²y·g and b = Σ w²g² (g = v/V), and what is left is the profiled
objective h(θ) = a²/b, whose maximum is the least-squares minimum (RSS = Σ w²y² − h). In u = log θ
its gradient and Hessian are sums over the data that :mod:`mgkinetics.batch.ratioforms` gives in one
pass. Newton ascent on h (saddle-free where the Hessian is not negative definite, steps of at most
:data:`_MAX_STEP` in log units, halved when they do not ascend) takes 5 passes per hard curve on
average where the general solver takes 6 iterations, each with a Jacobian, normal equations and one
or more trial evaluations of three parameters.

A curve is done when, at an accepted point, the next Newton step is below ``tol`` in every log θ:
the step is applied (V moved along dV/du), leaving an error of order tol². A curve whose constant
passes its cap has run away (the optimum lies at infinity), as in the general solver; on the way
there Newton steps on the flattening profile are ≈ 1 in log θ, so steps that keep their size and
direction grow (:func:`_next_step`). Curves that fall out of the range (a constant below
``lo_theta``, V ≤ 0) or do not converge are not done: they go to the general solver.

Per-curve quantities are held as (k, m) arrays, one column per curve, so that a pass is a few dozen
whole-array operations; finished curves leave the working set when a quarter of it has finished.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from mgkinetics.batch.ratioforms import profile_sums, ratio_form

__all__ = ["profiled_applies", "solve_profiled"]

_MAX_STEP = 2.0  # largest move of any log θ in one step (a factor e² ≈ 7.4), before growth
_MAX_GROWTH = 64.0  # largest growth of steps that keep their size and direction
_J, _K = [0, 0, 1], [0, 1, 1]  # the Hessian's entries (1,1), (1,2), (2,2)


def profiled_applies(func, param_names, vary, lo, hi) -> bool:
    """The law has a ratio form (:mod:`mgkinetics.batch.ratioforms`), every parameter is fitted,
    and the bounds are those of the path (V ≤ 0 … ∞, the constants 0 … ∞, fitted as log θ): the
    path has no bounds of its own to hold."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    return (
        ratio_form(func, param_names) is not None
        and list(vary) == [0, 1, 2]
        and bool(lo[0] <= 0)
        and bool(np.all(lo[1:] == 0))
        and bool(np.all(np.isposinf(hi)))
    )


def _profile(form, ins, W2, W2y, U, buf):
    """h, its gradient (2, m), its Hessian's entries (1,1), (1,2), (2,2) as (3, m), V and dV/du
    (2, m), at log θ = ``U`` (2, m)."""
    dy, dg, e = profile_sums(form, ins, W2, W2y, U, buf)
    a, aj, ajk = dy[0], dy[1:3], dy[3:6]
    b, cj, cjk = dg[0], dg[1:3], dg[3:6]  # ∂b = 2 c_j, ∂²b = 2 (e_jk + c_jk)
    ib = 1.0 / b
    V = a * ib
    h = a * V
    VV = V * V
    aJ, aK, cJ, cK = aj[_J], aj[_K], cj[_J], cj[_K]
    hess = 2 * ib * aJ * aK + 2 * V * ajk - 4 * V * ib * (aJ * cK + aK * cJ)
    hess -= 2 * VV * (e + cjk)
    hess += 8 * VV * ib * cJ * cK
    grad = 2 * V * (aj - V * cj)
    dV = (aj - 2 * V * cj) * ib
    return h, grad, hess, V, dV


def _saddle_free(grad, hess):
    """δ = |−∇²h|⁻¹ ∇h, the absolute value taken over the eigenvalues of the Jacobi-scaled 2 × 2
    matrix (floored at 1e-10 of the largest): an ascent direction where ∇²h is indefinite."""
    p, q, r = -hess
    s0 = 1.0 / np.sqrt(np.where(p != 0, np.abs(p), 1.0))
    s1 = 1.0 / np.sqrt(np.where(r != 0, np.abs(r), 1.0))
    p, q, r = p * s0 * s0, q * s0 * s1, r * s1 * s1
    g0, g1 = grad[0] * s0, grad[1] * s1
    disc = np.sqrt(0.25 * (p - r) ** 2 + q * q)
    mu1, mu2 = 0.5 * (p + r) + disc, 0.5 * (p + r) - disc
    floor = 1e-10 * np.maximum(np.abs(mu1), np.abs(mu2))
    i1, i2 = 1.0 / np.maximum(np.abs(mu1), floor), 1.0 / np.maximum(np.abs(mu2), floor)
    # |M|⁻¹ = P1/|μ1| + (1 − P1)/|μ2| with the spectral projector P1 = (M − μ2)/(μ1 − μ2)
    gap = np.where(disc > 0, 2 * disc, 1.0)
    t00 = np.where(disc > 0, (p - mu2) / gap, 1.0)
    t01 = np.where(disc > 0, q / gap, 0.0)
    t11 = np.where(disc > 0, (r - mu2) / gap, 1.0)
    d0 = s0 * (i1 * (t00 * g0 + t01 * g1) + i2 * ((1 - t00) * g0 - t01 * g1))
    d1 = s1 * (i1 * (t01 * g0 + t11 * g1) + i2 * ((1 - t11) * g1 - t01 * g0))
    return np.stack([d0, d1])


def _ascent_step(grad, hess):
    """Newton's step on h where −∇²h is positive definite, else :func:`_saddle_free`, cut so that
    no log θ moves by more than :data:`_MAX_STEP`; (2, m), and whether it is Newton's uncut step."""
    p, q, r = -hess
    det = p * r - q * q
    newton = (p > 0) & (det > 1e-12 * p * r)
    step = np.stack([r * grad[0] - q * grad[1], p * grad[1] - q * grad[0]]) / det
    if not newton.all():
        other = np.flatnonzero(~newton)
        step[:, other] = _saddle_free(grad[:, other], hess[:, other])
    big = np.maximum(np.abs(step[0]), np.abs(step[1]))
    cut = big > _MAX_STEP
    if cut.any():
        step *= np.where(cut, _MAX_STEP / big, 1.0)
    finite = np.isfinite(big)
    return np.where(finite, step, 0.0), newton & finite & ~cut


@dataclass
class _Rows:
    """The working set (``idx``: each column's row in the solve), its data and state; per-curve
    quantities as (k, m) arrays. ``live``: the columns still iterating."""

    idx: np.ndarray
    ins: list
    W2: np.ndarray
    W2y: np.ndarray
    lo_u: np.ndarray
    hi_u: np.ndarray
    U: np.ndarray
    h: np.ndarray
    grad: np.ndarray
    hess: np.ndarray
    V: np.ndarray
    dV: np.ndarray
    step: np.ndarray
    newton: np.ndarray
    base: np.ndarray  # the last step before growth
    grow: np.ndarray  # its growth factor
    streak: np.ndarray  # Newton steps in a row that kept the size and direction of the one before
    live: np.ndarray

    def compact(self) -> _Rows:
        """The live columns only (one gather per array)."""
        keep = np.flatnonzero(self.live)
        out = {"idx": self.idx[keep], "ins": [x[keep] for x in self.ins]}
        for f in fields(self)[2:]:
            a = getattr(self, f.name)
            out[f.name] = a[keep] if f.name in ("W2", "W2y") else a[..., keep]
        return _Rows(**out)

    def accept(self, acc: np.ndarray, U, trial) -> None:
        """Move the columns ``acc`` to the trial point (U, h, gradient, Hessian, V, dV/du)."""
        for name, new in zip(("U", "h", "grad", "hess", "V", "dV"), (U, *trial), strict=True):
            setattr(self, name, np.where(acc, new, getattr(self, name)))


def _next_step(rw: _Rows, acc: np.ndarray, hold: np.ndarray) -> None:
    """The next trial step. Columns that moved (``acc``): :func:`_ascent_step`, times a growth
    factor that doubles (up to :data:`_MAX_GROWTH`) from the second Newton step in a row that keeps
    the size (within 20 %) and direction of the one before: on a profile flattening towards an
    asymptote, h ≈ h∞ − c·e^(−u) (a constant running to infinity), Newton steps stay ≈ 1 in log θ,
    one pass per e-fold without growth; near a maximum they shrink and the factor stays 1. Columns
    that did not ascend: a grown step falls back to the plain one, a plain one is halved. Columns
    ``hold`` take no growth."""
    step, newton = _ascent_step(rw.grad, rw.hess)
    size = np.maximum(np.abs(step[0]), np.abs(step[1]))
    before = np.maximum(np.abs(rw.base[0]), np.abs(rw.base[1]))
    dot = step[0] * rw.base[0] + step[1] * rw.base[1]
    norms = np.sqrt((step[0] ** 2 + step[1] ** 2) * (rw.base[0] ** 2 + rw.base[1] ** 2))
    steady = acc & newton & (size >= 0.8 * before) & (size <= 1.25 * before) & (dot >= 0.9 * norms)
    grown = rw.grow > 1.0
    rw.streak = np.where(steady, rw.streak + 1, np.where(acc | grown, 0, rw.streak))
    rw.grow = np.where(acc & (rw.streak >= 2) & ~hold, np.minimum(2.0 * rw.grow, _MAX_GROWTH), 1.0)
    back = np.where(grown, rw.base, 0.5 * rw.step)
    rw.base = np.where(acc, step, rw.base)
    rw.step = np.where(acc, step * rw.grow, back)
    rw.newton = np.where(acc, newton & (rw.grow == 1.0), rw.newton)


def _start(form, inputs, y, w, P0, lo_theta, hi_theta):
    W2 = w * w
    W2y = W2 * y
    U = np.log(np.asarray(P0, float)[:, 1:]).T
    idx = np.flatnonzero(np.isfinite(U).all(axis=0))
    ins = [np.asarray(x)[idx] for x in inputs]
    W2, W2y, U = W2[idx], W2y[idx], U[:, idx]
    buf = np.empty((8, *W2.shape))
    buf[1] = 1.0
    h, grad, hess, V, dV = _profile(form, ins, W2, W2y, U, buf)
    live = np.isfinite(h + grad.sum(axis=0) + hess.sum(axis=0))
    step, newton = _ascent_step(grad, hess)
    lo_u, hi_u = np.log(lo_theta[idx].T), np.log(hi_theta[idx].T)
    n = idx.size
    grow, streak = np.ones(n), np.zeros(n, int)
    rw = _Rows(idx, ins, W2, W2y, lo_u, hi_u, U, h, grad, hess, V, dV, step, newton, step, grow, streak, live)
    return rw, buf


def solve_profiled(model, inputs, y, w, P0, lo_theta, hi_theta, *, max_iter: int = 60, tol: float = 1e-7):
    """Least squares of v = V·S/D per row by Newton on the profiled objective.

    Parameters
    ----------
    model : BatchModel
        A law for which :func:`profiled_applies` holds.
    inputs : list of arrays (m, L)
    y, w : arrays (m, L)
        Observations and weights (0 on padding).
    P0 : array (m, 3)
        Starts; V's is not used (it is profiled out).
    lo_theta, hi_theta : arrays (m, 2)
        A row whose constant falls below ``lo_theta`` (or V to 0) is left to the general solver;
        one whose constant passes ``hi_theta`` (its runaway cap) has run away.

    Returns
    -------
    P : array (m, 3)
        The optimum (done rows), the point beyond the cap (runaway rows), NaN for the others.
    done, runaway : bool arrays (m,)
    iterations : int array (m,)
    """
    form = ratio_form(model.func, model.param_names)
    m = y.shape[0]
    P_out = np.full((m, 3), np.nan)
    done, runaway = np.zeros(m, dtype=bool), np.zeros(m, dtype=bool)
    iters = np.zeros(m, dtype=int)
    with np.errstate(all="ignore"):
        rw, buf = _start(form, inputs, y, w, P0, lo_theta, hi_theta)
        for it in range(1, max_iter + 1):
            if not rw.live.any():
                break
            if np.count_nonzero(rw.live) < 0.75 * rw.live.size:
                rw = rw.compact()
            Ut = rw.U + rw.step
            trial = _profile(form, rw.ins, rw.W2, rw.W2y, Ut, buf)
            ht, gt, Ht = trial[:3]
            size = np.maximum(np.abs(rw.step[0]), np.abs(rw.step[1]))
            # a Newton step this small is in the quadratic regime: taken without the ascent test,
            # which rounding of h would decide
            up = (ht >= rw.h) | (rw.newton & (size <= 1e-6))
            acc = rw.live & np.isfinite(ht + gt.sum(axis=0) + Ht.sum(axis=0)) & up
            rw.accept(acc, Ut, trial)
            grown = rw.grow > 1.0  # the step just tried was grown
            # beyond the cap: run away once a plain step has taken the row there (a grown step
            # leaves the other constant off the valley floor), so no growth from there on
            beyond = ((rw.U[0] >= rw.hi_u[0]) | (rw.U[1] >= rw.hi_u[1])) & (rw.V > 0)
            stuck = ~acc & (size < 1e-12)
            _next_step(rw, acc, beyond)
            # converged: the next Newton step is below tol (applied without a new pass)
            fin_ok = acc & rw.newton & (np.maximum(np.abs(rw.step[0]), np.abs(rw.step[1])) <= tol)
            last = np.where(fin_ok, rw.step, 0.0)
            rw.U = rw.U + last
            rw.V = rw.V + rw.dV[0] * last[0] + rw.dV[1] * last[1]
            high = beyond & acc & ~grown
            inside = (rw.U[0] > rw.lo_u[0]) & (rw.U[1] > rw.lo_u[1]) & (rw.V > 0)
            fin_ok &= inside & ~beyond
            fin = rw.live & (fin_ok | high | ~inside | stuck | (it == max_iter))
            if fin.any():
                j = rw.idx[fin]
                P_out[j, 0], P_out[j, 1:] = rw.V[fin], np.exp(rw.U[:, fin].T)
                done[j], runaway[j], iters[j] = fin_ok[fin], high[fin], it
                rw.live &= ~fin
    return P_out, done, runaway, iters
