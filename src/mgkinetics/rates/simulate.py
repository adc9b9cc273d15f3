"""A seeded simulated plate of the PK/LDH-coupled adenylate-kinase assay (NADH at 340 nm).

SIMULATED DATA. Per well, the AK reaction depletes the varied substrate by Michaelis–Menten
kinetics; its ADP reaches NADH through two first-order coupling steps (PK then LDH, lag
τ₁ + τ₂; traces.md §4.3, after McClure 1969), consuming **2 NADH per AK turnover**
(science.md §4, Biochem J 2000;350:237). A340 = ε·l·[NADH] + well background + a drift that is
the same in every well (slow NADH oxidation; blanks see it too) + Gaussian read noise.
ε = 6.22 /mM/cm (science.md §4), path 0.5 cm.

Variant parameters are the built-in AK values of science.md §5: wild type kcat 330 /s,
KM(MgATP) 0.06 mM, MgATP 5 µM – 1 mM; D84A kcat 1.8 /s, KM 0.24 mM (assumed 4× WT after Yan & Tsai
1991), 200 nM enzyme, MgATP 20 µM – 2 mM; 9 log-spaced levels. The wild type runs at 1 nM (science.md
says 2 nM; at 2 nM and 1 mM MgATP the 0.3 mM NADH would run out within the 5 min read). MgATP is
set at constant 1 mM free Mg²⁺ with Kd,app 0.067 mM (science.md §2-3): ATP_total =
MgATP·(m + Kd)/m, Mg_total = m + MgATP (PEP and ADP chelation ignored).

Simplification, stated: the varied substrate (MgATP) is the one depleted, as in a one-substrate
progress curve at saturating co-substrate. In the real forward assay PK regenerates ATP and AMP is
consumed; this generator tests the traces → rates machinery, not the assay chemistry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["VARIANTS", "SimulatedPlate", "simulate_coupled_plate", "plate_wells"]

#: name -> (kcat 1/s, KM(MgATP) mM, enzyme nM, lowest and highest MgATP mM); science.md §5.
VARIANTS: dict[str, tuple[float, float, float, float, float]] = {
    "WT": (330.0, 0.06, 1.0, 0.005, 1.0),
    "D84A": (1.8, 0.24, 200.0, 0.020, 2.0),
}
EPSILON_PER_MM_PER_CM = 6.22  # NADH at 340 nm, science.md §4
PATH_LENGTH_CM = 0.5
NADH_PER_TURNOVER = 2
KD_MGATP_MM = 0.067  # apparent, 25 °C, I = 0.15 M, pH 7.5 (science.md §2)


@dataclass(frozen=True)
class SimulatedPlate:
    """A simulated plate; unpacks as ``traces, layout, truth = plate``.

    Attributes
    ----------
    traces : pandas.DataFrame
        ``plate, well, time_s, wavelength_nm, temperature_C, signal``.
    layout : pandas.DataFrame
        ``well, role, variant, enzyme_nM, mgatp_mM, atp_total_mM, mg_total_mM``.
    truth : pandas.DataFrame
        Per sample well: ``well, variant, mgatp_mM, enzyme_nM`` (as pipetted), ``rate_uM_per_s``
        (true AK rate at mixing), ``kcat_per_s``, ``km_mM``, ``nadh_left_fraction``.
    metadata : dict
        Generating law, parameters, noise model and seed.
    """

    traces: pd.DataFrame
    layout: pd.DataFrame
    truth: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)

    def __iter__(self):
        return iter((self.traces, self.layout, self.truth))


def plate_wells(n_wells: int) -> list[str]:
    """Well names of a 96- or 384-well plate in plate order (A1, A2, ...)."""
    rows, cols = {96: (8, 12), 384: (16, 24)}[n_wells]
    return [f"{chr(65 + r)}{c + 1}" for r in range(rows) for c in range(cols)]


def _design(wells: list[str], variants, levels: int, n_blanks: int, rng, pipetting_cv: float):
    per = (len(wells) - n_blanks) // (len(variants) * levels)
    rows = []
    k = 0
    for name in variants:
        kcat, km, enz, lo, hi = VARIANTS[name]
        for _rep in range(per):
            for s in np.geomspace(lo, hi, levels):
                actual = enz * (1.0 + pipetting_cv * rng.standard_normal()) if pipetting_cv else enz
                rows.append(
                    dict(
                        well=wells[k],
                        role="sample",
                        variant=name,
                        enzyme_nM=enz,
                        mgatp_mM=s,
                        kcat=kcat,
                        km=km,
                        enzyme_actual_nM=actual,
                    )
                )
                k += 1
    for w in wells[len(wells) - n_blanks :]:
        rows.append(
            dict(
                well=w,
                role="blank",
                variant="",
                enzyme_nM=0.0,
                mgatp_mM=np.nan,
                kcat=0.0,
                km=1.0,
                enzyme_actual_nM=0.0,
            )
        )
    return pd.DataFrame(rows)


def _nadh_consumed_mM(design: pd.DataFrame, times: np.ndarray, taus: tuple[float, float]) -> np.ndarray:
    """NADH consumed (mM) at each read, per well: MM depletion through two first-order steps."""
    from scipy.integrate import solve_ivp

    w = len(design)
    vmax = design["kcat"].to_numpy() * design["enzyme_actual_nM"].to_numpy() * 1e-6  # mM/s
    km = design["km"].to_numpy()
    s0 = np.nan_to_num(design["mgatp_mM"].to_numpy())
    t1, t2 = taus

    def rhs(_t, x):
        s, c1, c2 = x[:w], x[w : 2 * w], x[2 * w : 3 * w]
        v = vmax * np.maximum(s, 0.0) / (km + np.maximum(s, 0.0))
        return np.concatenate([-v, NADH_PER_TURNOVER * v - c1 / t1, c1 / t1 - c2 / t2, c2 / t2])

    x0 = np.concatenate([s0, np.zeros(3 * w)])
    sol = solve_ivp(rhs, (0.0, float(times[-1])), x0, t_eval=times, rtol=1e-10, atol=1e-13, method="DOP853")
    return sol.y[3 * w :]  # (wells, reads)


def simulate_coupled_plate(
    *,
    wells: int = 96,
    seed: int = 0,
    variants: tuple[str, ...] = ("WT", "D84A"),
    levels: int = 9,
    n_reads: int = 60,
    read_interval_s: float = 5.0,
    dead_time_s: float = 5.0,
    noise_sd: float = 0.001,
    drift_per_s: float = -2e-6,
    nadh0_mM: float = 0.3,
    coupling_tau_s: tuple[float, float] = (3.6, 1.8),
    pipetting_cv: float = 0.0,
    n_blanks: int | None = None,
) -> SimulatedPlate:
    """Simulate one PK/LDH-coupled AK plate (see the module docstring for the model and sources).

    Parameters
    ----------
    wells : {96, 384}
        Plate format; the plate is filled with ``variants × levels`` MgATP series in replicate.
    seed : int
        Seed of numpy's default generator (noise, backgrounds, pipetting).
    n_reads, read_interval_s, dead_time_s
        Reads per well, their spacing and the time from mixing to the first read (s).
    noise_sd : float
        SD of the read noise (absorbance units).
    drift_per_s : float
        Common signal drift (A/s) seen by blanks and samples alike.
    nadh0_mM : float
        NADH at mixing.
    coupling_tau_s : (float, float)
        Time constants of the PK and LDH steps (s); 3.6 and 1.8 s follow traces.md §4.3.
    pipetting_cv : float
        Relative SD of the enzyme actually pipetted per well (the truth uses the actual amount).
    n_blanks : int, optional
        No-enzyme blank wells at the end of the plate (default 6 for 96, 24 for 384 wells).

    Returns
    -------
    SimulatedPlate

    Examples
    --------
    >>> traces, layout, truth = simulate_coupled_plate(seed=1)
    >>> len(layout), int((layout.role == "blank").sum()), traces.time_s.nunique()
    (96, 6, 60)
    >>> wt = truth[truth.variant == "WT"]
    >>> round(float(wt.rate_uM_per_s.max()), 4)  # 1 mM MgATP: 330/s · 1 nM · 1/1.06
    0.3113
    """
    rng = np.random.default_rng(seed)
    names = plate_wells(wells)
    n_blanks = {96: 6, 384: 24}[wells] if n_blanks is None else int(n_blanks)
    design = _design(names, variants, levels, n_blanks, rng, pipetting_cv)
    times = dead_time_s + read_interval_s * np.arange(n_reads)
    consumed = _nadh_consumed_mM(design, times, coupling_tau_s)
    el = EPSILON_PER_MM_PER_CM * PATH_LENGTH_CM
    background = 0.04 + 0.005 * rng.standard_normal(len(design))
    signal = (
        el * (nadh0_mM - consumed)
        + background[:, None]
        + drift_per_s * times[None, :]
        + noise_sd * rng.standard_normal(consumed.shape)
    )
    traces = pd.DataFrame(
        {
            "plate": 1,
            "well": np.repeat(design["well"].to_numpy(), n_reads),
            "time_s": np.tile(times, len(design)),
            "wavelength_nm": 340,
            "temperature_C": 25.0,
            "signal": signal.ravel(),
        }
    )
    m = 1.0  # free Mg2+, mM
    layout = design[["well", "role", "variant", "enzyme_nM", "mgatp_mM"]].copy()
    layout["atp_total_mM"] = layout["mgatp_mM"] * (m + KD_MGATP_MM) / m
    layout["mg_total_mM"] = m + layout["mgatp_mM"]
    samples = design[design.role == "sample"]
    rate = (
        samples["kcat"]
        * samples["enzyme_actual_nM"]
        * 1e-3
        * samples["mgatp_mM"]
        / (samples["km"] + samples["mgatp_mM"])
    )
    truth = pd.DataFrame(
        {
            "well": samples["well"],
            "variant": samples["variant"],
            "mgatp_mM": samples["mgatp_mM"],
            "enzyme_nM": samples["enzyme_actual_nM"],
            "rate_uM_per_s": rate,
            "kcat_per_s": samples["kcat"],
            "km_mM": samples["km"],
            "nadh_left_fraction": 1.0 - consumed[samples.index.to_numpy(), -1] / nadh0_mM,
        }
    ).reset_index(drop=True)
    metadata = dict(
        simulated=True,
        law="Michaelis-Menten depletion of MgATP, two first-order coupling steps",
        variants={v: VARIANTS[v] for v in variants},
        seed=seed,
        noise=f"Gaussian read noise SD {noise_sd} A",
        drift_per_s=drift_per_s,
        coupling_tau_s=coupling_tau_s,
        pipetting_cv=pipetting_cv,
        epsilon_per_mM_per_cm=EPSILON_PER_MM_PER_CM,
        path_length_cm=PATH_LENGTH_CM,
        stoichiometry=NADH_PER_TURNOVER,
        nadh0_mM=nadh0_mM,
    )
    return SimulatedPlate(traces, layout.reset_index(drop=True), truth, metadata)
