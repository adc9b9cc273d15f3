"""EnzymeML v2 export: schema validity, what a fit carries, and round trips through the reader.

The schema is the vendored v2 schema with its ``version`` pattern repaired (tests/data/enzymeml/README.md).
Expected values come from the FitResult that was exported, or from the document that was read.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.data.enzymeml import read_enzymeml
from mgkinetics.data.enzymeml_units import read_unit, unit_definition
from mgkinetics.errors import DataFormatError
from mgkinetics.report.enzymeml import stats_path, to_enzymeml, write_enzymeml

DATA = Path(__file__).parent / "data" / "enzymeml"
ROOT = Path(__file__).resolve().parents[1]
AK = ROOT / "datasets" / "ak_mgatp_saturation.csv"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((DATA / "enzymeml-v2.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_repaired_schema_accepts_versions_and_the_raw_document_still_fails(validator):
    assert validator.is_valid({"name": "x", "version": "2.0", "creators": [], "vessels": []})
    assert not validator.is_valid({"name": "x", "version": "2", "creators": [], "vessels": []})
    raw = json.loads((DATA / "enz.json").read_text(encoding="utf-8"))
    assert (
        len(_errors(validator, raw)) == 987
    )  # as the shared README counts (its schema copy, pattern moot here)


@pytest.mark.parametrize(
    "label",
    [
        "M",
        "mM",
        "uM",
        "nM",
        "pM",
        "uM/s",
        "mM/min",
        "nM/h",
        "1/s",
        "1/min",
        "1/(M*s)",
        "1/(uM*min)",
        "1/mM",
        "1",
        "s",
        "min",
        "h",
        "d",
        "C",
        "K",
    ],
)
def test_unit_definitions_read_back_to_the_same_label(label):
    unit, notes = read_unit(unit_definition(label))
    assert unit.label == label and notes == []


def test_base_units_follow_sbml_rules():
    # 1e-3 mol / (10 l) is 1e-4 M: no mgkinetics label, the name wins and the mismatch is reported
    unit, notes = read_unit(
        {
            "name": "mmol / l",
            "base_units": [
                {"kind": "mole", "exponent": 1, "scale": -3},
                {"kind": "litre", "exponent": -1, "scale": 1},
            ],
        }
    )
    assert unit.label == "mM" and [n[0] for n in notes] == ["unit_base_mismatch"]
    # mol / m^3 = mM (1 m^3 = 1000 l); a name that disagrees in dimension loses to the base units
    unit, notes = read_unit(
        {"name": "s", "base_units": [{"kind": "mole", "exponent": 1}, {"kind": "metre", "exponent": -3}]}
    )
    assert unit.label == "mM" and notes[0][0] == "unit_base_mismatch"


@pytest.fixture(scope="module")
def ak_fits():
    return mgk.fit(str(AK), "mgatp_mm", enzyme="enzyme_nM", group="variant")


@pytest.fixture(scope="module")
def exported(ak_fits, tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "ak.json"
    doc_path, stats = write_enzymeml(path, ak_fits, name="AK test")
    return doc_path, stats, json.loads(doc_path.read_text(encoding="utf-8"))


def test_fit_export_validates(validator, exported):
    _, _, doc = exported
    assert _errors(validator, doc) == []


def test_fit_export_carries_parameters_with_units_and_stderr(ak_fits, exported):
    _, _, doc = exported
    params = {p["id"]: p for p in doc["parameters"]}
    for fit in ak_fits:
        tag = fit.group["variant"]
        for name, est in fit.parameters.items():
            p = params[f"{name}_{tag}"]
            assert p["symbol"] == name and p["value"] == est.value
            assert read_unit(p["unit"])[0].label == est.unit.label
            assert p["lower_bound"] == 0.0 and "upper_bound" not in p  # declared min 0, max inf
            if est.fixed:
                assert "stderr" not in p
            else:
                assert p["stderr"] == est.stderr
    assert params["kcat_WT"]["unit"]["name"] == "1 / s"
    assert doc["equations"][0]["equation_type"] == "rateLaw"
    assert doc["equations"][0]["equation"] in mgk.get_law("mgatp_mm").formula


def test_fit_export_reads_back_to_the_fitted_rows(ak_fits, exported):
    doc_path, _, doc = exported
    back = read_enzymeml(doc_path)
    assert back.warnings == ()
    n_rows = sum(len(f.rows.used) for f in ak_fits)
    assert len(doc["measurements"]) == n_rows == back.n_points  # one rate per row
    rates = back.frame[back.frame["species_id"] == "product"]
    expected = np.concatenate([f.data["rate"] for f in ak_fits])
    assert rates["value"].tolist() == expected.tolist()
    assert set(rates["data_unit"]) == {ak_fits[0].rate_unit.label}
    for name, col in (
        ("atp_total", "init_atp_total_mM"),
        ("mg_total", "init_mg_total_mM"),
        ("enzyme", "init_enzyme_uM"),
    ):
        assert rates[col].tolist() == np.concatenate([f.data[name] for f in ak_fits]).tolist()
    assert rates["group_id"].tolist() == [
        f"variant={f.group['variant']}" for f in ak_fits for _ in f.rows.used
    ]
    assert set(rates["ph"]) == {7.5} and set(rates["temperature_C"]) == {25.0}
    by_id = {p.id: p for p in back.parameters}
    wt = ak_fits["WT"].parameters["km"]
    assert (by_id["km_WT"].value, by_id["km_WT"].unit, by_id["km_WT"].stderr) == (wt.value, "mM", wt.stderr)


def test_sidecar_holds_what_the_schema_cannot(ak_fits, exported):
    doc_path, stats, doc = exported
    assert stats == stats_path(doc_path) and stats.name == "ak.stats.json"
    assert stats.name in doc["description"]
    side = json.loads(stats.read_text(encoding="utf-8"))
    assert side["document"] == "ak.json" and len(side["fits"]) == 2
    wt = side["fits"][0]
    fit = ak_fits["WT"]
    est = fit.parameters["kcat"]
    assert wt["parameters"]["kcat_WT"]["ci_low"] == est.ci_low and wt["parameters"]["kcat_WT"]["ci_method"]
    assert wt["covariance"]["parameters"] == [f"{n}_WT" for n in fit.covariance_names]
    assert np.allclose(wt["covariance"]["matrix"], fit.covariance, rtol=0, atol=0)
    assert wt["weighting"] == fit.weighting and wt["conditions"]["ionic_strength_M"] == 0.15
    assert wt["measurement_ids"] == [m["id"] for m in doc["measurements"][: len(fit.rows.used)]]
    assert wt["success"] is True


def test_single_fit_keeps_plain_parameter_ids(validator, tmp_path):
    s = np.array([0.5, 1, 2, 4, 8, 16.0])
    res = mgk.fit({"s_mM": s, "rate_uM_per_s": 10 * s / (2 + s)}, "michaelis_menten")
    doc = to_enzymeml(res, name="mm")
    assert _errors(validator, doc) == []
    assert [p["id"] for p in doc["parameters"]] == ["vmax", "km"]
    in_uM = to_enzymeml(res.in_units(km="uM"))
    km = next(p for p in in_uM["parameters"] if p["id"] == "km")
    assert km["value"] == pytest.approx(2000.0, rel=1e-9) and km["unit"]["name"] == "umol / l"


def test_real_document_round_trip(validator, tmp_path):
    first = read_enzymeml(DATA / "enz.json")
    doc_path, stats = write_enzymeml(tmp_path / "enz_out.json", data=first, name=first.name)
    assert stats is None
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    assert _errors(validator, doc) == []
    second = read_enzymeml(doc_path)
    assert second.n_points == first.n_points == 12708
    cols = [
        "measurement_id",
        "species_id",
        "point",
        "time",
        "value",
        "data_unit",
        "data_type",
        "ph",
        "temperature_C",
        "init_testo_mM",
        "prepared_testo_mM",
        "init_aldolase_mM",
    ]
    assert second.frame[cols].equals(first.frame[cols])
    # what is left to warn about: what the source never stated or stated inconsistently, and we kept
    assert second.warning_counts() == {"no_time_unit": 36, "data_type_unit_mismatch": 36}


def test_synthetic_round_trip_keeps_parameters_units_and_times(validator, tmp_path):
    first = read_enzymeml(DATA / "synthetic_pyenzyme_style.json")
    good = first.frame["value"].notna()
    with pytest.raises(DataFormatError, match="null value"):
        write_enzymeml(tmp_path / "s.json", data=first)
    trimmed = type(first)(**{**first.__dict__, "frame": first.frame[good]})
    trimmed = _drop_null_point(trimmed)
    doc_path, _ = write_enzymeml(tmp_path / "s.json", data=trimmed)
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    assert _errors(validator, doc) == []
    second = read_enzymeml(doc_path)
    # Parameter.fit is not in the 77b0018 schema, so it cannot be written; constant defaults to true
    fields = (
        "id",
        "name",
        "symbol",
        "value",
        "unit",
        "stderr",
        "initial_value",
        "lower_bound",
        "upper_bound",
    )
    assert [[getattr(p, f) for f in fields] for p in second.parameters] == [
        [getattr(p, f) for f in fields] for p in first.parameters
    ]
    assert [p.fit for p in first.parameters] == [True, True] and [p.fit for p in second.parameters] == [
        None,
        None,
    ]
    assert second.equations == first.equations
    cols = ["measurement_id", "species_id", "time_s", "value", "data_unit"]
    assert (
        second.frame[cols].reset_index(drop=True).equals(first.frame.loc[good, cols].reset_index(drop=True))
    )
    atp = next(s for s in doc["measurements"][0]["species_data"] if s["species_id"] == "atp")
    assert atp["time"] == [0.0, 1.0, 3.0] and atp["time_unit"]["name"] == "min"  # its own unit, not seconds


def _drop_null_point(data):
    """The synthetic data without its one null point (the writer refuses nulls: the schema has no way)."""
    from dataclasses import replace

    m1 = data.measurements[0]
    series = tuple(replace(s, n_points=s.n_points - s.n_null, n_null=0) for s in m1.series)
    return replace(data, measurements=(replace(m1, series=series),) + data.measurements[1:])


def test_nothing_to_export():
    with pytest.raises(mgk.MgKineticsError, match="nothing to export"):
        to_enzymeml()


def test_dataset_adds_other_concentrations_and_row_conditions(validator, tmp_path):
    # the fitted table's columns that the law does not take (AMP, Mg, PEP totals) and its per-row pH
    csv_path = tmp_path / "mm.csv"
    csv_path.write_text(
        "s_mM,mg_total_mM,ph,rate_uM_per_s\n0.5,1,7.0,2\n1,1,7.5,3.3\n2,2,8.0,5\n4,2,7.5,6.7\n8,3,7.5,8\n",
        encoding="utf-8",
    )
    table = mgk.read_csv(csv_path)
    res = mgk.fit(table, "michaelis_menten")
    doc = to_enzymeml(res, data=table)
    assert _errors(validator, doc) == []
    assert [m["ph"] for m in doc["measurements"]] == [7.0, 7.5, 8.0, 7.5, 7.5]
    mg = [next(s for s in m["species_data"] if s["species_id"] == "mg_total") for m in doc["measurements"]]
    assert [s["prepared"] for s in mg] == [1.0, 1.0, 2.0, 2.0, 3.0]
    with pytest.raises(mgk.MgKineticsError, match="has no line 2 that the fit"):  # AK data start on line 3
        to_enzymeml(res, data=mgk.read_csv(AK))


def test_parameter_ids_stay_unique_when_groups_repeat_across_files(validator, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    rows = "variant,s_mM,rate_uM_per_s\n" + "".join(
        f"{v},{s},{k * s / (1 + s):.6g}\n" for v, k in (("WT", 10), ("MUT", 3)) for s in (0.25, 0.5, 1, 2, 4)
    )
    a.write_text(rows, encoding="utf-8")
    b.write_text(rows, encoding="utf-8")
    fits = [mgk.fit(str(p), "michaelis_menten", group="variant") for p in (a, b)]
    doc = to_enzymeml(fits)
    assert _errors(validator, doc) == []
    ids = [p["id"] for p in doc["parameters"]]
    assert len(set(ids)) == len(ids) == 8
    assert "km_a_WT" in ids and "km_b_MUT" in ids
