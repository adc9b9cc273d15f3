"""Replicate weighting warns when the replicate SDs are too few to weight by (issue 12, item 6)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.fitting.problem import build_problems
from mgkinetics.fitting.weighting import MIN_REPLICATES, FewReplicatesWarning


def _data(reps: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    s = np.repeat([0.5, 1, 2, 4, 8, 16.0], reps)
    v = 10 * s / (2 + s) * (1 + 0.05 * rng.standard_normal(s.size))
    return {"s_mM": s, "rate_uM_per_s": v}


def test_three_replicates_warn_with_a_code():
    with pytest.warns(FewReplicatesWarning) as caught:
        build_problems(_data(3), "michaelis_menten", weights="replicates")
    w = caught[0].message
    assert w.code == "few_replicates" and w.levels == 6 and w.fewest == 3
    assert isinstance(w, mgk.errors.MgKineticsWarning) and "[few_replicates]" in str(w)


def test_enough_replicates_and_other_schemes_are_silent():
    assert MIN_REPLICATES == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewReplicatesWarning)
        build_problems(_data(4), "michaelis_menten", weights="replicates")
        build_problems(_data(3), "michaelis_menten", weights="replicates:pooled")
        build_problems(_data(3), "michaelis_menten", weights="relative")
