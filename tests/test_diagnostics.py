"""Residual diagnostics: replicates, runs, normality, weighting hint, ROUT-like outliers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.stats.diagnostics import runs_test

S3 = np.repeat([0.25, 0.5, 1, 2, 4, 8, 16, 32.0], 3)
JITTER = np.tile([0.02, -0.015, -0.005], 8) * np.array([1, -1] * 12)


def test_runs_test_exact_probabilities():
    # 4 + and 4 - in 2 runs: P(R <= 2) = 2 / C(8, 4) = 2/70 (Wald & Wolfowitz 1940).
    out = runs_test(np.array([1, 1, 1, 1, -1, -1, -1, -1.0]))
    assert out["runs"] == 2 and out["p_value"] == pytest.approx(2 / 70, rel=1e-12)
    alt = runs_test(np.array([1, -1] * 4, dtype=float))
    assert alt["runs"] == 8 and alt["p_value"] == pytest.approx(1.0)


def _signs(n_pos: int, n_neg: int, runs: int) -> np.ndarray:
    """A sign sequence with exactly ``runs`` runs (alternating blocks, the rest in the last two)."""
    blocks_pos, blocks_neg = (runs + 1) // 2, runs // 2
    pos = [1] * (blocks_pos - 1) + [n_pos - blocks_pos + 1]
    neg = [1] * (blocks_neg - 1) + [n_neg - blocks_neg + 1]
    out = []
    for i in range(runs):
        out += [1.0] * pos[i // 2] if i % 2 == 0 else [-1.0] * neg[i // 2]
    return np.array(out)


def test_runs_log_space_sum_equals_the_integer_sum():
    from mgkinetics.stats.diagnostics import _runs_exact_p, _runs_log_exact_p

    # Same exact formula, two arithmetics: integer (math.comb) vs log-gamma; agreement to 1e-11.
    for n1, n2 in [(1, 49), (7, 43), (25, 25), (30, 70), (150, 150)]:
        for runs in range(2, 2 * min(n1, n2) + 2, 3):
            assert _runs_log_exact_p(runs, n1, n2) == pytest.approx(_runs_exact_p(runs, n1, n2), abs=1e-11)


def test_runs_normal_approximation_agrees_with_the_exact_sum_at_the_switch():
    from mgkinetics.stats.diagnostics import RUNS_NORMAL_MIN_MINORITY as m
    from mgkinetics.stats.diagnostics import _runs_log_exact_p, _runs_normal_p

    # Just above the switch, balanced and 1:9 skewed samples, from the lower tail to the top:
    # the approximation is within 0.006 of the exact p (the bound the module documents).
    for n1, n2 in [(m + 1, m + 1), (m + 1, 9 * m)]:
        for runs in np.linspace(2, 2 * (m + 1), 60).astype(int):
            exact = _runs_log_exact_p(int(runs), n1, n2)
            assert abs(_runs_normal_p(int(runs), n1, n2) - exact) < 0.006


def test_runs_test_switches_method_and_stays_fast():
    small = runs_test(_signs(20, 20, 10))
    assert small["method"] == "exact" and small["runs"] == 10
    mid = runs_test(_signs(500, 20_000, 200))
    assert mid["method"] == "exact" and mid["runs"] == 200
    rng = np.random.default_rng(1)
    big = rng.normal(size=1_000_000)
    out = runs_test(big)
    # 10^6 residuals take the closed-form tier (the exact big-integer sums took 12.8 s for 10^4);
    # the time itself is a benchmark matter (benchmarks/bench_large.py), not a test assertion
    assert out["method"] == "normal approximation" and 0.01 < out["p_value"] < 0.99


def test_replicates_test_detects_wrong_model():
    # Hill-shaped data (n = 2.5) fitted with Michaelis-Menten: the curve misses the replicate means.
    v = 10 * S3**2.5 / (2**2.5 + S3**2.5) * (1 + JITTER)
    res = mgk.fit({"s_mM": S3, "rate_uM_per_s": v}, "michaelis_menten")
    rep = res.diagnostics["replicates"]
    assert rep["df_pure_error"] == 16 and rep["df_lack_of_fit"] == 6
    assert rep["p_value"] < 1e-6
    good = mgk.fit({"s_mM": S3, "rate_uM_per_s": 10 * S3 / (2 + S3) * (1 + JITTER)}, "michaelis_menten")
    assert good.diagnostics["replicates"]["p_value"] > 0.05


def test_outlier_is_listed_by_line_and_excluded_only_on_request():
    v = 10 * S3 / (2 + S3) * (1 + JITTER)
    v[10] *= 1.5  # file line 12 (header is line 1)
    data = {"s_mM": S3, "rate_uM_per_s": v}
    flagged = mgk.fit(data, "michaelis_menten")
    lines = [p["line"] for p in flagged.diagnostics["outliers"]["points"]]
    assert lines == [12]
    assert len(flagged.rows.used) == 24 and not flagged.rows.excluded
    cleaned = mgk.fit(data, "michaelis_menten", outliers="exclude")
    assert [e.line for e in cleaned.rows.excluded] == [12]
    assert "outlier" in cleaned.rows.excluded[0].reason
    assert cleaned.parameters["km"].value == pytest.approx(2.0, rel=0.02)


def test_clean_data_have_no_outliers_and_normality_is_reported():
    res = mgk.fit({"s_mM": S3, "rate_uM_per_s": 10 * S3 / (2 + S3) * (1 + JITTER)}, "michaelis_menten")
    assert res.diagnostics["outliers"]["points"] == []
    assert set(res.diagnostics["normality"]) == {"shapiro_wilk", "dagostino_pearson"}  # n = 24 >= 20


def test_weighting_hint_for_proportional_scatter():
    rng = np.random.default_rng(4)
    s = np.geomspace(0.1, 100, 30)
    v = 10 * s / (2 + s) * (1 + 0.1 * rng.standard_normal(s.size))
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten")
    w = res.diagnostics["weighting"]
    assert w["spearman_rho"] > 0.5 and "--weights relative" in w["hint"]


def test_diagnostics_in_json():
    res = mgk.fit({"s_mM": S3, "rate_uM_per_s": 10 * S3 / (2 + S3) * (1 + JITTER)}, "michaelis_menten")
    d = res.to_dict()["diagnostics"]
    assert "runs" in d and all(v is None or math.isfinite(v) for v in [d["runs"]["p_value"]])


def test_replicate_weighting_uses_level_sd():
    from mgkinetics.fitting.problem import build_problems
    from mgkinetics.fitting.weighting import FewReplicatesWarning

    v = 10 * S3 / (2 + S3) * (1 + JITTER)
    with pytest.warns(FewReplicatesWarning, match="fewest 3"):  # 3 replicates per level: said so
        (prob,), _, _ = build_problems(
            {"s_mM": S3, "rate_uM_per_s": v}, "michaelis_menten", weights="replicates"
        )
    assert prob.weights[0] == pytest.approx(1 / np.std(v[:3], ddof=1), rel=1e-12)
    (pooled,), _, _ = build_problems(
        {"s_mM": S3, "rate_uM_per_s": v}, "michaelis_menten", weights="replicates:pooled"
    )
    assert pooled.weights[0] == pytest.approx(1 / np.mean(v[:3]), rel=1e-12)
    # unreplicated level: excluded with a reason
    with pytest.warns(FewReplicatesWarning):
        (single,), _, _ = build_problems(
            {"s_mM": np.r_[S3, 50.0], "rate_uM_per_s": np.r_[v, 9.6]},
            "michaelis_menten",
            weights="replicates",
        )
    assert single.excluded and "replicate" in single.excluded[0].reason
