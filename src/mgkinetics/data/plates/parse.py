"""Helpers every plate-export parser shares: text decoding, wells, times, numbers, the traces frame.

A parser reads its layout and feeds each cell to a :class:`CellCollector`, which returns the checked
long table of :data:`~mgkinetics.data.plates.common.TRACE_COLUMNS` (see :func:`build_frame`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...errors import DataFormatError, Problem
from ...units import TIME_FACTORS_S
from .common import TRACE_COLUMNS, SkippedCell
from .text_decode import decode_bytes

__all__ = [
    "PLATE_SHAPES",
    "NON_READING_TOKENS",
    "decode_bytes",
    "normalise_well",
    "well_position",
    "hms_to_seconds",
    "parse_number",
    "classify_cell",
    "time_unit_from_header",
    "build_frame",
    "CellCollector",
]

#: Plate size -> (rows, columns).
PLATE_SHAPES: dict[int, tuple[int, int]] = {6: (2, 3), 12: (3, 4), 24: (4, 6), 48: (6, 8), 96: (8, 12)}
PLATE_SHAPES[384] = (16, 24)

#: Cell texts that mean "the reader produced no number here", lower-cased, with the reason reported.
NON_READING_TOKENS: dict[str, str] = {
    token.lower(): f"{reason} ({token})"
    for reason, tokens in (
        ("no reading", "NaN - n/a NA MISSED"),
        ("overflow", "OVRFLW OVERFLOW OVER"),
        ("saturated", "#SAT SAT"),
        ("out of range", "Range? ?????"),
        ("invalid reading", "Invalid"),
        ("reader error", "Error"),
        ("PathCheck failed", "Path?"),
    )
    for token in tokens.split()
}

_WELL_RE = re.compile(r"^\s*([A-Pa-p])\s*0*([1-9][0-9]?)\s*$")
_HMS_RE = re.compile(r"^\s*(?:(\d+)\.)?(\d+):(\d{1,2}(?:\.\d*)?)(?::(\d{1,2}(?:\.\d*)?))?\s*$")
_NUMBER_RE = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_COMMA_NUMBER_RE = re.compile(r"^[-+]?\d*,\d+(?:[eE][-+]?\d+)?$")


def normalise_well(text: object) -> str | None:
    """``'A01'``, ``'a1'``, ``'A 1'`` -> ``'A1'``; None when not a well name (rows A-P, columns 1-24).

    Examples
    --------
    >>> normalise_well("B07"), normalise_well("h12"), normalise_well("A 2")
    ('B7', 'H12', 'A2')
    >>> normalise_well("Z99") is None, normalise_well("A25") is None, normalise_well("Time") is None
    (True, True, True)
    """
    m = _WELL_RE.match(str(text))
    if not m or int(m.group(2)) > 24:
        return None
    return f"{m.group(1).upper()}{int(m.group(2))}"


def well_position(well: str) -> tuple[int, int]:
    """(row index from 0, column number from 1) of a normalised well name: ``'B3'`` -> ``(1, 3)``."""
    return ord(well[0]) - ord("A"), int(well[1:])


def hms_to_seconds(text: object) -> float | None:
    """``'hh:mm:ss'``, ``'h:mm:ss.fff'``, ``'mm:ss(.fff)'``, ``'d.hh:mm:ss'`` -> seconds; None if not a time.

    Examples
    --------
    >>> hms_to_seconds("00:01:15"), hms_to_seconds("1:00:00"), hms_to_seconds("2:30")
    (75.0, 3600.0, 150.0)
    >>> hms_to_seconds("1.02:00:00.5"), hms_to_seconds("0:01.050"), hms_to_seconds("12.5") is None
    (93600.5, 1.05, True)
    """
    m = _HMS_RE.match(str(text))
    if not m:
        return None
    days, first, second, third = m.groups()  # third is None for mm:ss
    if third is not None and "." in second:
        return None
    hours, minutes, seconds = (
        (0, int(first), float(second)) if third is None else (int(first), int(second), float(third))
    )
    if minutes >= 60 and third is not None or seconds >= 60:
        return None
    return (int(days or 0) * 24 + hours) * 3600.0 + minutes * 60.0 + seconds


def parse_number(text: object) -> float | None:
    """A number as stored (``'0.0379'``, ``'1e-3'``, decimal comma ``'0,0385'``); None for anything else.

    A comma is read as a decimal comma only when the text has no point and one comma; thousands
    separators are not accepted (``'1,234.5'`` is None).

    Examples
    --------
    >>> parse_number("0,0385"), parse_number(" -1.5E-2 "), parse_number("OVRFLW") is None
    (0.0385, -0.015, True)
    """
    s = str(text).strip()
    if _NUMBER_RE.match(s):
        return float(s)
    if _COMMA_NUMBER_RE.match(s):
        return float(s.replace(",", "."))
    return None


def classify_cell(text: object) -> tuple[float | None, str | None]:
    """``(value, None)`` for a number, ``(None, reason)`` for a cell that holds no reading.

    The reason is ``'empty'``, one of :data:`NON_READING_TOKENS`' reasons, or for any other text
    ``"not a number: '...'"`` (parsers report that as a format problem, not a skipped cell).

    Examples
    --------
    >>> classify_cell("0.5"), classify_cell(""), classify_cell("#SAT")
    ((0.5, None), (None, 'empty'), (None, 'saturated (#SAT)'))
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None, "empty"
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text), None
    s = str(text).strip()
    if len(s) >= 2 and s[0] == s[-1] == '"':  # some exporters quote cells ("NaN")
        s = s[1:-1].strip()
    if not s:
        return None, "empty"
    value = parse_number(s)
    if value is not None:
        return value, None
    if len(s) >= 3 and s[0] == s[-1] == "*" and parse_number(s[1:-1]) is not None:  # Gen5: *0.356*
        return None, f"flagged by the reader software ({s}: masked or invalid value)"
    return None, NON_READING_TOKENS.get(s.lower(), f"not a number: '{s}'")


