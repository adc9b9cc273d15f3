"""The one conditions resolver: pH, temperature (°C) and ionic strength (M) for every row.

One vocabulary for columns, options and metadata:

* pH: a column ``ph`` / ``pH``; option or metadata key ``ph`` or ``pH``;
* temperature: a column ``temperature_C``, ``temperature_K``, ``Temperature (°C)``, ``T [K]``,
  ``temp_C``, ``temperature_°F`` ... (a bare ``temperature`` column is in °C); option or metadata key
  ``temperature_C``, ``temperature_K`` or ``temperature`` (°C). Kelvin and °F are converted to °C;
  a temperature column in another unit is an error;
* ionic strength: a column ``ionic_strength_M``, ``ionic_strength_mM``, ``Ionic strength (mM)``,
  ``I (M)``, ``I_mM``, ``I_M`` (a capital ``I`` with a concentration unit; ``i_mM`` stays an
  inhibitor); option or metadata key ``ionic_strength_M`` or ``ionic_strength`` (M). A column named
  for ionic strength without a concentration unit is an error (M and mM differ by 1000).

Precedence, per condition: a column, then the option, then the sidecar metadata's ``conditions``,
then the defaults (pH 7.5, 25 °C, 0.15 M; science.md §5). Every value is checked against the
speciation model's range and every bad cell is reported at once, with its line and column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mgkinetics.errors import DataFormatError, Problem
from mgkinetics.speciation.corrections import I_RANGE_M, PH_RANGE, T_RANGE_C
from mgkinetics.units import UnitError, convert, parse_unit

__all__ = [
    "CONDITIONS",
    "DEFAULT_CONDITIONS",
    "Conditions",
    "condition_of_column",
    "normalise_options",
    "resolve_conditions",
]

#: The conditions, in the names results report them under.
CONDITIONS = ("ph", "temperature_C", "ionic_strength_M")
#: Used when neither a column, an option nor the metadata gives a condition (science.md §5).
DEFAULT_CONDITIONS = {"ph": 7.5, "temperature_C": 25.0, "ionic_strength_M": 0.15}
_RANGES = {"ph": (PH_RANGE, "pH"), "temperature_C": (T_RANGE_C, "°C"), "ionic_strength_M": (I_RANGE_M, "M")}
_PH_STEMS = {"ph"}
_T_STEMS = {"temperature", "temp", "t"}
_I_STEMS = {"ionic_strength", "ionic strength", "ionicstrength", "ionic_strength_m"}
_CELSIUS = {"°c", "ºc", "c", "degc", "celsius"}
_FAHRENHEIT = {"°f", "ºf", "degf", "fahrenheit"}
_BRACKETED = re.compile(r"^(.*?)\s*[\(\[]\s*(.+?)\s*[\)\]]\s*$")


@dataclass(frozen=True)
class Conditions:
    """Per-row conditions and where each came from.

    Attributes
    ----------
    values : Mapping[str, numpy.ndarray]
        ``ph``, ``temperature_C`` and ``ionic_strength_M``, one float per row (NaN: empty cell).
    sources : Mapping[str, str]
        ``"column 'T [K]'"``, ``"option"``, ``"metadata"`` or ``"default"`` for each.
    """

    values: Mapping[str, np.ndarray]
    sources: Mapping[str, str]

    @property
    def source(self) -> str:
        """One line: ``ph from column 'pH'; temperature_C default; ...``."""
        parts = []
        for name in CONDITIONS:
            src = self.sources[name]
            parts.append(f"{name} default" if src == "default" else f"{name} from {src}")
        return "; ".join(parts)


def condition_of_column(name: str, stem: str, unit_text: str | None) -> tuple[str, str | None] | None:
    """``(condition, unit)`` when a column holds a condition, else None.

    ``unit`` is ``"pH"``, ``"°C"``, ``"K"``, ``"°F"`` or a concentration unit label (ionic strength);
    None for a condition column whose unit is missing (ionic strength) or not a temperature unit:
    :func:`resolve_conditions` reports it rather than ignoring the column.

    Examples
    --------
    >>> condition_of_column("T [K]", "T", "K"), condition_of_column("pH", "pH", None)
    (('temperature_C', 'K'), ('ph', 'pH'))
    >>> condition_of_column("temperature_°F", "temperature_°F", None)
    ('temperature_C', '°F')
    >>> condition_of_column("i_mM", "i", "mM") is None
    True
    >>> condition_of_column("ionic_strength", "ionic_strength", None)
    ('ionic_strength_M', None)
    """
    if len(name) > 1000:  # not a column name (data/model.py reports it)
        return None
    low, unit = _stem_and_unit(stem, unit_text)
    if low in _PH_STEMS and unit.lower() in ("", "ph"):
        return "ph", "pH"
    if low in _T_STEMS:
        u = unit.lower()
        if u in _CELSIUS or (unit == "" and low == "temperature"):
            return "temperature_C", "°C"
        if u in ("k", "kelvin"):
            return "temperature_C", "K"
        if u in _FAHRENHEIT or (u == "f" and low != "t"):
            return "temperature_C", "°F"
        return ("temperature_C", None) if unit and low != "t" else None  # 'T_min' is a time
    bracketed = "(" in name or "[" in name
    if stem.strip() == "I" and not bracketed:  # 'I_mM', 'I_M': ionic strength; 'I_min' is not
        return ("ionic_strength_M", parse_unit(unit).label) if _is_concentration(unit) else None
    if low in _I_STEMS or (stem.strip() == "I" and bracketed):
        if unit == "" and low == "ionic_strength_m":
            return "ionic_strength_M", "M"
        try:
            if unit and parse_unit(unit).kind == "concentration":
                return "ionic_strength_M", parse_unit(unit).label
        except UnitError:
            pass
        return "ionic_strength_M", None
    return None


def _is_concentration(unit: str) -> bool:
    try:
        return bool(unit) and parse_unit(unit).kind == "concentration"
    except UnitError:
        return False


def _stem_and_unit(stem: str, unit_text: str | None) -> tuple[str, str]:
    """The lower-case stem and the unit, also from suffixes the header parser leaves in the stem
    (it knows concentration and time units): 'temperature_°C', 'temperature (°F)', 'temp_degF'."""
    low, unit = stem.strip().lower(), (unit_text or "").strip()
    if not unit:
        bracket = _BRACKETED.match(stem)
        base, _, suffix = (
            (bracket.group(1), "", bracket.group(2)) if bracket else stem.strip().rpartition("_")
        )
        if base.strip().lower() in _T_STEMS and suffix:
            return base.strip().lower(), suffix.strip()
    return low, unit


_NO_UNIT = {
    "ionic_strength_M": "an ionic-strength column needs its unit (M or mM are not assumed): "
    "name it ionic_strength_M or ionic_strength_mM",
    "temperature_C": "a temperature column's unit must be °C, K or °F: name it temperature_C, "
    "temperature_K or temperature_F",
}


def normalise_options(options: Mapping[str, float] | None) -> dict[str, float]:
    """Option or metadata keys of the vocabulary -> ``ph``, ``temperature_C``, ``ionic_strength_M``.

    ``temperature_K`` is converted to °C; None values are dropped; unknown keys are ignored.

    Examples
    --------
    >>> normalise_options({"pH": 8, "temperature_K": 310.15, "ionic_strength": None})
    {'ph': 8.0, 'temperature_C': 37.0}
    """
    out: dict[str, float] = {}
    for key, value in dict(options or {}).items():
        if value is None:
            continue
        k = str(key).strip().lower()
        if k == "ph":
            out["ph"] = float(value)
        elif k in ("temperature_c", "temperature"):
            out["temperature_C"] = float(value)
        elif k == "temperature_k":
            out["temperature_C"] = round(float(value) - 273.15, 10)
        elif k in ("ionic_strength_m", "ionic_strength"):
            out["ionic_strength_M"] = float(value)
    return out


def _column_values(ds, col: str, unit: str) -> np.ndarray:
    values = np.array(ds.values[col], dtype=float)
    if unit == "K":
        return values - 273.15
    if unit == "°F":
        return (values - 32.0) * (5.0 / 9.0)
    if unit not in ("pH", "°C"):
        return convert(values, unit, "M")
    return values


def _check_rows(ds, name: str, col: str, values: np.ndarray, raw: np.ndarray, problems: list) -> None:
    (lo, hi), label = _RANGES[name]
    bad = np.flatnonzero(~np.isnan(values) & ((values < lo) | (values > hi)))
    for i in bad:
        problems.append(
            Problem(
                int(ds.lines[i]),
                col,
                f"{raw[i]:g} is outside {lo:g}–{hi:g} {label} for {name} (the speciation model's range)",
            )
        )


def _check_value(name: str, value: float, where: str, problems: list) -> None:
    (lo, hi), label = _RANGES[name]
    if not (math.isfinite(value) and lo <= value <= hi):
        problems.append(
            Problem(None, None, f"{name} = {value:g} from {where} is outside {lo:g}–{hi:g} {label}")
        )


def resolve_conditions(ds, options: Mapping[str, float] | None = None) -> Conditions:
    """Per-row pH, temperature (°C) and ionic strength (M) of a Dataset, with their sources.

    Parameters
    ----------
    ds : Dataset
    options : mapping, optional
        ``ph``/``pH``, ``temperature_C``/``temperature_K``, ``ionic_strength_M`` (None: not given).

    Raises
    ------
    DataFormatError
        Every value outside the speciation model's range (pH 2–12, 0–100 °C, 0–0.5 M), each
        cell named by line and column.
    """
    opts = normalise_options(options)
    meta = ds.metadata.get("conditions") if isinstance(ds.metadata, Mapping) else None
    try:
        meta = normalise_options(meta if isinstance(meta, Mapping) else {})
    except (TypeError, ValueError):
        raise DataFormatError(
            ds.source,
            [
                Problem(
                    None,
                    None,
                    "metadata 'conditions' must hold numbers (ph, temperature_C, ionic_strength_M)",
                )
            ],
        ) from None
    columns, problems = {}, []
    for col in ds.columns:
        found = condition_of_column(col, ds.stems.get(col, col), ds.unit_texts.get(col))
        if found is not None and found[1] is None:
            problems.append(Problem(1, col, _NO_UNIT[found[0]]))
        elif found is not None and ds.is_numeric(col):
            columns.setdefault(found[0], (col, found[1]))
    n = len(ds)
    values, sources = {}, {}
    for name in CONDITIONS:
        if name in columns:
            col, unit = columns[name]
            values[name] = _column_values(ds, col, unit)
            _check_rows(ds, name, col, values[name], np.asarray(ds.values[col]), problems)
            sources[name] = f"column '{col}'" + (f" ({unit} converted to °C)" if unit in ("K", "°F") else "")
        else:
            for where, given in (("option", opts), ("metadata", meta), ("default", DEFAULT_CONDITIONS)):
                if name in given:
                    _check_value(name, given[name], where, problems)
                    values[name] = np.full(n, float(given[name]))
                    sources[name] = where
                    break
    if problems:
        problems.sort(key=lambda p: -1 if p.line is None else p.line)
        raise DataFormatError(ds.source, problems)
    return Conditions(values, sources)
