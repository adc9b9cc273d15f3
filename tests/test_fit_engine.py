"""The one fit engine: lmfit holds the reported values, scale invariance, statuses and coded warnings.

Expected values: (a) the truth the data are made from, (b) the same fit on unscaled data (scale
invariance), (c) hand formulas written out here (Vmax/KM when KM runs away), (d) lmfit's own
result object (it must hold exactly what is reported).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.errors import STATUSES, WARNING_CODES, FitWarning, MissingDependencyError, missing_dependency
from mgkinetics.fitting.globalfit import fit_global
from mgkinetics.fitting.problem import build_problems
from mgkinetics.fitting.single import fit_problem
from mgkinetics.fitting.starts import clip_start

S = np.array([0.5, 1, 2, 4, 8, 16.0, 32, 64])
WOBBLE = 1 + 0.02 * np.array([1, -1, 0.5, -0.3, 0.8, -1, 0.2, 0.4])


def mm(s, vmax, km):
    return vmax * s / (km + s)


def fit_mm(s, v, **kw):
    return mgk.fit({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten", **kw)


def test_lmfit_result_holds_exactly_the_reported_values():
    res = fit_mm(S, mm(S, 10, 2) * WOBBLE)
    assert res.status == "converged" and res.success
    lm = res.lmfit_result
    cov = np.asarray(res.covariance)
    for i, name in enumerate(res.covariance_names):
        assert lm.params[name].value == res.parameters[name].value  # exactly
        assert lm.params[name].stderr == res.parameters[name].stderr
        assert lm.params[name].stderr == pytest.approx(math.sqrt(cov[i, i]), rel=1e-15)
    corr = cov[0, 1] / math.sqrt(cov[0, 0] * cov[1, 1])
    assert lm.params["vmax"].correl["km"] == pytest.approx(corr, rel=1e-14)


def test_lmfit_result_statistics_are_the_reported_ones():
    """lmfit's residual, chisqr and redchi are the fit's own (the solver works on residuals divided
    by a constant; the result holds the unscaled ones); lmfit's uvars, computed from a covariance
    that is not the reported one, is not kept."""
    s, v = S, mm(S, 10, 2) * WOBBLE * 1e-6  # a small rate scale: scaled and unscaled residuals differ
    res = fit_mm(s, v)
    lm = res.lmfit_result
    fitted = mm(s, res.values["vmax"], res.values["km"])
    np.testing.assert_allclose(lm.residual, fitted - v, rtol=1e-12, atol=0)
    assert lm.chisqr == pytest.approx(res.statistics.rss, rel=1e-12)
    assert lm.redchi == pytest.approx(res.statistics.redchi, rel=1e-12)
    assert lm.nfree == res.statistics.dof and lm.ndata == S.size
    np.testing.assert_array_equal(lm.covar, res.covariance)
    assert lm.uvars is None


def test_each_point_is_evaluated_once():
    """MINPACK asks for the start twice and the answer is asked for again (RSS, covariance): the
    engine remembers them, so the law is called once per distinct real-valued point."""
    calls: dict[tuple[float, float], int] = {}

    def counted(substrate, vmax=1.0, km=1.0):
        if not np.iscomplexobj(vmax) and not np.iscomplexobj(km):
            key = (float(vmax), float(km))
            calls[key] = calls.get(key, 0) + 1
        return vmax * substrate / (km + substrate)

    law = mgk.RateLaw(
        "mm_counted_test",
        counted,
        inputs=(mgk.InputSpec("substrate"),),
        params=(mgk.ParamSpec("vmax", "rate", min=0), mgk.ParamSpec("km", "substrate", min=0)),
        formula="v",
        guess=lambda inputs, rate: {"vmax": float(np.max(rate)), "km": 3.0},
    )
    (problem,), _, _ = build_problems({"s_mM": S, "rate_uM_per_s": mm(S, 10, 2) * WOBBLE}, law)
    res = fit_problem(problem, diagnostics=False)  # the engine alone (diagnostics evaluate again)
    assert res.status == "converged"
    assert calls and max(calls.values()) == 1, {k: c for k, c in calls.items() if c > 1}


@pytest.mark.parametrize("scale_covar", [True, False])
def test_information_criteria_of_one_fit_equal_the_array_path(scale_covar):
    """The scalar path (one fit) and the array path (the batch engine) give the same numbers,
    including the undefined cases (N = 0, RSS = 0 with σ estimated, N − df − 1 ≤ 0)."""
    from mgkinetics.fitting.numerics import information_criteria

    n = np.array([10, 10, 0, 3, 4, 25])
    rss = np.array([0.37, 0.0, 1.0, 1.0, 2.5, 1e-30])
    log_w = np.array([0.0, -1.5, 0.0, 2.0, -0.25, 7.0])
    many = information_criteria(n, 2, rss, scale_covar, log_weights=log_w)
    for i in range(n.size):
        one = information_criteria(int(n[i]), 2, float(rss[i]), scale_covar, log_weights=float(log_w[i]))
        assert isinstance(one.aicc, float) and one.df == many.df
        for name in ("loglik", "aic", "aicc", "bic"):
            np.testing.assert_allclose(getattr(one, name), getattr(many, name)[i], rtol=1e-14, atol=0)


def test_global_fit_lmfit_result_holds_the_joint_values():
    probs = []
    for vmax in (10.0, 4.0):
        (p,), _, _ = build_problems({"s_mM": S, "rate_uM_per_s": mm(S, vmax, 2) * WOBBLE}, "michaelis_menten")
        probs.append(p)
    joint = fit_global(probs, ["km"], labels=["a", "b"])
    assert joint.status == "converged"
    names = {k: p.name for k, p in zip(joint.covariance_names, joint.lmfit_result.params.values())}
    assert len(names) == 3
    for key, est in joint.parameters.items():
        held = [
            p
            for p in joint.lmfit_result.params.values()
            if p.name.startswith(key.replace("[", "_").rstrip("]"))
        ]
        assert any(p.value == est.value for p in held), key


@pytest.mark.parametrize("factor_y, factor_x", [(1e-30, 1.0), (1e30, 1.0), (1e-30, 1e-30), (1e30, 1e30)])
def test_fit_is_invariant_to_the_scale_of_the_data(factor_y, factor_x):
    base = fit_mm(S, mm(S, 10, 2) * WOBBLE)
    scaled = fit_mm(S * factor_x, mm(S, 10, 2) * WOBBLE * factor_y)
    assert scaled.status == "converged"
    assert scaled.values["vmax"] / factor_y == pytest.approx(base.values["vmax"], rel=1e-7)
    assert scaled.values["km"] / factor_x == pytest.approx(base.values["km"], rel=1e-7)
    assert scaled.parameters["km"].stderr / factor_x == pytest.approx(base.parameters["km"].stderr, rel=1e-6)
    assert scaled.lmfit_result.params["vmax"].value == scaled.parameters["vmax"].value


def test_constant_rates_are_not_identifiable_with_the_reason():
    res = fit_mm(S, np.full(S.size, 5.0))
    assert res.status == "not_identifiable" and not res.success
    assert "every rate is 5" in res.status_reason
    assert res.to_dict()["status"] == "not_identifiable"


@pytest.mark.parametrize("weights", ["none", "power"])  # power: no variance to model, the same answer
@pytest.mark.parametrize(
    "law, extra", [("michaelis_menten", {}), ("michaelis_menten_kcat", {"enzyme": "1nM"})]
)
def test_dead_enzyme_gives_zero_rate_constant_and_a_clear_status(law, extra, weights):
    res = mgk.fit({"s_mM": S, "rate_uM_per_s": np.zeros(S.size)}, law, weights=weights, **extra)
    scale = "vmax" if law == "michaelis_menten" else "kcat"
    assert res.values[scale] == 0.0
    assert res.status == "not_identifiable" and "no activity" in res.status_reason
    assert [w.code for w in res.warnings] == ["no_activity"]


def test_km_beyond_the_data_is_not_bounded_and_reports_the_initial_slope():
    v = mm(S, 10, 2000) * WOBBLE  # KM 30x the highest substrate: the data lie on the initial slope
    res = fit_mm(S, v)
    assert res.status == "not_bounded" and not res.success
    assert "km" in res.status_reason
    slope = res.derived["vmax_over_km"]
    # the slope of v against S through the origin, weighted least squares by hand (uM/s per mM -> 1/s)
    hand = float(S @ v / (S @ S)) * 1e-3
    assert slope.value == pytest.approx(hand, rel=0.02)
    assert slope.ci_low < 10 / 2000 * 1e-3 < slope.ci_high
    assert slope.unit.label == "1/s"


def test_parameter_at_bound_is_at_bound_with_which_bound():
    law = mgk.RateLaw(
        "mm_bounded_test",
        lambda substrate, vmax=1.0, km=1.0: vmax * substrate / (km + substrate),
        inputs=(mgk.InputSpec("substrate"),),
        params=(mgk.ParamSpec("vmax", "rate", min=0), mgk.ParamSpec("km", "substrate", min=3.0)),
        formula="v",
        guess=lambda inputs, rate: {"vmax": float(np.max(rate)), "km": 4.0},
    )
    res = mgk.fit({"s_mM": S, "rate_uM_per_s": mm(S, 10, 2) * WOBBLE}, law)
    assert res.status == "at_bound" and res.success
    codes = [w for w in res.warnings if w.code == "at_bound"]
    assert codes and codes[0].details == {"parameter": "km", "bound": "lower"}
    assert "km" in res.status_reason and "lower" in res.status_reason


def test_warnings_carry_codes_and_stay_strings():
    s = S[:6]  # highest substrate 16 mM: KM = 80 mM is beyond twice it
    res = fit_mm(s, mm(s, 100.0, 80.0) * (1 + 1e-3 * np.sign(np.sin(7 * s))))
    codes = {w.code for w in res.warnings}
    assert "beyond_data" in codes and codes <= set(WARNING_CODES)
    assert all(isinstance(w, str) for w in res.warnings)
    assert res.to_dict()["warning_codes"] == [w.code for w in res.warnings]
    with pytest.raises(ValueError, match="unknown warning code"):
        FitWarning("no_such_code", "text")


def test_global_fit_json_carries_warning_codes_as_a_single_fit_does():
    """Replicate weighting with 2 replicates per level warns few_replicates for each data set (the
    weighting's rule: fewer than 4); the joint result's JSON lists the codes beside the texts."""
    data = Path(__file__).parent / "data" / "report"
    with pytest.warns(UserWarning, match="few_replicates"):
        g = mgk.fit_shared(
            [str(data / "treated.csv"), str(data / "untreated.csv")],
            "michaelis_menten",
            ["km"],
            weights="replicates",
        )
    out = g.to_dict()
    assert out["warning_codes"] == ["few_replicates", "few_replicates"]
    assert len(out["warnings"]) == 2 and all("fewer than 4 replicates" in w for w in out["warnings"])


def test_status_vocabulary_is_the_documented_one():
    assert STATUSES == ("converged", "at_bound", "not_bounded", "not_identifiable", "failed")


def test_result_carries_the_weighting_scheme_object():
    res = fit_mm(S, mm(S, 10, 2) * WOBBLE, weights="relative")
    assert res.scheme.kind == "relative" and res.scheme.scale_covar


def test_one_start_clipping_rule():
    assert clip_start(5.0, 0.0, 1.0) == 0.5  # a finite interval: its midpoint
    assert clip_start(0.0, 0.0, math.inf) == pytest.approx(1e-3)
    assert clip_start(0.0, 0.0, math.inf, scale=1e-30) == pytest.approx(1e-33)  # 1e-3·max(|lo|, scale)
    assert clip_start(7.0, -math.inf, 7.0, scale=100.0) == pytest.approx(6.9)
    assert clip_start(2.0, 0.0, math.inf) == 2.0


def test_missing_optional_dependency_is_an_import_error_with_the_command():
    err = missing_dependency("pyarrow", purpose="writing Parquet")
    assert isinstance(err, ImportError) and isinstance(err, MissingDependencyError)
    assert "pip install pyarrow" in str(err)
