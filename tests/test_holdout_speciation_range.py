"""The general speciation solver (`solve_equilibrium`: several ligands, M2L, competing metals) for
totals up to the ends of the float range, against an independent solution in exact decimal
arithmetic at 40 digits (stdlib decimal; nested geometric bisection of the monotone mass balances).

Before scaling.py, totals of 1e200 gave free Mg = 1.8e108 (the float maximum over 1e200) with
2e200 Mg and 1e200 ATP, NaN at 1e300, and Mg2ATP at 1e100 lost half the metal (a Hessian term
overflowed and stopped Newton); 1e-300 lost 2 digits to exp(ln m).
"""

from __future__ import annotations

import itertools
import warnings
from decimal import Decimal, localcontext

import numpy as np
import pytest

from mgkinetics.speciation.equilibrium import solve_equilibrium
from mgkinetics.speciation.species import speciate

MGATP = dict(name="MgATP", metal=0, ligand=0, kd=0.067)
SYSTEMS = {
    "MgATP, Mg in excess": ([2.0], [1.0], [MGATP]),
    "MgATP, ATP in excess": ([1.0], [2.0], [MGATP]),
    "ATP and ADP": ([2.0], [1.0, 0.5], [MGATP, dict(name="MgADP", metal=0, ligand=1, kd=0.71)]),
    "Mg2ATP": ([3.0], [1.0], [MGATP, dict(name="Mg2ATP", metal=0, ligand=0, kd=20.0, count=2, parent=0)]),
    "Mg and Ca, ATP and EGTA": (
        [2.0, 1.0],
        [1.0, 0.5],
        [
            MGATP,
            dict(name="CaATP", metal=1, ligand=0, kd=0.3),
            dict(name="MgEGTA", metal=0, ligand=1, kd=5.0),
            dict(name="CaEGTA", metal=1, ligand=1, kd=1e-4),
        ],
    ),
}
SCALES = [1.0, 1e-30, 1e30, 1e100, 1e200, 1e300, 1e-300]


def _bound(free, complexes, ligand_totals):
    weights = []
    for c in complexes:
        w = free[c["metal"]] / c["kd"]
        weights.append(w * weights[c["parent"]] if c.get("parent") is not None else w)
    poly = [Decimal(1)] * len(ligand_totals)
    for c, w in zip(complexes, weights):
        poly[c["ligand"]] += w
    bound = [Decimal(0)] * len(free)
    for c, w in zip(complexes, weights):
        bound[c["metal"]] += c.get("count", 1) * ligand_totals[c["ligand"]] / poly[c["ligand"]] * w
    return bound, poly, weights


def _bisect_metal(j, free, metal_totals, complexes, ligand_totals, inner=None):
    """Free metal j: m + bound(m) rises monotonically in m (with the other metals re-solved by
    ``inner``, a partial minimisation of a convex function, it still does)."""
    lo, hi = metal_totals[j] * Decimal(10) ** -700, metal_totals[j]
    while hi / lo - 1 > Decimal("1e-25"):
        mid = (lo * hi).sqrt()
        trial = list(free)
        trial[j] = mid
        trial = inner(trial) if inner else trial
        bound, _, _ = _bound(trial, complexes, ligand_totals)
        lo, hi = (lo, mid) if trial[j] + bound[j] > metal_totals[j] else (mid, hi)
    return (lo * hi).sqrt()


def exact_species(metal_totals, ligand_totals, complexes):
    """(free metals, free ligands, complexes) at 40 significant digits, rounded once to floats."""
    with localcontext() as ctx:
        ctx.prec, ctx.Emax, ctx.Emin = 40, 10**6, -(10**6)
        mts = [Decimal(float(x)) for x in metal_totals]
        lts = [Decimal(float(x)) for x in ligand_totals]
        cxs = [dict(c, kd=Decimal(float(c["kd"]))) for c in complexes]
        if len(mts) == 1:
            free = [_bisect_metal(0, [Decimal(0)], mts, cxs, lts)]
        else:  # two metals: metal 0 solved inside every bisection step of metal 1

            def inner(trial):
                trial = list(trial)
                trial[0] = _bisect_metal(0, trial, mts, cxs, lts)
                return trial

            free = inner([Decimal(0), _bisect_metal(1, [Decimal(0)] * 2, mts, cxs, lts, inner)])
        _, poly, weights = _bound(free, cxs, lts)
        free_l = [lt / p for lt, p in zip(lts, poly)]
        cplx = [free_l[c["ligand"]] * w for c, w in zip(cxs, weights)]
        return [[float(x) for x in group] for group in (free, free_l, cplx)]


