"""SoftMax Pro variants seen in public exports that the reference file lacks: partial plates.

A PlateFormat export of a partial plate writes the rows that were not read as lines of tabs only,
as wide as the grid (so they must not be taken for the empty line between reads), and the read's
temperature (and time) on its first READ row. Kinetic exports may separate reads by a short line of
tabs. Each file is synthesised here; the expected values are the numbers the test writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mgkinetics.data.plates import read_traces
from mgkinetics.errors import DataFormatError


def _plate_line(read_type: str, reads: int, interval: int, wavelengths: list[int]) -> str:
    fields = ["Plate:", "Plate1", "1.3", "PlateFormat", read_type, "Absorbance", "Raw", "FALSE"]
    fields += [str(reads), str(reads * interval), str(interval), "", "", ""]
    fields += [str(len(wavelengths)), " ".join(map(str, wavelengths)) + " ", "3", "8", "96", "3", "4"]
    return "\t".join(fields)


def _header(n_wl: int) -> str:
    grid = "\t\t".join("\t".join(str(c) for c in range(1, 13)) for _ in range(n_wl))
    return "\tTemperature(\u00b0C)\t" + grid + "\t"


def _value(row: int, col: int, wl_index: int, read: int) -> str:
    return f"{0.1 * (row + 1) + 0.001 * col + wl_index + 0.0001 * read:.4f}"


def _grid_line(lead: str, row: int, n_wl: int, read: int) -> str:
    """One plate row: columns 3..10 read on rows C..F (row 2..5), all else empty cells."""
    parts = []
    for k in range(n_wl):
        cells = [_value(row, c, k, read) if 2 <= row <= 5 and 3 <= c <= 10 else "" for c in range(1, 13)]
        parts.append("\t".join(cells))
    return lead + "\t" + "\t\t".join(parts) + "\t"


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "softmax.txt"
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    return path


def _expected(n_wl: int, wavelengths: list[int], reads: list[tuple[int, float]]) -> dict:
    return {
        (f"{'ABCDEFGH'[row]}{col}", wavelengths[k], t): float(_value(row, col, k, read))
        for read, t in reads
        for k in range(n_wl)
        for row in range(2, 6)
        for col in range(3, 11)
    }


def test_softmax_plateformat_partial_plate_endpoint_rows_not_read_are_tab_lines(tmp_path):
    lines = ["##BLOCKS= 1", _plate_line("Endpoint", 1, 0, [230, 260]), _header(2)]
    for row in range(8):  # rows A, B, G, H: tabs only, full width; the temperature is on row C
        lines.append(_grid_line("\t21.9" if row == 2 else "\t", row, 2, 0))
    lines += ["", "~End"]
    result = read_traces(_write(tmp_path, lines))
    frame = result.frame
    got = {(w, int(wl), t): s for w, wl, t, s in frame[["well", "wavelength_nm", "time_s", "signal"]].values}
    assert got == _expected(2, [230, 260], [(0, 0.0)])
    assert len(frame) == 2 * 4 * 8 and (frame["temperature_C"] == 21.9).all()
    assert sorted(result.metadata["unmeasured_wells"]["plate 1, 230 nm"])[:3] == ["A1", "A10", "A11"]


def test_softmax_plateformat_partial_plate_kinetic_reads_split_by_short_tab_lines(tmp_path):
    lines = ["##BLOCKS= 1", _plate_line("Kinetic", 2, 30, [405]), _header(1)]
    for read, time in enumerate(("0:00", "0:30")):
        for row in range(8):
            lead = f"{time}\t37.00" if row == 2 else "\t"
            lines.append(_grid_line(lead, row, 1, read))
        lines.append("\t\t")  # the exporter's separator: shorter than a grid row
    lines.append("~End")
    frame = read_traces(_write(tmp_path, lines)).frame
    got = {(w, int(wl), t): s for w, wl, t, s in frame[["well", "wavelength_nm", "time_s", "signal"]].values}
    assert got == _expected(1, [405], [(0, 0.0), (1, 30.0)])


def test_softmax_same_wavelength_read_twice_is_a_clear_error(tmp_path):
    lines = ["##BLOCKS= 1", _plate_line("Endpoint", 1, 0, [426, 426]), _header(2)]
    lines += [_grid_line("\t21.9" if row == 2 else "\t", row, 2, 0) for row in range(8)] + ["", "~End"]
    with pytest.raises(DataFormatError, match="426 nm is read more than once"):
        read_traces(_write(tmp_path, lines))


def test_softmax_empty_read_grids_after_the_declared_reads_are_listed_not_read(tmp_path):
    """A second series of the planned reads (times from 0 again), all cells blank: not reads."""
    lines = ["##BLOCKS= 1", _plate_line("Kinetic", 2, 30, [405]), _header(1)]
    for series in ("values", "blank"):
        for read, time in enumerate(("0:00", "0:30")):
            for row in range(8):
                lead = f"{time}\t37.00" if row == 2 else "\t"
                line = _grid_line(lead, row, 1, read)
                lines.append(line if series == "values" else lead + "\t" + "\t".join([" "] * 12) + "\t")
            lines.append("\t\t")
    lines.append("~End")
    result = read_traces(_write(tmp_path, lines))
    got = {
        (w, int(wl), t): s
        for w, wl, t, s in result.frame[["well", "wavelength_nm", "time_s", "signal"]].values
    }
    assert got == _expected(1, [405], [(0, 0.0), (1, 30.0)])
    assert result.skipped == ()
    assert any(
        "2 read grids after the 2 declared reads, all empty" in note for note in result.metadata["ignored"]
    )


def test_softmax_non_empty_grids_beyond_the_declared_reads_are_a_problem(tmp_path):
    lines = ["##BLOCKS= 1", _plate_line("Kinetic", 1, 30, [405]), _header(1)]
    for read, time in enumerate(("0:00", "0:30")):
        lines += [_grid_line(f"{time}\t37.00" if row == 2 else "\t", row, 1, read) for row in range(8)]
        lines.append("\t\t")
    lines.append("~End")
    with pytest.raises(DataFormatError, match="2 read grids but the Plate: line declares 1 reads"):
        read_traces(_write(tmp_path, lines))
