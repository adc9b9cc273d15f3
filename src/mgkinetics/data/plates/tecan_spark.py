"""Tecan Spark (SparkControl) Excel exports: one kinetic block or endpoint grid per label.

The method rows name each label (``Name | Label 1``) and its ``Measurement wavelength`` (absorbance)
or ``Emission wavelength`` (fluorescence). Each label's kinetic block starts with the label's name in
column A and a ``Cycle Nr.`` row, in one of two layouts found by content:

- cycles as rows: header ``Cycle Nr. | Time [s] | Temp. [°C] | A1 | A2 ...``, one row per cycle;
- wells as rows: rows ``Cycle Nr. | 1 | 2 ...``, ``Time [s] | ...``, ``Temp. [°C] | ...``, then one row
  per well ``A1 | values ...``.

An endpoint read is a ``<>`` grid (column numbers right of it, row letters below) read at time 0, with
the temperature of a ``Temperature`` row above it. Times are the block's ``Time [s]`` minus its first
cycle's. Wells whose cells are empty in every cycle were not measured: they are not rows and not
skipped cells but listed in ``metadata['unmeasured_wells']``; ``OVER`` / ``INVALID`` cells are skipped.
A block whose wavelength an earlier block already has is the next plate."""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass
from typing import Any

from mgkinetics.data.plates.parse import normalise_well, parse_number, time_unit_from_header
from mgkinetics.data.plates.sheet_reader import ReaderDoc, sheet_reader
from mgkinetics.data.plates.xlsx import (
    Sheet,
    SheetCells,
    first_rows,
    is_blank_row,
    next_filled_row,
    read_sheet,
    report_unlabelled,
    text_of,
)
from mgkinetics.units import TIME_FACTORS_S

__all__ = ["NAME", "DESCRIPTION", "sniff", "read"]

NAME = "tecan_spark"
DESCRIPTION = "Tecan Spark (SparkControl) Excel export: label blocks Cycle Nr. | Time [s] | Temp. | wells"

_CYCLE = "Cycle Nr."
_WAVELENGTH_KEYS = ("measurement wavelength", "emission wavelength")


@dataclass
class _Axis:
    """Where a block's cycles, times, temperatures and wells are: one index list per quantity."""

    cycles: list[int]  # row (cycles as rows) or column (wells as rows) of each cycle
    time: int | None  # column (cycles as rows) or row (wells as rows) of Time
    time_scale: float
    temp: int | None
    wells: list[tuple[int, str]]  # (column or row, well)
    transposed: bool


def sniff(path: pathlib.Path) -> bool:
    """True when column A of the first rows says ``Application: SparkControl`` or ``Device: Spark``.

    Never raises; False for anything that is not an xlsx workbook.
    """
    try:
        heads = [text_of(row[0]) for row in first_rows(pathlib.Path(path), 10) if row]
        return any(
            re.match(r"(Application:\s*SparkControl|Device:\s*Spark\b)", h, re.IGNORECASE) for h in heads
        )
    except Exception:
        return False


def _labels(sheet: Sheet) -> dict[str, int | None]:
    """Label name -> its wavelength in nm, from the method rows (``Name | Label 1``, ``... wavelength``)."""
    labels: dict[str, int | None] = {}
    current = None
    for row in sheet.rows:
        texts = [text_of(v) for v in row]
        rest = [t for t in texts[1:] if t]
        if not texts or not texts[0]:
            current = None if is_blank_row(row) else current
            continue
        if texts[0] == "Name" and rest:
            current = rest[0]
            labels.setdefault(current, None)
        elif current and texts[0].lower() in _WAVELENGTH_KEYS and rest:
            value = parse_number(rest[0])
            labels[current] = None if value is None else int(value)
    return labels


