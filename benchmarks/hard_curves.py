"""Hard curves for the batch benchmark: few points, heavy noise, KM beyond the data, outliers.

Each generator returns a long-format DataFrame (``curve``, ``s_mM``, optionally ``i_mM``,
``rate_uM_per_s``) of ``n_curves`` curves of 8–12 points with 5–15 % proportional noise; a quarter
of the curves have KM (or K½) 3–30× above the highest substrate, and one curve in eight has one
point multiplied by 0.3 or 2–3 (an outlier). Seeded; the same seed gives the same table.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LAWS", "make_hard"]

LAWS = ("michaelis_menten", "substrate_inhibition", "hill", "competitive")


def _layout(rng, n_curves: int):
    """Point counts, curve index per row, and each row's position 0..1 within its curve."""
    npts = rng.integers(8, 13, n_curves)
    cid = np.repeat(np.arange(n_curves), npts)
    frac = np.concatenate([np.linspace(0, 1, k) for k in npts])
    return npts, cid, frac


def _km_and_smax(rng, n_curves: int):
    km = np.exp(rng.uniform(np.log(0.2), np.log(5.0), n_curves))
    beyond = rng.random(n_curves) < 0.25
    smax = np.where(
        beyond,
        km / np.exp(rng.uniform(np.log(3), np.log(30), n_curves)),
        km * np.exp(rng.uniform(np.log(2), np.log(20), n_curves)),
    )
    return km, smax


def _noise_and_outliers(rng, v, cid, npts):
    sigma = rng.uniform(0.05, 0.15, npts.size)[cid]
    v = v * (1 + sigma * rng.standard_normal(v.size))
    starts = np.r_[0, np.cumsum(npts)[:-1]]
    hit = np.flatnonzero(rng.random(npts.size) < 0.125)
    rows = starts[hit] + rng.integers(0, npts[hit])
    v[rows] *= np.where(rng.random(rows.size) < 0.5, 0.3, rng.uniform(2, 3, rows.size))
    return v


def make_hard(law: str, n_curves: int, seed: int = 20261201):
    """Hard curves of ``law`` (one of :data:`LAWS`) as a long-format DataFrame."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    npts, cid, frac = _layout(rng, n_curves)
    km, smax = _km_and_smax(rng, n_curves)
    vmax = np.exp(rng.uniform(np.log(1.0), np.log(100.0), n_curves))
    s = smax[cid] * np.exp(np.log(1 / 40) * (1 - frac)) * rng.uniform(0.9, 1.1, cid.size)
    cols = {"curve": np.char.add("c", cid.astype(str)), "s_mM": s}
    if law == "michaelis_menten":
        v = vmax[cid] * s / (km[cid] + s)
    elif law == "substrate_inhibition":
        ksi = smax * np.exp(rng.uniform(np.log(0.1), np.log(3.0), n_curves))
        v = vmax[cid] * s / (km[cid] + s * (1 + s / ksi[cid]))
    elif law == "hill":
        n = rng.uniform(0.6, 3.0, n_curves)
        v = vmax[cid] / (1 + (km[cid] / s) ** n[cid])
    elif law == "competitive":
        ki = np.exp(rng.uniform(np.log(0.1), np.log(10.0), n_curves))
        level = np.concatenate([np.arange(k) % 3 for k in npts])
        i = ki[cid] * np.array([0.0, 1.0, 3.0])[level]
        v = vmax[cid] * s / (km[cid] * (1 + i / ki[cid]) + s)
        cols["i_mM"] = i
    else:
        raise ValueError(f"unknown law {law}")
    cols["rate_uM_per_s"] = _noise_and_outliers(rng, v, cid, npts)
    return pd.DataFrame(cols)
