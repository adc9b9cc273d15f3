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
