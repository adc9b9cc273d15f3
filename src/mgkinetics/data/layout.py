"""Plate layouts: what is in each well (role, concentrations with units, conditions, labels).

Two shapes are read:

* :func:`read_layout`: a per-well table (CSV, TSV or xlsx), one row per well. Headers carry their
  unit as our suffix (``atp_total_mM``) or in words (``ATP (mM)``, ``[Mg] mM``, ``enzyme [nM]``),
  and are renamed to the suffix form (``atp_mM``, ``mg_mM``, ``enzyme_nM``).
* :func:`read_layout_grid`: an xlsx plate map with one sheet per quantity, each an 8 x 12 (or
  16 x 24) grid with row letters and column numbers; it gives the long table ``well, sheet, value``
  and :func:`pivot_layout_grid` turns that into the per-well table, with units the caller states
  (the file has none; nothing is assumed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFormatError, Problem, UnitError
from ..units import Unit, column_suffix, parse_column, parse_unit
from .numbers import shown_text
from .plates.generic import read_rows
from .plates.parse import PLATE_SHAPES, normalise_well, parse_number, well_position

__all__ = ["ROLES", "read_layout", "layout_column_name", "read_layout_grid", "pivot_layout_grid"]

#: Allowed values of the ``role`` column (an empty cell or no column means ``sample``).
ROLES: tuple[str, ...] = ("sample", "blank", "standard")
#: Unit word for a grid quantity that is a plain number (a count, a ratio): no unit suffix.
PLAIN_NUMBER = "number"

_BRACKETED = re.compile(r"^(?P<name>.*?)\s*[\(\[]\s*(?P<unit>[^\(\)\[\]]+?)\s*[\)\]]\s*$")
_TRAILING = re.compile(r"^(?P<name>.*\S)\s+(?P<unit>\S+)$")
_WELL_LIKE = re.compile(r"^\s*[A-Za-z]{1,2}\s*\d{1,3}\s*$")


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.replace("µ", "u").lower()).strip("_")


def _try_unit(text: str) -> Unit | None:
    try:
        return parse_unit(text)
    except UnitError:
        return None


def layout_column_name(header: str) -> tuple[str, Unit | None]:
    """Our column name for a layout header, and the unit it states (None for text columns).

    ``ph`` and ``temperature_C`` are the condition columns; a header naming any other unit that
    :mod:`mgkinetics.units` does not know raises.

    Raises
    ------
    UnitError
        If the header names a unit that cannot be a column suffix (``volume (uL)``).

    Examples
    --------
    >>> [layout_column_name(h)[0] for h in ("ATP (mM)", "[Mg] mM", "enzyme [nM]")]
    ['atp_mM', 'mg_mM', 'enzyme_nM']
    >>> layout_column_name("atp_total_mM")[0], layout_column_name("Variant")
    ('atp_total_mM', ('variant', None))
    >>> layout_column_name("Temperature (°C)")[0], layout_column_name("pH")[0]
    ('temperature_C', 'ph')
    """
    text = str(header).strip()
    if text.lower() == "ph":
        return "ph", None
    if re.fullmatch(r"(?i)temp(erature)?\s*(_C|[\(\[]\s*°?C\s*[\)\]]|°C)", text):
        return "temperature_C", None
    stem, unit = parse_column(text)
    if unit is not None and re.fullmatch(r"[A-Za-z0-9_]+", stem):
        return f"{_slug(stem)}_{column_suffix(unit)}", unit
    for pattern in (_BRACKETED, _TRAILING):
        m = pattern.match(text)
        if m and m.group("name").strip():
            unit = _try_unit(m.group("unit"))
            if unit is not None:
                return f"{_slug(m.group('name'))}_{column_suffix(unit)}", unit
            if pattern is _BRACKETED and not re.search(r"[\[\(]", m.group("name")):
                raise UnitError(
                    f"column '{text}': unknown unit '{m.group('unit')}'; use a concentration "
                    "(M, mM, uM, nM, pM) or a rate (uM/s), or drop the brackets for a text column"
                )
    return _slug(text.replace("[", "").replace("]", "")), None


def _header_names(header: list[object], line: int, source: str) -> list[tuple[int, str, Unit | None]]:
    problems, out, seen = [], [], {}
    for i, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        try:
            name, unit = layout_column_name(text)
        except UnitError as exc:
            problems.append(Problem(line, text, str(exc).split("': ", 1)[-1]))
            continue
        if name in seen:
            problems.append(Problem(line, text, f"'{seen[name]}' and '{text}' are both column '{name}'"))
        seen[name] = text
        out.append((i, name, unit))
    if "well" not in seen:
        problems.append(Problem(line, None, f"no 'well' column; found {', '.join(map(str, seen.values()))}"))
    if problems:
        raise DataFormatError(source, problems)
    return out


def _check_well(text: object, plate_wells: int) -> tuple[str | None, str | None]:
    """(well, None) or (None, what is wrong)."""
    raw = "" if text is None else str(text).strip()
    if not raw:
        return None, "missing well name"
    well = normalise_well(raw)
    rows, cols = PLATE_SHAPES[plate_wells]
    if well is None or well_position(well)[0] >= rows or well_position(well)[1] > cols:
        return None, f"well '{raw}' is not on a {plate_wells}-well plate (A1..{chr(64 + rows)}{cols})"
    return well, None


def _layout_cell(name: str, unit: Unit | None, value: object, plate_wells: int) -> tuple[object, str | None]:
    """The value of one layout cell in its column's type, and what is wrong with it (or None)."""
    text = "" if value is None else str(value).strip()
    if name == "well":
        return _check_well(value, plate_wells)
    if name == "role":
        role = text.lower() or "sample"
        return role, None if role in ROLES else f"role '{text}' is not one of {', '.join(ROLES)}"
    if name == "plate":
        number = parse_number(text)
        ok = number is not None and number == int(number) and number >= 1
        return (
            int(number) if ok else None
        ), None if ok else f"plate '{text}' is not a plate number (1, 2 ...)"
    if unit is not None or name in ("ph", "temperature_C"):
        number = float(value) if isinstance(value, (int, float)) else parse_number(text)
        if number is not None and not np.isfinite(number):  # a 400-digit literal overflows to inf
            shown = text if len(text) <= 40 else text[:37] + "..."
            return np.nan, f"'{shown}' is not a finite number"
        return (
            np.nan if number is None else number
        ), f"'{shown_text(text)}' is not a number" if text and number is None else None
    return text, None


