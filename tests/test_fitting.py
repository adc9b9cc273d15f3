"""fitting.py through the public API: units, enzyme per row, fix/init, weights, errors, warnings,
row accounting, groups, immutability, unit conversion and prediction.

Expected values come from (a) the noiseless truth the data are made from, (b) hand computations
with numpy/scipy written out in the test, or (c) SI unit factors.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import curve_fit

import mgkinetics as mgk
from mgkinetics.errors import FitError, LawError
from mgkinetics.laws.classic import ENZYME, SUBSTRATE
from mgkinetics.laws.registry import ParamSpec, RateLaw

S_UM = np.array([5.0, 10, 20, 50, 100, 200, 500, 1000, 2000])
KCAT_PER_MIN = 1200.0  # 20 1/s
KM_UM = 150.0
RNG_SEED = 20240611


def mm(s, vmax, km):
    return vmax * s / (km + s)


def noisy(clean, rel=0.02, seed=RNG_SEED):
    rng = np.random.default_rng(seed)
    return clean * (1 + rel * rng.standard_normal(np.shape(clean)))


@pytest.fixture
def kcat_frame():
    """Substrate in uM, enzyme in nM at two levels, rate in uM/min (kcat 1200 1/min, KM 150 uM)."""
    s = np.concatenate([S_UM, S_UM])
    e_nm = np.repeat([5.0, 20.0], S_UM.size)
    rate = noisy(KCAT_PER_MIN * (e_nm * 1e-3) * s / (KM_UM + s))
    return pd.DataFrame(
        {
            "variant": np.repeat(["lowE", "highE"], S_UM.size),
            "s_uM": s,
            "enzyme_nM": e_nm,
            "rate_uM_per_min": rate,
        }
    )


def test_units_of_vmax_and_km():
    s_mm = np.array([0.1, 0.2, 0.5, 1, 2, 5.0])
    res = mgk.fit({"substrate_mM": s_mm, "v_nM_per_min": mm(s_mm, 40.0, 0.8)}, "michaelis_menten")
    assert res.parameters["km"].unit.label == "mM"
    assert res.parameters["vmax"].unit.label == "nM/min"
    # noiseless data: the fit reproduces the truth to the solver tolerance
    assert res.parameters["km"].value == pytest.approx(0.8, rel=1e-8)
    assert res.parameters["vmax"].value == pytest.approx(40.0, rel=1e-8)


def test_kcat_units_and_kcat_over_km_conversion(kcat_frame):
    res = mgk.fit(kcat_frame, "michaelis_menten_kcat", pool=True)
    kcat, km, spec = res.parameters["kcat"], res.parameters["km"], res.derived["kcat_over_km"]
    assert kcat.unit.label == "1/min"  # 1/time of the rate uM/min
    assert km.unit.label == "uM"
    assert spec.unit.label == "1/(M*s)"
    # (1/min)/uM -> 1/(M*s): x 1e6 M^-1 per uM^-1, / 60 s per min
    assert spec.value == pytest.approx(kcat.value / km.value * 1e6 / 60, rel=1e-12)
    assert kcat.value == pytest.approx(KCAT_PER_MIN, rel=0.05)
    assert km.value == pytest.approx(KM_UM, rel=0.1)


def test_kcat_over_km_se_by_numerical_delta_method(kcat_frame):
    """SE(kcat/KM) = sqrt(g' C g) with g the numerical gradient of kcat/KM (central differences)."""
    res = mgk.fit(kcat_frame, "michaelis_menten_kcat", pool=True)
    names = list(res.covariance_names)
    theta = np.array([res.values[n] for n in names])
    factor = 1e6 / 60

    def g(t):
        return t[names.index("kcat")] / t[names.index("km")] * factor

    grad = np.array([(g(theta + h) - g(theta - h)) / (2 * h[i]) for i, h in enumerate(np.diag(1e-6 * theta))])
    se = math.sqrt(grad @ res.covariance @ grad)
    assert res.derived["kcat_over_km"].stderr == pytest.approx(se, rel=1e-6)


def test_kcat_over_km_se_matches_reparametrised_fit(kcat_frame):
    """Fitting kcat/KM directly as a parameter gives the same asymptotic SE (invariance of the
    delta method at the optimum); tolerance 1e-4 relative for the two finite-difference Jacobians."""

    def mm_spec(substrate, enzyme, kspec=1.0, km=1.0):
        return kspec * km * np.asarray(enzyme) * substrate / (km + substrate)

    law = RateLaw(
        "mm_spec_test",
        mm_spec,
        inputs=(SUBSTRATE, ENZYME),
        params=(ParamSpec("kspec", "1", min=0.0), ParamSpec("km", "substrate", min=0.0)),
        formula="v = (kcat/KM)·KM·E·S/(KM+S)",
    )
    ref = mgk.fit(kcat_frame, "michaelis_menten_kcat", pool=True)
    k0 = ref.values["kcat"] / ref.values["km"]
    rep = mgk.fit(kcat_frame, law, pool=True, init={"kspec": k0, "km": ref.values["km"]})
    factor = 1e6 / 60  # kspec is in 1/(uM*min) here
    spec = ref.derived["kcat_over_km"]
    assert rep.parameters["kspec"].value * factor == pytest.approx(spec.value, rel=1e-7)
    assert rep.parameters["kspec"].stderr * factor == pytest.approx(spec.stderr, rel=1e-4)


def test_per_row_enzyme_two_groups_same_kcat(kcat_frame):
    """Groups at 5 nM and 20 nM enzyme, same true kcat: noiseless data give the same kcat."""
    frame = kcat_frame.copy()
    s = frame["s_uM"]
    frame["rate_uM_per_min"] = KCAT_PER_MIN * frame["enzyme_nM"] * 1e-3 * s / (KM_UM + s)
    coll = mgk.fit(frame, "michaelis_menten_kcat", group="variant")
    assert isinstance(coll, mgk.FitCollection) and len(coll) == 2
    low, high = coll["lowE"], coll["highE"]
    for f in (low, high):
        assert f.parameters["kcat"].value == pytest.approx(KCAT_PER_MIN, rel=1e-7)
        assert f.parameters["km"].value == pytest.approx(KM_UM, rel=1e-7)
    # ... and the pooled fit over both enzyme levels too
    pooled = mgk.fit(frame, "michaelis_menten_kcat", pool=True)
    assert pooled.parameters["kcat"].value == pytest.approx(KCAT_PER_MIN, rel=1e-7)


def test_enzyme_as_constant_quantity():
    s = np.array([0.1, 0.3, 1, 3, 10.0])
    rate = 100.0 * 0.002 * s / (0.5 + s)  # kcat 100 1/s, E = 2 nM = 0.002 uM, rate in uM/s
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": rate}, "michaelis_menten_kcat", enzyme="2nM")
    assert res.parameters["kcat"].value == pytest.approx(100.0, rel=1e-7)
    assert res.parameters["kcat"].unit.label == "1/s"


def test_fix_and_init_with_unit_strings():
    s = np.array([0.1, 0.2, 0.5, 1, 2, 5.0])
    data = {"s_mM": s, "rate_uM_per_s": noisy(mm(s, 10.0, 0.5))}
    res = mgk.fit(data, "michaelis_menten", fix={"km": "500uM"})
    km = res.parameters["km"]
    assert km.fixed and km.value == pytest.approx(0.5, rel=1e-15) and km.stderr is None
    assert res.statistics.n_params == 1 and res.statistics.dof == s.size - 1
    res2 = mgk.fit(data, "michaelis_menten", init={"km": "2000 uM", "vmax": "0.6 mM/min"})
    res3 = mgk.fit(data, "michaelis_menten")
    assert res2.values["km"] == pytest.approx(res3.values["km"], rel=1e-6)
    with pytest.raises(mgk.UnitError):
        mgk.fit(data, "michaelis_menten", fix={"km": "5 uM/s"})  # wrong dimension
    with pytest.raises(LawError, match="no parameter 'kmm'"):
        mgk.fit(data, "michaelis_menten", fix={"kmm": 1.0})


def test_weights_none_matches_curve_fit():
    s = S_UM
    y = noisy(mm(s, 3.0, 120.0))
    res = mgk.fit({"s_uM": s, "rate_uM_per_s": y}, "michaelis_menten")
    popt, pcov = curve_fit(mm, s, y, p0=[3.0, 120.0])
    assert res.scale_covar is True
    np.testing.assert_allclose([res.values["vmax"], res.values["km"]], popt, rtol=1e-7)
    np.testing.assert_allclose(
        [res.parameters["vmax"].stderr, res.parameters["km"].stderr], np.sqrt(np.diag(pcov)), rtol=1e-5
    )


def test_weights_relative_matches_curve_fit_sigma_y():
    """relative = 1/y^2 on squared residuals, SE scaled: curve_fit(sigma=y, absolute_sigma=False)."""
    s = S_UM
    y = noisy(mm(s, 3.0, 120.0), rel=0.05)
    res = mgk.fit({"s_uM": s, "rate_uM_per_s": y}, "michaelis_menten", weights="relative")
    popt, pcov = curve_fit(mm, s, y, p0=[3.0, 120.0], sigma=y, absolute_sigma=False)
    np.testing.assert_allclose([res.values["vmax"], res.values["km"]], popt, rtol=1e-7)
    np.testing.assert_allclose(
        [res.parameters["vmax"].stderr, res.parameters["km"].stderr], np.sqrt(np.diag(pcov)), rtol=1e-5
    )
    # an unweighted fit of the same data differs (the test would notice weights being ignored)
    plain = mgk.fit({"s_uM": s, "rate_uM_per_s": y}, "michaelis_menten")
    assert abs(plain.values["km"] / res.values["km"] - 1) > 1e-4


def test_weights_sd_absolute_sigma_hand_computation():
    """sd:COL: SE = sqrt(diag(inv(J' W J))), W = diag(1/sd^2), J analytic; not scaled by chi2/dof."""
    s = S_UM
    sd = 0.03 + 0.02 * mm(s, 3.0, 120.0)
    y = mm(s, 3.0, 120.0) + sd * np.random.default_rng(7).standard_normal(s.size)
    res = mgk.fit(
        {"s_uM": s, "rate_uM_per_s": y, "sd_uM_per_s": sd}, "michaelis_menten", weights="sd:sd_uM_per_s"
    )
    assert res.scale_covar is False
    vmax, km = res.values["vmax"], res.values["km"]
    jac = np.column_stack([s / (km + s), -vmax * s / (km + s) ** 2])
    cov = np.linalg.inv(jac.T @ np.diag(1 / sd**2) @ jac)
    np.testing.assert_allclose(
        [res.parameters["vmax"].stderr, res.parameters["km"].stderr], np.sqrt(np.diag(cov)), rtol=1e-6
    )
    # chi2 = sum(((y - f)/sd)^2) is reported as the RSS
    assert res.statistics.rss == pytest.approx(np.sum(((y - mm(s, vmax, km)) / sd) ** 2), rel=1e-9)
    popt, _ = curve_fit(mm, s, y, p0=[3.0, 120.0], sigma=sd, absolute_sigma=True)
    np.testing.assert_allclose([vmax, km], popt, rtol=1e-7)
    # the z quantile (1.95996) is used for the interval when sigma is known
    e = res.parameters["km"]
    assert (e.ci_high - e.value) / e.stderr == pytest.approx(1.959964, rel=1e-5)


def test_weights_sd_in_other_unit_is_converted():
    s = S_UM
    sd = np.full(s.size, 0.05)
    y = mm(s, 3.0, 120.0) + sd * np.random.default_rng(8).standard_normal(s.size)
    a = mgk.fit(
        {"s_uM": s, "rate_uM_per_s": y, "sd_uM_per_s": sd}, "michaelis_menten", weights="sd:sd_uM_per_s"
    )
    b = mgk.fit(
        {"s_uM": s, "rate_uM_per_s": y, "sd_nM_per_s": sd * 1e3}, "michaelis_menten", weights="sd:sd_nM_per_s"
    )
    assert b.parameters["km"].stderr == pytest.approx(a.parameters["km"].stderr, rel=1e-9)


def test_unknown_weights():
    with pytest.raises(FitError, match="unknown weights"):
        mgk.fit({"s_mM": [1.0, 2, 3], "rate_uM_per_s": [1.0, 2, 3]}, "michaelis_menten", weights="inverse")


def test_too_few_points():
    with pytest.raises(FitError, match="2 usable points for 2 fitted parameters"):
        mgk.fit({"s_mM": [1.0, 2.0], "rate_uM_per_s": [1.0, 1.5]}, "michaelis_menten")


def test_all_zero_substrate():
    with pytest.raises(FitError, match="every substrate concentration is zero"):
        mgk.fit({"s_mM": [0.0, 0, 0, 0], "rate_uM_per_s": [0.0, 0.1, 0.0, 0.1]}, "michaelis_menten")


def test_missing_starting_value():
    law = RateLaw(
        "mm_no_guess_test",
        lambda substrate, vmax=1.0, km=1.0: vmax * substrate / (km + substrate),
        inputs=(SUBSTRATE,),
        params=(ParamSpec("vmax", "rate"), ParamSpec("km", "substrate")),
        formula="v",
        guess=None,
    )
    data = {"s_mM": [0.5, 1, 2, 4.0], "rate_uM_per_s": [1.0, 1.5, 2.0, 2.3]}
    with pytest.raises(FitError, match="parameter 'vmax' has no starting value; give --init vmax=VALUE"):
        mgk.fit(data, law)
    res = mgk.fit(data, law, init={"vmax": 3.0, "km": 1.0})
    assert res.success


def test_all_rows_excluded():
    with pytest.raises(FitError, match="no usable rows"):
        mgk.fit({"s_mM": [1.0, 2, 3], "rate_uM_per_s": [np.nan] * 3}, "michaelis_menten")


def test_absurd_init_gives_mgkinetics_error_or_result():
    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    try:
        res = mgk.fit(
            {"s_mM": s, "rate_uM_per_s": mm(s, 10, 2)}, "michaelis_menten", init={"vmax": 1e200, "km": 1.0}
        )
    except mgk.MgKineticsError:
        return
    assert isinstance(res, mgk.FitResult)


def test_excluded_rows_listed_with_lines(write_csv):
    path = write_csv("s_mM,rate_uM_per_s\n0.5,3.3\n1,\n2,6.7\n,7.5\n4,8.0\n8,8.9\n")
    res = mgk.fit(path, "michaelis_menten")
    assert res.rows.used == (2, 4, 6, 7)
    assert [(e.line, e.reason) for e in res.rows.excluded] == [
        (3, "empty 'rate_uM_per_s'"),
        (5, "empty 's_mM'"),
    ]
    assert res.statistics.n == 4
    assert res.to_dict()["rows"] == {
        "used": 4,
        "excluded": [{"line": 3, "reason": "empty 'rate_uM_per_s'"}, {"line": 5, "reason": "empty 's_mM'"}],
    }


def test_relative_weights_exclude_zero_rate():
    s = np.array([0.0, 0.5, 1, 2, 4, 8.0])
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": mm(s, 10.0, 1.0)}, "michaelis_menten", weights="relative")
    assert [e.line for e in res.rows.excluded] == [2]
    assert "rate is 0" in res.rows.excluded[0].reason


def test_group_fits_and_unassigned(write_csv):
    rows = ["variant,s_mM,rate_uM_per_s"]
    for name, vmax, km in (("WT", 10.0, 1.0), ("K45A", 4.0, 3.0)):
        rows += [f"{name},{s},{float(mm(s, vmax, km))!r}" for s in (0.25, 0.5, 1, 2, 4, 8, 16)]
    rows.append(",1,5")  # no group: line 16
    coll = mgk.fit(write_csv("\n".join(rows) + "\n"), "michaelis_menten", group="variant")
    assert [dict(f.group) for f in coll] == [{"variant": "WT"}, {"variant": "K45A"}]  # file order
    assert coll["WT"].values["km"] == pytest.approx(1.0, rel=1e-7)
    assert coll["K45A"].values["vmax"] == pytest.approx(4.0, rel=1e-7)
    assert [e.line for e in coll.unassigned] == [16]
    assert coll.to_dict()["unassigned_rows"][0]["line"] == 16
    frame = coll.to_frame()
    assert set(frame["group_variant"]) == {"WT", "K45A"}


def test_warning_parameter_at_bound():
    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    flat = 5.0 + np.array([0.01, -0.01, 0.02, 0.0, -0.02, 0.01])  # no saturation visible: KM -> 0
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": flat}, "michaelis_menten")
    assert any("km" in w and "lower bound" in w for w in res.warnings), res.warnings


def test_warning_km_beyond_twice_max_substrate():
    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    wobble = 1 + 1e-3 * np.array([1, -1, 1, -1, -1, 1])  # noise, so the errors are not zero
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": mm(s, 100.0, 80.0) * wobble}, "michaelis_menten")
    assert res.values["km"] == pytest.approx(80.0, rel=0.05)
    assert any("beyond twice the highest substrate" in w for w in res.warnings), res.warnings
    ok = mgk.fit({"s_mM": s, "rate_uM_per_s": mm(s, 100.0, 5.0)}, "michaelis_menten")
    assert not any("beyond twice" in w for w in ok.warnings)


def test_non_convergence_returns_success_false():
    """A fit whose parameters the data cannot separate does not converge, and says so.

    At constant free Mg2+ the MgATP fraction is the same in every row, so Kd(MgATP) and KM trade
    off exactly; freeing Kd leaves the minimum a flat valley (simulated truth: kcat 330 1/s,
    KM 0.06 mM, Kd 0.0672 mM, 2 nM enzyme)."""
    from mgkinetics.laws.mg_ratelaws import mgatp_mm
    from mgkinetics.speciation.species import total_metal_for_free

    atp = np.repeat(np.geomspace(0.005, 1, 9), 2)
    mg = total_metal_for_free(1.0, {"ATP": atp})
    z, o = np.zeros_like(atp), np.ones_like(atp)
    v = mgatp_mm(
        atp, mg, 2e-6 * o, z, z, z, o, 0.71 * o, 16.2 * o, 5.5 * o, kcat=330, km=0.06, kd_mgatp=0.0672
    )
    rng = np.random.default_rng(5)
    rate = 1e3 * v * (1 + 0.04 * rng.standard_normal(v.size))
    res = mgk.fit(
        {"atp_total_mM": atp, "mg_total_mM": mg, "rate_uM_per_s": rate},
        "mgatp_mm",
        enzyme="2nM",
        init={"kd_mgatp": 0.1},
    )
    assert res.success is False
    assert res.message  # the solver's own message, never hidden
    assert any("did not converge" in w for w in res.warnings)
    assert any("correlated" in w for w in res.warnings)


def test_results_are_immutable():
    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": noisy(mm(s, 10.0, 1.0))}, "michaelis_menten")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.success = False
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.parameters["km"].value = 2.0
    with pytest.raises(TypeError):
        res.parameters["km"] = None
    with pytest.raises(ValueError):
        res.covariance[0, 0] = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.statistics.n = 3
    with pytest.raises(TypeError):
        res.data["rate"] = None


def test_result_data_arrays_read_only():
    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": noisy(mm(s, 10.0, 1.0))}, "michaelis_menten")
    for _name, arr in res.data.items():
        with pytest.raises(ValueError):
            arr[0] = 0.0


def test_in_units_conversion():
    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": noisy(mm(s, 10.0, 1.0))}, "michaelis_menten")
    conv = res.in_units(km="uM", vmax="nM/min")
    km, km_um = res.parameters["km"], conv.parameters["km"]
    assert km_um.unit.label == "uM"
    assert km_um.value == pytest.approx(km.value * 1e3, rel=1e-14)
    assert km_um.stderr == pytest.approx(km.stderr * 1e3, rel=1e-14)
    assert (km_um.ci_low, km_um.ci_high) == pytest.approx((km.ci_low * 1e3, km.ci_high * 1e3), rel=1e-14)
    assert conv.parameters["vmax"].value == pytest.approx(res.values["vmax"] * 1e3 * 60, rel=1e-14)
    assert res.parameters["km"].unit.label == "mM"  # the original is unchanged
    with pytest.raises(mgk.UnitError):
        res.in_units(km="uM/s")
    with pytest.raises(LawError, match="no parameter or derived quantity 'kcat'"):
        res.in_units(kcat="1/s")


def test_in_units_derived(kcat_frame):
    res = mgk.fit(kcat_frame, "michaelis_menten_kcat", pool=True)
    conv = res.in_units(kcat_over_km="1/(mM*s)", kcat="1/s")
    spec = res.derived["kcat_over_km"].value
    assert conv.derived["kcat_over_km"].value == pytest.approx(spec / 1e3, rel=1e-14)
    assert conv.parameters["kcat"].value == pytest.approx(res.values["kcat"] / 60, rel=1e-14)


def test_predict():
    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": mm(s, 10.0, 2.0)}, "michaelis_menten")
    np.testing.assert_allclose(res.predict(substrate=[2.0, 6.0]), [5.0, 7.5], rtol=1e-7)
    with pytest.raises(TypeError, match="substrate"):
        res.predict(s=[1.0])


def test_to_frame_and_dict_shapes(kcat_frame):
    res = mgk.fit(kcat_frame, "michaelis_menten_kcat", pool=True)
    frame = res.to_frame()
    assert list(frame["name"]) == ["kcat", "km", "kcat_over_km"]
    assert list(frame["unit"]) == ["1/min", "uM", "1/(M*s)"]
    d = res.to_dict()
    assert d["parameters"]["kcat"]["unit"] == "1/min"
    assert d["derived"]["kcat_over_km"]["unit"] == "1/(M*s)"
