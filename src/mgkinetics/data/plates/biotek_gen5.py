"""BioTek / Agilent Gen5 Excel exports (Epoch 2, ELx808, Synergy ...): kinetic blocks ``Time | T° | wells``.

Each kinetic block is found by its content: a header row ``Time``, ``T° <label>`` (optional), then well
names, one row per read below it, ended by an empty row. The block's label (``630``, ``Read 1:340``) is
in the cell above the header or in the ``T°`` header. Times are Excel serials whose day offset is
arbitrary (Gen5 writes 0:15:00 as 2.0104...), so only differences to the block's first read are used;
an empty first time cell is the second read's time minus the ``Interval`` of the Procedure rows.
Blocks with a derived label (``Blank 340``, ``Delta OD``, ``630 [Corrected]``) and the Results grids
are not readings: they are listed in ``metadata['derived_blocks']``, not read.
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass
from typing import Any

from mgkinetics.data.plates.common import PlateRead, SkippedCell
from mgkinetics.data.plates.xlsx import (
    Sheet,
    build_frame,
    clock_seconds,
    excel_seconds,
    first_rows,
    is_blank_row,
    read_sheet,
    signal_value,
    text_of,
    well_name,
)
from mgkinetics.errors import DataFormatError, Problem

__all__ = ["NAME", "DESCRIPTION", "sniff", "read"]

NAME = "biotek_gen5"
DESCRIPTION = "BioTek/Agilent Gen5 Excel export (Epoch 2, ELx808, Synergy): kinetic blocks Time | T° | wells"

_ABSORBANCE = re.compile(r"(?:[^:]*:)?\s*(\d{3,4})\s*(?:nm)?", re.IGNORECASE)
_FLUORESCENCE = re.compile(r"(?:[^:]*:)?\s*(\d{3,4})(?:/\d+)?\s*,\s*(\d{3,4})(?:/\d+)?", re.IGNORECASE)
_DERIVED = ("blank", "delta", "corrected", "ratio", "mean", "conc", "[")
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


def _first_sheet(workbook) -> str:
    return workbook.sheetnames[0]


def _procedure(sheet: Sheet) -> dict[str, Any]:
    """Key/value rows above the data (software, reader, plate) and every kinetic Interval, in seconds."""
    meta: dict[str, Any] = {"intervals_s": []}
    keys = {
        "Software Version": "software_version",
        "Reader Type:": "reader_type",
        "Plate Number": "plate_name",
        "Reading Type": "reading_type",
    }
    for row in sheet.rows:
        texts = [text_of(v) for v in row]
        if texts and texts[0] in keys and len(texts) > 1:
            meta[keys[texts[0]]] = texts[1]
        for text in texts:
            for m in _INTERVAL.finditer(text):
                meta["intervals_s"].append(clock_seconds(m[1]))
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
    if label.lower().startswith(_DERIVED[:2]) or any(word in label.lower() for word in _DERIVED[2:]):
        return None, None
    m = _ABSORBANCE.fullmatch(label)
    if m:
        return int(m[1]), None
    m = _FLUORESCENCE.fullmatch(label)
    if m:
        return int(m[2]), int(m[1])
    return None, None


def _header(sheet: Sheet, r: int, problems: list[Problem]) -> _Block | None:
    """The kinetic block whose header is row r, or None when row r is not a header."""
    row = sheet.rows[r]
    for c, value in enumerate(row):
        if text_of(value) != "Time":
            continue
        nxt = text_of(sheet.value(r, c + 1))
        if not (nxt.startswith("T°") or well_name(nxt)):
            continue
        temp_col = c + 1 if nxt.startswith("T°") else None
        first = c + 2 if temp_col is not None else c + 1
        wells: list[tuple[int, str]] = []
        for col in range(first, len(row)):
            text = text_of(row[col])
            if not text:
                break
            well = well_name(text)
            if well is None:
                problems.append(
                    Problem(
                        r + 1,
                        None,
                        f"{sheet.where(r, col)}: header '{text}' is not a well label "
                        "(A1..P24); fix the label or delete the column",
                    )
                )
                continue
            wells.append((col, well))
        if not wells:
            problems.append(
                Problem(
                    r + 1,
                    None,
                    f"{sheet.where(r)}: the kinetic header has no well columns "
                    "after Time/T°; the header row looks truncated",
                )
            )
        label = _label_of(sheet, r, c, nxt if temp_col is not None else "")
        wl, ex = _wavelengths(label)
        return _Block(r, c, temp_col, wells, label, wl, ex)
    return None


def _data_rows(sheet: Sheet, block: _Block) -> range:
    last = max([col for col, _ in block.wells] + [block.temp_col or 0, block.time_col])
    end = block.header_row + 1
    while end < len(sheet.rows):
        cells = sheet.rows[end][block.time_col : last + 1]
        if is_blank_row(cells) or text_of(sheet.value(end, block.time_col)) == "Time":
            break
        end += 1
    return range(block.header_row + 1, end)


def _times(sheet: Sheet, block: _Block, rows: range, interval_s: list[float], problems: list[Problem]):
    """Seconds from the block's first read, one per row (None where the cell was bad)."""
    stored: list[float | None] = []
    for k, r in enumerate(rows):
        value = sheet.value(r, block.time_col)
        try:
            seconds = excel_seconds(value, sheet.epoch)
        except ValueError as exc:
            problems.append(
                Problem(r + 1, None, f"{sheet.where(r, block.time_col)}: {exc}; expected h:mm:ss")
            )
            seconds = None
        else:
            if seconds is None and k > 0:
                problems.append(
                    Problem(
                        r + 1,
                        None,
                        f"{sheet.where(r, block.time_col)}: the time is empty; "
                        "only the first read may lack its time",
                    )
                )
        stored.append(seconds)
    if not stored or stored[0] is not None:
        first = stored[0] if stored else None
    elif len(stored) > 1 and stored[1] is not None and len(set(interval_s)) == 1:
        first = stored[1] - interval_s[0]
    else:
        r = rows[0]
        why = "no Interval" if not interval_s else f"several Intervals ({sorted(set(interval_s))} s)"
        problems.append(
            Problem(
                r + 1,
                None,
                f"{sheet.where(r, block.time_col)}: the first read's time is "
                f"empty and the Procedure rows state {why}; type the first read's time in",
            )
        )
        first = None
    if first is None:
        return [None] * len(stored)
    stored[0] = first
    return [None if s is None else round(s - first, 6) for s in stored]


