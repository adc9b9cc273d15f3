"""CSV in: the only module that opens data files.

Cells are read as text so that every bad cell can be named; all problems are collected and raised
together as one :class:`~mgkinetics.errors.DataFormatError`. Line numbers are those an editor
shows (the header is line 1). pandas is not needed to read a file.

Column conventions
------------------
* a unit suffix makes a column numeric: concentrations ``_M``, ``_mM``, ``_uM`` (``_µM``),
  ``_nM``, ``_pM``; rates ``_uM_per_s``, ``_mM_per_min``, ``_nM_per_s`` ...; first-order
  constants ``_per_s``;
* ``ph``, ``temperature_C``, ``temperature_K`` are numeric condition columns;
* any other column is text (a group label such as ``variant``, ``replicate``, ``curve``);
* an empty cell marks a missing value: rows with a missing value that a fit needs are excluded
  from that fit and listed with the reason, never dropped silently;
* lines starting with ``#`` are comments; a sidecar ``NAME.meta.json`` (or ``NAME.json``) beside
  ``NAME.csv`` is read as the dataset's metadata.
"""

from __future__ import annotations

import csv
import io as _io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from mgkinetics.errors import DataFormatError, Problem
from mgkinetics.units import Unit, column_suffix, parse_column

__all__ = ["Dataset", "read_csv", "concat", "CONDITION_COLUMNS"]

#: Numeric columns without a unit suffix, and the unit they are in.
CONDITION_COLUMNS: dict[str, str] = {"ph": "pH", "temperature_c": "°C", "temperature_k": "K"}


@dataclass(frozen=True)
class Dataset:
    """A validated table of measurements with units and provenance.

    Attributes
    ----------
    source : str
        File name (or description) the data came from; used in every message.
    columns : tuple of str
        Column names in file order.
    units : Mapping[str, Unit or None]
        Unit of each numeric column (None for text and condition columns).
    values : Mapping[str, numpy.ndarray]
        Float arrays (NaN marks an empty cell) for numeric columns, arrays of str for text.
    lines : numpy.ndarray
        File line number of each row.
    metadata : Mapping
        Sidecar metadata (conditions, provenance ...), {} when there is none.
    """

    source: str
    columns: tuple[str, ...]
    units: Mapping[str, Unit | None]
    values: Mapping[str, np.ndarray]
    lines: np.ndarray
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for arr in list(self.values.values()) + [self.lines]:
            arr.setflags(write=False)
        object.__setattr__(self, "units", MappingProxyType(dict(self.units)))
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    def __len__(self) -> int:
        return int(self.lines.size)

    def is_numeric(self, column: str) -> bool:
        """True for unit and condition columns."""
        return self.values[column].dtype.kind == "f"

    def to_frame(self):
        """The data as a new pandas DataFrame (with a ``line`` column)."""
        import pandas as pd

        frame = pd.DataFrame({c: np.array(self.values[c]) for c in self.columns})
        frame.insert(0, "line", np.array(self.lines))
        return frame

    @classmethod
    def from_frame(cls, frame, *, source: str = "<DataFrame>", metadata=None) -> Dataset:
        """Validate a pandas DataFrame (or a dict of columns) as if it were a CSV file.

        The caller's object is not modified. Row *i* is reported as line *i + 2*, as if the
        frame had been written to CSV with a header.
        """
        if hasattr(frame, "columns"):
            header = [str(c) for c in frame.columns]
            cols = [frame.iloc[:, j].tolist() for j in range(frame.shape[1])]  # duplicate labels too
        else:
            header = [str(c) for c in frame]
            cols = [list(np.atleast_1d(frame[c])) for c in frame]
        n = len(cols[0]) if cols else 0
        rows = []
        for i in range(n):
            row = []
            for col in cols:
                cell = col[i] if i < len(col) else ""
                if cell is None or (isinstance(cell, float) and math.isnan(cell)):
                    row.append("")
                else:
                    row.append(repr(float(cell)) if isinstance(cell, (float, np.floating)) else str(cell))
            rows.append((i + 2, row))
        return _build(source, header, rows, dict(metadata or {}))


