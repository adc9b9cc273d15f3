"""BioTek / Agilent Gen5 exports (Epoch 2, ELx808, Synergy ...): kinetic blocks and endpoint grids.

The Excel export and the tab-separated text export hold the same layout; the text is read as one sheet.

Each kinetic block is found by its content: a header row ``Time``, ``T° <label>`` (optional), then well
names, one row per read below it, ended by an empty row. The block's label (``630``, ``Read 1:340``) is
in the cell above the header or in the ``T°`` header. Times are Excel serials whose day offset is
arbitrary (Gen5 writes 0:15:00 as 2.0104...), so only differences to the block's first read are used;
an empty first time cell is the second read's time minus the ``Interval`` of the Procedure rows.
Blocks with a derived label (``Blank 340``, ``Delta OD``, ``630 [Corrected]``) and the Results grids
are not readings: they are listed in ``metadata['derived_blocks']``, not read. A block that repeats a
wavelength is the next plate. A read cut off by an empty row, a value without a well label and readings
stored half as text, half as numbers (the decimal-separator fault) are problems, never read silently.
Endpoint reads are plate-view grids (column numbers, row letters, the data set's name right of each
row): rows named by a raw-read label are readings at time 0, the others (``Well ID``, ``Max V [630]``)
are derived.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from dataclasses import dataclass
from typing import Any

from mgkinetics.data.plates.gen5_grid import PlateBlocks, grid_columns, raw_read_wavelengths, read_grid
from mgkinetics.data.plates.parse import hms_to_seconds, normalise_well, parse_number
from mgkinetics.data.plates.sheet_reader import ReaderDoc, sheet_reader
from mgkinetics.data.plates.text_sheet import TextSheet, is_text_export, read_text_sheet, text_first_rows
from mgkinetics.data.plates.xlsx import (
    Sheet,
    SheetCells,
    excel_seconds,
    first_rows,
    next_filled_row,
    read_sheet,
    report_unlabelled,
    text_of,
)
from mgkinetics.errors import DataFormatError, Problem

__all__ = ["NAME", "DESCRIPTION", "sniff", "read"]

NAME = "biotek_gen5"
DESCRIPTION = "BioTek/Agilent Gen5 Excel or text export (Epoch 2, ELx808, Synergy): Time | T° | wells blocks"

_READ_TYPE = re.compile(r"(?:Absorbance|Fluorescence|Luminescence|Alpha)\s+[A-Z][\w ]*")
_TEMPERATURE = re.compile(r"^T[^\w\s]{1,2}(?=\s|$)")
_INTERVAL = re.compile(r"Interval\s+(\d+:\d{1,2}:\d{1,2})", re.IGNORECASE)


@dataclass
class _Block:
    header_row: int
    time_col: int
    temp_col: int | None
    wells: list[tuple[int, str]]
    label: str
    wavelength_nm: int | None
    excitation_nm: int | None
    raw: bool  # a raw read (not Blank, Max V, ...); luminescence raw reads have no wavelength


def sniff(path: pathlib.Path) -> bool:
    """True for a Gen5 export: ``Software Version`` and ``Reader Type:`` (or file paths) in column A.

    Never raises; False for anything that is not an xlsx workbook.
    """
    try:
        path = pathlib.Path(path)
        rows = text_first_rows(path, 25) if is_text_export(path) else first_rows(path, 25)
        keys = {text_of(row[0]) for row in rows if row}
        return "Software Version" in keys and bool(
            keys & {"Reader Type:", "Experiment File Path:", "Protocol File Path:"}
        )
    except Exception:
        return False


def _procedure(sheet: Sheet) -> dict[str, Any]:
    """Key/value rows above the data (software, reader, plate) and every kinetic Interval, in seconds."""
    meta: dict[str, Any] = {"intervals_s": [], "read_types": []}
    keys = {"Software Version": "software_version", "Reader Type:": "reader_type"}
    keys.update({"Plate Number": "plate_name", "Reading Type": "reading_type"})
    for row in sheet.rows:
        texts = [text_of(v) for v in row]
        if texts and texts[0] in keys and len(texts) > 1:
            meta[keys[texts[0]]] = texts[1]
        for text in texts:
            for m in _INTERVAL.finditer(text):
                meta["intervals_s"].append(hms_to_seconds(m[1]))
            if _READ_TYPE.fullmatch(text) and text not in meta["read_types"]:
                meta["read_types"].append(text)
    return meta


def _spectra(sheet: Sheet) -> list[str]:
    """Cells that head a spectral-scan table (``Wavelength | A1 | A2 ...``): a read type not supported."""
    return [
        sheet.cell(r, c)
        for r, row in enumerate(sheet.rows)
        for c, value in enumerate(row[:-1])
        if text_of(value) == "Wavelength" and normalise_well(text_of(row[c + 1]))
    ]


def _nothing_read(meta: dict[str, Any], spectra: list[str]) -> str:
    """Why a sheet gave no readings, naming the read types of the procedure this reader cannot read."""
    unsupported = [t for t in meta["read_types"] if not t.endswith(("Endpoint", "Kinetic"))]
    if spectra:
        unsupported.append(f"spectral-scan table at {', '.join(spectra)}")
    message = "no kinetic block (Time | T° <wavelength> | A1 ...) or endpoint grid of raw reads found"
    if unsupported:
        message += f"; the procedure holds {'; '.join(unsupported)}: spectra, area scans and polarization"
        message += " reads are not supported (export kinetic or endpoint reads)"
    return message


def _label_of(sheet: Sheet, header_row: int, time_col: int, temp_text: str) -> str:
    """The block label: a lone cell in the 3 rows above the header, left of Time, else the T° suffix."""
    for r in range(header_row - 1, max(header_row - 4, -1), -1):
        cells = [(c, v) for c, v in enumerate(sheet.rows[r]) if text_of(v)]
        if len(cells) == 1 and cells[0][0] <= time_col:
            return text_of(cells[0][1])
        if cells:
            break
    return _TEMPERATURE.sub("", temp_text, count=1).strip()


def _is_temperature(text: str) -> bool:
    """``T° 630``, or its degree sign mis-encoded by the export (``T∞ 600``, ``T\ufffd 420``), or ``Temp``."""
    return bool(_TEMPERATURE.match(text)) or text.lower().startswith("temp")


def _header(sheet: Sheet, r: int, cells: SheetCells) -> _Block | None:
    """The kinetic block whose header is row r, or None when row r is not a header."""
    row = sheet.rows[r]
    for c, value in enumerate(row):
        nxt = text_of(sheet.value(r, c + 1))
        if text_of(value) != "Time" or not (_is_temperature(nxt) or normalise_well(nxt)):
            continue
        temp_col = c + 1 if _is_temperature(nxt) else None
        wells: list[tuple[int, str]] = []
        for col in range(c + 1 + (temp_col is not None), len(row)):
            text = text_of(row[col])
            if not text:
                break
            well = normalise_well(text)
            if well is None:
                message = f"header '{text}' is not a well label (A1..P24); fix the label or delete the column"
                cells.problem(sheet, r, col, message)
                continue
            wells.append((col, well))
        if not wells:
            message = "the kinetic header has no well columns after Time/T°; the header row looks truncated"
            cells.problem(sheet, r, c, message)
        label = _label_of(sheet, r, c, nxt if temp_col is not None else "")
        wavelengths = raw_read_wavelengths(label)
        return _Block(r, c, temp_col, wells, label, *(wavelengths or (None, None)), wavelengths is not None)
    return None


def _data_rows(sheet: Sheet, block: _Block) -> tuple[range, range]:
    """Rows of the block's reads, and the rows after them that have a time but no reading.

    Gen5 writes the planned reads a run did not make as time-only rows (``0:00:00``, all wells empty);
    they are not reads. Both ranges end at the first empty row or the next header.
    """
    values = [col for col, _ in block.wells] + ([block.temp_col] if block.temp_col is not None else [])

    def kind(r: int) -> str:
        if r >= len(sheet.rows) or text_of(sheet.value(r, block.time_col)) == "Time":
            return "end"
        if any(text_of(sheet.value(r, c)) for c in values):
            return "read"
        return "time only" if text_of(sheet.value(r, block.time_col)) else "end"

    end = block.header_row + 1
    while kind(end) == "read":
        end += 1
    stop = end
    while kind(stop) == "time only":
        stop += 1
    return range(block.header_row + 1, end), range(end, stop)


def _times(sheet: Sheet, block: _Block, rows: range, interval_s: list, cells: SheetCells) -> list:
    """Seconds from the block's first read, one per row (None where the cell was bad)."""
    stored: list[float | None] = []
    for k, r in enumerate(rows):
        seconds = cells.time(sheet, r, block.time_col)
        if seconds is None and k > 0 and text_of(sheet.value(r, block.time_col)) == "":
            cells.problem(
                sheet, r, block.time_col, "the time is empty; only the first read may lack its time"
            )
        stored.append(seconds)
    if stored and stored[0] is None and text_of(sheet.value(rows[0], block.time_col)) == "":
        if len(stored) > 1 and stored[1] is not None and len(set(interval_s)) == 1:
            stored[0] = stored[1] - interval_s[0]
        else:
            why = "no Interval" if not interval_s else f"several Intervals ({sorted(set(interval_s))} s)"
            message = f"the first read's time is empty and the Procedure rows state {why}; type it in"
            cells.problem(sheet, rows[0], block.time_col, message)
    if not stored or stored[0] is None:
        return [None] * len(stored)
    return [None if s is None else round(s - stored[0], 6) for s in stored]