_TIME_UNIT_WORDS = {
    word: unit
    for unit, words in (
        ("s", "s sec secs second seconds"),
        ("min", "min mins minute minutes"),
        ("h", "h hr hrs hour hours"),
    )
    for word in words.split()
}
_TIME_HEADER_RE = re.compile(
    r"^\s*(?:time|t)\s*(?:[\[(]\s*(?P<b>[A-Za-z]+)\s*[\])]|_(?P<s>[A-Za-z]+)|\s+(?P<w>[A-Za-z]+))?\s*$",
    re.IGNORECASE,
)


def time_unit_from_header(header: object) -> tuple[bool, str | None]:
    """Whether a header names a time column, and the unit it states (``'s'``, ``'min'``, ``'h'``) or None.

    Examples
    --------
    >>> time_unit_from_header("Time [s]"), time_unit_from_header("t (h)"), time_unit_from_header("time_min")
    ((True, 's'), (True, 'h'), (True, 'min'))
    >>> time_unit_from_header("Time"), time_unit_from_header("Temperature")
    ((True, None), (False, None))
    """
    m = _TIME_HEADER_RE.match(str(header))
    if not m:
        return False, None
    word = m.group("b") or m.group("s") or m.group("w")
    if word is None:
        return True, None
    unit = _TIME_UNIT_WORDS.get(word.lower())
    if unit is None or unit not in TIME_FACTORS_S:
        return False, None
    return True, unit


