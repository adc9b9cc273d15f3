"""The xlsx plate-reader parsers: Gen5, Multiskan Sky, Magellan, Spark.

Real exports (tests/data/plates/, see README-xlsx.md) must read to exactly their expected tables,
which were parsed independently from the raw files (shared reference data); rearranged copies of them
(wells as rows, times as text, blocks reordered) must read to the same tables. Synthesized workbooks,
written here with openpyxl, check the variants those four files do not show; their expected values
are computed from how each workbook is built.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from mgkinetics.data.plates import biotek_gen5, multiskan_sky, read_traces, tecan_magellan, tecan_spark
from mgkinetics.errors import DataFormatError

DATA = Path(__file__).parent / "data" / "plates"
PARSERS = (biotek_gen5, multiskan_sky, tecan_magellan, tecan_spark)
REFERENCE = {  # file stem -> (parser, rows in the expected table, as its README states)
    "biotek_epoch2": (biotek_gen5, 12744),
    "multiskan_sky": (multiskan_sky, 707),
    "tecan_magellan": (tecan_magellan, 434),
    "tecan_spark": (tecan_spark, 2745),
}
KEYS = ["plate", "wavelength_nm", "well", "time_s"]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.assign(wavelength_nm=frame["wavelength_nm"].astype("Int64").fillna(-1))
    return out.sort_values(KEYS).reset_index(drop=True)


def _write(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook with one sheet per entry, rows appended as given (datetime.time -> time cells)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def _expected(stem: str) -> pd.DataFrame:
    return _sorted(pd.read_csv(DATA / f"{stem}.expected.csv", dtype={"wavelength_nm": "Int64"}))


def _values(stem: str) -> list[list]:
    ws = openpyxl.load_workbook(DATA / f"{stem}.xlsx").worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def _assert_reads_to(parser, path: Path, stem: str) -> None:
    got, want = _sorted(parser.read(path).frame), _expected(stem)
    assert len(got) == len(want)
    for col in ("plate", "wavelength_nm", "well"):
        assert got[col].tolist() == want[col].tolist(), col
    np.testing.assert_allclose(got["time_s"], want["time_s"], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(got["signal"].to_numpy(), want["signal"].to_numpy())
    np.testing.assert_array_equal(got["temperature_C"].to_numpy(), want["temperature_C"].to_numpy())


# --- real exports -------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(REFERENCE))
def test_reference_export_reads_to_its_expected_table(stem):
    parser, n_rows = REFERENCE[stem]
    assert len(_expected(stem)) == n_rows
    _assert_reads_to(parser, DATA / f"{stem}.xlsx", stem)


@pytest.mark.parametrize("stem", sorted(REFERENCE))
def test_each_reference_export_is_sniffed_by_its_parser_only(stem):
    parser, _ = REFERENCE[stem]
    assert [p.NAME for p in PARSERS if p.sniff(DATA / f"{stem}.xlsx")] == [parser.NAME]
    assert read_traces(DATA / f"{stem}.xlsx").instrument == parser.NAME


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.NAME)
def test_sniff_is_false_for_files_that_are_not_xlsx(parser, tmp_path):
    text = tmp_path / "export.xlsx"
    text.write_text("Time\tA1\n0\t0.1\n")
    assert parser.sniff(text) is False
    assert parser.sniff(tmp_path / "missing.xlsx") is False
    other = _write(
        tmp_path / "wide.xlsx", {"Sheet1": [["Time [s]", "A1", "A2"], [0, 0.1, 0.2], [30, 0.11, 0.21]]}
    )
    assert parser.sniff(other) is False


def test_reference_metadata_states_the_runs():
    gen5 = biotek_gen5.read(DATA / "biotek_epoch2.xlsx")
    assert gen5.metadata["intervals_s"] == [900.0] and gen5.metadata["blocks"][0]["reads"] == 354
    spark = tecan_spark.read(DATA / "tecan_spark.xlsx")
    # README: 45 of 96 well columns measured, 3111 empty cells = 51 wells x 61 cycles
    assert (
        len(spark.metadata["unmeasured_wells"][(1, 420)]) == 51 and spark.metadata["unmeasured_cells"] == 3111
    )
    assert spark.skipped == ()
    sky = multiskan_sky.read(DATA / "multiskan_sky.xlsx")
    assert sky.metadata["sheets"] == ["Raw data 340 nm"] and sky.metadata["set_temperature_C"] == 25.0


def test_sky_results_sheet_reads_the_same_table_as_the_raw_sheet():
    raw = _sorted(multiskan_sky.read(DATA / "multiskan_sky.xlsx").frame)
    wide = _sorted(multiskan_sky.read(DATA / "multiskan_sky.xlsx", sheet="Absorbance results").frame)
    pd.testing.assert_frame_equal(raw, wide)


def test_unknown_sheet_names_the_sheets_there_are():
    with pytest.raises(DataFormatError, match="no sheet 'Plate 9'.*'Plate 1 - Sheet1'"):
        biotek_gen5.read(DATA / "biotek_epoch2.xlsx", sheet="Plate 9")


# --- Gen5 ---------------------------------------------------------------------------------------

GEN5_WELLS = ["A1", "A2", "B1"]


def _gen5_signal(wl: int, well: int, read: int) -> float:
    return round(wl / 1000 + 0.1 * well + 0.001 * read, 4)


def _gen5_block(label: str, wl: int, clock_s: list[float | None], overflow=None) -> list[list]:
    """Label row, blank, header, one row per read (times as datetime.time), blank."""
    rows = [[label], [None], [None, "Time", f"T° {label}", *GEN5_WELLS]]
    for k, t in enumerate(clock_s):
        time = None if t is None else (dt.datetime(2000, 1, 1) + dt.timedelta(seconds=t)).time()
        cells = [_gen5_signal(wl, w, k) for w in range(len(GEN5_WELLS))]
        if overflow == k:
            cells[1:3] = ["OVRFLW", "?????"]
        rows.append([None, time, 30.0 + 0.1 * k, *cells])
    return rows + [[None]]


def _gen5_rows(interval: bool = True) -> list[list]:
    head = [
        [None],
        ["Software Version", "3.11.19"],
        ["Experiment File Path:", "C:\\run.xpt"],
        ["Plate Number", "Plate 1"],
        ["Reader Type:", "Synergy H1"],
        ["Procedure Details"],
        ["Start Kinetic", "Runtime 0:02:00 (HH:MM:SS), Interval 0:00:30, 5 Reads"] if interval else [None],
        [None, "Wavelengths:  340, 405"],
        ["End Kinetic"],
        [None],
    ]
    first_empty = [None, 35.0, 65.0, 95.0, 125.0]  # first read = 35 s - Interval 30 s = 5 s
    stated = [2.0, 32.0, 62.0, 92.0, 122.0]
    return (
        head
        + _gen5_block("Read 1:340", 340, first_empty)
        + _gen5_block("Read 1:405", 405, stated, overflow=3)
        + _gen5_block("Blank Read 1:340", 340, stated)  # derived from the reads: not readings
        + [["Results"], [None], [None, None, 1, 2], [None, "A", 1.5, 2.5]]
    )


def test_gen5_two_wavelength_blocks_with_overflow_and_time_cells(tmp_path):
    path = _write(tmp_path / "gen5.xlsx", {"Plate 1 - Sheet1": _gen5_rows()})
    assert biotek_gen5.sniff(path)
    result = biotek_gen5.read(path)
    frame = result.frame
    assert len(frame) == 2 * 3 * 5 - 2  # two raw blocks x 3 wells x 5 reads, one OVRFLW, one ?????
    for wl in (340, 405):
        block = frame[frame["wavelength_nm"] == wl]
        assert sorted(set(block["time_s"])) == [0.0, 30.0, 60.0, 90.0, 120.0]
        a1 = block[block["well"] == "A1"].sort_values("time_s")
        assert a1["signal"].tolist() == [_gen5_signal(wl, 0, k) for k in range(5)]
        np.testing.assert_allclose(a1["temperature_C"], [30.0 + 0.1 * k for k in range(5)], atol=1e-12)
    over, unknown = result.skipped
    assert (over.well, over.wavelength_nm, over.time_s, over.text) == ("A2", 405, 90.0, "OVRFLW")
    assert (unknown.well, unknown.wavelength_nm, unknown.time_s, unknown.text) == ("B1", 405, 90.0, "?????")
    assert "overflow" in over.reason and "out of range" in unknown.reason
    derived = [b["label"] for b in result.metadata["derived_blocks"]]
    assert derived == ["Blank Read 1:340", "(no name)"]  # the blanked block and the Results grid
    assert [b["wavelength_nm"] for b in result.metadata["blocks"]] == [340, 405]


def test_gen5_first_time_empty_without_interval_is_an_error(tmp_path):
    path = _write(tmp_path / "gen5.xlsx", {"Plate 1 - Sheet1": _gen5_rows(interval=False)})
    with pytest.raises(DataFormatError) as info:
        biotek_gen5.read(path)
    (problem,) = info.value.problems
    assert problem.line == 14 and problem.column == "Plate 1 - Sheet1!B14"
    assert "no Interval" in problem.message


def test_gen5_bad_header_and_cells_are_named_by_sheet_cell_and_well(tmp_path):
    rows = _gen5_rows()
    rows[12] = [None, "Time", "T° Read 1:340", "A1", "Z1", "B1"]  # unknown well label
    rows[14][3] = "0,1x"  # not a number, well A1
    rows[21] = [None, "Time", "T° Read 1:405", "A1", "A2"]  # truncated: B1's values have no label
    path = _write(tmp_path / "gen5.xlsx", {"Plate 1 - Sheet1": rows})
    with pytest.raises(DataFormatError) as info:
        biotek_gen5.read(path)
    found = {(p.line, p.column): p.message for p in info.value.problems}
    assert "'Z1' is not a well label" in found[(13, "Plate 1 - Sheet1!E13")]
    assert "well A1" in found[(15, "Plate 1 - Sheet1!D15")] and "0,1x" in found[(15, "Plate 1 - Sheet1!D15")]
    assert "truncated" in found[(23, "Plate 1 - Sheet1!F23")]
    assert "Plate 1 - Sheet1!E13" in str(info.value)


# --- Spark --------------------------------------------------------------------------------------

SPARK_HEAD = [
    ["Application: SparkControl", None, None, None, "V3.1"],
    ["Device: Spark", None, None, None, "Serial number: 1"],
    [None],
    ["Mode", "Kinetic"],
    ["Interval time", None, None, None, "00:00:20", "hh:mm:ss"],
    [None],
]


def _spark_method(label: str, wl: int) -> list[list]:
    return [
        ["Mode", "Absorbance"],
        ["Name", label],
        ["Measurement wavelength", None, None, None, wl, "nm"],
        [None],
    ]


def _spark_signal(label: int, well: int, cycle: int) -> float:
    return round(0.1 * label + 0.01 * well + 0.001 * cycle, 4)


def _spark_times(label: int) -> list[float]:
    return [5.25 * (label - 1) + 20.0 * c + 0.011 * c for c in range(4)]  # label 2 starts 5.25 s later


def _spark_block(label: int, over=None) -> list[list]:
    """Cycles as rows; wells A1, A2 measured, A3 an empty (unmeasured) column."""
    rows = [[f"Label {label}"], ["Cycle Nr.", "Time [s]", "Temp. [°C]", "A1", "A2", "A3"]]
    for c, t in enumerate(_spark_times(label)):
        a2 = "OVER" if over == c else _spark_signal(label, 1, c)
        rows.append([str(c + 1), t, 24.0 + 0.1 * c, _spark_signal(label, 0, c), a2, None])
    return rows + [[None]]


def _spark_transposed(label: int) -> list[list]:
    """The same block with wells as rows."""
    times = _spark_times(label)
    return [
        [f"Label {label}"],
        ["Cycle Nr.", *range(1, 5)],
        ["Time [s]", *times],
        ["Temp. [°C]", *[24.0 + 0.1 * c for c in range(4)]],
        ["A1", *[_spark_signal(label, 0, c) for c in range(4)]],
        ["A2", *[_spark_signal(label, 1, c) for c in range(4)]],
        ["A3", *[None] * 4],
        [None],
    ]


def test_spark_two_labels_are_two_wavelengths(tmp_path):
    rows = SPARK_HEAD + _spark_method("Label 1", 340) + _spark_method("Label 2", 405)
    rows += _spark_block(1) + _spark_block(2, over=1)
    path = _write(tmp_path / "spark.xlsx", {"Result sheet": rows})
    assert tecan_spark.sniff(path)
    result = tecan_spark.read(path)
    frame = result.frame
    assert len(frame) == 2 * 2 * 4 - 1  # 2 labels x 2 measured wells x 4 cycles, one OVER
    for label, wl in ((1, 340), (2, 405)):
        a1 = frame[(frame["wavelength_nm"] == wl) & (frame["well"] == "A1")].sort_values("time_s")
        want_t = [t - _spark_times(label)[0] for t in _spark_times(label)]
        np.testing.assert_allclose(a1["time_s"], want_t, rtol=0, atol=1e-6)
        assert a1["signal"].tolist() == [_spark_signal(label, 0, c) for c in range(4)]
    (cell,) = result.skipped
    assert (cell.well, cell.wavelength_nm, cell.text) == ("A2", 405, "OVER") and "overflow" in cell.reason
    assert result.metadata["unmeasured_wells"] == {(1, 340): ["A3"], (1, 405): ["A3"]}
    assert result.metadata["unmeasured_cells"] == 8
    assert set(frame["plate"]) == {1}


def test_spark_wells_as_rows_reads_the_same_table(tmp_path):
    method = SPARK_HEAD + _spark_method("Label 1", 340)
    wide = tecan_spark.read(_write(tmp_path / "a.xlsx", {"Result sheet": method + _spark_block(1)}))
    tall = tecan_spark.read(_write(tmp_path / "b.xlsx", {"Result sheet": method + _spark_transposed(1)}))
    pd.testing.assert_frame_equal(_sorted(wide.frame), _sorted(tall.frame))
    assert tall.metadata["labels"][0]["layout"] == "wells as rows"
    assert tall.metadata["unmeasured_wells"] == {(1, 340): ["A3"]}


def test_spark_same_wavelength_twice_goes_to_the_next_plate(tmp_path):
    rows = SPARK_HEAD + _spark_method("Label 1", 340) + _spark_method("Label 2", 340)
    rows += _spark_block(1) + _spark_block(2)
    frame = tecan_spark.read(_write(tmp_path / "spark.xlsx", {"Result sheet": rows})).frame
    assert frame.groupby("plate").size().to_dict() == {1: 8, 2: 8}


def test_spark_truncated_header_and_unknown_well_are_named(tmp_path):
    block = _spark_block(1)
    block[1] = ["Cycle Nr.", "Time [s]", "Temp. [°C]", "A1", "Q2"]  # Q is no plate row
    rows = SPARK_HEAD + _spark_method("Label 1", 340) + block + [["Label 2"], ["Cycle Nr."]]
    with pytest.raises(DataFormatError) as info:
        tecan_spark.read(_write(tmp_path / "spark.xlsx", {"Result sheet": rows}))
    found = {(p.line, p.column): p.message for p in info.value.problems}
    assert "'Q2' is not a well label" in found[(12, "Result sheet!E12")]
    assert "truncated" in found[(13, "Result sheet!E13")]  # the Q2 column's values have no well
    assert "truncated" in found[(19, "Result sheet!B19")]  # 'Cycle Nr.' with nothing after it


# --- Magellan -----------------------------------------------------------------------------------

MAGELLAN_SECONDS = [0, 61, 120, 183]
MAGELLAN_TEMPS = [25.0, 25.2, 25.1, 24.9]
MAGELLAN_WELLS = [["C7", "B3", "H12"], ["A1", "P24"]]  # no grid order; P24 makes it a 384-well plate


def _magellan_value(well: str, read: int) -> float:
    return round(ord(well[0]) / 100 + int(well[1:]) / 1000 + read / 10000, 5)


def _magellan_rows(wells=MAGELLAN_WELLS, stated: str | None = None) -> list[list]:
    rows = [
        [f"Monday, March 2, 2026: 10:{m:02d}:00 / {s} sec / {t}°C"]
        for m, (s, t) in enumerate(zip(MAGELLAN_SECONDS, MAGELLAN_TEMPS))
    ]
    rows += [[stated], [None]]
    for line in wells:
        row = []
        for well in line:
            row += [well, *[_magellan_value(well, k) for k in range(len(MAGELLAN_SECONDS))]]
        rows.append(row)
    return rows + [[None], [None, "Concentration [mM]"], [None, None, 1, 2], [None, "A", 0.5, 1.0]]


def test_magellan_four_reads_blocks_in_any_order(tmp_path):
    path = _write(tmp_path / "magellan.xlsx", {"Magellan Sheet 1": _magellan_rows()})
    assert tecan_magellan.sniff(path)
    frame = tecan_magellan.read(path).frame
    assert len(frame) == 5 * 4
    assert frame["wavelength_nm"].isna().all()  # the file does not say
    for well in ("C7", "P24"):
        trace = frame[frame["well"] == well].sort_values("time_s")
        assert trace["time_s"].tolist() == [float(s) for s in MAGELLAN_SECONDS]
        assert trace["temperature_C"].tolist() == MAGELLAN_TEMPS
        assert trace["signal"].tolist() == [_magellan_value(well, k) for k in range(4)]


def test_magellan_wavelength_only_when_the_file_states_it(tmp_path):
    path = _write(tmp_path / "m.xlsx", {"Sheet": _magellan_rows(stated="Measurement wavelength: 340 nm")})
    assert set(tecan_magellan.read(path).frame["wavelength_nm"]) == {340}


def test_magellan_unknown_label_and_short_block_are_named(tmp_path):
    rows = _magellan_rows(wells=[["C7", "Q3"], ["A1"]])
    rows[7] = ["A1", 0.1, 0.2, "B5"]  # A1 has 2 values where 4 reads are listed
    with pytest.raises(DataFormatError) as info:
        tecan_magellan.read(_write(tmp_path / "m.xlsx", {"Magellan Sheet 1": rows}))
    found = {(p.line, p.column): p.message for p in info.value.problems}
    assert "'Q3' is not a well label" in found[(7, "Magellan Sheet 1!F7")]
    assert "well A1: the block has 2 values, expected 4" in found[(8, "Magellan Sheet 1!D8")]


# --- Multiskan Sky ------------------------------------------------------------------------------

SKY_WELLS = ["A1", "B1", "C1"]


def _sky_time(wl: int, well: int, read: int) -> float:
    return round(10.0 * read + 0.42 * well + (1.5 if wl == 405 else 0.0), 2)


def _sky_raw(wl: int, reads: int = 3, bad_well: str | None = None) -> list[list]:
    rows = [["Raw data"], [None], ["Well", "Wavelength(s) [nm]", "Raw absorbance", "Measurement time(s)"]]
    for w, well in enumerate(SKY_WELLS):
        label = bad_well if (bad_well and w == 1) else f"{well[0]} {well[1:]}"
        rows += [
            [label, wl, round(wl / 1000 + w / 10 + k / 1000, 4), _sky_time(wl, w, k)] for k in range(reads)
        ]
    return rows


SKY_GENERAL = [
    ["Session information"],
    [None, None, "Name", "Multiskan Sky"],
    [None, None, "Set temperature", "30 °C"],
]


def test_sky_two_raw_sheets_are_two_wavelengths(tmp_path):
    sheets = {
        "Absorbance results": [["Reading", "A1"], [0, 9.9]],  # not read: raw sheets exist
        "Raw data 340 nm": _sky_raw(340),
        "Raw data 405 nm": _sky_raw(405),
        "General information": SKY_GENERAL,
    }
    path = _write(tmp_path / "sky.xlsx", sheets)
    assert multiskan_sky.sniff(path)
    result = multiskan_sky.read(path)
    frame = result.frame
    assert len(frame) == 2 * 3 * 3 and set(frame["temperature_C"]) == {30.0}
    for wl in (340, 405):
        c1 = frame[(frame["wavelength_nm"] == wl) & (frame["well"] == "C1")].sort_values("time_s")
        origin = _sky_time(wl, 0, 0)  # each wavelength from its own first read (A1, read 0)
        np.testing.assert_allclose(c1["time_s"], [_sky_time(wl, 2, k) - origin for k in range(3)], atol=1e-6)
    assert result.metadata["time_origin_s"] == {(1, 340): 0.0, (1, 405): 1.5}
    only = multiskan_sky.read(path, sheet="Raw data 405 nm").frame
    assert set(only["wavelength_nm"]) == {405} and len(only) == 9


def test_sky_unknown_well_is_named(tmp_path):
    sheets = {"Raw data 340 nm": _sky_raw(340, bad_well="X 9"), "General information": SKY_GENERAL}
    with pytest.raises(DataFormatError) as info:
        multiskan_sky.read(_write(tmp_path / "sky.xlsx", sheets))
    assert [(p.line, p.column) for p in info.value.problems] == [
        (7, "Raw data 340 nm!A7"),
        (8, "Raw data 340 nm!A8"),
        (9, "Raw data 340 nm!A9"),
    ]
    assert "'X 9' is not a well label" in info.value.problems[0].message


def test_sky_header_without_signal_column_is_named(tmp_path):
    raw = _sky_raw(340)
    raw[2] = ["Well", "Wavelength(s) [nm]"]  # truncated: no 'Raw absorbance'
    with pytest.raises(DataFormatError) as info:
        multiskan_sky.read(
            _write(tmp_path / "sky.xlsx", {"Raw data 340 nm": raw, "General information": SKY_GENERAL})
        )
    assert [(p.line, p.column) for p in info.value.problems][0] == (3, "Raw data 340 nm")
    assert "truncated" in info.value.problems[0].message


@pytest.mark.parametrize("parser", [p for p in PARSERS if p is not biotek_gen5], ids=lambda p: p.NAME)
def test_read_of_a_file_that_is_not_xlsx_is_a_format_error(parser, tmp_path):  # Gen5 reads text too
    text = tmp_path / "export.xlsx"
    text.write_text("Time\tA1\n0\t0.1\n")
    with pytest.raises(DataFormatError, match="not an xlsx workbook"):
        parser.read(text)


def test_spark_block_not_named_in_the_method_takes_its_only_wavelength(tmp_path):
    block = _spark_block(1)
    block[0] = ["Absorbance 1"]
    rows = SPARK_HEAD + _spark_method("Label 1", 340) + block
    frame = tecan_spark.read(_write(tmp_path / "spark.xlsx", {"Result sheet": rows})).frame
    assert set(frame["wavelength_nm"]) == {340}


def test_a_wrong_sheet_dimension_in_the_file_cuts_nothing_off(tmp_path):
    # some exporters write <dimension ref="A1"/>; openpyxl's read-only mode would trust it
    good = _write(tmp_path / "good.xlsx", {"Plate 1 - Sheet1": _gen5_rows()})
    bad = tmp_path / "bad.xlsx"
    replaced = 0
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data, n = re.subn(
                rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:B2"/>', src.read(item.filename)
            )
            replaced += n
            dst.writestr(item, data)
    assert replaced == 1  # the one sheet's dimension now says A1:B2
    pd.testing.assert_frame_equal(biotek_gen5.read(bad).frame, biotek_gen5.read(good).frame)


def test_a_read_cut_off_by_an_empty_row_is_reported_not_dropped(tmp_path):
    rows = _gen5_rows()
    rows.insert(16, [None])  # between the 340 block's reads 3 and 4
    with pytest.raises(DataFormatError) as info:
        biotek_gen5.read(_write(tmp_path / "gen5.xlsx", {"Plate 1 - Sheet1": rows}))
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (
        18,
        "Plate 1 - Sheet1!B18",
    ) and "empty row 17" in problem.message
    spark = SPARK_HEAD + _spark_method("Label 1", 340) + _spark_block(1)
    spark.insert(len(spark) - 3, [None])
    with pytest.raises(DataFormatError, match="a cycle below the empty row 15"):
        tecan_spark.read(_write(tmp_path / "spark.xlsx", {"Result sheet": spark}))


def test_sky_set_temperature_is_not_the_read_temperature_when_the_incubator_is_off(tmp_path):
    general = SKY_GENERAL + [[None, None, "Is incubator on?", "No"]]
    frame = multiskan_sky.read(
        _write(tmp_path / "sky.xlsx", {"Raw data 340 nm": _sky_raw(340), "General information": general})
    ).frame
    assert frame["temperature_C"].isna().all() and len(frame) == 9


def test_magellan_reads_are_found_on_any_sheet(tmp_path):
    path = _write(tmp_path / "m.xlsx", {"Well assignment": [["Substrate [mM]"]], "Data": _magellan_rows()})
    assert tecan_magellan.sniff(path)
    result = tecan_magellan.read(path)
    assert result.metadata["sheet"] == "Data" and len(result.frame) == 20


def test_gen5_numbers_stored_half_as_text_are_reported(tmp_path):
    # the locale fault seen in a Gen5 export: readings < 1 as text, readings >= 1 as x1000 integers
    rows = _gen5_rows()
    rows[13][3:6] = ["0.999", 1044, "0.54"]
    with pytest.raises(DataFormatError) as info:
        biotek_gen5.read(_write(tmp_path / "gen5.xlsx", {"Plate 1 - Sheet1": rows}))
    (problem,) = info.value.problems
    assert problem.column == "Plate 1 - Sheet1!D14" and "2 readings" in problem.message
    rows[13][3:6] = ["0.999", "1.044", "0.54"]
    for row in rows[14:18]:
        row[3:6] = [str(v) for v in row[3:6]]  # the whole block as text is consistent: read
    frame = biotek_gen5.read(_write(tmp_path / "ok.xlsx", {"Plate 1 - Sheet1": rows[:19]})).frame
    assert frame.loc[(frame["well"] == "A2") & (frame["time_s"] == 0), "signal"].tolist() == [1.044]
    assert len(frame) == 15


# --- the real exports rearranged: other layouts of the same data read to the same expected table ---


def test_spark_export_transposed_to_wells_as_rows_reads_the_same(tmp_path):
    rows = _values("tecan_spark")
    h = next(i for i, row in enumerate(rows) if row[0] == "Cycle Nr.")
    end = next(i for i in range(h, len(rows)) if rows[i][0] is None)
    block = [row[: len(rows[h])] for row in rows[h:end]]
    transposed = [list(col) for col in zip(*block)]  # Cycle Nr., Time [s], Temp. [°C], A1 ... as rows
    path = _write(tmp_path / "spark.xlsx", {"Result sheet": rows[:h] + transposed + [[None]] + rows[end:]})
    _assert_reads_to(tecan_spark, path, "tecan_spark")


def test_gen5_export_with_times_as_text_reads_the_same(tmp_path):
    # the times typed as h:mm:ss text (hours past 24, no day offset), first cell still empty
    rows = _values("biotek_epoch2")
    h = next(i for i, row in enumerate(rows) if row[1] == "Time")
    reads = sorted(set(_expected("biotek_epoch2")["time_s"]))
    for k, t in enumerate(reads[1:], 1):
        rows[h + 1 + k][1] = f"{int(t // 3600)}:{int(t % 3600 // 60):02d}:{int(t % 60):02d}"
    path = _write(tmp_path / "gen5.xlsx", {"Plate 1 - Sheet1": rows})
    _assert_reads_to(biotek_gen5, path, "biotek_epoch2")


def test_magellan_export_with_one_block_per_row_in_reverse_reads_the_same(tmp_path):
    rows = _values("tecan_magellan")
    n = sum(1 for row in rows if isinstance(row[0], str) and " sec " in row[0])
    blocks = [row[c : c + n + 1] for row in rows[n:19] for c in range(len(row)) if isinstance(row[c], str)]
    path = _write(tmp_path / "m.xlsx", {"Sheet 1": rows[:n] + [[None]] + blocks[::-1]})
    _assert_reads_to(tecan_magellan, path, "tecan_magellan")


def test_sky_two_raw_sheets_of_one_wavelength_are_two_plates(tmp_path):
    sheets = {"Raw data 340 nm": _sky_raw(340), "Raw data 340 nm (2)": _sky_raw(340, reads=2)}
    frame = multiskan_sky.read(_write(tmp_path / "sky.xlsx", sheets)).frame
    assert frame.groupby("plate").size().to_dict() == {1: 9, 2: 6}
    assert frame["temperature_C"].isna().all()  # no General information sheet: no temperature stated


def test_spark_endpoint_grid_is_read_at_time_zero(tmp_path):
    grid = [
        ["Label 1"],
        ["Temperature", None, None, None, "25.3 °C"],
        ["<>", 1, 2, 3],
        ["A", 0.11, 0.12, "OVER"],
        ["B", 0.21, 0.22, None],  # B3 not measured
        [None],
        ["End Time", None, None, None, "2026-03-02 10:00:00"],
    ]
    path = _write(
        tmp_path / "spark.xlsx", {"Result sheet": SPARK_HEAD + _spark_method("Label 1", 600) + grid}
    )
    result = tecan_spark.read(path)
    frame = result.frame.sort_values("well")
    assert frame["well"].tolist() == ["A1", "A2", "B1", "B2"]
    assert frame["signal"].tolist() == [0.11, 0.12, 0.21, 0.22]
    assert set(frame["time_s"]) == {0.0} and set(frame["temperature_C"]) == {25.3}
    assert set(frame["wavelength_nm"]) == {600}
    assert [(c.well, c.text) for c in result.skipped] == [("A3", "OVER")]
    assert result.metadata["unmeasured_wells"] == {(1, 600): ["B3"]}


@pytest.mark.parametrize("stated, want", [("25 °C", 25.0), ("37,5°C", 37.5), ("30", 30.0), ("off", None)])
def test_sky_set_temperature_forms(tmp_path, stated, want):
    general = [[None, None, "Set temperature", stated]]
    path = _write(tmp_path / "sky.xlsx", {"Raw data 340 nm": _sky_raw(340), "General information": general})
    temps = multiskan_sky.read(path).frame["temperature_C"]
    np.testing.assert_array_equal(temps.to_numpy(), np.full(9, np.nan if want is None else want))


def test_magellan_read_lines_with_decimal_commas_and_no_temperature(tmp_path):
    rows = _magellan_rows()
    rows[:4] = [
        ["Montag, 2. März 2026: 10:00:00 / 0 sec / 25,0°C"],
        ["Montag, 2. März 2026: 10:01:01 / 61 sec"],
        ["Montag, 2. März 2026: 10:02:00 / 120,5 sec / 25,1°C"],
        ["Montag, 2. März 2026: 10:03:03 / 183 sec"],
    ]
    trace = tecan_magellan.read(_write(tmp_path / "m.xlsx", {"S": rows})).frame.query("well == 'B3'")
    assert trace["time_s"].tolist() == [0.0, 61.0, 120.5, 183.0]
    np.testing.assert_array_equal(trace["temperature_C"].to_numpy(), [25.0, np.nan, 25.1, np.nan])


def test_excel_time_cells_of_every_kind_differ_by_their_true_interval(tmp_path):
    # serials read back by openpyxl as time (< 1 day), datetime (>= 1 day) or timedelta ([h]:mm:ss)
    from mgkinetics.data.plates.xlsx import excel_seconds

    wb = openpyxl.Workbook()
    serials = [0.5, 0.999, 1.001, 2.0104166666666665, 3.0, 59.5, 61.25]
    for k, serial in enumerate(serials, 1):
        wb.active.cell(k, 1, serial).number_format = "h:mm:ss"
        wb.active.cell(k, 2, serial).number_format = "[h]:mm:ss"
    wb.save(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=True)
    cells = list(wb.active.iter_rows(values_only=True))
    assert {type(c[0]).__name__ for c in cells} == {"time", "datetime"} and type(
        cells[0][1]
    ).__name__ == "timedelta"
    for column in (0, 1):
        seconds = [excel_seconds(row[column], wb.epoch) for row in cells]
        np.testing.assert_allclose(
            np.diff(seconds), np.diff(serials) * 86400, rtol=0, atol=1e-3
        )  # openpyxl: ms


def test_importing_the_parsers_does_not_import_openpyxl():
    modules = ", ".join(f"mgkinetics.data.plates.{p.NAME}" for p in PARSERS)
    code = f"import sys, {modules}; print('openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_spark_endpoint_grid_below_its_method_rows(tmp_path):
    # laid out as SparkControl V2.1 writes a luminescence endpoint: no label row above the grid, the
    # label named in the method's 'Name' row, column numbers and empty cells stored as text
    method = [
        ["Mode", "Luminescence"],
        ["Name", "Label 1"],
        ["Integration time", None, None, None, 1000, "ms"],
    ]
    grid = [
        ["Start Time", None, None, None, "2025-05-12 13:19:41"],
        ["Temperature", None, None, None, 25.5, "°C"],
    ]
    grid += [[None], ["<>", *[str(c) for c in range(1, 25)]]]
    grid += [[row, *[""] * 24] for row in "ABCDEFGHIJKLMNOP"]
    grid[6][11:14] = [47088, 6600, "OVER"]  # C11, C12, C13
    path = _write(tmp_path / "spark.xlsx", {"Result sheet": SPARK_HEAD + method + [[None]] + grid})
    result = tecan_spark.read(path)
    assert result.frame[["well", "signal"]].values.tolist() == [["C11", 47088.0], ["C12", 6600.0]]
    assert set(result.frame["temperature_C"]) == {25.5} and result.frame["wavelength_nm"].isna().all()
    assert result.metadata["labels"][0]["label"] == "Label 1"
    assert [(c.well, c.text) for c in result.skipped] == [("C13", "OVER")]
    assert len(result.metadata["unmeasured_wells"][(1, None)]) == 384 - 3


def test_gen5_planned_reads_not_made_are_counted_not_read(tmp_path):
    # Gen5 writes the reads a stopped run did not make as rows with time 0:00:00 and no values
    rows = _gen5_rows()
    rows[18:18] = [[None, dt.time(0, 0)], [None, dt.time(0, 0)], [None, dt.time(0, 0)]]
    result = biotek_gen5.read(_write(tmp_path / "gen5.xlsx", {"Plate 1 - Sheet1": rows}))
    assert len(result.frame) == 28 and len(result.skipped) == 2  # as without those rows
    blocks = result.metadata["blocks"]
    assert [(b["reads"], b["reads_not_done"]) for b in blocks] == [(5, 3), (5, 0)]
    assert [b["first_read_stated_s"] for b in blocks] == [None, 2.0]  # the 340 block's first time is empty


def _gen5_grid(name: str, base: float) -> list[list]:
    """A plate-view grid as Gen5 writes it: label, column numbers, a row per letter, the data-set name."""
    rows = [[name], [None], [None, None, 1, 2, 3]]
    for i, letter in enumerate("AB"):
        rows.append([None, letter, *[round(base + 0.1 * i + 0.01 * c, 3) for c in range(3)], name])
    return rows + [[None]]


def test_gen5_endpoint_grids_are_read_at_time_zero(tmp_path):
    head = _gen5_rows()[:6] + [["    Read", "Absorbance Endpoint"], [None, "Wavelengths:  340, 405"], [None]]
    layout = [
        ["Layout"],
        [None],
        [None, None, 1, 2, 3],
        [None, "A", "SPL1", "SPL2", "SPL3", "Well ID"],
        [None],
    ]
    g340, g405 = _gen5_grid("340", 0.3), _gen5_grid("Read 2:405", 0.4)
    g340[4][3] = "OVRFLW"  # B2
    results = [["Results"], [None], [None, None, 1, 2, 3], [None, "A", 1, 2, 3, "Max V [340]"]]
    results += [[None, None, 0.9, 0.9, 0.9, "R-Squared [340]"], [None, "B", 1, 2, 3, "Max V [340]"], [None]]
    rows = head + layout + g340 + g405 + _gen5_grid("Blank 340", 0.0) + results
    result = biotek_gen5.read(_write(tmp_path / "gen5.xlsx", {"Plate 1 - Sheet1": rows}))
    frame = result.frame
    assert len(frame) == 2 * 6 - 1 and set(frame["time_s"]) == {0.0} and frame["temperature_C"].isna().all()
    b = frame[frame["wavelength_nm"] == 405].set_index("well")["signal"]
    assert b.to_dict() == {"A1": 0.4, "A2": 0.41, "A3": 0.42, "B1": 0.5, "B2": 0.51, "B3": 0.52}
    assert [(c.well, c.wavelength_nm, c.text) for c in result.skipped] == [("B2", 340, "OVRFLW")]
    assert [(b["label"], b["wavelength_nm"]) for b in result.metadata["blocks"]] == [
        ("340", 340),
        ("Read 2:405", 405),
    ]
    derived = {b["label"] for b in result.metadata["derived_blocks"]}
    assert derived == {"Well ID", "Blank 340", "Max V [340]", "R-Squared [340]"}