#: What a CSV cell may hold as a number: ASCII decimal, optional exponent, or inf/nan words (which
#: are then reported as not finite). Python's float() alone would also take '1_000' and non-ASCII
#: digits such as '٣', which no spreadsheet reads as numbers.
_NUMBER_RE = re.compile(
    r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?(?:inf|infinity|nan)", re.IGNORECASE
)


def _parse_number(text: str) -> float | None:
    if not _NUMBER_RE.fullmatch(text):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _column_kind(name: str) -> tuple[str, Unit | None]:
    stem, unit = parse_column(name)
    if unit is not None:
        return unit.kind, unit
    if name.strip().lower() in CONDITION_COLUMNS:
        return "condition", None
    return "text", None


def _build(
    source: str,
    header: list[str],
    rows: list[tuple[int, list[str]]],
    metadata: dict,
    *,
    header_line: int = 1,
) -> Dataset:
    problems: list[Problem] = []
    if not header or all(not h.strip() for h in header):
        raise DataFormatError(
            source,
            [Problem(header_line, None, "the header line is empty; the first line must name the columns")],
        )
    names = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for idx, name in enumerate(names):
        if not name:
            problems.append(
                Problem(header_line, None, f"column {idx + 1} has no name; give every column a name")
            )
        elif name.lower() in seen:
            problems.append(
                Problem(header_line, name, "appears twice in the header; column names must be unique")
            )
        seen.setdefault(name.lower(), idx)
    if not rows:
        problems.append(Problem(header_line, None, "no data rows after the header; add the measurements "
                                "below it, one row each"))
    kinds = [_column_kind(n) for n in names]
    width = len(names)
    numeric = {i for i, (k, _) in enumerate(kinds) if k != "text"}
    good_rows: list[tuple[int, list[str]]] = []
    for line, cells in rows:
        if len(cells) != width:
            problems.append(
                Problem(
                    line,
                    None,
                    f"has {len(cells)} fields but the header has {width}; "
                    "check for a missing or extra comma",
                )
            )
            continue
        good_rows.append((line, cells))
    data: dict[str, list] = {n: [] for n in names}
    for line, cells in good_rows:
        for i, (name, cell) in enumerate(zip(names, cells)):
            text = cell.strip()
            if i not in numeric:
                data[name].append(text)
                continue
            if text == "":
                data[name].append(math.nan)
                continue
            value = _parse_number(text)
            kind, unit = kinds[i]
            if value is None or not math.isfinite(value):
                what = "is not a number" if value is None else "is not a finite number"
                if value is None and re.fullmatch(r"[-+]?\d+,\d+", text):
                    what += " (a decimal comma? write 0.5, not 0,5)"
                problems.append(
                    Problem(line, name, f"'{text}' {what}; leave the cell empty to mark a missing value")
                )
                data[name].append(math.nan)
                continue
            if kind == "concentration" and value < 0:
                problems.append(Problem(line, name, f"{text} is negative; concentrations must be >= 0"))
            data[name].append(value)
    if problems:
        # file order (DataFormatError's contract): ragged rows are found in a first pass
        problems.sort(key=lambda p: -1 if p.line is None else p.line)
        raise DataFormatError(source, problems)
    values = {}
    for i, name in enumerate(names):
        if i in numeric:
            values[name] = np.asarray(data[name], dtype=float)
        else:
            values[name] = np.asarray(data[name], dtype=str) if data[name] else np.array([], dtype=str)
    return Dataset(
        source=source,
        columns=tuple(names),
        units={n: u for n, (_, u) in zip(names, kinds)},
        values=values,
        lines=np.asarray([line for line, _ in good_rows], dtype=int),
        metadata=metadata,
    )


def _sidecar(path: Path) -> dict:
    for candidate in (path.with_suffix(".meta.json"), path.with_suffix(".json")):
        if candidate.is_file():
            try:
                return json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise DataFormatError(
                    str(candidate), [Problem(None, None, f"metadata is not valid JSON: {exc}")]
                ) from None
    return {}


