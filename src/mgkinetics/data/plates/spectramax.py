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
from dataclasses import asdict
from itertools import takewhile
from pathlib import Path

from ...errors import DataFormatError, Problem
from .common import PlateRead
from .parse import PLATE_SHAPES, CellCollector, normalise_well
from .spectramax_blocks import (
    Block,
    Header,
    check_width,
    field,
    header_cells,
    on_plate,
    parse_header,
    read_groups,
    split_blocks,
    time_of,
)
from .text_decode import decode_bytes, file_start

__all__ = ["NAME", "DESCRIPTION", "sniff", "read"]

NAME = "spectramax"
DESCRIPTION = "Molecular Devices SoftMax Pro text export (##BLOCKS=, TimeFormat or PlateFormat)"


def sniff(path: Path) -> bool:
    """True when the file's first line is ``##BLOCKS= n`` (any encoding)."""
    text = file_start(path, 512)
    return text is not None and text.lstrip().startswith("##BLOCKS=")


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
    blocks, declared, trailer = split_blocks(lines, source)
    cells = CellCollector(source)
    plates: list[dict] = []
    ignored: list[str] = []
    for block in blocks:
        if block.kind != "Plate":
            ignored.append(f"line {block.start}: {block.kind} block (not readings)")
            continue
        header = parse_header(block, cells)
        if header is None:
            continue
        plate = len(plates) + 1
        plates.append({"plate": plate, **asdict(header)})
        reader = _read_time_format if header.layout == "TimeFormat" else _read_plate_format
        reduced = reader(block, header, plate, cells, ignored)
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


def _read_time_format(
    block: Block, header: Header, plate: int, cells: CellCollector, ignored: list[str]
) -> int | None:
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
    outside = [w for _, w in wells if w is not None and not on_plate(w, header.plate_wells)]
    if outside:
        cells.problem(
            line0, None, f"wells {', '.join(outside[:5])} do not exist on a {header.plate_wells}-well plate"
        )
        return None
    groups, reduced = read_groups(block.lines[2:], line0 + 1, header_cells(columns))
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
        time_s, temperature = time_of(fields, header, number, cells)
        check_width(fields, wells[-1][0] + 1, number, cells)
        places = [
            (i, well, position // per_wl if side_by_side else (k or 0), well)
            for position, (i, well) in enumerate(wells)
        ]
        _add_line(cells, plate, header, (number, fields, time_s, temperature), places)
    return reduced


def _add_line(cells: CellCollector, plate: int, header: Header, read: tuple, places: list) -> None:
    """Add the cells of one read line of either layout: ``read`` is (line number, fields, time_s,
    temperature in °C), ``places`` the (field index, well, wavelength index, column label) of each."""
    number, fields, time_s, temperature = read
    cells_of_line = [
        (well, header.wavelengths_nm[k], field(fields, i), column) for i, well, k, column in places
    ]
    cells.add_line(number, cells_of_line, plate=plate, time_s=time_s, temperature_C=temperature)


def _plate_columns(
    columns: list[str], header: Header, line: int, cells: CellCollector
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


def _declared_reads(groups: list, header: Header, value_fields: list[int], ignored: list, cells) -> list:
    """The read grids, without those after the declared number of reads whose cells are all empty.

    SoftMax Pro can write a second series of the planned reads (times again from 0) with no values;
    they are no reads and are listed in ``ignored``. A non-empty grid beyond the declared reads is a
    problem: its times would repeat those of the first series.
    """
    declared = header.reads_declared
    if header.read_type != "Kinetic" or not declared or len(groups) <= declared:
        return groups
    extra = groups[declared:]
    if any(field(fields, i) for group in extra for _, fields in group for i in value_fields):
        message = f"{len(groups)} read grids but the Plate: line declares {declared} reads"
        cells.problem(
            extra[0][0][0], None, message + "; the reads after the declared ones are not understood"
        )
        return groups[:declared]
    ignored.append(
        f"line {extra[0][0][0]}: {len(extra)} read grids after the {declared} declared reads, all empty"
    )
    return groups[:declared]


def _read_plate_format(
    block: Block, header: Header, plate: int, cells: CellCollector, ignored: list[str]
) -> int | None:
    line0 = block.start + 1
    grid = _plate_columns(block.lines[1], header, line0, cells)
    if not grid:
        return None
    rows, n_cols = PLATE_SHAPES[header.plate_wells]
    groups, reduced = read_groups(block.lines[2:], line0 + 1, header_cells(block.lines[1]), grid[-1][0] + 1)
    groups = _declared_reads(groups, header, [i for i, _, _ in grid], ignored, cells)
    for group in groups:
        if len(group) > rows:
            message = f"a read holds {len(group)} rows; a {header.plate_wells}-well plate has {rows}"
            cells.problem(group[0][0], None, message)
            continue
        lead = next(((n, f) for n, f in group if field(f, 0) or field(f, 1)), group[0])  # first read row
        time_s, temperature = time_of(lead[1], header, lead[0], cells)
        for r, (number, fields) in enumerate(group):
            check_width(fields, grid[-1][0] + 1, number, cells)
            on_grid = list(takewhile(lambda place: place[2] <= n_cols, grid))  # up to a column off the plate
            places = [(i, f"{chr(ord('A') + r)}{col}", k, str(col)) for i, k, col in on_grid]
            _add_line(cells, plate, header, (number, fields, time_s, temperature), places)
            if len(on_grid) < len(grid):
                col = grid[len(on_grid)][2]
                message = f"column {col} does not exist on a {header.plate_wells}-well plate"
                cells.problem(line0, None, message)
                return reduced
    return reduced
