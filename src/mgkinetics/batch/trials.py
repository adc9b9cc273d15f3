"""The inner loop of the batched Levenberg–Marquardt: damped trial steps until each row improves.

A row takes the first damping factor of the sequence λ, 10λ, 100λ, ... whose step lowers its cost
(then λ ← λ·:data:`LAMBDA_DOWN`), or gives up when the step falls below rounding or λ exceeds 10¹².
When few rows are pending, up to four damping factors are tried in one batched pass: in the
solver's tail (a handful of slow curves) a pass costs Python overhead, not arithmetic, so trying
the next factors at once saves passes; each row still takes the first factor that works, as if the
factors were tried one at a time.

``pb`` is the solver's working problem (:mod:`mgkinetics.batch.lm`): ``vary``, ``lo``, ``hi``,
``xtol``, ``ftol``, ``all_varied``, ``varied(P)`` (the fitted columns), ``cost(inputs, P, y, w)``
and ``ref(X)``. This module imports only numpy and
the batched linear algebra.
"""

from __future__ import annotations

import numpy as np

from mgkinetics.batch.linalg import solve_damped
from mgkinetics.batch.rowops import rows_all, take_rows

__all__ = ["LAMBDA_DOWN", "LAMBDA_START", "damped_trials"]

LAMBDA_START = 1e-3  # initial damping
LAMBDA_DOWN = 0.2  # damping factor after an accepted step
_STACK_ROWS = 256  # below this many pending rows, several damping factors are tried in one pass


def _trial_pass(pb, A, g, Pa, ca, lam_a, sub, cap_a, pending, n_lam):
    """Cost of the damped steps λ·10ʲ (j < ``n_lam``) for the ``pending`` rows (None: all), in one
    batched pass; arrays (n_lam, len(pending)) of the trial points, costs, residuals, steps."""
    ins, ya, wa = sub
    pick = (lambda a: a) if pending is None else (lambda a: take_rows(a, pending))
    if n_lam > 1:
        rows = np.tile(pending, n_lam)
        lam = (lam_a[pending][None, :] * 10.0 ** np.arange(n_lam)[:, None]).ravel()
        pick = lambda a: take_rows(a, rows)  # noqa: E731
    else:
        lam = pick(lam_a)
    step = solve_damped(pick(A), pick(g), lam)
    base = pick(Pa)
    moved = np.minimum(np.clip(pb.varied(base) + step, pb.lo, pb.hi), pick(cap_a))
    if pb.all_varied:
        trial = moved
    else:
        trial = base.copy()
        trial[:, pb.vary] = moved
    tc, tr = pb.cost([pick(x) for x in ins], trial, pick(ya), pick(wa))
    return base, trial, tc, tr, step


def _first_round(pb, A, g, Pa, ca, lam_a, sub, cap_a):
    """The first round, over every row: masks and ``np.where`` instead of gathers and scatters
    (the rounds after it see only the rejected rows). Residuals of rows not accepted are left
    as they are in ``newr``: the caller copies only accepted rows."""
    base, trial, tc, newr, step = _trial_pass(pb, A, g, Pa, ca, lam_a, sub, cap_a, None, 1)
    ok = np.isfinite(tc) & (tc <= ca)
    newP = np.where(ok[:, None], trial, Pa)
    newc = np.where(ok, tc, ca)
    with np.errstate(invalid="ignore"):
        ref = pb.ref(pb.varied(base)) + pb.xtol
        dx = np.abs(step)
        moved = np.abs(pb.varied(trial) - pb.varied(base))
        small_step = rows_all(moved <= pb.xtol * ref)
        tiny_step = rows_all(dx <= 1e-10 * ref)
        small_gain = (ca - tc) <= pb.ftol * ca
    stop = ~ok & (tiny_step | (lam_a * 10.0 > 1e12))
    done = np.where(ok, small_step | small_gain, stop)
    lam_a[:] = np.where(ok, np.maximum(lam_a * LAMBDA_DOWN, 1e-12), lam_a * 10.0)
    return newP, newc, newr, ok, done, np.flatnonzero(~ok & ~stop)


def damped_trials(pb, A, g, Pa, ca, lam_a, sub, cap_a):
    """Damped steps with growing λ (×10 per rejection) until each row lowers its cost or gives up:
    the inner loop. A row takes the first λ of the sequence that lowers its cost, as if the steps
    were tried one at a time; when few rows are pending, up to four λ are tried in one pass (from
    the first pass on when the working set itself is small)."""
    n = Pa.shape[0]
    if n > _STACK_ROWS // 4:
        newP, newc, newr, changed, done, pending = _first_round(pb, A, g, Pa, ca, lam_a, sub, cap_a)
        inner = 1
    else:  # the solver's tail: four λ from the start, one pass where a rejection cost two
        newP, newc, newr = Pa.copy(), ca.copy(), np.empty(np.shape(sub[1]))  # newr: changed rows only
        changed, done = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        pending, inner = np.arange(n), 0
    while inner < 12:
        # a few stragglers wait for the next outer iteration (their λ is kept): that costs one
        # Jacobian for all, where more inner rounds would cost Python overhead per straggler
        if pending.size == 0 or (inner >= 2 and pending.size <= 0.1 * n):
            break
        p = pending.size
        n_lam = int(min(4, 12 - inner, max(1, _STACK_ROWS // p)))
        base, trial, tc, tr, step = _trial_pass(
            pb, A, g, Pa, ca, lam_a, sub, cap_a, None if p == n and n_lam == 1 else pending, n_lam
        )
        c0 = np.tile(ca[pending], n_lam)
        lam0 = np.tile(lam_a[pending], n_lam) * np.repeat(10.0 ** np.arange(n_lam), p)
        ok = np.isfinite(tc) & (tc <= c0)
        with np.errstate(invalid="ignore"):  # no decrease from a step below rounding, or at huge λ
            tiny_step = rows_all(np.abs(step) <= 1e-10 * (pb.ref(pb.varied(base)) + pb.xtol))
        stop = ~ok & (tiny_step | (lam0 * 10.0 > 1e12))
        event = (ok | stop).reshape(n_lam, p)
        first = np.argmax(event, axis=0)
        hit = event[first, np.arange(p)]
        t = first * p + np.arange(p)  # the trial row of each pending row's first event
        acc_t = t[hit & ok[t]]
        acc = pending[hit & ok[t]]
        newP[acc], newc[acc], newr[acc] = trial[acc_t], tc[acc_t], tr[acc_t]
        changed[acc] = True
        lam_a[acc] = np.maximum(lam0[acc_t] * LAMBDA_DOWN, 1e-12)
        old = pb.varied(base[acc_t])
        small_step = rows_all(np.abs(pb.varied(trial[acc_t]) - old) <= pb.xtol * (pb.ref(old) + pb.xtol))
        small_gain = (ca[acc] - tc[acc_t]) <= pb.ftol * ca[acc]
        done[acc] = small_step | small_gain
        gave_up = hit & ~ok[t]
        lam_a[pending[gave_up]] = lam0[t[gave_up]] * 10.0
        done[pending[gave_up]] = True
        left = ~hit
        lam_a[pending[left]] *= 10.0**n_lam
        pending = pending[left]
        inner += n_lam
    return newP, newc, newr, changed, done