def read_layout(path: str | Path, *, sheet: str | None = None, plate_wells: int = 96) -> pd.DataFrame:
    """Read a per-well layout table (CSV, TSV or xlsx).

    Parameters
    ----------
    path : str or pathlib.Path
        The table: a header row, then one row per well (per plate and well when it has a ``plate``
        column, for layouts of several plates).
    sheet : str, optional
        Worksheet of an xlsx file (default: the first).
    plate_wells : int
        Plate size the wells must fit (96 or 384).

    Returns
    -------
    pandas.DataFrame
        ``plate`` (int, only when the file has it), ``well`` (normalised, ``A1``), ``role``
        (sample/blank/standard; ``sample`` when the column or the cell is empty), then the other
        columns in file order: a column with a unit is float (NaN for an empty cell), ``ph`` and
        ``temperature_C`` too, any other column is text.

    Raises
    ------
    DataFormatError
        Every bad, duplicated or missing well, unknown role, non-number in a unit column and
        unknown unit, each with its line and column.
    """
    rows, source = read_rows(Path(path), sheet=sheet)
    if not rows:
        raise DataFormatError(source, [Problem(None, None, "the layout is empty")])
    line, header = rows[0]
    columns = _header_names(header, line, source)
    names = [name for _, name, _ in columns]
    problems: list[Problem] = []
    data: dict[str, list] = {name: [] for name in names}
    data.setdefault("role", [])
    first_line: dict[tuple, int] = {}
    well_header = next(str(header[i]) for i, name, _ in columns if name == "well")
    for number, cells in rows[1:]:
        cells = list(cells) + [None] * (len(header) - len(cells))
        for i, name, unit in columns:
            value, message = _layout_cell(name, unit, cells[i], plate_wells)
            if message:
                problems.append(Problem(number, str(header[i]), message))
            data[name].append(value)
        if "role" not in names:
            data["role"].append("sample")
        key = (data["plate"][-1] if "plate" in data else None, data["well"][-1])
        if key[1] is not None and key in first_line:
            where = f"plate {key[0]}, well {key[1]}" if "plate" in data else f"well {key[1]}"
            problems.append(
                Problem(number, well_header, f"{where} is listed twice (first at line {first_line[key]})")
            )
        first_line.setdefault(key, number)
    if problems:
        raise DataFormatError(source, problems)
    order = (["plate"] if "plate" in data else []) + ["well", "role"]
    order += [name for name in names if name not in order]
    return pd.DataFrame({name: data[name] for name in order}, columns=order)


