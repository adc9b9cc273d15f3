"""SoftMax Pro text exports: blocks, the ``Plate:`` header line, and the read lines of a block.

The pieces :mod:`~mgkinetics.data.plates.spectramax` assembles: the file split into blocks ended by
``~End``, the ``Plate:`` line's fields (layout, read type, wavelengths, plate size), and the read lines
of a block grouped by blank lines, with each read's time and temperature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import DataFormatError, Problem
from .parse import PLATE_SHAPES, CellCollector, hms_to_seconds, normalise_well, parse_number

__all__ = [
    "Block",
    "Header",
    "split_blocks",
    "field",
    "parse_header",
    "is_blank",
    "header_cells",
    "is_column_header",
    "on_plate",
    "check_width",
    "time_of",
    "read_groups",
]

_DATA_TYPES = ("Raw", "Reduced", "Both")
_READ_TYPES = ("Kinetic", "Endpoint")


@dataclass(frozen=True)
class Block:
    kind: str  # Plate, Note, Group, ...
    start: int  # file line number of the block's first line
    lines: list[list[str]]  # tab-split lines up to (not including) ~End


@dataclass(frozen=True)
class Header:
    name: str
    layout: str
    read_type: str
    read_mode: str
    data_type: str
    reads_declared: int | None
    interval_s: float | None
    wavelengths_nm: list[int | None]
    plate_wells: int


def split_blocks(lines: list[str], source: str) -> tuple[list[Block], int | None, str]:
    m = re.match(r"^\s*##BLOCKS=\s*(\d+)", lines[0] if lines else "")
    if not m:
        raise DataFormatError(
            source, [Problem(1, None, "not a SoftMax Pro export: line 1 should be '##BLOCKS= n'")]
        )
    blocks: list[Block] = []
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
            blocks.append(Block(lines[start - 1].split(":", 1)[0].strip(), start, current))
            current = None
            continue
        current.append(line.split("\t"))
    if current is not None:
        raise DataFormatError(source, [Problem(start, None, "block has no ~End line: the file is truncated")])
    return blocks, int(m.group(1)), " ".join(trailer)


def field(fields: list[str], i: int) -> str:
    return fields[i].strip() if i < len(fields) else ""


def parse_header(block: Block, cells: CellCollector) -> Header | None:
    """The Plate: line's fields; the data-type field (Raw/Reduced) anchors the positions after it."""
    f = block.lines[0]
    line = block.start
    layout, read_type, read_mode = field(f, 3), field(f, 4), field(f, 5)
    anchor = next((i for i in (6, 7) if field(f, i) in _DATA_TYPES), None)
    if layout not in ("TimeFormat", "PlateFormat") or anchor is None:
        found = " | ".join(f[:8])
        cells.problem(
            line, None, f"Plate: line not understood (expected TimeFormat or PlateFormat and Raw); {found}"
        )
        return None
    if read_type not in _READ_TYPES:
        cells.problem(line, None, f"read type '{read_type}' is not supported (Kinetic or Endpoint only)")
        return None
    data_type = field(f, anchor)
    if data_type == "Reduced":
        cells.problem(
            line, None, "this plate was exported as Reduced data only; export Raw data to get readings"
        )
        return None
    reads = parse_number(field(f, anchor + 2))
    interval = parse_number(field(f, anchor + 4))
    n_wl = parse_number(field(f, anchor + 8))
    wl_text = field(f, anchor + 9).split()
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
    wells = parse_number(field(f, anchor + 12))
    plate_wells = int(wells) if wells is not None and int(wells) in PLATE_SHAPES else 96
    reads_declared = int(reads) if reads is not None else None
    interval_s = interval if read_type == "Kinetic" else None
    return Header(
        field(f, 1),
        layout,
        read_type,
        read_mode,
        data_type,
        reads_declared,
        interval_s,
        wavelengths or [None],
        plate_wells,
    )


def is_blank(fields: list[str]) -> bool:
    return all(not x.strip() for x in fields)


def header_cells(fields: list[str]) -> list[str]:
    return [x.strip() for x in fields[2:] if x.strip()]


def is_column_header(fields: list[str], columns: list[str]) -> bool:
    """A column-header line: well names only (TimeFormat), or the grid's column numbers (PlateFormat)."""
    rest = header_cells(fields)
    if not rest:
        return False
    if all(normalise_well(x) for x in rest):
        return True
    return rest == columns[: len(rest)] and all(re.fullmatch(r"\d{1,2}", x) for x in rest)


def on_plate(well: str, plate_wells: int) -> bool:
    rows, cols = PLATE_SHAPES[plate_wells]
    return ord(well[0]) - ord("A") < rows and int(well[1:]) <= cols


def check_width(fields: list[str], width: int, line: int, cells: CellCollector) -> None:
    beyond = [x for x in fields[width:] if x.strip()]
    if beyond:
        cells.problem(line, None, f"{len(beyond)} cell(s) beyond the column header: '{beyond[0]}' ...")


def time_of(
    fields: list[str], header: Header, line: int, cells: CellCollector
) -> tuple[float | None, float | None]:
    """(time_s, temperature_C) of a read line; endpoint reads are at time 0."""
    temperature = parse_number(field(fields, 1))
    if field(fields, 1).strip('"').lower() not in ("", "nan") and temperature is None:
        cells.problem(line, "Temperature", f"'{field(fields, 1)}' is not a temperature")
    if header.read_type == "Endpoint":
        return 0.0, temperature
    time_s = hms_to_seconds(field(fields, 0))
    if time_s is None:
        cells.problem(line, "Time", f"'{field(fields, 0)}' is not a time; expected hh:mm:ss")
    return time_s, temperature


def read_groups(
    lines: list[list[str]], first: int, columns: list[str], grid_width: int = 0
) -> tuple[list[list[tuple[int, list[str]]]], int | None]:
    """Read lines (after the column header) in blank-separated groups, and where reduced values start.

    With ``grid_width`` (PlateFormat) an empty line of tabs as wide as the grid is a plate row that
    was not read (a partial plate); shorter empty lines separate reads.
    """
    groups: list[list[tuple[int, list[str]]]] = [[]]
    reduced = None
    for number, fields in enumerate(lines, start=first):
        if is_blank(fields) and not (grid_width and len(fields) >= grid_width):
            groups += [[]] if groups[-1] else []
        elif is_column_header(fields, columns):
            reduced = number
            break
        else:
            groups[-1].append((number, fields))
    return [g for g in groups if g and not all(is_blank(f) for _, f in g)], reduced
