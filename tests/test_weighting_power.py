"""``weights="power"``: σ = a·|v|^b fitted across levels (mgkinetics.fitting.variance_model).

Expected values come from the simulation itself (seeded, true parameters known) or from exact
arithmetic (a residual pattern with |r| = 0.1·f exactly has b = 1, a = 0.1).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

import mgkinetics as mgk
from mgkinetics.errors import FitError
from mgkinetics.fitting.globalfit import fit_global
from mgkinetics.fitting.problem import build_problems
from mgkinetics.fitting.single import fit_problem, weighted_problem
from mgkinetics.fitting.variance_model import estimate_exponent
from mgkinetics.fitting.weighting import EXPONENT_RANGE, FewReplicatesWarning, PowerVariance

S = np.repeat([0.25, 0.5, 1, 2, 4, 8, 16.0], 3)  # 7 levels, n = 3 replicates each
VMAX, KM = 10.0, 2.0


def _power_data(rng, b: float, cv: float = 0.06, s: np.ndarray = S) -> dict:
    v = VMAX * s / (KM + s)
    return {"s_mM": s, "rate_uM_per_s": v + cv * v**b * rng.standard_normal(s.size)}


def _fit(data, weights: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewReplicatesWarning)
        (problem,), _, _ = build_problems(data, "michaelis_menten", weights=weights)
    return fit_problem(problem, diagnostics=False)


def _covered(res, name: str, truth: float) -> bool:
    e = res.parameters[name]
    return bool(e.ci_low <= truth <= e.ci_high)


def test_coverage_with_three_replicates_power_holds_replicates_does_not():
    """200 seeded data sets, σ = 0.06·v^1.5, 3 replicates at each of 7 levels: observed coverage
    of the 95 % CIs is vmax 94.0 %, km 93.0 % with ``power`` (mean b = 1.53, true 1.5) and vmax
    72.5 %, km 75.5 % with ``replicates`` (1/SD weights from 3 points each; fitted here as the 200
    curves of one ``fit_many`` call, which gives the same intervals as ``fit`` and the same
    coverage, checked when this test was written)."""
    rng = np.random.default_rng(12)
    datasets = [_power_data(rng, 1.5) for _ in range(200)]
    power = [_fit(d, "power") for d in datasets]
    for name, truth in (("vmax", VMAX), ("km", KM)):
        coverage = np.mean([_covered(res, name, truth) for res in power])
        assert coverage >= 0.90, (name, coverage)
    exponents = [res.scheme.variance.exponent for res in power]
    assert abs(np.mean(exponents) - 1.5) < 0.1  # SE of the mean of 200 b's is about 0.02
    table = {
        "curve": np.repeat(np.arange(200), S.size).astype(str),
        "s_mM": np.concatenate([d["s_mM"] for d in datasets]),
        "rate_uM_per_s": np.concatenate([d["rate_uM_per_s"] for d in datasets]),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewReplicatesWarning)
        reps = mgk.fit_many(table, "michaelis_menten", curve="curve", weights="replicates")
    assert all(any(getattr(w, "code", None) == "few_replicates" for w in ws) for ws in reps.warnings)
    for name, truth in (("vmax", VMAX), ("km", KM)):
        i = list(reps.names).index(name)
        coverage = np.mean((reps.ci_low[:, i] <= truth) & (truth <= reps.ci_high[:, i]))
        assert coverage < 0.85, (name, coverage)  # binomial SE at 95 % is 1.5 %: far below


def test_constant_sigma_gives_b_near_zero_within_its_se():
    """σ constant (0.2 uM/s): b = 0 lies within b ± 2 SE for the first data set, and within
    b ± 1.96 SE for at least 85 % of 40 (observed 36/40 = 90 %), so the SE is not too small."""
    rng = np.random.default_rng(3)
    inside = []
    for i in range(40):
        v = VMAX * S / (KM + S)
        res = _fit({"s_mM": S, "rate_uM_per_s": v + 0.2 * rng.standard_normal(S.size)}, "power")
        model = res.scheme.variance
        if i == 0:
            assert abs(model.exponent) < 2 * model.exponent_se, model
        inside.append(abs(model.exponent) < 1.96 * model.exponent_se)
    assert np.mean(inside) >= 0.85, np.mean(inside)


def test_estimate_exponent_exact_and_large_sample():
    f = np.array([1.0, 2, 4, 8, 16])
    b, se, a, at_limit = estimate_exponent(f + 0.1 * f * np.array([1, -1, 1, -1, 1]), f)
    assert (b, a, at_limit) == (pytest.approx(1.0, abs=1e-9), pytest.approx(0.1, rel=1e-9), False)
    rng = np.random.default_rng(5)
    f = np.linspace(1, 20, 4000)
    b, se, a, _ = estimate_exponent(f + 0.05 * f**0.7 * rng.standard_normal(f.size), f)
    z = np.log(f)
    assert abs(b - 0.7) < 3 * se
    assert se == pytest.approx(1 / math.sqrt(2 * np.sum((z - z.mean()) ** 2)), rel=0.1)  # normal theory
    assert a == pytest.approx(0.05, rel=0.05)


def test_scatter_shrinking_with_the_rate_is_at_the_limit_and_warned():
    rng = np.random.default_rng(8)
    res = _fit(_power_data(rng, -4.0, cv=3.0), "power")
    assert res.scheme.variance.exponent == EXPONENT_RANGE[0] and res.scheme.variance.at_limit
    assert "variance_model" in [getattr(w, "code", None) for w in res.warnings]


def test_scheme_travels_on_the_result_json_and_text():
    rng = np.random.default_rng(4)
    res = mgk.fit(_power_data(rng, 1.0), "michaelis_menten", weights="power")
    model = res.scheme.variance
    assert isinstance(model, PowerVariance) and model.converged and model.n_points == S.size
    assert f"b = {model.exponent:.3g}" in res.weighting and res.scale_covar
    fitted = res.predict(substrate=res.data["substrate"])
    np.testing.assert_allclose(res.data["weights"], np.abs(fitted) ** -model.exponent, rtol=0.05)
    entry = res.to_dict()["weighting_model"]
    assert entry["exponent"] == model.exponent and entry["exponent_se"] == model.exponent_se
    assert "b = " in str(res)


def test_rows_with_zero_fitted_rate_are_excluded_with_their_line():
    rng = np.random.default_rng(6)
    s = np.r_[0.0, 0.0, S]
    data = _power_data(rng, 1.0, s=s)
    data["rate_uM_per_s"][:2] = [0.01, -0.02]
    res = mgk.fit(data, "michaelis_menten", weights="power")
    assert [e.line for e in res.rows.excluded] == [2, 3]  # header is line 1
    assert all("fitted rate is 0" in e.reason for e in res.rows.excluded)
    assert len(res.rows.used) == S.size and res.statistics.n == S.size


def test_profile_intervals_use_the_power_weights():
    """The profile refits the weighted problem: its limits agree with the asymptotic ones to 15 %
    of the width on well-determined data (with unit weights they would not be comparable)."""
    rng = np.random.default_rng(9)
    data = _power_data(rng, 1.5)
    asym = mgk.fit(data, "michaelis_menten", weights="power")
    prof = mgk.fit(data, "michaelis_menten", weights="power", ci="profile")
    for name in ("vmax", "km"):
        a, p = asym.parameters[name], prof.parameters[name]
        width = a.ci_high - a.ci_low
        assert abs(p.ci_low - a.ci_low) < 0.15 * width and abs(p.ci_high - a.ci_high) < 0.15 * width


def _variants(rng) -> dict:
    a, b = _power_data(rng, 1.2), _power_data(rng, 1.2, cv=0.08)
    return {
        "variant": ["WT"] * S.size + ["M1"] * S.size,
        "s_mM": np.r_[a["s_mM"], b["s_mM"]],
        "rate_uM_per_s": np.r_[a["rate_uM_per_s"], 0.5 * b["rate_uM_per_s"]],
    }


def test_global_fit_estimates_one_model_for_all_data_sets():
    problems, _, _ = build_problems(
        _variants(np.random.default_rng(10)), "michaelis_menten", group="variant", weights="power"
    )
    g = fit_global(problems, ["km"])
    models = {id(part.scheme.variance) for part in g.parts}
    assert len(models) == 1 and g.parts[0].scheme.variance.n_points == 2 * S.size
    assert g.success and "b = " in g.parts[0].weighting
    assert abs(g.parts[0].scheme.variance.exponent - 1.2) < 3 * g.parts[0].scheme.variance.exponent_se


def test_compare_fits_each_variant_with_its_model():
    c = mgk.compare(_variants(np.random.default_rng(11)), "michaelis_menten", by="variant", weights="power")
    assert all(f.scheme.variance is not None and f.scheme.variance.converged for f in c.fits.values())
    assert c.ratios["M1"]["vmax"].value == pytest.approx(0.5, rel=0.1)


def test_weighted_problem_leaves_other_schemes_alone():
    (p,), _, _ = build_problems(_power_data(np.random.default_rng(1), 1.0), "michaelis_menten")
    assert weighted_problem(p) is p


def test_fit_many_refuses_power_with_the_alternative():
    data = {**_power_data(np.random.default_rng(2), 1.0), "curve": ["a"] * S.size}
    with pytest.raises(FitError, match="--weights power"):
        mgk.fit_many(data, "michaelis_menten", curve="curve", weights="power")


def test_cli_weights_power(tmp_path):
    data = _power_data(np.random.default_rng(7), 1.5)
    path = tmp_path / "power.csv"
    path.write_text(
        "s_mM,rate_uM_per_s\n"
        + "".join(f"{float(s)!r},{float(v)!r}\n" for s, v in zip(data["s_mM"], data["rate_uM_per_s"]))
    )
    res = CliRunner().invoke(
        cli, ["fit", str(path), "--law", "michaelis_menten", "--weights", "power", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    out = out["fits"][0] if "fits" in out else out
    lib = mgk.fit(data, "michaelis_menten", weights="power")
    assert out["weighting_model"]["exponent"] == pytest.approx(lib.scheme.variance.exponent, rel=1e-9)
    assert out["parameters"]["km"]["value"] == pytest.approx(lib.parameters["km"].value, rel=1e-9)


def test_prediction_band_follows_the_variance_model():
    """Prediction minus confidence variance is the new point's σ² = redchi·|f|^(2b) (t quantile)."""
    from scipy import stats

    from mgkinetics.stats.bands import bands

    res = mgk.fit(_power_data(np.random.default_rng(13), 1.5), "michaelis_menten", weights="power")
    b = res.scheme.variance.exponent
    out = bands(res, substrate=[0.5, 8.0])
    q = stats.t.ppf(0.975, res.statistics.dof)
    obs = ((out["pred_high"] - out["fit"]) ** 2 - (out["conf_high"] - out["fit"]) ** 2) / q**2
    np.testing.assert_allclose(obs, res.statistics.redchi * np.abs(out["fit"]) ** (2 * b), rtol=1e-9)