def _delimiter(text: str, path: Path) -> str:
    """Comma, unless the file is .tsv/.tab or its header line has no comma but semicolons (as
    spreadsheets in decimal-comma locales save CSV) or tabs."""
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    header = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    if "," not in header:
        if ";" in header:
            return ";"
        if "\t" in header:
            return "\t"
    return ","


def read_csv(path: str | Path, *, input_units: Mapping[str, str] | None = None) -> Dataset:
    """Read and validate a CSV file of measurements.

    Parameters
    ----------
    path : str or Path
        The file. Comma-separated (tab-separated for ``.tsv``), UTF-8, header on the first
        non-comment line.
    input_units : mapping, optional
        Units for columns whose names carry no suffix, ``{"S": "mM", "v": "uM/min"}``; the
        column is then read as if it had been named ``S_mM``.

    Returns
    -------
    Dataset

    Raises
    ------
    DataFormatError
        Listing every problem: unreadable or empty file, ragged rows, duplicate columns,
        non-numeric or negative cells in unit columns.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "mm.csv")
    ...     _ = open(p, "w").write("s_mM,rate_uM_per_s\\n1,2\\n2,3\\n")
    ...     ds = read_csv(p)
    >>> ds.units["s_mM"].label, len(ds)
    ('mM', 2)
    """
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataFormatError(source, [Problem(None, None, "file not found; check the path")]) from None
    except OSError as exc:
        raise DataFormatError(source, [Problem(None, None, f"cannot be read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFormatError(
            source, [Problem(line, None, "is not UTF-8 text; save the file as UTF-8 CSV")]
        ) from None
    if not text.strip():
        raise DataFormatError(
            source, [Problem(1, None, "the file is empty; expected a header line naming the columns "
                             "(e.g. s_mM,rate_uM_per_s) and data rows")]
        )
    delimiter = _delimiter(text, path)
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue
            if cells[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = cells
                header_line = line
            else:
                rows.append((line, cells))
    except csv.Error as exc:
        raise DataFormatError(source, [Problem(reader.line_num, None, f"is not valid CSV: {exc}")]) from None
    if header is None:
        raise DataFormatError(source, [Problem(1, None, "no header line, only comments or blank lines; "
                                               "the first other line must name the columns")])
    if input_units:
        renamed = []
        for name in header:
            unit = input_units.get(name.strip())
            if unit is not None:
                renamed.append(f"{name.strip()}_{column_suffix(unit)}")
            else:
                renamed.append(name)
        header = renamed
    return _build(source, header, rows, _sidecar(path), header_line=header_line)


def concat(datasets: list[Dataset], *, label: str | None = None) -> Dataset:
    """Several validated tables with the same columns as one (a single one passes through).

    Parameters
    ----------
    datasets : list of Dataset
    label : str, optional
        A column that identifies each table's rows. When no table has it, it is added, holding
        each table's file stem (so ``compare wt.csv d84a.csv`` compares 'wt' with 'd84a').

    Line numbers stay those of each row's own file; ``source`` names every file.

    Raises
    ------
    DataFormatError
        If the tables' columns differ.
    """
    if len(datasets) == 1:
        return datasets[0]
    sets = list(datasets)
    if label is not None and all(label.lower() not in {c.lower() for c in d.columns} for d in sets):
        sets = [
            Dataset(source=d.source, columns=d.columns + (label,), units={**d.units, label: None},
                    values={**d.values, label: np.full(len(d), Path(d.source).stem)}, lines=d.lines,
                    metadata=d.metadata)
            for d in sets
        ]
    columns = sets[0].columns
    for d in sets[1:]:
        if set(d.columns) != set(columns):
            raise DataFormatError(d.source, [Problem(
                1, None, f"has columns {', '.join(d.columns)} but {sets[0].source} has {', '.join(columns)}; "
                "files analysed together need the same columns")])
    return Dataset(
        source=" + ".join(d.source for d in sets),
        columns=columns,
        units=sets[0].units,
        values={c: np.concatenate([d.values[c] for d in sets]) for c in columns},
        lines=np.concatenate([d.lines for d in sets]),
        metadata=dict(sets[0].metadata),
    )
