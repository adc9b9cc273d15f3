"""What every xlsx plate-export parser needs: workbooks read into memory, cell addresses, Excel times.

Cell values are sorted by :class:`SheetCells`, which hands them to ``parse.CellCollector`` with their
sheet and cell address. openpyxl is imported inside the functions so that importing a parser stays cheap.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import zipfile
from collections.abc import Sequence
from typing import Any

from mgkinetics.data.plates.parse import CellCollector, classify_cell, hms_to_seconds
from mgkinetics.errors import DataFormatError, Problem

__all__ = [
    "Sheet",
    "open_workbook",
    "sheet_names",
    "first_rows",
    "read_sheet",
    "read_sheets",
    "check_sheet",
    "cell_ref",
    "excel_seconds",
    "text_of",
    "is_blank_row",
    "SheetCells",
    "report_unlabelled",
    "next_filled_row",
]

#: Texts an xlsx export writes for a cell without a reading that parse.NON_READING_TOKENS does not list.


class Sheet:
    """One worksheet read into memory as rows of cell values.

    Parameters
    ----------
    title : str
        Sheet name.
    rows : list of tuple
        Cell values row by row, every row padded to the same length with None.
    epoch : datetime.datetime
        The workbook's date epoch (1900 or 1904 system), needed to turn dates back into serials.
    """

    def __init__(self, title: str, rows: list[tuple[Any, ...]], epoch: dt.datetime):
        self.title = title
        self.rows = rows
        self.epoch = epoch

    def value(self, row: int, col: int) -> Any:
        """Return the value at 0-based (row, col), None outside the sheet."""
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def cell(self, row: int, col: int) -> str:
        """Name a cell, 0-based input, as ``Sheet title!B40`` (used as a Problem's column)."""
        return f"{self.title}!{cell_ref(row, col)}"


def cell_ref(row: int, col: int) -> str:
    """Return the Excel address of 0-based (row, col).

    Examples
    --------
    >>> cell_ref(39, 2)
    'C40'
    >>> cell_ref(0, 27)
    'AB1'
    """
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _is_xlsx(path: pathlib.Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def open_workbook(path: pathlib.Path):
    """Open an xlsx workbook read-only with cached values; DataFormatError if it is not one.

    Parameters
    ----------
    path : pathlib.Path
        The file.

    Returns
    -------
    openpyxl.Workbook
        Read-only workbook; close it when done.
    """
    import openpyxl

    path = pathlib.Path(path)
    if not path.is_file():
        raise DataFormatError(str(path), [Problem(None, None, "no such file")])
    if not _is_xlsx(path):
        raise DataFormatError(
            str(path), [Problem(None, None, "not an xlsx workbook; save the export as Excel .xlsx")]
        )
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged workbook: openpyxl raises KeyError, zipfile, XML errors ...
        raise DataFormatError(str(path), [Problem(None, None, f"cannot open the workbook ({exc})")]) from exc


def sheet_names(path: pathlib.Path) -> list[str]:
    """Return the sheet names of an xlsx file, [] when it is not a readable workbook (never raises)."""
    try:
        wb = open_workbook(path)
    except Exception:
        return []
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def first_rows(path: pathlib.Path, n_rows: int = 30, sheet: str | None = None) -> list[tuple[Any, ...]]:
    """Return the first rows of a sheet (default the first), [] when unreadable (never raises).

    Parameters
    ----------
    path : pathlib.Path
        The file.
    n_rows : int
        How many rows to read.
    sheet : str, optional
        Sheet name; the first sheet when None or absent.
    """
    try:
        wb = open_workbook(path)
    except Exception:
        return []
    try:
        ws = wb[sheet] if sheet in wb.sheetnames else wb.worksheets[0]
        ws.reset_dimensions()
        return [tuple(r) for r in ws.iter_rows(max_row=n_rows, values_only=True)]
    except Exception:
        return []
    finally:
        wb.close()


def read_sheets(path: pathlib.Path, choose) -> list[Sheet]:
    """Read sheets of a workbook into memory, opening it once.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    choose : callable
        ``choose(workbook) -> list of sheet names`` to read; raises DataFormatError when none fits.

    Returns
    -------
    list of Sheet
        In the order ``choose`` gave.
    """
    wb = open_workbook(path)
    try:
        sheets = []
        for name in choose(wb):
            ws = wb[name]
            ws.reset_dimensions()  # a wrong <dimension> in the file would silently cut rows and columns off
            rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
            width = max((len(r) for r in rows), default=0)
            sheets.append(Sheet(name, [r + (None,) * (width - len(r)) for r in rows], wb.epoch))
        return sheets
    finally:
        wb.close()


def read_sheet(path: pathlib.Path, sheet: str | None, choose=None) -> Sheet:
    """Read one sheet of a workbook into memory.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    sheet : str or None
        The sheet asked for; None lets ``choose`` pick it.
    choose : callable, optional
        ``choose(workbook) -> str``: the format's default sheet (default: the first sheet).

    Returns
    -------
    Sheet

    Raises
    ------
    DataFormatError
        No such sheet (the message lists the sheets there are).
    """

    def pick(wb) -> list[str]:
        if sheet is None:
            return [choose(wb) if choose else wb.sheetnames[0]]
        check_sheet(path, wb.sheetnames, sheet)
        return [sheet]

    return read_sheets(path, pick)[0]


def check_sheet(path: pathlib.Path, names: list[str], sheet: str) -> None:
    """Raise DataFormatError naming the sheets there are when ``sheet`` is not one of them."""
    if sheet not in names:
        listed = ", ".join(f"'{s}'" for s in names)
        raise DataFormatError(
            str(path), [Problem(None, None, f"no sheet '{sheet}'; the sheets are {listed}")]
        )


def excel_seconds(value: Any, epoch: dt.datetime) -> float | None:
    """Return a time cell as seconds since the Excel epoch (rounded to 1 µs), None for an empty cell.

    openpyxl turns serials with a time format into ``datetime`` (>= 1 day), ``time`` (< 1 day) or
    ``timedelta`` (``[h]:mm:ss``); plain serials (days) and text ``h:mm:ss`` are read too. Differences of
    the results are exact time differences whatever day offset the exporter wrote. openpyxl resolves
    times to the microsecond, hence the rounding.

    Parameters
    ----------
    value : object
        The cell value.
    epoch : datetime.datetime
        The workbook's epoch (``Workbook.epoch``).

    Raises
    ------
    ValueError
        The cell is not a time.

    Examples
    --------
    >>> import datetime as dt
    >>> from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900 as EPOCH
    >>> excel_seconds(dt.datetime(1900, 1, 2, 0, 15), EPOCH)  # serial 2.0104..: 2 days 15 min
    173700.0
    >>> excel_seconds(dt.timedelta(days=3, hours=12), EPOCH), excel_seconds(2.5, EPOCH)
    (302400.0, 216000.0)
    >>> excel_seconds(dt.time(6, 0), EPOCH), excel_seconds("30:00:00", EPOCH)
    (21600.0, 108000.0)
    """
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time")
    if isinstance(value, (int, float)):
        return round(float(value) * 86400.0, 6)
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds(), 6)
    if isinstance(value, dt.datetime):
        seconds = (value - epoch).total_seconds()
        if epoch == CALENDAR_WINDOWS_1900 and value < dt.datetime(1900, 3, 1):
            seconds -= 86400.0  # openpyxl adds Excel's phantom 1900-02-29 back for serials < 60
        return round(seconds, 6)
    if isinstance(value, dt.time):
        return round(value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6, 6)
    if isinstance(value, str):
        seconds = hms_to_seconds(value)
        if seconds is not None:
            return seconds
    raise ValueError(f"{text_of(value)!r} is not a time")


def text_of(value: Any) -> str:
    """Return a cell's content as stripped text ('' for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_blank_row(row: Sequence[Any]) -> bool:
    """True when every cell of the row is empty."""
    return all(text_of(v) == "" for v in row)


def next_filled_row(sheet: Sheet, start: int) -> int | None:
    """Index of the first row at or below ``start`` (0-based) that is not empty, None if there is none."""
    return next((r for r in range(start, len(sheet.rows)) if not is_blank_row(sheet.rows[r])), None)


def report_unlabelled(cells: SheetCells, sheet: Sheet, rows, last_col: int, header: str) -> None:
    """One problem for the values right of ``last_col`` in ``rows`` (0-based): a truncated header."""
    hits = [
        (r, c) for r in rows for c in range(last_col + 1, len(sheet.rows[r])) if text_of(sheet.rows[r][c])
    ]
    if hits:
        more = len({r for r, _ in hits}) - 1
        also = f" (and in {more} more rows)" if more else ""
        cells.problem(
            sheet, *hits[0], f"a value without a well label in {header}{also}; the header looks truncated"
        )


class SheetCells:
    """Sorts the cells of xlsx sheets into readings, skipped cells and problems.

    A :class:`~mgkinetics.data.plates.parse.CellCollector` does the sorting; this adds the sheet and
    cell address to every problem (``line`` = sheet row, ``column`` = ``Sheet!D40``).

    Parameters
    ----------
    source : str
        The file, named in the DataFormatError.
    """

    def __init__(self, source: str):
        self.source = source
        self.collector = CellCollector(source)

    @property
    def problems(self) -> list[Problem]:
        """Every problem recorded so far."""
        return self.collector.problems

    def problem(self, sheet: Sheet, row: int, col: int | None, message: str) -> None:
        """Record a problem at a cell (or a whole row when ``col`` is None) of a sheet, 0-based."""
        column = sheet.title if col is None else sheet.cell(row, col)
        self.collector.problem(row + 1, column, message)

    def add(self, sheet: Sheet, row: int, col: int, **keys: Any) -> None:
        """Sort the cell at 0-based (row, col); keys: plate, well, time_s, wavelength_nm, temperature_C."""
        value = sheet.value(row, col)
        self.collector.add(**keys, text=value, line=row + 1, column=sheet.cell(row, col))

    def number(self, sheet: Sheet, row: int, col: int, what: str) -> float | None:
        """A numeric cell that is not a reading (a temperature, a time in seconds); None when empty."""
        value, reason = classify_cell(sheet.value(row, col))
        if value is None and reason != "empty":
            self.problem(sheet, row, col, f"{what}: {reason}; expected a number or an empty cell")
        return value

    def time(self, sheet: Sheet, row: int, col: int) -> float | None:
        """A time cell (Excel serial, time, timedelta or h:mm:ss text) as seconds; None when empty."""
        try:
            return excel_seconds(sheet.value(row, col), sheet.epoch)
        except ValueError as exc:
            self.problem(sheet, row, col, f"{exc}; expected a time (h:mm:ss)")
            return None

    def finish(self):
        """``(frame, skipped, unmeasured)``; raises DataFormatError with every problem recorded."""
        if self.problems:
            raise DataFormatError(self.source, self.problems)
        frame, skipped = self.collector.finish()
        return frame, tuple(skipped), self.collector.unmeasured()
