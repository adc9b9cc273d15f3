"""A curve whose rates are clearly above 0 is never called "no activity" (lead, session 7).

Hill fitted to rates that fall from 8.3 to 0.6 µM/s as S rises collapses to a flat line; its F test
against v = 0 with three parameters gave p = 0.058, and the fit was reported as "no activity
detected … check the assay" (hold-out found by edges7). A constant rate (one parameter) beats v = 0
by far here (the F value below, computed with scipy), so the curve has activity: the fit is still
not identifiable, for its real reason (singular covariance), in fit and fit_many alike. Noise
around 0 is still no activity.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

import mgkinetics as mgk
from mgkinetics.fitting.activity import no_activity_of_curves

S = np.array([0.25, 0.5, 1, 2, 4, 8, 16, 32.0])
FALLING = np.array([8.26, 7.41, 6.7, 5.91, 5.66, 2.79, 0.85, 0.64])


def _codes(result):
    return [w.code for w in result.warnings]


def test_a_constant_beats_zero_on_these_rates():
    rss_zero, rss_const = np.sum(FALLING**2), np.sum((FALLING - FALLING.mean()) ** 2)
    f = (rss_zero - rss_const) / (rss_const / (S.size - 1))
    assert stats.f.sf(f, 1, S.size - 1) < 0.005  # p = 0.0026 (F(1, 7) = 20.8)


def test_falling_rates_are_not_called_dead():
    res = mgk.fit({"s_mM": S, "rate_uM_per_s": FALLING}, "hill")
    assert res.status == "not_identifiable" and "no_activity" not in _codes(res)
    assert "singular covariance" in res.status_reason
    many = mgk.fit_many({"curve": ["a"] * S.size, "s_mM": S, "rate_uM_per_s": FALLING}, "hill", curve="curve")
    frame = many.to_frame()
    assert frame.loc[0, "status"] == "not_identifiable" and "no_activity" not in frame.loc[0, "warning_codes"]


def test_noise_around_zero_is_still_dead_and_a_flat_positive_curve_is_not():
    rng = np.random.default_rng(3)
    noise = 0.1 * rng.standard_normal(S.size)
    x = np.r_[S, S]
    rate = np.r_[noise, 5.0 + noise]
    starts = np.array([0, S.size])
    rss = np.array([np.sum(noise**2), np.sum((noise - noise.mean()) ** 2)])  # a flat fit of each
    a = no_activity_of_curves(x, rate, np.ones(x.size), starts, rss, 2, 0.95)
    assert a.dead.tolist() == [True, False]
