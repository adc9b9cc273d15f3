"""Numbers check for the Mg-ATP laws: a seeded Mg titration recovers a free Kd(MgATP) (issue 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import mgkinetics as mgk
from mgkinetics.ak import design as akdesign


def test_mg_titration_recovers_free_kd_inside_ci():
    # Simulated with the library's own law at pH 7.5, 25 °C, I 0.15 M: the true Kd is the table value.
    rng = np.random.default_rng(3)
    mg = np.repeat(np.geomspace(0.02, 10.0, 10), 3)
    totals = {"atp_total": np.full_like(mg, 0.2), "mg_total": mg}
    truth = {"kcat": 100.0, "km": 0.1}
    v = akdesign.ak_rates(totals, 0.01, truth, law="mgatp_mm")
    kd_true = akdesign.true_kd_mgatp_mM()
    frame = pd.DataFrame(
        {
            "atp_total_mM": totals["atp_total"],
            "mg_total_mM": mg,
            "enzyme_nM": 10.0,
            "rate_uM_per_s": v * (1 + 0.03 * rng.standard_normal(v.size)),
        }
    )
    res = mgk.fit(frame, "mgatp_mm", weights="relative", init={"kd_mgatp": 0.2})
    kd = res.parameters["kd_mgatp"]
    assert not kd.fixed
    assert kd.ci_low <= kd_true <= kd.ci_high
    assert abs(kd.value - kd_true) / kd_true < 0.25
    assert res.parameters["kcat"].ci_low <= truth["kcat"] <= res.parameters["kcat"].ci_high


# --- composition: one speciation wrapper around plain laws ------------------------------------


def test_composed_law_equals_plain_law_on_the_species():
    """mgatp_mm(totals) == turnover_mm([MgATP] from mg_species) exactly; the declaration reads the
    composed signature (inputs, the plain law's parameters, kd_mgatp)."""
    import inspect

    from mgkinetics.laws import mg_ratelaws as m
    from mgkinetics.laws.speciated import mg_species

    atp, mg = np.geomspace(0.01, 2, 7), np.linspace(0.05, 5, 7)
    z, o = np.zeros(7), np.ones(7)
    aux = (1.1 * o, 0.71 * o, 16.2 * o, 5.5 * o)
    mgatp, mg_free, atp_free, amp_free = mg_species(atp, mg, z, z, z, 0.07 * aux[0], *aux[1:])
    got = m.mgatp_mm_mg_inhibition(
        atp, mg, 1e-3 * o, z, z, z, *aux, kcat=3.0, km=0.1, ki_mg=0.3, kd_mgatp=0.07
    )
    want = m.turnover_inhibited(mgatp, mg_free, 1e-3 * o, kcat=3.0, km=0.1, ki_mg=0.3)
    np.testing.assert_array_equal(got, want)
    assert list(inspect.signature(m.ak_random_bibi).parameters)[:3] == ["atp_total", "amp_total", "mg_total"]
    law = mgk.get_law("mgatp_mm_atp_inhibition")
    assert law.param_names == ("kcat", "km", "ki_atp", "kd_mgatp")


def test_speciation_is_solved_once_per_fit_when_kd_is_fixed():
    """The cache: a fit with Kd fixed at the table value solves the mass balance once (every
    later evaluation, whatever kcat and KM, hits); a fit that varies Kd solves once per Kd."""
    from mgkinetics.laws.speciated import SPECIES_CACHE

    rng = np.random.default_rng(3)
    mg = np.repeat(np.geomspace(0.02, 10.0, 10), 3)
    totals = {"atp_total": np.full_like(mg, 0.2), "mg_total": mg}
    v = akdesign.ak_rates(totals, 0.01, {"kcat": 100.0, "km": 0.1}, law="mgatp_mm")
    frame = pd.DataFrame(
        {
            "atp_total_mM": totals["atp_total"],
            "mg_total_mM": mg,
            "enzyme_nM": 10.0,
            "rate_uM_per_s": v * (1 + 0.03 * rng.standard_normal(v.size)),
        }
    )
    SPECIES_CACHE.clear()
    res = mgk.fit(frame, "mgatp_mm")
    assert res.parameters["kd_mgatp"].fixed
    assert SPECIES_CACHE.misses <= 2  # the start rule's [MgATP] and the fit's: same inputs, one Kd
    assert SPECIES_CACHE.hits > 10 * SPECIES_CACHE.misses
    # same numbers with and without the cache: a cleared cache recomputes identical species
    SPECIES_CACHE.clear()
    again = mgk.fit(frame, "mgatp_mm")
    assert again.values == res.values
