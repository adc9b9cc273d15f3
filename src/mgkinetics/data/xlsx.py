"""Excel workbooks (.xlsx) to a :class:`~mgkinetics.data.model.RawTable` (openpyxl, imported lazily).

The table is read from the named sheet, or from the first visible worksheet that holds one (hidden
sheets and chart sheets are read only when named); its name goes into the metadata (``sheet``).
Rows are numbered as Excel numbers them, so a problem on "line 7" is in row 7 of the sheet. Leading
empty rows, rows whose first cell is text starting with ``#``, and trailing empty rows and columns
are ignored. A second table beside or below the first is read with it when it repeats the header
below a blank row, else named in a warning (:mod:`mgkinetics.data.xlsx_blocks`). ``.xls`` and
``.ods`` are refused with what to do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mgkinetics.data.model import RawTable
from mgkinetics.data.numbers import FORMULA_NOTE
from mgkinetics.data.xlsx_blocks import first_table
from mgkinetics.errors import DataFormatError, Problem

__all__ = ["read_xlsx_table", "refuse_other_spreadsheets"]


def refuse_other_spreadsheets(path: Path) -> None:
    """Raise for .xls/.ods: openpyxl reads only .xlsx (odf and xlrd are not dependencies)."""
    kind = {".xls": "an Excel 97–2003 workbook", ".ods": "an OpenDocument spreadsheet"}[path.suffix.lower()]
    raise DataFormatError(
        str(path),
        [
            Problem(
                None,
                None,
                f"is {kind}, which mgkinetics does not read; "
                "save it as .xlsx (Excel workbook) or .csv and read that",
            )
        ],
    )


def _rows(ws) -> list[tuple[int, list]]:
    out = []
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else (v.strip() if isinstance(v, str) else v) for v in row]
        if any(c != "" for c in cells):
            out.append((r, cells))
    return out


def _open(path: Path, *, data_only: bool = True):
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise ImportError("reading .xlsx needs openpyxl: pip install 'openpyxl>=3.1'") from None
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise DataFormatError(
            str(path),
            [
                Problem(
                    None,
                    None,
                    f"is not a readable .xlsx workbook ({exc}); save it again from the spreadsheet program",
                )
            ],
        ) from None


def _visible_worksheets(wb, path: Path) -> list[str]:
    """Sheets a user sees and that hold cells, in workbook order: hidden sheets (an old run, a lookup
    table) and chart sheets are never chosen by themselves."""
    return [
        n
        for n in wb.sheetnames
        if getattr(wb[n], "sheet_state", "visible") == "visible" and hasattr(wb[n], "iter_rows")
    ]


def _uncached_formulas(path: Path, sheet: str, body: list, width: int) -> list:
    """The body with each empty cell that holds a formula without a stored value (a workbook written
    by a program, never recalculated by a spreadsheet) replaced by that formula and what to do, so
    that validation names it instead of calling it empty. Opens the workbook again only when a body
    cell is empty."""
    blank = {(r, j) for r, c in body for j in range(width) if j >= len(c) or c[j] == ""}
    if not blank:
        return body
    wb = _open(path, data_only=False)
    try:
        found = {
            (r, j): value
            for r, row in enumerate(wb[sheet].iter_rows(values_only=True), start=1)
            for j, value in enumerate(row[:width])
            if (r, j) in blank and isinstance(value, str) and value.startswith("=")
        }
    finally:
        wb.close()
    if not found:
        return body
    return [
        (
            r,
            [
                f"{found[(r, j)]}{FORMULA_NOTE}" if (r, j) in found else c[j] if j < len(c) else ""
                for j in range(width)
            ],
        )
        for r, c in body
    ]


def read_xlsx_table(path: Path, sheet: str | None = None) -> RawTable:
    """The table of one sheet (``sheet``, or the first sheet that has cells) as a RawTable."""
    wb = _open(path)
    try:
        names = list(wb.sheetnames)
        if sheet is not None and sheet not in names:
            raise DataFormatError(
                str(path),
                [
                    Problem(
                        None,
                        None,
                        f"has no sheet '{sheet}'; its sheets are " + ", ".join(f"'{n}'" for n in names),
                    )
                ],
            )
        chosen, rows = None, []
        for name in [sheet] if sheet is not None else _visible_worksheets(wb, path):
            if not hasattr(wb[name], "iter_rows"):
                raise DataFormatError(
                    str(path), [Problem(None, None, f"sheet '{name}' is a chart sheet: no cells")]
                )
            every = _rows(wb[name])
            comments = {r for r, c in every if isinstance(c[0], str) and c[0].startswith("#")}
            rows = [(r, c) for r, c in every if r not in comments]
            if rows:
                chosen = name
                rows = first_table(rows, comments, f"{path} [sheet {name}]")
                break
        hidden = [n for n in names if getattr(wb[n], "sheet_state", "visible") != "visible"]
    finally:
        wb.close()
    source = f"{path} [sheet {chosen or sheet or names[0]}]"
    if not rows:
        raise DataFormatError(
            source,
            [
                Problem(
                    None,
                    None,
                    f"no table on a visible sheet; a hidden one is read only if named: --sheet {hidden[0]!r}"
                    if hidden and not sheet
                    else "no table: every sheet is empty; put a header row naming the columns above the data",
                )
            ],
        )
    (header_row, header), body = rows[0], rows[1:]
    width = max(len(c) for _, c in rows)
    while width > 0 and all(len(c) < width or c[width - 1] == "" for _, c in rows):
        width -= 1
    header = [str(h) for h in header[:width]] + [""] * max(0, width - len(header))
    body = _uncached_formulas(path, chosen, body, width)
    cells = [np.array([c[j] if j < len(c) else "" for _, c in body], dtype=object) for j in range(width)]
    lines = np.array([r for r, _ in body], dtype=int)
    return RawTable(source, header, cells, lines, header_row, metadata={"sheet": chosen})
