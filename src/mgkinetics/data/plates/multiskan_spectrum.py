"""Thermo Multiskan Spectrum / SkanIt "Results of Photometric" text exports.

Layout: a title line (``Results of Photometric1``), then sections ``<tab>Plate:p - Wavelength:w``,
each a series of ``<tab>Iteration: k`` grids (or one grid without an iteration line): one line per
plate row (row letter not written, first cell empty), one cell per plate column.

The file has no read times and no temperatures: ``time_s`` and ``temperature_C`` are NaN and the
``plate`` number is the iteration (the contract for plate snapshots without time stamps). When the
file holds several ``Plate:`` numbers *and* iterations, plates are numbered in file order and
``metadata["plates"]`` says which Plate/Iteration each number is.

The exporter sometimes writes a doubled tab inside a row (one cell too many): when the row has
exactly as many empty cells between its values as cells too many, those are dropped (the values
are then the plate columns in order) and the line is listed in ``metadata["doubled_tabs"]``; any
other row with too many cells is an error naming its line.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import DataFormatError, Problem
from .common import PlateRead
from .parse import PLATE_SHAPES, CellCollector
from .text_decode import decode_bytes, file_start

__all__ = ["NAME", "DESCRIPTION", "sniff", "read"]

NAME = "multiskan_spectrum"
DESCRIPTION = "Thermo Multiskan Spectrum / SkanIt 'Results of Photometric' text export (iteration grids)"

_SECTION_RE = re.compile(r"^\s*Plate:\s*(\d+)\s*-\s*Wavelength:\s*(\d+)\s*(?:nm)?\s*$", re.IGNORECASE)
_ITERATION_RE = re.compile(r"^\s*Iteration:\s*(\d+)\s*$", re.IGNORECASE)


def sniff(path: Path) -> bool:
    """True when one of the first lines is ``Results of Photometric...`` or ``Plate:p - Wavelength:w``."""
    lines = [line.strip() for line in (file_start(path, 2048) or "").splitlines() if line.strip()][:5]
    return any(line.startswith("Results of Photometric") or _SECTION_RE.match(line) for line in lines)


def _grids(
    lines: list[str], source: str
) -> tuple[list[tuple[int, int, int, list[tuple[int, str]]]], list[str]]:
    """(plate, wavelength, iteration, [(line number, text), ...]) of every grid; and the title lines."""
    grids: list[tuple[int, int, int, list[tuple[int, str]]]] = []
    titles: list[str] = []
    section: tuple[int, int] | None = None
    current: list[tuple[int, str]] | None = None
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        m = _SECTION_RE.match(text)
        if m:
            section, current = (int(m.group(1)), int(m.group(2))), None
            continue
        m = _ITERATION_RE.match(text)
        if m:
            if section is None:
                raise DataFormatError(
                    source, [Problem(number, None, "Iteration line before any 'Plate:p - Wavelength:w' line")]
                )
            current = []
            grids.append((*section, int(m.group(1)), current))
            continue
        if not line.strip("\r\n"):  # a truly empty line ends a grid; a row of tabs is an empty plate row
            current = None
            continue
        if section is None:
            titles.append(text)
            continue
        if current is None:  # a grid without an Iteration line
            current = []
            grids.append((*section, 1, current))
        current.append((number, line))
    return grids, titles


def _row_cells(line: str, n_cols: int, number: int, cells: CellCollector, repaired: list[int]) -> list[str]:
    """The row's n_cols cells; doubled tabs between values are dropped when that is unambiguous."""
    tokens = line.rstrip("\r\n").split("\t")
    if tokens and not tokens[0].strip():
        tokens = tokens[1:]  # the row letter is not written: the first cell is empty
    else:
        cells.problem(number, None, "a grid row should start with an empty cell (tab)")
        return []
    extra = len(tokens) - n_cols
    if extra <= 0:
        return tokens + [""] * (-extra)
    filled = [i for i, t in enumerate(tokens) if t.strip()]
    inner = [i for i in range(filled[0], filled[-1]) if not tokens[i].strip()] if filled else []
    if len(inner) == extra:
        repaired.append(number)
        return [t for i, t in enumerate(tokens) if i not in set(inner)]
    if not inner and all(not t.strip() for t in tokens[n_cols:]) and (not filled or filled[0] == 0):
        return tokens[:n_cols]
    cells.problem(
        number,
        None,
        f"row has {len(tokens)} cells for {n_cols} plate columns and it is not clear "
        "which empty cell is a doubled tab; fix the row so each column has one cell",
    )
    return []


