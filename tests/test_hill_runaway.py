"""A Hill fit whose K½ runs away reports what the data determine, not Vmax/K½.

At low S the Hill law starts as v = Vmax·Sⁿ/K½ⁿ: when K½ is not bounded by the data, Vmax/K½ⁿ and n
are determined, Vmax/K½ is not (unless n is fixed at 1, where the law is Michaelis–Menten). So:
* with n fitted (or fixed at 2) neither ``fit`` nor ``fit_many`` reports ``vmax_over_k_half`` and the
  reason names Vmax/K½ⁿ and n;
* with n fixed at 1 both report ``vmax_over_k_half``, equal (to 1e-6 relative: the two fits stop at
  slightly different points of the valley) to Michaelis–Menten's ``vmax_over_km`` on the same data,
  the same model under another name.
The data are generated here (Vmax 20 µM/s, K½ 30 mM = 20× the highest S, n 1.5, 5 % noise; seed 5
gives a curve that both fit paths call ``not_bounded``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mgkinetics as mgk
from mgkinetics.errors import LawError

S_MM = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5])


def _hill_rates() -> np.ndarray:
    rng = np.random.default_rng(5)
    return 20 * S_MM**1.5 / (30**1.5 + S_MM**1.5) * (1 + 0.05 * rng.standard_normal(S_MM.size))


def _mm_rates() -> np.ndarray:
    rng = np.random.default_rng(3)
    return 10 * S_MM / (40 + S_MM) * (1 + 0.03 * rng.standard_normal(S_MM.size))


def _two_curves(v: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "curve": np.repeat(["a", "b"], S_MM.size),
            "s_mM": np.r_[S_MM, S_MM],
            "rate_uM_per_s": np.r_[v, 2 * v],
        }
    )


def test_fitted_n_no_vmax_over_k_half_single():
    r = mgk.fit({"s_mM": S_MM, "rate_uM_per_s": _hill_rates()}, "hill")
    assert r.status == "not_bounded"
    assert "vmax_over_k_half" not in r.derived
    assert "only vmax/k_half^n and n are determined" in r.status_reason


def test_fitted_n_no_vmax_over_k_half_batch():
    res = mgk.fit_many(_two_curves(_hill_rates()), "hill", curve="curve")
    frame = res.to_frame()
    assert list(frame["status"]) == ["not_bounded", "not_bounded"]
    assert not [c for c in frame.columns if "over_k_half" in c]
    assert all("only vmax/k_half^n and n are determined" in t for t in frame["status_reason"])


@pytest.mark.parametrize("n", [2.0, 0.5])
def test_n_fixed_off_one_no_ratio(n):
    res = mgk.fit_many(_two_curves(_hill_rates()), "hill", curve="curve", fix={"n": n})
    assert not [c for c in res.to_frame().columns if "over_k_half" in c]
    single = mgk.fit({"s_mM": S_MM, "rate_uM_per_s": _hill_rates()}, "hill", fix={"n": n})
    assert "vmax_over_k_half" not in single.derived


def test_n_fixed_at_one_is_michaelis_menten():
    v = _mm_rates()
    hill = mgk.fit({"s_mM": S_MM, "rate_uM_per_s": v}, "hill", fix={"n": 1.0})
    mm = mgk.fit({"s_mM": S_MM, "rate_uM_per_s": v}, "michaelis_menten")
    assert hill.status == mm.status == "not_bounded"
    h, m = hill.derived["vmax_over_k_half"], mm.derived["vmax_over_km"]
    assert h.value == pytest.approx(m.value, rel=1e-6)
    assert h.stderr == pytest.approx(m.stderr, rel=1e-6)
    assert "only vmax/k_half (the initial slope) is determined" in hill.status_reason
    batch_h = mgk.fit_many(_two_curves(v), "hill", curve="curve", fix={"n": 1.0}).to_frame()
    batch_m = mgk.fit_many(_two_curves(v), "michaelis_menten", curve="curve").to_frame()
    np.testing.assert_allclose(batch_h["vmax_over_k_half_per_s"], batch_m["vmax_over_km_per_s"], rtol=1e-6)
    np.testing.assert_allclose(
        batch_h["vmax_over_k_half_per_s_stderr"], batch_m["vmax_over_km_per_s_stderr"], rtol=1e-6
    )


def test_slope_order_must_be_a_parameter():
    hill = mgk.get_law("hill")
    assert hill.slope_order == "n"
    with pytest.raises(LawError, match="slope_order 'm' is not a parameter"):
        mgk.RateLaw(hill.name, hill.func, hill.inputs, hill.params, hill.formula, slope_order="m")


def test_solver_stopped_in_the_valley_is_not_bounded_like_the_batch():
    # seed 1: lmfit stops ("Tolerance seems to be too small") with Vmax ~2e6 µM/s and K½ ~5e4 mM,
    # 3.5e4 x the highest S, in the valley v ≈ (Vmax/K½ⁿ)·Sⁿ: not a failure to find an optimum but
    # an optimum at infinity, which fit_many on the same curve calls not_bounded too
    rng = np.random.default_rng(1)
    v = 20 * S_MM**1.5 / (30**1.5 + S_MM**1.5) * (1 + 0.05 * rng.standard_normal(S_MM.size))
    single = mgk.fit({"s_mM": S_MM, "rate_uM_per_s": v}, "hill")
    assert single.status == "not_bounded" and not single.success
    assert single.parameters["k_half"].value > 10 * S_MM.max()
    assert "the solver stopped in that valley" in single.status_reason
    assert "only vmax/k_half^n and n are determined" in single.status_reason
    frame = pd.DataFrame({"curve": "a", "s_mM": S_MM, "rate_uM_per_s": v})
    assert list(mgk.fit_many(frame, "hill", curve="curve").status) == ["not_bounded"]
    # n, which the data do determine, agrees between the two (1e-4: the stopping points differ)
    batch_n = mgk.fit_many(frame, "hill", curve="curve").to_frame()["n"].iloc[0]
    assert single.parameters["n"].value == pytest.approx(batch_n, rel=1e-4)
