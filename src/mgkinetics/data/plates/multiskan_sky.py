"""Thermo Multiskan Sky (SkanIt 7) Excel exports: the long ``Raw data <wl> nm`` sheets.

Each raw sheet is a long table ``Well | Wavelength(s) [nm] | Raw absorbance | Measurement time(s)`` with
wells written ``'A 2'`` and a measurement time per well and read; the columns are found by their
header text; times are in seconds unless the header states ``[ms]``, ``[min]`` or ``[h]``, and count
from the first read of each plate and wavelength. The temperature is the per-read column when there is
one, else the set temperature of the ``General information`` sheet (none when the incubator was off).
Raw sheets that repeat a wavelength are the next plate. Only when the workbook has no raw sheet is the
wide ``... results`` sheet (``Reading | A2 | B2 ...``, with its ``Times [s]`` table below) read.
"""

from __future__ import annotations

import pathlib
import re
from typing import Any

from mgkinetics.data.plates.parse import normalise_well, parse_number
from mgkinetics.data.plates.sheet_reader import ReaderDoc, sheet_reader
from mgkinetics.data.plates.xlsx import (
    Sheet,
    SheetCells,
    check_sheet,
    is_blank_row,
    read_sheets,
    sheet_names,
    text_of,
)
from mgkinetics.errors import DataFormatError, Problem

__all__ = ["NAME", "DESCRIPTION", "sniff", "read"]

NAME = "multiskan_sky"
DESCRIPTION = "Thermo Multiskan Sky (SkanIt 7) Excel export: long 'Raw data <wl> nm' sheets, per-well times"

