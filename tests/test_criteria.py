"""Information criteria on R's scale: logLik, AIC, AICc and BIC of mgkinetics fits equal R's ``nls``.

Golden values: ``tests/data/r/nls_golden.json``, written by R itself (``make_nls_golden.R`` beside it,
R 4.2.2) from ``nls`` fits of ``datasets::Puromycin``, unweighted and with weights 1/rate² and 1/rate.
Tolerance: 6 significant digits (rel 1e-6), as issue 12 asks.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mgkinetics as mgk
from mgkinetics.fitting.numerics import information_criteria, sum_log_weights

DATA = Path(__file__).parent / "data" / "r"
GOLDEN = json.loads((DATA / "nls_golden.json").read_text())["fits"]


def _fit(case: dict):
    frame = pd.read_csv(DATA / "puromycin.csv")
    frame = frame[frame["state"] == case["state"]].drop(columns="state")
    return mgk.fit(frame, "michaelis_menten", weights=case["weighting"], init={"vmax": 200, "km": 0.1})


@pytest.mark.parametrize("case", GOLDEN, ids=[c["case"] for c in GOLDEN])
def test_fit_statistics_equal_r(case):
    res = _fit(case)
    st = res.statistics
    assert res.parameters["vmax"].value == pytest.approx(case["vmax"], rel=1e-6)
    assert st.n == case["n"]
    assert st.rss == pytest.approx(case["rss_weighted"], rel=1e-6)
    assert st.loglik == pytest.approx(case["loglik"], rel=1e-6)
    assert st.aic == pytest.approx(case["aic"], rel=1e-6)
    assert st.bic == pytest.approx(case["bic"], rel=1e-6)
    n, df = case["n"], case["df"]
    assert st.aicc == pytest.approx(case["aic"] + 2 * df * (df + 1) / (n - df - 1), rel=1e-6)
    d = res.to_dict()["statistics"]
    assert d["loglik"] == pytest.approx(case["loglik"], rel=1e-6)
    assert d["aic"] == pytest.approx(case["aic"], rel=1e-6)


def test_known_sigma_likelihood_is_the_gaussian_density():
    """σ known (sd: weights): logLik is the sum of the normal log-densities, df = p."""
    from scipy import stats

    rng = np.random.default_rng(4)
    sigma = rng.uniform(0.1, 0.5, 9)
    resid = rng.normal(0, sigma)
    ic = information_criteria(
        9, 2, float(np.sum((resid / sigma) ** 2)), False, log_weights=sum_log_weights(1 / sigma)
    )
    assert ic.df == 2
    assert ic.loglik == pytest.approx(float(np.sum(stats.norm.logpdf(resid, 0, sigma))), rel=1e-12)
    assert ic.bic == pytest.approx(-2 * ic.loglik + 2 * math.log(9), rel=1e-12)


def test_arrays_and_undefined_cases():
    ic = information_criteria(np.array([5, 5, 0]), 1, np.array([1.0, 0.0, 2.0]), True)
    assert np.isfinite(ic.loglik[0]) and np.isnan(ic.loglik[1]) and np.isnan(ic.aicc[2])
    assert information_criteria(3, 1, 1.0, True).aicc == math.inf  # N - df - 1 = 0
    assert sum_log_weights(np.array([2.0, 0.0])) == pytest.approx(2 * math.log(2.0))


def test_ranking_unchanged_by_the_constants():
    """Differences between laws fitted to the same rows equal those of N log(RSS/N) + 2K."""
    s = np.array([0.25, 0.5, 1, 2, 4, 8, 16, 32.0])
    v = 10 * s / (2 + s) * (1 + 0.03 * np.array([1, -1, 1, -1, -1, 1, -1, 1]))
    a = mgk.fit({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten").statistics
    b = mgk.fit({"s_mM": s, "rate_uM_per_s": v}, "hill").statistics
    old = [8 * math.log(x.rss / 8) + 2 * (x.n_params + 1) for x in (a, b)]
    assert b.aic - a.aic == pytest.approx(old[1] - old[0], rel=1e-9)
