"""BioTek / Agilent Gen5 Excel exports (Epoch 2, ELx808, Synergy ...): kinetic blocks and endpoint grids.

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

from mgkinetics.data.plates.common import PlateRead
from mgkinetics.data.plates.parse import hms_to_seconds, normalise_well, parse_number
from mgkinetics.data.plates.xlsx import (
    Sheet,
    SheetCells,
    excel_seconds,
    first_rows,
    is_blank_row,
    next_filled_row,
    read_sheet,
    report_unlabelled,
    text_of,
)

__all__ = ["NAME", "DESCRIPTION", "sniff", "read"]

NAME = "biotek_gen5"
DESCRIPTION = "BioTek/Agilent Gen5 Excel export (Epoch 2, ELx808, Synergy): kinetic blocks Time | T° | wells"

_ABSORBANCE = re.compile(r"(?:[^:]*:)?\s*(\d{3,4})\s*(?:nm)?", re.IGNORECASE)
_FLUORESCENCE = re.compile(r"(?:[^:]*:)?\s*(\d{3,4})(?:/\d+)?\s*,\s*(\d{3,4})(?:/\d+)?", re.IGNORECASE)
_DERIVED = ("corrected", "ratio", "mean", "conc", "[")
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


def sniff(path: pathlib.Path) -> bool:
    """True for a Gen5 export: ``Software Version`` and ``Reader Type:`` (or file paths) in column A.

    Never raises; False for anything that is not an xlsx workbook.
    """
    try:
        keys = {text_of(row[0]) for row in first_rows(pathlib.Path(path), 25) if row}
        return "Software Version" in keys and bool(
            keys & {"Reader Type:", "Experiment File Path:", "Protocol File Path:"}
        )
    except Exception:
        return False


def _procedure(sheet: Sheet) -> dict[str, Any]:
    """Key/value rows above the data (software, reader, plate) and every kinetic Interval, in seconds."""
    meta: dict[str, Any] = {"intervals_s": []}
    keys = {"Software Version": "software_version", "Reader Type:": "reader_type"}
    keys.update({"Plate Number": "plate_name", "Reading Type": "reading_type"})
    for row in sheet.rows:
        texts = [text_of(v) for v in row]
        if texts and texts[0] in keys and len(texts) > 1:
            meta[keys[texts[0]]] = texts[1]
        for text in texts:
            for m in _INTERVAL.finditer(text):
                meta["intervals_s"].append(hms_to_seconds(m[1]))
    return meta


def _label_of(sheet: Sheet, header_row: int, time_col: int, temp_text: str) -> str:
    """The block label: a lone cell in the 3 rows above the header, left of Time, else the T° suffix."""
    for r in range(header_row - 1, max(header_row - 4, -1), -1):
        cells = [(c, v) for c, v in enumerate(sheet.rows[r]) if text_of(v)]
        if len(cells) == 1 and cells[0][0] <= time_col:
            return text_of(cells[0][1])
        if cells:
            break
    return temp_text.removeprefix("T°").strip()


def _wavelengths(label: str) -> tuple[int | None, int | None]:
    """(wavelength_nm, excitation_nm) of a raw-read label; (None, None) for a derived block."""
    low = label.lower()
    if low.startswith(("blank", "delta")) or any(word in low for word in _DERIVED):
        return None, None
    m = _ABSORBANCE.fullmatch(label)
    if m:
        return int(m[1]), None
    m = _FLUORESCENCE.fullmatch(label)
    if m:
        return int(m[2]), int(m[1])
    return None, None


def _is_temperature(text: str) -> bool:
    return text.startswith("T°") or text.lower().startswith("temp")


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
        return _Block(r, c, temp_col, wells, label, *_wavelengths(label))
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


class _Blocks:
    """The blocks of a sheet: those read (a wavelength read again is the next plate) and the derived."""

    def __init__(self, first_plate: int):
        self.first_plate = first_plate
        self.read: list[dict[str, Any]] = []
        self.derived: list[dict[str, Any]] = []
        self._plates: dict[Any, int] = {}
        self._per_wavelength: dict[int, int] = {}

    def plate(self, key: Any, wavelength_nm: int, **info: Any) -> int:
        """The plate of the block ``key`` (a new block is described by ``info``)."""
        if key not in self._plates:
            before = self._per_wavelength.get(wavelength_nm, 0)
            self._per_wavelength[wavelength_nm] = before + 1
            self._plates[key] = self.first_plate + before
            self.read.append({"plate": self._plates[key], "wavelength_nm": wavelength_nm, **info})
        return self._plates[key]


def _grid_columns(sheet: Sheet, r: int) -> list[tuple[int, int]]:
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


def _read_grid(sheet: Sheet, r: int, cols: list, plate_of, derived: list, cells: SheetCells) -> int:
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
        wl, _ = _wavelengths(name)
        if wl is None:
            entry = {"label": name or "(no name)", "header": sheet.cell(r, letter_col)}
            derived += [] if entry in derived else [entry]
        else:
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


def read(path: pathlib.Path, *, sheet: str | None = None) -> PlateRead:
    """Read a Gen5 kinetic or endpoint export into the traces table.

    Parameters
    ----------
    path : pathlib.Path
        The xlsx file.
    sheet : str, optional
        Sheet to read (Gen5 writes one per plate); default the first sheet.

    Returns
    -------
    PlateRead
        One row per reading of every raw-read block (wavelength) of the sheet; ``metadata['blocks']``
        describes each block, ``metadata['derived_blocks']`` the blocks that are not readings.

    Raises
    ------
    DataFormatError
        Every problem found (bad header, unknown well label, a cell that is not a number or time ...).
    """
    path = pathlib.Path(path)
    sh = read_sheet(path, sheet)
    meta = _procedure(sh)
    plate_no = re.search(r"\d+", meta.get("plate_name", ""))
    blocks = _Blocks(int(plate_no[0]) if plate_no else 1)
    cells = SheetCells(str(path))

    def plate_of(grid_row: int, name: str, wl: int) -> int:
        where = sh.cell(grid_row, 0)
        return blocks.plate((grid_row, name), wl, label=name, header=where, reads=1, layout="endpoint grid")

    for r in range(len(sh.rows)):
        cols = _grid_columns(sh, r)
        if cols:
            _read_grid(sh, r, cols, plate_of, blocks.derived, cells)
            continue
        block = _header(sh, r, cells)
        if block is None or not block.wells:
            continue
        where = sh.cell(block.header_row, block.time_col)
        if block.wavelength_nm is None:
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
    if not blocks.read and not cells.problems:
        cells.problem(
            sh, 0, None, "no kinetic block (Time | T° <wavelength> | A1 ...) or endpoint grid found"
        )
    frame, skipped, unmeasured = cells.finish()
    meta.update(
        sheet=sh.title, blocks=blocks.read, derived_blocks=blocks.derived, unmeasured_wells=unmeasured
    )
    return PlateRead(frame, NAME, str(path), skipped, meta)