def _wavelength_of(label: str, wavelengths: dict[str, int | None]) -> int | None:
    """The label's wavelength; a block named otherwise takes the method's only wavelength, if it has one."""
    if label in wavelengths:
        return wavelengths[label]
    stated = {wl for wl in wavelengths.values() if wl is not None}
    return stated.pop() if len(stated) == 1 else None


def _time_scale(header: str) -> float:
    """Seconds per unit of a ``Time [s]`` header (1 when it states no unit)."""
    _, unit = time_unit_from_header(header)
    return TIME_FACTORS_S[unit] if unit else 1.0


def _header_wells(sheet: Sheet, r: int, cols: range, cells: SheetCells) -> list[tuple[int, str]]:
    """(column, well) of the well header cells of row r, up to the first empty cell."""
    wells = []
    for c in cols:
        text = text_of(sheet.value(r, c))
        if not text:
            break
        well = normalise_well(text)
        if well is None:
            cells.problem(sheet, r, c, f"header '{text}' is not a well label (A1..P24)")
        else:
            wells.append((c, well))
    return wells


def _cycle_rows(sheet: Sheet, r: int, cells: SheetCells) -> _Axis:
    """The axis of a block with cycles as rows, header in row r."""
    temp = 2 if text_of(sheet.value(r, 2)).lower().startswith("temp") else None
    first = 3 if temp is not None else 2
    wells = _header_wells(sheet, r, range(first, len(sheet.rows[r])), cells)
    cycles = []
    k = r + 1
    while k < len(sheet.rows) and parse_number(text_of(sheet.value(k, 0))) is not None:
        cycles.append(k)
        k += 1
    after = next_filled_row(sheet, k)
    if after is not None and parse_number(text_of(sheet.value(after, 0))) is not None and after > k:
        cells.problem(
            sheet,
            after,
            0,
            f"a cycle below the empty row {k + 1} that ends the block of row {r + 1}; "
            "delete the empty row so that it is read",
        )
    return _Axis(cycles, 1, _time_scale(text_of(sheet.value(r, 1))), temp, wells, False)


def _well_rows(sheet: Sheet, r: int, cells: SheetCells) -> _Axis:
    """The axis of a block with wells as rows, its ``Cycle Nr.`` row being r."""
    row = sheet.rows[r]
    cycles = []
    for c in range(1, len(row)):
        if parse_number(text_of(row[c])) is None:
            break
        cycles.append(c)
    time = temp = None
    scale = 1.0
    wells = []
    k = r + 1
    while k < len(sheet.rows) and not is_blank_row(sheet.rows[k]):
        head = text_of(sheet.value(k, 0))
        if time_unit_from_header(head)[0]:
            time, scale = k, _time_scale(head)
        elif head.lower().startswith("temp"):
            temp = k
        elif normalise_well(head):
            wells.append((k, normalise_well(head)))
        else:
            cells.problem(sheet, k, 0, f"'{head}' is not a well label (A1..P24) nor Time / Temp.")
        k += 1
    return _Axis(cycles, time, scale, temp, wells, True)


def _axis(sheet: Sheet, r: int, cells: SheetCells) -> _Axis | None:
    """The layout of the block whose ``Cycle Nr.`` cell is in row r; None (and a problem) if unknown."""
    nxt = text_of(sheet.value(r, 1))
    if time_unit_from_header(nxt)[0]:
        axis = _cycle_rows(sheet, r, cells)
    elif parse_number(nxt) is not None:
        axis = _well_rows(sheet, r, cells)
    else:
        cells.problem(
            sheet,
            r,
            1,
            f"'{nxt}' after '{_CYCLE}': expected 'Time [s]' (cycles as rows) or the "
            "first cycle number (wells as rows); the header looks truncated",
        )
        return None
    if not axis.wells or not axis.cycles:
        cells.problem(
            sheet,
            r,
            0,
            f"the block has {len(axis.wells)} wells and {len(axis.cycles)} cycles; "
            "the header or the data looks truncated",
        )
        return None
    return axis


