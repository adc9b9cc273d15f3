"""Profile-likelihood intervals of variant/reference ratios (stats.ratio_profile, compare ci=profile).

Expected behaviour comes from the likelihood itself: the profile interval contains the estimate,
agrees with the log-scale delta method when the parameters are well determined (Puromycin,
R datasets), is skewed upward when the variant's KM lies beyond its data, and is open on a side
the data cannot bound. Simulated data are seeded; their truth is stated in each test.
"""

from __future__ import annotations

import numpy as np
import pytest

from mgkinetics.stats.compare import compare

# fmt: off
PUROMYCIN = {
    "conc_mM": [0.02, 0.02, 0.06, 0.06, 0.11, 0.11, 0.22, 0.22, 0.56, 0.56, 1.1, 1.1,
                0.02, 0.02, 0.06, 0.06, 0.11, 0.11, 0.22, 0.22, 0.56, 0.56, 1.1],
    "rate_uM_per_min": [76, 47, 97, 107, 123, 139, 159, 152, 191, 201, 207, 200,
                        67, 51, 84, 86, 98, 115, 131, 124, 144, 158, 160],
    "state": ["treated"] * 12 + ["untreated"] * 11,
}
# fmt: on


def _two_variants(km_variant: float, s_max_variant: float, seed: int = 3) -> dict:
    """WT: Vmax 10, KM 1, S 0.1-10 mM; variant: Vmax 10, KM km_variant, S 0.1-s_max; 3 % CV, duplicates."""
    rng = np.random.default_rng(seed)
    s1 = np.repeat(np.geomspace(0.1, 10, 8), 2)
    s2 = np.repeat(np.geomspace(0.1, s_max_variant, 8), 2)
    v1 = 10 * s1 / (1 + s1) * (1 + 0.03 * rng.standard_normal(s1.size))
    v2 = 10 * s2 / (km_variant + s2) * (1 + 0.03 * rng.standard_normal(s2.size))
    return {"s_mM": np.r_[s1, s2], "rate_uM_per_s": np.r_[v1, v2], "variant": ["WT"] * 16 + ["M"] * 16}


def test_profile_matches_delta_method_when_well_determined():
    delta = compare(PUROMYCIN, "michaelis_menten", by="state", test=[]).ratios["untreated"]
    prof = compare(PUROMYCIN, "michaelis_menten", by="state", test=[], ci="profile").ratios["untreated"]
    for name in ("vmax", "km"):
        p, d = prof[name], delta[name]
        assert p.ci_method == "profile"
        assert p.ci_low < p.value < p.ci_high
        # nearly quadratic likelihood: the two intervals agree to within 3 %
        assert p.ci_low == pytest.approx(d.ci_low, rel=0.03)
        assert p.ci_high == pytest.approx(d.ci_high, rel=0.03)


def test_profile_is_skewed_when_km_lies_beyond_the_data():
    data = _two_variants(km_variant=50.0, s_max_variant=5.0)  # true ratio 50
    delta = compare(data, "michaelis_menten", test=[], weights="relative").ratios["M"]["km"]
    prof = compare(data, "michaelis_menten", test=[], weights="relative", ci="profile").ratios["M"]["km"]
    assert prof.ci_low < 50.0 < prof.ci_high
    assert prof.ci_high > 1.2 * delta.ci_high  # the likelihood is long on the high side


def test_profile_side_open_when_data_cannot_bound_it():
    data = _two_variants(km_variant=1000.0, s_max_variant=1.0)  # data reach 0.1 % of KM
    cmp = compare(data, "michaelis_menten", test=[], weights="relative", ci="profile")
    km = cmp.ratios["M"]["km"]
    assert km.ci_high is None and "upper side open" in km.ci_method
    assert km.ci_low is not None and km.ci_low < km.value


def test_a_dead_variant_shares_nothing():
    # issue 12: a variant with no activity fits any vmax with KM -> infinity, so a sharing test that
    # cannot reject "shared" proves nothing; it must say undetermined, never "shared". The active
    # pair (half the activity, same KM) is the control: km shared, vmax separate.
    import numpy as np
    import pandas as pd

    s = np.array([0.1, 0.2, 0.5, 1, 2, 5, 10.0] * 2)
    v = 10 * s / (1 + s) * (1 + 0.03 * np.random.default_rng(0).standard_normal(s.size))
    dead = 1e-4 * np.random.default_rng(1).standard_normal(s.size)
    for other, expected in (
        (dead, {"vmax": "undetermined", "km": "undetermined"}),
        (0.5 * v, {"vmax": "separate", "km": "shared"}),
    ):
        df = pd.DataFrame(
            {
                "s_mM": np.r_[s, s],
                "rate_uM_per_s": np.r_[v, other],
                "variant": ["WT"] * s.size + ["B"] * s.size,
            }
        )
        cmp = compare(df, "michaelis_menten", by="variant", reference="WT")
        got = {t.parameter: t.preferred.split(" ")[0] for t in cmp.tests}
        assert got == expected


