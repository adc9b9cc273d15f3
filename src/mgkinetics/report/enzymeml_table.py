"""What the fitted table adds to an EnzymeML export: per-row pH and temperature, and the other
concentration columns (totals the law does not take as inputs), matched to the fit's rows by line."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from mgkinetics.errors import MgKineticsError
from mgkinetics.units import parse_column

__all__ = ["extra_columns", "row_extras"]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "x"


def extra_columns(table, fits) -> list[tuple[str, str]]:
    """(column, species id) of the table's concentration columns that no fit used as an input."""
    used = {c for fit in fits for k, c in fit.columns.items() if k != "unused"}  # "unused" lists columns
    out = []
    for column in table.columns:
        unit = table.units.get(column)
        if column in used or unit is None or unit.kind != "concentration":
            continue
        out.append((column, _slug(parse_column(column)[0])))
    return out


def _condition(table, names: tuple[str, ...]) -> np.ndarray | None:
    for column in table.columns:
        if column.strip().lower() in names:
            return table.values[column]
    return None


def row_extras(table, fit, columns: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """For each row the fit used: ``{"ph", "temperature_C", "amounts": [(species id, value, unit label)]}``.

    Raises
    ------
    MgKineticsError
        When the table's line numbers repeat (several files joined: pass the one the fit read) or a
        row the fit used is not in the table.
    """
    lines = [int(x) for x in table.lines]
    if len(set(lines)) != len(lines):
        raise MgKineticsError(
            f"{table.source}: line numbers repeat (several files joined); export with the table of one file"
        )
    index = {line: i for i, line in enumerate(lines)}
    missing = [line for line in fit.rows.used if line not in index]
    if missing:
        raise MgKineticsError(
            f"{table.source}: has no line {missing[0]} that the fit of {fit.source or 'the data'} used; "
            "pass the table the fit read"
        )
    ph = _condition(table, ("ph",))
    temperature = _condition(table, ("temperature_c",))
    out = []
    for line in fit.rows.used:
        i = index[line]
        amounts = []
        for column, species_id in columns:
            value = float(table.values[column][i])
            if math.isfinite(value):
                amounts.append((species_id, value, table.units[column].label))
        out.append(
            {
                "ph": float(ph[i]) if ph is not None and math.isfinite(ph[i]) else None,
                "temperature_C": float(temperature[i])
                if temperature is not None and math.isfinite(temperature[i])
                else None,
                "amounts": amounts,
            }
        )
    return out
