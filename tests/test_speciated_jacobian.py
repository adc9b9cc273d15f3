"""The speciated laws' own Jacobian (laws/speciated.py, laws/mg_partials.py, fitting/engine.py).

Expected values come from independent methods, exact to rounding:
(a) parameters: a complex step on the composed law (the plain law is complex-analytic in them);
(b) Kd(MgATP): a complex step through the mass balance, solved here by complex Newton iterations
    ``m + Σ L_T·m/(K_L + m) = Mg_T`` from the real solution (the library's solver is real-valued),
    and, as a second check, a Richardson-extrapolated central difference of the real law.
"""

from __future__ import annotations

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.fitting import engine
from mgkinetics.fitting.numerics import richardson_jacobian
from mgkinetics.fitting.problem import build_problems
from mgkinetics.fitting.stacked import Stacked
from mgkinetics.laws import mg_ratelaws as m
from mgkinetics.laws.speciated import MM_INPUTS, mg_species

N = 9
ATP = np.geomspace(0.01, 3.0, N)
MG = np.geomspace(0.05, 8.0, N)[::-1]
KD = 0.067
AUX = {"kd_mgadp": 0.71, "kd_mgamp": 16.2, "kd_mgpep": 5.5}
#: the laws, their parameters (not Kd) at typical values, and the totals they take
LAWS = {
    "mgatp_mm": (m.mgatp_mm, {"kcat": 40.0, "km": 0.12}),
    "mgatp_mm_atp_inhibition": (m.mgatp_mm_atp_inhibition, {"kcat": 40.0, "km": 0.12, "ki_atp": 0.3}),
    "mgatp_mm_mg_activation": (m.mgatp_mm_mg_activation, {"kcat": 40.0, "km": 0.12, "kact_mg": 0.4}),
    "mgatp_mm_mg_inhibition": (m.mgatp_mm_mg_inhibition, {"kcat": 40.0, "km": 0.12, "ki_mg": 2.0}),
    "ak_random_bibi": (
        m.ak_random_bibi,
        {"kcat": 300.0, "km_mgatp": 0.06, "km_amp": 0.05, "kia_mgatp": 0.065, "ki_amp": 1.0},
    ),
}
#: conditions: ATP and Mg only (the quadratic), with ADP / AMP / PEP in the mass balance (the
#: general solver), with a per-row Kd factor (conditions that differ between rows)
CONDITIONS = {
    "atp_mg": {"adp_total": 0.0, "amp_total": 0.0, "pep_total": 0.0, "kd_factor": 1.0},
    "all_ligands": {"adp_total": 0.4, "amp_total": 1.5, "pep_total": 2.0, "kd_factor": 1.0},
    "row_factors": {
        "adp_total": 0.0,
        "amp_total": 0.8,
        "pep_total": 0.0,
        "kd_factor": np.linspace(0.7, 1.6, N),
    },
}


def _inputs(law, condition: dict) -> list[np.ndarray]:
    data = {"atp_total": ATP, "mg_total": MG, "enzyme": np.full(N, 2e-3), **AUX, **condition}
    if law is m.ak_random_bibi and not np.any(np.asarray(data["amp_total"]) > 0):
        data["amp_total"] = 0.3  # AMP is the bi-bi law's second substrate
    return [np.broadcast_to(np.asarray(data[n], dtype=float), (N,)).copy() for n in _names(law)]


def _names(law) -> tuple[str, ...]:
    return m.BIBI_INPUTS if law is m.ak_random_bibi else MM_INPUTS