def test_derived_ratio_between_variants_matches_brute_force():
    """(kcat/KM)_M / (kcat/KM)_WT profiled with kcat_M = R·km_M·kcat_WT/km_WT and the other three
    parameters re-optimised, against the brute-force profile of tests/profile_reference.py
    (the two kcat-form MM fits restated in numpy) to 4 significant digits. Truth: R = 1/3."""
    from profile_reference import brute_limits, brute_profile

    data = _two_variants(km_variant=3.0, s_max_variant=10.0, seed=4)
    data["enzyme_nM"] = np.full(32, 5.0)
    cmp = compare(data, "michaelis_menten_kcat", test=[], ci="profile")
    r = cmp.ratios["M"]["kcat_over_km"]
    assert r.ci_method == "profile" and r.ci_low < r.value < r.ci_high
    ref, var = cmp.fits["WT"], cmp.fits["M"]
    s, v = np.asarray(data["s_mM"]), np.asarray(data["rate_uM_per_s"])
    e_uM = 5e-3

    def resid(ratio, x):  # x = kcat_WT, km_WT, km_M
        kcat_m = ratio * x[2] * x[0] / x[1]
        return np.r_[
            v[:16] - x[0] * e_uM * s[:16] / (x[1] + s[:16]), v[16:] - kcat_m * e_uM * s[16:] / (x[2] + s[16:])
        ]

    start = np.array([ref.values["kcat"], ref.values["km"], var.values["km"]])
    S = brute_profile(resid, start, np.zeros(3), np.full(3, np.inf), n_starts=2)
    r_hat = (var.values["kcat"] / var.values["km"]) / (ref.values["kcat"] / ref.values["km"])
    assert r.value == pytest.approx(r_hat, rel=1e-9)
    from scipy import stats

    s_min = ref.statistics.rss + var.statistics.rss
    crit = s_min * (1 + stats.f.ppf(0.95, 1, 28) / 28)  # n = 32 pooled, 4 parameters
    low, high = brute_limits(S, r_hat, 0.02 * r_hat, crit, lower=0.0)
    assert (r.ci_low, r.ci_high) == (pytest.approx(low, rel=5e-5), pytest.approx(high, rel=5e-5))


def test_km_ratio_beyond_the_data_matches_brute_force():
    """KM_M/KM_WT with the variant's KM (50) 10x beyond its data, relative weights (residuals
    divided by y): the profile limits equal the brute-force profile of tests/profile_reference.py
    (km_M = R·km_WT, the other three parameters re-optimised from many starts) to 4 digits."""
    from profile_reference import brute_limits, brute_profile
    from scipy import stats

    data = _two_variants(km_variant=50.0, s_max_variant=5.0)
    cmp = compare(data, "michaelis_menten", test=[], weights="relative", ci="profile")
    r = cmp.ratios["M"]["km"]
    ref, var = cmp.fits["WT"], cmp.fits["M"]
    s, v = np.asarray(data["s_mM"]), np.asarray(data["rate_uM_per_s"])

    def resid(ratio, x):  # x = vmax_WT, km_WT, vmax_M
        a, b = slice(0, 16), slice(16, 32)
        return np.r_[
            (v[a] - x[0] * s[a] / (x[1] + s[a])) / v[a], (v[b] - x[2] * s[b] / (ratio * x[1] + s[b])) / v[b]
        ]

    start = np.array([ref.values["vmax"], ref.values["km"], var.values["vmax"]])
    S = brute_profile(resid, start, np.zeros(3), np.full(3, np.inf), n_starts=2)
    s_min = ref.statistics.rss + var.statistics.rss
    crit = s_min * (1 + stats.f.ppf(0.95, 1, 28) / 28)  # n = 32 pooled, 4 parameters
    low, high = brute_limits(S, r.value, 0.05 * r.value, crit, lower=0.0)
    assert (r.ci_low, r.ci_high) == (pytest.approx(low, rel=5e-5), pytest.approx(high, rel=5e-5))


def test_vmax_ratio_with_the_variants_km_beyond_its_data_matches_brute_force():
    """Vmax_M/Vmax_WT where the variant's KM (15) is 3x its highest S, so its Vmax and KM are
    correlated beyond 0.99: profile_ratio runs on the exact-profile engine (stats.profile), and its
    limits equal the brute-force profile of tests/profile_reference.py (vmax_M = R·vmax_WT, the
    other three parameters re-optimised from many starts) to 5e-5 relative."""
    from profile_reference import brute_limits, brute_profile
    from scipy import stats

    data = _two_variants(km_variant=15.0, s_max_variant=5.0, seed=7)
    cmp = compare(data, "michaelis_menten", test=[], ci="profile")
    r = cmp.ratios["M"]["vmax"]
    ref, var = cmp.fits["WT"], cmp.fits["M"]
    corr = var.covariance[0, 1] / np.sqrt(var.covariance[0, 0] * var.covariance[1, 1])
    assert corr > 0.99 and r.ci_method == "profile"
    s, v = np.asarray(data["s_mM"]), np.asarray(data["rate_uM_per_s"])

    def resid(ratio, x):  # x = vmax_WT, km_WT, km_M
        a, b = slice(0, 16), slice(16, 32)
        return np.r_[v[a] - x[0] * s[a] / (x[1] + s[a]), v[b] - ratio * x[0] * s[b] / (x[2] + s[b])]

    start = np.array([ref.values["vmax"], ref.values["km"], var.values["km"]])
    S = brute_profile(resid, start, np.zeros(3), np.full(3, np.inf), n_starts=2)
    s_min = ref.statistics.rss + var.statistics.rss
    crit = s_min * (1 + stats.f.ppf(0.95, 1, 28) / 28)  # n = 32 pooled, 4 parameters
    low, high = brute_limits(S, r.value, 0.05 * r.value, crit, lower=0.0)
    assert (r.ci_low, r.ci_high) == (pytest.approx(low, rel=5e-5), pytest.approx(high, rel=5e-5))
