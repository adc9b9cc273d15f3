"""EnzymeML v2 reader: the real MTPHandler document, a synthesized PyEnzyme-style one, and bad input.

Expected numbers for enz.json are counted here with plain ``json`` loops (independent of the reader);
for the synthetic document they are worked out by hand from the file (see tests/data/enzymeml/README.md).
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

from mgkinetics.data.enzymeml import read_enzymeml
from mgkinetics.errors import DataFormatError

DATA = Path(__file__).parent / "data" / "enzymeml"
ENZ = DATA / "enz.json"
SYNTH = DATA / "synthetic_pyenzyme_style.json"


@pytest.fixture(scope="module")
def enz():
    return read_enzymeml(ENZ)


@pytest.fixture(scope="module")
def enz_raw():
    return json.loads(ENZ.read_text(encoding="utf-8"))


def _write(tmp_path, doc, name="doc.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def test_enz_every_data_point_is_in_the_table(enz, enz_raw):
    expected = sum(len(sd["data"]) for m in enz_raw["measurements"] for sd in m["species_data"])
    assert expected == 12708  # the figure the shared README states
    assert enz.n_points == expected == len(enz.frame)
    assert enz.n_null == 0
    assert len(enz.measurements) == 36
    assert [m.id for m in enz.measurements] == [m["id"] for m in enz_raw["measurements"]]


def test_enz_values_and_times_are_those_of_the_document(enz, enz_raw):
    frame = enz.frame
    for m in enz_raw["measurements"][:3] + enz_raw["measurements"][-1:]:
        sd = next(s for s in m["species_data"] if s["species_id"] == "testo")
        rows = frame[(frame["measurement_id"] == m["id"]) & (frame["species_id"] == "testo")]
        assert rows["value"].tolist() == sd["data"]
        assert rows["time"].tolist() == sd["time"]
        assert rows["point"].tolist() == list(range(len(sd["data"])))


def test_enz_missing_time_unit_is_not_converted(enz):
    # no time_unit anywhere: times stay as written in 'time', unit unspecified; no time_s column
    assert "time_s" not in enz.frame.columns
    assert enz.units["time"] == "unspecified"
    assert enz.frame["time"].max() == 5280.0
    assert {s.time_unit for m in enz.measurements for s in m.series} == {"unspecified"}


def test_enz_units_conditions_and_initial_amounts(enz):
    frame = enz.frame
    assert set(frame["data_unit"]) == {"mM"}  # the stated name 'mmol / l', kept (and warned about)
    assert set(frame["data_type"]) == {"absorbance"}  # AFQ_0000061
    assert set(frame["ph"]) == {7.4}
    assert frame["temperature_C"].iloc[0] == pytest.approx(36.91926345609065, rel=1e-15)
    a1 = frame[frame["measurement_id"] == "A1"].iloc[0]
    assert (a1["init_testo_mM"], a1["prepared_testo_mM"], a1["init_aldolase_mM"]) == (0.097, 0.1, 0.1)
    kinds = {s.id: s.kind for s in enz.species}
    assert kinds == {"testo": "small_molecule", "aldolase": "protein"}
    assert enz.parameters == () and enz.equations == ()


def _count_nulls(obj) -> int:
    """Null object fields outside JSON-LD keys, counted independently of the reader."""
    if isinstance(obj, dict):
        return sum((v is None) + _count_nulls(v) for k, v in obj.items() if not k.startswith("ld_"))
    if isinstance(obj, list):
        return sum(_count_nulls(v) for v in obj)
    return 0


def _count_ld_objects(obj) -> int:
    if isinstance(obj, dict):
        own = any(k.startswith("ld_") for k in obj)
        return own + sum(_count_ld_objects(v) for k, v in obj.items() if not k.startswith("ld_"))
    if isinstance(obj, list):
        return sum(_count_ld_objects(v) for v in obj)
    return 0


def test_enz_warnings_by_kind(enz, enz_raw):
    counts = enz.warning_counts()
    n = len(enz_raw["measurements"])
    assert counts == {
        "jsonld_keys": _count_ld_objects(enz_raw),  # 399, as the shared README counts
        "null_field": _count_nulls(enz_raw),
        "no_version": 1,
        "unit_base_mismatch": 3 * n,  # 2 data units ('mmol / l' vs litre scale 1) + 1 Celsius (scale 1)
        "data_type_iri": 2 * n,
        "data_type_unit_mismatch": n,  # absorbance values with a concentration unit
        "no_time_unit": n,  # only the testo series have data
    }
    assert counts["jsonld_keys"] == 399
    for w in enz.warnings:
        assert str(w).count("\n") == 0 and w.paths and w.message and w.assumed


@pytest.fixture(scope="module")
def synth():
    return read_enzymeml(SYNTH)


def test_synthetic_times_are_converted_only_where_stated(synth):
    f = synth.frame
    m1_atp = f[(f["measurement_id"] == "m1") & (f["species_id"] == "atp")]
    assert m1_atp["time_s"].tolist() == [0.0, 60.0, 120.0, 180.0]  # minutes (multiplier 60)
    m1_adp = f[(f["measurement_id"] == "m1") & (f["species_id"] == "adp")]
    assert m1_adp["time_s"].tolist() == [0.0, 60.0, 120.0, 180.0]  # time_unit the string "s"
    m2 = f[f["measurement_id"] == "m2"]
    assert m2["time"].tolist() == [0.0, 30.0] and m2["time_s"].isna().all()
    m3 = f[f["measurement_id"] == "m3"]
    assert m3["time_s"].tolist() == [0.0, 120.0]  # mdmodels' {second, 60, scale 1} read as minutes
    assert f.loc[f["measurement_id"] != "m2", "time"].isna().all()


def test_synthetic_units_nulls_and_conditions(synth):
    f = synth.frame
    assert synth.n_points == 12 and synth.n_null == 1 and len(f) == 12
    m1_atp = f[(f["measurement_id"] == "m1") & (f["species_id"] == "atp")]["value"].tolist()
    assert m1_atp[:2] == [1.0, 0.9] and math.isnan(m1_atp[2]) and m1_atp[3] == 0.7
    assert set(f.loc[f["species_id"] == "adp", "data_unit"]) == {"uM"}  # base units only: 1e-6 mol / l
    by_m = f.groupby("measurement_id").first()
    assert by_m.loc["m1", "temperature_C"] == pytest.approx(25.0, abs=1e-12)  # 298.15 K
    assert math.isnan(by_m.loc["m2", "temperature_C"]) and by_m.loc["m2", "temperature"] == 25.0
    assert by_m.loc["m3", "temperature_C"] == 25.0
    assert by_m["init_atp_mM"].tolist() == [1.0, 2.0, 3.0]
    assert by_m.loc["m1", "init_ak_uM"] == 0.01 and by_m.loc["m2", "prepared_mg_mM"] == 5.0
    assert synth.units["init_ak_uM"] == "uM" and synth.units["time_s"] == "s"


def test_synthetic_records(synth):
    kcat, km = synth.parameters
    assert (
        kcat.id,
        kcat.value,
        kcat.unit,
        kcat.stderr,
        kcat.lower_bound,
        kcat.upper_bound,
        kcat.initial_value,
        kcat.fit,
    ) == ("kcat", 330.0, "1/s", 5.0, 0.0, 1000.0, 100.0, True)
    assert (km.value, km.unit, km.stderr) == (0.1, "mM", 0.01)
    species = {s.id: s for s in synth.species}
    assert species["mgatp"].kind == "complex" and list(species["mgatp"].identifiers["participants"]) == [
        "mg",
        "atp",
    ]
    assert species["ak"].identifiers["ecnumber"] == "2.7.4.3"
    assert species["atp"].identifiers["inchikey"] == "ZKHQWZAMYRWXGA-KQYNXXCUSA-N"
    assert synth.equations[0].equation == "kcat * ak * atp / (km + atp)"
    assert synth.version == "2"


def test_synthetic_warnings(synth):
    counts = synth.warning_counts()
    assert counts == {
        "jsonld_keys": 3,
        "null_field": 5,
        "null_value": 1,
        "no_temperature_unit": 1,
        "no_time_unit": 1,
        "unit_mdmodels_time": 1,
    }
    w = next(w for w in synth.warnings if w.code == "no_time_unit")
    assert w.paths == ("measurements[1].species_data[0].time_unit",)
    assert "not converted" in w.assumed or "unconverted" in w.assumed


def test_version_other_than_2_and_unknown_iri_are_reported(tmp_path):
    doc = json.loads(SYNTH.read_text(encoding="utf-8"))
    doc["version"] = "1.0"
    doc["measurements"][0]["species_data"][0]["data_type"] = "http://example.org/what"
    doc["measurements"][0]["extra_key"] = 1
    data = read_enzymeml(_write(tmp_path, doc))
    counts = data.warning_counts()
    assert counts["version_not_2"] == 1 and counts["data_type_unknown"] == 1 and counts["unknown_key"] == 1


def test_length_mismatch_keeps_every_value(tmp_path):
    doc = json.loads(SYNTH.read_text(encoding="utf-8"))
    doc["measurements"][2]["species_data"][0]["time"] = [0]  # 2 values, 1 time
    data = read_enzymeml(_write(tmp_path, doc))
    m3 = data.frame[data.frame["measurement_id"] == "m3"]
    assert m3["value"].tolist() == [3.0, 2.5]
    assert m3["time_s"].iloc[0] == 0.0 and np.isnan(m3["time_s"].iloc[1])
    assert data.warning_counts()["length_mismatch"] == 1


def test_not_json_names_the_line(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"name": "x",\n "measurements": [1, 2,,]}', encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        read_enzymeml(p)
    assert info.value.source == str(p)
    assert info.value.problems[0].line == 2 and "not valid JSON" in info.value.problems[0].message


@pytest.mark.parametrize(
    "doc, text",
    [
        ([1, 2], "top level is a JSON list"),
        ({"title": "a table", "rows": []}, "not an EnzymeML document"),
    ],
)
def test_not_enzymeml(tmp_path, doc, text):
    with pytest.raises(DataFormatError) as info:
        read_enzymeml(_write(tmp_path, doc))
    assert text in str(info.value)


def test_wrong_types_are_all_reported_with_their_json_path(tmp_path):
    doc = json.loads(SYNTH.read_text(encoding="utf-8"))
    bad = copy.deepcopy(doc)
    bad["measurements"][0]["species_data"][0]["data"][1] = "0.9"
    bad["measurements"][1]["ph"] = "neutral"
    del bad["measurements"][2]["id"]
    with pytest.raises(DataFormatError) as info:
        read_enzymeml(_write(tmp_path, bad))
    messages = [p.message for p in info.value.problems]
    assert len(messages) == 3
    assert messages[0].startswith("measurements[0].species_data[0].data[1]: ")
    assert any(m.startswith("measurements[1].ph: ") for m in messages)
    assert any(m.startswith("measurements[2].id: missing") for m in messages)


def test_missing_file():
    with pytest.raises(DataFormatError, match="file not found"):
        read_enzymeml(DATA / "no_such.json")
