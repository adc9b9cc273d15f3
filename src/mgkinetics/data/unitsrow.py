"""A units row under the header (``S,v`` then ``mM,uM/s``), as many instruments and spreadsheets write
one: its units are the columns' units, as if given with ``--input-unit``, and the row is not data.

The first row below the header is a units row when every cell in it is empty or a unit (a
concentration, rate, time or frequency unit, or ``°C``, ``K``, ``°F``, ``pH``; brackets allowed) and
at least one column without a unit in its name gets one. A column whose name already has a unit
keeps it; a units-row cell that says otherwise is a problem naming line and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from mgkinetics.data.factorized import FactorizedText
from mgkinetics.errors import Problem
from mgkinetics.units import UnitError, parse_unit, split_header

__all__ = ["absorb_units_row", "title_row_problems"]

_CONDITION_UNITS = {"°c", "ºc", "k", "°f", "ph", "degc"}


def _unit_text(cell) -> str | None:
    """The unit a cell names (brackets stripped), or None when it is not a unit."""
    if not isinstance(cell, str):
        return None
    text = cell.strip().strip("()[]").strip()
    if text.lower() in _CONDITION_UNITS:
        return text
    try:
        return text if parse_unit(text).dimension != (0, 0) else None
    except UnitError:
        return None


def absorb_units_row(raw, input_units: Mapping[str, str] | None, problems: list):
    """``(raw, input_units)`` with a units row below the header taken out of the body and its units
    added to ``input_units`` (the user's own ``--input-unit`` entries win); unchanged otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from mgkinetics.data.model import RawTable
    >>> cells = [np.array(["mM", "0.5"], dtype=object), np.array(["uM/s", "2"], dtype=object)]
    >>> raw = RawTable("x.csv", ["S", "v"], cells, np.array([2, 3]))
    >>> new, units = absorb_units_row(raw, None, [])
    >>> new.lines.tolist(), units
    ([3], {'S': 'mM', 'v': 'uM/s'})
    """
    if raw.lines.size == 0 or not raw.header:
        return raw, input_units
    first = [_first(c) for c in raw.cells]
    units = [_unit_text(c) for c in first]
    if not any(units) or any(u is None and not _empty(c) for u, c in zip(units, first, strict=True)):
        return raw, input_units
    line = int(raw.lines[0])
    found: dict[str, str] = {}
    for name, cell in zip(raw.header, first, strict=False):
        unit = _unit_text(cell)
        if unit is None:
            continue
        named = split_header(str(name))[1]
        if named is None:
            found[str(name).strip()] = unit
        elif named.replace("µ", "u") != unit.replace("µ", "u"):
            problems.append(
                Problem(
                    line,
                    str(name),
                    f"the units row says '{unit}' but the name says '{named}'; make them agree",
                )
            )
    metadata = {**raw.metadata, "units_row": line}
    body = replace(
        raw, cells=[_rest(c) for c in raw.cells], lines=raw.lines[1:], owns_cells=False, metadata=metadata
    )
    return body, {**found, **dict(input_units or {})}


def _first(column):
    """The first cell of a column: an array, or the text reader's FactorizedText (codes into labels)."""
    if isinstance(column, FactorizedText):
        return column.first_label()
    return column[0] if len(column) else ""


def _rest(column):
    return column.text()[1:] if isinstance(column, FactorizedText) else column[1:]


def _empty(cell) -> bool:
    return (
        cell is None
        or (isinstance(cell, str) and not cell.strip())
        or (isinstance(cell, float) and cell != cell)
    )


def title_row_problems(raw, problems: list) -> list:
    """A title row above the header (Prism: a data-set title over its Y columns, then ``X, Y1, Y2``)
    as one problem saying so, in place of 'column N has no name' for each titled column and 'not a
    number' for each name of the real header. Only on the error path; other problems are kept."""
    nameless = [
        p for p in problems if p.line == raw.header_line and "has no name but holds data" in p.message
    ]
    if not nameless or raw.lines.size == 0:
        return problems
    below = [_first(c) for c in raw.cells]
    filled = [c for c in below if not _empty(c)]
    if not filled or not all(isinstance(c, str) and _unit_text(c) is None and not _number(c) for c in filled):
        return problems
    line = int(raw.lines[0])
    names = ", ".join(f"'{c.strip()}'" for c in filled)
    message = (
        f"looks like a title row above the header: line {line} holds only names ({names}); delete line "
        f"{raw.header_line} and give each column its unit in its name (S_mM, 'Y1 (uM/s)') "
        "or with --input-unit"
    )
    kept = [p for p in problems if p not in nameless and p.line != line]
    return [Problem(raw.header_line, None, message), *kept]


def _number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
        return True
    except ValueError:
        return False