CASES = [
    (system, scale)
    for system in SYSTEMS
    for scale in SCALES
    if "Ca" not in system or scale in (1.0, 1e200, 1e-300)
]  # the two-metal reference takes ~1 s


@pytest.mark.parametrize("system, scale", CASES)
def test_every_species_matches_exact_arithmetic_up_to_the_float_range(system, scale):
    metal, ligand, complexes = SYSTEMS[system]
    metal_totals, ligand_totals = [x * scale for x in metal], [x * scale for x in ligand]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid RuntimeWarning either
        got = solve_equilibrium(metal_totals, ligand_totals, complexes)
    want = exact_species(metal_totals, ligand_totals, complexes)
    for g, w in zip(itertools.chain(*got), itertools.chain(*want), strict=True):
        # 1e-12 relative: the solver's own stopping rule (Newton step < 1e-9 in ln m, squared) and
        # the few roundings after it; observed <= 1.5e-13 over these cases
        np.testing.assert_allclose(float(g), w, rtol=1e-12, atol=0)


# Rows whose totals differ by 1e14 .. 1e209 (found by this file's random search and by
# test_fuzz_speciate while scaling.py was written): a free metal 1e-211, an M2L weight near 1e307,
# a Kd that scaling would take beyond the largest float.
MIXED = [
    ([2.0], [3.081672873258639e209], [MGATP]),
    ([4.592730081390141e154], [3.36911388545678e140], [MGATP, dict(SYSTEMS["Mg2ATP"][2][1], kd=19.1)]),
    ([1e-307], [2.9609358627236926e-296], [dict(MGATP, kd=90.6)]),
    ([1.9e270], [3e-214, 1.5e269], SYSTEMS["ATP and ADP"][2]),
]


@pytest.mark.parametrize("metal_totals, ligand_totals, complexes", MIXED)
def test_rows_whose_totals_differ_by_many_orders_match_exact_arithmetic(
    metal_totals, ligand_totals, complexes
):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = solve_equilibrium(metal_totals, ligand_totals, complexes)
    want = exact_species(metal_totals, ligand_totals, complexes)
    for g, w in zip(itertools.chain(*got), itertools.chain(*want), strict=True):
        np.testing.assert_allclose(float(g), w, rtol=1e-12, atol=0)  # as above; w = 0 where it underflows


def test_ordinary_rows_keep_their_bits_beside_huge_and_tiny_rows():
    """Scaling touches only rows whose largest total is beyond 2^±200: the others are computed
    exactly as they are on their own."""
    rng = np.random.default_rng(5)
    mg, atp, adp = 10.0 ** rng.uniform(-9, 3, (3, 400))
    cx = [MGATP, dict(name="MgADP", metal=0, ligand=1, kd=0.71)]
    alone = solve_equilibrium([mg], [atp, adp], cx)
    mixed_mg, mixed_atp = mg.copy(), atp.copy()
    mixed_mg[::5], mixed_atp[::5] = 2e200, 1e-300
    mixed = solve_equilibrium([mixed_mg], [mixed_atp, adp], cx)
    keep = np.ones(400, bool)
    keep[::5] = False
    for a, b in zip(itertools.chain(*alone), itertools.chain(*mixed), strict=True):
        np.testing.assert_array_equal(a[keep], b[keep])
        assert np.all(np.isfinite(b))


def test_speciate_balances_mg_and_atp_at_1e200_mM():
    result = speciate({"Mg": 2e200, "ATP": 1e200})
    # 2:1 with Kd ~ 0.06 mM: all ATP complexed, free Mg = 2e200 - 1e200 (relative 1e-12 as above)
    np.testing.assert_allclose(result.free["Mg"], 1e200, rtol=1e-12)
    np.testing.assert_allclose(result.complexes["MgATP"], 1e200, rtol=1e-12)
    kd = float(result.constants["MgATP"].kd_mM)
    np.testing.assert_allclose(result.free["ATP"], kd * 1e200 / 1e200, rtol=1e-9)
