"""Thermo SkanIt 7 "Measurement results" Excel exports (Varioskan, Multiskan): endpoint plate grids.

Each measurement step has a sheet named after it (``Absorbance 1_01``, ``Luminescence 1_01``) whose
cell A1 is ``Measurement results``. In it, a ``Wavelength: 450 nm`` line and a plate-name line
(``Plate 1``, ``Sample Plate``) precede each grid: a header row ``Abs | 1 | 2 ...`` (``RLU``,
``RFU`` for luminescence and fluorescence) and one row per plate row letter. Grids with another
name (``Sample``: the layout) and the sheets of calculation steps (``Blank Subtraction 1_02``) are not
readings. Kinetic steps write a table ``Reading | avg. time [s] | <sample> (A01) ...`` instead (one
row per reading; its average time, from the first reading). Grid reads are endpoint reads (time 0);
plates are numbered by name in order of appearance, and
``Wavelength: 0 nm`` (luminescence without filter) means no wavelength.
"""

from __future__ import annotations

import pathlib
import re
from typing import Any

from mgkinetics.data.plates.parse import normalise_well
from mgkinetics.data.plates.sheet_reader import ReaderDoc, sheet_reader
from mgkinetics.data.plates.xlsx import (
    Sheet,
    SheetCells,
    check_sheet,
    first_rows,
    read_sheets,
    sheet_names,
    text_of,
)

__all__ = ["NAME", "DESCRIPTION", "sniff", "read"]

NAME = "skanit"
DESCRIPTION = "Thermo SkanIt 7 'Measurement results' Excel export: plate grids per measurement sheet"

_STEP = re.compile(r"(?:Absorbance|Fluorescence|Luminescence|Photometric|Fluorometric|Luminometric)\s.*_\d+")
_WAVELENGTH = re.compile(r"Wavelength:\s*(\d+)\s*nm", re.IGNORECASE)
_KINETIC_TIME = re.compile(r"avg\. time \[s\]|time \[s\]", re.IGNORECASE)
_WELL_IN_HEADER = re.compile(r"\(([A-P]\d{1,2})\)\s*$")
_RAW_GRIDS = ("Abs", "RLU", "RFU")
_RESULTS = "Measurement results"


def _steps(names: list[str]) -> list[str]:
    return [n for n in names if _STEP.fullmatch(n)]


def sniff(path: pathlib.Path) -> bool:
    """True when a measurement-step sheet (``Absorbance 1_01`` ...) starts with ``Measurement results``."""
    try:
        steps = _steps(sheet_names(pathlib.Path(path)))
        rows = first_rows(pathlib.Path(path), 2, steps[0]) if steps else []
        return bool(rows) and text_of(rows[0][0]) == _RESULTS
    except Exception:
        return False


def _grid_columns(row: tuple[Any, ...]) -> list[tuple[int, int]]:
    """(column, plate column number) of a grid header ``Abs | 1 | 2 ...``, [] when the row is none."""
    cols = []
    for c in range(1, len(row)):
        value = row[c]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value == len(cols) + 1:
            cols.append((c, len(cols) + 1))
        else:
            break
    return cols if text_of(row[0]) and cols else []


def _read_kinetic(sheet: Sheet, r: int, plate: int, wavelength: int | None, cells: SheetCells) -> dict:
    """Sort a kinetic table (``Reading | avg. time [s] | <sample> (A01) ...``, one row per reading).

    Its times are the reading's average over the plate (SkanIt states no per-well time here).
    """
    wells = []
    for c in range(2, len(sheet.rows[r])):
        m = _WELL_IN_HEADER.search(text_of(sheet.value(r, c)))
        if m:
            wells.append((c, normalise_well(m[1])))
        elif text_of(sheet.value(r, c)):
            cells.problem(sheet, r, c, "a kinetic column header without its well, e.g. 'Sample (A01)'")
    k, first = r + 1, None
    while k < len(sheet.rows) and isinstance(sheet.value(k, 0), (int, float)) and text_of(sheet.value(k, 1)):
        time_s = cells.number(sheet, k, 1, "avg. time [s]")
        first = time_s if first is None else first
        for c, well in wells:
            keys = {"plate": plate, "well": well, "wavelength_nm": wavelength, "temperature_C": None}
            cells.add(sheet, k, c, time_s=None if time_s is None else round(time_s - first, 6), **keys)
        k += 1
    return {"label": "kinetic", "header": sheet.cell(r, 0), "wavelength_nm": wavelength, "reads": k - r - 1}


