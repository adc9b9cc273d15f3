"""The xlsx plate-reader parsers: Gen5, Multiskan Sky, Magellan, Spark.

Real exports (tests/data/plates/, see README-xlsx.md) must read to exactly their expected tables,
which were parsed independently from the raw files (shared reference data). Synthesized workbooks,
written here with openpyxl, check the variants those four files do not show; their expected values
are computed from how each workbook is built.
"""

from __future__ import annotations

import datetime as dt
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


# --- real exports -------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(REFERENCE))
def test_reference_export_reads_to_its_expected_table(stem):
    parser, n_rows = REFERENCE[stem]
    got = _sorted(parser.read(DATA / f"{stem}.xlsx").frame)
    want = _sorted(pd.read_csv(DATA / f"{stem}.expected.csv", dtype={"wavelength_nm": "Int64"}))
    assert len(got) == len(want) == n_rows
    for col in ("plate", "wavelength_nm", "well"):
        assert got[col].tolist() == want[col].tolist(), col
    np.testing.assert_allclose(got["time_s"], want["time_s"], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(got["signal"].to_numpy(), want["signal"].to_numpy())
    np.testing.assert_array_equal(got["temperature_C"].to_numpy(), want["temperature_C"].to_numpy())


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
            cells[1] = "OVRFLW"
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
    assert len(frame) == 2 * 3 * 5 - 1  # two raw blocks x 3 wells x 5 reads, one overflow
    for wl in (340, 405):
        block = frame[frame["wavelength_nm"] == wl]
        assert sorted(set(block["time_s"])) == [0.0, 30.0, 60.0, 90.0, 120.0]
        a1 = block[block["well"] == "A1"].sort_values("time_s")
        assert a1["signal"].tolist() == [_gen5_signal(wl, 0, k) for k in range(5)]
        np.testing.assert_allclose(a1["temperature_C"], [30.0 + 0.1 * k for k in range(5)], atol=1e-12)
    (cell,) = result.skipped
    assert (cell.well, cell.wavelength_nm, cell.time_s, cell.text) == ("A2", 405, 90.0, "OVRFLW")
    assert "overflow" in cell.reason
    assert [b["label"] for b in result.metadata["derived_blocks"]] == ["Blank Read 1:340"]
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
