"""Plate layouts: per-well tables and grid plate maps.

The SAHH plate map (tests/data/plates, see its README) must read to exactly its expected long
table, parsed independently; the other layouts are written by the tests themselves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mgkinetics.data.layout import layout_column_name, pivot_layout_grid, read_layout, read_layout_grid
from mgkinetics.errors import DataFormatError, UnitError

DATA = Path(__file__).parent / "data" / "plates"
openpyxl = pytest.importorskip("openpyxl")


def problems_text(exc: pytest.ExceptionInfo) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


def test_sahh_plate_map_reads_to_its_expected_long_table():
    grid = read_layout_grid(DATA / "plate_map_SAHH_kinetics.xlsx")
    expected = pd.read_csv(DATA / "plate_map_SAHH_kinetics.expected.csv")
    assert len(grid) == len(expected) == 228
    assert list(grid.columns) == ["well", "sheet", "value"]
    assert grid["well"].tolist() == expected["well"].tolist()
    assert grid["sheet"].tolist() == expected["sheet"].tolist()
    assert np.array_equal(grid["value"].to_numpy(float), expected["value"].to_numpy(float))
    assert "pH" not in set(grid["sheet"])  # an empty sheet gives no entries


def test_pivot_needs_the_units_the_file_does_not_state():
    grid = read_layout_grid(DATA / "plate_map_SAHH_kinetics.xlsx")
    with pytest.raises(DataFormatError) as exc:
        pivot_layout_grid(grid, units={"TNB": "uM"})
    assert "sheet 'BUFFER' holds numbers but no unit" in problems_text(exc)
    assert "sheet 'TNB'" not in problems_text(exc)
    units = {sheet: "uM" for sheet in grid["sheet"].unique()}
    units["BUFFER"] = "mM"
    units["McSAHH"] = "number"
    layout = pivot_layout_grid(grid, units=units)
    assert len(layout) == grid["well"].nunique() == 60
    assert {"buffer_mM", "tnb_uM", "mcsahh"} <= set(layout.columns)
    row = layout.set_index("well").loc["B2"]
    assert (row["buffer_mM"], row["tnb_uM"]) == (50.0, 250.0)
    # every entry of the long table is one cell of the wide one
    assert int(layout.drop(columns="well").notna().to_numpy().sum()) == 228


def test_units_must_name_sheets_of_the_file():
    with pytest.raises(DataFormatError, match="units name sheet 'ATP', which is not in the file"):
        read_layout_grid(DATA / "plate_map_SAHH_kinetics.xlsx", units={"ATP": "mM"})
    grid = read_layout_grid(DATA / "plate_map_SAHH_kinetics.xlsx", units={"TNB": "uM"})
    assert set(grid.loc[grid["sheet"] == "TNB", "unit"]) == {"uM"}


def _grid_book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def test_grid_unknown_rows_columns_and_repeated_rows_name_sheet_and_row(tmp_path):
    header = [None] + [str(c) for c in range(1, 14)]
    path = _grid_book(
        tmp_path / "map.xlsx",
        {
            "ATP": [header, ["A", 1] + [None] * 11 + [5], ["Z", 2], ["A", 3]],
        },
    )
    with pytest.raises(DataFormatError) as exc:
        read_layout_grid(path, plate_wells=96)
    text = problems_text(exc)
    assert "line 2, column '13': sheet 'ATP': well 'A13' is not on a 96-well plate" in text
    assert "line 3, column '1': sheet 'ATP': well 'Z1' is not on a 96-well plate" in text
    assert "line 4: sheet 'ATP': row A appears twice (first at row 2)" in text


def test_grid_text_sheet_becomes_a_text_column(tmp_path):
    header = [None] + list(range(1, 13))
    path = _grid_book(
        tmp_path / "map.xlsx",
        {
            "ATP": [header, ["A", 0.5, 1.0]],
            "variant": [header, ["A", "WT", "K13A"]],
            "role": [header, ["A", "Blank", None]],
        },
    )
    layout = pivot_layout_grid(read_layout_grid(path), units={"ATP": "mM"})
    assert layout.to_dict("list") == {
        "well": ["A1", "A2"],
        "atp_mM": [0.5, 1.0],
        "variant": ["WT", "K13A"],
        "role": ["blank", "sample"],
    }


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("ATP (mM)", "atp_mM"),
        ("[Mg] mM", "mg_mM"),
        ("enzyme [nM]", "enzyme_nM"),
        ("atp_total_mM", "atp_total_mM"),
        ("AMP total (µM)", "amp_total_uM"),
        ("rate (uM/s)", "rate_uM_per_s"),
        ("variant", "variant"),
        ("pH", "ph"),
        ("Temperature (°C)", "temperature_C"),
    ],
)
def test_layout_column_names_take_our_suffix_form(header, name):
    assert layout_column_name(header)[0] == name


def test_layout_column_with_an_unknown_unit_raises():
    with pytest.raises(UnitError, match="unknown unit 'uL'"):
        layout_column_name("volume (uL)")


def test_read_layout_csv(tmp_path):
    path = tmp_path / "layout.csv"
    path.write_text(
        "Well,Role,ATP (mM),[Mg] mM,enzyme [nM],variant\nA01,sample,1,2,5,WT\nA2,blank,1,2,,WT\n"
        "B3,,0.5,2,5,K13A\n"
    )
    layout = read_layout(path)
    assert list(layout.columns) == ["well", "role", "atp_mM", "mg_mM", "enzyme_nM", "variant"]
    assert layout["well"].tolist() == ["A1", "A2", "B3"]
    assert layout["role"].tolist() == ["sample", "blank", "sample"]
    assert layout["atp_mM"].tolist() == [1.0, 1.0, 0.5]
    assert np.isnan(layout["enzyme_nM"][1]) and layout["variant"].tolist() == ["WT", "WT", "K13A"]


def test_read_layout_without_role_column_defaults_to_sample(tmp_path):
    path = tmp_path / "layout.tsv"
    path.write_text("well\tatp_total_mM\nH12\t2\n")
    assert read_layout(path).to_dict("list") == {"well": ["H12"], "role": ["sample"], "atp_total_mM": [2.0]}


def test_read_layout_bad_rows_are_all_named(tmp_path):
    path = tmp_path / "layout.csv"
    path.write_text("Well,Role,ATP (mM)\nZ99,foo,1\nA13,sample,x\nA2,sample,1\nA02,sample,1\n,sample,1\n")
    with pytest.raises(DataFormatError) as exc:
        read_layout(path)
    text = problems_text(exc)
    for message in (
        "line 2, column 'Well': well 'Z99' is not on a 96-well plate",
        "line 2, column 'Role': role 'foo' is not one of sample, blank, standard",
        "line 3, column 'Well': well 'A13' is not on a 96-well plate",
        "line 3, column 'ATP (mM)': 'x' is not a number",
        "line 5, column 'Well': well A2 is listed twice (first at line 4)",
        "line 6, column 'Well': missing well name",
    ):
        assert message in text


def test_read_layout_384_plate_accepts_a13(tmp_path):
    path = tmp_path / "layout.csv"
    path.write_text("well,ATP (mM)\nA13,1\nP24,2\n")
    with pytest.raises(DataFormatError, match="A13' is not on a 96-well plate"):
        read_layout(path)
    assert read_layout(path, plate_wells=384)["well"].tolist() == ["A13", "P24"]


def test_read_layout_xlsx_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "notes"
    ws = book.create_sheet("layout")
    for row in (["Well", "AMP (uM)", "role"], ["C03", 50, "standard"], ["C4", 0, "Blank"]):
        ws.append(row)
    path = tmp_path / "layout.xlsx"
    book.save(path)
    layout = read_layout(path, sheet="layout")
    assert layout.to_dict("list") == {
        "well": ["C3", "C4"],
        "role": ["standard", "blank"],
        "amp_uM": [50.0, 0.0],
    }
    with pytest.raises(DataFormatError, match="no sheet 'plate'; sheets: notes, layout"):
        read_layout(path, sheet="plate")


def test_read_layout_with_a_plate_column_keys_on_plate_and_well(tmp_path):
    path = tmp_path / "layout.csv"
    path.write_text("plate,well,ATP (mM)\n1,A1,1\n2,A1,2\n")
    layout = read_layout(path)
    assert layout.to_dict("list") == {
        "plate": [1, 2],
        "well": ["A1", "A1"],
        "role": ["sample"] * 2,
        "atp_mM": [1.0, 2.0],
    }
    path.write_text("plate,well,ATP (mM)\n1,A1,1\n1,A01,2\nx,B1,1\n")
    with pytest.raises(DataFormatError) as exc:
        read_layout(path)
    assert "line 3, column 'well': plate 1, well A1 is listed twice (first at line 2)" in problems_text(exc)
    assert "line 4, column 'plate': plate 'x' is not a plate number" in problems_text(exc)
