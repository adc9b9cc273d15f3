"""Speciation engine: exact 1:1 root, general mass balance, inverse design, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgkinetics.errors import SpeciationError
from mgkinetics.speciation.species import (
    apparent_kd,
    mgatp_complex,
    mgatp_from_totals,
    solve_equilibrium,
    speciate,
    speciate_from_free,
    total_metal_for_fraction,
    total_metal_for_free,
)

# log-uniform over the physical range of the brief: totals 1e-9..1e3 mM, Kd 1e-6..1e3 mM
log_total = st.floats(-9, 3).map(lambda e: 10.0**e)
log_kd = st.floats(-6, 3).map(lambda e: 10.0**e)
TOL = 1e-10  # mass balance must close to 1e-10 relative


def _closes(total, parts):
    return abs(sum(parts) - total) <= TOL * total


def test_quadratic_textbook_values():
    # science.md §2: a 1:1 Mg:ATP ratio with Kd 67 µM gives ≈12 %, 45 %, 77 % MgATP
    # at 10 µM, 100 µM and 1 mM ATP.
    for atp, frac in [(0.01, 0.12), (0.1, 0.45), (1.0, 0.77)]:
        assert mgatp_complex(atp, atp, 0.067) / atp == pytest.approx(frac, abs=0.01)


def test_quadratic_no_cancellation_at_tiny_product():
    # M·L ≪ b²: the textbook form loses every digit, the rationalised one does not.
    c = mgatp_complex(1e-9, 1e-9, 1e3)
    assert c == pytest.approx(1e-9 * 1e-9 / 1e3, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(m=log_total, lig=log_total, kd=log_kd)
def test_quadratic_matches_general_solver(m, lig, kd):
    q = mgatp_complex(lig, m, kd)
    free_m, free_l, comp = solve_equilibrium([m], [lig], [dict(name="ML", metal=0, ligand=0, kd=kd)])
    assert comp[0] == pytest.approx(q, rel=1e-10, abs=1e-300)


@settings(max_examples=60, deadline=None)
@given(
    mt=log_total,
    lts=st.lists(log_total, min_size=1, max_size=4),
    kds=st.lists(log_kd, min_size=4, max_size=4),
)
def test_one_metal_mass_balance_closes(mt, lts, kds):
    cx = [dict(name=f"c{i}", metal=0, ligand=i, kd=kds[i]) for i in range(len(lts))]
    fm, fl, c = solve_equilibrium([mt], lts, cx)
    assert _closes(mt, [fm[0], *c])
    for i, lt in enumerate(lts):
        assert _closes(lt, [fl[i], c[i]])


@settings(max_examples=40, deadline=None)
@given(mt=log_total, lt=log_total, k1=log_kd, k2=log_kd)
def test_m2l_mass_balance_closes(mt, lt, k1, k2):
    cx = [
        dict(name="ML", metal=0, ligand=0, kd=k1),
        dict(name="M2L", metal=0, ligand=0, kd=k2, count=2, parent=0),
    ]
    fm, fl, c = solve_equilibrium([mt], [lt], cx)
    assert _closes(mt, [fm[0], c[0], 2 * c[1]])
    assert _closes(lt, [fl[0], c[0], c[1]])


@settings(max_examples=40, deadline=None)
@given(
    mts=st.lists(log_total, min_size=2, max_size=2),
    lts=st.lists(log_total, min_size=2, max_size=2),
    kds=st.lists(log_kd, min_size=4, max_size=4),
)
def test_two_competing_metals_mass_balance_closes(mts, lts, kds):
    cx = [dict(name=f"c{j}{i}", metal=j, ligand=i, kd=kds[2 * j + i]) for j in range(2) for i in range(2)]
    fm, fl, c = solve_equilibrium(mts, lts, cx)
    for j in range(2):
        assert _closes(mts[j], [fm[j], *(c[k] for k in range(4) if cx[k]["metal"] == j)])
    for i in range(2):
        assert _closes(lts[i], [fl[i], *(c[k] for k in range(4) if cx[k]["ligand"] == i)])


def test_vectorised_over_rows_and_zero_totals():
    mg = np.array([0.0, 1.0, 2.0, 5.0])
    r = speciate({"Mg": mg, "ATP": 1.0, "ADP": np.array([0.0, 0.5, 0.5, 0.0])})
    assert r.free["Mg"][0] == 0.0 and r.complexes["MgATP"][0] == 0.0
    assert np.allclose(r.free["Mg"] + r.complexes["MgATP"] + r.complexes["MgADP"], mg, rtol=1e-12)
    assert r.free["ATP"].shape == (4,)


def test_speciate_defaults_and_to_dict():
    r = speciate({"Mg": 2.0, "ATP": 1.0})
    d = r.to_dict()
    assert d["conditions"] == {"ph": 7.5, "temperature_C": 25.0, "ionic_strength_M": 0.15}
    assert d["constants"]["MgATP"]["kd"] == pytest.approx(0.0672, rel=1e-3)
    assert set(d["species"]) == {"Mg_free", "ATP_free", "MgATP"}
    assert ("MgATP", "complex", "mM") in r.species()
    assert "Mg2ATP" not in r.complexes  # optional, off by default


def test_mg2atp_optional_species():
    r = speciate({"Mg": 50.0, "ATP": 1.0}, include=["Mg2ATP"])
    assert r.complexes["Mg2ATP"] > 0.5  # Kd ≈ 19 mM at 50 mM Mg
    total = r.free["Mg"] + r.complexes["MgATP"] + 2 * r.complexes["Mg2ATP"]
    assert total == pytest.approx(50.0, rel=1e-12)


def test_kd_override_and_user_ligand_with_calcium():
    r = speciate({"Mg": 1.0, "ATP": 1.0}, kd_mM={"MgATP": 0.05})
    assert r.constants["MgATP"].kd_mM == 0.05 and not r.constants["MgATP"].corrected
    assert r.complexes["MgATP"] == pytest.approx(mgatp_complex(1.0, 1.0, 0.05))
    r = speciate(
        {"Mg": 1.0, "Ca": 0.1, "EGTA": 0.2, "ATP": 1.0}, kd_mM={"CaEGTA": 1e-4, "MgEGTA": 5.0, "CaATP": 0.2}
    )
    assert r.free["Ca"] < 1e-3  # EGTA in excess over Ca buffers it
    assert r.free["Ca"] + r.complexes["CaEGTA"] + r.complexes["CaATP"] == pytest.approx(0.1)


def test_mgatp_from_totals_matches_speciate_and_is_smooth_in_kd():
    kd = dict(kd_mgatp=0.067, kd_mgadp=0.71, kd_mgamp=16.2, kd_mgpep=5.5)
    c, m, a = mgatp_from_totals(1.0, 2.0, adp_total=0.5, amp_total=0.3, pep_total=1.0, **kd)
    r = speciate(
        {"Mg": 2.0, "ATP": 1.0, "ADP": 0.5, "AMP": 0.3, "PEP": 1.0},
        kd_mM={"MgATP": 0.067, "MgADP": 0.71, "MgAMP": 16.2, "MgPEP": 5.5},
    )
    assert c == pytest.approx(r.complexes["MgATP"], rel=1e-12)
    assert m == pytest.approx(r.free["Mg"], rel=1e-12)
    assert a == pytest.approx(r.free["ATP"], rel=1e-12)
    # Finite-difference derivative in kd (what lmfit does) is stable across step sizes.
    ks = 0.067 * (1 + np.array([-1e-6, 1e-6, -1e-7, 1e-7]))
    cs = [mgatp_from_totals(1.0, 2.0, adp_total=0.5, kd_mgatp=k)[0] for k in ks]
    d1 = (cs[1] - cs[0]) / (ks[1] - ks[0])
    d2 = (cs[3] - cs[2]) / (ks[3] - ks[2])
    assert d1 == pytest.approx(d2, rel=1e-5) and d1 < 0


def test_mgatp_from_totals_without_others_is_quadratic():
    c, m, a = mgatp_from_totals(np.array([0.1, 1.0]), 1.0, kd_mgatp=0.067)
    assert np.allclose(c, mgatp_complex(np.array([0.1, 1.0]), 1.0, 0.067))
    assert np.allclose(m + c, 1.0) and np.allclose(a + c, [0.1, 1.0])


@settings(max_examples=30, deadline=None)
@given(free=log_total, atp=log_total, amp=log_total)
def test_free_to_total_to_free_round_trip(free, atp, amp):
    total = total_metal_for_free(free, {"ATP": atp, "AMP": amp})
    back = speciate({"Mg": total, "ATP": atp, "AMP": amp}).free["Mg"]
    assert back == pytest.approx(free, rel=1e-8)


def test_total_for_fraction():
    total = total_metal_for_fraction(0.9, ligand="ATP", ligand_totals_mM={"ATP": 0.5})
    r = speciate({"Mg": total, "ATP": 0.5})
    assert r.complexes["MgATP"] / 0.5 == pytest.approx(0.9, rel=1e-10)
    res = speciate_from_free(1.0, {"ATP": 1.0})
    assert res.totals["Mg"] == pytest.approx(total_metal_for_free(1.0, {"ATP": 1.0}))


def test_total_for_fraction_with_mg2atp():
    t = total_metal_for_fraction(0.5, ligand_totals_mM={"ATP": 1.0}, include=["Mg2ATP"])
    r = speciate({"Mg": t, "ATP": 1.0}, include=["Mg2ATP"])
    assert r.complexes["MgATP"] == pytest.approx(0.5, rel=1e-9)
    with pytest.raises(SpeciationError, match="not reachable"):
        total_metal_for_fraction(
            0.999, ligand_totals_mM={"ATP": 1.0}, include=["Mg2ATP"], kd_mM={"Mg2ATP": 1e-3}
        )


def test_reexported_apparent_kd():
    assert apparent_kd("MgATP") == pytest.approx(0.0672, rel=1e-3)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: speciate({"Mg": -1.0, "ATP": 1.0}), "negative"),
        (lambda: speciate({"Mg": 1.0, "ATPP": 1.0}), "did you mean 'ATP'"),
        (lambda: speciate({"Mg": 1.0, "ATP": 1.0}, kd_mM={"MgATP": 0.0}), "must be > 0"),
        (lambda: speciate({"Mg": 1.0, "ATP": 1.0}, ph=13), "pH"),
        (lambda: speciate({"Mg": 1.0, "ATP": 1.0}, temperature_C=101), "temperature"),
        (lambda: speciate({"Mg": 1.0, "ATP": 1.0}, ionic_strength_M=0.8), "Debye"),
        (lambda: speciate({"Mg": 1.0, "EDTA": 1.0}), "no constant for ligand 'EDTA'"),
        (lambda: speciate({"Mg": 1.0, "ATP": 1.0}, include=["Mg3ATP"]), "optional complex"),
        (lambda: mgatp_complex(1.0, 1.0, -0.1), "Kd must be > 0"),
        (lambda: total_metal_for_fraction(1.0, ligand_totals_mM={"ATP": 1.0}), r"\[0, 1\)"),
    ],
)
def test_errors(call, match):
    with pytest.raises(SpeciationError, match=match):
        call()


def test_plot_returns_figure(tmp_path):
    from mgkinetics.report.speciation_plot import plot_vs_total_atp, plot_vs_total_mg

    fig = plot_vs_total_mg(np.geomspace(0.01, 10, 15), 1.0, path=tmp_path / "mg.png")
    assert (tmp_path / "mg.png").stat().st_size > 0
    assert len(fig.axes[0].lines) == 3  # free ATP, MgATP, free Mg fraction
    fig2 = plot_vs_total_atp(np.geomspace(0.01, 10, 15), 2.0, include=["Mg2ATP"])
    assert len(fig2.axes[0].lines) == 4
