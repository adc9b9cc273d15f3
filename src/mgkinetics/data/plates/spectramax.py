"""Molecular Devices SoftMax Pro text exports (``##BLOCKS= n`` ... ``~End``), TimeFormat and PlateFormat.

A file is a series of blocks, each ended by ``~End``: ``Plate:`` blocks hold readings (each is one
plate, numbered from 1 in file order), ``Note:`` and ``Group:`` blocks hold text and software
results and are listed in the metadata, not read. A ``Plate:`` block is its tab-separated header
line, a column-header line and the reads:

* TimeFormat: one line per read (``time``, ``temperature``, one cell per well). Several
  wavelengths are stacked as one group of lines per wavelength (separated by blank lines), or, in
  files whose header repeats the well names, side by side.
* PlateFormat: per read a grid of plate rows (time and temperature in the first row), wavelengths
  side by side separated by an empty column.

After the reads, a second column-header line starts the software's reduced values (slopes,
means): not readings, reported in ``metadata["ignored"]``. Times ``hh:mm:ss`` / ``mm:ss`` are kept
as the file states them (the reader's elapsed time); endpoint reads get time 0.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from ...errors import DataFormatError, Problem
from .common import PlateRead
from .parse import PLATE_SHAPES, CellCollector, decode_bytes, hms_to_seconds, normalise_well, parse_number

__all__ = ["NAME", "DESCRIPTION", "sniff", "read"]

NAME = "spectramax"
DESCRIPTION = "Molecular Devices SoftMax Pro text export (##BLOCKS=, TimeFormat or PlateFormat)"

_DATA_TYPES = ("Raw", "Reduced", "Both")
_READ_TYPES = ("Kinetic", "Endpoint")


def sniff(path: Path) -> bool:
    """True when the file's first line is ``##BLOCKS= n`` (any encoding)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
        text, _ = decode_bytes(head[: len(head) - len(head) % 2] if b"\x00" in head else head)
    except Exception:  # noqa: BLE001 - a sniffer never raises
        return False
    return text.lstrip().startswith("##BLOCKS=")


@dataclass(frozen=True)
class _Block:
    kind: str  # Plate, Note, Group, ...
    start: int  # file line number of the block's first line
    lines: list[list[str]]  # tab-split lines up to (not including) ~End


@dataclass(frozen=True)
class _Header:
    name: str
    layout: str
    read_type: str
    read_mode: str
    data_type: str
    reads_declared: int | None
    interval_s: float | None
    wavelengths_nm: list[int | None]
    plate_wells: int


def read(path: Path, *, sheet: str | None = None) -> PlateRead:
    """Read a SoftMax Pro text export; ``sheet`` must be None (text files have none).

    Raises
    ------
    DataFormatError
        Every problem found: unknown layout or read type, bad times, wells, cells.
    """
    path = Path(path)
    source = str(path)
    if sheet is not None:
        raise DataFormatError(
            source, [Problem(None, None, "a SoftMax Pro text file has no sheets; drop --sheet")]
        )
    text, encoding = decode_bytes(path.read_bytes())
    lines = text.splitlines()
    blocks, declared, trailer = _split_blocks(lines, source)
    cells = CellCollector(source)
    plates: list[dict] = []
    ignored: list[str] = []
    for block in blocks:
        if block.kind != "Plate":
            ignored.append(f"line {block.start}: {block.kind} block (not readings)")
            continue
        header = _parse_header(block, cells)
        if header is None:
            continue
        plate = len(plates) + 1
        plates.append({"plate": plate, **asdict(header)})
        reader = _read_time_format if header.layout == "TimeFormat" else _read_plate_format
        reduced = reader(block, header, plate, cells)
        if not any(p == plate for p in cells.plates_with_cells()):
            ignored.append(f"line {block.start}: plate {plate} ('{header.name}') holds no raw readings")
        if reduced is not None:
            ignored.append(
                f"line {reduced}: reduced values of plate {plate} (computed by SoftMax Pro, not readings)"
            )
    if not cells.plates_with_cells() and not cells.problems:
        cells.problem(None, None, "no Plate: block with raw readings in this file; export the raw data")
    if declared is not None and declared > len(blocks):
        cells.problem(
            1,
            None,
            f"the file declares {declared} blocks but holds {len(blocks)} ending in ~End; "
            "it may be truncated",
        )
    frame, skipped = cells.finish()
    for info in plates:
        info["reads_found"] = int(frame.loc[frame["plate"] == info["plate"], "time_s"].nunique())
    metadata = {
        "encoding": encoding,
        "plates": plates,
        "ignored": ignored,
        "unmeasured_wells": {f"plate {p}, {w} nm": v for (p, w), v in cells.unmeasured().items()},
    }
    if trailer:
        metadata["trailer"] = trailer
    if declared is not None and declared < len(blocks):
        metadata["blocks_note"] = f"line 1 declares {declared} blocks; {len(blocks)} were found and read"
    return PlateRead(frame=frame, instrument=NAME, source=source, skipped=tuple(skipped), metadata=metadata)


