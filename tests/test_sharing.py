"""Starts of the shared-versus-separate fits (stats/sharing.py: sharing_starts).

The AK grid (built-in, simulated: WT kcat 327 s⁻¹, D84A 1.7 s⁻¹) is the case that made the
kcat-shared fit slow: started at the geometric mean of the two kcats (24 s⁻¹), Levenberg–Marquardt
pinned KM(MgATP)[WT] at its bound 0 and spent its whole budget there before the trust-region
fallback found the optimum. The expected joint RSS below is that fallback's answer (the code path
before sharing_starts, run once); the joint fit must reach it from the new starts by
Levenberg–Marquardt alone, in few evaluations.
"""

from __future__ import annotations

import pytest

from mgkinetics.ak.report import WEIGHTS, dataset_paths
from mgkinetics.fitting.globalfit import fit_global
from mgkinetics.fitting.problem import build_problems
from mgkinetics.fitting.single import fit_problem
from mgkinetics.stats.sharing import sharing_starts

#: the joint RSS of each parameter's shared fit from the old starts (the code before
#: sharing_starts, run once on this data; kcat's is the trust-region fallback's answer)
OLD_RSS = {
    "kcat": 10.317987564479886,
    "km_mgatp": 1.5714791693099694,
    "km_amp": 2.6654023599098386,
    "kia_mgatp": 0.46337491542197834,
    "ki_amp": 0.4643390655213129,
}


@pytest.fixture(scope="module")
def grid():
    problems, _, _ = build_problems(
        dataset_paths()["ak_bibi_grid"], "ak_random_bibi", group="variant", weights=WEIGHTS
    )
    by = {p.group["variant"]: p for p in problems}
    return by, {v: fit_problem(p, diagnostics=False) for v, p in by.items()}


def test_kcat_shared_starts_at_the_wild_type_value(grid):
    by, fits = grid
    starts = sharing_starts("kcat", by, fits)
    # WT's kcat held, D84A refitted: that candidate's summed RSS (~10.3) beats D84A's kcat (~99)
    assert starts["WT"] == fits["WT"].values
    assert starts["D84A"]["kcat"] == fits["WT"].values["kcat"]
    assert starts["D84A"]["km_mgatp"] > 10 * fits["D84A"].values["km_mgatp"]  # D84A far from saturation


def test_kcat_shared_fit_converges_by_levenberg_marquardt(grid):
    by, fits = grid
    joint = fit_global(list(by.values()), ["kcat"], labels=list(by), starts=sharing_starts("kcat", by, fits))
    assert joint.status == "converged"
    assert joint.lmfit_result.method == "leastsq"  # no trust-region fallback needed
    assert joint.lmfit_result.nfev < 100  # it used 2000 (its whole budget) from the old starts
    assert joint.statistics.rss == pytest.approx(OLD_RSS["kcat"], rel=1e-12)
    separate = sum(f.statistics.rss for f in fits.values())
    assert joint.statistics.rss > separate  # sharing costs: the F test's numerator is positive


def test_every_tested_parameter_reaches_the_same_optimum(grid):
    """Each joint fit from the new starts ends at the RSS the old starts reached (lower bound: the
    separate fits' RSS; upper: the starts' summed RSS, which sharing_starts minimises)."""
    by, fits = grid
    separate = sum(f.statistics.rss for f in fits.values())
    for name, expected in OLD_RSS.items():
        joint = fit_global(list(by.values()), [name], labels=list(by), starts=sharing_starts(name, by, fits))
        assert joint.status == "converged", name
        assert separate < joint.statistics.rss, name
        assert joint.statistics.rss == pytest.approx(expected, rel=1e-12), name


def test_a_parameter_held_in_a_fit_keeps_the_own_fits(grid):
    by, fits = grid
    held = {v: fit_problem(p, fix={"kcat": 100.0}, diagnostics=False) for v, p in by.items()}
    starts = sharing_starts("kcat", by, held)
    assert starts == {v: held[v].values for v in by}


def test_a_parameter_no_set_declares_keeps_the_own_fits(grid):
    by, fits = grid
    assert sharing_starts("no_such_parameter", by, fits) == {v: fits[v].values for v in by}


def test_a_set_whose_law_lacks_the_parameter_keeps_its_own_fit():
    """vmax shared between a michaelis_menten set and a michaelis_menten_kcat set (no vmax): the
    second set is not refitted (no LawError), the first keeps its fit: both start at their own."""
    import numpy as np

    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    v = 10 * s / (2 + s) * (1 + 0.01 * np.cos(3 * s))
    mm, _, _ = build_problems({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten")
    data = {"s_mM": s, "enzyme_nM": np.full(6, 5.0), "rate_uM_per_s": v}
    kcat, _, _ = build_problems(data, "michaelis_menten_kcat")
    by = {"mm": mm[0], "other": kcat[0]}
    fits = {k: fit_problem(p, diagnostics=False) for k, p in by.items()}
    assert "vmax" not in fits["other"].parameters
    assert sharing_starts("vmax", by, fits) == {k: f.values for k, f in fits.items()}
