"""Constants table and corrections (Alberty 2003 Table 1.2; science.md §2)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mgkinetics.errors import SpeciationError
from mgkinetics.speciation.constants import (
    DEFAULT_TABLE,
    apparent_constants,
    apparent_kd,
    equilibrium_constant,
    load_table,
)
from mgkinetics.speciation.corrections import temperature_correction

# Alberty 2003, Thermodynamics of Biochemical Reactions, Table 1.2: K at I = 0.25 M, 298.15 K
# (the column the corrections must reproduce from the pK at I = 0; science.md §2).
ALBERTY_I025 = {
    "HATP": 3.426e-7,
    "MgATP": 1.229e-4,
    "MgHATP": 1.181e-2,
    "HADP": 4.689e-7,
    "MgADP": 1.128e-3,
    "MgHADP": 4.313e-2,
    "HAMP": 6.877e-7,
    "MgAMP": 2.212e-2,
    "Mg2ATP": 2.785e-2,  # optional species, same table
}


@pytest.mark.parametrize("name", sorted(ALBERTY_I025))
def test_reproduces_alberty_i025_to_3_significant_digits(name):
    k = equilibrium_constant(name, temperature_C=25.0, ionic_strength_M=0.25)
    assert f"{k:.3g}" == f"{ALBERTY_I025[name]:.3g}"
    assert k == pytest.approx(ALBERTY_I025[name], rel=2e-3)


@pytest.mark.parametrize(
    "name, expected_mM",
    [
        # science.md §2: apparent Kd at 25 °C, I = 0.15 M, pH 7.5 (2 significant digits).
        ("MgATP", 0.067),
        ("MgADP", 0.71),
        ("MgAMP", 16.0),
        # NIST46 (Martell & Smith), uncorrected.
        ("MgPEP", 5.5),
        # Alberty's Mg2ATP ≈ 19 mM (science.md §2).
        ("Mg2ATP", 19.0),
    ],
)
def test_apparent_kd_at_standard_conditions(name, expected_mM):
    kd = apparent_kd(name, ph=7.5, temperature_C=25.0, ionic_strength_M=0.15)
    assert float(f"{kd:.2g}") == pytest.approx(expected_mM)


def test_temperature_25_is_identity_and_37_lowers_kd():
    for name in ("MgATP", "MgADP", "MgAMP"):
        assert apparent_kd(name, temperature_C=25.0) == apparent_kd(name)
        # Mg binding is endothermic (ΔH°binding > 0): Kd falls as T rises.
        assert apparent_kd(name, temperature_C=37.0) < apparent_kd(name)
    assert temperature_correction(2.0, 22.9, 25.0) == 2.0
    assert temperature_correction(2.0, None, 40.0) == 2.0


def test_mgpep_is_not_corrected_and_records_source():
    c = apparent_constants(ph=6.5, temperature_C=37.0, ionic_strength_M=0.05)["MgPEP"]
    assert c.kd_mM == 5.5 and not c.corrected and "NIST46" in c.source


def test_every_entry_records_a_source():
    for eq in DEFAULT_TABLE.equilibria.values():
        assert "Alberty 2003" in eq.source
    for spec in DEFAULT_TABLE.complexes.values():
        assert spec.source


def test_vectorised_over_conditions():
    kd = apparent_kd("MgATP", ph=np.array([7.0, 7.5, 8.0]), ionic_strength_M=0.15)
    assert kd.shape == (3,) and np.all(np.diff(kd) < 0)  # less protonation -> tighter


def test_ionic_strength_zero_gives_table_value():
    assert equilibrium_constant("MgATP", ionic_strength_M=0.0) == pytest.approx(10**-6.18)


@pytest.mark.parametrize(
    "kw, word",
    [
        (dict(ph=1.0), "pH"),
        (dict(ph=13.0), "pH"),
        (dict(temperature_C=-5.0), "temperature"),
        (dict(temperature_C=120.0), "temperature"),
        (dict(ionic_strength_M=0.6), "Debye"),
        (dict(ionic_strength_M=-0.1), "ionic_strength"),
    ],
)
def test_conditions_out_of_range(kw, word):
    with pytest.raises(SpeciationError, match=word):
        apparent_kd("MgATP", **kw)


def test_unknown_complex_suggests():
    with pytest.raises(SpeciationError, match="did you mean 'MgATP'"):
        apparent_kd("MgAPT")


def test_load_json_and_csv(tmp_path):
    p = tmp_path / "k.json"
    p.write_text(
        json.dumps(
            {
                "equilibria": {"MgATP": {"pK": 6.0, "source": "lab"}},
                "complexes": {"CaEDTA": {"metal": "Ca", "ligand": "EDTA", "kd_mM": 1e-7}},
            }
        )
    )
    t = load_table(p)
    assert t.equilibria["MgATP"].pK == 6.0 and t.equilibria["MgATP"].dz2 == 16
    assert apparent_kd("MgATP", table=t) > apparent_kd("MgATP")
    assert t.complexes["CaEDTA"].kd_mM == 1e-7
    q = tmp_path / "k.csv"
    q.write_text("name,metal,ligand,kd_mM,source\nMgATP,Mg,ATP,0.05,my ITC\n")
    c = apparent_constants(table=str(q), ph=7.5, temperature_C=25, ionic_strength_M=0.15)
    assert c["MgATP"].kd_mM == 0.05 and c["MgATP"].source == "my ITC"


@pytest.mark.parametrize(
    "text, suffix, match",
    [
        ("name,metal,ligand,kd_mM\nX,Mg,Y,-1\n", ".csv", "Kd must be > 0"),
        ("a,b\n1,2\n", ".csv", "header"),
        ("{not json", ".json", "not valid JSON"),
        ("", ".txt", "must end in"),
    ],
)
def test_load_errors(tmp_path, text, suffix, match):
    p = tmp_path / f"k{suffix}"
    p.write_text(text)
    with pytest.raises(SpeciationError, match=match):
        load_table(p)