def _split_blocks(lines: list[str], source: str) -> tuple[list[_Block], int | None, str]:
    m = re.match(r"^\s*##BLOCKS=\s*(\d+)", lines[0] if lines else "")
    if not m:
        raise DataFormatError(
            source, [Problem(1, None, "not a SoftMax Pro export: line 1 should be '##BLOCKS= n'")]
        )
    blocks: list[_Block] = []
    current: list[list[str]] | None = None
    start = 0
    trailer = []
    for number, line in enumerate(lines[1:], start=2):
        if current is None:
            if not line.strip():
                continue
            if line.startswith("~End"):
                continue
            kind = line.split(":", 1)[0].strip() if ":" in line.split("\t", 1)[0] else ""
            if kind in ("Plate", "Note", "Group"):
                current, start = [], number
            else:
                trailer.append(line.strip())
                continue
        if line.startswith("~End"):
            blocks.append(_Block(lines[start - 1].split(":", 1)[0].strip(), start, current))
            current = None
            continue
        current.append(line.split("\t"))
    if current is not None:
        raise DataFormatError(source, [Problem(start, None, "block has no ~End line: the file is truncated")])
    return blocks, int(m.group(1)), " ".join(trailer)


def _field(fields: list[str], i: int) -> str:
    return fields[i].strip() if i < len(fields) else ""


def _parse_header(block: _Block, cells: CellCollector) -> _Header | None:
    """The Plate: line's fields; the data-type field (Raw/Reduced) anchors the positions after it."""
    f = block.lines[0]
    line = block.start
    layout, read_type, read_mode = _field(f, 3), _field(f, 4), _field(f, 5)
    anchor = next((i for i in (6, 7) if _field(f, i) in _DATA_TYPES), None)
    if layout not in ("TimeFormat", "PlateFormat") or anchor is None:
        found = " | ".join(f[:8])
        cells.problem(
            line, None, f"Plate: line not understood (expected TimeFormat or PlateFormat and Raw); {found}"
        )
        return None
    if read_type not in _READ_TYPES:
        cells.problem(line, None, f"read type '{read_type}' is not supported (Kinetic or Endpoint only)")
        return None
    data_type = _field(f, anchor)
    if data_type == "Reduced":
        cells.problem(
            line, None, "this plate was exported as Reduced data only; export Raw data to get readings"
        )
        return None
    reads = parse_number(_field(f, anchor + 2))
    interval = parse_number(_field(f, anchor + 4))
    n_wl = parse_number(_field(f, anchor + 8))
    wl_text = _field(f, anchor + 9).split()
    wavelengths: list[int | None] = []
    for token in wl_text:
        value = parse_number(token)
        wavelengths.append(int(value) if value else None)  # luminescence without filter: 0
    if n_wl is not None and wavelengths and int(n_wl) != len(wavelengths):
        cells.problem(
            line, None, f"header says {int(n_wl)} wavelengths but lists {len(wl_text)} ({' '.join(wl_text)})"
        )
        return None
    repeated = sorted({w for w in wavelengths if w is not None and wavelengths.count(w) > 1})
    if repeated:
        message = f"wavelength {repeated[0]} nm is read more than once in one plate ({' '.join(wl_text)})"
        cells.problem(line, None, message + "; such reads cannot be told apart in a traces table")
        return None
    wells = parse_number(_field(f, anchor + 12))
    plate_wells = int(wells) if wells is not None and int(wells) in PLATE_SHAPES else 96
    reads_declared = int(reads) if reads is not None else None
    interval_s = interval if read_type == "Kinetic" else None
    return _Header(
        _field(f, 1),
        layout,
        read_type,
        read_mode,
        data_type,
        reads_declared,
        interval_s,
        wavelengths or [None],
        plate_wells,
    )


