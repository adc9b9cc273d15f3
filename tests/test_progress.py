"""Closed-form progress curves (against numerical ODE integration) and the progress-curve fits.

Oracles: scipy's solve_ivp (DOP853, rtol 1e-13) for the closed forms; central differences for the
Jacobian; the seeded simulated plate of mgkinetics.rates.simulate (truth known by construction)
for the fits.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from mgkinetics.errors import DataFormatError, FitError
from mgkinetics.rates import simulate_coupled_plate
from mgkinetics.rates.initial_progress import fit_initial_progress
from mgkinetics.rates.lag import estimate_coupling_lag
from mgkinetics.rates.progress import mm_product, mm_substrate, mm_substrate_jacobian
from mgkinetics.rates.progress_fit import fit_progress_curves


def _ode(rhs, s0, t):
    sol = solve_ivp(rhs, (0.0, t[-1]), [s0], t_eval=t, rtol=1e-13, atol=1e-15 * s0, method="DOP853")
    assert sol.success
    return sol.y[0]


@pytest.mark.parametrize("ratio", np.logspace(-3, 4, 15))
def test_closed_form_matches_ode_to_1e8(ratio):
    km, vmax = 2.0, 0.5
    s0 = ratio * km
    t_end = (km * np.log(100.0) + 0.99 * s0) / vmax  # 99 % conversion
    t = np.linspace(0.0, t_end, 40)
    ode = _ode(lambda _t, s: -vmax * s / (km + s), s0, t)
    np.testing.assert_allclose(mm_substrate(t, s0=s0, vmax=vmax, km=km), ode, rtol=1e-8, atol=0)


@pytest.mark.parametrize("ki", [0.3, 2.0, 50.0])  # Ki < Km (a < 0, the W0 branch), Ki = Km (a = 0), Ki > Km
@pytest.mark.parametrize("ratio", [1e-2, 1.0, 1e3])
def test_product_inhibition_closed_form_matches_ode(ki, ratio):
    km, vmax = 2.0, 0.5
    s0 = ratio * km

    def rhs(_t, s):
        return -vmax * s / (km * (1.0 + (s0 - s) / ki) + s)

    a, b = 1.0 - km / ki, km * (1.0 + s0 / ki)
    t_end = (a * 0.999 * s0 + b * np.log(1000.0)) / vmax  # 99.9 % conversion
    t = np.linspace(0.0, t_end, 30)
    np.testing.assert_allclose(
        mm_substrate(t, s0=s0, vmax=vmax, km=km, ki_product=ki), _ode(rhs, s0, t), rtol=1e-8, atol=0
    )


def test_no_overflow_where_lambert_w_form_overflows():
    # exp(S0/Km) overflows for S0/Km > ~709; the omega form stays finite (traces.md 2.2)
    s = mm_substrate(np.array([0.0, 1.0, 100.0]), s0=2000.0, vmax=1.0, km=1.0)
    assert np.all(np.isfinite(s))
    assert s[0] == pytest.approx(2000.0, rel=1e-14)


def test_product_has_no_cancellation_at_tiny_conversion():
    # P = V t S0/(Km+S0) to first order; at 1e-10 conversion the difference S0 - S would lose it all
    p = mm_product(1e-6, s0=1e4, vmax=2.0, km=1.0)
    assert float(p) == pytest.approx(2e-6 * 1e4 / (1e4 + 1.0), rel=1e-6)


def test_jacobian_matches_central_differences():
    t = np.linspace(0.0, 30.0, 25)
    p = dict(s0=3.0, vmax=0.2, km=1.5)
    jac = mm_substrate_jacobian(t, **p)
    for name, key in (("vmax", "dvmax"), ("km", "dkm")):
        h = 1e-6 * p[name]
        up, dn = dict(p), dict(p)
        up[name] += h
        dn[name] -= h
        fd = (mm_substrate(t, **up) - mm_substrate(t, **dn)) / (2 * h)
        np.testing.assert_allclose(jac[key], fd, rtol=1e-6, atol=1e-8)


def test_initial_progress_recovers_exact_v0():
    # noise-free closed-form traces that reach 40-100 % conversion, so Km is determined: the batched
    # fit must return v0 = V·S0/(Km + S0) to 1e-6
    t = np.arange(5.0, 305.0, 5.0)
    s0 = np.array([0.05, 0.2, 0.5])
    km, vmax, g, a0 = 0.1, 1e-3, -6.22, 0.9
    signals = [a0 + g * (s - mm_substrate(t, s0=s, vmax=vmax, km=km)) for s in s0]
    fit = fit_initial_progress(
        [t] * 3,
        signals,
        s0=s0,
        g=np.full(3, g),
        v0_start=np.full(3, 5e-5),
        a0_start=np.full(3, 1.0),
        lag_s=0.0,
    )
    np.testing.assert_allclose(fit.v0, vmax * s0 / (km + s0), rtol=1e-6)
    assert fit.converged.all()


def test_coupling_lag_estimate_near_simulated_lag():
    # two first-order steps of 3.6 s and 1.8 s: asymptotic lag 5.4 s (traces.md 4.3); the one-step
    # model fitted to the first minute lands within 1.5 s of it
    traces, layout, _ = simulate_coupled_plate(seed=4)
    wells = layout.loc[layout.role == "sample", "well"]
    by = {w: g for w, g in traces.groupby("well")}
    lag = estimate_coupling_lag(
        [by[w].time_s.to_numpy() for w in wells], [by[w].signal.to_numpy() for w in wells]
    )
    assert 3.9 <= lag <= 6.9


@pytest.fixture(scope="module")
def plate():
    return simulate_coupled_plate(seed=2)


@pytest.mark.parametrize("variant", ["WT", "D84A"])
def test_global_fit_recovers_kcat_and_km(plate, variant):
    traces, layout, truth = plate
    keep = layout.well.isin(layout.well[layout.role == "blank"]) | (
        (layout.variant == variant) & layout.well.isin(layout.well[layout.variant == variant][:18])
    )
    res = fit_progress_curves(traces, layout[keep], substrate_column="mgatp_mM", stoichiometry=2)
    assert res.status == "ok"
    kcat, km = res.parameters["kcat"], res.parameters["km"]
    true_kcat = truth.loc[truth.variant == variant, "kcat_per_s"].iloc[0]
    true_km = truth.loc[truth.variant == variant, "km_mM"].iloc[0]
    assert kcat.unit.label == "1/s" and km.unit.label == "mM"
    assert kcat.ci_low <= true_kcat <= kcat.ci_high
    assert km.ci_low <= true_km <= km.ci_high
    assert kcat.value == pytest.approx(true_kcat, rel=0.01)
    assert km.value == pytest.approx(true_km, rel=0.03)
    assert len(res.per_well) == 18


def test_global_fit_per_well_km(plate):
    traces, layout, truth = plate
    keep = (layout.role == "blank") | layout.well.isin(layout.well[layout.variant == "D84A"][:9])
    res = fit_progress_curves(
        traces, layout[keep], substrate_column="mgatp_mM", stoichiometry=2, shared=("kcat",)
    )
    assert "km" not in res.parameters
    assert sum(name.startswith("km_") for name in res.parameters) == 9


def test_global_fit_bad_shared_and_missing_enzyme(plate):
    traces, layout, _ = plate
    with pytest.raises(FitError, match="shared"):
        fit_progress_curves(traces, layout, substrate_column="mgatp_mM", shared=("vmax",))
    no_enzyme = layout.copy()
    no_enzyme.loc[no_enzyme.index[0], "enzyme_nM"] = np.nan
    with pytest.raises(DataFormatError) as err:
        fit_progress_curves(traces, no_enzyme, substrate_column="mgatp_mM", stoichiometry=2)
    assert "well A1" in str(err.value)
