"""Tecan Magellan Excel exports: per-read header lines and well blocks ``label | value per read``.

The header lines (``Wednesday, August 16, 2023: 16:12:40 / 0 sec / 37.1°C``) give each read's time in
seconds and its temperature; their number is the number of reads. Below them the wells are written as
blocks of one label cell followed by one value per read, several blocks side by side in a row and in no
fixed order, so every block is read by its label. Rows without a well label (plate maps, notes) are not
data. Magellan does not write the wavelength; it is read only when a cell states one
(``Wavelength: 340 nm``), else it is left empty. Exports with a ``Well positions`` column (one row per
well) are read by :mod:`~mgkinetics.data.plates.magellan_list`.
"""

from __future__ import annotations

import pathlib
import re
from typing import Any

from mgkinetics.data.plates.magellan_list import find_list_header, read_list
from mgkinetics.data.plates.parse import normalise_well, parse_number
from mgkinetics.data.plates.sheet_reader import ReaderDoc, sheet_reader
from mgkinetics.data.plates.xlsx import Sheet, SheetCells, open_workbook, read_sheet, text_of
from mgkinetics.errors import DataFormatError, Problem

__all__ = ["NAME", "DESCRIPTION", "sniff", "read"]

NAME = "tecan_magellan"
DESCRIPTION = (
    "Tecan Magellan Excel export: '<date>: <time> / <n> sec' read lines and well blocks, or a well list"
)

_READ_LINE = re.compile(
    r"(?P<date>.+?):\s*(?P<clock>\d{1,2}:\d{2}:\d{2})\s*/\s*(?P<sec>\d+(?:[.,]\d+)?)\s*s(?:ec)?"
    r"(?:\s*/\s*(?P<temp>-?\d+(?:[.,]\d+)?)\s*°\s*C)?\s*",
    re.IGNORECASE,
)
_LABEL_LIKE = re.compile(r"[A-Za-z]{1,2}\s*\d{1,3}")
_WAVELENGTH = re.compile(r"wavelength\D{0,30}?(\d{3,4})(?!\d)", re.IGNORECASE)


def _read_lines(rows) -> list[tuple[int, re.Match]]:
    return [(r, m) for r, row in enumerate(rows) if row and (m := _READ_LINE.fullmatch(text_of(row[0])))]


def sniff(path: pathlib.Path) -> bool:
    """True when column A of a sheet starts with Magellan read lines (``<date>: hh:mm:ss / <n> sec``).

    Never raises; False for anything that is not an xlsx workbook.
    """
    try:
        wb = open_workbook(pathlib.Path(path))
    except Exception:
        return False
    try:
        return _sheet_with_reads(wb) is not None
    except Exception:
        return False
    finally:
        wb.close()


def _sheet_with_reads(workbook) -> str | None:
    """The first sheet with read lines in the first 10 rows of column A, or a well list, else None."""
    for ws in workbook.worksheets:
        ws.reset_dimensions()
        rows = [tuple(r) for r in ws.iter_rows(max_row=10, max_col=8, values_only=True)]
        if _read_lines(rows) or find_list_header(rows):
            return ws.title
    return None


def _choose(workbook) -> str:
    """The first sheet with read lines (else the first sheet, whose problems are then reported)."""
    return _sheet_with_reads(workbook) or workbook.sheetnames[0]


def _reads(lines) -> tuple[list[float], list[float | None], list[str]]:
    """Seconds from the first read, temperature and clock of each read line."""
    secs = [parse_number(m["sec"]) for _, m in lines]
    temps = [parse_number(m["temp"]) if m["temp"] else None for _, m in lines]
    clocks = [f"{m['date']}: {m['clock']}" for _, m in lines]
    return [round(s - secs[0], 6) for s in secs], temps, clocks


def _blocks(sheet: Sheet, start: int, n_reads: int, cells: SheetCells):
    """Yield (row, label column, well) of every well block below ``start``; stray cells are problems."""
    for r in range(start, len(sheet.rows)):
        row = sheet.rows[r]
        labels = {c for c, v in enumerate(row) if isinstance(v, str) and _LABEL_LIKE.fullmatch(v.strip())}
        if not labels:
            continue  # no well label: a plate map, notes or an empty row, not data
        c = 0
        while c < len(row):
            text = text_of(row[c])
            if not text or c not in labels:
                if text:
                    cells.problem(
                        sheet,
                        r,
                        c,
                        f"'{text}' is outside every well block (a well label followed "
                        f"by {n_reads} values, one per read line)",
                    )
                c += 1
                continue
            well = normalise_well(text)
            if well is None:
                cells.problem(sheet, r, c, f"'{text}' is not a well label (A1..P24)")
            else:
                yield r, c, well
            c += n_reads + 1


def _wavelength(sheet: Sheet, rows: range) -> int | None:
    """The wavelength a cell states (``Wavelength: 340 nm``) in the given rows, None when none does."""
    found = {int(m[1]) for r in rows for v in sheet.rows[r] if (m := _WAVELENGTH.search(text_of(v)))}
    return found.pop() if len(found) == 1 else None


def _parse(path: pathlib.Path, sheet: str | None, cells: SheetCells) -> dict[str, Any]:
    """Every well block (or list row) of the sheet handed to ``cells``; the run's metadata."""
    sh = read_sheet(path, sheet, _choose)
    lines = _read_lines(sh.rows)
    header = find_list_header(sh.rows)
    if not lines and header:
        return {"sheet": sh.title, **read_list(sh, header, cells)}
    if not lines:
        message = "no read lines ('<date>: hh:mm:ss / <n> sec / <t>°C') or 'Well positions' column"
        raise DataFormatError(str(path), [Problem(1, sh.cell(0, 0), message)])
    times, temps, clocks = _reads(lines)
    n = len(lines)
    start = lines[-1][0] + 1
    wl = _wavelength(sh, range(len(sh.rows)))
    seen: dict[str, str] = {}
    for r, c, well in _blocks(sh, start, n, cells):
        if well in seen:
            cells.problem(
                sh, r, c, f"well {well} again (first at {seen[well]}); each well may have one block"
            )
            continue
        seen[well] = sh.cell(r, c)
        for k in range(n):
            value = sh.value(r, c + 1 + k)
            if isinstance(value, str) and _LABEL_LIKE.fullmatch(value.strip()):
                cells.problem(
                    sh,
                    r,
                    c + 1 + k,
                    f"well {well}: the block has {k} values, expected {n} (one per read line)",
                )
                break
            cells.add(
                sh,
                r,
                c + 1 + k,
                plate=1,
                well=well,
                time_s=times[k],
                wavelength_nm=wl,
                temperature_C=temps[k],
            )
    if not seen and not cells.problems:
        cells.problem(
            sh, start, None, f"no well blocks (a well label followed by {n} values) below the read lines"
        )
    return {"sheet": sh.title, "reads": n, "read_clock": clocks, "wells": len(seen)}


read = sheet_reader(
    NAME,
    _parse,
    ReaderDoc(
        summary="Read a Magellan kinetic export into the traces table.",
        sheet="Sheet to read; default the first sheet with read lines in column A.",
        returns="One row per reading; times and temperatures from the read lines, wavelength empty unless "
        "stated.",
        raises="Every problem found (no read lines, unknown well label, a short block, a well twice ...).",
    ),
)
