"""A generic wide table (CSV, TSV or xlsx): one time column, one column per well.

The header row holds one time column whose unit is explicit (``Time [s]``, ``time_s``,
``Time (min)``, ``t (h)``) or whose values are ``hh:mm:ss``; a column per well (``A1``..``P24``,
``A01`` allowed); optionally a temperature column (``Temperature``, ``Temp [°C]``,
``temperature_C``). A bare ``Time`` header over plain numbers is an error: the unit would be a
guess. Rows above the header are listed in ``metadata["preamble"]``, other columns in
``metadata["ignored_columns"]``. The file states no wavelength: pass it to
:func:`~mgkinetics.data.plates.read_traces` (``wavelength_nm=``) or it stays empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from ...errors import DataFormatError, Problem
from ...units import TIME_FACTORS_S
from .common import PlateRead
from .parse import (
    CellCollector,
    decode_bytes,
    hms_to_seconds,
    normalise_well,
    parse_number,
    time_unit_from_header,
)

__all__ = ["NAME", "DESCRIPTION", "sniff", "read", "read_rows"]

NAME = "generic"
DESCRIPTION = "Generic wide table (CSV/TSV/xlsx): a time column with its unit, one column per well (A1..P24)"

_XLSX = (".xlsx", ".xlsm")
_WELL_LIKE = re.compile(r"^\s*[A-Za-z]{1,2}\s*\d{1,3}\s*$")
_TEMPERATURE = re.compile(r"^\s*(?:temp(?:erature)?\.?|t°)(?P<rest>.*)$", re.IGNORECASE)
_HEADER_SEARCH_ROWS = 50


def read_rows(
    path: Path, *, sheet: str | None = None, max_rows: int | None = None
) -> tuple[list[tuple[int, list[object]]], str]:
    """The file's non-empty rows as (line or sheet row number, cells) and a source label for messages.

    CSV/TSV cells are text; the delimiter (tab, semicolon, comma, in that preference) is the one
    that splits a header row into a time column and well columns (so decimal commas in a
    semicolon-separated file are no trouble), else the commonest in the first line. xlsx cells
    are the stored values (openpyxl, imported here). ``max_rows`` reads only the first lines or
    sheet rows (for sniffing).
    """
    path = Path(path)
    if path.suffix.lower() in _XLSX:
        return _xlsx_rows(path, sheet, max_rows)
    if sheet is not None:
        raise DataFormatError(str(path), [Problem(None, None, "a text table has no sheets; drop --sheet")])
    if max_rows is None:
        raw = path.read_bytes()
    else:
        with open(path, "rb") as fh:
            raw = fh.read(65536)
    lines = decode_bytes(raw)[0].splitlines()[:max_rows]
    first = next((line for line in lines if line.strip()), "")
    delimiter = max(("\t", ";", ","), key=first.count)  # unless a time x well header says otherwise
    for candidate in ("\t", ";", ","):
        try:
            sample = [(0, cells) for cells in csv.reader(lines[:_HEADER_SEARCH_ROWS], delimiter=candidate)]
        except csv.Error:  # e.g. a 200,000-character line as one field: not this delimiter
            continue
        if _find_header(sample) is not None:
            delimiter = candidate
            break
    rows = []
    number = 0
    try:
        for number, cells in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
            if any(c.strip() for c in cells):
                rows.append((number, list(cells)))
    except csv.Error as exc:  # a field beyond the csv module's limit (131,072 characters)
        problem = Problem(number + 1, None, f"cannot read this line as a table row ({exc})")
        raise DataFormatError(str(path), [problem]) from None
    return rows, str(path)


def _xlsx_rows(
    path: Path, sheet: str | None, max_rows: int | None
) -> tuple[list[tuple[int, list[object]]], str]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a corrupt workbook is a format problem
        raise DataFormatError(
            str(path), [Problem(None, None, f"cannot open as an xlsx workbook ({exc})")]
        ) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise DataFormatError(
                str(path), [Problem(None, None, f"no sheet '{sheet}'; sheets: {', '.join(book.sheetnames)}")]
            )
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows = []
        for number, values in enumerate(ws.iter_rows(max_row=max_rows, values_only=True), start=1):
            cells = list(values)
            if any(c is not None and str(c).strip() for c in cells):
                rows.append((number, cells))
        return rows, f"{path} [sheet {ws.title}]"
    finally:
        book.close()


def _column_kind(header: object) -> tuple[str, str | None]:
    """('time', unit), ('temperature', None), ('well', name), ('bad_well', text) or ('other', None)."""
    text = "" if header is None else str(header).strip()
    is_time, unit = time_unit_from_header(text)
    if is_time:
        return "time", unit
    well = normalise_well(text)
    if well is not None:
        return "well", well
    if _WELL_LIKE.match(text):
        return "bad_well", text
    m = _TEMPERATURE.match(text)
    if m:
        return "temperature", m.group("rest")
    return "other", None


def _find_header(rows: list[tuple[int, list[object]]]) -> int | None:
    for index, (_, cells) in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        kinds = [_column_kind(c)[0] for c in cells]
        if "time" in kinds and ("well" in kinds or "bad_well" in kinds):
            return index
    return None


def sniff(path: Path) -> bool:
    """True for a CSV/TSV/TXT/xlsx file with a header row holding a time column and well columns."""
    try:
        if Path(path).suffix.lower() not in (".csv", ".tsv", ".txt", *_XLSX):
            return False
        rows, _ = read_rows(Path(path), max_rows=_HEADER_SEARCH_ROWS)
        return _find_header(rows) is not None
    except Exception:  # noqa: BLE001 - a sniffer never raises
        return False


def _time_seconds(value: object, unit: str | None) -> tuple[float | None, str | None]:
    """Seconds of a time cell, or (None, message)."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds(), None
    if isinstance(value, dt.datetime):
        return None, f"'{value}' is a date; write elapsed time (seconds, or hh:mm:ss)"
    if isinstance(value, dt.time):
        return value.hour * 3600.0 + value.minute * 60.0 + value.second + value.microsecond / 1e6, None
    text = "" if value is None else str(value).strip()
    if not text:
        return None, "empty time"
    seconds = hms_to_seconds(text)
    if seconds is not None:
        return seconds, None
    number = float(value) if isinstance(value, (int, float)) else parse_number(text)
    if number is None:
        return None, f"'{text}' is not a time"
    if unit is None:
        return None, (
            f"'{text}' has no time unit; name the unit in the header (Time [s], Time [min], "
            "Time [h]) or write hh:mm:ss"
        )
    return number * TIME_FACTORS_S[unit], None


