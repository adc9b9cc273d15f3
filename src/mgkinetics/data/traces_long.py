"""The long traces table as a file: one row per read, columns plate, well, time_s, wavelength_nm,
temperature_C, signal (what ``mgkinetics traces`` writes), read with every cell checked in place.

CSV, semicolon or tab separated (the delimiter is the one that splits the header into the required
names; an Excel ``sep=;`` first line is honoured), UTF-8 with or without BOM, UTF-16. Numbers are
converted as pandas converts text (``pandas.to_numeric``); in a semicolon- or tab-separated file a
decimal comma (``0,95``) is a number too. Every bad cell is reported with its line and column, all
at once; a row that holds more cells than the header is an error; blank lines are not rows.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFormatError, Problem
from .model import repeated_names
from .plates.common import TRACE_COLUMNS, PlateRead
from .plates.parse import decode_bytes, normalise_well, parse_number

__all__ = ["LONG_TRACE_NAMES", "is_long_traces", "read_long_traces"]

#: Header names that make a file a long traces table (the other two trace columns are required to read it).
LONG_TRACE_NAMES: frozenset[str] = frozenset({"plate", "well", "time_s", "signal"})
_DELIMITERS = (",", ";", "\t")
_NUMERIC = ("time_s", "wavelength_nm", "temperature_C", "signal")
_MISSING_WORDS = frozenset({"nan", "<na>", "none"})
_SHOWN = 40
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _first_lines(text: str) -> tuple[str | None, str, int]:
    """(delimiter from a ``sep=`` line or None, the header line, the header's line number), lines
    counted as the csv module counts them (CR, LF or CRLF)."""
    lines = iter(_LINE_BREAK.split(text))
    number = 0
    stated = None
    for line in lines:
        number += 1
        if not line.strip():
            continue
        if (
            stated is None
            and number == 1
            and line.strip().lower().startswith("sep=")
            and len(line.strip()) == 5
        ):
            stated = line.strip()[4]
            continue
        return stated, line, number
    return stated, "", number


def _delimiter(header_line: str, stated: str | None) -> str | None:
    """The delimiter that splits the header into the long-table names, or None when none does."""
    for candidate in (stated,) if stated else _DELIMITERS:
        names = {cell.strip() for cell in next(csv.reader([header_line], delimiter=candidate), [])}
        if LONG_TRACE_NAMES <= names:
            return candidate
    return None


def is_long_traces(path: str | Path) -> bool:
    """True when the file's header (its first non-blank line, after a ``sep=`` line) names at least
    plate, well, time_s and signal. Cheap; never raises.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "t.csv")
    ...     header = "plate;well;time_s;wavelength_nm;temperature_C;signal\\n"
    ...     _ = open(p, "w").write(header + "1;A1;0;340;25;0,9\\n")
    ...     is_long_traces(p)
    True
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read(65536)
    except OSError:
        return False
    stated, header, _ = _first_lines(decode_bytes(raw)[0])
    return _delimiter(header, stated) is not None


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _numbers(column: str, cells: list[str], lines: np.ndarray, comma_ok: bool, problems: list) -> np.ndarray:
    """The column as float (NaN for an empty or NaN cell); each cell that is not a number is a problem."""
    values = np.array(pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce"), dtype=float)
    for i in np.flatnonzero(np.isnan(values)):
        text = cells[i].strip()
        if text == "" or text.lower() in _MISSING_WORDS:
            continue
        number = parse_number(text) if comma_ok and "," in text else None
        if number is not None:
            values[i] = number
            continue
        problems.append(
            Problem(
                int(lines[i]), column, f"'{_shown(text)}' is not a number; leave it empty for a missing read"
            )
        )
    return values


def _wells(cells: list[str], plates: list[str], lines: np.ndarray, problems: list) -> list[str | None]:
    """Normalised wells (``A01`` -> ``A1``); a bad name, and two spellings of one well on one plate
    (``A1`` and ``A01``: two wells to the writer, one to the reader), are problems."""
    names = {raw: normalise_well(raw.strip()) for raw in set(cells)}
    spelling: dict[tuple[str, str], tuple[str, int]] = {}
    reported: set[tuple[str, str]] = set()
    for i, raw in enumerate(cells):
        well = names[raw]
        if well is None:
            problems.append(
                Problem(int(lines[i]), "well", f"'{_shown(raw)}' is not a well name; write A1 .. P24")
            )
            continue
        first = spelling.setdefault((plates[i], well), (raw.strip(), int(lines[i])))
        if first[0] != raw.strip() and (plates[i], raw.strip()) not in reported:  # once per spelling
            reported.add((plates[i], raw.strip()))
            problems.append(
                Problem(
                    int(lines[i]),
                    "well",
                    f"'{_shown(raw.strip())}' and '{first[0]}' (line {first[1]}) are the same well {well}; "
                    "write each well one way",
                )
            )
    return [names[raw] for raw in cells]


def _rows(text: str, delimiter: str, header_number: int, width: int, problems: list):
    """(line numbers, rows padded to the header's width, lines of rows whose cells are all empty) of
    the data rows after the header."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    lines: list[int] = []
    rows: list[list[str]] = []
    empty: list[int] = []
    start = 0
    try:
        for cells in reader:
            end = reader.line_num
            if end > header_number and cells and not any(c.strip() for c in cells):
                empty.append(start + 1)  # a row of empty cells (Excel's ',,,,,'), listed, not a read
            if end <= header_number or not any(c.strip() for c in cells):
                start = end
                continue
            if len(cells) > width:
                problems.append(
                    Problem(
                        start + 1, None, f"{len(cells)} cells, the header names {width}; remove the extra"
                    )
                )
            lines.append(start + 1)
            rows.append(cells[:width] + [""] * (width - len(cells)))
            start = end
    except csv.Error as exc:
        problems.append(Problem(start + 1, None, f"cannot read this line as CSV ({exc})"))
    return np.asarray(lines, dtype=int), rows, empty


def read_long_traces(path: str | Path) -> PlateRead:
    """Read a long traces table (CSV/TSV) into a :class:`~mgkinetics.data.plates.PlateRead`.

    Parameters
    ----------
    path : str or pathlib.Path
        A table with a header naming at least :data:`~mgkinetics.data.plates.TRACE_COLUMNS`; other
        columns are kept as text after them.

    Returns
    -------
    PlateRead
        ``frame``: ``plate`` (text as stored), ``well`` (normalised, ``A1``), ``time_s``,
        ``wavelength_nm``, ``temperature_C``, ``signal`` (float, NaN for an empty cell: a missing
        read, which the rates wing counts per well), the other columns, and ``line``: the file line
        of each read. ``instrument`` is ``"long"``; ``metadata`` holds the ``delimiter`` and the
        lines of rows whose cells are all empty (``empty_rows``: not reads, listed by the caller).

    Raises
    ------
    DataFormatError
        A missing file, a file that is not a long traces table, a repeated or missing column, a
        row with more cells than the header, a bad well or number, a read repeated at the same
        well, time and wavelength: every problem with its line and column.
    """
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise DataFormatError(source, [Problem(None, None, "traces file not found")]) from None
    except OSError as exc:
        raise DataFormatError(
            source, [Problem(None, None, f"cannot read the file ({exc.strerror})")]
        ) from None
    text = decode_bytes(raw)[0]
    stated, header_line, header_number = _first_lines(text)
    delimiter = _delimiter(header_line, stated)
    if delimiter is None:
        raise DataFormatError(
            source,
            [
                Problem(
                    header_number if header_line else None,
                    None,
                    "not a long traces table: the header must name " + ", ".join(TRACE_COLUMNS),
                )
            ],
        )
    header = [cell.strip() for cell in next(csv.reader([header_line], delimiter=delimiter))]
    _refuse_header(header, header_number, source)
    problems: list[Problem] = []
    lines, rows, empty = _rows(text, delimiter, header_number, len(header), problems)
    if not rows and not problems:
        raise DataFormatError(source, [Problem(header_number, None, "the table has a header but no reads")])
    columns = list(zip(*rows)) if rows else [()] * len(header)
    cells = {name: list(col) for name, col in zip(header, columns)}
    data: dict[str, object] = {"plate": [c.strip() for c in cells["plate"]]}
    data["well"] = _wells(cells["well"], data["plate"], lines, problems)
    for name in _NUMERIC:
        data[name] = _numbers(name, cells[name], lines, delimiter != ",", problems)
    if not problems:
        _repeated_reads(data, lines, problems)
    if problems:
        raise DataFormatError(source, sorted(problems, key=lambda p: p.line or 0))
    frame = pd.DataFrame(data, columns=list(TRACE_COLUMNS))
    for name in header:
        if name not in frame.columns:
            frame[name] = cells[name]
    frame["line"] = lines
    return PlateRead(
        frame=frame,
        instrument="long",
        source=source,
        metadata={"delimiter": delimiter, "empty_rows": tuple(empty)},
    )


def _repeated_reads(data: dict, lines: np.ndarray, problems: list) -> None:
    """One problem per read of a well at a time (and wavelength) it was already read at with another
    signal: two values for one point of a trace (two exports concatenated?), neither of which may be
    chosen silently. A repeat with the same signal is the same read (kept, as always); a well read
    only at one time is no trace at all, which the rates wing reports per well."""
    keys = pd.DataFrame({k: data[k] for k in ("plate", "well", "time_s", "wavelength_nm")})
    if not keys.duplicated().any():
        return
    group = keys.groupby(list(keys.columns), dropna=False, sort=False)
    first = group.cumcount().to_numpy() > 0
    first_row = (
        keys.reset_index().groupby(list(keys.columns), dropna=False, sort=False)["index"].transform("min")
    )
    first_row = first_row.to_numpy()
    signal = np.asarray(data["signal"], dtype=float)
    same = (signal == signal[first_row]) | (np.isnan(signal) & np.isnan(signal[first_row]))
    times = keys.groupby(["plate", "well"], sort=False)["time_s"].transform("nunique").to_numpy()
    again = np.flatnonzero(first & ~same & (times > 1))
    for i in again[:_SHOWN].tolist():
        wavelength = data["wavelength_nm"][i]
        at = f"{data['time_s'][i]:g} s" + ("" if np.isnan(wavelength) else f", {wavelength:g} nm")
        problems.append(
            Problem(
                int(lines[i]),
                "time_s",
                f"well {data['well'][i]} of plate {data['plate'][i]} is read again at {at} with another "
                f"signal (first at line {int(lines[first_row[i]])}); a trace holds one read per time: "
                "delete one",
            )
        )
    if again.size > _SHOWN:
        problems.append(Problem(None, None, f"... and {again.size - _SHOWN} more reads repeated"))


def _refuse_header(header: list[str], line: int, source: str) -> None:
    problems = repeated_names(header, line)
    problems += [
        Problem(line, name, "missing required column; a traces table needs " + ", ".join(TRACE_COLUMNS))
        for name in TRACE_COLUMNS
        if name not in header
    ]
    if problems:
        raise DataFormatError(source, problems)