def _report_orphan_read(sheet: Sheet, block: _Block, end: int, cells: SheetCells) -> None:
    """A problem when the first filled row below the block's end looks like one more read of it."""
    r = next_filled_row(sheet, end)
    if r is None or not isinstance(
        sheet.value(r, block.time_col), (int, float, dt.time, dt.timedelta, dt.datetime)
    ):
        return
    if any(isinstance(sheet.value(r, col), (int, float)) for col, _ in block.wells):
        message = f"a read below the empty row {end + 1} that ends the block of row {block.header_row + 1}"
        cells.problem(sheet, r, block.time_col, message + "; delete the empty row so that it is read")


def _read_block(sheet: Sheet, block: _Block, plate: int, interval_s: list, cells: SheetCells) -> dict:
    """Sort the block's cells into cells; return its counts (reads, reads not done, stated first time).

    The stated first time is kept only below one day: a larger serial carries Gen5's day offset.
    """
    rows, not_done = _data_rows(sheet, block)
    times = _times(sheet, block, rows, interval_s, cells)
    last = max(col for col, _ in block.wells)
    for r, time_s in zip(rows, times):
        temperature = (
            None if block.temp_col is None else cells.number(sheet, r, block.temp_col, "temperature")
        )
        for col, well in block.wells:
            cells.add(
                sheet,
                r,
                col,
                plate=plate,
                well=well,
                time_s=time_s,
                wavelength_nm=block.wavelength_nm,
                temperature_C=temperature,
            )
    report_unlabelled(cells, sheet, rows, last, f"the header (row {block.header_row + 1})")
    _report_orphan_read(sheet, block, not_done.stop, cells)
    if not isinstance(sheet, TextSheet):  # in text every cell is text: no storage fault to find
        _report_mixed_storage(sheet, block, rows, cells)
    try:
        stated = excel_seconds(sheet.value(rows[0], block.time_col), sheet.epoch) if rows else None
    except ValueError:  # already reported by _times
        stated = None
    return {
        "reads": len(rows),
        "reads_not_done": len(not_done),  # time-only rows: planned reads the run did not make
        "first_read_stated_s": stated if stated is not None and stated < 86400 else None,
    }


