"""Totals more than ~1e270 apart (issue 12 leftover, edges6): a metal total 1e-300 mM beside 1e300 mM of
ATP gave MgATP = 0 (the weight m/Kd underflowed, so the bound metal vanished from the mass balance)
and a RuntimeWarning flood; 1e-10 beside 1e300 gave MgATP 1.9e-10 for 1e-10 of Mg (the free metal,
subnormal, had lost its digits inside Newton); two competing metals raised numpy's LinAlgError
("Singular matrix"). Each row is checked against the 40-digit decimal solution of
test_holdout_speciation_range (independent nested bisection), to 1e-12 relative, or to 2 subnormal
steps (1e-323) where the exact value itself is subnormal."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from test_holdout_speciation_range import SYSTEMS, exact_species

from mgkinetics.speciation.equilibrium import solve_equilibrium
from mgkinetics.speciation.species import speciate

APART = [(1e-300, 1e300), (1e-10, 1e300), (1e-250, 1e100), (1e-200, 1e200), (1e-320, 1e-3), (1e300, 1e-300)]
CASES = [
    (system, metal, ligand)
    for system in SYSTEMS
    for metal, ligand in APART
    if "Ca" not in system or (metal, ligand) in APART[:3]
]  # the two-metal reference takes ~1 s a case


@pytest.mark.parametrize("system, metal_scale, ligand_scale", CASES)
def test_totals_far_apart_match_exact_arithmetic(system, metal_scale, ligand_scale):
    metal, ligand, complexes = SYSTEMS[system]
    metal_totals = [x * metal_scale for x in metal]
    ligand_totals = [x * ligand_scale for x in ligand]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divide-by-zero / invalid RuntimeWarning either
        got = solve_equilibrium(metal_totals, ligand_totals, complexes)
    want = exact_species(metal_totals, ligand_totals, complexes)
    for g, w in zip(itertools.chain(*got), itertools.chain(*want), strict=True):
        np.testing.assert_allclose(float(g), w, rtol=1e-12, atol=1e-323)


def test_the_bound_metal_is_kept_when_the_free_metal_underflows():
    """Free Mg is 6.7e-602 mM (below every float: 0 is its correctly rounded value), but the MgATP it
    leaves is all of the 1e-300 mM of Mg: the mass balance closes."""
    mg = np.array([1e-300, 3e-200, 1.0])
    sp = speciate({"Mg": mg, "ATP": np.array([1e300, 1e300, 2.0])})
    np.testing.assert_allclose(sp.free["Mg"] + sp.complexes["MgATP"], mg, rtol=1e-12)
    np.testing.assert_allclose(sp.complexes["MgATP"][:2], mg[:2], rtol=1e-12)
    assert sp.free["Mg"][0] == 0.0  # 6.7e-602 rounds to 0
