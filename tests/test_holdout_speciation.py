"""`mgatp_complex` for totals up to the float range (b² overflowed above ~1e154) against exact decimal
arithmetic at 80 digits, and bit-for-bit the textbook-root arithmetic for every ordinary total."""

from __future__ import annotations

import warnings
from decimal import Decimal, localcontext

import numpy as np
import pytest

from mgkinetics.speciation.equilibrium import mgatp_complex


def exact_complex(atp: float, mg: float, kd: float) -> float:
    """The smaller root of ML² − b·ML + M·L = 0 at 80 significant digits (stdlib decimal, from the
    floats' exact values), then rounded once to a float."""
    with localcontext() as ctx:
        ctx.prec = 80
        ctx.Emax, ctx.Emin = 10**6, -(10**6)
        m, lig, k = Decimal(atp), Decimal(mg), Decimal(kd)
        b = m + lig + k
        return float(2 * m * lig / (b + (b * b - 4 * m * lig).sqrt()))


def textbook_root(atp, mg, kd):
    """The arithmetic of mgatp_complex before the scaled branch existed (the reference for 'unchanged')."""
    atp, mg, kd = (np.asarray(x, dtype=float) for x in (atp, mg, kd))
    with np.errstate(over="ignore", invalid="ignore"):  # its huge lanes overflow: not compared
        ml = atp * mg
        b = atp + mg + kd
        return 2.0 * ml / (b + np.sqrt(np.maximum(b * b - 4.0 * ml, 0.0)))


HUGE_CASES = [
    (1e200, 1e200, 0.067),
    (1e200, 3e199, 0.067),
    (1e200, 1.0, 0.067),
    (2.5, 1e200, 1e-3),
    (1e200, 1e200, 1e201),
    (1e155, 1e155, 1e155),
    (1.7e308, 1.7e308, 0.067),
    (1.0, 1.0, 1e300),
    (1e-300, 1e300, 0.067),
]


@pytest.mark.parametrize("atp, mg, kd", HUGE_CASES)
def test_huge_totals_are_finite_and_match_exact_arithmetic(atp, mg, kd):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid RuntimeWarning either
        got = mgatp_complex(atp, mg, kd)
        got_array = mgatp_complex(np.array([atp, 1.0]), np.array([mg, 1.0]), np.array([kd, 0.067]))
    want = exact_complex(atp, mg, kd)
    assert np.isfinite(got)
    # 2 ulp: the scaled root rounds a few times; below b = 2^500 nothing changed (next test)
    np.testing.assert_allclose(got, want, rtol=4.5e-16, atol=0)
    assert got_array[0] == got
    assert got_array[1] == textbook_root(1.0, 1.0, 0.067)


def test_ordinary_totals_are_bit_for_bit_the_textbook_root():
    rng = np.random.default_rng(12)
    n = 20_000
    atp, mg = 10.0 ** rng.uniform(-12, 150, (2, n))
    kd = 10.0 ** rng.uniform(-9, 3, n)
    np.testing.assert_array_equal(mgatp_complex(atp, mg, kd), textbook_root(atp, mg, kd))
    # lanes beside a huge one take the ordinary arithmetic too (same bits as on their own)
    atp[::7] = 1e250
    ordinary = np.ones(n, bool)
    ordinary[::7] = False
    got = mgatp_complex(atp, mg, kd)
    np.testing.assert_array_equal(got[ordinary], textbook_root(atp, mg, kd)[ordinary])
    assert np.isfinite(got).all()
    for i in range(0, 700, 7):
        np.testing.assert_allclose(got[i], exact_complex(atp[i], mg[i], kd[i]), rtol=4.5e-16)
    # scalars stay scalars
    assert isinstance(mgatp_complex(1.0, 2.0, 0.067), float)
    assert isinstance(mgatp_complex(1e300, 2.0, 0.067), float)
