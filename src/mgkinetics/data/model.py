"""The data model: :class:`Dataset`, the one validated, immutable table every reader returns.

A reader (CSV/TSV/TXT, xlsx, a DataFrame) produces a :class:`RawTable` (header, cells as read,
line of each row); :func:`build_dataset` validates it in one vectorised pass and collects every
problem, each named by line and column, into one :class:`~mgkinetics.errors.DataFormatError`.

Column kinds
------------
* a unit in the header, in any common style (``s_mM``, ``S (mM)``, ``v [µM/min]``, ``[ATP] mM``,
  ``Rate, uM/min``; see :func:`mgkinetics.units.split_header`) or given by ``input_units``, makes
  a column numeric, of that unit's quantity (concentration, rate, frequency);
* pH, temperature and ionic strength columns (:mod:`mgkinetics.data.conditions`) are numeric;
* every other column is text (a label such as ``variant``); a text column whose cells are all
  numbers is of kind ``number`` (numeric, unit unknown: never used without ``input_units``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mgkinetics.data.arrowlabels import factorize_arrow_labels
from mgkinetics.data.conditions import condition_of_column, resolve_conditions
from mgkinetics.data.factorized import FactorizedText
from mgkinetics.data.numbers import nonempty, shown_text, to_float, to_text
from mgkinetics.data.unitsrow import absorb_units_row, title_row_problems
from mgkinetics.errors import DataFormatError, Problem, UnitError
from mgkinetics.readonly import readonly
from mgkinetics.units import Unit, parse_column, parse_unit, split_header

__all__ = ["Dataset", "RawTable", "build_dataset", "repeated_names"]


@dataclass(frozen=True)
class Dataset:
    """A validated table of measurements with units, conditions' columns and provenance.

    Attributes
    ----------
    source : str
        File name (or description) the data came from; used in every message.
    columns : tuple of str
        Column names in file order, as written (``[ATP] mM`` stays ``[ATP] mM``).
    units : Mapping[str, Unit or None]
        Unit of each numeric column (None for text, pH and temperature columns).
    values : Mapping[str, numpy.ndarray]
        Float arrays (NaN marks an empty cell) for numeric columns, arrays of str for text.
    lines : numpy.ndarray
        Line of each row as an editor shows it (header = line 1; for a sheet, the row number).
    metadata : Mapping
        Sidecar metadata (conditions, provenance ...), {} when there is none.
    stems : Mapping[str, str]
        Each column's name without its unit (``[ATP] mM`` -> ``ATP``): columns are addressable by it.
    unit_texts : Mapping[str, str or None]
        The unit as written in the header or given (``°C``, ``K``, ``uM/min``).
    kinds : Mapping[str, str]
        ``concentration``, ``rate``, ``frequency`` ..., ``condition``, ``number`` or ``text``.
    files : tuple of str
        The file of each row is ``files[file_index[i]]``.
    file_index : numpy.ndarray or None
        Index into ``files`` per row (None: every row is from ``source``).
    """

    source: str
    columns: tuple[str, ...]
    units: Mapping[str, Unit | None]
    values: Mapping[str, np.ndarray]
    lines: np.ndarray
    metadata: Mapping[str, Any] = field(default_factory=dict)
    stems: Mapping[str, str] = field(default_factory=dict)
    unit_texts: Mapping[str, str | None] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    file_index: np.ndarray | None = None

    def __post_init__(self) -> None:
        for arr in list(self.values.values()) + [self.lines]:
            arr.setflags(write=False)
        stems = {c: self.stems.get(c) or split_header(c)[0] for c in self.columns}
        kinds = {c: self.kinds.get(c) or _default_kind(self, c) for c in self.columns}
        texts = {c: self.unit_texts.get(c, self.units.get(c) and self.units[c].label) for c in self.columns}
        object.__setattr__(self, "stems", readonly(stems))
        object.__setattr__(self, "kinds", readonly(kinds))
        object.__setattr__(self, "unit_texts", readonly(texts))
        object.__setattr__(self, "units", readonly(self.units))
        object.__setattr__(self, "values", readonly(self.values))
        object.__setattr__(self, "metadata", readonly(self.metadata))
        object.__setattr__(self, "files", tuple(self.files) or (self.source,))
        if self.file_index is not None:
            self.file_index.setflags(write=False)

    def __len__(self) -> int:
        return int(self.lines.size)

    def is_numeric(self, column: str) -> bool:
        """True for unit and condition columns."""
        return self.values[column].dtype.kind == "f"

    def conditions(self, options: Mapping[str, float] | None = None):
        """Per-row pH, temperature (°C) and ionic strength (M) with their sources
        (:func:`mgkinetics.data.conditions.resolve_conditions`: columns, then ``options``, then the
        metadata, then the defaults)."""
        return resolve_conditions(self, options)

    def file_of(self, row: int) -> str:
        """The file row ``row`` (0-based) was read from."""
        return self.files[0 if self.file_index is None else int(self.file_index[row])]

    def find(self, name: str) -> str | None:
        """The column called ``name``, matched exactly, then case-insensitively, then by its stem
        (``ATP`` finds ``[ATP] mM``) when only one column has that stem, then as stem plus unit
        suffix (``S_mM`` finds ``S`` in mM); None when none does."""
        if name in self.values:
            return name
        low = name.strip().lower()
        for col in self.columns:
            if col.lower() == low:
                return col
        by_stem = [c for c in self.columns if self.stems[c].lower() == low]
        if len(by_stem) == 1:
            return by_stem[0]
        stem, unit = parse_column(name)  # "ONPG_mM" names 'ONPG' read with --input-unit ONPG=mM
        if unit is not None:
            same = [
                c
                for c in self.columns
                if self.units.get(c) == unit
                and split_header(c)[1] is None
                and stem.lower() in (c.lower(), self.stems[c].lower())
            ]
            if len(same) == 1:
                return same[0]
        return None

    def to_frame(self):
        """The data as a new pandas DataFrame (with a ``line`` column)."""
        import pandas as pd

        frame = pd.DataFrame({c: np.array(self.values[c]) for c in self.columns})
        frame.insert(0, "line", np.array(self.lines))
        return frame

    @classmethod
    def from_frame(cls, frame, *, source: str = "<DataFrame>", metadata=None, input_units=None) -> Dataset:
        """Validate a pandas DataFrame (or a dict of columns) as if it were a CSV file.

        The caller's object is not modified. Row *i* is reported as line *i + 2*, as if the
        frame had been written to CSV with a header.
        """
        if hasattr(frame, "columns"):
            header = [str(c) for c in frame.columns]
            cells = [_frame_column(column) for _, column in frame.items()]  # by position, as iloc[:, i]
        else:
            header = [str(c) for c in frame]
            cells = [np.asarray(frame[c]) for c in frame]
        scalar = [isinstance(c, np.ndarray) and c.ndim == 0 for c in cells]
        n = max((len(c) for c, one in zip(cells, scalar) if not one), default=1 if cells else 0)
        cells = [np.full(n, c[()], dtype=c.dtype) if one else c for c, one in zip(cells, scalar)]  # broadcast
        problems = [
            Problem(None, h, f"has {len(c)} values but other columns have {n}")
            for h, c in zip(header, cells)
            if len(c) != n
        ]
        if problems:
            raise DataFormatError(source, problems)
        raw = RawTable(source, header, cells, np.arange(n) + 2, metadata=dict(metadata or {}))
        return build_dataset(raw, input_units=input_units)


def _frame_column(series) -> np.ndarray | FactorizedText:
    """A DataFrame column as :func:`build_dataset` takes it: a column of pandas strings as codes into
    its stripped labels, coded from the Arrow buffers (:func:`factorize_arrow_labels`: no Python str
    per row, the same labels and codes as the object cells give); any other column as its array."""
    import pandas as pd

    if isinstance(series.dtype, pd.StringDtype):
        coded = factorize_arrow_labels(series, [])
        if coded is not None:
            return coded
    return np.asarray(series.to_numpy())


def _default_kind(ds: Dataset, col: str) -> str:
    unit = ds.units.get(col)
    if unit is not None:
        return unit.kind
    return "condition" if ds.values[col].dtype.kind == "f" else "text"


@dataclass
class RawTable:
    """A table as a reader found it: header, cells per column, line of each row."""

    source: str
    header: list[str]
    cells: list[np.ndarray]
    lines: np.ndarray
    header_line: int = 1
    decimal_comma: bool = False
    metadata: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    #: Whether the cells are the reader's own arrays (nothing else refers to them): numeric ones
    #: then become the Dataset's columns without a copy.
    owns_cells: bool = False


def _unit_for(name: str, stem: str, given: Mapping[str, str]) -> str | None:
    base = re.sub(r"[\s_\-#]*\d+$", "", stem)  # "Y" gives the unit of Y1 ... Yn
    for key in (name, name.lower(), stem, stem.lower(), base, base.lower()):
        if key in given:
            return given[key]
    return next((u for k, u in given.items() if "*" in k and fnmatch.fnmatch(name, k)), None)


def _given_units(names: list[str], input_units, source: str, problems: list) -> dict[str, str]:
    given = {str(k).strip(): str(v) for k, v in dict(input_units or {}).items()}
    lowered = {k.lower(): v for k, v in given.items()}
    stems = {split_header(n)[0].lower() for n in names} | {n.lower() for n in names}
    stems |= {re.sub(r"[\s_\-#]*\d+$", "", s) for s in stems}
    for key in given:
        if "*" not in key and key.lower() not in stems:
            problems.append(
                Problem(
                    None,
                    None,
                    f"--input-unit {key}=...: no column '{key}'; found " + ", ".join(f"'{n}'" for n in names),
                )
            )
    return {**given, **lowered}


def _column_kind(name: str, given: Mapping[str, str], problems: list, header_line: int):
    """(stem, unit text, unit, kind) of one column."""
    stem, unit_text = split_header(name)
    override = _unit_for(name, stem, given)
    if override is not None:
        unit_text = override
    cond = condition_of_column(name, stem, unit_text)
    if cond is not None:
        unit = parse_unit(cond[1]) if cond[0] == "ionic_strength_M" and cond[1] else None
        return stem, unit_text, unit, "condition"
    if unit_text is None:
        return stem, None, None, "text"
    try:
        unit = parse_unit(unit_text)
    except UnitError as exc:
        if override is not None:
            problems.append(Problem(header_line, name, f"--input-unit {name}={override}: {exc}"))
        return name, None, None, "text"
    if unit.dimension == (0, 0):
        return name, None, None, "text"
    return stem, unit_text, unit, unit.kind


def repeated_names(names: list[str], line: int | None) -> list[Problem]:
    """One problem per repeat of a column name (case-insensitive; empty names are not names).

    Examples
    --------
    >>> [(p.column, p.message) for p in repeated_names(["S", "v", "s"], 1)]
    [('s', 'appears twice in the header; column names must be unique')]
    """
    seen: set[str] = set()
    out = []
    for name in names:
        if name and name.lower() in seen:
            out.append(Problem(line, name, "appears twice in the header; column names must be unique"))
        seen.add(name.lower())
    return out


#: Longer header cells are not column names (units and conditions are never parsed out of them).
LONGEST_NAME = 1000


def _header(raw: RawTable, problems: list) -> list[int]:
    """Indices of the columns kept: nameless empty columns (Excel's trailing ones) are dropped."""
    names = [str(h).strip() for h in raw.header]
    keep, seen = [], {}
    for i, name in enumerate(names):
        if len(name) > LONGEST_NAME:  # a whole file on one line, say: never parsed as a name
            message = f"column {i + 1}'s name '{shown_text(name)}' is not a column name; name the columns"
            problems.append(Problem(raw.header_line, None, message))
            continue
        if not name:
            if nonempty(raw.cells[i]).any():
                problems.append(
                    Problem(
                        raw.header_line,
                        None,
                        f"column {i + 1} has no name but holds data; give every column a name",
                    )
                )
            continue
        if name.lower() in seen:
            continue
        seen[name.lower()] = i
        keep.append(i)
    problems.extend(repeated_names(names, raw.header_line))
    if not keep and not problems:
        problems.append(
            Problem(raw.header_line, None, "the header line is empty; the first line must name the columns")
        )
    return keep


def _repeated_header_rows(raw: RawTable, keep: list[int], names: list[str], problems: list) -> list:
    """A data row that repeats the header (two exports concatenated) as one problem for the line, in
    place of one 'is not a number' per cell.  Only on the error path."""
    if not keep or not any(p.line is not None for p in problems):
        return problems
    cells = [raw.cells[k].text() if hasattr(raw.cells[k], "text") else raw.cells[k] for k in keep]
    rows = [
        i
        for i in np.flatnonzero([str(c).strip() == names[0] for c in cells[0]]).tolist()
        if all(str(col[i]).strip() == n for col, n in zip(cells, names))
    ]
    if not rows:
        return problems
    lines = sorted({int(raw.lines[i]) for i in rows})
    message = "repeats the header line (two exports concatenated?); delete this line or split the file here"
    return [p for p in problems if p.line not in lines] + [Problem(line, None, message) for line in lines]


def build_dataset(raw: RawTable, *, input_units: Mapping[str, str] | None = None) -> Dataset:
    """Validate a :class:`RawTable` into a :class:`Dataset`, naming every bad cell.

    Raises
    ------
    DataFormatError
        Listing every problem: nameless or duplicate columns, non-numeric, non-finite or negative
        cells in unit columns, unknown ``input_units`` columns.
    """
    problems: list[Problem] = list(raw.problems)
    raw, input_units = absorb_units_row(raw, input_units, problems)
    keep = _header(raw, problems)
    names = [str(raw.header[i]).strip() for i in keep]
    given = _given_units(names, input_units, raw.source, problems)
    if raw.lines.size == 0 and not raw.problems:
        problems.append(
            Problem(
                raw.header_line,
                None,
                "no data rows after the header; add the measurements below it, one row each",
            )
        )
    values, units, stems, texts, kinds = {}, {}, {}, {}, {}
    for i, name in zip(keep, names):
        stem, unit_text, unit, kind = _column_kind(name, given, problems, raw.header_line)
        if kind == "text":
            values[name], numeric = to_text(raw.cells[i])
            kinds[name] = "number" if numeric else "text"
        else:
            values[name] = to_float(
                raw.cells[i],
                name,
                raw.lines,
                problems,
                decimal_comma=raw.decimal_comma,
                non_negative=kind == "concentration",
                copy=not raw.owns_cells,
            )
            kinds[name] = kind
        units[name], stems[name], texts[name] = unit, stem, unit_text
    if problems:
        problems = title_row_problems(raw, _repeated_header_rows(raw, keep, names, problems))
        problems.sort(key=lambda p: -1 if p.line is None else p.line)
        raise DataFormatError(raw.source, problems)
    return Dataset(
        raw.source,
        tuple(names),
        units,
        values,
        np.asarray(raw.lines, dtype=int),
        raw.metadata,
        stems,
        texts,
        kinds,
    )