def _read_block(sheet: Sheet, axis: _Axis, plate: int, wl: int | None, cells: SheetCells) -> None:
    """Sort the block's cells into cells, with times from the block's first cycle."""

    def at(cycle: int, other: int | None) -> tuple[int, int] | None:
        if other is None:
            return None
        return (other, cycle) if axis.transposed else (cycle, other)

    times, temps = [], []
    for cycle in axis.cycles:
        t, temp = at(cycle, axis.time), at(cycle, axis.temp)
        times.append(None if t is None else cells.number(sheet, *t, "time"))
        temps.append(None if temp is None else cells.number(sheet, *temp, "temperature"))
    first = times[0]
    for cycle, time, temp in zip(axis.cycles, times, temps):
        time_s = None if time is None or first is None else round((time - first) * axis.time_scale, 6)
        for other, well in axis.wells:
            cells.add(
                sheet,
                *at(cycle, other),
                plate=plate,
                well=well,
                time_s=time_s,
                wavelength_nm=wl,
                temperature_C=temp,
            )
    _check_stray(sheet, axis, cells)


def _grid_wells(sheet: Sheet, r: int, cells: SheetCells) -> list[tuple[int, int, str]]:
    """(row, column, well) of an endpoint grid: ``<>`` at row r, column numbers right, row letters below."""
    cols = []
    for c in range(1, len(sheet.rows[r])):
        number = parse_number(text_of(sheet.value(r, c)))
        if number is None:
            break
        cols.append((c, int(number)))
    wells = []
    k = r + 1
    while k < len(sheet.rows) and re.fullmatch(r"[A-Za-z]", text_of(sheet.value(k, 0))):
        for c, number in cols:
            well = normalise_well(f"{text_of(sheet.value(k, 0))}{number}")
            if well is None:
                cells.problem(
                    sheet, k, c, f"row {text_of(sheet.value(k, 0))}, column {number} is no well (A1..P24)"
                )
            else:
                wells.append((k, c, well))
        k += 1
    if not wells:
        cells.problem(
            sheet, r, 0, "the '<>' grid has no column numbers or no row letters; it looks truncated"
        )
    report_unlabelled(cells, sheet, range(r + 1, k), max((c for c, _ in cols), default=0), "the '<>' grid")
    return wells


def _above(sheet: Sheet, r: int, known: dict[str, int | None]) -> tuple[str | None, float | None]:
    """The label name and the temperature stated above row r, up to the block before it."""
    label = temperature = None
    for k in range(r - 1, -1, -1):
        head = text_of(sheet.value(k, 0))
        if head in (_CYCLE, "<>") or (label is not None and temperature is not None):
            break
        name = next((text_of(v) for v in sheet.rows[k][1:] if text_of(v)), "") if head == "Name" else head
        if label is None and name in known:
            label = name  # a label row above the grid, or the method's 'Name | Label 1' row
        elif temperature is None and head.lower().startswith("temperature"):
            found = re.search(r"-?\d+(?:[.,]\d+)?", " ".join(text_of(v) for v in sheet.rows[k]))
            temperature = parse_number(found[0]) if found else None
    return label, temperature


def _check_stray(sheet: Sheet, axis: _Axis, cells: SheetCells) -> None:
    """A problem for values right of the block's last labelled column (a truncated header)."""
    if axis.transposed:
        rows, last, header = [r for r, _ in axis.wells], max(axis.cycles), "the Cycle Nr. row"
    else:
        rows, last, header = axis.cycles, max(c for c, _ in axis.wells), "the Cycle Nr. header"
    report_unlabelled(cells, sheet, rows, last, header)


def _next_plate(wl: int | None, seen: dict[int | None, int]) -> int:
    """The plate of a block read at wl: 1, or the next number when an earlier block had the same wl."""
    seen[wl] = seen.get(wl, 0) + 1
    return seen[wl]


