"""Gen5 endpoint plate-view grids, raw-read labels, and the plate number of every block read.

A grid is column numbers ``1 2 3 ...`` above row letters; each grid row is one data set of one plate
row, named right of its values (``340``, ``Read 1:340``, ``Max V [630]``, ``Well ID``). Only raw-read
names are readings (at time 0); the others are listed as derived.
"""

from __future__ import annotations

import re
from typing import Any

from mgkinetics.data.plates.parse import normalise_well
from mgkinetics.data.plates.xlsx import Sheet, SheetCells, is_blank_row, text_of

__all__ = ["raw_read_wavelengths", "PlateBlocks", "grid_columns", "read_grid"]

_ABSORBANCE = re.compile(r"(?:[^:]*:)?\s*(\d{3,4})\s*(?:nm)?", re.IGNORECASE)
_FLUORESCENCE = re.compile(r"(?:[^:]*:)?\s*(\d{3,4})(?:/\d+)?\s*,\s*(\d{3,4})(?:/\d+)?", re.IGNORECASE)
_PATHCHECK = re.compile(r"(?:[^:]*:)?\s*(\d{3,4})\s*\[(?:test|ref)\]", re.IGNORECASE)
_EMISSION_ONLY = re.compile(r"(?:[^:]*:)?\s*(\d{3,4})/\d+", re.IGNORECASE)
_NO_WAVELENGTH = re.compile(r"(?:[^:]*:)?\s*(?:lum|alpha)", re.IGNORECASE)
_DERIVED = ("corrected", "ratio", "mean", "conc", "[")


class PlateBlocks:
    """The blocks of a sheet: those read (a wavelength read again is the next plate) and the derived."""

    def __init__(self, first_plate: int):
        self.first_plate = first_plate
        self.read: list[dict[str, Any]] = []
        self.derived: list[dict[str, Any]] = []
        self._plates: dict[Any, int] = {}
        self._per_wavelength: dict[int | None, int] = {}

    def plate(self, key: Any, wavelength_nm: int | None, **info: Any) -> int:
        """The plate of the block ``key`` (a new block is described by ``info``)."""
        if key not in self._plates:
            before = self._per_wavelength.get(wavelength_nm, 0)
            self._per_wavelength[wavelength_nm] = before + 1
            self._plates[key] = self.first_plate + before
            self.read.append({"plate": self._plates[key], "wavelength_nm": wavelength_nm, **info})
        return self._plates[key]


def grid_columns(sheet: Sheet, r: int) -> list[tuple[int, int]]:
    """(column, plate column number) of a plate-view grid header (``1 2 3 ...`` above row letters)."""
    row = sheet.rows[r]
    start = next((c for c, v in enumerate(row) if v == 1 and not isinstance(v, bool)), None)
    if (
        start is None
        or start == 0
        or text_of(row[start - 1])
        or text_of(sheet.value(r + 1, start - 1)) != "A"
    ):
        return []
    cols = []
    while start + len(cols) < len(row) and row[start + len(cols)] == len(cols) + 1:
        cols.append((start + len(cols), len(cols) + 1))
    return cols


def read_grid(sheet: Sheet, r: int, cols: list, plate_of, derived: list, cells: SheetCells) -> int:
    """Sort the endpoint readings of the plate-view grid at row r (time 0); return how many rows had them.

    Each grid row is one data set of one plate row: the row letter (written on the first of its rows)
    left of the values, the data set's name (``340``, ``Read 1:340``, ``Max V [630]``, ``Well ID``) right
    of them. Only raw-read names are readings; the others are listed in ``derived``.
    """
    letter_col, name_col = cols[0][0] - 1, cols[-1][0] + 1
    letter, n, k = "", 0, r + 1
    while k < len(sheet.rows) and not is_blank_row(sheet.rows[k][letter_col : name_col + 1]):
        letter = text_of(sheet.value(k, letter_col)) or letter
        name = text_of(sheet.value(k, name_col))
        wavelengths = raw_read_wavelengths(name)
        if wavelengths is None:
            entry = {"label": name or "(no name)", "header": sheet.cell(r, letter_col)}
            derived += [] if entry in derived else [entry]
        else:
            wl = wavelengths[0]
            plate, n = plate_of(r, name, wl), n + 1
            for c, number in cols:
                well = normalise_well(f"{letter}{number}")
                if well is None:
                    cells.problem(sheet, k, c, f"row '{letter}', column {number} is no well (A1..P24)")
                    continue
                cells.add(
                    sheet, k, c, plate=plate, well=well, time_s=0.0, wavelength_nm=wl, temperature_C=None
                )
        k += 1
    return n


def raw_read_wavelengths(label: str) -> tuple[int | None, int | None] | None:
    """(wavelength_nm, excitation_nm) of a raw-read label; None for a derived data set.

    Absorbance ``630``, ``Read 1:340``, pathlength-correction reads ``260:977 [Test]``; fluorescence
    ``485/20,528/20`` (the emission is the wavelength); luminescence through a filter
    ``Filter Lum:460/40``; luminescence and AlphaScreen without a wavelength ``Lum``, ``LUM:Lum``, ``Alpha``.

    Examples
    --------
    >>> raw_read_wavelengths("Read 1:340"), raw_read_wavelengths("485/20,528/20")
    ((340, None), (528, 485))
    >>> raw_read_wavelengths("Filter Lum:460/40"), raw_read_wavelengths("LUM:Lum")
    ((460, None), (None, None))
    >>> raw_read_wavelengths("260:977 [Test]"), raw_read_wavelengths("Blank 340") is None
    ((977, None), True)
    >>> raw_read_wavelengths("Max V [630]") is None
    True
    """
    low = label.lower()
    m = _PATHCHECK.fullmatch(label)  # the reads at 977 / 900 nm of a pathlength correction are raw
    if m:
        return int(m[1]), None
    if low.startswith(("blank", "delta")) or any(word in low for word in _DERIVED):
        return None
    m = _ABSORBANCE.fullmatch(label) or _EMISSION_ONLY.fullmatch(label)
    if m:
        return int(m[1]), None
    m = _FLUORESCENCE.fullmatch(label)
    if m:
        return int(m[2]), int(m[1])
    if _NO_WAVELENGTH.fullmatch(label):
        return None, None
    return None