def _report_mixed_storage(sheet: Sheet, block: _Block, rows: range, cells: SheetCells) -> None:
    """A problem when a block holds numbers stored as text next to numbers stored as numbers.

    Gen5 does this when the decimal separator of the export did not match Windows': readings < 1 are
    written as text ('0.999') and readings >= 1 as numbers without their decimal point (1.044 -> 1044).
    """
    text = numeric = 0
    first_text = None
    for r in rows:
        for col, _ in block.wells:
            value = sheet.value(r, col)
            if isinstance(value, str) and parse_number(value) is not None:
                text += 1
                first_text = first_text or (r, col)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                numeric += 1
    if text and numeric:
        message = (
            f"{text} readings of the block of row {block.header_row + 1} are stored as text and {numeric} as "
            "numbers: the export's decimal separator did not match (1.044 may be stored as 1044); export "
            "again with '.' as the decimal separator"
        )
        cells.problem(sheet, *first_text, message)


def _sheet(path: pathlib.Path, sheet: str | None) -> Sheet:
    """The sheet asked for of an xlsx export, or the whole of a tab-separated text export."""
    if not is_text_export(path):
        return read_sheet(path, sheet)
    if sheet is not None:
        raise DataFormatError(
            str(path), [Problem(None, None, "a Gen5 text export has no sheets; drop --sheet")]
        )
    return read_text_sheet(path)