def _read_endpoint(sheet: Sheet, r: int, known: dict, seen: dict, cells: SheetCells) -> dict[str, Any]:
    """Sort the cells of the ``<>`` grid at row r (time 0); describe the block."""
    label, temperature = _above(sheet, r, known)
    label = label or f"grid at row {r + 1}"
    wl = _wavelength_of(label, known)
    plate = _next_plate(wl, seen)
    wells = _grid_wells(sheet, r, cells)
    for k, c, well in wells:
        cells.add(
            sheet, k, c, plate=plate, well=well, time_s=0.0, wavelength_nm=wl, temperature_C=temperature
        )
    return {
        "label": label,
        "header": sheet.cell(r, 0),
        "plate": plate,
        "wavelength_nm": wl,
        "cycles": 1,
        "wells": len(wells),
        "layout": "endpoint grid",
    }


def _read_kinetic(sheet: Sheet, r: int, known: dict, seen: dict, cells: SheetCells) -> dict[str, Any] | None:
    """Sort the cells of the kinetic block whose ``Cycle Nr.`` is in row r; describe the block."""
    label = text_of(sheet.value(r - 1, 0)) or f"block at row {r + 1}"
    axis = _axis(sheet, r, cells)
    if axis is None:
        return None
    wl = _wavelength_of(label, known)
    plate = _next_plate(wl, seen)
    _read_block(sheet, axis, plate, wl, cells)
    return {
        "label": label,
        "header": sheet.cell(r, 0),
        "plate": plate,
        "wavelength_nm": wl,
        "cycles": len(axis.cycles),
        "wells": len(axis.wells),
        "layout": "wells as rows" if axis.transposed else "cycles as rows",
    }


def _parse(path: pathlib.Path, sheet: str | None, cells: SheetCells) -> dict[str, Any]:
    """Every label block and endpoint grid of the sheet handed to ``cells``; the run's metadata."""
    sh = read_sheet(path, sheet)
    wavelengths = _labels(sh)
    blocks: list[dict[str, Any]] = []
    seen: dict[int | None, int] = {}  # wavelength -> blocks with it so far
    for r, row in enumerate(sh.rows):
        head = text_of(row[0])
        if head in ("<>", _CYCLE):
            block = (_read_endpoint if head == "<>" else _read_kinetic)(sh, r, wavelengths, seen, cells)
            blocks += [block] if block else []
    if not blocks and not cells.problems:
        cells.problem(sh, 0, None, f"no kinetic block (a '{_CYCLE}' row) or endpoint grid ('<>') found")
    meta: dict[str, Any] = {"sheet": sh.title, "labels": blocks}
    for key, name in (("Interval time", "interval"), ("Kinetic duration", "kinetic_duration")):
        row = next((r for r in sh.rows if text_of(r[0]) == key), ())
        meta[name] = next((text_of(v) for v in row[1:] if text_of(v)), "")
    return meta


def _unmeasured_cells(meta: dict[str, Any], unmeasured: dict) -> None:
    """``meta['unmeasured_cells']``: the empty cells of the unmeasured wells, every cycle of each block."""
    blocks = meta["labels"]
    meta["unmeasured_cells"] = sum(
        b["cycles"] * len(unmeasured.get((b["plate"], b["wavelength_nm"]), [])) for b in blocks
    )


read = sheet_reader(
    NAME,
    _parse,
    ReaderDoc(
        summary="Read a SparkControl kinetic or endpoint export into the traces table.",
        sheet="Sheet to read; default the first sheet.",
        returns="One row per reading of every label block (endpoint grids at time 0); a label whose "
        "wavelength an earlier label already has goes to the next plate number. ``metadata['labels']`` "
        "describes each block, ``metadata['unmeasured_wells']`` / ``['unmeasured_cells']`` the empty "
        "well columns.",
        raises="Every problem found (truncated header, unknown well label, text in a number cell ...).",
    ),
    complete=_unmeasured_cells,
)
