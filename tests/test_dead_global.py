"""A data set without activity inside a global fit, and the text of a fit without activity
(issue 12 item 4: "a dead enzyme gives kcat = 0 with an upper bound, or a clear message").

The dead set's rates are noise of SD 0.01 around 0; the wild type follows Michaelis–Menten with
3 % noise. Expected values are computed here from the data: the F test of the dead set's own curve
(shared KM held at the joint fit) against v = 0 with scipy, and the upper limit by the documented
formula ``max(mean_top, 0) + t(0.95, N - 1) · rms(rates) / sqrt(n_top)``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mgkinetics as mgk
from mgkinetics.report.display import estimate_status

S = np.repeat([0.1, 0.2, 0.5, 1, 2, 5, 10.0], 3)


def _table(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    wt = 10 * S / (0.8 + S) * (1 + 0.03 * rng.standard_normal(S.size))
    dead = 0.01 * rng.standard_normal(S.size)
    return pd.DataFrame(
        {"S_mM": np.r_[S, S], "v_uM_per_s": np.r_[wt, dead], "variant": ["wt"] * S.size + ["dead"] * S.size}
    )


def _limit(rates: np.ndarray) -> float:
    top = S == S.max()
    rms = np.sqrt(np.mean(rates**2))
    return max(rates[top].mean(), 0.0) + stats.t.ppf(0.95, rates.size - 1) * rms / np.sqrt(top.sum())


@pytest.mark.parametrize("seed", [3, 11])
def test_a_dead_set_in_a_global_fit_is_not_identifiable_with_its_limit(seed):
    df = _table(seed)
    g = mgk.fit_shared(df, "michaelis_menten", shared=["km"], group="variant")
    dead_rates = df["v_uM_per_s"].to_numpy()[S.size :]
    # the F test of the dead set's own curve (vmax[dead] removed, km held) against v = 0
    km, vmax = g.parameters["km"].value, g.parameters["vmax[set1:dead]"].value
    rss = float(np.sum((dead_rates - vmax * S / (km + S)) ** 2))
    f = ((np.sum(dead_rates**2) - rss) / 1) / (rss / (S.size - 1))
    assert stats.f.sf(f, 1, S.size - 1) > 0.05
    assert g.status == "not_identifiable" and not g.success
    assert g.status_reason.startswith("set1:dead: no activity detected")
    assert "the shared km is determined by set1:wt" in g.status_reason
    assert "its standard error pools the residual variance of every set" in g.status_reason  # unweighted
    (dead,) = [w for w in g.warnings if w.code == "no_activity"]
    assert dead.details["parameters"] == ("vmax[set1:dead]",) and dead.details["label"] == "set1:dead"
    assert dead.details["upper"] == pytest.approx(_limit(dead_rates), rel=1e-12)
    status = estimate_status(g.parameters["vmax[set1:dead]"], g.warnings)
    assert status.startswith("not identifiable: no activity (v ≤ ") and "at 10 mM, one-sided 95%" in status
    assert estimate_status(g.parameters["km"], g.warnings) == ""  # determined by the wild type
    text = str(g)
    assert "at a bound" not in text and "sits at its lower bound" not in text


def test_active_sets_in_a_global_fit_are_not_called_dead():
    df = _table()
    rng = np.random.default_rng(7)
    df.loc[df["variant"] == "dead", "v_uM_per_s"] = (
        2 * S / (0.8 + S) * (1 + 0.03 * rng.standard_normal(S.size))
    )
    g = mgk.fit_shared(df, "michaelis_menten", shared=["km"], group="variant")
    assert g.status == "converged" and "no_activity" not in [w.code for w in g.warnings]


def test_a_single_dead_fit_shows_one_verdict_and_keeps_the_codes():
    rates = _table(3)["v_uM_per_s"].to_numpy()[S.size :]  # the dead set above: KM runs to its bound 0
    res = mgk.fit({"s_mM": S, "rate_uM_per_s": rates}, "michaelis_menten")
    codes = [w.code for w in res.warnings]
    assert res.status == "not_identifiable" and "no_activity" in codes
    assert {"poorly_determined", "at_bound"} <= set(codes)  # the per-parameter warnings stay in the result
    text = str(res)
    assert "is not determined by these data (relative standard error" not in text
    assert "sits at its lower bound" not in text
    assert text.count("no activity detected: the law fits") == 1  # once: the status line
    rows = {line.split()[0]: line for line in text.splitlines()[2:5]}
    assert "not identifiable: no activity (v ≤ " in rows["vmax"]
    assert "not determined (no activity)" in rows["km"]
    (limit,) = re.findall(r"v ≤ ([0-9.e+-]+) uM/s", rows["vmax"])
    assert float(limit) == pytest.approx(_limit(rates), rel=5e-3)  # 3 significant digits


def test_estimate_status_checks_the_error_before_the_bound_and_reads_codes():
    from mgkinetics.errors import FitWarning
    from mgkinetics.fitting.estimate import Estimate

    at_zero = Estimate("vmax", 0.0, 0.043, -0.087, 0.087, mgk.units.parse_unit("uM/s"))
    bound = FitWarning(
        "at_bound", "vmax = 0 uM/s sits at its lower bound (0)", parameter="vmax", bound="lower"
    )
    assert estimate_status(at_zero, [bound]) == "not bounded by the data"  # SE > |value| = 0
    tight = Estimate("km", 1e-9, 1e-12, 0.0, 3e-12, mgk.units.parse_unit("mM"))
    worded = "km = 1e-09 mM sits at its lower bound (0)"  # the text alone (no code) is not a bound
    assert estimate_status(tight, [worded]) == ""
    coded = FitWarning("at_bound", worded, parameter="km", bound="lower")
    assert estimate_status(tight, [coded]) == "at a bound"