def _temperature(value: object) -> float | None | bool:
    """The temperature in a cell, None when empty, False when it is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    number = parse_number(value)
    return False if number is None else number


def _columns(
    header: list[object], line: int, source: str
) -> tuple[int, str | None, int | None, dict[int, str], list]:
    """(time column, its unit, temperature column, {column: well}, ignored headers); all problems raised."""
    problems: list[Problem] = []
    time_cols, temp_cols, wells, ignored = [], [], {}, []
    seen: dict[str, str] = {}
    unit = None
    for i, cell in enumerate(header):
        kind, info = _column_kind(cell)
        name = "" if cell is None else str(cell).strip()
        if kind == "time":
            time_cols.append(i)
            unit = info
        elif kind == "well":
            if info in seen:
                problems.append(
                    Problem(line, name, f"well {info} has two columns ('{seen[info]}' and '{name}')")
                )
            seen[info] = name
            wells[i] = info
        elif kind == "bad_well":
            problems.append(
                Problem(line, name, f"'{name}' is not a well on a plate (rows A-P, columns 1-24)")
            )
        elif kind == "temperature":
            if re.search(r"(?:^|[^A-Za-z])(?:K|°F|F)(?:[^A-Za-z]|$)", info or ""):
                problems.append(Problem(line, name, "temperature must be in °C"))
            temp_cols.append(i)
        elif name:
            ignored.append(name)
    if len(time_cols) != 1:
        problems.append(Problem(line, None, f"expected one time column, found {len(time_cols)}"))
    if len(temp_cols) > 1:
        problems.append(
            Problem(line, None, f"expected at most one temperature column, found {len(temp_cols)}")
        )
    if problems:
        raise DataFormatError(source, problems)
    return time_cols[0], unit, (temp_cols[0] if temp_cols else None), wells, ignored


def read(path: Path, *, sheet: str | None = None) -> PlateRead:
    """Read a generic wide table into the traces table (plate 1, wavelength unknown).

    Raises
    ------
    DataFormatError
        No header row, a time without unit, bad or duplicated well columns, bad cells (all listed).
    """
    rows, source = read_rows(Path(path), sheet=sheet)
    start = _find_header(rows)
    if start is None:
        raise DataFormatError(
            source,
            [
                Problem(
                    None,
                    None,
                    "no header row with a time column (Time [s], "
                    "Time [min], ...) and well columns (A1, A2, ...) in the first "
                    f"{_HEADER_SEARCH_ROWS} rows",
                )
            ],
        )
    line, header = rows[start]
    time_col, unit, temp_col, wells, ignored = _columns(header, line, source)
    cells = CellCollector(source)
    width = len(header)
    for number, row in rows[start + 1 :]:
        values = list(row) + [None] * (width - len(row))
        beyond = [v for v in values[width:] if v is not None and str(v).strip()]
        if beyond:
            cells.problem(
                number, None, f"{len(beyond)} cells beyond the header's {width} columns; give each a header"
            )
        time_s, message = _time_seconds(values[time_col], unit)
        if message:
            cells.problem(number, str(header[time_col]), message)
            continue
        temperature = _temperature(values[temp_col] if temp_col is not None else None)
        if temperature is False:
            cells.problem(number, str(header[temp_col]), f"'{values[temp_col]}' is not a temperature")
            temperature = None
        for i, well in wells.items():
            cells.add(
                plate=1,
                well=well,
                time_s=time_s,
                wavelength_nm=None,
                temperature_C=temperature,
                text=values[i],
                line=number,
                column=str(header[i]).strip(),
            )
    frame, skipped = cells.finish()
    metadata = {
        "header_line": line,
        "time_unit": unit or "hh:mm:ss",
        "preamble": [f"line {n}: " + " ".join(str(c) for c in v if c is not None) for n, v in rows[:start]],
        "ignored_columns": ignored,
        "unmeasured_wells": cells.unmeasured().get((1, None), []),
    }
    if (
        temp_col is not None
        and "°C" not in str(header[temp_col])
        and not str(header[temp_col]).endswith("_C")
    ):
        metadata["temperature_note"] = f"column '{header[temp_col]}' read as °C (plate readers report °C)"
    return PlateRead(frame=frame, instrument=NAME, source=source, skipped=tuple(skipped), metadata=metadata)