def _is_blank(fields: list[str]) -> bool:
    return all(not x.strip() for x in fields)


def _header_cells(fields: list[str]) -> list[str]:
    return [x.strip() for x in fields[2:] if x.strip()]


def _is_column_header(fields: list[str], columns: list[str]) -> bool:
    """A column-header line: well names only (TimeFormat), or the grid's column numbers (PlateFormat)."""
    rest = _header_cells(fields)
    if not rest:
        return False
    if all(normalise_well(x) for x in rest):
        return True
    return rest == columns[: len(rest)] and all(re.fullmatch(r"\d{1,2}", x) for x in rest)


def _on_plate(well: str, plate_wells: int) -> bool:
    rows, cols = PLATE_SHAPES[plate_wells]
    return ord(well[0]) - ord("A") < rows and int(well[1:]) <= cols


def _check_width(fields: list[str], width: int, line: int, cells: CellCollector) -> None:
    beyond = [x for x in fields[width:] if x.strip()]
    if beyond:
        cells.problem(line, None, f"{len(beyond)} cell(s) beyond the column header: '{beyond[0]}' ...")


def _time_of(
    fields: list[str], header: _Header, line: int, cells: CellCollector
) -> tuple[float | None, float | None]:
    """(time_s, temperature_C) of a read line; endpoint reads are at time 0."""
    temperature = parse_number(_field(fields, 1))
    if _field(fields, 1).strip('"').lower() not in ("", "nan") and temperature is None:
        cells.problem(line, "Temperature", f"'{_field(fields, 1)}' is not a temperature")
    if header.read_type == "Endpoint":
        return 0.0, temperature
    time_s = hms_to_seconds(_field(fields, 0))
    if time_s is None:
        cells.problem(line, "Time", f"'{_field(fields, 0)}' is not a time; expected hh:mm:ss")
    return time_s, temperature


def _groups(
    lines: list[list[str]], first: int, columns: list[str]
) -> tuple[list[list[tuple[int, list[str]]]], int | None]:
    """Read lines (after the column header) in blank-separated groups, and where reduced values start."""
    groups: list[list[tuple[int, list[str]]]] = [[]]
    for offset, fields in enumerate(lines):
        number = first + offset
        if _is_blank(fields):
            if groups[-1]:
                groups.append([])
            continue
        if _is_column_header(fields, columns):
            return [g for g in groups if g], number
        groups[-1].append((number, fields))
    return [g for g in groups if g], None