def _grid_header(rows: list[tuple[int, list[object]]]) -> tuple[int, dict[int, int]] | None:
    """Index of the row holding the column numbers 1, 2, ... and {cell index: column number}."""
    for index, (_, cells) in enumerate(rows):
        numbers = {}
        for i, cell in enumerate(cells):
            value = parse_number(cell) if cell is not None else None
            if value is not None and value == int(value) and value >= 1:
                numbers[i] = int(value)
        if len(numbers) >= 2 and sorted(numbers.values()) == list(range(1, len(numbers) + 1)):
            return index, numbers
    return None


def _read_grid_sheet(ws, source: str, plate_wells: int | None, out: list, problems: list) -> None:
    label = f"sheet '{ws.title}'"
    rows = [
        (n, list(r))
        for n, r in enumerate(ws.iter_rows(values_only=True), start=1)
        if any(c is not None and str(c).strip() for c in r)
    ]
    if not rows:
        return
    found = _grid_header(rows)
    if found is None:
        problems.append(Problem(rows[0][0], None, f"{label}: no header row with column numbers 1, 2, ..."))
        return
    start, numbers = found
    label_col = min(numbers) - 1
    size = plate_wells or (96 if max(numbers.values()) <= 12 and len(rows) - start - 1 <= 8 else 384)
    seen_rows: dict[str, int] = {}
    for number, cells in rows[start + 1 :]:
        letter = str(cells[label_col]).strip() if label_col >= 0 and cells[label_col] is not None else ""
        if letter in seen_rows:
            problems.append(
                Problem(
                    number, None, f"{label}: row {letter} appears twice (first at row {seen_rows[letter]})"
                )
            )
            continue
        seen_rows[letter] = number
        for i, cell in enumerate(cells):
            if cell is None or not str(cell).strip() or i == label_col:
                continue
            if i not in numbers:
                problems.append(
                    Problem(number, None, f"{label}: value '{cell}' outside the numbered columns")
                )
                continue
            well, message = _check_well(f"{letter}{numbers[i]}", size)
            if message:
                problems.append(Problem(number, str(numbers[i]), f"{label}: {message}"))
                continue
            value = cell if isinstance(cell, (int, float)) else parse_number(cell)
            out.append((well, ws.title, str(cell).strip() if value is None else value))


