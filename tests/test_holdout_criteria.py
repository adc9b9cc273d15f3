"""Information criteria for weighted cases that tests/test_criteria.py does not check: R's values for
the other two weighted Puromycin fits, and the exact Gaussian likelihood when the SDs are known.

Expected values (R 4.2.2, stats::nls with nls.control(tol = 1e-8, maxiter = 200), as in
tests/data/r/make_nls_golden.R):

    d <- datasets::Puromycin; tr <- d[d$state == "treated", ]; un <- d[d$state == "untreated", ]
    f <- rate ~ Vm * conc / (K + conc); st <- list(Vm = 200, K = 0.1)
    m <- nls(f, data = tr, start = st, weights = 1 / tr$rate)     # treated, poisson
    m <- nls(f, data = un, start = st, weights = 1 / un$rate^2)   # untreated, relative
    sprintf("%.15g", c(coef(m), logLik(m), AIC(m), BIC(m)))
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

PUROMYCIN = Path(__file__).parent / "data" / "r" / "puromycin.csv"

R_VALUES = {
    ("treated", "poisson"): dict(
        vmax=209.596815601947, km=0.0606537996858758, vmax_se=9.005876785918, km_se=0.00839192855682887,
        loglik=-46.3890857264008, aic=98.7781714528016, bic=100.232891402166,
    ),
    ("untreated", "relative"): dict(
        vmax=150.954166372555, km=0.0381295283281336, vmax_se=8.6099403559604, km_se=0.0063858870321638,
        loglik=-41.3493706729207, aic=88.6987413458414, bic=89.8924271642365,
    ),
}  # fmt: skip


def fit_json(path, *options):
    res = CliRunner().invoke(
        cli, ["fit", str(path), "--law", "michaelis_menten", "--format", "json", *options]
    )
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["fits"]


@pytest.mark.parametrize("state, weighting", sorted(R_VALUES))
def test_weighted_criteria_equal_r(state, weighting):
    fits = fit_json(PUROMYCIN, "--group", "state", "--weights", weighting)
    fit = next(f for f in fits if f["group"] == {"state": state})
    want = R_VALUES[(state, weighting)]
    for name in ("vmax", "km"):
        assert fit["parameters"][name]["value"] == pytest.approx(want[name], rel=1e-6)
        assert fit["parameters"][name]["stderr"] == pytest.approx(want[f"{name}_se"], rel=1e-5)
    for name in ("loglik", "aic", "bic"):  # issue 12: equal to R's to 6 digits
        assert fit["statistics"][name] == pytest.approx(want[name], rel=1e-7), name


def test_known_sds_give_the_exact_gaussian_likelihood(tmp_path):
    # absolute SDs (sd:COLUMN): sigma is known, not estimated, so the likelihood is the plain
    # Gaussian one with no sigma parameter: logL = -1/2 sum((r/sd)^2) - sum(log sd) - n/2 log(2 pi),
    # AIC = -2 logL + 2p, BIC = -2 logL + p log n with p = 2 (vmax, km). R's nls cannot state known
    # SDs; its estimates (weights 1/sd^2) are the same point: Vm 207.619340212534, K 0.0589893821686597.
    table = pd.read_csv(PUROMYCIN)
    table = table[table.state == "treated"].drop(columns="state")
    table["rate_sd_uM_per_min"] = 0.05 * table.rate_uM_per_min + 2
    table.to_csv(tmp_path / "sd.csv", index=False)
    (fit,) = fit_json(tmp_path / "sd.csv", "--weights", "sd:rate_sd_uM_per_min")
    vmax, km = fit["parameters"]["vmax"]["value"], fit["parameters"]["km"]["value"]
    assert vmax == pytest.approx(207.619340212534, rel=1e-6)
    assert km == pytest.approx(0.0589893821686597, rel=1e-6)
    s, v, sd = (table[c].to_numpy() for c in ("conc_mM", "rate_uM_per_min", "rate_sd_uM_per_min"))
    z = (v - vmax * s / (km + s)) / sd
    n = len(v)
    loglik = -0.5 * np.sum(z**2) - np.sum(np.log(sd)) - n / 2 * math.log(2 * math.pi)
    stats = fit["statistics"]
    assert stats["loglik"] == pytest.approx(loglik, rel=1e-9)
    assert stats["aic"] == pytest.approx(-2 * loglik + 2 * 2, rel=1e-9)
    assert stats["bic"] == pytest.approx(-2 * loglik + 2 * math.log(n), rel=1e-9)