def build_frame(
    *,
    plate: Sequence[int],
    well: Sequence[str],
    time_s: Sequence[float | None],
    wavelength_nm: Sequence[int | None],
    temperature_C: Sequence[float | None],
    signal: Sequence[float],
    source: str,
    lines: Sequence[int | None] | None = None,
) -> pd.DataFrame:
    """The traces table from equal-length columns, with its dtypes, after checking it.

    Checks that wells are normalised names (``A1``..``P24``), plates integers >= 1, signals finite and
    no (plate, well, wavelength_nm, time_s) key repeated; all problems are raised together, each with
    the file line of its cell when ``lines`` is given.

    Returns
    -------
    pandas.DataFrame
        :data:`TRACE_COLUMNS` with the dtypes :class:`~.common.PlateRead` states, rows in the order given.

    Raises
    ------
    DataFormatError
        Listing every bad well, plate, signal and duplicated key.

    Examples
    --------
    >>> f = build_frame(plate=[1, 1], well=["A1", "A2"], time_s=[0.0, 0.0], wavelength_nm=[340, 340],
    ...                 temperature_C=[None, None], signal=[0.1, 0.2], source="x.txt")
    >>> list(f.columns) == list(TRACE_COLUMNS), str(f["wavelength_nm"].dtype)
    (True, 'Int64')
    """
    n = len(signal)
    columns = (plate, well, time_s, wavelength_nm, temperature_C)
    if any(len(c) != n for c in columns) or (lines is not None and len(lines) != n):
        raise ValueError("build_frame: all columns must have the same length")
    line_of = list(lines) if lines is not None else [None] * n
    problems: list[Problem] = []
    for i in range(n):
        bad = []
        if normalise_well(well[i]) != well[i]:
            bad.append(f"'{well[i]}' is not a well name (A1..P24, no padding)")
        if not isinstance(plate[i], (int, np.integer)) or plate[i] < 1:
            bad.append(f"plate '{plate[i]}' must be an integer from 1")
        if signal[i] is None or not math.isfinite(signal[i]):
            bad.append(f"well {well[i]}: signal {signal[i]!r} is not a number")
        problems += [Problem(line_of[i], None, message) for message in bad]
    if problems:
        raise DataFormatError(source, problems)
    frame = pd.DataFrame(
        {
            "plate": np.asarray(plate, dtype=np.int64),
            "well": pd.Series(list(well), dtype=object),
            "time_s": np.array([np.nan if t is None else t for t in time_s], dtype=float),
            "wavelength_nm": pd.array([None if pd.isna(w) else int(w) for w in wavelength_nm], dtype="Int64"),
            "temperature_C": np.array([np.nan if t is None else t for t in temperature_C], dtype=float),
            "signal": np.asarray(signal, dtype=float),
        },
        columns=list(TRACE_COLUMNS),
    )
    _check_duplicates(frame, line_of, source)
    return frame


def _check_duplicates(frame: pd.DataFrame, line_of: list[int | None], source: str) -> None:
    keys = ["plate", "well", "wavelength_nm", "time_s"]
    dup = frame.duplicated(keys, keep=False).to_numpy()
    if not dup.any():
        return
    first: dict[tuple, int] = {}
    problems = []
    for i in np.flatnonzero(dup):
        row = frame.iloc[i]
        key = tuple(None if pd.isna(row[k]) else row[k] for k in keys)
        if key not in first:
            first[key] = i
            continue
        where = f" (first at line {line_of[first[key]]})" if line_of[first[key]] is not None else ""
        t = "no time" if key[3] is None else f"t = {key[3]:g} s"
        wl = "no wavelength" if key[2] is None else f"{key[2]} nm"
        message = f"plate {key[0]}, well {key[1]}, {wl}, {t} is read twice{where}; each (plate, well, "
        problems.append(Problem(line_of[i], None, message + "wavelength, time) may occur once"))
    raise DataFormatError(source, problems)