def _complex_species(values: dict, kd: complex):
    """(MgATP, free Mg, free ATP, free AMP) at a complex Kd: Newton on the mass balance in complex
    arithmetic from the library's real solution (converged to rounding in a few steps)."""
    real = mg_species(
        *(values[n] for n in ("atp_total", "mg_total", "adp_total", "amp_total", "pep_total")),
        kd.real * values["kd_factor"],
        values["kd_mgadp"],
        values["kd_mgamp"],
        values["kd_mgpep"],
    )
    k_atp = kd * values["kd_factor"]
    ligands = [
        (values["atp_total"], k_atp),
        (values["adp_total"], values["kd_mgadp"]),
        (values["amp_total"], values["kd_mgamp"]),
        (values["pep_total"], values["kd_mgpep"]),
    ]
    free_mg = real[1].astype(complex)
    for _ in range(6):
        balance = free_mg - values["mg_total"] + sum(t * free_mg / (k + free_mg) for t, k in ligands)
        slope = 1.0 + sum(t * k / (k + free_mg) ** 2 for t, k in ligands)
        free_mg = free_mg - balance / slope
    mgatp = values["atp_total"] * free_mg / (k_atp + free_mg)
    amp_free = values["amp_total"] / (1.0 + free_mg / values["kd_mgamp"])
    return mgatp, free_mg, values["atp_total"] - mgatp, amp_free


def _kd_by_complex_step(law, values: dict, params: dict) -> np.ndarray:
    h = 1e-20 * KD
    species = dict(zip(("mgatp", "mg_free", "atp_free", "amp_free"), _complex_species(values, KD + 1j * h)))
    call = {arg: species[name] for arg, name in law.species_of.items()}
    call["enzyme"] = values["enzyme"]
    return np.imag(law.plain(**call, **params)) / h


def _close(got: np.ndarray, want: np.ndarray, rtol: float) -> None:
    """Agreement relative to the column's largest magnitude (as the engine's own check)."""
    scale = np.max(np.abs(want))
    assert scale > 0
    np.testing.assert_allclose(got, want, rtol=0, atol=rtol * scale)


@pytest.mark.parametrize("condition", list(CONDITIONS))
@pytest.mark.parametrize("name", list(LAWS))
def test_parameter_rows_equal_complex_steps_on_the_composed_law(name, condition):
    law, params = LAWS[name]
    args = _inputs(law, CONDITIONS[condition])
    rows = law.jacobian(*args, wrt=list(params), kd_mgatp=KD, **params)
    for row, p in zip(rows, params, strict=True):
        h = 1e-20 * params[p]
        stepped = law(*args, **{**params, p: params[p] + 1j * h}, kd_mgatp=KD)
        _close(row, np.imag(stepped) / h, 1e-12)


@pytest.mark.parametrize("condition", list(CONDITIONS))
@pytest.mark.parametrize("name", list(LAWS))
def test_kd_row_equals_complex_step_through_the_mass_balance(name, condition):
    law, params = LAWS[name]
    args = _inputs(law, CONDITIONS[condition])
    values = dict(zip(_names(law), args))
    (row,) = law.jacobian(*args, wrt=["kd_mgatp"], kd_mgatp=KD, **params)
    _close(row, _kd_by_complex_step(law, values, params), 1e-10)
    richardson = richardson_jacobian(lambda kd: law(*args, **params, kd_mgatp=kd[0]), np.array([KD]))
    _close(row, richardson[:, 0], 1e-8)


def test_rows_follow_the_order_asked_and_broadcast_scalars():
    law, params = LAWS["ak_random_bibi"]
    args = _inputs(law, CONDITIONS["all_ligands"])
    both = law.jacobian(*args, wrt=["kd_mgatp", "kcat"], kd_mgatp=KD, **params)
    assert both.shape == (2, N)
    np.testing.assert_array_equal(both[1], law.jacobian(*args, wrt=["kcat"], kd_mgatp=KD, **params)[0])
    scalar = law.jacobian(*(a[3] for a in args), wrt=["kcat"], kd_mgatp=KD, **params)
    assert scalar.shape == (1,) and scalar[0] == pytest.approx(both[1][3], rel=1e-15)


