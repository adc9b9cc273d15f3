"""Binding-polynomial weights of the speciation solver, and the products that must not overflow.

A complex's weight is [complex]/[free ligand] (M2L: the product of the stepwise ratios m/Kd); a
ligand's binding polynomial is P = 1 + Σ w, its free amount L_T / P.  Weights are ratios of
concentrations, so they are the same whether or not a row was scaled (:mod:`.scaling`).  Private to
the speciation wing: :mod:`mgkinetics.speciation.equilibrium` and :mod:`.species` use them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__: list[str] = []


@dataclass(frozen=True)
class _Cx:
    """A complex inside the solver: metal index, ligand index, metal count, Kd, parent."""

    name: str
    metal: int
    ligand: int
    count: int
    kd: np.ndarray
    parent: int | None  # index of the ML complex an M2L complex binds to


def _weights(m: list[np.ndarray], cxs: list[_Cx]) -> list[np.ndarray]:
    """w_c = [complex]/[free ligand], built stepwise (M2L = M · ML / Kd2)."""
    w: list[np.ndarray] = []
    for c in cxs:
        wc = m[c.metal] / c.kd
        w.append(wc * w[c.parent] if c.parent is not None else wc)
    return w


_BIG_WEIGHT = 1e300  # above this, 4·w (Σ ν² w) or Σ w may overflow


def _normalised_weights(m, cxs):
    """Weights and, per ligand, the log of a common divisor of its binding polynomial.

    Where a weight overflows or nearly (an M2L weight (m/K1)·(m/K2) above 1e300) every weight of that
    ligand in that row, and the polynomial's 1, are recomputed in logs and divided by the largest
    term: the fractions w/P do not change.  Other rows keep the bits of :func:`_weights`.
    Returns (w, ones, norms): P = ones[l] + Σ w (ones[l] = e^-norms[l]; absent means 1 and 0).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        w = _weights(m, cxs)
    ones: dict[int, np.ndarray] = {}
    norms: dict[int, np.ndarray] = {}
    for li in sorted({c.ligand for c, wc in zip(cxs, w, strict=True) if not np.all(wc <= _BIG_WEIGHT)}):
        ids = [i for i, c in enumerate(cxs) if c.ligand == li]
        redo = ~np.all([w[i] <= _BIG_WEIGHT for i in ids], axis=0)
        logw: dict[int, np.ndarray] = {}
        with np.errstate(divide="ignore"):
            for i in ids:
                c = cxs[i]
                logw[i] = (
                    np.log(m[c.metal]) - np.log(c.kd) + (logw[c.parent] if c.parent is not None else 0.0)
                )
        norm = np.where(redo, np.maximum(0.0, np.max([logw[i] for i in ids], axis=0)), 0.0)
        for i in ids:
            w[i] = np.where(redo, np.exp(logw[i] - norm), w[i])
        ones[li], norms[li] = np.exp(-norm), norm
    return w, ones, norms


def _product_over(a, b, p):
    """a·b/p, taken as a·(b/p) only where a·b overflows (M2L weights above ~1e154), so that
    every finite value keeps the bits of a·b/p."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = a * b / p
    if np.all(np.isfinite(out)):
        return out
    return np.where(np.isfinite(out), out, a * (b / p))


def _complex_amount(lig_total, fraction, w, p):
    """(L_T / P)·w, taken as L_T·(w / P) only where L_T / P underflows to 0 (a ligand > 1e308
    times below the metal, almost all bound)."""
    out = fraction * w
    lost = (fraction == 0) & (lig_total > 0)
    return np.where(lost, lig_total * (w / p), out) if np.any(lost) else out


def _species_in_logs(log_m, cxs, lig_totals):
    """(free ligands, complexes) from ln m of every metal, the whole way in logs: for rows whose free
    metal is near or below the smallest float (a metal ~1e300 times below its ligand), where m/Kd
    and (L_T/P)·w would lose digits or underflow to 0 although the complex holds nearly all the metal.
    ``cxs`` hold the Kds on the scale of ``log_m`` (weights are ratios); totals in the caller's unit."""
    logw: list[np.ndarray] = []
    for c in cxs:
        step = log_m[c.metal] - np.log(c.kd)
        logw.append(step + logw[c.parent] if c.parent is not None else step)
    free, cplx = [], [None] * len(cxs)
    with np.errstate(divide="ignore"):
        for li, lt in enumerate(lig_totals):
            ids = [i for i, c in enumerate(cxs) if c.ligand == li]
            log_p = np.logaddexp.reduce([np.zeros_like(lt)] + [logw[i] for i in ids], axis=0)
            log_free = np.log(lt) - log_p
            scaled = lt * np.exp(-log_p)  # exact to rounding where P is near 1; its log where that underflows
            free.append(np.where((scaled > 0) | (lt == 0), scaled, np.exp(log_free)))
            for i in ids:
                cplx[i] = np.exp(log_free + logw[i])
    return free, cplx
