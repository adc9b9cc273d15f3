"""Fast path for the hyperbola v = A·[e]·S / (K + S) with both parameters free (variable projection).

A enters linearly, so for each K the best A is a weighted regression through the origin; what is
left is a 1-D problem in u = log K, solved by safeguarded Newton on the profiled objective
h(K) = (Σ w²y·g)² / Σ w²g², g = e·S/(K + S), whose maximum is the least-squares minimum of the 2-D
problem. From the Hanes–Woolf start this takes a handful of passes over the data. Curves that do
not reach a clean interior optimum (A ≤ 0, K running off to 0 or ∞, no convergence) are reported
as not done and go to the general solver.
"""

from __future__ import annotations

import numpy as np

from mgkinetics.batch.jacobians import BatchModel
from mgkinetics.batch.rowops import rows_max, rows_min
from mgkinetics.laws import ratelaws

__all__ = ["hyperbola_applies", "solve_hyperbola"]


def hyperbola_applies(model: BatchModel, vary, lo, hi) -> bool:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    return (
        model.func in (ratelaws.michaelis_menten, ratelaws.michaelis_menten_kcat)
        and model.param_names in (("vmax", "km"), ("kcat", "km"))
        and list(vary) == [0, 1]
        and bool(np.all(lo <= 0))
        and bool(np.all(np.isposinf(hi)))
    )


def _profile(es, s, W2, W2y, K, buf):
    """h(K) = a²/b, its first two derivatives in u = log K, A = a/b and dA/du, per row."""
    m, L = s.shape
    b = buf[:, :m, :L]
    d = np.add(K[:, None], s, out=b[6])
    np.reciprocal(d, out=d)
    g = np.multiply(es, d, out=b[7])
    np.multiply(W2y, g, out=b[0])  # t = w²y·g          a   = Σ t
    np.multiply(b[0], d, out=b[1])  # t·d                a'  = -Σ t·d
    np.multiply(b[1], d, out=b[2])  # t·d²               a'' = 2 Σ t·d²
    np.multiply(W2, g, out=b[3])
    np.multiply(b[3], g, out=b[3])  # q = w²g²           b   = Σ q
    np.multiply(b[3], d, out=b[4])  # q·d                b'  = -2 Σ q·d
    np.multiply(b[4], d, out=b[5])  # q·d²               b'' = 6 Σ q·d²
    S = np.einsum("ijk->ij", b[:6])  # row sums; faster than .sum(axis=2) for short rows
    a, a1, a2, bb, b1, b2 = S[0], -S[1], 2 * S[2], S[3], -2 * S[4], 6 * S[5]
    ib = 1.0 / bb
    A = a * ib
    h = a * A
    h1 = 2 * A * a1 - A * A * b1
    h2 = 2 * ib * a1 * a1 + 2 * A * a2 - 4 * A * ib * a1 * b1 - A * A * b2 + 2 * A * A * ib * b1 * b1
    return h, K * h1, K * K * h2 + K * h1, A, K * ib * (a1 - A * b1)


def _newton_step(H1, H2):
    newton = H2 < 0
    step = np.where(newton, -H1 / np.where(newton, H2, -1.0), np.sign(H1))
    return np.clip(step, -2.0, 2.0), newton


def solve_hyperbola(inputs, y, w, K0, *, max_iter: int = 100, tol: float = 1e-7):
    """Least squares of v = A·[e]·S/(K + S) per row; returns (A, K, done, iterations).

    ``inputs`` is ``(S,)`` or ``(S, e)``, arrays (m, L); ``done`` is False where the general
    solver should take over. A curve is done when, at an accepted point, the next Newton step in
    log K is below ``tol``: that step is applied (and A moved along dA/du), leaving an error of
    order tol², far below rounding of the objective.
    """
    s = np.ascontiguousarray(inputs[0], dtype=float)
    es = s if len(inputs) == 1 else np.ascontiguousarray(s * np.asarray(inputs[1], float))
    w = np.asarray(w, float)
    W2 = w * w
    W2y = W2 * np.asarray(y, float)
    m, L = s.shape
    A_out = np.full(m, np.nan)
    K_out = np.full(m, np.nan)
    done = np.zeros(m, dtype=bool)
    iters = np.zeros(m, dtype=int)
    if m == 0:
        return A_out, K_out, done, iters
    # beyond these KM the profile is too flat for Newton in floating point (nearly a straight line,
    # or nearly constant): such curves go to the general solver
    smax = 1e3 * rows_max(np.where(W2 > 0, s, 0.0))
    smin = 1e-3 * rows_min(np.where((W2 > 0) & (s > 0), s, np.inf))
    buf = np.empty((8, m, L))
    idx = np.arange(m)  # row of the full arrays held in each working row
    K = np.array(K0, dtype=float)
    with np.errstate(all="ignore"):
        h, H1, H2, A, dA = _profile(es, s, W2, W2y, K, buf)
        step, newton = _newton_step(H1, H2)
        alive = np.isfinite(h) & np.isfinite(H1) & np.isfinite(H2) & (K > 0)
        live = np.ones(m, dtype=bool)  # working rows not finished yet
        for it in range(1, max_iter + 1):
            Kt = K * np.exp(step)
            ht, H1t, H2t, At, dAt = _profile(es, s, W2, W2y, Kt, buf)
            finite = np.isfinite(ht) & np.isfinite(H1t) & np.isfinite(H2t)
            # a Newton step this small is in the quadratic regime: it is taken without the
            # ascent test, which rounding would decide (so Newton steps are never cut short there)
            near = newton & (np.abs(step) <= 1e-6)
            acc = live & alive & finite & ((ht >= h) | near)
            K = np.where(acc, Kt, K)
            h = np.where(acc, ht, h)
            H1 = np.where(acc, H1t, H1)
            H2 = np.where(acc, H2t, H2)
            A = np.where(acc, At, A)
            dA = np.where(acc, dAt, dA)
            # rejected: halve the step; one halved to nothing gives up (general solver)
            stuck = ~acc & (np.abs(step) < 1e-12)
            new_step, new_newton = _newton_step(H1, H2)
            step = np.where(acc, new_step, 0.5 * step)
            newton = np.where(acc, new_newton, newton)
            # converged: the last (tiny) Newton step needs no new pass over the data
            fin_ok = acc & new_newton & (np.abs(new_step) <= tol)
            if fin_ok.any():
                K = np.where(fin_ok, K * np.exp(np.where(fin_ok, step, 0.0)), K)
                A = np.where(fin_ok, A + dA * step, A)
            out_of_range = ~((K >= smin) & (K <= smax) & (A > 0))
            fin_ok &= ~out_of_range
            fin = live & (fin_ok | ~alive | out_of_range | stuck | (it == max_iter))
            if fin.any():
                j = idx[fin]
                K_out[j], A_out[j], done[j], iters[j] = K[fin], A[fin], fin_ok[fin], it
                live &= ~fin
                n_live = np.count_nonzero(live)
                if n_live == 0:
                    break
                if n_live < 0.75 * live.size:  # drop finished rows from the passes over the data
                    idx, K, h, H1, H2, A, dA, step, newton, alive = (
                        x[live] for x in (idx, K, h, H1, H2, A, dA, step, newton, alive)
                    )
                    es, s, W2, W2y, smax, smin = (x[live] for x in (es, s, W2, W2y, smax, smin))
                    live = np.ones(idx.size, dtype=bool)
    return A_out, K_out, done, iters
