"""Thermo SkanIt 7 "Measurement results" exports (plate grids per step sheet), synthesised here.

Layout of public SkanIt 7 exports (Varioskan LUX): sheet ``Absorbance 1_01`` starting with
``Measurement results``, a ``Wavelength: 214 nm`` line and a plate-name line above each ``Abs | 1 | 2``
grid, a ``Sample`` layout grid after it; calculation sheets (``Blank Subtraction 1_02``) are not read.
The expected values are the numbers the test writes.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from mgkinetics.data.plates import read_traces, skanit
from mgkinetics.errors import DataFormatError


def _value(plate: int, wl: int, row: int, col: int) -> float:
    return round(0.1 * plate + wl / 10000 + 0.01 * row + 0.001 * col, 4)


def _grid(label: str, plate: int, wl: int, rows: str = "AB", cols: int = 3) -> list[list]:
    out = [[label, *range(1, cols + 1)]]
    for r, letter in enumerate(rows):
        cells = [_value(plate, wl, r, c) if label == "Abs" else f"Un{r}{c}" for c in range(1, cols + 1)]
        out.append([letter, *cells])
    return out + [[" "]]


def _write(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def _step(blocks: list[tuple[int, str, int]]) -> list[list]:
    rows = [["Measurement results"], ["x.skax"], ["6/5/2023 6:09:56 PM"], [" "], ["Absorbance 1"]]
    for wl, plate_name, plate in blocks:
        rows += [[f"Wavelength: {wl} nm"], [" "], [plate_name], [" "]]
        rows += _grid("Abs", plate, wl) + _grid("Sample", plate, wl)
    return rows


def test_skanit_two_wavelengths_two_plates_and_layout_grids_not_read(tmp_path):
    blocks = [(214, "Plate 1", 1), (280, "Plate 1", 1), (214, "Plate 2", 2), (280, "Plate 2", 2)]
    sheets = {"Absorbance 1_01": _step(blocks), "Blank Subtraction 1_02": _step(blocks[:1])}
    sheets["General information"] = [["General information"]]
    path = _write(tmp_path / "skanit.xlsx", sheets)
    assert skanit.sniff(path)
    result = read_traces(path)
    assert result.instrument == "skanit"
    frame = result.frame
    got = {(p, w, int(wl)): s for p, w, wl, s in frame[["plate", "well", "wavelength_nm", "signal"]].values}
    expected = {
        (plate, f"{letter}{c}", wl): _value(plate, wl, r, c)
        for wl, _, plate in blocks
        for r, letter in enumerate("AB")
        for c in (1, 2, 3)
    }
    assert got == expected
    assert (frame["time_s"] == 0).all() and frame["temperature_C"].isna().all()
    assert {g["label"] for g in result.metadata["not_read"] if isinstance(g, dict)} == {"Sample"}
    assert "Blank Subtraction 1_02" in result.metadata["not_read"]


def test_skanit_luminescence_wavelength_zero_is_no_wavelength_and_bad_cell_is_named(tmp_path):
    rows = [["Measurement results"], ["x.skax"], [" "], ["Luminescence 1"], ["Wavelength: 0 nm"], ["Plate 1"]]
    rows += [["RLU", 1, 2], ["A", 8718, "oops"]]
    with pytest.raises(DataFormatError) as info:
        read_traces(_write(tmp_path / "lum.xlsx", {"Luminescence 1_01": rows}))
    assert [(p.line, p.column) for p in info.value.problems] == [(8, "Luminescence 1_01!C8")]
    rows[-1] = ["A", 8718, 3118]
    frame = read_traces(_write(tmp_path / "lum.xlsx", {"Luminescence 1_01": rows})).frame
    assert frame["wavelength_nm"].isna().all() and frame["signal"].tolist() == [8718.0, 3118.0]


def test_skanit_kinetic_table_reading_avg_time_and_wells_in_headers(tmp_path):
    """Kinetic step: ``Reading | avg. time [s] | Sample (A01) ...``; times from the first reading."""
    rows = [["Measurement results"], ["k.skax"], [" "], ["Absorbance 2"], ["Wavelength: 340 nm"], [" "]]
    rows += [
        ["Plate 1"],
        [" ", "conc [Asp] (mM)", 1, 1],
        ["Reading", "avg. time [s]", "ArODH0001 (A01)", "NADH (B12)"],
    ]
    times = [0.5, 4.72, 8.94]
    rows += [[k + 1, t, round(0.9 - 0.01 * k, 4), round(0.7 + 0.001 * k, 4)] for k, t in enumerate(times)]
    rows += [[" "], ["Autoloading range A1 - D12"]]
    result = read_traces(_write(tmp_path / "kin.xlsx", {"Absorbance 2_01": rows}))
    frame = result.frame.sort_values(["well", "time_s"])
    assert frame["well"].tolist() == ["A1"] * 3 + ["B12"] * 3
    assert frame["time_s"].tolist() == pytest.approx([0.0, 4.22, 8.44] * 2, abs=1e-9)
    assert frame["signal"].tolist() == [0.9, 0.89, 0.88, 0.7, 0.701, 0.702]
    assert set(frame["wavelength_nm"]) == {340} and result.metadata["grids"][0]["reads"] == 3
