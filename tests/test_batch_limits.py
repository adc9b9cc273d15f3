"""Batch curves whose constant runs past its cap are refitted in the limit, so the determined
parameters agree with :func:`mgkinetics.fit` (issue 12: the batch used to stop where the constant
crossed its cap, e.g. substrate inhibition on Michaelis–Menten data gave Vmax 9.62 where fit gives 10.03).

Expected values come from ``mgk.fit`` on the same curve (lmfit iterates the constant to ~1e15, where
the other parameters are at their limit values to ~1e-12) and, independently, from the sub-model the
limit is: ``mgk.fit(..., "michaelis_menten")`` for Ksi → ∞ and Ki → ∞, and ordinary least squares
through the origin (numpy) for KM → ∞.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mgkinetics as mgk

S_UM = np.array([0.5, 1, 2, 4, 8, 16, 32.0])


def _one(frame, law, **kw):
    return mgk.fit(frame.drop(columns="curve"), law, **kw)


def _mm_curve(label, vmax, km, wiggle):
    v = vmax * S_UM / (km + S_UM) * (1 + 0.02 * np.cos(wiggle * S_UM))
    return pd.DataFrame({"curve": label, "s_mM": S_UM, "rate_uM_per_s": v})


def _three_mm_curves():
    # Michaelis–Menten data with 2 % wiggles whose least-squares Ksi is +∞ (some wiggles give a finite Ksi)
    return pd.concat([_mm_curve(f"c{i}", 10.0 * (i + 1), 3.0 / (i + 1), w) for i, w in enumerate((1, 1, 2))])


def test_substrate_inhibition_on_mm_data_is_the_mm_fit_in_the_limit():
    # three curves in one batch: the refit is vectorised over them
    frame = _three_mm_curves()
    many = mgk.fit_many(frame, "substrate_inhibition", curve="curve")
    for i, label in enumerate(many.curves):
        one = frame[frame.curve == label]
        single = _one(one, "substrate_inhibition")
        limit = _one(one, "michaelis_menten")
        assert single.status == many.status[i] == "not_bounded"
        j = many.names.index("ksi")
        assert many.values[i, j] > 1e6 * S_UM.max()  # the runaway constant keeps its stopped value
        for name in ("vmax", "km"):
            got = many.values[i, many.names.index(name)]
            assert got == pytest.approx(single.parameters[name].value, rel=1e-6)
            assert got == pytest.approx(limit.parameters[name].value, rel=1e-6)
        assert many.rss[i] == pytest.approx(limit.statistics.rss, rel=1e-9)
        assert many.rss[i] == pytest.approx(single.statistics.rss, rel=1e-9)


def test_competitive_without_inhibition_is_the_mm_fit_in_the_limit():
    s = np.tile([0.5, 1, 2, 4, 8, 16.0], 3)
    i = np.repeat([0.0, 1.0, 3.0], 6)
    # rates rise slightly with the inhibitor: the least-squares Ki is +∞ (no inhibition)
    v = 10 * s / (2 + s) * (1 + 0.01 * i) * (1 + 0.01 * np.cos(7 * s))
    frame = pd.DataFrame({"curve": "c", "s_mM": s, "i_mM": i, "rate_uM_per_s": v})
    many = mgk.fit_many(frame, "competitive", curve="curve", inhibitor="i_mM")
    single = _one(frame, "competitive", inhibitor="i_mM")
    limit = _one(frame.drop(columns="i_mM"), "michaelis_menten")
    assert single.status == many.status[0] == "not_bounded"
    assert single.parameters["ki"].value > 1e12  # the premise: fit runs Ki off to infinity
    assert many.values[0, many.names.index("ki")] > 1e6 * 3.0
    for name in ("vmax", "km"):
        got = many.values[0, many.names.index(name)]
        assert got == pytest.approx(single.parameters[name].value, rel=1e-6)
        assert got == pytest.approx(limit.parameters[name].value, rel=1e-6)
    assert many.rss[0] == pytest.approx(limit.statistics.rss, rel=1e-9)


def test_mm_with_km_beyond_the_data_is_the_line_through_the_origin():
    s = np.array([0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28])
    frames = []
    for c, slope in enumerate((3.0, 0.5)):
        v = slope * s * (1 + 0.02 * np.cos((9 + c) * s))
        frames.append(pd.DataFrame({"curve": f"c{c}", "s_mM": s, "rate_uM_per_s": v}))
    frame = pd.concat(frames)
    many = mgk.fit_many(frame, "michaelis_menten", curve="curve")
    k = many.names.index("vmax_over_km")
    for i, label in enumerate(many.curves):
        one = frame[frame.curve == label]
        v = one["rate_uM_per_s"].to_numpy()
        ols = float(s @ v / (s @ s))  # least squares through the origin: the KM → ∞ limit
        single = _one(one, "michaelis_menten")
        assert single.status == many.status[i] == "not_bounded"
        ratio = many.values[i, 0] / many.values[i, 1]
        assert ratio == pytest.approx(ols, rel=1e-9)
        # vmax_over_km is reported in 1/s from µM/s over mM: a factor 1e-3
        assert many.values[i, k] == pytest.approx(single.derived["vmax_over_km"].value, rel=1e-6)
        assert many.values[i, k] == pytest.approx(ols * 1e-3, rel=1e-9)
        assert many.rss[i] == pytest.approx(float(np.sum((v - ols * s) ** 2)), rel=1e-9)


def test_the_limit_refit_is_the_same_on_the_dask_path_chunks():
    """Chunks are the unit of work of both engines: refitting inside fit_chunk keeps a curve's result
    independent of the chunk it lands in (here: chunks of one curve vs one chunk of all)."""
    frame = _three_mm_curves()
    whole = mgk.fit_many(frame, "substrate_inhibition", curve="curve")
    split = mgk.fit_many(frame, "substrate_inhibition", curve="curve", chunk_size=1)
    np.testing.assert_allclose(split.values[:, :2], whole.values[:, :2], rtol=1e-6)
    np.testing.assert_allclose(split.rss, whole.rss, rtol=1e-9)