def _plate_shape(grids: list, source: str) -> tuple[int, int]:
    """(rows, columns) of the plate, from the longest grid and the widest row."""
    n_rows = max((len(rows) for *_, rows in grids), default=0)
    for _, (rows, cols) in sorted(PLATE_SHAPES.items()):
        if rows == n_rows:
            return rows, cols
    raise DataFormatError(
        source,
        [
            Problem(
                grids[0][3][0][0] if grids and grids[0][3] else None,
                None,
                f"grids have {n_rows} rows; expected 8 (96 wells) or 16 (384 wells)",
            )
        ],
    )


def read(path: Path, *, sheet: str | None = None) -> PlateRead:
    """Read a SkanIt "Results of Photometric" export; ``sheet`` must be None.

    Raises
    ------
    DataFormatError
        Every problem found: rows that do not fit the plate, cells that are not numbers, repeated
        iterations.
    """
    path = Path(path)
    source = str(path)
    if sheet is not None:
        raise DataFormatError(source, [Problem(None, None, "a SkanIt text file has no sheets; drop --sheet")])
    text, encoding = decode_bytes(path.read_bytes())
    grids, titles = _grids(text.splitlines(), source)
    if not grids:
        raise DataFormatError(
            source, [Problem(None, None, "no 'Plate:p - Wavelength:w' section with readings")]
        )
    n_rows, n_cols = _plate_shape(grids, source)
    plate_numbers = sorted({p for p, *_ in grids})
    numbering: dict[tuple[int, int], int] = {}
    cells = CellCollector(source)
    repaired: list[int] = []
    for plate_no, wavelength, iteration, rows in grids:
        key = (plate_no, iteration)
        if len(plate_numbers) == 1:
            numbering.setdefault(key, iteration)
        else:
            numbering.setdefault(key, len(numbering) + 1)
        if len(rows) != n_rows:
            cells.problem(
                rows[0][0],
                None,
                f"grid of Plate:{plate_no}, {wavelength} nm, iteration {iteration} "
                f"has {len(rows)} rows; the other grids have {n_rows}",
            )
            continue
        for r, (number, line) in enumerate(rows):
            tokens = _row_cells(line, n_cols, number, cells, repaired)
            places = [
                (f"{chr(ord('A') + r)}{c}", wavelength, token, str(c)) for c, token in enumerate(tokens, 1)
            ]
            keys = {"plate": numbering[key], "time_s": None, "temperature_C": None, "series": plate_no}
            cells.add_line(number, places, **keys)
    frame, skipped = cells.finish()
    metadata = {
        "encoding": encoding,
        "title": " ".join(titles),
        "plate_wells": n_rows * n_cols,
        "times": "the file has no read times or temperatures: time_s and temperature_C are NaN, "
        "plate is the iteration number",
        "plates": {number: f"Plate:{p} Iteration:{i}" for (p, i), number in numbering.items()},
        "wavelengths_nm": sorted({w for _, w, *_ in grids}),
        "doubled_tabs": repaired,
        "unmeasured_wells": {f"Plate:{p}, {w} nm": v for (p, w), v in cells.unmeasured().items()},
    }
    return PlateRead(frame=frame, instrument=NAME, source=source, skipped=tuple(skipped), metadata=metadata)
