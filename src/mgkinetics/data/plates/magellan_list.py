"""Tecan Magellan "well list" Excel exports: one row per well, one column per measurement label.

A header row names the ``Well positions`` column and one column per measurement (``Label1``,
``Label2`` or ``Raw data``; a ``Plate`` column holds the plate definition). Under each label the
next two rows may state its time (``0s``) and temperature (``24.8 °C``); then one row per well. The
footer states each measurement's wavelength (``Measurement wavelength: 485 nm``, in label order) and
temperature (``Meas. temperature: Label1: 24.8 °C``); a cell ``Label1=535`` names a label's
wavelength directly. A list without times is an endpoint read (time 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mgkinetics.data.plates.parse import normalise_well, parse_number
from mgkinetics.data.plates.xlsx import Sheet, SheetCells, text_of

__all__ = ["WELL_COLUMN", "find_list_header", "read_list"]

#: The header of the column that names the wells.
WELL_COLUMN = "Well positions"

_NOT_LABELS = {WELL_COLUMN.lower(), "plate"}
_TIME = re.compile(r"(\d+(?:[.,]\d+)?)\s*s")
_TEMPERATURE = re.compile(r"(-?\d+(?:[.,]\d+)?)\s*°\s*C")
_MAPPING = re.compile(r"(.+?)\s*=\s*(\d{3,4})(?:\s*nm)?")
_WAVELENGTH_LINE = re.compile(r"Measurement wavelength:\s*(\d{3,4})\s*nm", re.IGNORECASE)
_TEMPERATURE_LINE = re.compile(r"Meas\. temperature:\s*(.+?):\s*(-?\d+(?:[.,]\d+)?)\s*°\s*C", re.IGNORECASE)


@dataclass
class _Label:
    col: int
    name: str
    time_s: float
    temperature_C: float | None
    wavelength_nm: int | None = None
    plate: int = 1


def find_list_header(rows: list[tuple[Any, ...]]) -> tuple[int, int] | None:
    """(row, column), 0-based, of the ``Well positions`` header cell in the first 5 rows, else None."""
    for r, row in enumerate(rows[:5]):
        for c, value in enumerate(row):
            if text_of(value) == WELL_COLUMN:
                return r, c
    return None


def _below(sheet: Sheet, r: int, c: int, pattern: re.Pattern) -> float | None:
    """The number of the first of the two cells below (r, c) that matches ``pattern``, else None."""
    for k in (1, 2):
        m = pattern.fullmatch(text_of(sheet.value(r + k, c)))
        if m:
            return parse_number(m[1])
    return None


def _labels(sheet: Sheet, r: int, well_col: int) -> tuple[list[_Label], dict[str, int]]:
    """The measurement columns of the header row r, and the wavelengths that ``LabelN=535`` cells name."""
    labels, mapped = [], {}
    for rr in range(r, min(r + 3, len(sheet.rows))):
        for value in sheet.rows[rr]:
            m = _MAPPING.fullmatch(text_of(value))
            if m:
                mapped[m[1].strip()] = int(m[2])
    for c, value in enumerate(sheet.rows[r]):
        name = text_of(value)
        if c == well_col or not name or name.lower() in _NOT_LABELS or _MAPPING.fullmatch(name):
            continue
        time_s = _below(sheet, r, c, _TIME)
        labels.append(_Label(c, name, 0.0 if time_s is None else time_s, _below(sheet, r, c, _TEMPERATURE)))
    return labels, mapped


def _footer(sheet: Sheet) -> tuple[list[int], dict[str, float]]:
    """Wavelengths of the footer's measurements in order, and its temperature per label name."""
    wavelengths, temperatures = [], {}
    for row in sheet.rows:
        text = text_of(row[0]) if row else ""
        if m := _WAVELENGTH_LINE.fullmatch(text):
            wavelengths.append(int(m[1]))
        elif m := _TEMPERATURE_LINE.fullmatch(text):
            temperatures[m[1].strip()] = parse_number(m[2])
    return wavelengths, temperatures


def _describe(sheet: Sheet, r: int, well_col: int) -> list[_Label]:
    """The labels with their wavelength, temperature and plate (a wavelength read again: next plate)."""
    labels, mapped = _labels(sheet, r, well_col)
    footer_wl, footer_temp = _footer(sheet)
    per_wavelength: dict[int | None, int] = {}
    for k, label in enumerate(labels):
        if label.name in mapped:
            label.wavelength_nm = mapped[label.name]
        elif len(footer_wl) == len(labels):
            label.wavelength_nm = footer_wl[k]
        if label.temperature_C is None:
            label.temperature_C = footer_temp.get(label.name)
        per_wavelength[label.wavelength_nm] = label.plate = per_wavelength.get(label.wavelength_nm, 0) + 1
    return labels


def read_list(sheet: Sheet, header: tuple[int, int], cells: SheetCells) -> dict[str, Any]:
    """Sort every measurement cell of a well-list sheet into ``cells``; return what the sheet states.

    Rows with a well name in the ``Well positions`` column are data; a row with a number under a label
    but no well name is a problem (never dropped silently); other rows (footer notes) are not data.
    """
    r, well_col = header
    labels = _describe(sheet, r, well_col)
    if not labels:
        cells.problem(
            sheet, r, well_col, "no measurement column (Label1, Raw data ...) next to Well positions"
        )
    wells = 0
    for k in range(r + 1, len(sheet.rows)):
        well = normalise_well(text_of(sheet.value(k, well_col)))
        if well is None:
            stray = [c.col for c in labels if isinstance(sheet.value(k, c.col), (int, float))]
            if stray:
                cells.problem(sheet, k, stray[0], "a value without a well name in the Well positions column")
            continue
        wells += 1
        for label in labels:
            keys = {"plate": label.plate, "well": well, "time_s": label.time_s}
            keys.update(wavelength_nm=label.wavelength_nm, temperature_C=label.temperature_C)
            cells.add(sheet, k, label.col, **keys)
    if labels and not wells:
        cells.problem(sheet, r, well_col, "no well name (A1 ...) below the Well positions header")
    measurements = [
        {"label": x.name, "plate": x.plate, "wavelength_nm": x.wavelength_nm, "time_s": x.time_s}
        for x in labels
    ]
    return {"layout": "well list", "measurements": measurements, "wells": wells}