def read_layout_grid(
    path: str | Path, *, units: Mapping[str, str] | None = None, plate_wells: int | None = None
) -> pd.DataFrame:
    """Read an xlsx plate map: one sheet per quantity, each a grid of row letters x column numbers.

    Parameters
    ----------
    path : str or pathlib.Path
        The workbook.
    units : Mapping[str, str], optional
        Unit of each sheet's values (``{"TNB": "uM"}``; ``"number"`` for a plain number). When
        given, every key must be a sheet of the file, and the table gains a ``unit`` column.
    plate_wells : int, optional
        Plate size the grids must fit (96 or 384); inferred from each grid when not given.

    Returns
    -------
    pandas.DataFrame
        ``well, sheet, value``, one row per non-empty cell (an explicit 0 is kept, a blank cell
        means absent), sheets in file order, wells row by row; values as stored (numbers, or text).

    Raises
    ------
    DataFormatError
        Cells outside the grid, unknown or repeated rows and wells (naming sheet and row), unknown
        sheets in ``units``.
    """
    import openpyxl

    source = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a corrupt workbook is a format problem
        raise DataFormatError(
            source, [Problem(None, None, f"cannot open as an xlsx workbook ({exc})")]
        ) from None
    out: list[tuple[str, str, object]] = []
    problems: list[Problem] = []
    try:
        sheets = list(book.sheetnames)
        for ws in book.worksheets:
            _read_grid_sheet(ws, source, plate_wells, out, problems)
    finally:
        book.close()
    for name in units or {}:
        if name not in sheets:
            problems.append(
                Problem(
                    None,
                    None,
                    f"units name sheet '{name}', which is not in the file (sheets: {', '.join(sheets)})",
                )
            )
    if problems:
        raise DataFormatError(source, problems)
    frame = pd.DataFrame(out, columns=["well", "sheet", "value"])
    if units is not None:
        frame["unit"] = [units.get(sheet, "") for sheet in frame["sheet"]]
    return frame


def pivot_layout_grid(grid: pd.DataFrame, *, units: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The per-well layout from a :func:`read_layout_grid` table: one column per sheet.

    A numeric sheet becomes ``<sheet>_<unit suffix>`` (``TNB`` with ``uM`` -> ``tnb_uM``), or
    ``<sheet>`` when its unit is ``"number"``; a sheet of text becomes a text column; a sheet
    named ``role`` must hold sample/blank/standard. Wells a sheet does not list are NaN / empty.

    Raises
    ------
    DataFormatError
        A numeric sheet without a unit (the file has none: say it, never assumed), a sheet mixing
        numbers and text, an unknown unit or role.

    Examples
    --------
    >>> grid = pd.DataFrame({"well": ["A1", "A2", "A1"], "sheet": ["ATP", "ATP", "variant"],
    ...                      "value": [1.0, 2.0, "WT"]})
    >>> pivot_layout_grid(grid, units={"ATP": "mM"}).to_dict("list")
    {'well': ['A1', 'A2'], 'atp_mM': [1.0, 2.0], 'variant': ['WT', '']}
    """
    given = dict(units or {})
    if "unit" in grid.columns:
        given = {**{s: u for s, u in zip(grid["sheet"], grid["unit"]) if u}, **given}
    wells = sorted(set(grid["well"]), key=lambda w: well_position(w))
    out = pd.DataFrame({"well": wells})
    problems = []
    for sheet, part in grid.groupby("sheet", sort=False):
        values = dict(zip(part["well"], part["value"]))
        numeric = [isinstance(v, (int, float, np.number)) for v in values.values()]
        if all(numeric):
            unit_text = given.get(sheet)
            if not unit_text:
                problems.append(
                    Problem(
                        None,
                        None,
                        f"sheet '{sheet}' holds numbers but no unit; pass its unit, "
                        f"e.g. units={{'{sheet}': 'uM'}} (or 'number' for a plain number)",
                    )
                )
                continue
            unit = None if unit_text == PLAIN_NUMBER else _try_unit(unit_text)
            if unit_text != PLAIN_NUMBER and unit is None:
                problems.append(Problem(None, None, f"sheet '{sheet}': unknown unit '{unit_text}'"))
                continue
            name = _slug(sheet) if unit is None else f"{_slug(sheet)}_{column_suffix(unit)}"
            out[name] = [float(values[w]) if w in values else np.nan for w in wells]
        elif not any(numeric):
            texts = [str(values.get(w, "")) for w in wells]
            if _slug(sheet) == "role" and any(t.lower() not in ROLES + ("",) for t in texts):
                problems.append(Problem(None, None, f"sheet '{sheet}': roles must be {', '.join(ROLES)}"))
            out[_slug(sheet)] = [t.lower() or "sample" for t in texts] if _slug(sheet) == "role" else texts
        else:
            problems.append(Problem(None, None, f"sheet '{sheet}' mixes numbers and text"))
    if problems:
        raise DataFormatError("plate map", problems)
    return out
