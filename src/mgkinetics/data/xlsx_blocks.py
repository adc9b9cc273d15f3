"""Second tables on a worksheet: blocks of cells set apart from the first table by a blank row or a blank
column, as an enzymologist lays out two runs or a results box beside the data.

* A block below the first table, after one or more blank rows, whose first row repeats the header
  (a second run with the same columns) is read with it: its rows keep their sheet row numbers.
* A block below whose first row is another header (text cells that are not numbers: a results box,
  a second kind of table) is not read, and a :class:`~mgkinetics.errors.MgKineticsWarning` names the
  sheet and its cell range.
* A block to the right, after a column that is empty in every row, is part of the table when its
  names are in the header row and new (a spacer column); when its first row is another row, or it
  repeats the header's names (a second run side by side), it is not read, with the same warning.
* Rows below the table after a blank row that hold numbers without a header are more rows of the
  table (as they always were).
"""

from __future__ import annotations

import warnings

from mgkinetics.errors import MgKineticsWarning

__all__ = ["cell_range", "first_table"]


def cell_range(first_row: int, last_row: int, first_col: int, last_col: int) -> str:
    """``A9:B11`` for rows 9..11 and columns 0..1 (0-based columns, Excel's letters).

    Examples
    --------
    >>> cell_range(9, 11, 0, 1), cell_range(3, 9, 26, 27)
    ('A9:B11', 'AA3:AB9')
    """
    return f"{_letters(first_col)}{first_row}:{_letters(last_col)}{last_row}"


def _letters(col: int) -> str:
    out = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def _filled(cells: list, start: int, stop: int) -> list[int]:
    return [j for j in range(start, min(stop, len(cells))) if cells[j] != ""]


def _column_blocks(rows: list[tuple[int, list]]) -> list[tuple[int, int]]:
    """[start, stop) column ranges separated by columns that are empty in every row."""
    width = max(len(c) for _, c in rows)
    used = [any(j < len(c) and c[j] != "" for _, c in rows) for j in range(width)]
    blocks, start = [], None
    for j, u in enumerate([*used, False]):
        if u and start is None:
            start = j
        elif not u and start is not None:
            blocks.append((start, j))
            start = None
    return blocks


def _is_header(cells: list) -> bool:
    """Text cells only, none of them a number: a header row, not data."""
    filled = [c for c in cells if c != ""]
    if not filled or not all(isinstance(c, str) for c in filled):
        return False
    for c in filled:
        try:
            float(c)
            return False
        except ValueError:
            pass
    return True


def _names(cells: list, start: int, stop: int) -> list[str]:
    return [str(c) for c in cells[start:stop]]


def _second_columns(rows, header_row: int, blocks) -> tuple[int, list[tuple[int, int]]]:
    """The column where the table ends, and the column blocks right of it that are other tables."""
    header = dict(rows)[header_row]
    stop, others = blocks[0][1], []
    for start, end in blocks[1:]:
        first = next(r for r, c in rows if _filled(c, start, end))
        repeats = set(_names(header, start, end)) & set(_names(header, 0, stop)) - {""}
        if others or first != header_row or repeats:
            others.append((start, end))
        else:
            stop = end  # names beside the header after a spacer column: the same table
    return stop, others


def _report(source: str, rows, start: int, end: int, why: str) -> None:
    used = [(r, c) for r, c in rows if _filled(c, start, end)]
    cols = [j for _, c in used for j in _filled(c, start, end)]
    where = cell_range(used[0][0], used[-1][0], min(cols), max(cols))
    head = ", ".join(f"'{n}'" for n in _names(used[0][1], start, end) if n)
    warnings.warn(
        MgKineticsWarning(
            f"{source}: cells {where} hold a second table ({why}; first row {head}), which is not read: "
            "mgkinetics reads one table a sheet; move it to a sheet of its own and name that with --sheet"
        ),
        stacklevel=4,
    )


def first_table(rows: list[tuple[int, list]], comments: set[int], source: str) -> list[tuple[int, list]]:
    """The rows of the sheet's table: ``rows`` (sheet row number, cells; non-empty, not comments)
    without the other tables beside or below it (each reported by a warning), with a block below
    that repeats the header read as more rows (its header row left out).

    ``comments`` are the row numbers of comment rows (``#...``), which are not blank rows.
    """
    if not rows:
        return rows
    header_row, header = rows[0]
    stop, others = _second_columns(rows, header_row, _column_blocks(rows))
    for start, end in others:
        _report(source, rows, start, end, "right of a blank column")
    kept = [(r, c[:stop]) for r, c in rows if _filled(c, 0, stop)]
    present = {r for r, _ in kept} | comments
    out, skipping, previous = [], False, header_row
    for r, cells in kept:
        if r > previous + 1 and any(k not in present for k in range(previous + 1, r)):  # a blank row
            names = _names(cells, 0, stop) + [""] * (stop - len(cells))
            same = names == _names(header, 0, stop) + [""] * (stop - len(header))
            skipping = not same and _is_header(cells)
            if skipping:
                block = [(k, c) for k, c in kept if k >= r]
                end = next((i for i in range(1, len(block)) if block[i][0] > block[i - 1][0] + 1), len(block))
                _report(source, block[:end], 0, stop, "below a blank row")
            previous = r
            if same or skipping:
                continue
        previous = r
        if not skipping:
            out.append((r, cells))
    return out