def _parse(path: pathlib.Path, sheet: str | None, cells: SheetCells) -> dict[str, Any]:
    """Every raw-read block and grid of the sheet handed to ``cells``; the run's metadata."""
    sh = _sheet(path, sheet)
    meta = _procedure(sh)
    plate_no = re.search(r"\d+", meta.get("plate_name", ""))
    blocks = PlateBlocks(int(plate_no[0]) if plate_no else 1)

    def plate_of(grid_row: int, name: str, wl: int) -> int:
        where = sh.cell(grid_row, 0)
        return blocks.plate((grid_row, name), wl, label=name, header=where, reads=1, layout="endpoint grid")

    for r in range(len(sh.rows)):
        cols = grid_columns(sh, r)
        if cols:
            read_grid(sh, r, cols, plate_of, blocks.derived, cells)
            continue
        block = _header(sh, r, cells)
        if block is None or not block.wells:
            continue
        where = sh.cell(block.header_row, block.time_col)
        if not block.raw:
            blocks.derived.append({"label": block.label, "header": where})
            continue
        info = {
            "label": block.label,
            "header": where,
            "excitation_nm": block.excitation_nm,
            "wells": len(block.wells),
        }
        plate = blocks.plate(r, block.wavelength_nm, **info)
        blocks.read[-1].update(_read_block(sh, block, plate, meta["intervals_s"], cells))
    spectra = _spectra(sh)
    if not blocks.read and not cells.problems:
        cells.problem(sh, 0, None, _nothing_read(meta, spectra))
    meta.update(sheet=sh.title, blocks=blocks.read, derived_blocks=blocks.derived)
    if spectra:
        meta["not_read"] = [f"spectral-scan table at {cell} (spectra are not supported)" for cell in spectra]
    return meta


read = sheet_reader(
    NAME,
    _parse,
    ReaderDoc(
        summary="Read a Gen5 kinetic or endpoint export into the traces table.",
        file="The xlsx file, or the tab-separated text export.",
        sheet="Sheet to read (Gen5 writes one per plate); default the first sheet.",
        returns="One row per reading of every raw-read block (wavelength) of the sheet; "
        "``metadata['blocks']`` describes each block, ``metadata['derived_blocks']`` the blocks that "
        "are not readings.",
        raises="Every problem found (bad header, unknown well label, a cell that is not a number or "
        "time ...).",
    ),
)
