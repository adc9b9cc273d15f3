"""Starting values of :func:`mgkinetics.fit_many`, for many curves at once.

Every curve starts from the law's guess rule, vectorised over curves for the classic laws
(:mod:`mgkinetics.batch.guesses`), curve by curve for laws without a vectorised rule;
``fix`` and ``init`` apply to every curve, and starts are moved strictly inside the bounds by the
rule of :func:`mgkinetics.fitting.single.fit_problem`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mgkinetics.batch.rowops import filled, rows_max
from mgkinetics.fitting.starts import value_in as _value_in
from mgkinetics.laws.registry import RateLaw

__all__ = ["runaway_caps"]

RUNAWAY = 1e6  # a parameter beyond 10⁶ × the data's scale has run away: its optimum lies at infinity


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
    missing = filled(m, "")
    unnamed = np.ones(m, dtype=bool)  # missing == "": no parameter without a start named yet
    for j, p in enumerate(law.params):
        if p.name in setup.fixed:
            P0[:, j] = setup.fixed[p.name]
            continue
        if p.name in setup.init:
            val = np.full(m, setup.init[p.name])
        else:
            val = np.asarray(guess.get(p.name, np.full(m, np.nan)), dtype=float)
            bad = ~np.isfinite(val)
            missing[bad & unnamed] = p.name
            unnamed &= ~bad
            val = np.where(bad, 1.0, val)
        P0[:, j] = _clip_start(val, p.min, p.max)
    return P0, missing


def runaway_caps(
    law: RateLaw, inputs: Mapping[str, np.ndarray], y: np.ndarray, valid: np.ndarray
) -> np.ndarray:
    """Per curve and parameter, the magnitude beyond which the parameter has run away, (m, K).

    A parameter measured in the unit of an input (KM, Ksi, K½, Ki) runs away beyond 10⁶ × the
    largest value of that input in the curve; a rate parameter beyond 10⁶ × the largest |rate|, a
    turnover number beyond 10⁶ × the largest |rate/[E]|; other parameters have no cap (their
    bounds hold them).
    """
    m = y.shape[0]
    cap = np.full((m, len(law.params)), np.inf)
    with np.errstate(all="ignore"):
        top_y = rows_max(np.where(valid, np.abs(y), 0.0))
        for j, p in enumerate(law.params):
            if p.unit in inputs:
                top = rows_max(np.where(valid, np.abs(inputs[p.unit]), 0.0))
            elif p.unit == "rate":
                top = top_y
            elif p.unit == "1/time" and "enzyme" in inputs:
                e = np.abs(inputs["enzyme"])
                top = rows_max(np.where(valid & (e > 0), np.abs(y) / np.where(e > 0, e, 1.0), 0.0))
            else:
                continue
            cap[:, j] = np.where(top > 0, RUNAWAY * top, np.inf)
    return cap