def _read_step(sheet: Sheet, plates: dict[str, int], cells: SheetCells) -> tuple[list[dict], list[dict]]:
    """Sort the raw grids of one step sheet; return (grids read, grids not read)."""
    read, derived = [], []
    wavelength, plate_name = None, "Plate 1"
    for r, row in enumerate(sheet.rows):
        text = text_of(row[0]) if row else ""
        if m := _WAVELENGTH.fullmatch(text):
            wavelength = int(m[1]) or None
            continue
        if text == "Reading" and _KINETIC_TIME.fullmatch(text_of(sheet.value(r, 1))):
            plate = plates.setdefault(plate_name, len(plates) + 1)
            read.append(_read_kinetic(sheet, r, plate, wavelength, cells) | {"plate_name": plate_name})
            continue
        cols = _grid_columns(row)
        if not cols:
            if (
                text
                and not any(text_of(v) for v in row[1:])
                and text.lower().startswith(("plate", "sample", "blank"))
            ):
                plate_name = text  # the plate-name line above a grid
            continue
        entry = {
            "label": text,
            "header": sheet.cell(r, 0),
            "plate_name": plate_name,
            "wavelength_nm": wavelength,
        }
        if text not in _RAW_GRIDS:
            derived.append(entry)
            continue
        plate = plates.setdefault(plate_name, len(plates) + 1)
        read.append({**entry, "plate": plate})
        k = r + 1
        while k < len(sheet.rows) and re.fullmatch(r"[A-P]", text_of(sheet.value(k, 0))):
            for c, number in cols:
                well = normalise_well(f"{text_of(sheet.value(k, 0))}{number}")
                keys = {"plate": plate, "well": well, "time_s": 0.0, "temperature_C": None}
                cells.add(sheet, k, c, wavelength_nm=wavelength, **keys)
            k += 1
    return read, derived


def _parse(path: pathlib.Path, sheet: str | None, cells: SheetCells) -> dict[str, Any]:
    """Every raw grid of the measurement-step sheets handed to ``cells``; what was and was not read."""

    def choose(wb) -> list[str]:
        if sheet is not None:
            check_sheet(path, wb.sheetnames, sheet)
            return [sheet]
        return _steps(wb.sheetnames)

    sheets = read_sheets(path, choose)
    plates: dict[str, int] = {}
    grids, not_read = [], [name for name in sheet_names(path) if name not in {s.title for s in sheets}]
    for sh in sheets:
        got, derived = _read_step(sh, plates, cells)
        grids += got
        not_read += derived
    if not grids and not cells.problems:
        cells.problem(
            sheets[0] if sheets else Sheet("?", [], None), 0, None, "no raw grid (Abs | 1 | 2 ...) found"
        )
    return {"grids": grids, "plates": plates, "not_read": not_read}


read = sheet_reader(
    NAME,
    _parse,
    ReaderDoc(
        summary='Read the raw plate grids of a SkanIt 7 "Measurement results" export.',
        sheet="One measurement-step sheet to read; default every one (``Absorbance 1_01`` ...).",
        returns="One row per well of every raw grid, at time 0; ``metadata['grids']`` describes each grid, "
        "``metadata['not_read']`` the grids and sheets that are not readings.",
        raises="No measurement-step sheet, or a grid cell that is not a reading.",
    ),
)
