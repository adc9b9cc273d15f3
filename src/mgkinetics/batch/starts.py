"""Starting values of :func:`mgkinetics.fit_many`, for many curves at once.

Every curve starts from the law's guess rule: a vectorised Hanes–Woolf regression
(:func:`hanes_woolf`) for the Michaelis–Menten laws, the law's own rule curve by curve otherwise;
``fix`` and ``init`` apply to every curve, and starts are moved strictly inside the bounds by the
rule of :func:`mgkinetics.fitting.single.fit_problem`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mgkinetics.fitting.starts import value_in as _value_in
from mgkinetics.laws import guesses
from mgkinetics.laws.registry import RateLaw

__all__ = ["hanes_woolf"]


def hanes_woolf(s: np.ndarray, v: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`mgkinetics.laws.guesses.hyperbola` over rows of padded arrays.

    ``valid`` marks real (not padded) points. Returns (Vmax, KM) per row, with the same fallbacks.
    """
    s = np.asarray(s, dtype=float)
    v = np.asarray(v, dtype=float)
    with np.errstate(all="ignore"):
        ok = valid & (s > 0) & (v > 0) & np.isfinite(s) & np.isfinite(v)
        absv = np.where(valid & ~np.isnan(v), np.abs(v), -np.inf)
        vmax_fb = 1.1 * np.max(absv, axis=1)
        vmax_fb = np.where(np.isneginf(vmax_fb), np.nan, vmax_fb)
        vmax_fb = np.where(vmax_fb <= 0, 1.0, vmax_fb)
        c = ok.sum(axis=1)
        okf = ok.astype(float)
        t = np.where(ok, s / v, 0.0)
        x = np.where(ok, s, 0.0)
        cc = np.maximum(c, 1)
        xm = x.sum(axis=1) / cc
        tm = t.sum(axis=1) / cc
        dx = (x - xm[:, None]) * okf
        sxx = np.sum(dx * dx, axis=1)
        sxt = np.sum(dx * (t - tm[:, None]) * okf, axis=1)
        slope = sxt / sxx
        intercept = tm - slope * xm
        span = np.max(np.where(ok, s, -np.inf), axis=1) - np.min(np.where(ok, s, np.inf), axis=1)
        good = (c >= 2) & (span > 0) & (slope > 0) & (intercept > 0)
        vmax = np.where(good, 1.0 / slope, vmax_fb)
        km = np.where(good, intercept / slope, 1.0)
        # fallback KM: median of the positive concentrations (only where the regression fails)
        need = np.flatnonzero(~good & np.any(valid & (s > 0), axis=1))
        if need.size:
            km[need] = np.nanmedian(np.where(valid[need] & (s[need] > 0), s[need], np.nan), axis=1)
    return vmax, km


def _vector_guess(law: RateLaw, inputs: dict[str, np.ndarray], v: np.ndarray, valid: np.ndarray):
    """Guesses for a padded block, vectorised for the hyperbolic laws; None if not available."""
    if law.guess is guesses.michaelis_menten:
        vmax, km = hanes_woolf(inputs["substrate"], v, valid)
        return {"vmax": vmax, "km": km}
    if law.guess is guesses.michaelis_menten_kcat:
        e = inputs["enzyme"]
        with np.errstate(all="ignore"):
            turnover = np.where(e > 0, v / e, np.nan)
        kcat, km = hanes_woolf(inputs["substrate"], turnover, valid)
        return {"kcat": kcat, "km": km}
    return None


def _loop_guess(law: RateLaw, inputs: dict[str, np.ndarray], v: np.ndarray, counts: np.ndarray):
    out = {p: np.full(v.shape[0], np.nan) for p in law.param_names}
    if law.guess is None:
        return out
    for i in range(v.shape[0]):
        c = counts[i]
        try:
            g = law.guess({k: a[i, :c] for k, a in inputs.items()}, v[i, :c])
        except (ValueError, FloatingPointError, ZeroDivisionError, IndexError):
            continue
        for k, val in g.items():
            if k in out and val is not None:
                out[k][i] = val
    return out


def _clip_start(value: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """fit_problem's rule: starts strictly inside the bounds."""
    bad = (value <= lo) | (value >= hi)
    if np.isfinite(lo) and np.isfinite(hi):
        repl = np.full_like(value, lo + 0.5 * (hi - lo))
    elif np.isfinite(lo):
        repl = np.where(value <= lo, lo + max(abs(lo), 1.0) * 1e-3, value)
    else:
        repl = np.full_like(value, hi - max(abs(hi), 1.0) * 1e-3)
    return np.where(bad, repl, value)


@dataclass(frozen=True)
class _Setup:
    fixed: dict[str, float]
    init: dict[str, float]
    varying: list[str]


def _setup(law: RateLaw, punits, fix, init) -> _Setup:
    fix = dict(fix or {})
    init = dict(init or {})
    for name in list(fix) + list(init):
        law.param(name)
    fixed = {k: _value_in(punits[k], v, k) for k, v in fix.items()}
    inits = {k: _value_in(punits[k], v, k) for k, v in init.items()}
    varying = [p.name for p in law.params if p.name not in fixed and (p.vary or p.name in inits)]
    return _Setup(fixed, inits, varying)


def _starts(law: RateLaw, setup: _Setup, guess: Mapping[str, np.ndarray], m: int):
    """Start matrix (m, K) and, per curve, the first parameter without a start (or '')."""
    P0 = np.empty((m, len(law.params)))
    missing = np.full(m, "", dtype=object)
    for j, p in enumerate(law.params):
        if p.name in setup.fixed:
            P0[:, j] = setup.fixed[p.name]
            continue
        if p.name in setup.init:
            val = np.full(m, setup.init[p.name])
        else:
            val = np.asarray(guess.get(p.name, np.full(m, np.nan)), dtype=float)
            bad = ~np.isfinite(val)
            missing[bad & (missing == "")] = p.name
            val = np.where(bad, 1.0, val)
        P0[:, j] = _clip_start(val, p.min, p.max)
    return P0, missing
