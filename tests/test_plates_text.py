"""Text plate-reader exports -> traces: SoftMax Pro, Multiskan Spectrum, generic wide tables.

Reference files (tests/data/plates, see its README) must read to EXACTLY their expected tables,
which were parsed independently of this code. The synthetic files below are written by the tests
themselves; their expected values are the numbers the test put into them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mgkinetics.data.plates as plates
from mgkinetics.data.plates import (
    TRACE_COLUMNS,
    generic,
    list_instruments,
    multiskan_spectrum,
    read_traces,
    spectramax,
)
from mgkinetics.errors import DataFormatError

DATA = Path(__file__).parent / "data" / "plates"
KEYS = ["plate", "well", "wavelength_nm", "time_s"]


def expected_table(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.expected.csv", dtype={"wavelength_nm": "Int64"})


def assert_same_table(got: pd.DataFrame, exp: pd.DataFrame) -> None:
    """Same rows and keys; signals and temperatures equal exactly as floats, times to 1e-9 s."""
    assert list(got.columns[: len(TRACE_COLUMNS)]) == list(TRACE_COLUMNS)
    assert len(got) == len(exp)
    g = got.sort_values(KEYS).reset_index(drop=True)
    e = exp.sort_values(KEYS).reset_index(drop=True)
    assert g["plate"].tolist() == e["plate"].tolist()
    assert g["well"].tolist() == e["well"].tolist()
    assert (
        g["wavelength_nm"].astype("float").fillna(-1).tolist()
        == e["wavelength_nm"].astype("float").fillna(-1).tolist()
    )
    np.testing.assert_allclose(g["time_s"], e["time_s"], rtol=0, atol=1e-9)
    assert np.array_equal(
        g["temperature_C"].to_numpy(float), e["temperature_C"].to_numpy(float), equal_nan=True
    )
    assert np.array_equal(g["signal"].to_numpy(float), e["signal"].to_numpy(float))


def problems_text(exc: pytest.ExceptionInfo) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


# --- reference exports -------------------------------------------------------------------------


def test_spectramax190_reads_to_its_expected_table():
    result = read_traces(DATA / "spectramax190_kinetic.txt")
    assert result.instrument == "spectramax"
    assert_same_table(result.frame, expected_table("spectramax190_kinetic"))
    assert len(result.frame) == 864 and result.skipped == ()
    # dtypes of the contract
    dtypes = result.frame.dtypes
    assert (str(dtypes["plate"]), str(dtypes["wavelength_nm"]), str(dtypes["signal"])) == (
        "int64",
        "Int64",
        "float64",
    )
    # the reduced-value section is not read, and says so
    assert any("reduced values" in note for note in result.metadata["ignored"])
    info = result.metadata["plates"][0]
    assert (info["reads_declared"], info["reads_found"], info["interval_s"]) == (9, 9, 15.0)
    assert result.metadata["encoding"] == "utf-16"


def test_multiskan_spectrum_reads_to_its_expected_table():
    result = read_traces(DATA / "multiskan_spectrum_1500.txt")
    assert result.instrument == "multiskan_spectrum"
    assert_same_table(result.frame, expected_table("multiskan_spectrum_1500"))
    # 40 NaN cells in iteration 31 at 340 nm (rows A-D, columns 1-10), each reported
    assert len(result.skipped) == 40
    assert {(s.plate, s.wavelength_nm, s.text) for s in result.skipped} == {(31, 340, "NaN")}
    assert {s.well[0] for s in result.skipped} == set("ABCD")
    assert len(result.metadata["doubled_tabs"]) == 66  # the README counts 66 such rows
    assert result.frame["time_s"].isna().all() and result.frame["temperature_C"].isna().all()
    # G/H rows and columns 11-12 are never measured: listed once per wavelength, not as skipped cells
    unmeasured = result.metadata["unmeasured_wells"]["Plate:1, 340 nm"]
    assert len(unmeasured) == 96 - 60 and "G1" in unmeasured and "A11" in unmeasured


def test_reference_files_are_recognised_by_their_own_sniffer_only():
    sm, ms = DATA / "spectramax190_kinetic.txt", DATA / "multiskan_spectrum_1500.txt"
    assert spectramax.sniff(sm) and not spectramax.sniff(ms)
    assert multiskan_spectrum.sniff(ms) and not multiskan_spectrum.sniff(sm)
    assert not generic.sniff(ms)  # (the SoftMax TimeFormat table is wide too; generic is tried last)


@pytest.mark.parametrize("module", [spectramax, multiskan_spectrum, generic])
def test_sniffers_never_raise(module, tmp_path):
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    assert module.sniff(tmp_path / "missing.txt") is False
    assert module.sniff(tmp_path) is False
    assert module.sniff(tmp_path / "binary.csv") is False


# --- SoftMax Pro: synthetic variants ----------------------------------------------------------


def _plate_line(name: str, layout: str, read_type: str, reads: int, interval: int, wavelengths) -> str:
    fields = [
        "Plate:",
        name,
        "1.3",
        layout,
        read_type,
        "Absorbance",
        "Raw",
        "FALSE",
        str(reads),
        str(reads * interval),
        str(interval),
        "",
        "",
        "",
        str(len(wavelengths)),
        " ".join(map(str, wavelengths)) + " ",
        "1",
        "12",
        "96",
        "1",
        "8",
    ]
    return "\t".join(fields)


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _signal(plate: int, k: int, r: int, w: int) -> str:
    return f"{0.1 + 0.1 * plate + 0.01 * k + 0.001 * r + 0.0001 * w:.4f}"


def test_spectramax_timeformat_two_wavelengths_two_blocks_utf8_overflow(tmp_path):
    wells = ["A1", "A2", "B12", "H1"]
    wavelengths = [340, 405]
    lines = ["##BLOCKS= 2"]
    expected = {}
    for plate in (1, 2):
        lines += [
            _plate_line(f"Plate{plate}", "TimeFormat", "Kinetic", 3, 20, wavelengths),
            "Time\tTemperature(°C)\t" + "\t".join(wells) + "\t",
        ]
        for k, wl in enumerate(wavelengths):
            for r in range(3):
                cells = [_signal(plate, k, r, w) for w in range(len(wells))]
                if (plate, wl, r) == (2, 405, 1):
                    cells[1] = "OVRFLW"
                for w, text in enumerate(cells):
                    if text != "OVRFLW":
                        expected[(plate, wells[w], wl, 20.0 * r)] = (float(text), 25.0 + r / 10)
                lines.append(f"{_hms(20 * r)}\t{25.0 + r / 10:.1f}\t" + "\t".join(cells) + "\t")
            lines.append("")  # wavelengths are stacked, one group of lines each
        lines += ["\t\t" + "\t".join(wells), "\t\t" + "\t".join(["1.5"] * len(wells)), "~End"]
    lines.append("Original Filename: synthetic; Date Last Saved: 01/12/2026 10:00:00")
    path = tmp_path / "tf.txt"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")

    result = read_traces(path)
    assert result.instrument == "spectramax" and result.metadata["encoding"] == "utf-8"
    frame = result.frame
    assert len(frame) == len(expected) == 2 * 2 * 3 * 4 - 1
    got = {
        (p, w, int(wl), t): (s, c) for p, w, t, wl, c, s in frame[list(TRACE_COLUMNS)].itertuples(index=False)
    }
    assert got == expected
    (cell,) = result.skipped
    assert (cell.plate, cell.well, cell.wavelength_nm, cell.time_s, cell.text) == (
        2,
        "A2",
        405,
        20.0,
        "OVRFLW",
    )
    assert "overflow" in cell.reason
    assert sum("reduced values" in note for note in result.metadata["ignored"]) == 2
    assert result.metadata["trailer"].startswith("Original Filename")


def test_spectramax_timeformat_wavelengths_side_by_side(tmp_path):
    """Exports whose header repeats the well names hold all wavelengths on one line per read."""
    header = "Time\tTemperature(°C)\tA1\tA2\tA1\tA2"
    lines = [
        "##BLOCKS= 1",
        _plate_line("P", "TimeFormat", "Kinetic", 2, 30, [340, 600]),
        header,
        "00:00:00\t30.0\t0.1\t0.2\t0.3\t0.4",
        "00:00:30\t30.0\t0.11\t0.21\t0.31\t0.41",
        "~End",
    ]
    path = tmp_path / "sbs.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    frame = read_traces(path, instrument="spectramax").frame
    at = frame.set_index(["well", "wavelength_nm", "time_s"])["signal"]
    assert at[("A2", 340, 30.0)] == 0.21 and at[("A1", 600, 0.0)] == 0.3 and at[("A2", 600, 30.0)] == 0.41
    assert len(frame) == 8


def test_spectramax_plateformat_kinetic_cp1252_decimal_commas(tmp_path):
    """PlateFormat: a grid per read, time in its first row, wavelengths side by side; German locale."""
    lines = [
        "##BLOCKS= 1",
        _plate_line("Platte1", "PlateFormat", "Kinetic", 2, 60, [340, 450]),
        "Time(hh:mm:ss)\tTemperature(°C)\t"
        + "\t".join(map(str, range(1, 13)))
        + "\t\t"
        + "\t".join(map(str, range(1, 13))),
    ]
    expected = {}
    for r, t in enumerate((0, 60)):
        for row in range(8):
            cells = []
            for k, wl in enumerate((340, 450)):
                values = [f"{row + col / 100 + r / 1000 + k:.3f}" for col in range(1, 13)]
                for col, text in zip(range(1, 13), values):
                    expected[(f"{'ABCDEFGH'[row]}{col}", wl, float(t))] = float(text)
                cells.append("\t".join(v.replace(".", ",") for v in values))
            lead = f"{_hms(t)}\t37,0" if row == 0 else "\t"
            lines.append(lead + "\t" + "\t\t".join(cells))
        lines.append("")
    lines.append("~End")
    path = tmp_path / "pf.txt"
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    result = read_traces(path)
    assert result.metadata["encoding"] == "cp1252"
    frame = result.frame
    assert len(frame) == len(expected) == 2 * 2 * 96
    got = {
        (w, int(wl), t): s
        for w, wl, t, s in frame[["well", "wavelength_nm", "time_s", "signal"]].itertuples(index=False)
    }
    assert got == expected
    assert (frame["temperature_C"] == 37.0).all()


def test_spectramax_endpoint_reads_are_at_time_zero(tmp_path):
    lines = [
        "##BLOCKS= 1",
        _plate_line("E", "TimeFormat", "Endpoint", 1, 0, [562]),
        "\tTemperature(°C)\tA1\tA2",
        "\t22.5\t0.5\t",
        "~End",
    ]
    path = tmp_path / "ep.txt"
    path.write_text("\n".join(lines), encoding="utf-16")
    result = read_traces(path)
    assert result.frame[["well", "time_s", "signal"]].values.tolist() == [["A1", 0.0, 0.5]]
    assert result.metadata["unmeasured_wells"] == {"plate 1, 562 nm": ["A2"]}


def test_spectramax_bad_time_and_truncated_file_name_the_line(tmp_path):
    lines = [
        "##BLOCKS= 1",
        _plate_line("P", "TimeFormat", "Kinetic", 2, 15, [500]),
        "Time\tTemperature(°C)\tA1",
        "00:00:00\t25\t0.1",
        "00:0x:15\t25\t0.2",
        "~End",
    ]
    path = tmp_path / "bad.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataFormatError) as exc:
        read_traces(path)
    assert "line 5, column 'Time': '00:0x:15' is not a time" in problems_text(exc)
    path.write_text("\n".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(DataFormatError, match="line 2: block has no ~End line"):
        read_traces(path)


# --- Multiskan Spectrum: synthetic -------------------------------------------------------------


def _grid_row(values: list[str]) -> str:
    return "\t" + "\t".join(values + [""] * (12 - len(values)))


def test_multiskan_one_wavelength_doubled_tab_and_nan(tmp_path):
    rows = {
        1: [["0.1", "0.2", "0.3"], ["0.4", "0.5", "0.6"]],
        2: [["0.11", "NaN", "0.31"], ["0.41", "0.51", "0.61"]],
    }
    lines = ["Results of Photometric1", "", "\tPlate:1 - Wavelength:405", ""]
    for iteration, grid in rows.items():
        lines += [f"\tIteration: {iteration}"]
        for r in range(8):
            line = _grid_row(grid[r]) if r < len(grid) else _grid_row([])
            if (iteration, r) == (2, 1):
                line = line.replace("0.41\t", "0.41\t\t", 1)  # the exporter's doubled tab
            lines.append(line)
        lines.append("")
    path = tmp_path / "ms.txt"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    result = read_traces(path)
    assert result.instrument == "multiskan_spectrum"
    got = {(p, w): s for p, w, s in result.frame[["plate", "well", "signal"]].itertuples(index=False)}
    assert got == {
        (i, f"{'AB'[r]}{c + 1}"): float(v)
        for i, g in rows.items()
        for r, vals in enumerate(g)
        for c, v in enumerate(vals)
        if v != "NaN"
    }
    assert result.frame["wavelength_nm"].unique().tolist() == [405]
    assert [(s.plate, s.well, s.reason) for s in result.skipped] == [(2, "A2", "no reading (NaN)")]
    assert result.metadata["doubled_tabs"] == [lines.index("\t0.41\t\t0.51\t0.61" + "\t" * 9) + 1]


def test_multiskan_ambiguous_row_is_an_error_naming_the_line(tmp_path):
    lines = ["\tPlate:1 - Wavelength:340", "\tIteration: 1", "\t0.1\t\t\t0.2" + "\t" * 9] + [
        _grid_row([])
    ] * 7
    path = tmp_path / "amb.txt"
    path.write_text("\n".join(lines), encoding="ascii")
    with pytest.raises(DataFormatError) as exc:
        read_traces(path, instrument="multiskan_spectrum")
    assert "line 3:" in problems_text(exc) and "doubled tab" in problems_text(exc)


# --- generic wide tables ----------------------------------------------------------------------


def test_generic_csv_minutes_and_zero_padded_wells(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(
        "Time [min],Temperature (°C),A01,A02,H12\n0,30,0.1,0.2,0.3\n0.5,30.1,0.15,0.25,\n"
        "1.5,30.2,0.2,0.3,0.4\n"
    )
    result = read_traces(path, wavelength_nm=340)
    assert result.instrument == "generic"
    frame = result.frame
    assert sorted(frame["well"].unique()) == ["A1", "A2", "H12"]
    assert frame.loc[frame["well"] == "A2", "time_s"].tolist() == [0.0, 30.0, 90.0]
    assert frame.loc[frame["well"] == "A2", "signal"].tolist() == [0.2, 0.25, 0.3]
    assert frame["wavelength_nm"].unique().tolist() == [340]
    (cell,) = result.skipped  # H12 is empty at 30 s, read at 0 and 90 s
    assert (cell.well, cell.time_s, cell.reason) == ("H12", 30.0, "empty")


def test_generic_hms_times_need_no_unit_and_xlsx_works(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Data"
    ws.append(["Run 7"])
    ws.append(["Time", "A1", "B3"])
    ws.append(["00:00:00", 0.5, 1.0])
    ws.append(["00:01:30", 0.6, 1.1])
    path = tmp_path / "wide.xlsx"
    book.save(path)
    result = read_traces(path, instrument="generic", sheet="Data")
    assert result.frame["time_s"].tolist() == [0.0, 0.0, 90.0, 90.0]
    assert result.frame["signal"].tolist() == [0.5, 1.0, 0.6, 1.1]
    assert result.metadata["preamble"] == ["line 1: Run 7"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Time,A1\n0,0.1\n30,0.2\n", "line 2, column 'Time': '0' has no time unit"),
        ("Time [s],A1,Z99\n0,0.1,0.2\n", "column 'Z99': 'Z99' is not a well"),
        ("Time [s],A1,A01\n0,0.1,0.2\n", "well A1 has two columns"),
        (
            "Time [s],A1\n0,0.1\n0,0.2\n",
            "line 3: plate 1, well A1, no wavelength, t = 0 s is read twice (first at line 2)",
        ),
        ("Time [s],A1\n0,0.1\n15,high\n", "line 3, column 'A1': well A1: not a number: 'high'"),
    ],
)
def test_generic_bad_inputs_name_line_and_well(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataFormatError) as exc:
        read_traces(path, instrument="generic")
    assert message in problems_text(exc)


# --- registry ---------------------------------------------------------------------------------


def test_unknown_instrument_and_unrecognised_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\nworld\n")
    with pytest.raises(DataFormatError, match="unknown instrument 'biotek'; use auto or one of spectramax"):
        read_traces(DATA / "spectramax190_kinetic.txt", instrument="biotek")
    with pytest.raises(DataFormatError) as exc:
        read_traces(path)
    assert str(path) in str(exc.value) and "known: spectramax, multiskan_spectrum" in str(exc.value)


def test_a_reader_that_is_not_installed_is_skipped_in_auto_and_an_error_by_name(monkeypatch):
    monkeypatch.setattr(plates, "INSTRUMENTS", ("not_installed",) + plates.INSTRUMENTS)
    assert read_traces(DATA / "spectramax190_kinetic.txt").instrument == "spectramax"
    assert "not_installed" not in [name for name, _ in list_instruments()]
    with pytest.raises(DataFormatError, match="the reader for 'not_installed' is not installed"):
        read_traces(DATA / "spectramax190_kinetic.txt", instrument="not_installed")


def test_wavelength_option_must_agree_with_the_file():
    with pytest.raises(DataFormatError, match="states wavelength"):
        read_traces(DATA / "spectramax190_kinetic.txt", wavelength_nm=340)
    assert (
        read_traces(DATA / "spectramax190_kinetic.txt", wavelength_nm=500)
        .frame["wavelength_nm"]
        .eq(500)
        .all()
    )


def test_generic_semicolon_table_with_decimal_commas(tmp_path):
    path = tmp_path / "de.csv"
    path.write_text("Zeit;A1;A2\nTime (s);A1;A2\n0;0,125;1,5\n12,5;0,25;1,75\n", encoding="cp1252")
    result = read_traces(path)
    assert result.instrument == "generic" and result.metadata["preamble"] == ["line 1: Zeit A1 A2"]
    assert result.frame[["well", "time_s", "signal"]].values.tolist() == [
        ["A1", 0.0, 0.125],
        ["A2", 0.0, 1.5],
        ["A1", 12.5, 0.25],
        ["A2", 12.5, 1.75],
    ]


def test_spectramax_cells_beyond_the_header_and_bad_well_names_are_errors(tmp_path):
    plate = _plate_line("P", "TimeFormat", "Kinetic", 1, 15, [500])
    path = tmp_path / "wide.txt"
    path.write_text("\n".join(["##BLOCKS= 1", plate, "Time\tT\tA1", "00:00:00\t25\t0.1\t0.2", "~End"]))
    with pytest.raises(DataFormatError, match="line 4: 1 cell\\(s\\) beyond the column header: '0.2'"):
        read_traces(path)
    path.write_text("\n".join(["##BLOCKS= 1", plate, "Time\tT\tA1\tX9", "00:00:00\t25\t0.1\t0.2", "~End"]))
    with pytest.raises(DataFormatError, match="line 3: the column header should name wells .*found X9"):
        read_traces(path)