_RAW = re.compile(r"raw data\b", re.IGNORECASE)
_RESULTS = re.compile(r"results$", re.IGNORECASE)
_GENERAL = "General information"
_TIME_UNITS = {"ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0}


def sniff(path: pathlib.Path) -> bool:
    """True for a SkanIt export: sheet ``General information`` and ``Raw data ...`` or ``... results``.

    Never raises; False for anything that is not an xlsx workbook.
    """
    try:
        names = sheet_names(pathlib.Path(path))
        return _GENERAL in names and any(_RAW.match(n) or _RESULTS.search(n) for n in names)
    except Exception:
        return False


def _general(sheet: Sheet) -> dict[str, Any]:
    """Key/value pairs of the General information sheet (keys as written)."""
    info: dict[str, Any] = {}
    for row in sheet.rows:
        cells = [v for v in row if text_of(v)]
        if len(cells) == 2 and isinstance(cells[0], str):
            info[text_of(cells[0]).rstrip(":")] = cells[1]
    return info


def _set_temperature(info: dict[str, Any]) -> float | None:
    """The set temperature (``'25 °C'``) in °C; None when the sheet states none or the incubator was off."""
    if text_of(info.get("Is incubator on?")).lower() == "no":
        return None
    m = re.fullmatch(r"(-?\d+(?:[.,]\d+)?)\s*(?:°\s*C?)?", text_of(info.get("Set temperature")))
    return parse_number(m[1]) if m else None


def _wavelength(text: str) -> int | None:
    m = re.search(r"(\d{3,4})\s*(?:nm)?$", text.strip())
    return int(m[1]) if m else None


#: A cell to sort later, once the times are known: (sheet, row, col, plate, well, time_s, wl, temperature_C).
_Pending = tuple


def _columns(sheet: Sheet, r: int, cells: SheetCells) -> dict[str, Any] | None:
    """Column index of well / signal / time / wavelength / temperature in the header row r."""
    texts = [text_of(v) for v in sheet.rows[r]]
    if "Well" not in texts:
        return None
    cols: dict[str, Any] = {"well": texts.index("Well"), "time_scale": 1.0}
    for c, text in enumerate(texts):
        low = text.lower()
        if low.startswith("raw "):
            cols.setdefault("signal", c)
        elif low.startswith("measurement time"):
            cols.setdefault("time", c)
            unit = re.search(r"\[(ms|s|min|h)\]", text)
            cols["time_scale"] = _TIME_UNITS[unit[1]] if unit else 1.0
        elif low.startswith("wavelength"):
            cols.setdefault("wavelength", c)
        elif low.startswith("temperature"):
            cols.setdefault("temperature", c)
    if "signal" not in cols:
        cells.problem(
            sheet, r, None, "the header has 'Well' but no 'Raw ...' signal column; the header looks truncated"
        )
        return None
    return cols


def _raw_row(sheet: Sheet, r: int, cols: dict, wl, temperature_C, cells: SheetCells) -> _Pending | None:
    """The pending signal cell of one row of a raw sheet, None when the row is bad."""
    row = sheet.rows[r]
    well = normalise_well(text_of(row[cols["well"]]))
    if well is None:
        cells.problem(sheet, r, cols["well"], f"'{text_of(row[cols['well']])}' is not a well label (A1..P24)")
        return None
    if "wavelength" in cols and text_of(row[cols["wavelength"]]):
        wl = _wavelength(text_of(row[cols["wavelength"]])) or wl
    time_s = None
    if "time" in cols:
        seconds = cells.number(sheet, r, cols["time"], "measurement time")
        time_s = None if seconds is None else seconds * cols["time_scale"]
    if "temperature" in cols:
        temperature_C = cells.number(sheet, r, cols["temperature"], "temperature")
    return (sheet, r, cols["signal"], 1, well, time_s, wl, temperature_C)


def _read_raw(sheet: Sheet, default_wl, temperature_C, cells: SheetCells) -> list[_Pending]:
    """The cells of a long raw sheet, with absolute times."""
    pending: list[_Pending] = []
    cols = None
    wl = _wavelength(sheet.title) or default_wl
    for r, row in enumerate(sheet.rows):
        if cols is None or text_of(row[cols["well"]]) == "Well":
            found = _columns(sheet, r, cells)
            cols = found or cols
            if found is not None or cols is None:
                continue
        if not is_blank_row(row):
            cell = _raw_row(sheet, r, cols, wl, temperature_C, cells)
            pending += [cell] if cell else []
    if cols is None:
        cells.problem(sheet, 0, None, "no header row with 'Well' and 'Raw ...' columns found")
    return pending


def _results_wells(sheet: Sheet, h: int, cells: SheetCells) -> list[tuple[int, str | None]]:
    wells = []
    for c, v in enumerate(sheet.rows[h][1:], 1):
        if not text_of(v):
            break
        if normalise_well(text_of(v)) is None:
            cells.problem(sheet, h, c, f"'{text_of(v)}' is not a well label (A1..P24)")
        wells.append((c, normalise_well(text_of(v))))
    return wells


def _read_results(sheet: Sheet, wl, temperature_C, cells: SheetCells) -> list[_Pending]:
    """The cells of the wide results sheet (Reading x wells), times from its 'Times [s]' table."""
    headers = [r for r, row in enumerate(sheet.rows) if text_of(row[0]) == "Reading"]
    data = [r for r in headers if normalise_well(text_of(sheet.value(r, 1)))]
    if not data:
        cells.problem(sheet, 0, None, "no header row 'Reading | A1 | ...' found")
        return []
    wells = _results_wells(sheet, data[0], cells)
    times: dict[str, list] = {}
    for t in (r for r in headers if text_of(sheet.value(r, 1)).startswith("Times")):
        r = t + 1
        while r < len(sheet.rows) and isinstance(sheet.value(r, 0), (int, float)):
            times[text_of(sheet.value(r, 0))] = [sheet.value(r, c) for c, _ in wells]
            r += 1
    pending: list[_Pending] = []
    r = data[0] + 1
    while r < len(sheet.rows) and not is_blank_row(sheet.rows[r]):
        stamps = times.get(text_of(sheet.value(r, 0)), [None] * len(wells))
        for (c, well), stamp in zip(wells, stamps):
            if well is not None:
                time_s = float(stamp) if isinstance(stamp, (int, float)) else None
                pending.append((sheet, r, c, 1, well, time_s, wl, temperature_C))
        r += 1
    return pending


def _sort_from_first_read(pending: list[_Pending], cells: SheetCells) -> dict:
    """Sort the cells with times from each (plate, wavelength)'s first read; return the origins removed."""
    origin: dict = {}
    for _sheet, _r, _c, plate, _well, time_s, wl, _temp in pending:
        if time_s is not None:
            origin[plate, wl] = min(origin.get((plate, wl), time_s), time_s)
    for sheet, r, c, plate, well, time_s, wl, temp in pending:
        time_s = None if time_s is None else round(time_s - origin[plate, wl], 6)
        cells.add(sheet, r, c, plate=plate, well=well, time_s=time_s, wavelength_nm=wl, temperature_C=temp)
    return origin


def _parse(path: pathlib.Path, sheet: str | None, cells: SheetCells) -> dict[str, Any]:
    """Every cell of the raw-data (or results) sheets handed to ``cells``; the run's metadata."""

    def choose(wb) -> list[str]:
        names = wb.sheetnames
        if sheet is not None:
            check_sheet(path, names, sheet)
            chosen = [sheet]
        else:
            chosen = [n for n in names if _RAW.match(n)] or [n for n in names if _RESULTS.search(n)][:1]
        if not chosen:
            raise DataFormatError(
                str(path),
                [
                    Problem(
                        None,
                        None,
                        "no 'Raw data ...' or '... results' sheet; export the run from SkanIt with raw data",
                    )
                ],
            )
        return chosen + ([_GENERAL] if _GENERAL in names and _GENERAL not in chosen else [])

    sheets = read_sheets(path, choose)
    info = _general(sheets.pop()) if len(sheets) > 1 and sheets[-1].title == _GENERAL else {}
    temperature_C = _set_temperature(info)
    info_wl = _wavelength(text_of(info.get("Wavelength(s) [nm]")))
    pending: list[_Pending] = []
    seen: dict[int | None, int] = {}  # wavelength -> sheets with it so far
    for sh in sheets:
        reader = _read_results if _RESULTS.search(sh.title) else _read_raw
        got = reader(sh, info_wl, temperature_C, cells)
        wls = {cell[6] for cell in got}
        plate = 1 + max((seen.get(wl, 0) for wl in wls), default=0)  # a wavelength read again: next plate
        seen.update({wl: plate for wl in wls})
        pending += [cell[:3] + (plate,) + cell[4:] for cell in got]
    origin = _sort_from_first_read(pending, cells)
    return {
        "sheets": [sh.title for sh in sheets],
        "instrument_name": text_of(info.get("Name")),
        "set_temperature_C": temperature_C,  # None when the incubator was off: no run temperature
        "set_temperature": text_of(info.get("Set temperature")),
        "incubator_on": text_of(info.get("Is incubator on?")),
        "kinetic_interval": text_of(info.get("Kinetic interval")),
        "time_origin_s": origin,
    }


read = sheet_reader(
    NAME,
    _parse,
    ReaderDoc(
        summary="Read a SkanIt 7 (Multiskan Sky) export into the traces table.",
        sheet="One sheet to read (a ``Raw data ...`` sheet or the ``... results`` sheet); default every "
        "``Raw data ...`` sheet (one per wavelength), or the results sheet when there is none.",
        returns="One row per reading, per-well times from the first read of each wavelength.",
        raises="Every problem found (no raw or results sheet, unknown well label, text in a number "
        "cell ...).",
    ),
)
