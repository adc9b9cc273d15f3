"""Gen5 variants seen in real exports (Agilent/BioTek Gen5 2.x-3.x) that the Excel reference lacks.

Every file here is synthesised by the test in tmp_path, in the layout of public Gen5 text exports
(tab-separated, the same rows as the Excel export): a kinetic block whose temperature header carries
a mis-encoded degree sign (``T∞ 600``), first read at 0:00:22, ``MISSED``/``OVRFLW``/``*0.356*`` cells;
endpoint grids with luminescence, filter-luminescence, fluorescence ``ex,em`` and pathlength-correction
labels; and a spectral scan, which is not supported and must say so. Expected values are the numbers
each test writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mgkinetics.data.plates import biotek_gen5, read_traces
from mgkinetics.errors import DataFormatError

HEAD = [
    "",
    "Software Version\t3.12.08",
    "",
    "Experiment File Path:\tC:\\x.xpt",
    "Protocol File Path:\tC:\\x.prt",
    "Plate Number\tPlate 1",
    "Reader Type:\tSynergy H1",
    "Reading Type\tReader",
    "",
    "Procedure Details",
    "",
]


def _write(tmp_path: Path, lines: list[str], name: str = "gen5.txt", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines + [""]).encode(encoding))
    return path


def _rows(frame) -> list[tuple]:
    """(plate, well, time_s, wavelength_nm or -1, temperature_C or None, signal), sorted."""
    wavelengths = frame["wavelength_nm"].astype("Int64").fillna(-1).astype(int)
    temperatures = frame["temperature_C"].astype(object).where(frame["temperature_C"].notna(), None)
    return sorted(
        zip(frame["plate"], frame["well"], frame["time_s"], wavelengths, temperatures, frame["signal"])
    )


def test_gen5_text_kinetic_with_misencoded_degree_and_non_readings(tmp_path):
    lines = HEAD + [
        "Start Kinetic\tRuntime 0:12:00 (HH:MM:SS), Interval 0:04:00, 4 Reads",
        "    Read\tAbsorbance Endpoint",
        "\tWavelengths:  600",
        "End Kinetic",
        "",
        "600",
        "",
        "Time\tT\u221e 600\tA1\tA2\tB1",
        "0:00:22\t30.0\t-0.066\tMISSED\t0.101",
        "0:04:22\t30.1\t-0.068\t*0.356*\tOVRFLW",
        "0:08:22\t30.2\t-0.067\t0.250\t0.103",
        "0:00:00",  # a planned read the run did not make: a time-only row, not a read
        "",
        "Results",
    ]
    path = _write(tmp_path, lines)
    assert biotek_gen5.sniff(path)
    result = read_traces(path)
    assert result.instrument == "biotek_gen5"
    assert _rows(result.frame) == sorted(
        [
            (1, "A1", 0.0, 600, 30.0, -0.066),
            (1, "A1", 240.0, 600, 30.1, -0.068),
            (1, "A1", 480.0, 600, 30.2, -0.067),
            (1, "A2", 480.0, 600, 30.2, 0.250),
            (1, "B1", 0.0, 600, 30.0, 0.101),
            (1, "B1", 480.0, 600, 30.2, 0.103),
        ]
    )
    reasons = {(s.well, s.time_s): s.reason for s in result.skipped}
    assert reasons[("A2", 0.0)] == "no reading (MISSED)"
    assert reasons[("A2", 240.0)].startswith("flagged by the reader software (*0.356*")
    assert reasons[("B1", 240.0)] == "overflow (OVRFLW)"
    assert len(result.skipped) == 3
    assert result.metadata["blocks"][0]["reads_not_done"] == 1


GRID = "\t" + "\t".join(str(c) for c in range(1, 4))


def test_gen5_text_endpoint_labels_luminescence_fluorescence_and_pathlength(tmp_path):
    lines = HEAD + [
        "Read\tLuminescence Endpoint",
        "",
        "Results",
        GRID,
        "A\t8718\t3118\t3507\tLUM:Lum",
        "\t99.8\t34.1\t38.6\tNormLum",
        "B\t8782\t9406\t8372\tLUM:Lum",
        "\t1\t2\t3\tNormLum",
        "",
        GRID,
        "A\t190\t223\t23\t504,531",  # excitation 504, emission 531 (not the decimal 504.531)
        "\t112\t145\t-55\tBlank 504,531",
        "B\t11\t12\t13\tFilter Lum:460/40",
        "\t0.035\t0.036\t0.037\t260:900 [Ref]",
        "",
    ]
    result = read_traces(_write(tmp_path, lines))
    expected = [
        (1, f"{row}{col}", 0.0, wl, None, value)
        for row, wl, values in (
            ("A", -1, (8718, 3118, 3507)),  # luminescence: no wavelength
            ("B", -1, (8782, 9406, 8372)),
            ("A", 531, (190, 223, 23)),
            ("B", 460, (11, 12, 13)),
            ("B", 900, (0.035, 0.036, 0.037)),
        )
        for col, value in zip((1, 2, 3), values)
    ]
    assert _rows(result.frame) == sorted(expected)
    derived = {d["label"] for d in result.metadata["derived_blocks"]}
    assert derived == {"NormLum", "Blank 504,531"}


def test_gen5_text_spectral_scan_is_a_clear_unsupported_error(tmp_path):
    lines = HEAD + [
        "Read\tSpectral_Scan_Test",
        "\tAbsorbance Spectrum",
        "\tStart: 300 nm,  Stop: 320 nm,  Step: 10 nm",
        "",
        "Spectral_Scan_Test:Spectrum",
        "",
        "Wavelength\tA1\tA2",
        "300\t0.005\tOVRFLW",
        "310\t0.011\t0.011",
        "",
    ]
    with pytest.raises(DataFormatError) as info:
        read_traces(_write(tmp_path, lines))
    message = info.value.problems[0].message
    assert "Absorbance Spectrum" in message and "spectral-scan table at text!A18" in message
    assert "not supported" in message


def test_gen5_text_in_utf16_and_a_sheet_option_is_refused(tmp_path):
    lines = HEAD + ["", "340", "", "Time\tT\u00b0 340\tA1", "0:00:00\t25.0\t0.5", "0:00:30\t25.0\t0.6", ""]
    path = _write(tmp_path, lines, encoding="utf-16")
    frame = read_traces(path).frame
    assert frame["time_s"].tolist() == [0.0, 30.0] and frame["signal"].tolist() == [0.5, 0.6]
    with pytest.raises(DataFormatError, match="no sheets"):
        read_traces(path, sheet="Plate 1")


def test_gen5_reader_on_plain_text_that_is_not_gen5_says_what_it_misses(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_text("Time\tA1\n0\t0.1\n")
    assert not biotek_gen5.sniff(path)
    with pytest.raises(DataFormatError, match="no kinetic block"):
        biotek_gen5.read(path)