def _read_block(sheet, block, plate, interval_s, records, skipped, problems) -> int:
    """Append the block's readings to records (skipped cells to skipped); return the number of reads."""
    rows = _data_rows(sheet, block)
    times = _times(sheet, block, rows, interval_s, problems)
    last = max(col for col, _ in block.wells)
    for r, time_s in zip(rows, times):
        temperature = float("nan")
        if block.temp_col is not None:
            try:
                value, _ = signal_value(sheet.value(r, block.temp_col))
                temperature = float("nan") if value is None else value
            except ValueError as exc:
                problems.append(
                    Problem(r + 1, None, f"{sheet.where(r, block.temp_col)} (temperature): {exc}")
                )
        for col, well in block.wells:
            where = f"{sheet.where(r, col)}, well {well}"
            try:
                signal, reason = signal_value(sheet.value(r, col))
            except ValueError as exc:
                problems.append(
                    Problem(r + 1, None, f"{where}: {exc}; leave the cell empty if there is no read")
                )
                continue
            if signal is None:
                skipped.append(
                    SkippedCell(
                        plate,
                        well,
                        time_s,
                        block.wavelength_nm,
                        text_of(sheet.value(r, col)),
                        f"{reason} at {sheet.where(r, col)}",
                    )
                )
            else:
                records.append((plate, well, time_s, block.wavelength_nm, temperature, signal))
        for col in range(last + 1, len(sheet.rows[r])):
            if text_of(sheet.rows[r][col]):
                problems.append(
                    Problem(
                        r + 1,
                        None,
                        f"{sheet.where(r, col)}: a value in a column without a well "
                        f"label in the header ({sheet.where(block.header_row)}); the header looks "
                        "truncated",
                    )
                )
                break
    return len(rows)


def read(path: pathlib.Path, *, sheet: str | None = None) -> PlateRead:
    """Read a Gen5 kinetic export into the traces table.

    Parameters
    ----------
    path : pathlib.Path
        The xlsx file.
    sheet : str, optional
        Sheet to read (Gen5 writes one per plate); default the first sheet.

    Returns
    -------
    PlateRead
        One row per reading; every raw-read block (wavelength) of the sheet; ``metadata['blocks']``
        describes each block, ``metadata['derived_blocks']`` the blocks that are not readings.

    Raises
    ------
    DataFormatError
        Every problem found (bad header, unknown well label, a cell that is not a number or time ...).
    """
    path = pathlib.Path(path)
    sh = read_sheet(path, sheet, _first_sheet)
    meta = _procedure(sh)
    plate_no = re.search(r"\d+", meta.get("plate_name", ""))
    plate_base = int(plate_no[0]) if plate_no else 1
    problems: list[Problem] = []
    records: list[tuple] = []
    skipped: list[SkippedCell] = []
    blocks, derived, seen = [], [], {}
    for r in range(len(sh.rows)):
        block = _header(sh, r, problems)
        if block is None or not block.wells:
            continue
        where = sh.where(block.header_row, block.time_col)
        if block.wavelength_nm is None:
            derived.append({"label": block.label, "header": where})
            continue
        repeat = seen.get(block.wavelength_nm, 0)
        seen[block.wavelength_nm] = repeat + 1
        plate = plate_base + repeat
        n = _read_block(sh, block, plate, meta["intervals_s"], records, skipped, problems)
        blocks.append(
            {
                "label": block.label,
                "header": where,
                "plate": plate,
                "wavelength_nm": block.wavelength_nm,
                "excitation_nm": block.excitation_nm,
                "reads": n,
                "wells": len(block.wells),
            }
        )
    if not blocks and not problems:
        problems.append(
            Problem(
                None,
                None,
                f"sheet '{sh.title}': no kinetic block (a row Time | T° <wavelength> | A1 ...) found",
            )
        )
    if problems:
        raise DataFormatError(str(path), problems)
    meta.update(sheet=sh.title, blocks=blocks, derived_blocks=derived)
    return PlateRead(build_frame(records), NAME, str(path), tuple(skipped), meta)