class CellCollector:
    """Collects a parser's cells one by one and sorts them into readings, skipped cells and problems.

    A number becomes a row; a known non-reading token (``OVRFLW``, ``NaN`` ...) a
    :class:`SkippedCell`; any other text a :class:`~mgkinetics.errors.Problem`. An empty cell is a
    skipped cell too, except when its well is empty in every read of that plate and wavelength:
    such a well was not measured and is listed once in :meth:`unmeasured` instead. Pass ``series``
    when several plate numbers are snapshots of one plate (iterations): wells are then judged
    "not measured" over the whole series.

    Examples
    --------
    >>> c = CellCollector("x.txt")
    >>> c.add(plate=1, well="A1", time_s=0.0, wavelength_nm=340, temperature_C=None, text="0.5", line=3)
    >>> c.add(plate=1, well="A2", time_s=0.0, wavelength_nm=340, temperature_C=None, text="OVRFLW", line=3)
    >>> c.add(plate=1, well="A3", time_s=0.0, wavelength_nm=340, temperature_C=None, text="", line=3)
    >>> frame, skipped = c.finish()
    >>> len(frame), [s.reason for s in skipped], c.unmeasured()
    (1, ['overflow (OVRFLW)'], {(1, 340): ['A3']})
    """

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []
        self._rows: dict[str, list] = {k: [] for k in (*TRACE_COLUMNS, "line")}
        self._skipped: list[SkippedCell] = []  # every cell that is not a reading, in file order
        self._series: list[int] = []  # series of each skipped cell
        self._seen: set[tuple[int, str, int | None]] = set()
        self._unmeasured: dict[tuple[int, int | None], list[str]] = {}

    def problem(self, line: int | None, column: str | None, message: str) -> None:
        """Record a format problem (raised by :meth:`finish` with all the others)."""
        self.problems.append(Problem(line, column, message))

    def add(
        self,
        *,
        plate: int,
        well: str,
        time_s: float | None,
        wavelength_nm: int | None,
        temperature_C: float | None,
        text: object,
        line: int | None,
        column: str | None = None,
        series: int | None = None,
    ) -> None:
        """Sort one cell (its stored text or value) into a reading, a skipped cell or a problem."""
        value, reason = classify_cell(text)
        series = plate if series is None else series
        if value is not None:
            for key, v in zip(
                (*TRACE_COLUMNS, "line"), (plate, well, time_s, wavelength_nm, temperature_C, value, line)
            ):
                self._rows[key].append(v)
            self._seen.add((series, well, wavelength_nm))
            return
        stored = "" if text is None else str(text).strip()
        cell = SkippedCell(plate, well, time_s, wavelength_nm, stored, str(reason))
        if str(reason).startswith("not a number"):
            message = f"well {well}: {reason}; expected a reading, an empty cell or a mark such as OVRFLW"
            self.problem(line, column, message)
            return
        if reason != "empty":
            self._seen.add((series, well, wavelength_nm))
        self._skipped.append(cell)
        self._series.append(series)

    def add_line(self, line: int, places: Iterable[tuple], **keys: Any) -> None:
        """Add the cells of one text line: ``places`` holds each cell's (well, wavelength_nm, text,
        column); ``keys`` (plate, time_s, temperature_C, series) are those of the whole line."""
        for well, wavelength_nm, text, column in places:
            self.add(well=well, wavelength_nm=wavelength_nm, text=text, line=line, column=column, **keys)

    def plates_with_cells(self) -> set[int]:
        """Plates that have at least one cell so far (reading, skipped or empty)."""
        return set(self._rows["plate"]) | {cell.plate for cell in self._skipped}

    def unmeasured(self) -> dict[tuple[int, int | None], list[str]]:
        """(plate or series, wavelength) -> wells empty in every read (after :meth:`finish`)."""
        return {k: list(v) for k, v in self._unmeasured.items()}

    def finish(self) -> tuple[pd.DataFrame, list[SkippedCell]]:
        """The traces frame (checked by :func:`build_frame`) and every skipped cell, in file order.

        Raises
        ------
        DataFormatError
            With every problem recorded, or found by :func:`build_frame`.
        """
        if self.problems:
            raise DataFormatError(self.source, self.problems)
        self._unmeasured = {}
        skipped = []
        for cell, series in zip(self._skipped, self._series):
            if cell.reason != "empty" or (series, cell.well, cell.wavelength_nm) in self._seen:
                skipped.append(cell)
                continue
            wells = self._unmeasured.setdefault((series, cell.wavelength_nm), [])
            if cell.well not in wells:
                wells.append(cell.well)
        columns = {k: self._rows[k] for k in TRACE_COLUMNS}
        return build_frame(**columns, source=self.source, lines=self._rows["line"]), skipped
