"""data/: reading real lab tables (issue 10 items 1, 9; issue 9 items 2, 6; issue 12 item 1).

Every expected value is the number written into the file by the test itself; line numbers are
those an editor shows (header = line 1, comments and blank lines counted).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.data.conditions import resolve_conditions
from mgkinetics.data.table import concat
from mgkinetics.errors import DataFormatError
from mgkinetics.units import split_header


def write(tmp_path, text: str, name: str = "data.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems_of(exc) -> list[tuple]:
    return [(p.line, p.column) for p in exc.value.problems]


@pytest.mark.parametrize(
    "header, stem, unit",
    [
        ("s_mM", "s", "mM"),
        ("S (mM)", "S", "mM"),
        ("v [µM/min]", "v", "uM/min"),
        ("[ATP] (µM)", "ATP", "uM"),
        ("[ATP] mM", "ATP", "mM"),
        ("Rate, uM/min", "Rate", "uM/min"),
        ("Rate (uM/min)", "Rate", "uM/min"),
        ("rate_uM_per_s", "rate", "uM/s"),
    ],
)
def test_header_unit_styles(tmp_path, header, stem, unit):
    sep = ";" if "," in header else ","
    ds = mgk.read_csv(write(tmp_path, f"{header}{sep}variant\n1{sep}WT\n"))
    assert ds.columns[0] == header  # the name is kept as written, never '[ATP] mM_mM'
    assert ds.units[header].label == unit
    assert ds.stems[header] == stem
    assert ds.find(stem) == header and ds.find(header) == header


@pytest.mark.parametrize("header", ["Rate 1", "variant", "Y1", "[ATP]"])
def test_headers_without_units(header):
    assert split_header(header)[1] is None


def test_bom_crlf_comments_blank_lines_and_line_numbers(tmp_path):
    text = "\ufeff# made by hand\r\ns_mM,rate_uM_per_s\r\n\r\n1,2\r\n# a note\r\n2,x\r\n,,\r\n3,y\r\n"
    with pytest.raises(DataFormatError) as exc:
        mgk.read_csv(write(tmp_path, text))
    # header is line 2; the bad cells are on lines 6 and 8 (line 7 is empty: ignored)
    assert problems_of(exc) == [(6, "rate_uM_per_s"), (8, "rate_uM_per_s")]


def test_quoted_label_starting_with_hash_is_data(tmp_path):
    ds = mgk.read_csv(write(tmp_path, 'label,s_mM,rate_uM_per_s\n"#1 well",1,2\n#comment\nB,2,3\n'))
    assert ds.values["label"].tolist() == ["#1 well", "B"]
    assert ds.lines.tolist() == [2, 4]


def test_trailing_empty_columns_and_rows_are_ignored(tmp_path):
    ds = mgk.read_csv(write(tmp_path, "s_mM,rate_uM_per_s,,\n1,2,,\n2,3,,\n,,,\n,,,\n"))
    assert ds.columns == ("s_mM", "rate_uM_per_s") and len(ds) == 2


def test_nameless_column_with_data_is_an_error(tmp_path):
    with pytest.raises(DataFormatError) as exc:
        mgk.read_csv(write(tmp_path, "s_mM,,rate_uM_per_s\n1,5,2\n"))
    assert "column 2 has no name" in str(exc.value)


def test_decimal_commas_with_semicolons(tmp_path):
    ds = mgk.read_csv(write(tmp_path, "S (mM);Rate (uM/min)\n0,5;1,25\n2;3,5e-1\n"))
    assert ds.values["S (mM)"].tolist() == [0.5, 2.0]
    assert ds.values["Rate (uM/min)"].tolist() == [1.25, 0.35]


def test_mixed_decimal_marks_are_ambiguous(tmp_path):
    with pytest.raises(DataFormatError) as exc:
        mgk.read_csv(write(tmp_path, "S (mM);Rate (uM/min)\n0,5;1\n1.5;2\n"))
    assert problems_of(exc) == [(2, "S (mM)")]
    assert "mixes decimal commas and points" in exc.value.problems[0].message


def test_every_bad_cell_is_named_at_once(tmp_path):
    text = "s_mM,rate_uM_per_s\n1,2\nabc,3\n2,inf\n-1,4\n3,NA\n"
    with pytest.raises(DataFormatError) as exc:
        mgk.read_csv(write(tmp_path, text))
    assert problems_of(exc) == [(3, "s_mM"), (4, "rate_uM_per_s"), (5, "s_mM"), (6, "rate_uM_per_s")]


def test_xlsx_first_sheet_with_a_table_and_named_sheet(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "empty"
    ws = wb.create_sheet("rates")
    ws.append(["S (mM)", "Rate (uM/min)", None])
    ws.append([1, 2.5, None])
    ws.append([2, "x", None])
    other = wb.create_sheet("other")
    other.append(["s_mM", "rate_uM_per_s"])
    other.append([4, 5])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    with pytest.raises(DataFormatError) as exc:
        mgk.read_csv(path)
    assert problems_of(exc) == [(3, "Rate (uM/min)")]  # Excel row 3 of sheet 'rates'
    assert "sheet rates" in exc.value.source
    ds = mgk.read_csv(path, sheet="other")
    assert ds.metadata["sheet"] == "other" and ds.values["s_mM"].tolist() == [4.0]
    with pytest.raises(DataFormatError, match="no sheet 'nope'"):
        mgk.read_csv(path, sheet="nope")


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_old_spreadsheets_are_refused_with_what_to_do(tmp_path, suffix):
    path = tmp_path / f"book{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataFormatError, match="save it as .xlsx"):
        mgk.read_csv(path)


def test_sidecar_is_meta_json_only(tmp_path):
    path = write(tmp_path, "s_mM,rate_uM_per_s\n1,2\n", name="run.csv")
    (tmp_path / "run.json").write_text("this is a fit's JSON output, not metadata")
    assert dict(mgk.read_csv(path).metadata) == {}
    (tmp_path / "run.meta.json").write_text(json.dumps({"conditions": {"ph": 8.0}}))
    assert mgk.read_csv(path).metadata["conditions"] == {"ph": 8.0}


def test_concat_merges_metadata_and_keeps_provenance(tmp_path):
    a = write(tmp_path, "s_mM,rate_uM_per_s\n1,2\n", name="a.csv")
    b = write(tmp_path, "s_mM,rate_uM_per_s\n# x\n3,4\n", name="b.csv")
    (tmp_path / "a.meta.json").write_text(json.dumps({"enzyme_concentration": "2nM", "operator": "A"}))
    (tmp_path / "b.meta.json").write_text(json.dumps({"enzyme_concentration": "2nM", "operator": "B"}))
    ds = concat([mgk.read_csv(a), mgk.read_csv(b)])
    assert ds.metadata["enzyme_concentration"] == "2nM"
    assert ds.metadata["operator"] == {str(a): "A", str(b): "B"}
    assert ds.metadata["conflicting"] == ["operator"]
    assert [ds.file_of(i) for i in range(2)] == [str(a), str(b)] and ds.lines.tolist() == [2, 3]


@pytest.mark.parametrize(
    "header, value, expected",
    [("temperature_K", "310.15", 37.0), ("T [K]", "298.15", 25.0), ("Temperature (°C)", "30", 30.0)],
)
def test_temperature_columns_in_any_style(tmp_path, header, value, expected):
    ds = mgk.read_csv(write(tmp_path, f"s_mM,rate_uM_per_s,{header}\n1,2,{value}\n"))
    cond = ds.conditions()
    assert cond.values["temperature_C"][0] == pytest.approx(expected, abs=1e-12)
    assert cond.sources["temperature_C"].startswith(f"column '{header}'")
    assert cond.sources["ph"] == "default" and cond.values["ph"][0] == 7.5


def test_condition_precedence_column_option_metadata_default(tmp_path):
    path = write(tmp_path, "s_mM,rate_uM_per_s,pH\n1,2,8\n", name="c.csv")
    (tmp_path / "c.meta.json").write_text(json.dumps({"conditions": {"ph": 6.0, "temperature_C": 30}}))
    cond = resolve_conditions(mgk.read_csv(path), {"ph": 7.0, "ionic_strength_M": 0.1})
    assert cond.values["ph"][0] == 8.0 and cond.sources["ph"] == "column 'pH'"
    assert cond.values["temperature_C"][0] == 30.0 and cond.sources["temperature_C"] == "metadata"
    assert cond.values["ionic_strength_M"][0] == 0.1 and cond.sources["ionic_strength_M"] == "option"


def test_condition_errors_name_every_cell(tmp_path):
    ds = mgk.read_csv(write(tmp_path, "s_mM,rate_uM_per_s,pH,T [K]\n1,2,13,300\n1,2,7,400\n1,2,1,300\n"))
    with pytest.raises(DataFormatError) as exc:
        resolve_conditions(ds)
    assert problems_of(exc) == [(2, "pH"), (3, "T [K]"), (4, "pH")]


def test_input_unit_error_mentions_the_option(tmp_path):
    path = write(tmp_path, "[ATP] mM,Rate,SD\n1,2,0.1\n2,3,0.1\n3,4,0.1\n")
    with pytest.raises(DataFormatError, match="--input-unit Rate=uM/min"):
        mgk.fit(path, "michaelis_menten")
    res = mgk.fit(path, "michaelis_menten", x="[ATP] mM", y="Rate", input_units={"Rate": "uM/min"})
    assert res.columns["substrate"] == "[ATP] mM" and res.rate_unit.label == "uM/min"


def test_frame_input_is_validated_like_a_file():
    with pytest.raises(DataFormatError) as exc:
        mgk.Dataset.from_frame({"s_mM": np.array([1.0, -2.0]), "rate_uM_per_s": np.array([1.0, np.inf])})
    assert problems_of(exc) == [(3, "s_mM"), (3, "rate_uM_per_s")]


def test_speciate_table_condition_errors_name_line_and_column(tmp_path):
    from click.testing import CliRunner
    from mgkinetics_cli.main import cli

    path = write(tmp_path, "atp_total_mM,mg_total_mM,ph\n1,2,7.5\n1,2,13\n1,2,1\n")
    result = CliRunner().invoke(cli, ["speciate", str(path)])
    assert result.exit_code == 2
    assert "line 3, column 'ph'" in result.output and "line 4, column 'ph'" in result.output


def test_labels_read_the_same_without_pyarrow(tmp_path, monkeypatch):
    # pyarrow is a test extra, not a runtime dependency: the reader must not need it (the README's
    # main job runs in an install without it)
    import mgkinetics as mgk
    from mgkinetics.data import numbers

    path = tmp_path / "two.csv"
    path.write_text("variant,s_mM,rate_uM_per_s\nWT ,1,2\nD84A,2,3\n,3,4\nWT,4,5\n", encoding="utf-8")
    with_arrow = mgk.read_csv(path).values["variant"].tolist()
    monkeypatch.setattr(numbers, "_has_pyarrow", lambda: False)
    assert mgk.read_csv(path).values["variant"].tolist() == with_arrow == ["WT", "D84A", "", "WT"]