def _read_time_format(block: _Block, header: _Header, plate: int, cells: CellCollector) -> int | None:
    columns = block.lines[1]
    line0 = block.start + 1
    wells = [(i, normalise_well(x)) for i, x in enumerate(columns) if i >= 2 and x.strip()]
    bad = [columns[i] for i, w in wells if w is None]
    if bad or not wells:
        found = ", ".join(bad[:5]) or "no well names"
        cells.problem(line0, None, f"the column header should name wells (A1, A2 ...); found {found}")
        return None
    n_wl = len(header.wavelengths_nm)
    per_wl = len(wells) // n_wl
    side_by_side = (
        n_wl > 1 and len(wells) % n_wl == 0 and [w for _, w in wells[:per_wl]] * n_wl == [w for _, w in wells]
    )
    outside = [w for _, w in wells if w is not None and not _on_plate(w, header.plate_wells)]
    if outside:
        cells.problem(
            line0, None, f"wells {', '.join(outside[:5])} do not exist on a {header.plate_wells}-well plate"
        )
        return None
    groups, reduced = _groups(block.lines[2:], line0 + 1, _header_cells(columns))
    reads = [item for g in groups for item in g]
    if not reads:
        return reduced
    if side_by_side or n_wl == 1:
        assignment = [(item, None) for item in reads]
    elif len(groups) == n_wl:
        assignment = [(item, k) for k, g in enumerate(groups) for item in g]
    elif header.reads_declared and len(reads) == n_wl * header.reads_declared:  # groups split oddly
        assignment = [(item, i // header.reads_declared) for i, item in enumerate(reads)]
    else:
        message = f"{n_wl} wavelengths declared but the {len(reads)} read lines form {len(groups)} groups"
        cells.problem(
            line0, None, message + f"; expected one group of {header.reads_declared} per wavelength"
        )
        return reduced
    for (number, fields), k in assignment:
        time_s, temperature = _time_of(fields, header, number, cells)
        _check_width(fields, wells[-1][0] + 1, number, cells)
        for position, (i, well) in enumerate(wells):
            wl_index = position // per_wl if side_by_side else (k or 0)
            cells.add(
                plate=plate,
                well=well,
                time_s=time_s,
                wavelength_nm=header.wavelengths_nm[wl_index],
                temperature_C=temperature,
                text=_field(fields, i),
                line=number,
                column=well,
            )
    return reduced


def _plate_columns(
    columns: list[str], header: _Header, line: int, cells: CellCollector
) -> list[tuple[int, int, int]]:
    """(field index, wavelength index, column number) of every grid cell, from the column-header line."""
    out = []
    k = 0
    previous_blank = False
    for i in range(2, len(columns)):
        text = columns[i].strip()
        if not text:
            previous_blank = True
            continue
        if previous_blank and out:
            k += 1
        previous_blank = False
        if not re.fullmatch(r"\d{1,2}", text):
            cells.problem(line, None, f"column header cell '{text}' is not a plate column number")
            return []
        out.append((i, k, int(text)))
    if k + 1 != len(header.wavelengths_nm):
        message = f"{len(header.wavelengths_nm)} wavelengths declared but the grid has {k + 1} column groups"
        cells.problem(line, None, message)
        return []
    return out


def _read_plate_format(block: _Block, header: _Header, plate: int, cells: CellCollector) -> int | None:
    line0 = block.start + 1
    grid = _plate_columns(block.lines[1], header, line0, cells)
    if not grid:
        return None
    rows, n_cols = PLATE_SHAPES[header.plate_wells]
    groups, reduced = _groups(block.lines[2:], line0 + 1, _header_cells(block.lines[1]))
    for group in groups:
        if len(group) > rows:
            message = f"a read holds {len(group)} rows; a {header.plate_wells}-well plate has {rows}"
            cells.problem(group[0][0], None, message)
            continue
        time_s, temperature = _time_of(group[0][1], header, group[0][0], cells)
        for r, (number, fields) in enumerate(group):
            _check_width(fields, grid[-1][0] + 1, number, cells)
            for i, k, col in grid:
                if col > n_cols:
                    cells.problem(
                        line0, None, f"column {col} does not exist on a {header.plate_wells}-well plate"
                    )
                    return reduced
                well = f"{chr(ord('A') + r)}{col}"
                cells.add(
                    plate=plate,
                    well=well,
                    time_s=time_s,
                    wavelength_nm=header.wavelengths_nm[k],
                    temperature_C=temperature,
                    text=_field(fields, i),
                    line=number,
                    column=str(col),
                )
    return reduced