def test_a_law_without_closed_form_partials_differentiates_its_plain_law():
    """``speciated`` without ``partials``: complex steps on the plain law give the same rows."""
    from mgkinetics.laws.speciated import speciated

    generic = speciated(m.random_bibi, inputs=m.BIBI_INPUTS, a="mgatp", b="amp_free")
    _, params = LAWS["ak_random_bibi"]
    args = _inputs(m.ak_random_bibi, CONDITIONS["row_factors"])
    wrt = [*params, "kd_mgatp"]
    want = m.ak_random_bibi.jacobian(*args, wrt=wrt, kd_mgatp=KD, **params)
    got = generic.jacobian(*args, wrt=wrt, kd_mgatp=KD, **params)
    for g, w in zip(got, want, strict=True):
        _close(g, w, 1e-13)


def _bibi_problem(path):
    problems, _, _ = build_problems(path, "ak_random_bibi", group="variant", weights="relative")
    return problems[0]


def test_engine_uses_the_law_jacobian_and_it_matches_the_numerical_one():
    """On a real data set (weighted, every bi-bi parameter and Kd varied): the law's Jacobian
    equals the stacked numerical one (complex steps to rounding, Richardson for Kd)."""
    from mgkinetics.data import builtin

    problem = _bibi_problem(builtin.path("ak_bibi_grid"))
    names = [p.name for p in problem.law.params]
    starts = {"kcat": 300.0, "km_mgatp": 0.06, "km_amp": 0.05, "kia_mgatp": 0.065, "ki_amp": 1.0}
    starts["kd_mgatp"] = KD
    layout = engine.Layout(
        ({n: n for n in names},),
        {s.name: s for s in problem.law.params},
        starts,
        tuple(names),
        dict.fromkeys(names, 1.0),
    )
    stacked = Stacked([problem], layout)
    theta = np.array([starts[n] for n in names])
    analytic = engine.law_jacobian(stacked, theta)
    numerical = stacked.jacobian(theta, scaled=False)
    assert analytic is not None and not np.all(problem.weights == 1.0)
    for j, n in enumerate(names):
        _close(analytic[:, j], numerical[:, j], 1e-8 if n == "kd_mgatp" else 1e-12)


def test_fit_with_the_law_jacobian_equals_the_fit_with_the_numerical_one(monkeypatch):
    """A Mg titration with Kd free: the same estimates either way (to the precision with which the
    optimum is located, far below the standard errors), and the engine used the law's Jacobian."""
    from mgkinetics.ak import design as akdesign

    rng = np.random.default_rng(5)
    mg = np.repeat(np.geomspace(0.02, 10.0, 10), 3)
    totals = {"atp_total": np.full_like(mg, 0.2), "mg_total": mg}
    v = akdesign.ak_rates(totals, 0.01, {"kcat": 100.0, "km": 0.1}, law="mgatp_mm")
    data = {
        "atp_total_mM": totals["atp_total"],
        "mg_total_mM": mg,
        "enzyme_nM": np.full_like(mg, 10.0),
        "rate_uM_per_s": v * (1 + 0.03 * rng.standard_normal(v.size)),
    }
    calls = []
    law_jacobian = engine.law_jacobian

    def counted(stacked, theta):
        calls.append(1)
        return law_jacobian(stacked, theta)

    monkeypatch.setattr(engine, "law_jacobian", counted)
    analytic = mgk.fit(data, "mgatp_mm", weights="relative", init={"kd_mgatp": 0.2})
    assert calls
    monkeypatch.setattr(engine, "law_jacobian", lambda stacked, theta: None)
    numerical = mgk.fit(data, "mgatp_mm", weights="relative", init={"kd_mgatp": 0.2})
    for name, e in numerical.parameters.items():
        got = analytic.parameters[name]
        assert got.value == pytest.approx(e.value, rel=1e-7)
        assert got.stderr == pytest.approx(e.stderr, rel=1e-6)
        assert abs(got.value - e.value) < 1e-6 * e.stderr
